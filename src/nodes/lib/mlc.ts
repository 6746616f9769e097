/**
 * The two-phase normalised correlation ("multilevel correlation", MLC) of PSS §6.2, used for the
 * global frame alignment (Align node) and for the local shift of every alignment point (§10.1).
 *
 * Sign convention (PSS §0): the returned shift s = (sy, sx) is the vector ADDED to frame
 * coordinates to get reference coordinates. If the frame content is displaced by +d relative to
 * the reference (frame(p) = reference(p − d)), then s = −d. The total shift is `sh1 + sh2`.
 *
 * Phase 1 (half resolution, search radius `e = 2·s1`, `s1 = ⌊(Sw − 4)/2⌋`):
 *   `win1 = GaussBlur(G[y0−e : y1+e : 2, x0−e : x1+e : 2], gw)` — note the SECOND blur of the frame
 *   window (PSS quirk P4: the reference half is only decimated, not blurred again; kept as PSS does).
 *   `R1 = NCC(win1, refHalf)` ((2s1+1)² positions), optionally `R1 ⊙ W1`, `sh1 = 2·(s1 − argmax)`.
 *   Success iff the optimum is not on the rim (|sh1_y| ≠ e and |sh1_x| ≠ e); otherwise both phases
 *   fail and all shifts are 0.
 * Phase 2 (full resolution, radius 4):
 *   `win2 = G[y0 − sh1_y − 4 : y1 − sh1_y + 4, …]`, `R2 = NCC(win2, refFull)` (9×9),
 *   `sh2 = 4 − argmax`; success iff not on the rim, otherwise sh2 = (0, 0) and sh1 is kept.
 * Sub-pixel (optional, only when phase 2 succeeded): paraboloid through the 3×3 block of R2
 * around the maximum (§10.3); a correction with both components ≤ 1 is applied as `sh2 − corr`.
 *
 * Differences from PSS (documented deviations):
 * - Bounds: PSS relies on its callers to keep the windows inside the frame (numpy slicing would
 *   silently clip or wrap). Here a window that would leave the frame makes that phase fail
 *   (`ok = false`, `reason = 'bounds1' | 'bounds2'`) instead of throwing or reading garbage.
 * - The phase-1 window blur is computed in float; PSS rounds it to uint16 (a ≤ 0.5 level difference).
 *
 * All image work goes through `getKernels()` (correlateWindow — the window cut, blur and NCC of one
 * phase in one call —, argmax, subpixelParaboloid) so a faster kernel implementation is picked up
 * automatically. `G` may hold 16-bit samples (the frame store's `blurredSamplesView`): only the
 * windows are ever converted to float.
 */
import type { Image, Rect } from '../../image/image.js';
import { getKernels, type SamplePlane } from '../../image/kernels.js';
import { correlateWasmInstance, wasmKernelsEnabled } from '../../image/wasm/node.js';
import { WasmMemoryError } from '../../image/wasm/module.js';
import { MLC_STATUS, WasmMlcFrames, type MlcFrameSpec } from '../../image/wasm/mlc-frame.js';

/** Phase-2 (full resolution) search radius, hard-coded in PSS. */
export const MLC_PHASE2_RADIUS = 4;
/** `alignment_points_penalty_factor` of PSS (§10.1). */
export const MLC_PENALTY_FACTOR = 0.00025;

export type MlcFailure = 'rim1' | 'rim2' | 'bounds1' | 'bounds2';

export interface MlcOptions {
  /** Phase-1 weight matrix, (2·s1+1)² row-major (see `penaltyWeights`); null/undefined = none. */
  weights?: Float32Array | null;
  /** Refine phase 2 to sub-pixel with the §10.3 paraboloid (default false, as PSS without drizzle). */
  subpixel?: boolean;
}

export interface MlcResult {
  /** Phase-1 shift [y, x] (even integers); [0, 0] when phase 1 failed. */
  sh1: [number, number];
  ok1: boolean;
  /** Phase-2 shift [y, x]: integer, or float when `subpixel` refined it; [0, 0] when phase 2 failed. */
  sh2: [number, number];
  ok2: boolean;
  /** The integer phase-2 optimum before sub-pixel refinement ([0, 0] when phase 2 failed). */
  sh2Int: [number, number];
  /** Why a phase failed (absent when both succeeded). */
  failure?: MlcFailure;
}

/** `s1 = ⌊(Sw − 4)/2⌋`, the phase-1 search radius in half-resolution pixels (may be ≤ 0: phase 1 then always fails). */
export function phase1Radius(searchWidth: number): number {
  return Math.floor((searchWidth - MLC_PHASE2_RADIUS) / 2);
}

/**
 * Largest total shift per axis MLC can report for a search width: `2·s1 + 1`
 * (phase 1 accepts ±(2s1 − 2), phase 2 ±3). 31 px for Sw = 34, 11 px for Sw = 14.
 */
export function maxMlcShift(searchWidth: number): number {
  const s1 = phase1Radius(searchWidth);
  return s1 > 0 ? 2 * s1 + 1 : 0;
}

/**
 * PSS §10.1 phase-1 penalty weights: `W1[u, v] = 1 − 0.00025·((u/s1 − 1)² + (v/s1 − 1)²)` for
 * u, v ∈ 0..2s1, row-major, (2s1+1)² entries (1 at the centre, 0.9995 at the corners).
 * For `s1 ≤ 0` (PSS would divide by zero) a single weight 1 is returned.
 */
export function penaltyWeights(s1: number, factor = MLC_PENALTY_FACTOR): Float32Array {
  if (!Number.isInteger(s1)) throw new Error(`penaltyWeights: s1 must be an integer, got ${s1}`);
  if (s1 <= 0) return new Float32Array([1]);
  const n = 2 * s1 + 1;
  const w = new Float32Array(n * n);
  for (let u = 0; u < n; u++) {
    const a = u / s1 - 1;
    for (let v = 0; v < n; v++) {
      const b = v / s1 - 1;
      w[u * n + v] = 1 - factor * (a * a + b * b);
    }
  }
  return w;
}

/** The phase-1 reference: `refFull[0::2, 0::2]`. */
export function halfReference(refFull: Image): Image {
  return getKernels().cropStrided(refFull, 0, refFull.height, 0, refFull.width, 2);
}

/**
 * The references of a box cut from a reference image: `refFull = ref[box]`, `refHalf = refFull[0::2, 0::2]`.
 * Throws when the box is not inside the image (a caller error).
 */
export function mlcReferences(ref: Image, box: Rect): { refFull: Image; refHalf: Image } {
  const refFull = getKernels().crop(ref, box.y0, box.y1, box.x0, box.x1);
  return { refFull, refHalf: halfReference(refFull) };
}

function failed(failure: MlcFailure, sh1: [number, number] = [0, 0], ok1 = false): MlcResult {
  return { sh1, ok1, sh2: [0, 0], ok2: false, sh2Int: [0, 0], failure };
}

/**
 * Two-phase multilevel correlation (PSS §6.2) of frame `G` against the references, for the box
 * `box` given in FRAME coordinates (for a global alignment: the reference rectangle moved by minus
 * the expected shift; for an AP: the AP box plus the frame's global offset).
 *
 * @param refFull  reference pixels of the box, size (y1−y0) × (x1−x0), mono
 * @param refHalf  `refFull[0::2, 0::2]` (see `halfReference`)
 * @param G        the blurred mono frame (full size; float or 16-bit samples)
 * @param box      half-open rectangle in frame coordinates (integers)
 * @param searchWidth  Sw (global Sg = 34, AP S = 14); s1 = ⌊(Sw − 4)/2⌋
 * @param gw       the Gaussian kernel size of the phase-1 re-blur (the frames' noise level)
 * @returns `{ sh1, ok1, sh2, ok2, sh2Int, failure? }`; the total shift is `sh1 + sh2`.
 *          Never throws for windows outside the frame (that phase fails instead); throws only for
 *          inconsistent arguments (reference sizes not matching the box, weight matrix size).
 */
export function mlc(
  refFull: Image, refHalf: Image, G: SamplePlane, box: Rect, searchWidth: number, gw: number,
  opts: MlcOptions = {},
): MlcResult {
  const k = getKernels();
  const { y0, y1, x0, x1 } = box;
  const bh = y1 - y0;
  const bw = x1 - x0;
  if (![y0, y1, x0, x1].every(Number.isInteger) || bh <= 0 || bw <= 0) {
    throw new Error(`mlc: box [${y0},${y1})x[${x0},${x1}) must be a non-empty integer rectangle`);
  }
  if (refFull.width !== bw || refFull.height !== bh) {
    throw new Error(`mlc: refFull is ${refFull.width}x${refFull.height}, the box is ${bw}x${bh}`);
  }
  if (refHalf.width !== Math.ceil(bw / 2) || refHalf.height !== Math.ceil(bh / 2)) {
    throw new Error(`mlc: refHalf is ${refHalf.width}x${refHalf.height}, expected ${Math.ceil(bw / 2)}x${Math.ceil(bh / 2)}`);
  }
  const s1 = phase1Radius(searchWidth);
  const n1 = 2 * Math.max(s1, 0) + 1;
  const W1 = opts.weights ?? null;
  if (W1 && W1.length !== n1 * n1) {
    throw new Error(`mlc: weight matrix has ${W1.length} entries, expected ${n1}x${n1} for search width ${searchWidth}`);
  }
  // PSS quirk P10: with s1 ≤ 0 the phase-1 optimum is always "on the rim" → failure.
  if (s1 <= 0) return failed('rim1');
  const e = 2 * s1;
  const H = G.height;
  const W = G.width;

  // ---- phase 1: decimated, re-blurred frame window vs the decimated reference ----
  if (y0 - e < 0 || x0 - e < 0 || y1 + e > H || x1 + e > W) return failed('bounds1');
  let r1 = k.correlateWindow(G, y0 - e, y1 + e, x0 - e, x1 + e, 2, gw, refHalf);
  if (r1.width !== n1 || r1.height !== n1) {
    // Cannot happen for consistent sizes: ⌈(b + 2e)/2⌉ − ⌈b/2⌉ + 1 = 2s1 + 1.
    throw new Error(`mlc: phase-1 map is ${r1.width}x${r1.height}, expected ${n1}x${n1}`);
  }
  if (W1) {
    const d = new Float32Array(r1.data.length);
    for (let i = 0; i < d.length; i++) d[i] = r1.data[i] * W1[i];
    r1 = { width: n1, height: n1, channels: 1, data: d };
  }
  const m1 = k.argmax(r1);
  const sh1: [number, number] = [2 * (s1 - m1.y), 2 * (s1 - m1.x)];
  if (Math.abs(sh1[0]) === e || Math.abs(sh1[1]) === e) return failed('rim1');

  // ---- phase 2: full resolution, ±4 around the phase-1 result ----
  const r = MLC_PHASE2_RADIUS;
  const wy0 = y0 - sh1[0] - r;
  const wy1 = y1 - sh1[0] + r;
  const wx0 = x0 - sh1[1] - r;
  const wx1 = x1 - sh1[1] + r;
  if (wy0 < 0 || wx0 < 0 || wy1 > H || wx1 > W) return failed('bounds2', sh1, true);
  const r2 = k.correlateWindow(G, wy0, wy1, wx0, wx1, 1, 0, refFull);
  const m2 = k.argmax(r2);
  const sh2Int: [number, number] = [r - m2.y, r - m2.x];
  if (Math.abs(sh2Int[0]) === r || Math.abs(sh2Int[1]) === r) return failed('rim2', sh1, true);

  const sh2: [number, number] = [sh2Int[0], sh2Int[1]];
  if (opts.subpixel) {
    // The optimum is not on the rim, so its 3×3 neighbourhood lies inside the 9×9 map.
    const n2 = r2.width;
    const f9 = new Float64Array(9);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) f9[(dy + 1) * 3 + dx + 1] = r2.data[(m2.y + dy) * n2 + m2.x + dx];
    }
    const c = k.subpixelParaboloid(f9);
    if (c && Math.abs(c.dy) <= 1 && Math.abs(c.dx) <= 1) {
      sh2[0] -= c.dy;
      sh2[1] -= c.dx;
    }
  }
  return { sh1, ok1: true, sh2, ok2: true, sh2Int };
}

/** Per-frame MLC of many APs (the Shift node): `run` returns 5 floats per job (see `MlcFrames.run`). */
export interface MlcFrames {
  /**
   * MLC of the APs `jobs` in frame `G` (16-bit blurred samples), boxes moved by (dy, dx): per job
   * status (index into MLC_STATUS: 0 ok, 1 rim1, 2 bounds1, 3 rim2, 4 bounds2), sh1y, sh1x, sh2y, sh2x
   * — exactly `mlc()`'s sh1 and sh2 (zeros where a phase failed).
   */
  run(G: SamplePlane, jobs: Int32Array, dy: number, dx: number): Float64Array;
  /** 'wasm' (one call per frame, split with the helper thread when there is one) or 'per-AP' (mlc()). */
  readonly kind: 'wasm' | 'per-AP';
}

export type { MlcFrameSpec };
export { MLC_STATUS };

/** `mlc()` AP by AP with the current kernels: the reference of MlcFrames (and the fallback). */
function perApFrames(spec: MlcFrameSpec, searchWidth: number): MlcFrames {
  return {
    kind: 'per-AP',
    run(G, jobs, dy, dx) {
      const out = new Float64Array(jobs.length * 5);
      for (let j = 0; j < jobs.length; j++) {
        const a = jobs[j];
        const b = spec.boxes[a];
        const box = { y0: b.y0 + dy, y1: b.y1 + dy, x0: b.x0 + dx, x1: b.x1 + dx };
        const r = mlc(spec.refs[a].refFull, spec.refs[a].refHalf, G, box, searchWidth, spec.gw, { weights: spec.weights, subpixel: spec.subpixel });
        out.set([r.failure ? MLC_STATUS.indexOf(r.failure) : 0, r.sh1[0], r.sh1[1], r.sh2[0], r.sh2[1]], 5 * j);
      }
      return out;
    },
  };
}

/**
 * The MLC of a run's APs frame by frame: one WebAssembly call per frame when the WebAssembly kernels
 * are in use (bit-identical with `mlc()` on them), else `mlc()` per AP. `perAp` forces the latter.
 */
export function mlcFrames(spec: MlcFrameSpec, searchWidth: number, opts: { perAp?: boolean } = {}): MlcFrames {
  if (phase1Radius(searchWidth) !== spec.s1) throw new Error(`mlcFrames: s1 ${spec.s1} does not match search width ${searchWidth}`);
  const slow = perApFrames(spec, searchWidth);
  const inst = !opts.perAp && wasmKernelsEnabled() ? correlateWasmInstance() : null;
  if (!inst?.exports.mlcFrame) return slow;
  const fast = new WasmMlcFrames(inst, spec);
  let useFast = true;
  return {
    kind: 'wasm',
    run(G, jobs, dy, dx) {
      if (useFast && G.data instanceof Uint16Array) {
        try {
          return fast.run(G as { width: number; height: number; data: Uint16Array }, jobs, dy, dx);
        } catch (e) {
          if (!(e instanceof WasmMemoryError)) throw e;
          useFast = false; // memory cannot grow: the per-AP kernels fall back on their own
        }
      }
      return slow.run(G, jobs, dy, dx);
    },
  };
}
