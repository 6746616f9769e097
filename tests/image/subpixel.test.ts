import { describe, expect, it } from 'vitest';
import { subpixelParaboloid } from '../../src/image/subpixel.ts';

function sample(f: (y: number, x: number) => number): number[] {
  const out: number[] = [];
  for (let y = -1; y <= 1; y++) for (let x = -1; x <= 1; x++) out.push(f(y, x));
  return out;
}

describe('subpixelParaboloid', () => {
  it('recovers the vertex of a sampled exact quadratic (with xy term)', () => {
    const f = (y: number, x: number) =>
      10 - 2 * (x + 0.2) ** 2 - 3 * (y - 0.3) ** 2 + 0.5 * (x + 0.2) * (y - 0.3);
    const r = subpixelParaboloid(sample(f));
    expect(r).not.toBeNull();
    expect(r!.dy).toBeCloseTo(0.3, 12);
    expect(r!.dx).toBeCloseTo(-0.2, 12);
  });
  it('uses the c-branch for x when a = 0 (saddle)', () => {
    const f = (y: number, x: number) => -((y - 0.25) ** 2) + (x - 0.1) * (y - 0.25);
    const r = subpixelParaboloid(sample(f));
    expect(r!.dy).toBeCloseTo(0.25, 12);
    expect(r!.dx).toBeCloseTo(0.1, 12);
  });
  it('returns null for a degenerate fit', () => {
    expect(subpixelParaboloid(sample(() => 1))).toBeNull();
    expect(subpixelParaboloid(sample((_y, x) => -(x * x)))).toBeNull(); // b = c = 0 → det = 0
    expect(() => subpixelParaboloid([1, 2, 3])).toThrow();
  });
  it('is the least-squares fit, not an interpolation (noise in a corner)', () => {
    // f = −x² − y² plus 9 at the (−1,−1) corner. By hand: a = b = (−6+9)/6 = 0.5, c = 9/4,
    // d = e = −9/6: dy = (2·0.5·(−1.5) − 2.25·(−1.5))/(2.25² − 1) = 1.875/4.0625.
    const f9 = sample((y, x) => -(x * x) - y * y + (x === -1 && y === -1 ? 9 : 0));
    const r = subpixelParaboloid(f9)!;
    expect(r.dy).toBeCloseTo(1.875 / 4.0625, 12);
    expect(r.dx).toBeCloseTo(-(2.25 * r.dy - 1.5) / 1, 12);
  });
});
