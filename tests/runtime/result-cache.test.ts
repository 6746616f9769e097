import { describe, it, expect } from 'vitest';
import { ResultCache, estimateBytes } from '../../src/runtime/result-cache.ts';

const big = (n: number) => ({ image: { data: new Float32Array(n) } });

describe('ResultCache', () => {
  it('keeps results within its byte budget, evicting the least recently used (never pinned ones)', () => {
    const evicted: unknown[] = [];
    const c = new ResultCache({ budgetBytes: 3 * 4000 + 500, onEvict: (o) => evicted.push(o) });
    const a = big(1000), b = big(1000), d = big(1000);
    c.set('a', a, true);
    c.set('b', b, true);
    c.pin('a');
    c.get('b');
    c.set('d', d, true);
    c.set('e', big(1000), true); // over budget: 'b' is the LRU unpinned entry ('a' is pinned)
    expect(c.has('a')).toBe(true);
    expect(c.has('b')).toBe(false);
    expect(evicted).toEqual([b]);
    expect(c.heldBytes()).toBeLessThanOrEqual(3 * 4000 + 500);
    c.unpinAll();
    c.set('f', big(1000), true);
    expect(c.has('a')).toBe(false);
  });

  it('measures typed arrays by their size and counts a shared buffer once', () => {
    const buf = new Float32Array(2500);
    expect(estimateBytes({ x: buf, y: buf.subarray(0, 10) })).toBeGreaterThanOrEqual(10000);
    expect(estimateBytes({ x: buf, y: buf.subarray(0, 10) })).toBeLessThan(10100);
  });
});
