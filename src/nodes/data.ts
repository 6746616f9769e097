/**
 * The values that flow along edges between the lucky-imaging nodes (one interface per port type).
 * Coordinates: [y, x], origin top-left. Rectangles are half-open {y0, y1, x0, x1}.
 *
 * Shift sign convention (as PSS, reference §0): a shift s = (sy, sx) of a frame is the vector ADDED
 * to frame coordinates to get reference coordinates; content displaced by +d in the frame has s = −d.
 */
import type { Image, Rect } from '../image/image.js';
import type { FrameSet } from '../runtime/frame-store.js';

/** Port type `frames`. */
export type Frames = FrameSet;

/** Port type `ranking`: global frame quality. Indices are frame-set indices (after exclusion). */
export interface Ranking {
  method: string;
  /** Quality per frame, normalised so the best frame is 1. */
  quality: Float64Array;
  /** Frame indices, best first (stable: ties keep chronological order). */
  order: Int32Array;
  /** rank[i] = position of frame i in `order` (0 = best). */
  rank: Int32Array;
}

/** Port type `patch`: stabilisation patch candidates, best first (frame/reference coordinates). */
export interface PatchCandidates {
  rects: Rect[];
  scores: number[];
  /** True for a user-drawn rectangle (no fallbacks). */
  manual: boolean;
}

/** Port type `alignment`. */
export interface Alignment {
  mode: 'surface' | 'planet';
  /** Index of the reference (best) frame. */
  reference: number;
  /** Per frame global shift (sy, sx) in pixels, sub-pixel where measured: shifts[2i], shifts[2i+1]. */
  shifts: Float64Array;
  /** Region covered by every frame (integer bounds from the rounded shifts), in reference coordinates. */
  intersection: Rect;
  /**
   * Intersection pixel (y, x) is frame i's pixel (y + dy[i], x + dx[i]) (float; dy[i] = Y0 − sy_i).
   * Nodes that work on whole pixels use Math.round(dy[i]).
   */
  dy: Float64Array;
  dx: Float64Array;
  /** The patch that was used (surface mode). */
  patch?: Rect;
  /** Frames whose alignment failed and were dropped from later steps (empty in PSS mode). */
  failed: number[];
}

/** An alignment point (intersection coordinates). */
export interface AlignmentPoint {
  y: number;
  x: number;
  /** Box used for shift measurement: [y−hb, y+hb) × [x−hb, x+hb). */
  box: Rect;
  /** Patch that is stacked; may be extended to the image border. */
  patch: Rect;
  /** Normalised structure (1 = most structured AP). */
  structure: number;
}

/** Port type `apgrid`. */
export interface APGrid {
  /** Intersection (image) size the APs live in. */
  width: number;
  height: number;
  halfBox: number;
  halfPatch: number;
  searchWidth: number;
  points: AlignmentPoint[];
  dropped: { dim: number; structure: number };
}

/** Port type `selection`: per-AP local quality and the frames chosen for each AP. */
export interface Selection {
  apCount: number;
  frameCount: number;
  /** q[a * frameCount + i]. */
  quality: Float32Array;
  /** Frames per AP (stack size K). */
  k: number;
  /** best[a * k + j]: the j-th best frame of AP a. */
  best: Int32Array;
}

/** Port type `localshifts`: for each selected pair (a, j) the local shift in pixels. */
export interface LocalShifts {
  apCount: number;
  k: number;
  /** Frame of pair (a, j) — the same as selection.best. */
  frames: Int32Array;
  /** Local shift (vector added to frame coordinates to reach the reference), float pixels. */
  dy: Float32Array;
  dx: Float32Array;
  /** 1 when the measurement succeeded (PSS applies shifts even when not). */
  ok: Uint8Array;
  /** Histogram of |shift| rounded to pixels (successful pairs) and the failure count. */
  histogram: number[];
  failures: number;
}

/** Port type `stackparts`: accumulated, ramp-weighted AP patches ready to be blended. */
export interface StackParts {
  /** Drizzled size. */
  width: number;
  height: number;
  channels: 1 | 3;
  drizzle: number;
  /** Σ over APs and frames of ω_a · frame patch (drizzled grid). */
  weighted: Image;
  /** Σ over APs of K·ω_a (initialised to 1e−30). */
  weightSum: Float32Array;
  /** Mean of the globally best K frames (undrizzled intersection), or null when no holes. */
  background: Image | null;
  k: number;
  /** Pixels to trim per side after blending (clipped source regions). */
  borders: { top: number; bottom: number; left: number; right: number };
  /** True when the final image is halved (drizzle 1.5x). */
  halve: boolean;
}

export type { Image, Rect };
