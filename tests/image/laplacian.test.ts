import { describe, expect, it } from 'vitest';
import { laplacian3x3 } from '../../src/image/laplacian.ts';
import { channel, fromRows, makeImage, toRows } from './helpers.ts';

describe('laplacian3x3', () => {
  it('is the constant 2 + 2 on x² + y² in the interior', () => {
    const out = laplacian3x3(makeImage(7, 6, (y, x) => x * x + y * y));
    for (let y = 1; y < 5; y++) for (let x = 1; x < 6; x++) expect(out.data[y * 7 + x]).toBe(4);
  });
  it('reflect-101 border on x² + y² (hand computed)', () => {
    const out = toRows(laplacian3x3(makeImage(7, 6, (y, x) => x * x + y * y)));
    // x = 0: neighbours x = ±1 → 1 + 1 − 0 = 2 along x, same as the interior.
    expect(out[3][0]).toBe(4);
    // x = 6: neighbours 5, 5 → 25 + 25 − 72 = −22 along x; plus 2 along y.
    expect(out[3][6]).toBe(-20);
    // corner (5, 6): y = 5 neighbours 4, 4 → 16 + 16 − 50 = −18 along y.
    expect(out[5][6]).toBe(-22 - 18);
  });
  it('matches a hand-computed 3×3 example', () => {
    const out = toRows(laplacian3x3(fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 10]])));
    expect(out[1][1]).toBe(2 + 8 + 4 + 6 - 20);
    expect(out[0][0]).toBe(4 + 4 + 2 + 2 - 4);
    expect(out[2][2]).toBe(6 + 6 + 8 + 8 - 40);
    expect(out[0][1]).toBe(5 + 5 + 1 + 3 - 8);
  });
  it('handles width-1 images (left = right = self)', () => {
    expect(toRows(laplacian3x3(fromRows([[1], [4], [9]])))).toEqual([[6], [2], [-10]]);
  });
  it('sign: a bright isolated point gives a negative centre', () => {
    const out = toRows(laplacian3x3(makeImage(5, 5, (y, x) => (y === 2 && x === 2 ? 10 : 0))));
    expect(out[2][2]).toBe(-40);
    expect(out[1][2]).toBe(10);
    expect(out[1][1]).toBe(0);
    // On a 3×3 image the edge-centre pixel sees the point twice (row −1 reflects onto row 1).
    expect(toRows(laplacian3x3(makeImage(3, 3, (y, x) => (y === 1 && x === 1 ? 10 : 0))))[0][1]).toBe(20);
  });
  it('filters channels independently', () => {
    const img = makeImage(5, 4, (y, x, c) => (c + 1) * (x * x) + c * y * y * y, 3);
    const out = laplacian3x3(img);
    for (let c = 0; c < 3; c++) {
      expect(Array.from(channel(out, c).data)).toEqual(Array.from(laplacian3x3(channel(img, c)).data));
    }
  });
});
