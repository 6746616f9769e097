/**
 * WebAssembly SIMD kernels (compiled from assembly/kernels.ts) behind the `Kernels` interface.
 * Platform-neutral: give it the module bytes (Node: `./node.ts` reads them from disk).
 *
 * Memory: one linear memory per instance. Each call lays out its buffers (inputs, outputs, scratch)
 * with a bump allocator from the module's heap base, growing the memory when a call needs more
 * (it never shrinks; the high-water mark is ~2.1× the largest image passed, e.g. 10 MB for a
 * 1280×960 mono blur). Inputs are copied in, results copied out into new Float32Arrays, so callers
 * see exactly the reference semantics (new images, inputs untouched). Not re-entrant (JS is
 * single-threaded; each worker has its own instance).
 *
 * Agreement with `referenceKernels` (tests/perf):
 *  - gaussianBlur, gaussianBlurSigma, blurStrided, laplacian3x3: bit-identical (same float64
 *    operations in the same order, two lanes at a time);
 *  - nccMap: float64 products and sums like the reference, only the summation order differs
 *    (≈1e-16 relative), so the float32 maps are identical in practice (tests: 0 differing samples;
 *    bound enforced ≤ 1e-6). `nccMap(w, t, 'f32')` is the faster f32x4 variant (|Δ| ≲ 1e-7).
 *    The template and window energies are computed exactly as the reference does.
 */
import { createImage, requireMono, type Image, type Plane } from '../image.ts';
import { gaussianKernel, gaussianKernelSigma } from '../blur.ts';
import { reflect101 } from '../numeric.ts';
import { commitNow, freshFloat32 } from '../fresh-memory.ts';
import { interpolationTaps, type Interpolation, type StoredPlane } from '../resample.ts';
import { referenceKernels, type Kernels } from '../kernels.ts';
import { checkRect } from '../region.ts';
import { checkSizes } from '../match.ts';
import { checkRects8 } from '../stats.ts';
import type { SamplePlane } from '../correlate-window.ts';
import type { RowSplitter } from './row-helper.ts';

/** The raw exports of kernels.wasm (pointers are byte offsets into `memory`). */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  blurSep(
    src: number, dst: number, w: number, h: number, C: number,
    kx: number, rx: number, ky: number, ry: number,
    xsrc: number, ytab: number, ring: number, pad: number, rowp: number,
  ): void;
  /** blurSep in float32 arithmetic (reference: gaussianBlurF32); same arguments. */
  blurSep32(
    src: number, dst: number, w: number, h: number, C: number,
    kx: number, rx: number, ky: number, ry: number,
    xsrc: number, ytab: number, ring: number, pad: number, rowp: number,
  ): void;
  laplacian(src: number, dst: number, w: number, h: number, C: number): void;
  nccMap(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number): void;
  /** nccMap in two steps (shared part, then a band of rows); optional: older builds lack them. */
  nccPrepare?(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, ii: number): number;
  nccRows?(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number, tt: number, u0: number, u1: number): void;
  nccMap64(
    I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number,
    I64: number, T64: number,
  ): void;
  firstPass(
    src: number, bps: number, w: number, h: number, thr: number,
    kx: number, rx: number, xsrc: number, ytab: number, ring: number, pad: number, rowp: number,
    fbuf: number, g: number, half: number, lap: number, l8: number, stats: number,
  ): number;
  /** firstPass in two steps: a band of G rows, then L (see assembly/kernels.ts; optional: older builds lack them). */
  firstPassRows?(
    src: number, bps: number, w: number, h: number, thr: number,
    kx: number, rx: number, xsrc: number, ytab: number, ring: number, pad: number, rowp: number,
    fbuf: number, g: number, half: number, y0: number, y1: number, sumOut: number,
  ): void;
  firstPassFinish?(w: number, h: number, half: number, lap: number, l8: number, stats: number): void;
  /** Rows y0 … y1−1 of blurSep (f32 = 0) or blurSep32 (f32 = 1) (see assembly/kernels.ts; optional). */
  blurRows?(
    src: number, dst: number, w: number, h: number, C: number, kx: number, rx: number, ky: number, ry: number,
    xsrc: number, ytab: number, ring: number, pad: number, rowp: number, f32: number, y0: number, y1: number,
  ): void;
  /** u8/u16 samples → f32 · scale (see assembly/kernels.ts; optional: older builds lack it). */
  widenToF32?(src: number, dst: number, n: number, bytes: number, scale: number): void;
  /** Σv, Σv² of 8-bit samples over rectangles (see assembly/kernels.ts; optional: older builds lack it). */
  rectSums8?(src: number, w: number, rects: number, n: number, out: number): void;
  /** Two-phase MLC of many boxes of one frame (see assembly/kernels.ts; optional: older builds lack it). */
  mlcFrame?(
    aps: number, params: number, G: number, gy0: number, W: number, H: number,
    jobs: number, n: number, dy: number, dx: number, out: number, scratch: number,
  ): void;
  /** The Stack node's Σω and its statistics (see assembly/kernels.ts; optional: older builds lack it). */
  stackWeights?(
    ws: number, wD: number, hD: number, recs: number, n: number, K: number, lim: number,
    tile: number, tilesX: number, tiles: number, counts: number,
  ): void;
  /** The Mean node's sub-pixel accumulation of a stored frame (see assembly/kernels.ts; optional: older builds lack it). */
  accumulateShiftedStored?(
    src: number, bytes: number, scale: number, W: number, acc: number, w: number, h: number,
    xi: number, xw: number, yi: number, yw: number, rows: number,
  ): void;
  /** PNG scanlines of 16-bit output (see assembly/kernels.ts; optional: older builds lack it). */
  pngUp16?(src: number, isFloat: number, row: number, rows: number, q: number, dst: number): void;
  /** Round half-even and clamp to uint16 (see assembly/kernels.ts; optional: older builds lack it). */
  quantizeU16?(src: number, dst: number, n: number): void;
  /** Stored RGB samples to the stored mono frame (see assembly/kernels.ts; optional: older builds lack it). */
  rgbToMono16?(src: number, bytes: number, scale: number, n: number, dst: number): void;
  /** Every patch of one frame for the Stack node (see assembly/kernels.ts; optional: older builds lack it). */
  stackRecords?(
    recs: number, n: number, src: number, W: number, H: number, C: number, mode: number,
    yIdx: number, yWt: number, xIdx: number, xWt: number, xOff: number, tmp: number, xs: number, borders: number,
    band: number, halfRows: number, srcBytes: number, srcScale: number,
  ): void;
  /** Strided u16 → f32 gather (see assembly/kernels.ts). */
  gatherU16(src: number, srcStride: number, rows: number, cols: number, step: number, dst: number): void;
  /** Stack patch accumulation (see assembly/kernels.ts; optional: older builds lack it). */
  stackAccumulate?(
    src: number, rowLen: number, C: number,
    yIdx: number, yWt: number, ny: number, rows: number,
    xOff: number, xWt: number, nx: number, cols: number,
    xs0: number, span: number,
    wy: number, wx: number, scale: number,
    acc: number, accStride: number, tmp: number, xs: number,
  ): void;
}

const PAGE = 65536;
/** Multiply-adds below which a correlation is not split across threads (Align's phases: 10–35 M; an AP's: < 0.2 M). */
const SPLIT_MIN_WORK = 2_000_000;
/** Samples below which a blur is not split across threads (an AP's window is far smaller, a frame far larger). */
const SPLIT_MIN_BLUR = 200_000;
/** Frame rows below which a first pass is not split across threads. */
const SPLIT_MIN_ROWS = 64;
/** Smallest Stack frame (target samples of all its patches) whose records are split with the helper. */
const SPLIT_MIN_STACK = 200_000;

/** The wasm memory could not grow (too large an image for a 32-bit memory, or out of memory). */
export class WasmMemoryError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'WasmMemoryError';
  }
}

const EXPORTS: readonly (keyof KernelExports)[] = ['memory', 'heapBase', 'blurSep', 'blurSep32', 'gatherU16', 'laplacian', 'nccMap', 'nccMap64', 'firstPass'];

/** True when this engine can compile WebAssembly SIMD (v128). */
export function wasmSimdSupported(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  // (module (func (result v128) v128.const i32x4 0 0 0 0))
  const probe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
  ]);
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

/** One instance of kernels.wasm with its scratch allocator. */
export class WasmKernelInstance {
  readonly exports: KernelExports;
  private readonly base: number;
  private top: number;
  /** The highest `top` ever reached: memory above it has never been handed out, so it still holds zeros. */
  private peak = 0;

  /** Computes part of the rows of big correlations on another thread (kernels-mt.wasm only). */
  private splitter: RowSplitter | null = null;

  constructor(module: WebAssembly.Module, imports: WebAssembly.Imports = {}) {
    const inst = new WebAssembly.Instance(module, imports);
    const ex = inst.exports as unknown as KernelExports;
    for (const name of EXPORTS) {
      if (!(name in ex)) throw new Error(`kernels.wasm: export "${name}" is missing (rebuild with npm run build:wasm)`);
    }
    this.exports = ex;
    this.base = align(ex.heapBase(), 64);
    this.top = this.base;
  }

  /** `rectSums8` (stats.ts) with SIMD sums: the same exact integers. */
  rectSums8(img: { width: number; height: number; data: Uint8Array }, rects: Int32Array): Float64Array {
    checkRects8(img, rects);
    const { width: w, data } = img;
    const n = rects.length / 4;
    this.reset();
    const src = this.alloc(data.length);
    const rp = this.alloc(rects.length * 4);
    const out = this.alloc(n * 16);
    this.u8(src, data.length).set(data);
    this.i32(rp, rects.length).set(rects);
    this.exports.rectSums8!(src, w, rp, n, out);
    return Float64Array.from(this.f64(out, 2 * n));
  }

  /** Lets a helper thread on the same shared memory compute part of the rows of big correlations. */
  attachRowSplitter(splitter: RowSplitter | null): void {
    this.splitter = splitter;
  }

  /**
   * nccMap on pointers, with the rows split between this thread and the row helper when there is one
   * and the call is big enough to repay the hand-over (the same map either way).
   */
  private nccMapPtr(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number): void {
    const Ho = Hw - Ht + 1;
    const work = (Ww - Wt + 1) * Ho * Wt * Ht;
    const sp = this.splitter;
    if (!sp || !sp.ready || Ho < 2 || work < SPLIT_MIN_WORK || !this.exports.nccPrepare || !this.exports.nccRows) {
      this.exports.nccMap(I, Ww, Hw, T, Wt, Ht, out, ii);
      return;
    }
    const tt = this.exports.nccPrepare(I, Ww, Hw, T, Wt, Ht, ii);
    const mid = Math.ceil(Ho / 2);
    sp.start(I, Ww, Hw, T, Wt, Ht, out, ii, tt, mid, Ho);
    this.exports.nccRows(I, Ww, Hw, T, Wt, Ht, out, ii, tt, 0, mid);
    try {
      sp.wait();
    } catch {
      this.exports.nccRows(I, Ww, Hw, T, Wt, Ht, out, ii, tt, mid, Ho); // the helper failed: do its rows here
    }
  }

  /** Compiles and instantiates from the bytes of kernels.wasm (synchronous). */
  static fromBytes(bytes: BufferSource): WasmKernelInstance {
    return new WasmKernelInstance(new WebAssembly.Module(bytes));
  }

  /** Current size of the linear memory in bytes. */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /** Starts a new call: frees everything allocated by the previous one. */
  reset(): void {
    this.top = this.base;
    this.epoch++;
  }

  /** Counts `reset` calls: memory laid out under a `mark` is intact while the epoch is unchanged. */
  private epoch = 0;

  /** The allocation state now, to return to with `resetTo` (keeping what was allocated before it). */
  mark(): { readonly top: number; readonly epoch: number } {
    return { top: this.top, epoch: this.epoch };
  }

  /** Frees what was allocated after `m`; false (nothing done) when a `reset` has happened since. */
  resetTo(m: { readonly top: number; readonly epoch: number }): boolean {
    if (m.epoch !== this.epoch) return false;
    this.top = m.top;
    return true;
  }

  /** The helper thread attached with `attachRowSplitter`, when it is ready. */
  get readySplitter(): RowSplitter | null {
    return this.splitter?.ready ? this.splitter : null;
  }

  /** Reserves `bytes` (16-byte aligned, plus 16 bytes of slack) and returns the byte offset. */
  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + bytes + 16, 16);
    if (this.top > this.peak) this.peak = this.top;
    const have = this.exports.memory.buffer.byteLength;
    if (this.top > have) {
      try {
        this.exports.memory.grow(Math.ceil((this.top - have) / PAGE));
      } catch (e) {
        this.top = p;
        throw new WasmMemoryError(`kernels.wasm: cannot grow the memory to ${this.top + bytes} bytes (${(e as Error).message})`);
      }
      const buf = this.exports.memory.buffer;
      commitNow(new Uint8Array(buf, have, buf.byteLength - have)); // fresh pages in bulk (fresh-memory.ts)
    }
    return p;
  }

  /** Views on the memory (create them after the last `alloc` of a call: growing detaches them). */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, n);
  }
  f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.exports.memory.buffer, ptr, n);
  }
  /** A new Float32Array (owned by the caller) with a copy of n floats at ptr. */
  copyF32(ptr: number, n: number): Float32Array {
    const out = freshFloat32(n);
    out.set(this.f32(ptr, n));
    return out;
  }
  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, ptr, n);
  }
  u8(ptr: number, n: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, n);
  }
  u16(ptr: number, n: number): Uint16Array {
    return new Uint16Array(this.exports.memory.buffer, ptr, n);
  }

  // ---- kernels ------------------------------------------------------------------------------

  /**
   * Separable symmetric convolution (same contract as `convolveSymmetricSeparable`, kx = ky; `f32`:
   * as `convolveSymmetricSeparableF32`).
   */
  convolveSymmetric(img: Image, k: Float64Array, f32 = false): Image {
    const { width: w, height: h, channels: C } = img;
    const n = w * h * C;
    this.reset();
    const src = this.alloc(n * 4);
    const dst = this.alloc(n * 4);
    const s = this.blurSetup(w, h, C, k);
    this.f32(src, n).set(img.data);
    this.runBlur(src, dst, w, h, C, s, f32);
    return createImage(w, h, C, this.copyF32(dst, n));
  }

  /** Allocates and fills the blur tables and scratch for a w×h×C image (call after reset). */
  blurSetup(w: number, h: number, C: number, k: Float64Array): BlurSetup {
    if (k.length % 2 === 0) throw new Error('separable kernels must have odd length');
    // The tables depend only on the size and the kernel: built once (at offset 0; allocations are
    // 16-byte aligned, so the layout moves by whole multiples) and copied in per call.
    const key = `${w} ${h} ${C} ${k.join(' ')}`;
    let t = this.blurCache.get(key);
    if (!t) {
      t = blurTables(new Layout(0), w, h, C, k);
      if (this.blurCache.size >= 64) this.blurCache.clear();
      this.blurCache.set(key, t);
    }
    const start = this.top;
    this.alloc(t.end);
    // a second thread's ring, pad and rowp when the blur is big enough to be split (runBlur)
    const split = this.readySplitter && this.exports.blurRows && h >= 64 && w * h * C >= SPLIT_MIN_BLUR
      ? { ring: this.alloc((2 * t.r + 1) * w * C * 4), pad: this.alloc((w + 2 * t.r) * C * 4), rowp: this.alloc(2 * t.r * 4 + 4) }
      : undefined;
    const buf = this.exports.memory.buffer;
    for (const tb of t.tables) new Uint8Array(buf, start + tb.offset, tb.data.length).set(tb.data);
    return { kp: start + t.kp, r: t.r, xsrc: start + t.xsrc, ytab: start + t.ytab, ring: start + t.ring, pad: start + t.pad, rowp: start + t.rowp, split };
  }

  private readonly blurCache = new Map<string, ReturnType<typeof blurTables>>();

  /**
   * The blur of a BlurSetup; big ones (see blurSetup) split by rows with the helper thread, each
   * thread on its own ring (the rows do not depend on who computes them: the same image bit for bit).
   */
  runBlur(src: number, dst: number, w: number, h: number, C: number, s: BlurSetup, f32 = false): void {
    const helper = s.split ? this.readySplitter : null;
    const rows = this.exports.blurRows;
    if (!helper || !rows || !s.split) {
      (f32 ? this.exports.blurSep32 : this.exports.blurSep)(src, dst, w, h, C, s.kp, s.r, s.kp, s.r, s.xsrc, s.ytab, s.ring, s.pad, s.rowp);
      return;
    }
    const mid = h >> 1;
    const f = f32 ? 1 : 0;
    helper.startBlurRows([src, dst, w, h, C, s.kp, s.r, s.kp, s.r, s.xsrc, s.ytab, s.split.ring, s.split.pad, s.split.rowp, f, mid, h]);
    rows(src, dst, w, h, C, s.kp, s.r, s.kp, s.r, s.xsrc, s.ytab, s.ring, s.pad, s.rowp, f, 0, mid);
    try {
      helper.wait();
    } catch {
      rows(src, dst, w, h, C, s.kp, s.r, s.kp, s.r, s.xsrc, s.ytab, s.ring, s.pad, s.rowp, f, mid, h); // the helper failed
    }
  }

  /** The first-pass blur in float32 arithmetic, bit-identical to `gaussianBlurF32` (blur.ts). */
  gaussianBlurF32(img: Image, ksize: number): Image {
    return this.convolveSymmetric(img, gaussianKernel(ksize), true);
  }

  gaussianBlur(img: Image, ksize: number): Image {
    return this.convolveSymmetric(img, gaussianKernel(ksize));
  }

  gaussianBlurSigma(img: Image, sigma: number): Image {
    return this.convolveSymmetric(img, gaussianKernelSigma(sigma));
  }

  /**
   * `accumulateShiftedStored` (resample.ts) in wasm for linear interpolation (one or two taps per
   * column and per row): bit-identical. Other cases (cubic) use the reference.
   */
  accumulateShiftedStored(acc: Image, frame: StoredPlane, y0: number, x0: number, dy: number, dx: number, mode: Interpolation = 'linear'): void {
    const fn = this.exports.accumulateShiftedStored;
    const { width: W, height: H, stored, scale } = frame;
    const { width: w, height: h } = acc;
    const reference = () => referenceKernels.accumulateShiftedStored(acc, frame, y0, x0, dy, dx, mode);
    if (!fn || mode !== 'linear' || acc.channels !== 1 || stored.length !== W * H || !Number.isFinite(dy) || !Number.isFinite(dx) ||
      !(Number.isInteger(y0) && Number.isInteger(x0) && y0 >= 0 && x0 >= 0 && y0 + h <= H && x0 + w <= W)) return reference();
    const tx = interpolationTaps(W, W, 0, 1, -dx, mode);
    const ty = interpolationTaps(H, H, 0, 1, -dy, mode);
    const xi = new Int32Array(2 * w);
    const xw = new Float64Array(2 * w);
    for (let x = 0; x < w; x++) {
      const k = tx.start[x0 + x];
      const n = tx.start[x0 + x + 1] - k;
      if (n !== 1 && n !== 2) return reference();
      xi[2 * x] = tx.index[k]; xi[2 * x + 1] = n === 2 ? tx.index[k + 1] : -1;
      xw[2 * x] = tx.weight[k]; xw[2 * x + 1] = n === 2 ? tx.weight[k + 1] : 0;
    }
    const yi = new Int32Array(2 * h);
    const yw = new Float64Array(2 * h);
    for (let y = 0; y < h; y++) {
      const k = ty.start[y0 + y];
      const n = ty.start[y0 + y + 1] - k;
      if (n === 1 && ty.weight[k] === 1) { yi[2 * y] = ty.index[k]; yi[2 * y + 1] = -1; }
      else if (n === 2) { yi[2 * y] = ty.index[k]; yi[2 * y + 1] = ty.index[k + 1]; yw[2 * y] = ty.weight[k]; yw[2 * y + 1] = ty.weight[k + 1]; }
      else return reference();
    }
    this.reset();
    const pSrc = this.alloc(stored.byteLength);
    const pAcc = this.alloc(w * h * 4);
    const pXi = this.alloc(xi.byteLength);
    const pXw = this.alloc(xw.byteLength);
    const pYi = this.alloc(yi.byteLength);
    const pYw = this.alloc(yw.byteLength);
    const pRows = this.alloc(3 * w * 4);
    const buf = this.exports.memory.buffer;
    if (stored.BYTES_PER_ELEMENT === 1) new Uint8Array(buf, pSrc, stored.length).set(stored);
    else new Uint16Array(buf, pSrc, stored.length).set(stored);
    this.f32(pAcc, w * h).set(acc.data);
    new Int32Array(buf, pXi, xi.length).set(xi);
    new Float64Array(buf, pXw, xw.length).set(xw);
    new Int32Array(buf, pYi, yi.length).set(yi);
    new Float64Array(buf, pYw, yw.length).set(yw);
    fn(pSrc, stored.BYTES_PER_ELEMENT, scale, W, pAcc, w, h, pXi, pXw, pYi, pYw, pRows);
    acc.data.set(this.f32(pAcc, w * h));
  }

  /** `pngScanlinesUp16` (scanlines.ts), the same bytes. */
  pngScanlinesUp16(data: Float32Array | Uint16Array, row: number, rows: number): Uint8Array {
    const fn = this.exports.pngUp16;
    if (!fn || !(Number.isInteger(row) && Number.isInteger(rows) && row > 0 && rows > 0) || data.length !== row * rows) {
      return referenceKernels.pngScanlinesUp16(data, row, rows);
    }
    const n = row * rows;
    const isFloat = data instanceof Float32Array;
    this.reset();
    const src = this.alloc(n * data.BYTES_PER_ELEMENT);
    const q = isFloat ? this.alloc(n * 2) : src;
    const dst = this.alloc(rows * (2 * row + 1));
    if (isFloat) this.f32(src, n).set(data);
    else this.u16(src, n).set(data);
    fn(src, isFloat ? 1 : 0, row, rows, q, dst);
    const out = Buffer.allocUnsafeSlow(rows * (2 * row + 1));
    commitNow(out);
    out.set(this.u8(dst, out.length));
    return out;
  }

  /** `rgbToMono16` (pointwise.ts), bit-identical. */
  rgbToMono16(rgb: Uint8Array | Uint16Array, scale: number, into?: Uint16Array): Uint16Array {
    const fn = this.exports.rgbToMono16;
    const n = rgb.length / 3;
    if (!fn || !Number.isInteger(n) || (into && into.length !== n)) return referenceKernels.rgbToMono16(rgb, scale, into);
    this.reset();
    const src = this.alloc(rgb.byteLength);
    const dst = this.alloc(n * 2);
    if (rgb instanceof Uint8Array) this.u8(src, rgb.length).set(rgb);
    else this.u16(src, rgb.length).set(rgb);
    fn(src, rgb.BYTES_PER_ELEMENT, scale, n, dst);
    const out = into ?? new Uint16Array(n);
    out.set(this.u16(dst, n));
    return out;
  }

  /** `quantizeU16` (pointwise.ts), bit-identical (f32x4.nearest rounds ties to even). */
  quantizeU16(img: Image, into?: Float32Array): Image {
    const fn = this.exports.quantizeU16;
    const n = img.data.length;
    if (into && into.length !== n) throw new Error(`quantizeU16: output array has ${into.length} samples, expected ${n}`);
    if (!fn) return referenceKernels.quantizeU16(img, into);
    this.reset();
    const p = this.alloc(n * 4);
    this.f32(p, n).set(img.data);
    fn(p, p, n);
    const out = into ?? freshFloat32(n);
    out.set(this.f32(p, n));
    return createImage(img.width, img.height, img.channels, out);
  }

  laplacian3x3(img: Image): Image {
    const { width: w, height: h, channels: C } = img;
    const n = w * h * C;
    this.reset();
    const src = this.alloc(n * 4);
    const dst = this.alloc(n * 4);
    this.f32(src, n).set(img.data);
    this.exports.laplacian(src, dst, w, h, C);
    return createImage(w, h, C, this.copyF32(dst, n));
  }

  blurStrided(img: Image, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number): Image {
    checkRect(img, y0, y1, x0, x1, step);
    const k = gaussianKernel(ksize);
    const C = img.channels;
    const w = Math.ceil((x1 - x0) / step);
    const h = Math.ceil((y1 - y0) / step);
    const n = w * h * C;
    this.reset();
    const src = this.alloc(n * 4);
    const dst = this.alloc(n * 4);
    const s = this.blurSetup(w, h, C, k);
    gatherWindow(img.data, img.width, C, y0, y1, x0, x1, step, this.f32(src, n));
    this.runBlur(src, dst, w, h, C, s);
    return createImage(w, h, C, this.copyF32(dst, n));
  }

  /**
   * The frame store's first pass for one mono frame, fused: brightness b, the blurred frame G
   * (uint16, as stored) and the Laplacian L of decimated G (uint8, as stored), bit-identical with
   * frame-store.ts (storedToImage → brightnessOf, gaussianBlur → quantise16, decimate2 →
   * laplacian3x3 → |·|/256 rounded half-even, clipped at 255). `out` may supply the result arrays
   * (e.g. views on SharedArrayBuffers); otherwise new ones are allocated.
   */
  firstPass(job: FirstPassInput, out?: { g?: Uint16Array; l?: Uint8Array }): FirstPassOutput {
    const plan = planFirstPass(this.base, job);
    const g = out?.g ?? new Uint16Array(plan.g.length);
    const l = out?.l ?? new Uint8Array(plan.l.length);
    if (g.length !== plan.g.length || l.length !== plan.l.length) throw new Error('firstPass: output arrays have the wrong size');
    const sum = this.runFirstPass(plan, job.data, job.rgbScale);
    g.set(this.u16(plan.g.offset, plan.g.length));
    l.set(this.u8(plan.l.offset, plan.l.length));
    const st = this.f64(plan.stats.offset, 2);
    return { g, l, lWidth: plan.lWidth, lHeight: plan.lHeight, brightness: sum / plan.samples + 1e-10, lSum: st[0], lSumSq: st[1] };
  }

  /**
   * `runPlan` of a first pass, with the rows split between this thread and the helper when there is
   * one (shared memory) and the frame is tall enough: the G rows and the brightness sum come out the
   * same whoever computes which rows (assembly/kernels.ts firstPassRows), L is computed after both.
   */
  private runFirstPass(plan: FirstPassPlan, input: Uint8Array | Uint16Array, rgbScale?: number): number {
    const helper = this.readySplitter;
    const fnRows = this.exports.firstPassRows;
    const fnFinish = this.exports.firstPassFinish;
    const h = plan.args[3];
    if (!helper || !fnRows || !fnFinish || h < SPLIT_MIN_ROWS) return this.runPlan(plan, input, true, rgbScale);
    this.runPlan(plan, input, false, rgbScale);
    const [src, bps, w, , thr, kx, rx, xsrc, ytab, ring, pad, rowp, fbuf, g, half, lap, l8, stats] = plan.args;
    const sp = plan.split;
    const mid = (h >> 1) & ~1; // even: each band decimates its own rows
    helper.startFirstPassRows([src, bps, w, h, thr, kx, rx, xsrc, ytab, sp.ring, sp.pad, sp.rowp, sp.fbuf, g, half, mid, h, sp.sums + 8]);
    fnRows(src, bps, w, h, thr, kx, rx, xsrc, ytab, ring, pad, rowp, fbuf, g, half, 0, mid, sp.sums);
    try {
      helper.wait();
    } catch {
      fnRows(src, bps, w, h, thr, kx, rx, xsrc, ytab, ring, pad, rowp, fbuf, g, half, mid, h, sp.sums + 8); // the helper failed
    }
    fnFinish(w, h, half, lap, l8, stats);
    const sums = this.f64(sp.sums, 2);
    return sums[0] + sums[1];
  }

  /**
   * Grows the memory to `bytes`, writes the plan's tables and the input (a colour input: its RGB
   * samples, converted in wasm into the mono input), runs the export (unless `run` is false).
   */
  runPlan(plan: CallPlan, input: Uint8Array | Uint16Array, run = true, rgbScale?: number): number {
    this.reset();
    this.alloc(plan.bytes - this.base);
    const buf = this.exports.memory.buffer;
    for (const t of plan.tables) new Uint8Array(buf, t.offset, t.data.length).set(t.data);
    const at = plan.rgb ? plan.rgb.offset : plan.inputOffset;
    if (input.BYTES_PER_ELEMENT === 1) new Uint8Array(buf, at, input.length).set(input);
    else new Uint16Array(buf, at, input.length).set(input);
    if (plan.rgb) {
      const toMono = this.exports.rgbToMono16;
      if (!toMono || rgbScale === undefined) throw new Error('firstPass: colour input needs rgbScale and the rgbToMono16 export');
      toMono(at, plan.rgb.bytes, rgbScale, input.length / 3, plan.inputOffset);
    }
    if (!run) return 0;
    const fn = this.exports[plan.fn] as (...a: number[]) => number;
    return fn(...plan.args);
  }

  /**
   * TM_CCORR_NORMED. `precision` 'f64' (default): float64 products and sums like the reference
   * (maps identical after rounding to float32 except within ~1e-16 of a rounding boundary);
   * 'f32': f32x4 products and row sums, float64 across rows (~2× faster, |Δ| ≲ 1e-7).
   */
  nccMap(window: Plane, template: Plane, precision: 'f64' | 'f32' = 'f64'): Image {
    checkSizes(window, template);
    const { width: Ww, height: Hw } = window;
    const { width: Wt, height: Ht } = template;
    const Wo = Ww - Wt + 1;
    const Ho = Hw - Ht + 1;
    const nI = Ww * Hw;
    const nT = Wt * Ht;
    this.reset();
    const I = this.alloc(nI * 4); // + 16 bytes of slack from alloc: the f32 kernel may read 3 floats past the end
    const T = this.alloc(nT * 4);
    const out = this.alloc(Wo * Ho * 4);
    const ii = this.alloc((Hw + 1) * (Ww + 1) * 8);
    const wide = precision === 'f64';
    const I64 = wide ? this.alloc((nI + 4) * 8) : 0;
    const T64 = wide ? this.alloc(nT * 8) : 0;
    const iv = this.f32(I, nI + 4);
    iv.set(window.data);
    iv.fill(0, nI);
    this.f32(T, nT).set(template.data);
    if (wide) this.exports.nccMap64(I, Ww, Hw, T, Wt, Ht, out, ii, I64, T64);
    else this.exports.nccMap(I, Ww, Hw, T, Wt, Ht, out, ii);
    return createImage(Wo, Ho, 1, this.copyF32(out, Wo * Ho));
  }

  /**
   * `correlateWindow` (src/image/correlate-window.ts) without intermediate images: the window is cut
   * (and widened, for 16-bit frames) straight into wasm memory, blurred there when `ksize > 0`, and
   * correlated with the float32 cross term (`nccMap(…, 'f32')`: f32x4 products and row sums, rows in
   * float64; template and window energies as the reference). Agreement with the float64 reference:
   * |Δ| ≤ 1e-5 per map value (tests/perf/wasm-kernels.test.ts); only the small map is copied out.
   */
  correlateWindow(frame: SamplePlane, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number, template: Plane): Image {
    const { width: W, data } = frame;
    if (data.length !== W * frame.height) {
      throw new Error(`correlateWindow: the frame must be a single-channel plane of ${W}x${frame.height} samples`);
    }
    checkRect(frame as unknown as Image, y0, y1, x0, x1, step);
    const Ww = Math.ceil((x1 - x0) / step);
    const Hw = Math.ceil((y1 - y0) / step);
    requireMono(template, 'match template');
    const { width: Wt, height: Ht } = template;
    if (Wt > Ww || Ht > Hw) throw new Error(`template ${Wt}x${Ht} is larger than the window ${Ww}x${Hw}`);
    const Wo = Ww - Wt + 1;
    const Ho = Hw - Ht + 1;
    const nI = Ww * Hw;
    const nT = Wt * Ht;
    this.reset();
    const win = this.alloc(nI * 4);
    const I = ksize > 0 ? this.alloc(nI * 4) : win; // + 16 bytes of slack: the f32 kernel may read 3 floats past the end
    const blur = ksize > 0 ? this.blurSetup(Ww, Hw, 1, gaussianKernel(ksize)) : null;
    const T = this.alloc(nT * 4);
    const out = this.alloc(Wo * Ho * 4);
    const ii = this.alloc((Hw + 1) * (Ww + 1) * 8);
    const L = x1 - x0;
    const raw = data instanceof Uint16Array ? this.alloc(Hw * L * 2) : 0;
    if (data instanceof Uint16Array) {
      // 16-bit frame: copy the window's rows (every step-th, x0…x1) as they are (memcpy), then widen
      // (and decimate) in wasm.
      copyRows16(new Uint16Array(this.exports.memory.buffer, raw, Hw * L), data, W, y0, x0, Hw, L, step);
      if (step === 1) this.exports.widenToF32!(raw, win, nI, 2, 1);
      else this.exports.gatherU16(raw, L, Hw, Ww, step, win);
    } else {
      gatherWindow(data, W, 1, y0, y1, x0, x1, step, this.f32(win, nI));
    }
    if (blur) this.runBlur(win, I, Ww, Hw, 1, blur);
    this.f32(T, nT).set(template.data);
    this.nccMapPtr(I, Ww, Hw, T, Wt, Ht, out, ii);
    return createImage(Wo, Ho, 1, this.copyF32(out, Wo * Ho));
  }

  // ---- Stack accumulation (src/nodes/lib/stack-sample.ts) -----------------------------------
  //
  // The current frame stays in memory between calls (`stackFrame`), each `stackAccumulate` lays
  // out its small tables above it. Use a dedicated instance (node.ts `stackWasmInstance()`): any
  // other kernel call on the same instance resets the memory and drops the frame.

  private stackData: Float32Array | Uint8Array | Uint16Array | null = null;
  /** How the current frame is held: f32 (4), or stored u16 (2) / u8 (1) samples whose float value is sample · stackScale. */
  private stackBytes: 1 | 2 | 4 = 4;
  private stackScale = 1;
  private stackSrc = 0;
  private stackMark = 0;
  private stackAcc: Float32Array | null = null;
  private stackAccPtr = 0;
  private stackAccEnd = 0;
  /** Arrays kept in wasm memory with the accumulator (`stackBind`'s `more`: more accumulators and tables). */
  private stackMore = new Map<Float32Array, { ptr: number; writable: boolean }>();

  /** True when kernels.wasm has the stack accumulation export. */
  get hasStackAccumulate(): boolean {
    return typeof this.exports.stackAccumulate === 'function';
  }

  /**
   * Makes `data` (a frame, W·H·C floats) the current frame: copied into memory unless it is the
   * very array copied by the previous call (frames are immutable).
   */
  stackFrame(data: Float32Array): void {
    this.placeStackFrame(data, data.length, 4, 1, (dst) => this.f32(dst, data.length).set(data));
  }

  /**
   * Like `stackFrameStored`, but the samples stay as stored (copied in, not widened): for
   * `stackFrameRecords`, which reads them as they are (the same sums); `stackAccumulate` then places
   * the widened frame itself.
   */
  stackFrameRaw(data: Uint8Array | Uint16Array, scale: number): void {
    const n = data.length;
    this.placeStackFrame(data, n, data.BYTES_PER_ELEMENT as 1 | 2, scale, (dst) => {
      const buf = this.exports.memory.buffer;
      if (data.BYTES_PER_ELEMENT === 1) new Uint8Array(buf, dst, n).set(data);
      else new Uint16Array(buf, dst, n).set(data);
    });
  }

  /** True when kernels.wasm can take stored 8/16-bit frames (`stackFrameStored`). */
  get hasStoredFrames(): boolean {
    return typeof this.exports.widenToF32 === 'function' && this.hasStackAccumulate;
  }

  /**
   * Like `stackFrame` for a frame as the frame store keeps it: 8- or 16-bit samples, the float frame
   * being sample · scale (256 for 8-bit, 1 for 16-bit). The samples are copied in and widened in wasm
   * (SIMD), bit-identical with converting them in TypeScript first. `data` is the identity of the
   * frame: the same array object again is not copied again.
   */
  stackFrameStored(data: Uint8Array | Uint16Array, scale: number): void {
    const widen = this.exports.widenToF32;
    if (!widen) throw new Error('kernels.wasm: export "widenToF32" is missing (rebuild with npm run build:wasm)');
    const n = data.length;
    this.placeStackFrame(data, n, 4, 1, (dst) => {
      const raw = this.alloc(data.byteLength);
      const buf = this.exports.memory.buffer;
      if (data.BYTES_PER_ELEMENT === 1) new Uint8Array(buf, raw, n).set(data);
      else new Uint16Array(buf, raw, n).set(data);
      widen(raw, dst, n, data.BYTES_PER_ELEMENT, scale);
    });
  }

  /**
   * Makes `identity` the current frame — n floats placed above a bound accumulator and written by
   * `fill` (any memory `fill` allocates above them is released after) — unless it is current already.
   */
  private placeStackFrame(
    identity: Float32Array | Uint8Array | Uint16Array, n: number, bytes: 1 | 2 | 4, scale: number, fill: (dst: number) => void,
  ): void {
    if (identity === this.stackData && this.stackMark !== 0 && bytes === this.stackBytes && scale === this.stackScale) return;
    this.stackData = null;
    this.stackMark = 0;
    this.top = this.stackAccEnd || this.base;
    this.stackSrc = this.alloc(n * bytes);
    this.stackBytes = bytes;
    this.stackScale = scale;
    const frameEnd = this.top;
    fill(this.stackSrc);
    this.top = frameEnd;
    this.stackMark = this.top;
    this.stackData = identity;
  }

  /**
   * Forgets the current frame and unbinds a bound accumulator after copying its sums back (frees
   * the memory for other uses; the memory does not shrink).
   */
  stackRelease(): void {
    if (this.stackAcc) this.stackAcc.set(this.f32(this.stackAccPtr, this.stackAcc.length));
    for (const [arr, m] of this.stackMore) if (m.writable) arr.set(this.f32(m.ptr, arr.length));
    this.stackMore.clear();
    this.stackData = null;
    this.stackMark = 0;
    this.stackAcc = null;
    this.stackAccPtr = 0;
    this.stackAccEnd = 0;
    this.reset();
  }

  /**
   * Keeps `acc` in wasm memory from now on (copied in): `stackAccumulate` calls with this very
   * array then add into the wasm copy without copying the touched region in and out. Call
   * `stackUnbind(acc)` to copy the sums back; until then `acc` itself is stale.
   */
  stackBind(
    acc: Float32Array, more: { accumulators?: readonly Float32Array[]; tables?: readonly Float32Array[]; zeroed?: boolean } = {},
  ): void {
    this.stackRelease();
    // `zeroed`: acc and the accumulators hold zeros; where they land in memory never handed out
    // before (still zeros), they are not copied in (writing megabytes of zeros costs page commits).
    const pristine = this.peak;
    this.stackAccPtr = this.alloc(acc.length * 4);
    const extra = [...(more.accumulators ?? []).map((a) => ({ a, writable: true })), ...(more.tables ?? []).map((a) => ({ a, writable: false }))];
    const ptrs = extra.map(({ a }) => this.alloc(a.length * 4));
    this.stackAccEnd = this.top;
    const skip = (ptr: number, writable: boolean) => !!more.zeroed && writable && ptr >= pristine;
    if (!skip(this.stackAccPtr, true)) this.f32(this.stackAccPtr, acc.length).set(acc);
    extra.forEach(({ a, writable }, k) => {
      if (!skip(ptrs[k], writable)) this.f32(ptrs[k], a.length).set(a);
      this.stackMore.set(a, { ptr: ptrs[k], writable });
    });
    this.stackAcc = acc;
  }

  /** True when `a` was bound with the accumulator (`stackBind`'s `more`). */
  stackHolds(a: Float32Array): boolean {
    return this.stackMore.has(a);
  }

  /** True when `stackFrameRecords` can run (the export exists). */
  get hasStackRecords(): boolean {
    return typeof this.exports.stackRecords === 'function' && this.hasStackAccumulate;
  }

  /** The wasm address of a bound accumulator or table (`stackBind`). */
  private boundAddress(a: Float32Array): number {
    if (a === this.stackAcc) return this.stackAccPtr;
    const m = this.stackMore.get(a);
    if (!m) throw new Error('stackFrameRecords: an accumulator or ramp is not bound (stackBind)');
    return m.ptr;
  }

  /**
   * Every patch of the current frame (`stackFrame…`) in one call: the taps of each patch computed in
   * wasm (axisTaps' operations) and accumulated in record order — the same sums, bit for bit, as
   * `axisTaps` + `stackAccumulate` per patch. Accumulators and ramps must be bound (`stackBind`).
   * Returns the largest clips [top, bottom, left, right] of the patches with `track`, at least `borders`.
   */
  stackFrameRecords(width: number, height: number, C: number, mode: 0 | 1 | 2, patches: readonly StackRecord[], borders: Int32Array): void {
    const fn = this.exports.stackRecords;
    if (!fn) throw new Error('kernels.wasm: export "stackRecords" is missing (rebuild with npm run build:wasm)');
    if (this.stackMark === 0) throw new Error('stackFrameRecords: no current frame (call stackFrame first)');
    const n = patches.length;
    if (n === 0) return;
    let maxY = 1;
    let maxX = 1;
    for (const p of patches) {
      if (p.lenY > maxY) maxY = p.lenY;
      if (p.lenX > maxX) maxX = p.lenX;
      const accRows = p.acc.length / (p.accWidth * C);
      if (!(p.y0 >= 0 && p.x0 >= 0 && p.y0 + p.lenY <= accRows && p.x0 + p.lenX <= p.accWidth)) {
        throw new RangeError('stackFrameRecords: patch outside the accumulator');
      }
    }
    this.top = this.stackMark;
    const recs = this.alloc(n * 80);
    const scratch = () => {
      const yIdx = this.alloc(maxY * 16);
      const yWt = this.alloc(maxY * 16);
      const xIdx = this.alloc(maxX * 16);
      const xWt = this.alloc(maxX * 16);
      const xOff = this.alloc(maxX * 16);
      const tmp = this.alloc((width + 8) * C * 8);
      const xs = this.alloc((maxX * 5 + 16) * 8);
      return [yIdx, yWt, xIdx, xWt, xOff, tmp, xs];
    };
    const mine = scratch();
    // Big frames: the helper thread takes the accumulator rows from the middle down (band 2, with its
    // own scratch), this thread the rows above (band 1); the same sums bit for bit (see stackRecords).
    let work = 0;
    for (const p of patches) work += p.lenY * p.lenX;
    const helper = height >= SPLIT_MIN_ROWS && work * C >= SPLIT_MIN_STACK ? this.readySplitter : null;
    const theirs = helper ? scratch() : null;
    const bp = this.alloc(16);
    const buf = this.exports.memory.buffer;
    const I32 = new Int32Array(buf, recs, n * 20);
    const F64 = new Float64Array(buf, recs, n * 10);
    for (let k = 0; k < n; k++) {
      const p = patches[k];
      const o = k * 20;
      I32[o] = p.y0; I32[o + 1] = p.lenY; I32[o + 2] = p.x0; I32[o + 3] = p.lenX;
      I32[o + 4] = p.wy ? this.boundAddress(p.wy) : 0;
      I32[o + 5] = p.wx ? this.boundAddress(p.wx) : 0;
      I32[o + 6] = this.boundAddress(p.acc); I32[o + 7] = p.accWidth; I32[o + 8] = p.D; I32[o + 9] = p.track ? 1 : 0;
      const f = k * 10;
      F64[f + 5] = p.offY; F64[f + 6] = p.locY; F64[f + 7] = p.offX; F64[f + 8] = p.locX; F64[f + 9] = p.scale;
    }
    this.i32(bp, 4).set(borders);
    const head = [recs, n, this.stackSrc, width, height, C, mode] as const;
    const halfRows = height >> 1;
    const format = [this.stackBytes, this.stackScale] as const;
    type Scratch = [number, number, number, number, number, number, number];
    if (helper && theirs) {
      helper.startStackRecords([...head, ...theirs, bp, 2, halfRows, ...format]);
      fn(...head, ...(mine as Scratch), bp, 1, halfRows, ...format);
      try {
        helper.wait();
      } catch {
        fn(...head, ...(theirs as Scratch), bp, 2, halfRows, ...format); // the helper failed: its rows here
      }
    } else {
      fn(...head, ...(mine as Scratch), bp, 0, 0, ...format);
    }
    borders.set(this.i32(bp, 4));
  }

  /** Copies the wasm copy of a bound accumulator back into `acc` and unbinds it (no-op if not bound). */
  stackUnbind(acc: Float32Array): void {
    if (acc === this.stackAcc) this.stackRelease();
  }

  /** True while `acc` is bound (`stackBind`, as the accumulator or one of `more.accumulators`). */
  stackBound(acc: Float32Array): boolean {
    return acc === this.stackAcc || !!this.stackMore.get(acc)?.writable;
  }

  /**
   * acc[(y0 + t, x0 + u)] += scale · min(wy[t], wx[u]) · F(sample(t, u)) over the valid taps of
   * the current frame (`stackFrame`), bit-identical with `accumulatePatch`'s TypeScript path.
   * The touched region of `acc` (width accWidth, C channels) is copied in and back out.
   */
  stackAccumulate(
    acc: Float32Array, accWidth: number, width: number, C: number,
    ty: StackTaps, tx: StackTaps, y0: number, x0: number,
    wy: Float32Array | null, wx: Float32Array | null, scale: number,
  ): void {
    const fn = this.exports.stackAccumulate;
    if (!fn) throw new Error('kernels.wasm: export "stackAccumulate" is missing (rebuild with npm run build:wasm)');
    if (this.stackMark === 0) throw new Error('stackAccumulate: no current frame (call stackFrame first)');
    if (this.stackBytes !== 4) throw new Error('stackAccumulate: the current frame is raw samples (stackFrameRaw); place it with stackFrameStored');
    const rows = ty.end - ty.first;
    const cols = tx.end - tx.first;
    if (rows <= 0 || cols <= 0) return;
    const ny = ty.n;
    const nx = tx.n;
    let xs0 = Infinity;
    let xs1 = -Infinity;
    const txIdx = tx.idx;
    for (let q = tx.first * nx; q < tx.end * nx; q++) {
      const i = txIdx[q];
      if (i < xs0) xs0 = i;
      if (i > xs1) xs1 = i;
    }
    const span = (xs1 - xs0 + 1) * C;
    const rowW = cols * C;
    this.top = this.stackMark;
    const pYI = this.alloc(rows * ny * 4);
    const pYW = this.alloc(rows * ny * 4);
    const pXO = this.alloc(cols * nx * 4);
    const pXW = this.alloc(cols * nx * 4);
    const pWy = wy ? this.alloc(rows * 4) : 0;
    const pWx = wx ? this.alloc(cols * 4) : 0;
    const bound = acc === this.stackAcc || !!this.stackMore.get(acc)?.writable;
    const pAcc = bound ? 0 : this.alloc(rows * rowW * 4);
    const pTmp = this.alloc(span * 8);
    const pXs = this.alloc((cols * 5 + 16) * 8);
    const buf = this.exports.memory.buffer;
    new Int32Array(buf, pYI, rows * ny).set(ty.idx.subarray(ty.first * ny, ty.end * ny));
    new Float32Array(buf, pYW, rows * ny).set(ty.wt.subarray(ty.first * ny, ty.end * ny));
    const xo = new Int32Array(buf, pXO, cols * nx);
    for (let q = 0, r = tx.first * nx; q < cols * nx; q++, r++) xo[q] = (txIdx[r] - xs0) * C;
    new Float32Array(buf, pXW, cols * nx).set(tx.wt.subarray(tx.first * nx, tx.end * nx));
    if (wy) new Float32Array(buf, pWy, rows).set(wy.subarray(ty.first, ty.end));
    if (wx) new Float32Array(buf, pWx, cols).set(wx.subarray(tx.first, tx.end));
    const stride = accWidth * C;
    const a0 = ((y0 + ty.first) * accWidth + x0 + tx.first) * C;
    if (bound) {
      if (a0 < 0 || a0 + (rows - 1) * stride + rowW > acc.length) throw new RangeError('stackAccumulate: patch outside the accumulator');
      fn(this.stackSrc, width * C, C, pYI, pYW, ny, rows, pXO, pXW, nx, cols, xs0, span, pWy, pWx, scale, this.boundAddress(acc) + a0 * 4, stride, pTmp, pXs);
      return;
    }
    const av = new Float32Array(buf, pAcc, rows * rowW);
    for (let t = 0, o = 0, ab = a0; t < rows; t++, o += rowW, ab += stride) av.set(acc.subarray(ab, ab + rowW), o);
    fn(this.stackSrc, width * C, C, pYI, pYW, ny, rows, pXO, pXW, nx, cols, xs0, span, pWy, pWx, scale, pAcc, rowW, pTmp, pXs);
    for (let t = 0, o = 0, ab = a0; t < rows; t++, o += rowW, ab += stride) acc.set(av.subarray(o, o + rowW), ab);
  }
}

/** One axis of stack taps (structurally `AxisTaps` of src/nodes/lib/stack-sample.ts). */
/** One patch of `stackFrameRecords` (see assembly/kernels.ts stackRecords). */
export interface StackRecord {
  /** Target origin and size on the accumulator's grid (taps for targets y0 + t, x0 + u). */
  readonly y0: number;
  readonly lenY: number;
  readonly x0: number;
  readonly lenX: number;
  /** Bound ramps (or null = weights 1), one weight per target from the first. */
  readonly wy: Float32Array | null;
  readonly wx: Float32Array | null;
  /** A bound accumulator of accWidth·C floats per row. */
  readonly acc: Float32Array;
  readonly accWidth: number;
  readonly D: number;
  /** Global offset and local shift per axis (axisTaps' offset and local). */
  readonly offY: number;
  readonly locY: number;
  readonly offX: number;
  readonly locX: number;
  readonly scale: number;
  /** Count this patch's clips in the borders. */
  readonly track: boolean;
}

export interface StackTaps {
  readonly first: number;
  readonly end: number;
  readonly n: number;
  readonly idx: Int32Array;
  readonly wt: Float32Array;
}

/** Input of the fused per-frame first pass (see `WasmKernelInstance.firstPass`). */
export interface FirstPassInput {
  /**
   * The stored mono frame: 8-bit samples (value = byte × 256) or 16-bit samples, w·h, row-major; or,
   * with `rgbScale`, a stored colour frame (interleaved RGB, 3·w·h samples) whose mono frame is made
   * in wasm first (`rgbToMono16`, the frame store's M).
   */
  readonly data: Uint8Array | Uint16Array;
  /** Set: `data` is RGB, the float frame being sample · rgbScale. */
  readonly rgbScale?: number;
  readonly width: number;
  readonly height: number;
  /** Gaussian kernel size of the noise blur (odd). */
  readonly noise: number;
  /** Black cut-off of the brightness scalar (16-bit scale). */
  readonly blackCutoff: number;
}

/** Output of the first pass: exactly what the frame store computes and stores for a frame. */
export interface FirstPassOutput {
  /** G = quantise16(gaussianBlur(m, noise)) (clamp, Math.round), w·h. */
  g: Uint16Array;
  /** L = min(255, roundHalfEven(|laplacian3x3(decimate2(G))| / 256)), ⌈w/2⌉·⌈h/2⌉. */
  l: Uint8Array;
  lWidth: number;
  lHeight: number;
  /** b = Σ_{m > cutoff} m / (w·h) + 1e-10. */
  brightness: number;
  /** ΣL and ΣL² (exact integers): the statistics Rank needs, without another pass over L. */
  lSum: number;
  lSumSq: number;
}

/** Scratch of one blur call (byte offsets). */
export interface BlurSetup {
  kp: number;
  r: number;
  xsrc: number;
  ytab: number;
  ring: number;
  pad: number;
  rowp: number;
  /** The helper thread's scratch when the blur is split (`runBlur`). */
  split?: { ring: number; pad: number; rowp: number };
}

/** out = data[y0:y1:step, x0:x1:step] (W pixels of C channels per row), row-major. */
function gatherWindow(
  data: Float32Array, W: number, C: number, y0: number, y1: number, x0: number, x1: number, step: number, out: Float32Array,
): void {
  const srcRow = W * C;
  const w = Math.ceil((x1 - x0) / step);
  if (step === 1) {
    for (let y = y0, o = 0; y < y1; y++, o += w * C) {
      const b = y * srcRow + x0 * C;
      out.set(data.subarray(b, b + w * C), o);
    }
    return;
  }
  let o = 0;
  for (let y = y0; y < y1; y += step) {
    const rb = y * srcRow;
    if (C === 1) {
      for (let x = x0; x < x1; x += step) out[o++] = data[rb + x];
    } else {
      for (let x = x0; x < x1; x += step) {
        const b = rb + x * C;
        for (let c = 0; c < C; c++) out[o++] = data[b + c];
      }
    }
  }
}

/** rows[r·L + i] = data[(y0 + r·step)·W + x0 + i] for r < n, i < L. */
function copyRows16(rows: Uint16Array, data: Uint16Array, W: number, y0: number, x0: number, n: number, L: number, step: number): void {
  if (L >= 128) {
    for (let r = 0, y = y0; r < n; r++, y += step) rows.set(data.subarray(y * W + x0, y * W + x0 + L), r * L);
    return;
  }
  // short rows: a loop beats a subarray per row
  for (let r = 0, y = y0; r < n; r++, y += step) {
    const s = y * W + x0;
    const o = r * L;
    for (let i = 0; i < L; i++) rows[o + i] = data[s + i];
  }
}

function align(p: number, a: number): number {
  return Math.ceil(p / a) * a;
}


/** The names of the kernels the wasm module replaces (the rest come from `referenceKernels`). */
export const WASM_KERNEL_NAMES = [
  'gaussianBlur', 'gaussianBlurSigma', 'gaussianBlurF32', 'laplacian3x3', 'blurStrided', 'nccMap', 'correlateWindow', 'rectSums8',
  'quantizeU16', 'accumulateShiftedStored', 'pngScanlinesUp16', 'rgbToMono16',
] as const satisfies readonly (keyof Kernels)[];

/**
 * Wraps a wasm kernel so that a `WasmMemoryError` (memory cannot grow) falls back to the reference
 * kernel; `onFallback` is told why (e.g. to warn once).
 */
export function withFallback<A extends unknown[], R>(
  instance: () => WasmKernelInstance | null, fast: (w: WasmKernelInstance, ...a: A) => R, slow: (...a: A) => R,
  onFallback?: (e: Error) => void,
): (...a: A) => R {
  return (...a: A): R => {
    const w = instance();
    if (w) {
      try {
        return fast(w, ...a);
      } catch (e) {
        if (!(e instanceof WasmMemoryError)) throw e;
        onFallback?.(e);
      }
    }
    return slow(...a);
  };
}

/** `{ ...referenceKernels, <the wasm ones> }` for an instance getter (null → reference). */
export function createWasmKernels(
  instance: WasmKernelInstance | (() => WasmKernelInstance | null), onFallback?: (e: Error) => void,
  correlator?: () => WasmKernelInstance | null,
): Kernels {
  const get = typeof instance === 'function' ? instance : () => instance;
  const getCorrelator = correlator ?? get;
  const R = referenceKernels;
  return Object.freeze({
    ...R,
    gaussianBlur: withFallback(get, (w, img: Image, ksize: number) => w.gaussianBlur(img, ksize), R.gaussianBlur, onFallback),
    gaussianBlurSigma: withFallback(get, (w, img: Image, sigma: number) => w.gaussianBlurSigma(img, sigma), R.gaussianBlurSigma, onFallback),
    gaussianBlurF32: withFallback(get, (w, img: Image, ksize: number) => w.gaussianBlurF32(img, ksize), R.gaussianBlurF32, onFallback),
    laplacian3x3: withFallback(get, (w, img: Image) => w.laplacian3x3(img), R.laplacian3x3, onFallback),
    quantizeU16: withFallback(get, (w, img: Image, into?: Float32Array) => w.quantizeU16(img, into), R.quantizeU16, onFallback),
    rgbToMono16: withFallback(get, (w, rgb: Uint8Array | Uint16Array, scale: number, into?: Uint16Array) => w.rgbToMono16(rgb, scale, into), R.rgbToMono16, onFallback),
    pngScanlinesUp16: withFallback(
      get, (w, data: Float32Array | Uint16Array, row: number, rows: number) => w.pngScanlinesUp16(data, row, rows), R.pngScanlinesUp16, onFallback,
    ),
    accumulateShiftedStored: withFallback(
      get,
      (w, acc: Image, frame: StoredPlane, y0: number, x0: number, dy: number, dx: number, mode?: Interpolation) =>
        w.accumulateShiftedStored(acc, frame, y0, x0, dy, dx, mode),
      R.accumulateShiftedStored, onFallback,
    ),
    rectSums8: withFallback(get, (w, img: { width: number; height: number; data: Uint8Array }, rects: Int32Array) => w.rectSums8(img, rects), R.rectSums8, onFallback),
    blurStrided: withFallback(
      get,
      (w, img: Image, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number) =>
        w.blurStrided(img, y0, y1, x0, x1, step, ksize),
      R.blurStrided, onFallback,
    ),
    nccMap: withFallback(get, (w, window: Plane, template: Plane) => w.nccMap(window, template), R.nccMap, onFallback),
    correlateWindow: withFallback(
      getCorrelator,
      (w, frame: SamplePlane, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number, template: Plane) =>
        w.correlateWindow(frame, y0, y1, x0, x1, step, ksize, template),
      R.correlateWindow, onFallback,
    ),
  });
}

// ---- call plans: the memory layout of a call, computed without an instance --------------------

/** Bump allocator over byte offsets (the layout rule shared by instances and worker plans). */
export class Layout {
  private top: number;
  constructor(readonly base: number) {
    this.top = base;
  }
  alloc(bytes: number): number {
    const p = this.top;
    this.top = align(p + bytes + 16, 16);
    return p;
  }
  get end(): number {
    return this.top;
  }
}

/**
 * Everything needed to run one export call on a fresh or reused instance: grow the memory to
 * `bytes`, copy `tables` and the input (at `inputOffset`), call `fn(...args)`, read the outputs.
 * Plain data (structured-cloneable), so a worker can execute it without any TypeScript.
 */
export interface CallPlan {
  readonly fn: 'firstPass';
  readonly bytes: number;
  readonly tables: readonly { readonly offset: number; readonly data: Uint8Array }[];
  readonly inputOffset: number;
  readonly args: readonly number[];
  /** Colour input: where its RGB samples go (bytes per sample); they are converted into the input first. */
  readonly rgb?: { readonly offset: number; readonly bytes: number };
}

export interface FirstPassPlan extends CallPlan {
  /** u16 samples of G. */
  readonly g: { readonly offset: number; readonly length: number };
  /** u8 samples of L. */
  readonly l: { readonly offset: number; readonly length: number };
  readonly lWidth: number;
  readonly lHeight: number;
  /** w·h (the brightness divisor). */
  readonly samples: number;
  /** f64[2]: ΣL, ΣL². */
  readonly stats: { readonly offset: number; readonly length: 2 };
  /** A second thread's scratch for `firstPassRows` (ring, pad, rowp, fbuf) and the two band sums (f64[2]). */
  readonly split: { readonly ring: number; readonly pad: number; readonly rowp: number; readonly fbuf: number; readonly sums: number };
}

/** Blur tables as bytes, allocated in `lay` (same content as `WasmKernelInstance.blurSetup`). */
export function blurTables(lay: Layout, w: number, h: number, C: number, k: Float64Array) {
  const r = (k.length - 1) >> 1;
  const rowLen = w * C;
  const kp = lay.alloc((r + 1) * 8);
  const xsrc = lay.alloc(2 * r * 4);
  const ytab = lay.alloc((h + 2 * r) * 4);
  const ring = lay.alloc((2 * r + 1) * rowLen * 4);
  const pad = lay.alloc((w + 2 * r) * C * 4);
  const rowp = lay.alloc(2 * r * 4);
  const xs = new Int32Array(2 * r);
  for (let j = 0; j < r; j++) {
    xs[j] = reflect101(j - r, w) * C;
    xs[r + j] = reflect101(w + j, w) * C;
  }
  const yt = new Int32Array(h + 2 * r);
  for (let y = 0; y < h + 2 * r; y++) yt[y] = reflect101(y - r, h);
  const tables = [
    { offset: kp, data: new Uint8Array(Float64Array.from(k.subarray(0, r + 1)).buffer) },
    { offset: xsrc, data: new Uint8Array(xs.buffer) },
    { offset: ytab, data: new Uint8Array(yt.buffer) },
  ];
  return { kp, r, xsrc, ytab, ring, pad, rowp, tables, end: lay.end };
}

/** The layout of a `firstPass` call for `job` on an instance whose heap starts at `heapBase`. */
export function planFirstPass(
  heapBase: number,
  job: {
    readonly width: number; readonly height: number; readonly noise: number; readonly blackCutoff: number;
    readonly data: { readonly length: number; readonly BYTES_PER_ELEMENT: number };
    readonly rgbScale?: number;
  },
): FirstPassPlan {
  const { width: w, height: h, noise, blackCutoff, data } = job;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) throw new Error(`firstPass: invalid size ${w}x${h}`);
  const P = w * h;
  const rgb = job.rgbScale !== undefined;
  if (data.length !== (rgb ? 3 * P : P)) throw new Error(`firstPass: ${data.length} samples, expected ${rgb ? 3 * P : P}`);
  const inBps = data.BYTES_PER_ELEMENT;
  if (inBps !== 1 && inBps !== 2) throw new Error('firstPass: samples must be Uint8Array or Uint16Array');
  // (a colour frame's mono frame is 16-bit)
  const bps = rgb ? 2 : inBps;
  const rgbBytes = rgb ? inBps : 0;
  // The plan depends on these only (every frame of a sequence has the same one): made once.
  const key = `${heapBase} ${w} ${h} ${noise} ${blackCutoff} ${bps} ${rgbBytes}`;
  const known = lastFirstPassPlans.get(key);
  if (known) return known;
  const plan = makeFirstPassPlan(heapBase, w, h, noise, blackCutoff, bps, rgbBytes);
  if (lastFirstPassPlans.size >= 4) lastFirstPassPlans.clear();
  lastFirstPassPlans.set(key, plan);
  return plan;
}

/** Recently made first-pass plans (read-only once made), by their parameters. */
const lastFirstPassPlans = new Map<string, FirstPassPlan>();

function makeFirstPassPlan(heapBase: number, w: number, h: number, noise: number, blackCutoff: number, bps: number, rgbBytes: number): FirstPassPlan {
  const P = w * h;
  const k = gaussianKernel(noise);
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const P2 = w2 * h2;
  const lay = new Layout(align(heapBase, 64));
  const src = lay.alloc(P * bps);
  const fbuf = lay.alloc(w * 4); // one output row (the fused pass keeps no float frame)
  const gp = lay.alloc(P * 2);
  const half = lay.alloc(P2 * 4);
  const lap = lay.alloc(P2 * 4);
  const l8 = lay.alloc(P2);
  const stats = lay.alloc(16);
  const t = blurTables(lay, w, h, 1, k);
  const r = t.r;
  const split = {
    ring: lay.alloc((2 * r + 1) * w * 4), pad: lay.alloc((w + 2 * r) * 4), rowp: lay.alloc(2 * r * 4 + 4),
    fbuf: lay.alloc(w * 4), sums: lay.alloc(16),
  };
  const rgb = rgbBytes ? { offset: lay.alloc(3 * P * rgbBytes), bytes: rgbBytes } : undefined;
  // samples are integers: m > cutoff ⇔ m ≥ thr
  const thr = Number.isNaN(blackCutoff) ? 0x7fffffff
    : Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(blackCutoff) + 1));
  return {
    fn: 'firstPass',
    bytes: lay.end,
    tables: t.tables,
    inputOffset: src,
    args: [src, bps, w, h, thr, t.kp, t.r, t.xsrc, t.ytab, t.ring, t.pad, t.rowp, fbuf, gp, half, lap, l8, stats],
    g: { offset: gp, length: P },
    l: { offset: l8, length: P2 },
    stats: { offset: stats, length: 2 },
    split,
    lWidth: w2,
    lHeight: h2,
    samples: P,
    rgb,
  };
}
