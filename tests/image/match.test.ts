import { describe, expect, it } from 'vitest';
import { argmax, argmin, nccMap, ssdMap } from '../../src/image/match.ts';
import { crop } from '../../src/image/region.ts';
import { fromRows, makeImage, randomImage, toRows } from './helpers.ts';

describe('nccMap (TM_CCORR_NORMED)', () => {
  it('hand example: not mean-subtracted', () => {
    const r = nccMap(fromRows([[1, 2, 3]]), fromRows([[1, 1]]));
    expect([r.width, r.height]).toEqual([2, 1]);
    expect(r.data[0]).toBeCloseTo(3 / Math.sqrt(10), 6);
    expect(r.data[1]).toBeCloseTo(5 / Math.sqrt(26), 6);
  });
  it('finds a known integer offset of a random texture with value 1', () => {
    const win = randomImage(40, 36, 11);
    const tpl = crop(win, 13, 13 + 16, 7, 7 + 18);
    const r = nccMap(win, tpl);
    expect([r.width, r.height]).toEqual([40 - 18 + 1, 36 - 16 + 1]);
    const m = argmax(r);
    expect([m.y, m.x]).toEqual([13, 7]);
    expect(m.value).toBeCloseTo(1, 6);
    // Everything else is clearly lower (random texture).
    let second = -Infinity;
    r.data.forEach((v, i) => {
      if (i !== 13 * r.width + 7) second = Math.max(second, v);
    });
    expect(second).toBeLessThan(0.95);
  });
  it('equals the brute-force formula everywhere', () => {
    const win = randomImage(17, 13, 12);
    const tpl = randomImage(6, 5, 13);
    const r = nccMap(win, tpl);
    for (let u = 0; u < r.height; u++) {
      for (let v = 0; v < r.width; v++) {
        let st = 0;
        let sii = 0;
        let stt = 0;
        for (let y = 0; y < 5; y++) {
          for (let x = 0; x < 6; x++) {
            const a = tpl.data[y * 6 + x];
            const b = win.data[(u + y) * 17 + v + x];
            st += a * b;
            sii += b * b;
            stt += a * a;
          }
        }
        expect(r.data[u * r.width + v]).toBeCloseTo(st / Math.sqrt(stt * sii), 6);
      }
    }
  });
  it('is invariant to a positive scaling of the window', () => {
    const win = randomImage(20, 20, 14);
    const tpl = crop(win, 4, 12, 5, 15);
    const scaled = makeImage(20, 20, (y, x) => 3 * win.data[y * 20 + x]);
    const a = nccMap(win, tpl);
    const b = nccMap(scaled, tpl);
    a.data.forEach((v, i) => expect(b.data[i]).toBeCloseTo(v, 6));
  });
  it('gives 0 for a zero-energy window and rejects bad shapes', () => {
    const r = nccMap(makeImage(4, 4, () => 0), makeImage(2, 2, () => 1));
    expect(Array.from(r.data).every((v) => v === 0)).toBe(true);
    expect(() => nccMap(makeImage(3, 3, () => 1), makeImage(4, 2, () => 1))).toThrow(/larger/);
    expect(() => nccMap(makeImage(3, 3, () => 1, 3), makeImage(2, 2, () => 1))).toThrow(/single-channel/);
  });
});

describe('ssdMap', () => {
  it('hand example', () => {
    expect(toRows(ssdMap(fromRows([[1, 2, 3]]), fromRows([[1, 1]])))).toEqual([[1, 5]]);
  });
  it('is exactly 0 at the true offset and minimal there', () => {
    const win = randomImage(30, 25, 21);
    const tpl = crop(win, 5, 20, 9, 21);
    const r = ssdMap(win, tpl);
    expect(r.data[5 * r.width + 9]).toBe(0);
    const m = argmin(r);
    expect([m.y, m.x, m.value]).toEqual([5, 9, 0]);
    expect(Array.from(r.data).filter((v) => v === 0).length).toBe(1);
  });
});

describe('argmax / argmin', () => {
  it('return the first extremum in row-major order and skip NaN', () => {
    expect(argmax(fromRows([[0, 5], [5, 1]]))).toEqual({ y: 0, x: 1, value: 5 });
    expect(argmin(fromRows([[3, 1], [1, 2]]))).toEqual({ y: 0, x: 1, value: 1 });
    expect(argmax(fromRows([[NaN, 2], [7, 7]]))).toEqual({ y: 1, x: 0, value: 7 });
    expect(argmax(fromRows([[-Infinity, -Infinity]]))).toEqual({ y: 0, x: 0, value: -Infinity });
    expect(argmin(fromRows([[NaN, NaN]])).value).toBeNaN();
  });
});
