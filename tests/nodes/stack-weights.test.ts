import { afterAll, describe, expect, it } from 'vitest';
import { getKernels, setKernels } from '../../src/image/kernels.ts';
import { enableWasmKernels } from '../../src/image/wasm/node.ts';
import { rampWeights } from '../../src/nodes/lib/stack-sample.ts';
import { backgroundRuns, rampWeightSum, rampWeightSumTS, runRectangles, type WeightedPatch } from '../../src/nodes/lib/stack-weights.ts';
import { rng } from '../image/helpers.ts';

const before = getKernels();
afterAll(() => setKernels(before));

/** AP-like patches (overlapping squares with ramps) on a drizzled grid, leaving holes at the edges. */
function patches(h: number, w: number, D: number, seed: number): WeightedPatch[] {
  const r = rng(seed);
  const out: WeightedPatch[] = [];
  for (let y = 10; y + 30 < h - 25; y += 19) {
    for (let x = 12; x + 30 < w - 30; x += 21) {
      if (r() < 0.06) continue; // a missing AP: a hole in the coverage
      const y0 = Math.max(0, y - 15) * D, y1 = (y + 15 + (x % 2)) * D, x0 = Math.max(0, x - 15) * D, x1 = (x + 16) * D;
      out.push({ y0, y1, x0, x1, wy: rampWeights(y0, y1, y * D, h * D), wx: rampWeights(x0, x1, x * D, w * D) });
    }
  }
  return out;
}

describe('rampWeightSum (Stack Σω)', () => {
  it('WebAssembly and TypeScript give the same sums, counts and tiles, bit for bit (drizzle 1 and 3)', () => {
    expect(enableWasmKernels()).toBe(true);
    for (const [h, w, D, K] of [[211, 303, 1, 17], [97, 131, 3, 5]]) {
      const p = patches(h, w, D, h);
      const a = rampWeightSum(p, h * D, w * D, K, 0.2 * K, 40 * D);
      const b = rampWeightSumTS(p, h * D, w * D, K, 0.2 * K, 40 * D);
      expect(Buffer.from(a.weightSum.buffer).equals(Buffer.from(b.weightSum.buffer))).toBe(true);
      expect([a.holes, a.below, a.tilesX, a.tilesY]).toEqual([b.holes, b.below, b.tilesX, b.tilesY]);
      expect(Array.from(a.tiles)).toEqual(Array.from(b.tiles));
      // the case is not trivial: holes, some tiles below the threshold and some not
      expect(b.holes).toBeGreaterThan(0);
      expect(b.tiles.includes(0) && b.tiles.includes(1)).toBe(true);
      // the sum is K · Σ min(ramps) over the covering patches (spot check of one pixel)
      const [Y, X] = [Math.floor(h * D / 2), Math.floor(w * D / 2)];
      let s = 1e-30;
      for (const q of p) if (Y >= q.y0 && Y < q.y1 && X >= q.x0 && X < q.x1) s += K * Math.min(q.wy[Y - q.y0], q.wx[X - q.x0]);
      expect(b.weightSum[Y * w * D + X]).toBeCloseTo(s, 4);
    }
  });
  it('rejects a patch outside the image', () => {
    const p = patches(60, 60, 1, 1);
    expect(() => rampWeightSum([{ ...p[0], y1: 61, wy: new Float32Array(80) }], 60, 60, 3, 0.6, 40)).toThrow(/outside/);
  });
});

describe('backgroundRuns', () => {
  it('equals the runs of a per-pixel mask of the grown tiles (and every pixel when all)', () => {
    const r = rng(3);
    for (const [h, w, TILE, margin] of [[250, 333, 100, 2], [97, 61, 20, 3], [40, 40, 100, 2]]) {
      const tilesX = Math.ceil(w / TILE), tilesY = Math.ceil(h / TILE);
      const tiles = Uint8Array.from({ length: tilesX * tilesY }, () => (r() < 0.5 ? 1 : 0));
      const mask = new Uint8Array(h * w);
      for (let ty = 0; ty < tilesY; ty++) for (let tx = 0; tx < tilesX; tx++) {
        if (!tiles[ty * tilesX + tx]) continue;
        for (let y = Math.max(0, ty * TILE - margin); y < Math.min(h, Math.min(ty * TILE + TILE, h) + margin); y++) {
          for (let x = Math.max(0, tx * TILE - margin); x < Math.min(w, Math.min(tx * TILE + TILE, w) + margin); x++) mask[y * w + x] = 1;
        }
      }
      const expected: { y: number; x0: number; x1: number }[] = [];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w;) {
          if (!mask[y * w + x]) { x++; continue; }
          const s = x;
          while (x < w && mask[y * w + x]) x++;
          expected.push({ y, x0: s, x1: x });
        }
      }
      expect(backgroundRuns({ tiles, tilesX, tilesY }, h, w, TILE, margin, false)).toEqual(expected);
      expect(backgroundRuns({ tiles, tilesX, tilesY }, h, w, TILE, margin, true)).toEqual(Array.from({ length: h }, (_, y) => ({ y, x0: 0, x1: w })));
    }
  });
});

describe('runRectangles (background runs joined into rectangles)', () => {
  const pixels = (list: { y: number; x0: number; x1: number }[]) => {
    const out: string[] = [];
    for (const r of list) for (let x = r.x0; x < r.x1; x++) out.push(`${r.y},${x}`);
    return out.sort();
  };
  const rows = (rects: { y0: number; lenY: number; x0: number; x1: number }[]) =>
    rects.flatMap((r) => Array.from({ length: r.lenY }, (_, k) => ({ y: r.y0 + k, x0: r.x0, x1: r.x1 })));

  it('a full-frame background is one rectangle', () => {
    const runs = Array.from({ length: 40 }, (_, y) => ({ y, x0: 0, x1: 57 }));
    expect(runRectangles(runs)).toEqual([{ y0: 0, lenY: 40, x0: 0, x1: 57 }]);
  });

  it('covers exactly the pixels of the runs, each once, for tile backgrounds with gaps and several runs per row', () => {
    const r = rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const tilesX = 6, tilesY = 5;
      const tiles = Uint8Array.from({ length: tilesX * tilesY }, () => (r() < 0.4 ? 1 : 0));
      const runs = backgroundRuns({ tiles, tilesX, tilesY }, 5 * 16 - 3, 6 * 16 - 5, 16, 4, false);
      const rects = runRectangles(runs);
      expect(pixels(rows(rects))).toEqual(pixels(runs));
      // no two rectangles share a row segment start (maximal joining of identical consecutive runs)
      for (const a of rects) {
        for (const b of rects) if (a !== b && a.x0 === b.x0 && a.x1 === b.x1) expect(a.y0 + a.lenY === b.y0 || b.y0 + b.lenY === a.y0).toBe(false);
      }
      if (runs.length > 0) expect(rects.length).toBeLessThanOrEqual(runs.length);
    }
  });

  it('does not join runs of the same columns across a row without them', () => {
    const runs = [{ y: 0, x0: 2, x1: 9 }, { y: 1, x0: 2, x1: 9 }, { y: 3, x0: 2, x1: 9 }];
    expect(runRectangles(runs)).toEqual([{ y0: 0, lenY: 2, x0: 2, x1: 9 }, { y0: 3, lenY: 1, x0: 2, x1: 9 }]);
  });
});
