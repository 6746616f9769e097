/** Small scalar helpers shared by the image kernels (index borders, rounding). */

/**
 * OpenCV BORDER_REFLECT_101 (`dcb|abcd|cba`): maps any integer index onto `[0, n)` by mirroring
 * about the first and the last sample without repeating them. Works for indices far outside
 * (repeated reflection, period `2n−2`) and for `n = 1` (always 0).
 */
export function reflect101(i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  const period = 2 * n - 2;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

/** BORDER_REPLICATE: clamps an index to `[0, n)`. */
export function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** 1.5·2^52: adding it leaves no fraction bits for |x| < 2^51, so the FPU rounds (half to even). */
const ROUND_MAGIC = 6755399441055744;

/**
 * Round half to even (Python `round`, numpy `rint`, OpenCV `cvRound`). For |x| < 2^51 the float64
 * addition `x + 1.5·2^52` rounds to an integer in the default (ties-to-even) mode — no `%` on floats,
 * which V8 runs as a slow library call. The sign of zero is kept (round(−0.3) = −0, as Math.round).
 */
export function roundHalfEven(x: number): number {
  if (x < 2251799813685248 && x > -2251799813685248) {
    const r = x + ROUND_MAGIC - ROUND_MAGIC;
    return r === 0 ? x * 0 : r;
  }
  const r = Math.round(x); // half up (toward +∞); |x| ≥ 2^51, NaN, ±∞
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}
