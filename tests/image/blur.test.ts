import { describe, expect, it } from 'vitest';
import { gaussianBlur, gaussianBlurSigma, gaussianKernel, gaussianKernelSigma } from '../../src/image/blur.ts';
import { channel, fromRows, makeImage, randomImage, toRows } from './helpers.ts';

describe('gaussianKernel (OpenCV sigma = 0)', () => {
  it('uses the fixed tables for k ≤ 7', () => {
    expect(Array.from(gaussianKernel(1))).toEqual([1]);
    expect(Array.from(gaussianKernel(3))).toEqual([0.25, 0.5, 0.25]);
    expect(Array.from(gaussianKernel(5))).toEqual([1, 4, 6, 4, 1].map((v) => v / 16));
    expect(Array.from(gaussianKernel(7))).toEqual([1, 3.5, 7, 9, 7, 3.5, 1].map((v) => v / 32));
  });
  it('uses a sampled Gaussian with σ = 0.3((k−1)/2−1)+0.8 for k ≥ 9', () => {
    // Reference values computed independently (numpy) for σ = 1.7 and σ = 2.0.
    const k9 = [0.01483945, 0.04981729, 0.11832251, 0.198829, 0.23638351, 0.198829, 0.11832251, 0.04981729, 0.01483945];
    Array.from(gaussianKernel(9)).forEach((v, i) => expect(v).toBeCloseTo(k9[i], 7));
    const k11 = [0.00881223, 0.02714358, 0.06511406, 0.12164907, 0.17699836, 0.20056541];
    const g11 = gaussianKernel(11);
    expect(g11.length).toBe(11);
    k11.forEach((v, i) => {
      expect(g11[i]).toBeCloseTo(v, 7);
      expect(g11[10 - i]).toBeCloseTo(v, 7);
    });
  });
  it('rejects even, zero, negative and fractional sizes', () => {
    for (const k of [0, -3, 2, 8, 3.5, NaN]) expect(() => gaussianKernel(k)).toThrow(/positive odd integer/);
    expect(() => gaussianBlur(makeImage(4, 4, () => 1), 4)).toThrow(/positive odd integer/);
  });
  it('sigma kernels have size round(8σ+1) forced odd', () => {
    expect(gaussianKernelSigma(1).length).toBe(9);
    expect(gaussianKernelSigma(0.5).length).toBe(5);
    expect(gaussianKernelSigma(0.625).length).toBe(7); // 6 → 7
    expect(gaussianKernelSigma(1.0 / 3).length).toBe(5); // round(3.67) = 4 → 5
    expect(() => gaussianKernelSigma(0)).toThrow();
    expect(() => gaussianKernelSigma(-1)).toThrow();
  });
});

describe('gaussianBlur', () => {
  it('7-tap blur of an impulse is exactly the outer product of the table', () => {
    const t = [1, 3.5, 7, 9, 7, 3.5, 1].map((v) => v / 32);
    const img = makeImage(15, 13, (y, x) => (y === 6 && x === 7 ? 1024 : 0));
    const out = gaussianBlur(img, 7);
    for (let y = 0; y < 13; y++) {
      for (let x = 0; x < 15; x++) {
        const dy = y - 6 + 3;
        const dx = x - 7 + 3;
        const expected = dy >= 0 && dy < 7 && dx >= 0 && dx < 7 ? 1024 * t[dy] * t[dx] : 0;
        expect(out.data[y * 15 + x]).toBe(expected);
      }
    }
  });
  it('uses reflect-101 borders (1-D, hand computed)', () => {
    // [1,2,4] padded reflect-101 with 1: 2 | 1 2 4 | 2
    expect(toRows(gaussianBlur(fromRows([[1, 2, 4]]), 3))).toEqual([[1.5, 2.25, 3]]);
    // padded with 2: 4 2 | 1 2 4 | 2 1
    expect(toRows(gaussianBlur(fromRows([[1, 2, 4]]), 5))).toEqual([[30 / 16, 36 / 16, 42 / 16]]);
  });
  it('uses reflect-101 borders (2-D corner impulse, hand computed)', () => {
    // Reflect (not 101) would put 12·… at the corner; reflect-101 gives 0.5·0.5·16 = 4.
    const img = fromRows([[16, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(toRows(gaussianBlur(img, 3))).toEqual([[4, 2, 0], [2, 1, 0], [0, 0, 0]]);
  });
  it('works on images narrower than the kernel (repeated reflection)', () => {
    const out = gaussianBlur(fromRows([[5, 1]]), 7);
    // Row 5 1 reflect-101 extended: … 1 5 1 [5] 1 5 1 …: 5·(3.5+9+3.5)/32 + 1·(1+7+7+1)/32 = 3
    // (replicate would give 3.5625).
    expect(toRows(out)).toEqual([[3, 3]]);
  });
  it('ksize 1 is the identity', () => {
    const img = randomImage(9, 7, 1);
    expect(Array.from(gaussianBlur(img, 1).data)).toEqual(Array.from(img.data));
  });
  it('blurs each channel of an RGB image independently', () => {
    const img = randomImage(11, 9, 2, 3);
    const out = gaussianBlur(img, 5);
    for (let c = 0; c < 3; c++) {
      const ref = gaussianBlur(channel(img, c), 5);
      expect(Array.from(channel(out, c).data)).toEqual(Array.from(ref.data));
    }
  });
  it('k = 9 preserves a constant and the mass of an interior impulse', () => {
    const flat = gaussianBlur(makeImage(12, 10, () => 777), 9);
    for (const v of flat.data) expect(v).toBeCloseTo(777, 3);
    const imp = gaussianBlur(makeImage(21, 21, (y, x) => (y === 10 && x === 10 ? 1 : 0)), 9);
    let s = 0;
    for (const v of imp.data) s += v;
    expect(s).toBeCloseTo(1, 6);
    expect(imp.data[10 * 21 + 10]).toBeCloseTo(0.23638351 ** 2, 7);
  });
});

describe('gaussianBlurSigma', () => {
  it('equals the separable sampled Gaussian of that sigma', () => {
    const imp = gaussianBlurSigma(makeImage(21, 21, (y, x) => (y === 10 && x === 10 ? 1 : 0)), 1);
    const k = gaussianKernelSigma(1);
    expect(k.length).toBe(9);
    // Centre weight of a σ=1 kernel truncated to 9 taps, independently: 1/Σexp(−i²/2), i=−4..4.
    let z = 0;
    for (let i = -4; i <= 4; i++) z += Math.exp(-i * i / 2);
    expect(imp.data[10 * 21 + 10]).toBeCloseTo(1 / (z * z), 7);
    expect(imp.data[10 * 21 + 11]).toBeCloseTo(Math.exp(-0.5) / (z * z), 7);
    expect(imp.data[10 * 21 + 15]).toBe(0); // outside the 9-tap support
  });
  it('rejects non-positive sigma', () => {
    expect(() => gaussianBlurSigma(makeImage(3, 3, () => 0), 0)).toThrow();
  });
});
