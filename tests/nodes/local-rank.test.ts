import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { apGridNode } from '../../src/nodes/apgrid.ts';
import type { Alignment, APGrid, Selection } from '../../src/nodes/data.ts';
import { localRankNode } from '../../src/nodes/local-rank.ts';
import type { FrameSet } from '../../src/runtime/frame-store.ts';
import { memoryFrameSet, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';

function identityAlignment(n: number, w: number, h: number, failed: number[] = []): Alignment {
  return {
    mode: 'surface', reference: 0, shifts: new Float64Array(2 * n),
    intersection: { y0: 0, y1: h, x0: 0, x1: w }, dy: new Float64Array(n), dx: new Float64Array(n), failed,
  };
}

function noise(w: number, h: number, seed: number): Image {
  const r = rng(seed);
  const img = createImage(w, h, 1);
  for (let i = 0; i < img.data.length; i++) img.data[i] = 15000 + r() * 35000;
  return img;
}

const toU16 = (img: Image) => Uint16Array.from(img.data, (v) => Math.round(v));

/** Left half blurred in odd frames, right half blurred in even frames. */
function halfBlurredFrames(w: number, h: number, n: number): { frames: FrameSet; sharp: Image } {
  const sharp = noise(w, h, 11);
  const blurred = getKernels().gaussianBlurSigma(sharp, 3);
  const list: Uint16Array[] = [];
  for (let i = 0; i < n; i++) {
    const f = new Uint16Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const left = x < w / 2;
        const blur = left ? i % 2 === 1 : i % 2 === 0;
        f[y * w + x] = Math.round((blur ? blurred : sharp).data[y * w + x]);
      }
    }
    list.push(f);
  }
  return { frames: memoryFrameSet(list, w, h), sharp };
}

async function apGrid(image: Image, frames: FrameSet): Promise<APGrid> {
  return (await apGridNode.run(testContext(), { image, frames }, { boxWidth: 48, searchWidth: 14, minStructure: 0.04, minBrightness: 10, points: [] })).apgrid as APGrid;
}

describe('LocalRank node (PSS §9)', () => {
  const W = 240, H = 120, N = 8;
  const { frames, sharp } = halfBlurredFrames(W, H, N);
  const al = identityAlignment(N, W, H);

  it('each AP picks the frames that are sharp in its region', async () => {
    const grid = await apGrid(sharp, frames);
    const ctx = testContext();
    let progressed = 0;
    ctx.progress = (done, total) => { progressed = done; expect(total).toBe(N); };
    const sel = (await localRankNode.run(ctx, { frames, alignment: al, apgrid: grid }, { percent: 50, number: 0 })).selection as Selection;
    expect(progressed).toBe(N);
    expect(sel.k).toBe(4);
    expect(sel.apCount).toBe(grid.points.length);
    let checked = 0;
    grid.points.forEach((p, a) => {
      const best = Array.from(sel.best.subarray(a * 4, a * 4 + 4)).sort();
      if (p.patch.x1 <= W / 2) { expect(best, `AP ${a} left`).toEqual([0, 2, 4, 6]); checked++; }
      if (p.patch.x0 >= W / 2) { expect(best, `AP ${a} right`).toEqual([1, 3, 5, 7]); checked++; }
      // Qualities are stored per frame.
      const qs = Array.from(sel.quality.subarray(a * N, a * N + N));
      expect(qs.every((v) => v > 0)).toBe(true);
    });
    expect(checked).toBeGreaterThanOrEqual(6);
    // The order inside best[a] is descending quality.
    for (let a = 0; a < sel.apCount; a++) {
      for (let j = 1; j < 4; j++) {
        expect(sel.quality[a * N + sel.best[a * 4 + j - 1]]).toBeGreaterThanOrEqual(sel.quality[a * N + sel.best[a * 4 + j]]);
      }
    }
  });

  it('clamps K > N with a warning (P7 fixed) and never selects failed frames', async () => {
    const grid = await apGrid(sharp, frames);
    const ctx = testContext();
    const sel = (await localRankNode.run(ctx, { frames, alignment: al, apgrid: grid }, { percent: 10, number: 20 })).selection as Selection;
    expect(sel.k).toBe(N);
    expect(ctx.warnings.some((m) => /clamped to 8/.test(m))).toBe(true);
    for (let a = 0; a < sel.apCount; a++) expect(Array.from(sel.best.subarray(a * N, a * N + N)).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    const ctx2 = testContext();
    const al2 = identityAlignment(N, W, H, [0, 2]);
    const sel2 = (await localRankNode.run(ctx2, { frames, alignment: al2, apgrid: grid }, { percent: 50, number: 0 })).selection as Selection;
    expect(sel2.k).toBe(3); // ⌈6·50 %⌉
    expect(Array.from(sel2.best).some((i) => i === 0 || i === 2)).toBe(false);
    expect(ctx2.warnings).toEqual([]);
  });

  it('uses the integer frame offsets and divides by brightness when normalising', async () => {
    // Frame 1 is frame 0 moved by (+3, −2) and doubled in brightness: with the offsets and
    // normalisation its quality equals frame 0's exactly.
    const w = 200, h = 150;
    const base = noise(w + 10, h + 10, 3);
    const crop = (img: Image, y0: number, x0: number, s: number) => {
      const out = new Uint16Array(w * h);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = Math.round(s * 0.6 * img.data[(y + y0) * (w + 10) + x + x0]);
      return out;
    };
    const f = memoryFrameSet([crop(base, 4, 4, 1), crop(base, 1, 6, 2)], w, h, { normalize: true });
    // Intersection pixel (y, x) = frame 0 pixel (y + 2, x + 2) = frame 1 pixel (y + 5, x + 0).
    const alignment: Alignment = {
      mode: 'surface', reference: 0, shifts: new Float64Array(4), intersection: { y0: 0, y1: h - 8, x0: 0, x1: w - 8 },
      dy: Float64Array.from([2, 5]), dx: Float64Array.from([2, 0]), failed: [],
    };
    const refImg = createImage(w - 8, h - 8, 1);
    for (let y = 0; y < h - 8; y++) for (let x = 0; x < w - 8; x++) refImg.data[y * (w - 8) + x] = base.data[(y + 6) * (w + 10) + x + 6];
    const grid = await apGrid(refImg, f);
    const sel = (await localRankNode.run(testContext(), { frames: f, alignment, apgrid: grid }, { percent: 100, number: 0 })).selection as Selection;
    const L1 = await f.laplacian(1);
    const plane = { width: L1.width, height: L1.height, data: Float32Array.from(L1.data) };
    const b1 = await f.brightness(1);
    for (let a = 0; a < sel.apCount; a++) {
      const q0 = sel.quality[a * 2];
      const q1 = sel.quality[a * 2 + 1];
      // §9 by hand: patch + (5, 0), clipped to the frame, halved.
      const pt = grid.points[a].patch;
      const rect = {
        y0: Math.floor(Math.max(0, pt.y0 + 5) / 2), y1: Math.floor(Math.min(h, pt.y1 + 5) / 2),
        x0: Math.floor(Math.max(0, pt.x0) / 2), x1: Math.floor(Math.min(w, pt.x1) / 2),
      };
      const expected = getKernels().meanStd(plane, rect).std / b1;
      expect(Math.abs(q1 / expected - 1)).toBeLessThan(1e-6);
      // Same content at twice the brightness: about the same normalised quality.
      expect(Math.abs(q1 - q0) / q0).toBeLessThan(0.15);
    }
  });

  it('ties keep chronological order (stable sort)', async () => {
    const w = 200, h = 150;
    const img = noise(w, h, 9);
    const same = Uint16Array.from(img.data, (v) => Math.round(v));
    const f = memoryFrameSet([same, same, same, same], w, h);
    const grid = await apGrid(img, f);
    const sel = (await localRankNode.run(testContext(), { frames: f, alignment: identityAlignment(4, w, h), apgrid: grid }, { percent: 50, number: 0 })).selection as Selection;
    for (let a = 0; a < sel.apCount; a++) expect(Array.from(sel.best.subarray(a * 2, a * 2 + 2))).toEqual([0, 1]);
    void toU16;
  });
});
