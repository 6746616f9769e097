import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { patchCandidateRects, patchScore, patchScores, patchSelectNode, type PatchSelectParams } from '../../src/nodes/patch-select.ts';
import { rankingFromScores } from '../../src/nodes/rank.ts';
import type { PatchCandidates } from '../../src/nodes/data.ts';
import { resolveParams } from '../../src/graph/params.ts';
import { memoryFrameSet, smoothTexture, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';

const K = getKernels();
const P = (o: Partial<PatchSelectParams> = {}): PatchSelectParams => ({ mode: 'auto', sizePercent: 33, searchWidth: 34, manualRect: [], ...o });

const texture = smoothTexture;

async function select(frame: Uint16Array, w: number, h: number, p: PatchSelectParams): Promise<PatchCandidates> {
  const frames = memoryFrameSet([frame], w, h);
  const ranking = rankingFromScores('Laplace', [1]);
  return ((await patchSelectNode.run(testContext(), { frames, ranking }, p)) as { patch: PatchCandidates }).patch;
}

describe('PatchSelect (PSS §5)', () => {
  it('builds the PSS candidate grid (5 × 5 for 512 × 384 at 33 %)', () => {
    const r = patchCandidateRects(384, 512, 100 / 33, 34);
    expect(r.length).toBe(25);
    expect(r[0]).toEqual({ y0: 44, y1: 141, x0: 44, x1: 183 });
    expect(r[1]).toEqual({ y0: 92, y1: 189, x0: 44, x1: 183 }); // y is the inner loop
    for (const c of r) expect(c.y1 <= 384 - 44 && c.x1 <= 512 - 44).toBe(true);
    expect(patchCandidateRects(80, 80, 3, 34)).toEqual([]);
  });

  it('scores with true absolute differences (not the uint16 wrap of PSS bug P1)', () => {
    // Falling ramp: every difference over 4 px is −400 (PSS would count 65136 each).
    const w = 20, h = 12;
    const g = createImage(w, h, 1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) g.data[y * w + x] = 40000 - 100 * x - 100 * y;
    const s = patchScore(g, { y0: 0, y1: h, x0: 0, x1: w });
    expect(s).toBe(400 * Math.min(h * (w - 4), (h - 4) * w));
    // A dim patch (φ = 6/20 ≤ 0.7) is not compensated; only pixels with a bright midpoint count.
    const d = createImage(w, h, 1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.data[y * w + x] = x < 6 ? 20000 + 50 * x + 30 * y : 1000;
    const sd = patchScore(d, { y0: 0, y1: h, x0: 0, x1: w });
    // vertical: 6 bright columns × 8 rows × |4·30| = 5760; horizontal (x ≤ 3) is far larger (467760).
    expect(sd).toBe(5760);
    const tr = createImage(w, h, 1);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) tr.data[y * w + x] = x === 0 ? 1000 : 30000 + 100 * x + 100 * y; // φ = 0.95
    const hsum = h * (400 * (w - 5) + 29400) + 100 * (h * (h - 1)) / 2; // x = 0 jumps from the dark column
    const vsum = (h - 4) * (w - 1) * 400;
    expect(patchScore(tr, { y0: 0, y1: h, x0: 0, x1: w })).toBeCloseTo(Math.min(hsum, vsum) / 0.95, 6);
  });

  it('picks a structured region over a flat one, best first', async () => {
    const w = 256, h = 256;
    const tex = texture(w, h, 11);
    for (let y = 0; y < h; y++) for (let x = 0; x < 128; x++) tex.data[y * w + x] = 30000; // flat left half
    const frame = Uint16Array.from(tex.data, (v) => Math.round(v));
    const p = await select(frame, w, h, P());
    expect(p.manual).toBe(false);
    expect(p.rects.length).toBeGreaterThan(4);
    for (let i = 1; i < p.scores.length; i++) expect(p.scores[i]).toBeLessThanOrEqual(p.scores[i - 1]);
    expect(p.rects[0].x0).toBeGreaterThanOrEqual(128);
    const flat = p.rects.map((r, i) => ({ r, s: p.scores[i] })).filter((c) => c.r.x1 <= 128);
    expect(flat.length).toBeGreaterThan(0);
    for (const c of flat) expect(c.s).toBeLessThan(p.scores[0] * 0.01);
  });

  it('breaks ties by descending (y0, y1, x0, x1)', async () => {
    const p = await select(new Uint16Array(200 * 200).fill(30000), 200, 200, P());
    expect(p.scores.every((s) => s === 0)).toBe(true);
    const ys = p.rects.map((r) => r.y0);
    expect(ys[0]).toBe(Math.max(...ys));
    expect(p.rects[0].x0).toBe(Math.max(...p.rects.filter((r) => r.y0 === ys[0]).map((r) => r.x0)));
  });

  it('manual patch: accepted inside 20–70 %, errors name the parameter', async () => {
    const frame = new Uint16Array(200 * 200).fill(30000);
    const ok = await select(frame, 200, 200, P({ mode: 'manual', manualRect: [50, 130, 60, 140] }));
    expect(ok).toEqual({ rects: [{ y0: 50, y1: 130, x0: 60, x1: 140 }], scores: [0], manual: true });
    await expect(select(frame, 200, 200, P({ mode: 'manual', manualRect: [50, 70, 60, 140] })))
      .rejects.toThrow(/PatchSelect\.manualRect.*10 % of the frame height.*20–70 %/);
    await expect(select(frame, 200, 200, P({ mode: 'manual', manualRect: [10, 110, 60, 140] })))
      .rejects.toThrow(/PatchSelect\.manualRect.*searchWidth = 34/);
    await expect(select(frame, 200, 200, P({ mode: 'manual', manualRect: [] }))).rejects.toThrow(/PatchSelect\.manualRect/);
    const { issues } = resolveParams(patchSelectNode, { mode: 'manual' });
    expect(issues.map((i) => i.message).join()).toMatch(/manualRect/);
    await expect(select(new Uint16Array(60 * 60), 60, 60, P())).rejects.toThrow(/PatchSelect\.sizePercent/);
  });
});

describe('patchScores (every candidate in one pass over the rows)', () => {
  it('equals patchScore for each rect: candidate grids, dark areas below the threshold, rects at the frame edges, tiny rects', () => {
    const r = rng(41);
    for (const [w, h] of [[512, 384], [301, 207], [97, 61]]) {
      const d = new Float32Array(w * h);
      // integer-valued like G: a bright disc on a dark sky, with texture and noise around the threshold
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inDisc = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (Math.min(w, h) / 2.5) ** 2;
          d[y * w + x] = Math.round((inDisc ? 30000 : 9000) + 6000 * Math.sin(x / 7) * Math.cos(y / 5) + r() * 3000);
        }
      }
      const G: Image = createImage(w, h, 1, d);
      const rects = [
        ...patchCandidateRects(h, w, 100 / 33, Math.min(34, Math.floor(w / 8))),
        { y0: 0, y1: h, x0: 0, x1: w }, { y0: h - 3, y1: h, x0: w - 5, x1: w }, { y0: 2, y1: 6, x0: 3, x1: 6 }, { y0: 10, y1: 30, x0: 0, x1: 4 },
      ];
      const fast = patchScores(G, rects);
      expect(fast).toEqual(rects.map((rc) => patchScore(G, rc)));
      expect(new Set(fast).size).toBeGreaterThan(rects.length / 2);
    }
  });
});
