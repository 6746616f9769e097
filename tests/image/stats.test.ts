import { describe, expect, it } from 'vitest';
import { centreOfGravity, meanStd, meanStdBytes, minMax } from '../../src/image/stats.ts';
import { fromRows, makeImage, rng } from './helpers.ts';

describe('meanStd', () => {
  it('population std (divide by n)', () => {
    const r = meanStd(fromRows([[1, 2], [3, 4]]));
    expect(r.mean).toBe(2.5);
    expect(r.std).toBeCloseTo(Math.sqrt(1.25), 14); // sample std would be 1.29099…
    expect(r.count).toBe(4);
  });
  it('of a region given as a half-open rect', () => {
    const img = fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const r = meanStd(img, { y0: 0, y1: 2, x0: 1, x1: 3 }); // {2, 3, 5, 6}
    expect(r.mean).toBe(4);
    expect(r.std).toBeCloseTo(Math.sqrt(2.5), 14);
    expect(() => meanStd(img, { y0: 0, y1: 4, x0: 0, x1: 1 })).toThrow();
  });
  it('is accurate in float64 for large offsets', () => {
    const img = makeImage(100, 100, (y, x) => 60000 + ((x + y) % 2));
    const r = meanStd(img);
    expect(r.mean).toBe(60000.5);
    expect(r.std).toBe(0.5);
  });
  it('covers all channels of an RGB image', () => {
    const r = meanStd(makeImage(2, 1, (_y, x, c) => x * 3 + c, 3)); // 0..5
    expect(r.mean).toBe(2.5);
    expect(r.std).toBeCloseTo(Math.sqrt(35 / 12), 14);
  });
});

describe('minMax', () => {
  it('finds extremes', () => {
    expect(minMax(fromRows([[3, -1], [7, 2]]))).toEqual({ min: -1, max: 7 });
  });
});

describe('centreOfGravity (PSS §6.1)', () => {
  it('locates a symmetric blob', () => {
    const img = makeImage(31, 21, (y, x) => 100 + 5000 * Math.exp(-((y - 8) ** 2 + (x - 17) ** 2) / 8));
    const c = centreOfGravity(img)!;
    expect(c.cy).toBeCloseTo(8, 9);
    expect(c.cx).toBeCloseTo(17, 9);
  });
  it('uses the floored mid-range threshold (hand example)', () => {
    // min 1, max 10 → t = ⌊5.5⌋ = 5 → weights (0, 0, 5, 1) → cx = (2·5 + 3·1)/6.
    const c = centreOfGravity(fromRows([[1, 4, 10, 6]]))!;
    expect(c.cx).toBeCloseTo(13 / 6, 14);
    expect(c.cy).toBe(0);
  });
  it('returns null for a flat image', () => {
    expect(centreOfGravity(makeImage(4, 4, () => 9))).toBeNull();
  });
});

describe('meanStdBytes (one pass over 8-bit samples)', () => {
  it('agrees with the two-pass meanStd to 1e-12 relative, whole planes and regions', () => {
    let seed = 7;
    for (const [w, h] of [[1, 1], [3, 5], [64, 48], [640, 480]]) {
      const r = rng(seed++);
      const data = Uint8Array.from({ length: w * h }, () => Math.floor(r() * r() * 256));
      const f = { width: w, height: h, data: Float32Array.from(data) };
      for (const rect of [undefined, { y0: 0, y1: h, x0: 0, x1: 1 }, { y0: Math.floor(h / 3), y1: h, x0: Math.floor(w / 4), x1: w }]) {
        const a = meanStd(f, rect);
        const b = meanStdBytes({ width: w, height: h, data }, rect);
        expect(b.count).toBe(a.count);
        expect(Math.abs(b.mean - a.mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, a.mean));
        expect(Math.abs(b.std - a.std)).toBeLessThanOrEqual(1e-12 * Math.max(1, a.std));
      }
    }
  });

  it('a flat plane has std 0; bad sizes and regions are rejected', () => {
    expect(meanStdBytes({ width: 4, height: 4, data: new Uint8Array(16).fill(200) })).toEqual({ mean: 200, std: 0, count: 16 });
    expect(() => meanStdBytes({ width: 4, height: 4, data: new Uint8Array(15) })).toThrow(/15 samples/);
    expect(() => meanStdBytes({ width: 4, height: 4, data: new Uint8Array(16) }, { y0: 0, y1: 5, x0: 0, x1: 4 })).toThrow(/outside/);
  });
});
