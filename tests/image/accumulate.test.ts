import { describe, expect, it } from 'vitest';
import { accumulateShifted, addPatch } from '../../src/image/accumulate.ts';
import { createImage } from '../../src/image/image.ts';
import { fromRows, makeImage, toRows } from './helpers.ts';

const src = makeImage(4, 4, (y, x) => 10 * y + x);

describe('accumulateShifted', () => {
  it('adds src[rect + offset] inside the source, reporting the clip per side', () => {
    const dst = createImage(3, 3);
    const clip = accumulateShifted(dst, src, -1, 2);
    expect(clip).toEqual({ top: 1, bottom: 0, left: 0, right: 1 });
    expect(toRows(dst)).toEqual([[0, 0, 0], [2, 3, 0], [12, 13, 0]]);
    accumulateShifted(dst, src, -1, 2, 0.5);
    expect(toRows(dst)).toEqual([[0, 0, 0], [3, 4.5, 0], [18, 19.5, 0]]);
  });
  it('copies all of an inside rectangle', () => {
    const dst = createImage(2, 2);
    expect(accumulateShifted(dst, src, 2, 1)).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
    expect(toRows(dst)).toEqual([[21, 22], [31, 32]]);
  });
  it('a rectangle wholly outside adds nothing and reports the full excess', () => {
    const dst = createImage(2, 2);
    expect(accumulateShifted(dst, src, 5, -3)).toEqual({ top: 0, bottom: 3, left: 3, right: 0 });
    expect(Array.from(dst.data)).toEqual([0, 0, 0, 0]);
  });
  it('handles RGB and rejects mismatched channels / fractional offsets', () => {
    const rgb = makeImage(2, 2, (y, x, c) => 100 * c + 10 * y + x, 3);
    const dst = createImage(1, 1, 3);
    accumulateShifted(dst, rgb, 1, 1);
    expect(Array.from(dst.data)).toEqual([11, 111, 211]);
    expect(() => accumulateShifted(createImage(1, 1), rgb, 0, 0)).toThrow();
    expect(() => accumulateShifted(createImage(1, 1), src, 0.5, 0)).toThrow();
  });
});

describe('addPatch', () => {
  it('adds a patch at an offset, clipped to dst', () => {
    const dst = createImage(4, 4);
    const patch = fromRows([[1, 2, 3], [4, 5, 6]]);
    const clip = addPatch(dst, 3, -1, patch, 2);
    expect(clip).toEqual({ top: 0, bottom: 1, left: 1, right: 0 });
    expect(toRows(dst)[3]).toEqual([4, 6, 0, 0]);
    expect(toRows(dst).slice(0, 3).flat().every((v) => v === 0)).toBe(true);
  });
  it('multiplies by a per-pixel weight (all channels)', () => {
    const dst = createImage(3, 2, 3);
    const patch = makeImage(2, 1, (_y, x, c) => 10 * (x + 1) + c, 3);
    const w = fromRows([[0.5, 2]]);
    addPatch(dst, 1, 1, patch, 1, w);
    // (1,1): 0.5·(10,11,12); (1,2): 2·(20,21,22)
    expect(Array.from(dst.data.subarray(12, 18))).toEqual([5, 5.5, 6, 40, 42, 44]);
    expect(Array.from(dst.data.subarray(0, 12)).every((v) => v === 0)).toBe(true);
    expect(() => addPatch(dst, 0, 0, patch, 1, fromRows([[1]]))).toThrow();
  });
});
