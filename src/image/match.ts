/**
 * Template matching on single-channel planes (direct evaluation; the cross term is
 * O(outputs · template), the window energy term uses an integral image).
 *
 * Map layout: entry (u, v) of an output of size (Hw−Ht+1) × (Ww−Wt+1) compares the template
 * with the window sub-rectangle whose top-left corner is (u, v). For a template cut from the
 * window at (y0, x0) the optimum is at (u, v) = (y0, x0).
 */
import { createImage, requireMono, type Image, type Plane } from './image.ts';

/** Position and value of an extremum of a plane. */
export interface Extremum {
  readonly y: number;
  readonly x: number;
  readonly value: number;
}

/** Throws unless both are mono planes and the template fits inside the window. */
export function checkSizes(window: Plane, template: Plane): void {
  requireMono(window, 'match window');
  requireMono(template, 'match template');
  if (template.width > window.width || template.height > window.height) {
    throw new Error(
      `template ${template.width}x${template.height} is larger than the window ${window.width}x${window.height}`,
    );
  }
}

/** Integral image of squared values, (h+1) × (w+1), float64. */
function integralOfSquares(p: Plane): Float64Array {
  const { width: w, height: h, data } = p;
  const W1 = w + 1;
  const ii = new Float64Array((h + 1) * W1);
  for (let y = 0; y < h; y++) {
    let rowSum = 0;
    const rb = y * w;
    const o = (y + 1) * W1;
    const prev = y * W1;
    for (let x = 0; x < w; x++) {
      const v = data[rb + x];
      rowSum += v * v;
      ii[o + x + 1] = ii[prev + x + 1] + rowSum;
    }
  }
  return ii;
}

/**
 * OpenCV `TM_CCORR_NORMED` (not mean-subtracted):
 * `R(u,v) = Σ T·I_uv / sqrt(Σ T² · Σ I_uv²)`, values in [−1, 1] (1 = identical up to a positive
 * factor). Like OpenCV, |num| ≥ denominator (rounding) is clamped to ±1, and a zero-energy
 * window or template gives 0. Output float32, size (Hw−Ht+1) × (Ww−Wt+1).
 */
export function nccMap(window: Plane, template: Plane): Image {
  checkSizes(window, template);
  const { width: Ww, height: Hw, data: I } = window;
  const { width: Wt, height: Ht, data: T } = template;
  const Wo = Ww - Wt + 1;
  const Ho = Hw - Ht + 1;
  let tt = 0;
  for (let i = 0; i < T.length; i++) tt += T[i] * T[i];
  const ii = integralOfSquares(window);
  const W1 = Ww + 1;
  const out = new Float32Array(Wo * Ho);
  for (let u = 0; u < Ho; u++) {
    const top = u * W1;
    const bot = (u + Ht) * W1;
    for (let v = 0; v < Wo; v++) {
      let num = 0;
      for (let r = 0; r < Ht; r++) {
        const wi = (u + r) * Ww + v;
        const ti = r * Wt;
        for (let c = 0; c < Wt; c++) num += T[ti + c] * I[wi + c];
      }
      let e = ii[bot + v + Wt] - ii[top + v + Wt] - ii[bot + v] + ii[top + v];
      if (e < 0) e = 0;
      const den = Math.sqrt(tt * e);
      const a = Math.abs(num);
      let r: number;
      if (a < den) r = num / den;
      else if (a < den * 1.125) r = num > 0 ? 1 : -1;
      else r = 0;
      out[u * Wo + v] = r;
    }
  }
  return createImage(Wo, Ho, 1, out);
}

/**
 * Sum of squared differences `S(u,v) = Σ (I_uv − T)²` (≥ 0; exactly 0 where the window equals
 * the template). Evaluated directly, which costs the same as the cross term of the expanded
 * form and avoids its cancellation. Output float32, size (Hw−Ht+1) × (Ww−Wt+1).
 */
export function ssdMap(window: Plane, template: Plane): Image {
  checkSizes(window, template);
  const { width: Ww, height: Hw, data: I } = window;
  const { width: Wt, height: Ht, data: T } = template;
  const Wo = Ww - Wt + 1;
  const Ho = Hw - Ht + 1;
  const out = new Float32Array(Wo * Ho);
  for (let u = 0; u < Ho; u++) {
    for (let v = 0; v < Wo; v++) {
      let s = 0;
      for (let r = 0; r < Ht; r++) {
        const wi = (u + r) * Ww + v;
        const ti = r * Wt;
        for (let c = 0; c < Wt; c++) {
          const d = I[wi + c] - T[ti + c];
          s += d * d;
        }
      }
      out[u * Wo + v] = s;
    }
  }
  return createImage(Wo, Ho, 1, out);
}

/** First maximum in row-major order (NaNs are skipped; all-NaN → value NaN at (0, 0)). */
export function argmax(p: Plane): Extremum {
  requireMono(p, 'argmax input');
  const d = p.data;
  let best = -Infinity;
  let bi = -1;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v > best || (bi < 0 && v === v)) {
      best = v;
      bi = i;
    }
  }
  if (bi < 0) return { y: 0, x: 0, value: NaN };
  return { y: Math.floor(bi / p.width), x: bi % p.width, value: best };
}

/** First minimum in row-major order (NaNs are skipped; all-NaN → value NaN at (0, 0)). */
export function argmin(p: Plane): Extremum {
  requireMono(p, 'argmin input');
  const d = p.data;
  let best = Infinity;
  let bi = -1;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < best || (bi < 0 && v === v)) {
      best = v;
      bi = i;
    }
  }
  if (bi < 0) return { y: 0, x: 0, value: NaN };
  return { y: Math.floor(bi / p.width), x: bi % p.width, value: best };
}
