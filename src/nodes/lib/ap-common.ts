/**
 * Helpers shared by the alignment-point nodes (APGrid, LocalRank, Shift, Stack): derived AP sizes,
 * the 1-D grid locations of PSS §8, input consistency checks and small utilities.
 */
import type { Image } from '../../image/image.js';
import { roundHalfEven } from '../../image/numeric.js';
import type { Alignment, APGrid, Selection } from '../data.js';
import type { FrameSet } from '../../runtime/frame-store.js';
import { CancelledError } from '../../runtime/events.js';
import { freshFloat32 } from '../../image/fresh-memory.js';

export { roundHalfEven };

/** PSS §1.2: half box = round(B/2), half patch = round(1.5·hb), step = round(1.5·hp) (half-even). */
export function apSizes(boxWidth: number): { halfBox: number; halfPatch: number; step: number } {
  const halfBox = roundHalfEven(boxWidth / 2);
  const halfPatch = roundHalfEven(1.5 * halfBox);
  const step = roundHalfEven(1.5 * halfPatch);
  return { halfBox, halfPatch, step };
}

/** Minimum distance of an AP centre from the image border: max(hb + S, hp) (PSS §8.2). */
export function minBorderDistance(halfBox: number, halfPatch: number, searchWidth: number): number {
  return Math.max(halfBox + searchWidth, halfPatch);
}

/**
 * PSS §8.3 locations along an axis of length n: k = ⌈(n − 2·mbd)/step⌉, d = (n − 2·mbd)/k;
 * "even" = ⌊mbd + i·d⌋ for i = 0..k, "odd" = ⌊mbd + (i + 0.5)·d⌋ for i = 0..k−1.
 * Both are empty when the axis is too short (k ≤ 0).
 */
export function gridLocations(n: number, mbd: number, step: number): { even: number[]; odd: number[] } {
  const span = n - 2 * mbd;
  const k = Math.ceil(span / step);
  if (!(k > 0)) return { even: [], odd: [] };
  const d = span / k;
  const even: number[] = [];
  const odd: number[] = [];
  for (let i = 0; i <= k; i++) even.push(Math.floor(mbd + i * d));
  for (let i = 0; i < k; i++) odd.push(Math.floor(mbd + (i + 0.5) * d));
  return { even, odd };
}

/** A mono float plane of an image (ITU-R 601 gray for RGB, as OpenCV's Gray()); shares data when mono. */
export function monoImage(img: Image): Image {
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const out = freshFloat32(n);
  const d = img.data;
  for (let p = 0; p < n; p++) out[p] = 0.299 * d[3 * p] + 0.587 * d[3 * p + 1] + 0.114 * d[3 * p + 2];
  return { width: img.width, height: img.height, channels: 1, data: out };
}

/** Throws a CancelledError when the run was cancelled (call between frames). */
export function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledError();
}

/** Number of frames not dropped by the global alignment (Alignment.failed). */
export function usableFrameCount(al: Alignment, n: number): number {
  return n - new Set(al.failed.filter((i) => i >= 0 && i < n)).size;
}

/** Integer frame offsets (dy_i, dx_i) rounded to whole pixels (Alignment doc: Math.round). */
export function integerOffsets(al: Alignment): { dy: Int32Array; dx: Int32Array } {
  const n = al.dy.length;
  const dy = new Int32Array(n);
  const dx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    dy[i] = Math.round(al.dy[i]);
    dx[i] = Math.round(al.dx[i]);
  }
  return { dy, dx };
}

/** Checks that frames, alignment and AP grid describe the same frame set / intersection. */
export function checkConsistency(node: string, frames: FrameSet, al: Alignment, grid?: APGrid, sel?: Selection): void {
  if (al.dy.length !== frames.count || al.dx.length !== frames.count) {
    throw new Error(`${node}: the alignment has ${al.dy.length} frames, the frame set ${frames.count}`);
  }
  const ih = al.intersection.y1 - al.intersection.y0;
  const iw = al.intersection.x1 - al.intersection.x0;
  if (grid && (grid.width !== iw || grid.height !== ih)) {
    throw new Error(
      `${node}: the AP grid was built on a ${grid.width}x${grid.height} image, the alignment intersection is ${iw}x${ih} ` +
      '(connect APGrid.image to the reference of the same alignment)',
    );
  }
  if (sel && grid && sel.apCount !== grid.points.length) {
    throw new Error(`${node}: the selection has ${sel.apCount} APs, the AP grid ${grid.points.length}`);
  }
  if (sel && sel.frameCount !== frames.count) {
    throw new Error(`${node}: the selection was made over ${sel.frameCount} frames, the frame set has ${frames.count}`);
  }
}

/** Stack size from percent/number (PSS §9), without clamping. */
export function stackSizeOf(n: number, percent: number, number: number): number {
  return number > 0 ? Math.floor(number) : Math.max(Math.ceil((n * percent) / 100), 1);
}

/**
 * For each frame, the selection pairs (a·k + j, j < kUse) that use it, in ascending AP order
 * (PSS `used[i]`).
 */
export function pairsByFrame(sel: Selection, kUse: number): Int32Array[] {
  const counts = new Int32Array(sel.frameCount);
  for (let a = 0; a < sel.apCount; a++) for (let j = 0; j < kUse; j++) counts[sel.best[a * sel.k + j]]++;
  const out: Int32Array[] = [];
  for (let i = 0; i < sel.frameCount; i++) out.push(new Int32Array(counts[i]));
  const fill = new Int32Array(sel.frameCount);
  for (let a = 0; a < sel.apCount; a++) {
    for (let j = 0; j < kUse; j++) {
      const p = a * sel.k + j;
      const i = sel.best[p];
      out[i][fill[i]++] = p;
    }
  }
  return out;
}
