import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { apGridNode, type APGridParams } from '../../src/nodes/apgrid.ts';
import type { APGrid } from '../../src/nodes/data.ts';
import { apSizes, gridLocations } from '../../src/nodes/lib/ap-common.ts';
import { memoryFrameSet, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';

const frames = memoryFrameSet([new Uint16Array(16)], 4, 4); // only its noise width (7) is used

function params(over: Partial<APGridParams> = {}): APGridParams {
  return { boxWidth: 48, searchWidth: 14, minStructure: 0.04, minBrightness: 10, points: [], ...over };
}

/** Noise texture on the 16-bit scale where mask(y, x) is true, black elsewhere. */
function textured(w: number, h: number, seed: number, mask: (y: number, x: number) => boolean = () => true): Image {
  const r = rng(seed);
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = mask(y, x) ? 20000 + Math.round(r() * 30000) : 0;
  return img;
}

async function grid(image: Image, over: Partial<APGridParams> = {}): Promise<APGrid> {
  const out = await apGridNode.run(testContext(), { image, frames }, params(over));
  return out.apgrid as APGrid;
}

describe('APGrid sizes and locations (PSS §1.2, §8.3)', () => {
  it('derives half box, half patch and step with round-half-even', () => {
    expect(apSizes(48)).toEqual({ halfBox: 24, halfPatch: 36, step: 54 });
    expect(apSizes(50)).toEqual({ halfBox: 25, halfPatch: 38, step: 57 }); // 37.5 → 38
    expect(apSizes(44)).toEqual({ halfBox: 22, halfPatch: 33, step: 50 }); // 49.5 → 50
    expect(apSizes(46)).toEqual({ halfBox: 23, halfPatch: 34, step: 51 }); // 34.5 → 34
  });
  it('computes the even/odd 1-D sets', () => {
    // n = 200, mbd = 38: k = ⌈124/54⌉ = 3, d = 41.33…
    expect(gridLocations(200, 38, 54)).toEqual({ even: [38, 79, 120, 162], odd: [58, 100, 141] });
    expect(gridLocations(76, 38, 54)).toEqual({ even: [], odd: [] });
  });
});

describe('APGrid node', () => {
  it('1920x1080 with the defaults gives 710 APs in 20 staggered rows of 36/35', async () => {
    const g = await grid(textured(1920, 1080, 1));
    expect(g.points.length).toBe(710);
    const rows = new Map<number, number>();
    for (const p of g.points) rows.set(p.y, (rows.get(p.y) ?? 0) + 1);
    expect([...rows.values()]).toEqual(Array.from({ length: 20 }, (_, r) => (r % 2 ? 35 : 36)));
    expect(g.halfBox).toBe(24);
    expect(g.halfPatch).toBe(36);
    expect(g.dropped).toEqual({ dim: 0, structure: 0 });
  });

  it('a small case computed by hand (200x150): 11 APs with border extension', async () => {
    const g = await grid(textured(200, 150, 2));
    // y: n−2·38 = 74 → k = 2, d = 37 → rows 38, 75, 112; x even 38,79,120,162; odd 58,100,141.
    expect(g.points.map((p) => [p.y, p.x])).toEqual([
      [38, 38], [38, 79], [38, 120], [38, 162],
      [75, 58], [75, 100], [75, 141],
      [112, 38], [112, 79], [112, 120], [112, 162],
    ]);
    expect(g.points[0].box).toEqual({ y0: 14, y1: 62, x0: 14, x1: 62 });
    expect(g.points[0].patch).toEqual({ y0: 0, y1: 74, x0: 0, x1: 74 });
    expect(g.points[5].patch).toEqual({ y0: 39, y1: 111, x0: 64, x1: 136 });
    expect(g.points[6].patch).toEqual({ y0: 39, y1: 111, x0: 105, x1: 200 });
    expect(g.points[10].patch).toEqual({ y0: 76, y1: 150, x0: 126, x1: 200 });
    expect(Math.max(...g.points.map((p) => p.structure))).toBe(1);
  });

  it('a row with a single point is extended to both borders (P6 fixed)', async () => {
    // w = 100: x even 38, 62; odd 50 (one point).
    const g = await grid(textured(100, 150, 3));
    const single = g.points.filter((p) => p.y === 75);
    expect(single.length).toBe(1);
    expect(single[0].patch.x0).toBe(0);
    expect(single[0].patch.x1).toBe(100);
  });

  it('drops dark-sky APs: a disk on black has no AP centre far from the disk', async () => {
    const w = 400, h = 300, cy = 150, cx = 200, R = 60;
    const g = await grid(textured(w, h, 4, (y, x) => (y - cy) ** 2 + (x - cx) ** 2 < R * R));
    expect(g.points.length).toBeGreaterThan(3);
    expect(g.dropped.dim).toBeGreaterThan(10);
    for (const p of g.points) {
      // The box must reach the (blurred) disk.
      const ny = Math.min(Math.max(cy, p.box.y0), p.box.y1 - 1);
      const nx = Math.min(Math.max(cx, p.box.x0), p.box.x1 - 1);
      expect(Math.hypot(ny - cy, nx - cx)).toBeLessThan(R + 4);
    }
  });

  it('re-centres a mostly dark box toward the bright side', async () => {
    // Bright from x = 70 on. AP (75, 58): box x [34, 82) is 75 % dark → moves right; (·, 38) is dropped as dim.
    const g = await grid(textured(200, 150, 5, (_y, x) => x >= 70));
    const row = g.points.filter((p) => p.y === 75 || (p.y > 60 && p.y < 90));
    const moved = row.find((p) => p.x !== 100 && p.x !== 141);
    expect(moved).toBeDefined();
    expect(moved!.x).toBeGreaterThan(58);
    expect(moved!.x).toBeLessThan(82);
    expect(g.points.some((p) => p.x === 38)).toBe(false);
    expect(g.dropped.dim).toBeGreaterThanOrEqual(2);
    // Box and patch follow the moved centre.
    expect(moved!.box.x0).toBe(moved!.x - 24);
    expect(moved!.patch.x1).toBe(moved!.x + 36);
  });

  it('places manual points as given and validates them', async () => {
    const g = await grid(textured(200, 150, 6), { points: [75, 100, 40, 60] });
    expect(g.points.map((p) => [p.y, p.x])).toEqual([[75, 100], [40, 60]]);
    expect(g.points[0].patch).toEqual({ y0: 39, y1: 111, x0: 64, x1: 136 });
    await expect(grid(textured(200, 150, 6), { points: [20, 100] })).rejects.toThrow(/APGrid\.points/);
  });

  it('errors name the parameter to change', async () => {
    await expect(grid(textured(120, 70, 7))).rejects.toThrow(/APGrid\.boxWidth/);
    await expect(grid(createImage(200, 150, 1))).rejects.toThrow(/APGrid\.minBrightness/);
    const flat = createImage(200, 150, 1);
    flat.data.fill(30000);
    await expect(grid(flat)).rejects.toThrow(/no structure/);
  });
});
