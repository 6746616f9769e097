/**
 * Patch sampling for the Stack node: per-axis interpolation tap tables and the weighted accumulation
 * of one frame patch into the drizzled stack (PSS §11–§12.1).
 *
 * Coordinates: a target index Y on the drizzled grid (factor D) has its pixel centre at intersection
 * coordinate (Y + 0.5)/D − 0.5. The frame pixel of intersection position y is y + d_i − ℓ
 * (global offset d_i, local shift ℓ: the vector added to frame coordinates to reach the reference).
 */
import { roundHalfEven } from '../../image/numeric.js';
import type { Image } from '../../image/image.js';
import { cubicWeights } from '../../image/resample.js';
import { widenSamples } from '../../image/pointwise.js';
import { WasmMemoryError, type WasmKernelInstance } from '../../image/wasm/module.js';
import { stackWasmInstance, wasmKernelsEnabled } from '../../image/wasm/node.js';

/** Taps of one axis of a patch: valid targets are [first, end); the rest fall outside the frame. */
export interface AxisTaps {
  first: number;
  end: number;
  /** Taps per target (1, 2 or 4); target t uses idx/wt[t·n … t·n + n − 1] (indices clamped = replicate). */
  n: number;
  idx: Int32Array;
  wt: Float32Array;
  /** Targets outside the frame at the low / high end (PSS border bookkeeping). */
  clipLo: number;
  clipHi: number;
}

export type SampleMode = 'bilinear' | 'cubic' | 'integer';

const cubic = cubicWeights;

/**
 * Tap table for `len` targets starting at drizzled index `start`, sampling a source axis of
 * `srcN` pixels. `offset` = d_i (global, float) and `local` = ℓ (local shift, float).
 *
 * - 'bilinear' / 'cubic': source coordinate s = (Y + 0.5)/D − 0.5 + offset − local, exact
 *   (sub-pixel); valid when −0.5 ≤ s < srcN − 0.5 (edges replicate). Cubic uses OpenCV's a = −0.75.
 * - 'integer' (PSS): the frame is first up-sampled by D (OpenCV linear resize), then copied with
 *   the integer shift T = round(offset·D) − round(local·D) on the fine grid (half-even);
 *   valid when 0 ≤ Y + T < srcN·D. With D = 1 this is an exact integer copy.
 */
export function axisTaps(len: number, start: number, srcN: number, D: number, offset: number, local: number, mode: SampleMode): AxisTaps {
  const n = mode === 'cubic' ? 4 : mode === 'integer' && D === 1 ? 1 : 2;
  const idx = new Int32Array(len * n);
  const wt = new Float32Array(len * n);
  const cw = new Float64Array(4);
  let first = len;
  let end = 0;
  const T = mode === 'integer' ? roundHalfEven(offset * D) - roundHalfEven(local * D) : 0;
  const shift = offset - local;
  const clamp = (i: number) => (i < 0 ? 0 : i >= srcN ? srcN - 1 : i);
  for (let t = 0; t < len; t++) {
    const Y = start + t;
    let s: number;
    let valid: boolean;
    if (mode === 'integer') {
      const Yf = Y + T;
      valid = Yf >= 0 && Yf < srcN * D;
      s = D === 1 ? Yf : (Yf + 0.5) / D - 0.5;
    } else {
      s = D === 1 ? Y + shift : (Y + 0.5) / D - 0.5 + shift;
      valid = s >= -0.5 && s < srcN - 0.5;
    }
    if (!valid) continue;
    if (t < first) first = t;
    end = t + 1;
    const k = Math.floor(s);
    const f = s - k;
    const o = t * n;
    if (n === 1) {
      idx[o] = clamp(k);
      wt[o] = 1;
    } else if (n === 2) {
      idx[o] = clamp(k);
      idx[o + 1] = clamp(k + 1);
      wt[o] = 1 - f;
      wt[o + 1] = f;
    } else {
      cubic(f, cw);
      for (let j = 0; j < 4; j++) {
        idx[o + j] = clamp(k - 1 + j);
        wt[o + j] = cw[j];
      }
    }
  }
  if (first >= end) return { first: 0, end: 0, n, idx, wt, clipLo: len, clipHi: len };
  return { first, end, n, idx, wt, clipLo: first, clipHi: len - end };
}

/**
 * 1-D AP weight ramp (PSS §12.1) over the patch [lo, hi) with centre c in an axis of n pixels:
 * (j + 1)/(c − lo + 1) below the centre, (hi − p)/(hi − c) from the centre on; a side whose patch
 * edge lies on the image border is flat (1).
 */
export function rampWeights(lo: number, hi: number, c: number, n: number): Float32Array {
  const out = new Float32Array(hi - lo);
  for (let p = lo; p < hi; p++) {
    const j = p - lo;
    if (p < c) out[j] = lo === 0 ? 1 : (j + 1) / (c - lo + 1);
    else out[j] = hi === n ? 1 : (hi - p) / (hi - c);
  }
  return out;
}

let scratch = new Float64Array(0);

let wasmWarned = false;

/** The wasm instance for the accumulation, or null (TypeScript path). */
function stackInstance(): WasmKernelInstance | null {
  if (!wasmKernelsEnabled()) return null;
  const inst = stackWasmInstance();
  return inst && inst.hasStackAccumulate ? inst : null;
}

/**
 * A frame as the frame store keeps it (FrameSet.originalLease): 8- or 16-bit samples; the float frame
 * is sample · scale. The WebAssembly path widens it itself; the TypeScript path converts it first.
 */
export interface StoredFrame {
  width: number;
  height: number;
  channels: 1 | 3;
  stored: Uint8Array | Uint16Array;
  scale: number;
}

/** True when `accumulatePatch` takes a StoredFrame without converting it in TypeScript. */
export function storedFramesAccumulateInWasm(): boolean {
  return !!stackInstance()?.hasStoredFrames;
}

function toFloatFrame(F: StoredFrame): Image {
  return { width: F.width, height: F.height, channels: F.channels, data: widenSamples(F.stored, F.scale) };
}

/** The instance holding a bound accumulator (`beginAccumulation`), if any. */
let boundInst: WasmKernelInstance | null = null;

/**
 * Optional, for a run of `accumulatePatch` calls into the same `acc`: with the WebAssembly kernels,
 * keeps `acc` in wasm memory (no copy of the touched region in and out per call) until
 * `endAccumulation(acc)`, which copies the sums back. Between the two, `acc` must be written only
 * through `accumulatePatch(es)` and read only after `endAccumulation`. `more.accumulators` are kept
 * (and copied back) the same way; `more.tables` (the ramps) are copied in for `accumulateFrame`.
 * `more.zeroed`: `acc` and the accumulators hold only zeros (fresh arrays; lets wasm skip copying
 * them into memory that still holds zeros). No-op on the TypeScript path.
 */
export function beginAccumulation(
  acc: Float32Array, more: { accumulators?: readonly Float32Array[]; tables?: readonly Float32Array[]; zeroed?: boolean } = {},
): void {
  const inst = stackInstance();
  if (!inst) return;
  if (boundInst) endAccumulation(null);
  try {
    inst.stackBind(acc, more);
    boundInst = inst;
  } catch (e) {
    if (!(e instanceof WasmMemoryError)) throw e;
    inst.stackRelease();
  }
}

/**
 * Ends `beginAccumulation`: copies the sums back into `acc` (null: whatever is bound) and frees
 * the frame kept in wasm memory. Safe to call when nothing is bound.
 */
export function endAccumulation(acc: Float32Array | null): void {
  if (!boundInst) return;
  if (acc === null || boundInst.stackBound(acc)) {
    boundInst.stackRelease();
    boundInst = null;
  }
}

/** Frees the frame the WebAssembly accumulation keeps between calls (copying a bound accumulator back). */
export function releaseStackFrame(): void {
  if (boundInst) endAccumulation(null);
  else if (wasmKernelsEnabled()) stackWasmInstance()?.stackRelease();
}

/**
 * acc[(y0 + t, x0 + u)] += scale · min(wy[t], wx[u]) · F(sample(t, u)) for all valid (t, u), all
 * channels; `accWidth` is the width of the accumulator image. Weights may be omitted (1).
 * Separable: each target row is first interpolated along y into a scratch row, then along x.
 */
export function accumulatePatch(
  acc: Float32Array, accWidth: number, F: Image | StoredFrame, ty: AxisTaps, tx: AxisTaps,
  y0: number, x0: number, wy: Float32Array | null, wx: Float32Array | null, scale: number,
): void {
  if (ty.end <= ty.first || tx.end <= tx.first) return;
  const inst = stackInstance();
  if (boundInst && inst !== boundInst && boundInst.stackBound(acc)) endAccumulation(acc); // wasm turned off meanwhile
  const stored = 'stored' in F;
  if (inst && (!stored || inst.hasStoredFrames)) {
    // WebAssembly SIMD: the same float64 operations in the same order (bit-identical); the frame
    // is copied into wasm memory once and kept while the following calls use the same image.
    try {
      if (stored) inst.stackFrameStored(F.stored, F.scale);
      else inst.stackFrame(F.data);
      inst.stackAccumulate(acc, accWidth, F.width, F.channels, ty, tx, y0, x0, wy, wx, scale);
      return;
    } catch (e) {
      if (!(e instanceof WasmMemoryError)) throw e;
      if (boundInst === inst) boundInst = null;
      inst.stackRelease(); // copies a bound accumulator back first
      if (!wasmWarned) {
        wasmWarned = true;
        process.emitWarning(`luckygraph: ${e.message}; using the TypeScript stack accumulation`, { code: 'LUCKYGRAPH_WASM' });
      }
    }
  }
  accumulatePatchTS(acc, accWidth, stored ? toFloatFrame(F) : F, ty, tx, y0, x0, wy, wx, scale);
}

/** One patch of `accumulateFrame`: the arguments of one `axisTaps` pair and `accumulatePatch` call. */
export interface FramePatch {
  acc: Float32Array;
  accWidth: number;
  /** Target origin and size (and the taps' start) per axis, on the accumulator's grid. */
  y0: number;
  lenY: number;
  x0: number;
  lenX: number;
  /** Drizzle factor of the taps. */
  D: number;
  /** axisTaps' offset (global) and local shift per axis. */
  offY: number;
  locY: number;
  offX: number;
  locX: number;
  wy: Float32Array | null;
  wx: Float32Array | null;
  scale: number;
  /** Count the patch's clips in `borders` (PSS border bookkeeping). */
  track: boolean;
}

const MODE_CODE: Record<SampleMode, 0 | 1 | 2> = { bilinear: 0, cubic: 1, integer: 2 };

/**
 * For each patch in order: `axisTaps` per axis, the clips into `borders` ([top, bottom, left, right],
 * largest per side) when `track`, and `accumulatePatch` from frame F. With the WebAssembly kernels and
 * every accumulator and ramp bound (`beginAccumulation`), the whole frame is one call (taps computed
 * in wasm, the same operations); the sums and borders are bit-identical either way.
 */
export function accumulateFrame(F: Image | StoredFrame, patches: readonly FramePatch[], mode: SampleMode, borders: Int32Array): void {
  const inst = stackInstance();
  const stored = 'stored' in F;
  if (inst && boundInst === inst && inst.hasStackRecords && (!stored || inst.hasStoredFrames) && allBound(inst, patches)) {
    try {
      // (stored samples go in as they are: the records read them without a widened copy)
      if (stored) inst.stackFrameRaw(F.stored, F.scale);
      else inst.stackFrame(F.data);
      inst.stackFrameRecords(F.width, F.height, F.channels, MODE_CODE[mode], patches, borders);
      return;
    } catch (e) {
      if (!(e instanceof WasmMemoryError)) throw e;
      // memory: patch by patch below (accumulatePatch falls back and warns)
    }
  }
  for (const p of patches) {
    const ty = axisTaps(p.lenY, p.y0, F.height, p.D, p.offY, p.locY, mode);
    const tx = axisTaps(p.lenX, p.x0, F.width, p.D, p.offX, p.locX, mode);
    if (p.track) {
      if (ty.clipLo > borders[0]) borders[0] = ty.clipLo;
      if (ty.clipHi > borders[1]) borders[1] = ty.clipHi;
      if (tx.clipLo > borders[2]) borders[2] = tx.clipLo;
      if (tx.clipHi > borders[3]) borders[3] = tx.clipHi;
    }
    accumulatePatch(p.acc, p.accWidth, F, ty, tx, p.y0, p.x0, p.wy, p.wx, p.scale);
  }
}

function allBound(inst: WasmKernelInstance, patches: readonly FramePatch[]): boolean {
  let last: Float32Array | null = null;
  for (const p of patches) {
    if (p.acc !== last && !inst.stackBound(p.acc)) return false;
    last = p.acc;
    if ((p.wy && !inst.stackHolds(p.wy)) || (p.wx && !inst.stackHolds(p.wx))) return false;
  }
  return true;
}

/** The TypeScript path of `accumulatePatch` (reference; also used without WebAssembly). */
export function accumulatePatchTS(
  acc: Float32Array, accWidth: number, F: Image, ty: AxisTaps, tx: AxisTaps,
  y0: number, x0: number, wy: Float32Array | null, wx: Float32Array | null, scale: number,
): void {
  if (ty.end <= ty.first || tx.end <= tx.first) return;
  const C = F.channels;
  const src = F.data;
  const rowLen = F.width * C;
  const nx = tx.n;
  const ny = ty.n;
  let xs0 = Infinity;
  let xs1 = -Infinity;
  for (let q = tx.first * nx; q < tx.end * nx; q++) {
    const i = tx.idx[q];
    if (i < xs0) xs0 = i;
    if (i > xs1) xs1 = i;
  }
  const span = (xs1 - xs0 + 1) * C;
  if (scratch.length < span) scratch = new Float64Array(span);
  const tmp = scratch;
  for (let t = ty.first; t < ty.end; t++) {
    tmp.fill(0, 0, span);
    for (let a = 0; a < ny; a++) {
      const w = ty.wt[t * ny + a];
      if (w === 0) continue;
      const rb = ty.idx[t * ny + a] * rowLen + xs0 * C;
      for (let i = 0; i < span; i++) tmp[i] += w * src[rb + i];
    }
    const wyt = wy ? wy[t] : 1;
    const ob = ((y0 + t) * accWidth + x0) * C;
    for (let u = tx.first; u < tx.end; u++) {
      const wxu = wx ? wx[u] : 1;
      const w = scale * (wyt < wxu ? wyt : wxu);
      const o = ob + u * C;
      const q = u * nx;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let b = 0; b < nx; b++) s += tx.wt[q + b] * tmp[(tx.idx[q + b] - xs0) * C + c];
        acc[o + c] += w * s;
      }
    }
  }
}
