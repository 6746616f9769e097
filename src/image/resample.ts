/**
 * Resampling: decimation, area averaging, OpenCV-style linear/cubic resize and sub-pixel shifts.
 * All functions work on any channel count and return new images.
 *
 * The interpolating functions share one separable engine driven by per-axis tap tables
 * (for every destination index: a run of source indices and weights).
 */
import { createImage, type Image } from './image.ts';
import { clampIndex, roundHalfEven } from './numeric.ts';
import { widenSamples } from './pointwise.ts';

export type Interpolation = 'linear' | 'cubic';

/** Per-axis tap table in CSR form: taps of destination d are `start[d] … start[d+1]−1`. */
interface Taps {
  readonly start: Int32Array;
  readonly index: Int32Array;
  readonly weight: Float64Array;
}

/** OpenCV's bicubic constant. */
const CUBIC_A = -0.75;

/** OpenCV's bicubic weights (a = −0.75) of the 4 taps around a sample at fraction f ∈ [0, 1). */
export function cubicWeights(f: number, out: Float64Array): void {
  const A = CUBIC_A;
  const x0 = f + 1;
  out[0] = ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A;
  out[1] = ((A + 2) * f - (A + 3)) * f * f + 1;
  const x2 = 1 - f;
  out[2] = ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1;
  out[3] = 1 - out[0] - out[1] - out[2];
}

/**
 * Interpolation taps for source coordinate `s(d) = (d + pre)·scale + offset` (d = destination index),
 * border replicate (out-of-range taps are clamped to the edge sample). Zero weights are dropped,
 * so an integer coordinate yields a single tap of weight 1 (exact copy).
 */
export function interpolationTaps(
  dstN: number,
  srcN: number,
  pre: number,
  scale: number,
  offset: number,
  mode: Interpolation,
): Taps {
  const n = mode === 'linear' ? 2 : 4;
  const first = mode === 'linear' ? 0 : -1;
  const start = new Int32Array(dstN + 1);
  const index = new Int32Array(dstN * n);
  const weight = new Float64Array(dstN * n);
  const w = new Float64Array(4);
  let t = 0;
  for (let d = 0; d < dstN; d++) {
    start[d] = t;
    const s = (d + pre) * scale + offset;
    const i0 = Math.floor(s);
    const f = s - i0;
    if (mode === 'linear') {
      w[0] = 1 - f;
      w[1] = f;
    } else {
      cubicWeights(f, w);
    }
    for (let k = 0; k < n; k++) {
      if (w[k] === 0) continue;
      index[t] = clampIndex(i0 + first + k, srcN);
      weight[t] = w[k];
      t++;
    }
  }
  start[dstN] = t;
  return { start, index, weight };
}

/** Area (box-overlap) taps for resizing an axis of `srcN` samples to `dstN`. */
function areaTaps(dstN: number, srcN: number): Taps {
  const starts = new Int32Array(dstN + 1);
  const idx: number[] = [];
  const wts: number[] = [];
  for (let d = 0; d < dstN; d++) {
    starts[d] = idx.length;
    const lo = (d * srcN) / dstN;
    const hi = ((d + 1) * srcN) / dstN;
    const j0 = Math.floor(lo);
    const j1 = Math.min(srcN, Math.ceil(hi));
    const first = idx.length;
    let total = 0;
    for (let j = j0; j < j1; j++) {
      const ov = Math.min(hi, j + 1) - Math.max(lo, j);
      if (ov <= 0) continue;
      idx.push(j);
      wts.push(ov);
      total += ov;
    }
    for (let k = first; k < wts.length; k++) wts[k] /= total;
  }
  starts[dstN] = idx.length;
  return { start: starts, index: Int32Array.from(idx), weight: Float64Array.from(wts) };
}

/**
 * The intermediate of the last separable pass, reused by the next one of the same size: touching
 * fresh memory costs more than the arithmetic on some machines (page faults), and this runs per frame.
 */
let tmpScratch: Float32Array | null = null;

function separableTmp(length: number): Float32Array {
  if (tmpScratch?.length === length) return tmpScratch;
  const t = new Float32Array(length);
  if (length <= 1 << 24) tmpScratch = t;
  return t;
}

/** Applies x taps (over columns) then y taps (over rows); into `into` (dstW·dstH·C) when given. */
function applySeparable(img: Image, dstW: number, dstH: number, tx: Taps, ty: Taps, into?: Float32Array): Image {
  const { width: w, height: h, channels: C, data } = img;
  const srcRow = w * C;
  const dstRow = dstW * C;
  if (into && into.length !== dstH * dstRow) throw new Error(`output array has ${into.length} samples, expected ${dstH * dstRow}`);
  // Horizontal pass: every source row → dstW columns (every element of tmp is written).
  const tmp = separableTmp(h * dstRow);
  const { start: xs, index: xi, weight: xw } = tx;
  const twoTapsX = allTwoTaps(xs, 0, dstW);
  for (let y = 0; y < h; y++) {
    const sb = y * srcRow;
    const db = y * dstRow;
    if (C === 1 && twoTapsX) {
      filterRowTwoTaps(tmp, db, data, sb, xi, xw, 0, dstW);
    } else if (C === 1) {
      filterRow(tmp, db, data, sb, xs, xi, xw, 0, dstW);
    } else {
      for (let d = 0; d < dstW; d++) {
        const t0 = xs[d];
        const t1 = xs[d + 1];
        for (let c = 0; c < C; c++) {
          let s = 0;
          for (let t = t0; t < t1; t++) s += xw[t] * data[sb + xi[t] * C + c];
          tmp[db + d * C + c] = s;
        }
      }
    }
  }
  // Vertical pass.
  const out = into ?? new Float32Array(dstH * dstRow);
  const acc = new Float64Array(dstRow);
  const { start: ys, index: yi, weight: yw } = ty;
  for (let d = 0; d < dstH; d++) {
    const t0 = ys[d];
    const t1 = ys[d + 1];
    const ob = d * dstRow;
    if (t1 - t0 === 1 && yw[t0] === 1) {
      // Integer position: a plain row copy.
      const rb = yi[t0] * dstRow;
      out.set(tmp.subarray(rb, rb + dstRow), ob);
      continue;
    }
    if (t1 - t0 === 2) {
      const w0 = yw[t0];
      const w1 = yw[t0 + 1];
      const r0 = yi[t0] * dstRow;
      const r1 = yi[t0 + 1] * dstRow;
      for (let i = 0; i < dstRow; i++) out[ob + i] = w0 * tmp[r0 + i] + w1 * tmp[r1 + i];
      continue;
    }
    acc.fill(0);
    for (let t = t0; t < t1; t++) {
      const wt = yw[t];
      const rb = yi[t] * dstRow;
      for (let i = 0; i < dstRow; i++) acc[i] += wt * tmp[rb + i];
    }
    for (let i = 0; i < dstRow; i++) out[ob + i] = acc[i];
  }
  return createImage(dstW, dstH, C, out);
}

/** `img[0::2, 0::2]`: every second row and column starting at 0; size ⌈h/2⌉ × ⌈w/2⌉. */
export function decimate2(img: Image): Image {
  const { width: w, height: h, channels: C, data } = img;
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const out = new Float32Array(w2 * h2 * C);
  let o = 0;
  for (let y = 0; y < h; y += 2) {
    const rb = y * w * C;
    for (let x = 0; x < w; x += 2) {
      const s = rb + x * C;
      for (let c = 0; c < C; c++) out[o++] = data[s + c];
    }
  }
  return createImage(w2, h2, C, out);
}

/**
 * 2×2 box average to ⌈h/2⌉ × ⌈w/2⌉. An odd last row/column averages only the samples that exist
 * (2 or 1). For even sizes this equals OpenCV's INTER_AREA (and INTER_LINEAR) halving.
 */
export function areaDownscale2(img: Image): Image {
  const { width: w, height: h, channels: C, data } = img;
  const w2 = (w + 1) >> 1;
  const h2 = (h + 1) >> 1;
  const out = new Float32Array(w2 * h2 * C);
  const rowLen = w * C;
  for (let oy = 0; oy < h2; oy++) {
    const y0 = 2 * oy;
    const ny = y0 + 1 < h ? 2 : 1;
    const r0 = y0 * rowLen;
    const r1 = (y0 + ny - 1) * rowLen;
    for (let ox = 0; ox < w2; ox++) {
      const x0 = 2 * ox;
      const nx = x0 + 1 < w ? 2 : 1;
      const a = x0 * C;
      const b = (x0 + nx - 1) * C;
      const inv = 1 / (nx * ny);
      const o = (oy * w2 + ox) * C;
      for (let c = 0; c < C; c++) {
        let s: number;
        if (nx === 2 && ny === 2) s = data[r0 + a + c] + data[r0 + b + c] + data[r1 + a + c] + data[r1 + b + c];
        else if (nx === 2) s = data[r0 + a + c] + data[r0 + b + c];
        else if (ny === 2) s = data[r0 + a + c] + data[r1 + a + c];
        else s = data[r0 + a + c];
        out[o + c] = s * inv;
      }
    }
  }
  return createImage(w2, h2, C, out);
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`invalid target size ${width}x${height}`);
  }
}

/**
 * General area resize: every destination pixel is the overlap-weighted mean of the source
 * pixels its footprint `[d·n/N, (d+1)·n/N)` covers. For down-scaling this is OpenCV INTER_AREA;
 * for up-scaling it degenerates to nearest/box blending (OpenCV switches to a linear-like rule
 * there — use `resize(…, 'linear')` for that).
 */
export function resizeArea(img: Image, width: number, height: number): Image {
  checkSize(width, height);
  return applySeparable(img, width, height, areaTaps(width, img.width), areaTaps(height, img.height));
}

/** Target size of `resize`: a uniform scale factor, or an explicit size. */
export type ResizeSize = number | { readonly width: number; readonly height: number };

/**
 * `cv2.resize` with INTER_LINEAR or INTER_CUBIC (a = −0.75) on float data. Pixel-centre
 * convention `x_src = (x_dst + 0.5)/f − 0.5`, border replicate.
 * With a factor f the size is `round(w·f) × round(h·f)` (half-even) and the mapping uses f
 * itself (as OpenCV does for fx/fy); with an explicit size the mapping uses the size ratio.
 */
export function resize(img: Image, size: ResizeSize, mode: Interpolation = 'linear'): Image {
  let dstW: number;
  let dstH: number;
  let invX: number;
  let invY: number;
  if (typeof size === 'number') {
    if (!Number.isFinite(size) || size <= 0) throw new Error(`invalid resize factor ${size}`);
    dstW = roundHalfEven(img.width * size);
    dstH = roundHalfEven(img.height * size);
    invX = invY = 1 / size;
  } else {
    dstW = size.width;
    dstH = size.height;
    checkSize(dstW, dstH);
    invX = img.width / dstW;
    invY = img.height / dstH;
  }
  checkSize(dstW, dstH);
  const tx = interpolationTaps(dstW, img.width, 0.5, invX, -0.5, mode);
  const ty = interpolationTaps(dstH, img.height, 0.5, invY, -0.5, mode);
  return applySeparable(img, dstW, dstH, tx, ty);
}

/**
 * Sub-pixel translation: `out(y, x) = in(y − dy, x − dx)`, i.e. the image content moves by
 * `(+dy, +dx)`. Linear or cubic (a = −0.75) interpolation, edges replicate. Integer shifts are
 * exact copies.
 */
export function shiftImage(img: Image, dy: number, dx: number, mode: Interpolation = 'linear', into?: Float32Array): Image {
  if (!Number.isFinite(dy) || !Number.isFinite(dx)) throw new Error(`invalid shift (${dy}, ${dx})`);
  const tx = interpolationTaps(img.width, img.width, 0, 1, -dx, mode);
  const ty = interpolationTaps(img.height, img.height, 0, 1, -dy, mode);
  return applySeparable(img, img.width, img.height, tx, ty, into);
}

/**
 * `acc += shiftImage(img, dy, dx, mode)[y0 : y0 + acc.height, x0 : x0 + acc.width]` (mono), without
 * the shifted frame: the horizontal pass runs only for the columns and rows the window needs, each
 * source row once (a small row cache), the vertical pass per output pixel. The same taps and the same
 * float64 sums, rounded to float32 at the same points as `shiftImage` then `accumulateShifted`, so the
 * result is bit-identical; the work and the memory scale with the window, not the frame.
 */
export function accumulateShiftedWindow(
  acc: Image, img: Image, y0: number, x0: number, dy: number, dx: number, mode: Interpolation = 'linear',
): void {
  if (!Number.isFinite(dy) || !Number.isFinite(dx)) throw new Error(`invalid shift (${dy}, ${dx})`);
  if (img.channels !== 1 || acc.channels !== 1) throw new Error('accumulateShiftedWindow: mono images only');
  const { width: W, height: H, data } = img;
  const { width: w, height: h, data: out } = acc;
  if (!(Number.isInteger(y0) && Number.isInteger(x0) && y0 >= 0 && x0 >= 0 && y0 + h <= H && x0 + w <= W)) {
    throw new Error(`accumulateShiftedWindow: window ${w}x${h} at (${y0}, ${x0}) is not inside the ${W}x${H} image`);
  }
  const tx = interpolationTaps(W, W, 0, 1, -dx, mode);
  const ty = interpolationTaps(H, H, 0, 1, -dy, mode);
  const { start: xs, index: xi, weight: xw } = tx;
  const { start: ys, index: yi, weight: yw } = ty;
  const twoTaps = allTwoTaps(xs, x0, x0 + w);
  // Horizontally filtered source rows (columns x0 … x0+w−1 of the shifted image), cached by row.
  const cacheRows = 8;
  const rowOf = new Int32Array(cacheRows).fill(-1);
  const rows = Array.from({ length: cacheRows }, () => new Float32Array(w));
  let next = 0;
  const filtered = (r: number): Float32Array => {
    for (let c = 0; c < cacheRows; c++) if (rowOf[c] === r) return rows[c];
    const slot = next;
    next = (next + 1) % cacheRows;
    rowOf[slot] = r;
    const t = rows[slot];
    if (twoTaps) filterRowTwoTaps(t, 0, data, r * W, xi, xw, x0, w);
    else filterRow(t, 0, data, r * W, xs, xi, xw, x0, w);
    return t;
  };
  const taps: Float32Array[] = [];
  for (let y = 0; y < h; y++) {
    const d = y0 + y;
    const t0 = ys[d];
    const t1 = ys[d + 1];
    const ob = y * w;
    if (t1 - t0 === 1 && yw[t0] === 1) {
      const a = filtered(yi[t0]);
      for (let x = 0; x < w; x++) out[ob + x] += a[x];
    } else if (t1 - t0 === 2) {
      const w0 = yw[t0];
      const w1 = yw[t0 + 1];
      const a = filtered(yi[t0]);
      const b = filtered(yi[t0 + 1]);
      addRowTwoTaps(out, ob, a, b, w0, w1, w);
    } else {
      taps.length = 0;
      for (let k = t0; k < t1; k++) taps.push(filtered(yi[k]));
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let k = t0; k < t1; k++) s += yw[k] * taps[k - t0][x];
        out[ob + x] += Math.fround(s);
      }
    }
  }
}

/** A mono frame as the frame store keeps it: 8- or 16-bit samples, the float value being sample · scale. */
export interface StoredPlane {
  readonly width: number;
  readonly height: number;
  readonly stored: Uint8Array | Uint16Array;
  readonly scale: number;
}

/** `accumulateShiftedWindow` of a stored frame (the reference widens it first; the result is the same). */
export function accumulateShiftedStored(
  acc: Image, frame: StoredPlane, y0: number, x0: number, dy: number, dx: number, mode: Interpolation = 'linear',
): void {
  if (frame.stored.length !== frame.width * frame.height) throw new Error(`accumulateShiftedStored: the frame must be a ${frame.width}x${frame.height} mono plane`);
  const img = createImage(frame.width, frame.height, 1, widenSamples(frame.stored, frame.scale));
  accumulateShiftedWindow(acc, img, y0, x0, dy, dx, mode);
}

// The row loops of the separable resampling as small functions: called once per row, they are
// optimised by the JIT after a few rows (a loop inside one long call would run unoptimised first).

/** True when output columns d0 … d1−1 all have exactly two taps (a sub-pixel shift along the row). */
function allTwoTaps(start: Int32Array, d0: number, d1: number): boolean {
  for (let d = d0; d <= d1; d++) if (start[d] !== 2 * d) return false;
  return true;
}

/** t[o + x] = Σ taps of output column x0 + x over source row rb, for x < w (mono; float64 sums from 0). */
function filterRow(t: Float32Array, o: number, data: Float32Array, rb: number, xs: Int32Array, xi: Int32Array, xw: Float64Array, x0: number, w: number): void {
  for (let x = 0; x < w; x++) {
    const d = x0 + x;
    let s = 0;
    for (let k = xs[d]; k < xs[d + 1]; k++) s += xw[k] * data[rb + xi[k]];
    t[o + x] = s;
  }
}

/** `filterRow` when every column has two taps (see allTwoTaps): the same sums without the inner loop. */
function filterRowTwoTaps(t: Float32Array, o: number, data: Float32Array, rb: number, xi: Int32Array, xw: Float64Array, x0: number, w: number): void {
  for (let x = 0, k = 2 * x0; x < w; x++, k += 2) t[o + x] = 0 + xw[k] * data[rb + xi[k]] + xw[k + 1] * data[rb + xi[k + 1]];
}

/** out[ob + x] += float32(w0·a[x] + w1·b[x]): the shifted sample rounded as shiftImage stores it, then accumulated. */
function addRowTwoTaps(out: Float32Array, ob: number, a: Float32Array, b: Float32Array, w0: number, w1: number, w: number): void {
  const fround = Math.fround;
  for (let x = 0; x < w; x++) out[ob + x] += fround(w0 * a[x] + w1 * b[x]);
}
