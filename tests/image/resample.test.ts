import { describe, expect, it } from 'vitest';
import { accumulateShiftedWindow, areaDownscale2, decimate2, resize, resizeArea, shiftImage } from '../../src/image/resample.ts';
import { accumulateShifted } from '../../src/image/accumulate.ts';
import { at, channel, fromRows, makeImage, randomImage, toRows } from './helpers.ts';

describe('decimate2', () => {
  it('keeps rows/columns 0, 2, 4, … (size ⌈h/2⌉×⌈w/2⌉)', () => {
    const img = makeImage(5, 4, (y, x) => 10 * y + x);
    const out = decimate2(img);
    expect([out.width, out.height]).toEqual([3, 2]);
    expect(toRows(out)).toEqual([[0, 2, 4], [20, 22, 24]]);
    const one = decimate2(makeImage(1, 1, () => 7));
    expect([one.width, one.height, one.data[0]]).toEqual([1, 1, 7]);
  });
  it('keeps the channel interleaving', () => {
    const out = decimate2(makeImage(3, 3, (y, x, c) => 100 * c + 10 * y + x, 3));
    expect(Array.from(out.data.subarray(0, 6))).toEqual([0, 100, 200, 2, 102, 202]);
  });
});

describe('areaDownscale2', () => {
  it('averages 2×2 blocks, odd edges average what exists', () => {
    const out = areaDownscale2(fromRows([[1, 2, 3], [4, 5, 6], [7, 8, 9]]));
    expect(toRows(out)).toEqual([[3, 4.5], [7.5, 9]]);
  });
});

describe('resizeArea', () => {
  it('equals areaDownscale2 on even sizes', () => {
    const img = randomImage(8, 6, 3);
    const a = resizeArea(img, 4, 3);
    const b = areaDownscale2(img);
    a.data.forEach((v, i) => expect(v).toBeCloseTo(b.data[i], 2));
  });
  it('weights fractional overlaps (3 → 2)', () => {
    // footprints [0,1.5) and [1.5,3): (1 + 0.5·2)/1.5 and (0.5·2 + 4)/1.5
    const out = resizeArea(fromRows([[1, 2, 4]]), 2, 1);
    expect(out.data[0]).toBeCloseTo(2 / 1.5, 6);
    expect(out.data[1]).toBeCloseTo(5 / 1.5, 6);
  });
});

describe('resize', () => {
  it('2:1 linear down-scale is the 2×2 box average', () => {
    const img = randomImage(10, 8, 4);
    const a = resize(img, 0.5, 'linear');
    const b = areaDownscale2(img);
    expect([a.width, a.height]).toEqual([5, 4]);
    a.data.forEach((v, i) => expect(v).toBeCloseTo(b.data[i], 2));
  });
  it('2× linear up-scale of a ramp follows x_src = (x_dst + 0.5)/2 − 0.5, clamped at the edges', () => {
    const w = 6;
    const out = resize(makeImage(w, 2, (_y, x) => x), 2, 'linear');
    expect([out.width, out.height]).toEqual([12, 4]);
    for (let d = 0; d < 12; d++) expect(at(out, 1, d)).toBe(Math.min(w - 1, Math.max(0, d / 2 - 0.25)));
  });
  it('stays linear in the interior for a non-integer factor', () => {
    const out = resize(makeImage(20, 3, (_y, x) => 3 * x + 1), { width: 13, height: 3 }, 'linear');
    const s = 20 / 13;
    for (let d = 1; d < 12; d++) expect(at(out, 1, d)).toBeCloseTo(3 * ((d + 0.5) * s - 0.5) + 1, 4);
  });
  it('derives the size by rounding half to even', () => {
    expect(resize(makeImage(5, 7, () => 0), 0.5).width).toBe(2); // 2.5 → 2
    expect(resize(makeImage(5, 7, () => 0), 0.5).height).toBe(4); // 3.5 → 4
    expect(() => resize(makeImage(1, 1, () => 0), 0.4)).toThrow();
  });
  it('cubic uses a = −0.75 (hand weights at the half-pixel point)', () => {
    // Half-pixel shift of an impulse: weights (−0.09375, 0.59375, 0.59375, −0.09375).
    const out = shiftImage(makeImage(10, 1, (_y, x) => (x === 5 ? 1 : 0)), 0, 0.5, 'cubic');
    expect(Array.from(out.data)).toEqual([0, 0, 0, 0, -0.09375, 0.59375, 0.59375, -0.09375, 0, 0]);
  });
  it('cubic up-scale keeps constants and uses the pixel-centre convention', () => {
    const flat = resize(makeImage(6, 5, () => 100), 3, 'cubic');
    for (const v of flat.data) expect(v).toBeCloseTo(100, 4);
    // OpenCV interpolateCubic(0.25) = (−0.10546875, 0.87890625, 0.26171875, −0.03515625) (hand computed).
    const out = resize(makeImage(8, 1, (_y, x) => (x === 2 ? 1 : 0)), { width: 16, height: 1 }, 'cubic');
    // d = 3 → x_src = 3.5/2 − 0.5 = 1.25: taps 0..3 with f = 0.25 → the impulse at 2 gets c[2].
    expect(at(out, 0, 3)).toBeCloseTo(0.26171875, 7);
    // d = 2 → x_src = 0.75: taps −1..2 with f = 0.75 → the impulse gets c[3](0.75) = c[0](0.25).
    expect(at(out, 0, 2)).toBeCloseTo(-0.10546875, 7);
  });
  it('resizes each channel independently', () => {
    const img = randomImage(7, 5, 5, 3);
    const out = resize(img, 1.7, 'cubic');
    for (let c = 0; c < 3; c++) {
      const ref = resize(channel(img, c), 1.7, 'cubic');
      expect(Array.from(channel(out, c).data)).toEqual(Array.from(ref.data));
    }
  });
});

describe('shiftImage', () => {
  it('integer shift is an exact array shift with replicated edges', () => {
    const img = randomImage(9, 7, 6);
    for (const mode of ['linear', 'cubic'] as const) {
      const out = shiftImage(img, 2, -1, mode);
      for (let y = 0; y < 7; y++) {
        for (let x = 0; x < 9; x++) {
          const sy = Math.min(6, Math.max(0, y - 2));
          const sx = Math.min(8, Math.max(0, x + 1));
          expect(at(out, y, x)).toBe(at(img, sy, sx));
        }
      }
    }
  });
  it('moves the content by (+dy, +dx)', () => {
    const out = shiftImage(makeImage(8, 8, (y, x) => (y === 2 && x === 3 ? 5 : 0)), 3, 1);
    expect(at(out, 5, 4)).toBe(5);
    expect(at(out, 2, 3)).toBe(0);
  });
  it('half-pixel shift of a ramp is the ramp shifted (interior, linear and cubic)', () => {
    const f = (y: number, x: number) => 2 * x + 3 * y + 1;
    const img = makeImage(10, 9, f);
    for (const mode of ['linear', 'cubic'] as const) {
      const out = shiftImage(img, -0.5, 0.5, mode);
      for (let y = 1; y < 7; y++) for (let x = 2; x < 9; x++) expect(at(out, y, x)).toBe(f(y + 0.5, x - 0.5));
    }
  });
  it('linear sub-pixel shift replicates the edge', () => {
    const out = shiftImage(makeImage(5, 1, (_y, x) => 10 * x), 0, 0.25);
    expect(Array.from(out.data)).toEqual([0, 7.5, 17.5, 27.5, 37.5]);
  });
});

describe('accumulateShiftedWindow', () => {
  it('equals shiftImage then accumulateShifted bit for bit (linear and cubic, sub-pixel and whole shifts, borders)', () => {
    let seed = 3;
    for (const mode of ['linear', 'cubic'] as const) {
      for (const [dy, dx] of [[0.25, -0.4], [-0.5, 0.5], [0, 0.3], [0.7, 0], [-0.125, -0.875], [1.5, -2.25]]) {
        for (const [W, H, w, h, y0, x0] of [[40, 30, 30, 22, 3, 5], [17, 11, 17, 11, 0, 0], [25, 19, 7, 5, 14, 18], [9, 7, 1, 1, 6, 8]]) {
          const img = randomImage(W, H, seed++);
          const base = randomImage(w, h, seed++);
          const a = { ...base, data: new Float32Array(base.data) };
          const b = { ...base, data: new Float32Array(base.data) };
          accumulateShifted(a, shiftImage(img, dy, dx, mode), y0, x0);
          accumulateShiftedWindow(b, img, y0, x0, dy, dx, mode);
          const what = `${mode} (${dy}, ${dx}) ${W}x${H} window ${w}x${h} at (${y0}, ${x0})`;
          expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer)), what).toBe(true);
        }
      }
    }
  });

  it('rejects a window outside the image and colour images', () => {
    const img = randomImage(10, 10, 1);
    expect(() => accumulateShiftedWindow(randomImage(5, 5, 2), img, 6, 0, 0.5, 0.5)).toThrow(/not inside/);
    expect(() => accumulateShiftedWindow(randomImage(5, 5, 2, 3), randomImage(10, 10, 1, 3), 0, 0, 0.5, 0.5)).toThrow(/mono/);
  });
});
