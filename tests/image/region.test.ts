import { describe, expect, it } from 'vitest';
import { blurStrided, crop, cropStrided } from '../../src/image/region.ts';
import { gaussianBlur } from '../../src/image/blur.ts';
import { makeImage, toRows } from './helpers.ts';

const img = makeImage(7, 6, (y, x) => 10 * y + x);

describe('crop', () => {
  it('copies the half-open rectangle', () => {
    const out = crop(img, 1, 3, 2, 5);
    expect(toRows(out)).toEqual([[12, 13, 14], [22, 23, 24]]);
    out.data[0] = -1;
    expect(img.data[1 * 7 + 2]).toBe(12); // a copy, not a view
  });
  it('keeps the channels', () => {
    const rgb = makeImage(4, 3, (y, x, c) => 100 * c + 10 * y + x, 3);
    expect(Array.from(crop(rgb, 2, 3, 3, 4).data)).toEqual([23, 123, 223]);
  });
  it('rejects rectangles outside or empty', () => {
    expect(() => crop(img, -1, 2, 0, 2)).toThrow();
    expect(() => crop(img, 0, 7, 0, 2)).toThrow();
    expect(() => crop(img, 2, 2, 0, 2)).toThrow();
  });
});

describe('cropStrided', () => {
  it('is numpy a[y0:y1:s, x0:x1:s]', () => {
    const out = cropStrided(img, 1, 6, 0, 5, 2);
    expect([out.width, out.height]).toEqual([3, 3]);
    expect(toRows(out)).toEqual([[10, 12, 14], [30, 32, 34], [50, 52, 54]]);
    const b = cropStrided(img, 0, 4, 1, 7, 3);
    expect(toRows(b)).toEqual([[1, 4], [31, 34]]);
  });
  it('blurStrided = blur of the strided crop (reflect-101 at the window edge)', () => {
    const a = blurStrided(img, 0, 6, 1, 7, 2, 3);
    const b = gaussianBlur(cropStrided(img, 0, 6, 1, 7, 2), 3);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    // Window rows 0,2,4 / cols 1,3,5 → values 20y' + 2x' + 1; linear → blur keeps interior.
    expect(toRows(a)[1][1]).toBe(23);
  });
});
