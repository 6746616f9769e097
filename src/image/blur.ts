/**
 * Gaussian blur as OpenCV's `GaussianBlur` computes it (the variant PSS relies on):
 * separable, symmetric kernel, border BORDER_REFLECT_101, float32 in and out (accumulation in
 * float64). Works on any channel count (channels are filtered independently).
 */
import { createImage, type Image } from './image.ts';
import { reflect101, roundHalfEven } from './numeric.ts';

/** OpenCV's fixed kernels for sigma = 0 and odd k ≤ 7 (they are NOT sampled Gaussians). */
const FIXED_TABLES: Readonly<Record<number, readonly number[]>> = {
  1: [1],
  3: [0.25, 0.5, 0.25],
  5: [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16],
  7: [1 / 32, 3.5 / 32, 7 / 32, 9 / 32, 7 / 32, 3.5 / 32, 1 / 32],
};

function sampledGaussian(ksize: number, sigma: number): Float64Array {
  const k = new Float64Array(ksize);
  const r = (ksize - 1) / 2;
  const s = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let i = 0; i < ksize; i++) {
    const x = i - r;
    k[i] = Math.exp(s * x * x);
    sum += k[i];
  }
  for (let i = 0; i < ksize; i++) k[i] /= sum;
  return k;
}

/**
 * The 1-D kernel OpenCV uses for `GaussianBlur(img, (k,k), 0)`: the fixed tables for k = 1, 3, 5, 7,
 * else a normalised sampled Gaussian with σ = 0.3·((k−1)/2 − 1) + 0.8. `ksize` must be a
 * positive odd integer.
 */
export function gaussianKernel(ksize: number): Float64Array {
  if (!Number.isInteger(ksize) || ksize <= 0 || ksize % 2 === 0) {
    throw new Error(`Gaussian kernel size must be a positive odd integer, got ${ksize}`);
  }
  const fixed = FIXED_TABLES[ksize];
  if (fixed) return Float64Array.from(fixed);
  return sampledGaussian(ksize, 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8);
}

/**
 * The 1-D kernel OpenCV uses for `GaussianBlur(float img, (0,0), sigma)`: size
 * `cvRound(8σ + 1) | 1` (forced odd), normalised sampled Gaussian with the given σ (> 0).
 */
export function gaussianKernelSigma(sigma: number): Float64Array {
  if (!Number.isFinite(sigma) || sigma <= 0) {
    throw new Error(`Gaussian sigma must be a positive finite number, got ${sigma}`);
  }
  const ksize = roundHalfEven(8 * sigma + 1) | 1;
  return sampledGaussian(ksize, sigma);
}

/**
 * Separable convolution with symmetric odd-length kernels `kx` (along x) and `ky` (along y),
 * border reflect-101. Only the first half (+ centre) of each kernel is read; callers must pass
 * symmetric kernels. Returns a new image.
 */
export function convolveSymmetricSeparable(img: Image, kx: Float64Array, ky: Float64Array): Image {
  if (kx.length % 2 === 0 || ky.length % 2 === 0) throw new Error('separable kernels must have odd length');
  const { width: w, height: h, channels: C, data } = img;
  const rowLen = w * C;
  const rx = (kx.length - 1) >> 1;
  const ry = (ky.length - 1) >> 1;

  // Horizontally filtered rows live in a ring of 2·ry+1 rows: output row y needs source rows
  // reflect101(y−ry … y+ry), all inside [max(0, y−ry), min(h−1, y+ry)] — at most 2·ry+1
  // consecutive rows, so `row mod ringRows` never collides.
  const ringRows = 2 * ry + 1;
  const ring = new Float32Array(ringRows * rowLen);
  const pad = new Float32Array((w + 2 * rx) * C);
  const borders = borderSources(rx, w, C);
  const kxc = kx[rx];
  const padOff = rx * C;
  const out = new Float32Array(data.length);
  const acc = new Float64Array(rowLen);
  const kyc = ky[ry];
  let nextRow = 0;
  for (let y = 0; y < h; y++) {
    // Horizontal pass for the source rows this output row needs (each row once).
    const need = Math.min(h - 1, y + ry);
    for (; nextRow <= need; nextRow++) {
      const dst = (nextRow % ringRows) * rowLen;
      fillPaddedRow(pad, data, nextRow * rowLen, rowLen, borders, rx, C);
      for (let i = 0; i < rowLen; i++) {
        let s = kxc * pad[i + padOff];
        for (let k = 0; k < rx; k++) s += kx[k] * (pad[i + k * C] + pad[i + (2 * rx - k) * C]);
        ring[dst + i] = s;
      }
    }
    // Vertical pass with a float64 accumulator.
    const c0 = (y % ringRows) * rowLen;
    for (let i = 0; i < rowLen; i++) acc[i] = kyc * ring[c0 + i];
    for (let k = 0; k < ry; k++) {
      const a = (reflect101(y - ry + k, h) % ringRows) * rowLen;
      const b = (reflect101(y + ry - k, h) % ringRows) * rowLen;
      const wk = ky[k];
      for (let i = 0; i < rowLen; i++) acc[i] += wk * (ring[a + i] + ring[b + i]);
    }
    const ob = y * rowLen;
    for (let i = 0; i < rowLen; i++) out[ob + i] = acc[i];
  }
  return createImage(w, h, C, out);
}

/**
 * `cv2.GaussianBlur(img, (ksize, ksize), 0)` on float data (no output rounding; use
 * `quantizeU16` to mimic a uint16 result). Throws on even, zero or negative `ksize`.
 */
export function gaussianBlur(img: Image, ksize: number): Image {
  const k = gaussianKernel(ksize);
  return convolveSymmetricSeparable(img, k, k);
}

/** Row offsets (× C) of the reflect-101 border pixels: left j = 0 … r−1 (pixel j − r), right (pixel w + j). */
function borderSources(r: number, w: number, C: number): { left: Int32Array; right: Int32Array } {
  const left = new Int32Array(r);
  const right = new Int32Array(r);
  for (let j = 0; j < r; j++) {
    left[j] = reflect101(j - r, w) * C;
    right[j] = reflect101(w + j, w) * C;
  }
  return { left, right };
}

/** pad = [r left border pixels | the row at `base` | r right border pixels], C channels per pixel. */
function fillPaddedRow(
  pad: Float32Array, data: Float32Array, base: number, rowLen: number, b: { left: Int32Array; right: Int32Array }, r: number, C: number,
): void {
  pad.set(data.subarray(base, base + rowLen), r * C);
  const rightOff = r * C + rowLen;
  for (let j = 0; j < r; j++) {
    for (let c = 0; c < C; c++) {
      pad[j * C + c] = data[base + b.left[j] + c];
      pad[rightOff + j * C + c] = data[base + b.right[j] + c];
    }
  }
}

/**
 * The frame store's first-pass blur G = GaussBlur(m, ksize) in float32 arithmetic: the same kernel,
 * borders and operation order as `gaussianBlur`, but every product and sum rounded to float32
 * (weights too). This is the reference of the WebAssembly first pass (assembly/kernels.ts blurSep32,
 * four lanes at a time, bit-identical). Against the float64 `gaussianBlur` it differs by a few float32
 * ulps, i.e. at most ±1 level after rounding to 16 bit, on a small fraction of pixels.
 */
export function gaussianBlurF32(img: Image, ksize: number): Image {
  const k = gaussianKernel(ksize);
  return convolveSymmetricSeparableF32(img, k);
}

/** `convolveSymmetricSeparable(img, k, k)` with float32 rounding after every operation. */
export function convolveSymmetricSeparableF32(img: Image, k64: Float64Array): Image {
  if (k64.length % 2 === 0) throw new Error('separable kernels must have odd length');
  const f = Math.fround;
  const k = Float32Array.from(k64);
  const { width: w, height: h, channels: C, data } = img;
  const rowLen = w * C;
  const r = (k.length - 1) >> 1;
  const ringRows = 2 * r + 1;
  const ring = new Float32Array(ringRows * rowLen);
  const pad = new Float32Array((w + 2 * r) * C);
  const borders = borderSources(r, w, C);
  const kc = k[r];
  const padOff = r * C;
  const out = new Float32Array(data.length);
  const rowA = new Int32Array(r);
  const rowB = new Int32Array(r);
  let nextRow = 0;
  for (let y = 0; y < h; y++) {
    const need = Math.min(h - 1, y + r);
    for (; nextRow <= need; nextRow++) {
      const dst = (nextRow % ringRows) * rowLen;
      fillPaddedRow(pad, data, nextRow * rowLen, rowLen, borders, r, C);
      for (let i = 0; i < rowLen; i++) {
        let s = f(kc * pad[i + padOff]);
        for (let t = 0; t < r; t++) s = f(s + f(k[t] * f(pad[i + t * C] + pad[i + (2 * r - t) * C])));
        ring[dst + i] = s;
      }
    }
    const c0 = (y % ringRows) * rowLen;
    const ob = y * rowLen;
    for (let t = 0; t < r; t++) {
      rowA[t] = (reflect101(y - r + t, h) % ringRows) * rowLen;
      rowB[t] = (reflect101(y + r - t, h) % ringRows) * rowLen;
    }
    for (let i = 0; i < rowLen; i++) {
      let s = f(kc * ring[c0 + i]);
      for (let t = 0; t < r; t++) s = f(s + f(k[t] * f(ring[rowA[t] + i] + ring[rowB[t] + i])));
      out[ob + i] = s;
    }
  }
  return createImage(w, h, C, out);
}

/**
 * `cv2.GaussianBlur(float img, (0, 0), sigma)`, as PSS post-processing uses it: kernel size
 * `round(8σ+1)` forced odd, reflect-101. Throws unless σ > 0.
 */
export function gaussianBlurSigma(img: Image, sigma: number): Image {
  const k = gaussianKernelSigma(sigma);
  return convolveSymmetricSeparable(img, k, k);
}
