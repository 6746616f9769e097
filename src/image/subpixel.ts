/** Sub-pixel peak refinement (PSS §10.3). */

/** Offset of a fitted stationary point from the centre sample, in samples (y down, x right). */
export interface SubpixelOffset {
  readonly dy: number;
  readonly dx: number;
}

const EPS = 1e-10;

/**
 * Least-squares paraboloid `f ≈ a x² + b y² + c xy + d x + e y + g` through the 3×3 samples
 * `f9[(y+1)·3 + (x+1)]`, y, x ∈ {−1, 0, 1} (row-major around the integer extremum), and its
 * stationary point `(dy, dx)` relative to the centre sample — i.e. the peak lies at
 * `centre + (dy, dx)`. Closed form:
 * `a = Σ f(3x²−2)/6, b = Σ f(3y²−2)/6, c = Σ f·xy/4, d = Σ f·x/6, e = Σ f·y/6`,
 * `dy = (2ae − cd)/(c² − 4ab)`, `dx = −(c·dy + d)/(2a)` if |a| > 1e−10, else `−(2b·dy + e)/c` if
 * |c| > 1e−10. Returns null when |c² − 4ab| ≤ 1e−10 or both |a|, |c| ≤ 1e−10 (no correction).
 * The caller decides acceptance (MLC: both |dy|, |dx| ≤ 1, then `sh2 ← sh2 − (dy, dx)`).
 */
export function subpixelParaboloid(f9: ArrayLike<number>): SubpixelOffset | null {
  if (f9.length !== 9) throw new Error(`subpixelParaboloid needs 9 samples, got ${f9.length}`);
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let e = 0;
  for (let y = -1; y <= 1; y++) {
    for (let x = -1; x <= 1; x++) {
      const f = f9[(y + 1) * 3 + (x + 1)];
      a += f * (3 * x * x - 2);
      b += f * (3 * y * y - 2);
      c += f * x * y;
      d += f * x;
      e += f * y;
    }
  }
  a /= 6;
  b /= 6;
  c /= 4;
  d /= 6;
  e /= 6;
  const det = c * c - 4 * a * b;
  if (!(Math.abs(det) > EPS)) return null;
  const dy = (2 * a * e - c * d) / det;
  let dx: number;
  if (Math.abs(a) > EPS) dx = -(c * dy + d) / (2 * a);
  else if (Math.abs(c) > EPS) dx = -(2 * b * dy + e) / c;
  else return null;
  if (!Number.isFinite(dy) || !Number.isFinite(dx)) return null;
  return { dy, dx };
}
