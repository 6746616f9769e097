/**
 * Seeded 2-D gradient (Perlin-style) noise and fractal sums of it, plus smooth random fields on a
 * coarse lattice (cubic B-spline smoothing) used for warp and blur maps.
 */
import type { Rng } from './prng.js';

function hash2(ix: number, iy: number, seed: number): number {
  let h = (Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ seed) >>> 0;
  h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  h ^= h >>> 12; h = Math.imul(h, 0x297a2d39) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

const GRAD_N = 16;
const GX = new Float64Array(GRAD_N);
const GY = new Float64Array(GRAD_N);
for (let i = 0; i < GRAD_N; i++) { GX[i] = Math.cos((2 * Math.PI * i) / GRAD_N); GY[i] = Math.sin((2 * Math.PI * i) / GRAD_N); }

function fade(t: number): number {
  return t * t * t * (t * (t * 6 - 15) + 10);
}

/** Gradient noise at (x, y), roughly in [-0.7, 0.7], zero on lattice points. */
export function gradientNoise(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  const g00 = hash2(x0, y0, seed) & (GRAD_N - 1);
  const g10 = hash2(x0 + 1, y0, seed) & (GRAD_N - 1);
  const g01 = hash2(x0, y0 + 1, seed) & (GRAD_N - 1);
  const g11 = hash2(x0 + 1, y0 + 1, seed) & (GRAD_N - 1);
  const n00 = GX[g00] * fx + GY[g00] * fy;
  const n10 = GX[g10] * (fx - 1) + GY[g10] * fy;
  const n01 = GX[g01] * fx + GY[g01] * (fy - 1);
  const n11 = GX[g11] * (fx - 1) + GY[g11] * (fy - 1);
  const u = fade(fx), v = fade(fy);
  const a = n00 + u * (n10 - n00);
  const b = n01 + u * (n11 - n01);
  return a + v * (b - a);
}

/**
 * Fractal sum of gradient noise: octaves from `scale` px down, each halving the scale and
 * multiplying the amplitude by `gain`. Normalised so that the first octave has amplitude 1.
 */
export function fbm(x: number, y: number, seed: number, scale: number, octaves: number, gain = 0.5): number {
  let s = 0, amp = 1, f = 1 / scale;
  for (let o = 0; o < octaves; o++) {
    s += amp * gradientNoise(x * f + o * 17.31, y * f - o * 9.17, (seed + o * 0x9e3779b1) >>> 0);
    amp *= gain;
    f *= 2;
  }
  return s;
}

/** Cubic B-spline basis weights at fraction t. */
function bsplineWeights(t: number, w: Float64Array): void {
  const t2 = t * t, t3 = t2 * t;
  w[0] = (1 - t) ** 3 / 6;
  w[1] = (4 - 6 * t2 + 3 * t3) / 6;
  w[2] = (1 + 3 * t + 3 * t2 - 3 * t3) / 6;
  w[3] = t3 / 6;
}

/**
 * A smooth zero-mean random field on a w×h grid: white Gaussian values on a lattice of spacing
 * `spacing` px, smoothed by a cubic B-spline. Its correlation length (1/e) is about 1.2·spacing.
 * Raw values (std ≈ 0.48 on lattice points); callers normalise.
 */
export function smoothRandomField(w: number, h: number, spacing: number, rng: Rng): Float32Array {
  const gw = Math.ceil(w / spacing) + 4;
  const gh = Math.ceil(h / spacing) + 4;
  const g = new Float64Array(gw * gh);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  // random sub-lattice phase so that lattice points do not sit at fixed pixels
  const ox = rng.next() * spacing, oy = rng.next() * spacing;
  // evaluate along x for every lattice row, then along y
  const rows = new Float64Array(gh * w);
  const wt = new Float64Array(4);
  for (let x = 0; x < w; x++) {
    const u = (x + ox) / spacing + 1;
    const i0 = Math.floor(u);
    bsplineWeights(u - i0, wt);
    for (let j = 0; j < gh; j++) {
      const o = j * gw + i0 - 1;
      rows[j * w + x] = wt[0] * g[o] + wt[1] * g[o + 1] + wt[2] * g[o + 2] + wt[3] * g[o + 3];
    }
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const v = (y + oy) / spacing + 1;
    const j0 = Math.floor(v);
    bsplineWeights(v - j0, wt);
    const r0 = (j0 - 1) * w, r1 = j0 * w, r2 = (j0 + 1) * w, r3 = (j0 + 2) * w;
    for (let x = 0; x < w; x++) {
      out[y * w + x] = wt[0] * rows[r0 + x] + wt[1] * rows[r1 + x] + wt[2] * rows[r2 + x] + wt[3] * rows[r3 + x];
    }
  }
  return out;
}

