/**
 * Bilateral filter on float images, computed the way OpenCV's `bilateralFilter` does for float32 data
 * (the variant PSS post-processing calls with d = 0):
 *
 * - support radius `rad = max(1, cvRound(1.5·σ_space))`; only offsets with √(dy²+dx²) ≤ rad are used;
 * - spatial weight `exp(−(dy²+dx²) / (2σ_space²))` (float32);
 * - range weight `exp(−Δ² / (2σ_color²))`, Δ = |difference| for mono data and the sum of the absolute
 *   channel differences (L1) for RGB, looked up in a table of 4096 bins per channel spanning the image's
 *   [min, max] range (× channels), linearly interpolated — as OpenCV does for float input;
 * - border reflect-101; an image whose min and max agree (within FLT_EPSILON) is returned unchanged.
 *
 * Output: Σ w·v / Σ w per channel (the centre sample always has weight 1).
 */
import { createImage, type Image } from '../../image/image.js';
import { reflect101, roundHalfEven } from '../../image/numeric.js';
import { freshFloat32 } from '../../image/fresh-memory.js';

const BINS_PER_CHANNEL = 1 << 12;
const FLT_EPSILON = 1.1920929e-7;

export interface BilateralOptions {
  /** Spatial σ in pixels (≤ 0 → 1, as OpenCV). */
  sigmaSpace: number;
  /** Range σ in sample units (16-bit scale; ≤ 0 → 1, as OpenCV). */
  sigmaColor: number;
}

/** Support radius OpenCV derives from σ_space when d ≤ 0. */
export function bilateralRadius(sigmaSpace: number): number {
  const s = sigmaSpace > 0 ? sigmaSpace : 1;
  return Math.max(1, roundHalfEven(s * 1.5));
}

/** OpenCV-compatible float bilateral filter (mono or RGB, interleaved). Returns a new image. */
export function bilateralFilter(img: Image, opts: BilateralOptions): Image {
  const { width: w, height: h, channels: C, data } = img;
  const sigmaSpace = opts.sigmaSpace > 0 ? opts.sigmaSpace : 1;
  const sigmaColor = opts.sigmaColor > 0 ? opts.sigmaColor : 1;
  const colorCoeff = -0.5 / (sigmaColor * sigmaColor);
  const spaceCoeff = -0.5 / (sigmaSpace * sigmaSpace);
  const rad = bilateralRadius(sigmaSpace);

  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi - lo >= FLT_EPSILON)) return createImage(w, h, C, new Float32Array(data));

  // Range-weight table over differences 0 … (hi − lo)·C.
  const len = Math.fround((hi - lo) * C);
  const nBins = BINS_PER_CHANNEL * C;
  const scaleIndex = nBins / len;
  const lut = new Float32Array(nBins + 2);
  let last = 1;
  for (let i = 0; i < nBins + 2; i++) {
    if (last > 0) {
      const d = i / scaleIndex;
      lut[i] = Math.exp(d * d * colorCoeff);
      last = lut[i];
    } else {
      lut[i] = 0;
    }
  }

  // Padded copy (reflect-101) so the inner loop needs no border logic.
  const pw = w + 2 * rad;
  const ph = h + 2 * rad;
  const pad = freshFloat32(pw * ph * C);
  for (let py = 0; py < ph; py++) {
    const sy = reflect101(py - rad, h);
    for (let px = 0; px < pw; px++) {
      const sx = reflect101(px - rad, w);
      const s = (sy * w + sx) * C;
      const d = (py * pw + px) * C;
      for (let c = 0; c < C; c++) pad[d + c] = data[s + c];
    }
  }

  // Spatial taps inside the disc.
  const ofs: number[] = [];
  const sw: number[] = [];
  for (let i = -rad; i <= rad; i++) {
    for (let j = -rad; j <= rad; j++) {
      const r = Math.sqrt(i * i + j * j);
      if (r > rad) continue;
      sw.push(Math.fround(Math.exp(r * r * spaceCoeff)));
      ofs.push((i * pw + j) * C);
    }
  }
  const K = ofs.length;
  const tapOfs = Int32Array.from(ofs);
  const tapW = Float32Array.from(sw);

  const out = freshFloat32(data.length);
  const maxIdx = nBins; // idx + 1 ≤ nBins + 1 stays inside the table
  if (C === 1) {
    for (let y = 0; y < h; y++) {
      let p = (y + rad) * pw + rad;
      let o = y * w;
      for (let x = 0; x < w; x++, p++, o++) {
        const v0 = pad[p];
        let sum = 0;
        let wsum = 0;
        for (let k = 0; k < K; k++) {
          const v = pad[p + tapOfs[k]];
          let a = Math.abs(v - v0) * scaleIndex;
          let idx = Math.floor(a);
          if (idx > maxIdx) { idx = maxIdx; a = maxIdx; }
          a -= idx;
          const wt = tapW[k] * (lut[idx] + a * (lut[idx + 1] - lut[idx]));
          sum += v * wt;
          wsum += wt;
        }
        out[o] = sum / wsum;
      }
    }
  } else {
    for (let y = 0; y < h; y++) {
      let p = ((y + rad) * pw + rad) * C;
      let o = y * w * C;
      for (let x = 0; x < w; x++, p += C, o += C) {
        const r0 = pad[p];
        const g0 = pad[p + 1];
        const b0 = pad[p + 2];
        let sr = 0;
        let sg = 0;
        let sb = 0;
        let wsum = 0;
        for (let k = 0; k < K; k++) {
          const q = p + tapOfs[k];
          const r = pad[q];
          const g = pad[q + 1];
          const b = pad[q + 2];
          let a = (Math.abs(r - r0) + Math.abs(g - g0) + Math.abs(b - b0)) * scaleIndex;
          let idx = Math.floor(a);
          if (idx > maxIdx) { idx = maxIdx; a = maxIdx; }
          a -= idx;
          const wt = tapW[k] * (lut[idx] + a * (lut[idx + 1] - lut[idx]));
          sr += r * wt;
          sg += g * wt;
          sb += b * wt;
          wsum += wt;
        }
        out[o] = sr / wsum;
        out[o + 1] = sg / wsum;
        out[o + 2] = sb / wsum;
      }
    }
  }
  return createImage(w, h, C, out);
}
