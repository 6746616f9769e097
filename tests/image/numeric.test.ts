import { describe, expect, it } from 'vitest';
import { clampIndex, reflect101, roundHalfEven } from '../../src/image/numeric.ts';

describe('numeric helpers', () => {
  it('reflect101 mirrors without repeating the edge sample (dcb|abcd|cba)', () => {
    expect([-3, -2, -1, 0, 4, 5, 6, 7].map((i) => reflect101(i, 5))).toEqual([3, 2, 1, 0, 4, 3, 2, 1]);
    // Far outside: period 2n−2 = 8 (… 4 3 2 1 0 1 …).
    expect(reflect101(8, 5)).toBe(0);
    expect(reflect101(9, 5)).toBe(1);
    expect(reflect101(-9, 5)).toBe(1);
    expect(reflect101(-1, 1)).toBe(0);
    expect(reflect101(3, 1)).toBe(0);
    expect(reflect101(-1, 2)).toBe(1);
    expect(reflect101(2, 2)).toBe(0);
  });
  it('clampIndex replicates the edge', () => {
    expect([-2, 0, 3, 4, 9].map((i) => clampIndex(i, 4))).toEqual([0, 0, 3, 3, 3]);
  });
  it('roundHalfEven rounds ties to even like Python round', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 2.4, 2.6, -2.6].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, -0, -2, -2, -4, 2, 3, -3,
    ]);
  });
  it('roundHalfEven agrees with Math.round plus a tie fix on random, huge and special values', () => {
    const slow = (x: number) => {
      const r = Math.round(x);
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
    };
    const xs = [-0.3, 0.3, -0, 0, 65534.5, 65535.5, 2 ** 51 - 0.5, -(2 ** 51) + 0.5, 2 ** 51 + 1, 2 ** 53, 1e300, -1e300, NaN, Infinity, -Infinity];
    let seed = 7;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const u = seed / 2147483648;
      xs.push((u - 0.5) * 200000, Math.round((u - 0.5) * 2000) + 0.5, Math.fround((u - 0.5) * 131072));
    }
    for (const x of xs) expect(Object.is(roundHalfEven(x), slow(x)), `x = ${x}`).toBe(true);
  });
});
