import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { apGridNode } from '../../src/nodes/apgrid.ts';
import type { Alignment, APGrid, LocalShifts, Ranking, Selection, StackParts } from '../../src/nodes/data.ts';
import { rampWeights } from '../../src/nodes/lib/stack-sample.ts';
import { stackNode, type StackParams } from '../../src/nodes/stack.ts';
import type { FrameSet } from '../../src/runtime/frame-store.ts';
import { memoryFrameSet, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';

const W = 200, H = 150;

function noise(w: number, h: number, seed: number): Image {
  const r = rng(seed);
  const img = createImage(w, h, 1);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.round(15000 + r() * 30000);
  return img;
}
const u16 = (img: Image, s = 1) => Uint16Array.from(img.data, (v) => Math.round(v * s));
const constant = (v: number, w = W, h = H) => new Uint16Array(w * h).fill(v);

function alignmentOf(n: number, w = W, h = H, dy?: number[], dx?: number[]): Alignment {
  return {
    mode: 'surface', reference: 0, shifts: new Float64Array(2 * n), intersection: { y0: 0, y1: h, x0: 0, x1: w },
    dy: Float64Array.from(dy ?? new Array(n).fill(0)), dx: Float64Array.from(dx ?? new Array(n).fill(0)), failed: [],
  };
}
function rankingOf(order: number[]): Ranking {
  const n = order.length;
  const rank = new Int32Array(n);
  order.forEach((i, r) => { rank[i] = r; });
  return { method: 'test', quality: new Float64Array(n).fill(1), order: Int32Array.from(order), rank };
}
/** Selection with the same frame order for every AP. */
function selectionOf(apCount: number, n: number, best: number[]): Selection {
  const k = best.length;
  const b = new Int32Array(apCount * k);
  for (let a = 0; a < apCount; a++) b.set(best, a * k);
  return { apCount, frameCount: n, quality: new Float32Array(apCount * n), k, best: b };
}
function shiftsOf(sel: Selection, f: (a: number, j: number) => [number, number] = () => [0, 0]): LocalShifts {
  const n = sel.apCount * sel.k;
  const dy = new Float32Array(n), dx = new Float32Array(n);
  for (let a = 0; a < sel.apCount; a++) for (let j = 0; j < sel.k; j++) [dy[a * sel.k + j], dx[a * sel.k + j]] = f(a, j);
  return { apCount: sel.apCount, k: sel.k, frames: sel.best.slice(), dy, dx, ok: new Uint8Array(n).fill(1), histogram: [], failures: 0 };
}
async function gridOf(frames: FrameSet, image: Image, points: number[] = []): Promise<APGrid> {
  return (await apGridNode.run(testContext(), { image, frames }, { boxWidth: 48, searchWidth: 14, minStructure: 0.04, minBrightness: 10, points })).apgrid as APGrid;
}
const P = (o: Partial<StackParams> = {}): StackParams => ({ drizzle: 'Off', interpolation: 'bilinear', percent: 0, ...o });

interface Run { frames: FrameSet; alignment: Alignment; apgrid: APGrid; selection: Selection; localshifts: LocalShifts; ranking: Ranking }
async function stack(inputs: Run, p: Partial<StackParams> = {}, ctx = testContext()): Promise<StackParts> {
  return (await stackNode.run(ctx, inputs as unknown as Record<string, unknown>, P(p))).stackparts as StackParts;
}

const tex = noise(W, H, 1);

describe('Stack weights (PSS §12.1)', () => {
  it('ramps rise below the centre, fall from it, and are flat toward the image border', () => {
    expect(Array.from(rampWeights(10, 20, 15, 100))).toEqual(
      [1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1, 0.8, 0.6, 0.4, 0.2].map(Math.fround));
    expect(Array.from(rampWeights(0, 6, 3, 100))).toEqual([1, 1, 1, 1, 2 / 3, 1 / 3].map(Math.fround));
    expect(Array.from(rampWeights(94, 100, 97, 100))).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('Σω = 1e−30 + K·Σ ω_a, covering the whole image for the automatic grid (no background)', async () => {
    const frames = memoryFrameSet([u16(tex), u16(tex), u16(tex)], W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 3, [0, 1]);
    const parts = await stack({ frames, alignment: alignmentOf(3), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1, 2]) });
    expect(parts.background).toBeNull();
    expect(parts.k).toBe(2);
    expect([parts.width, parts.height, parts.drizzle, parts.halve]).toEqual([W, H, 1, false]);
    // Recompute Σω for one pixel by hand.
    const [y, x] = [60, 90];
    let sum = 0;
    for (const ap of apgrid.points) {
      const { y0, y1, x0, x1 } = ap.patch;
      if (y < y0 || y >= y1 || x < x0 || x >= x1) continue;
      sum += 2 * Math.min(rampWeights(y0, y1, ap.y, H)[y - y0], rampWeights(x0, x1, ap.x, W)[x - x0]);
    }
    expect(parts.weightSum[y * W + x]).toBeCloseTo(sum, 5);
    expect(Math.min(...parts.weightSum)).toBeGreaterThan(0.1);
  });
});

describe('Stack node', () => {
  it('stacks only the first X % of each AP selection, and rejects more than the selection holds', async () => {
    // Constant frames with different levels: AP order [3, 1, 0, 2] → 50 % of 4 = 2 frames → mean(v3, v1).
    const levels = [10000, 20000, 30000, 40000];
    const frames = memoryFrameSet(levels.map((v) => constant(v)), W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 4, [3, 1, 0]);
    const run = { frames, alignment: alignmentOf(4), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1, 2, 3]) };
    const parts = await stack(run, { percent: 50 });
    expect(parts.k).toBe(2);
    for (const p of [0, 75 * W + 100, W * H - 1]) expect(parts.weighted.data[p] / parts.weightSum[p]).toBeCloseTo(30000, 1);
    const all = await stack(run);
    expect(all.k).toBe(3);
    expect(all.weighted.data[75 * W + 100] / all.weightSum[75 * W + 100]).toBeCloseTo(70000 / 3, 1);
  });

  it('Stack.percent larger than the selection errors naming the parameter', async () => {
    const frames = memoryFrameSet([constant(100), constant(100), constant(100), constant(100)], W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 4, [0]);
    const run = { frames, alignment: alignmentOf(4), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1, 2, 3]) };
    await expect(stack(run, { percent: 50 })).rejects.toThrow(/Stack\.percent/);
  });

  it('reads only frames used by an AP (or the background)', async () => {
    const frames = memoryFrameSet([0, 1, 2, 3, 4, 5].map(() => constant(20000)), W, H, { level: 0 });
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 6, [4, 1]);
    let last = 0;
    const ctx = testContext();
    ctx.progress = (d, t) => { last = d; expect(t).toBe(2); };
    await stack({ frames, alignment: alignmentOf(6), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1, 2, 3, 4, 5]) }, {}, ctx);
    expect(frames.stats.reads).toBe(2);
    expect(last).toBe(2);
  });

  it('records clipped borders per side (PSS border_lo/hi)', async () => {
    const frames = memoryFrameSet([constant(20000), constant(20000)], W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 2, [0, 1]);
    // ℓ = (+3, −2) for AP 0 (top-left corner patch): frame row = y − 3 < 0 for 3 rows; column = x + 2.
    const localshifts = shiftsOf(selection, (a) => (a === 0 ? [3, -2] : [0, 0]));
    const run = { frames, alignment: alignmentOf(2), apgrid, selection, localshifts, ranking: rankingOf([0, 1]) };
    expect((await stack(run, { interpolation: 'integer' })).borders).toEqual({ top: 3, bottom: 0, left: 0, right: 0 });
    const last = shiftsOf(selection, (a) => (a === apgrid.points.length - 1 ? [-1, -4] : [0, 0]));
    expect((await stack({ ...run, localshifts: last }, { interpolation: 'integer' })).borders).toEqual({ top: 0, bottom: 1, left: 0, right: 4 });
    // Drizzle counts fine-grid pixels.
    expect((await stack(run, { interpolation: 'integer', drizzle: '2x' })).borders.top).toBe(6);
  });

  it('normalises brightness by median(b)/b_i when the frame set normalises', async () => {
    const frames = memoryFrameSet([u16(tex, 0.6), u16(tex, 0.6), u16(tex, 1.2), u16(tex, 1.2)], W, H, { normalize: true });
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 4, [0, 2]);
    const parts = await stack({ frames, alignment: alignmentOf(4), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1, 2, 3]) });
    let maxRel = 0;
    for (let p = 0; p < W * H; p++) maxRel = Math.max(maxRel, Math.abs(parts.weighted.data[p] / parts.weightSum[p] / (0.9 * tex.data[p]) - 1));
    expect(maxRel).toBeLessThan(2e-4);
  });

  it('builds a background from the globally best K frames where patches leave holes', async () => {
    const frames = memoryFrameSet([constant(10000), constant(30000), constant(50000)], W, H);
    // One manual AP in the middle: the corners are holes.
    const apgrid = await gridOf(frames, tex, [75, 100]);
    const selection = selectionOf(1, 3, [0, 1]);
    const parts = await stack({ frames, alignment: alignmentOf(3), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([2, 1, 0]) });
    expect(parts.background).not.toBeNull();
    const bg = parts.background!;
    expect([bg.width, bg.height]).toEqual([W, H]);
    // Mean of frames 2 and 1, including the last row and column (P5 fixed).
    for (const p of [0, W - 1, (H - 1) * W, W * H - 1]) expect(bg.data[p]).toBeCloseTo(40000, 2);
  });

  it('drizzle 2x doubles the accumulator size, 1.5x samples at 3x and asks Blend to halve', async () => {
    const frames = memoryFrameSet([u16(tex), u16(tex)], W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 2, [0, 1]);
    const run = { frames, alignment: alignmentOf(2), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1]) };
    const d2 = await stack(run, { drizzle: '2x' });
    expect([d2.width, d2.height, d2.drizzle, d2.halve, d2.weighted.width]).toEqual([2 * W, 2 * H, 2, false, 2 * W]);
    const d15 = await stack(run, { drizzle: '1.5x' });
    expect([d15.width, d15.height, d15.drizzle, d15.halve]).toEqual([3 * W, 3 * H, 3, true]);
  });

  it('honours the abort signal', async () => {
    const frames = memoryFrameSet([constant(20000), constant(20000)], W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = selectionOf(apgrid.points.length, 2, [0, 1]);
    const ac = new AbortController();
    ac.abort();
    const ctx = { ...testContext(), signal: ac.signal };
    await expect(stack({ frames, alignment: alignmentOf(2), apgrid, selection, localshifts: shiftsOf(selection), ranking: rankingOf([0, 1]) }, {}, ctx)).rejects.toThrow(/cancel/);
  });
});
