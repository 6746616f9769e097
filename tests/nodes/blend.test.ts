import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { apGridNode } from '../../src/nodes/apgrid.ts';
import { blendNode } from '../../src/nodes/blend.ts';
import type { Alignment, APGrid, LocalShifts, Ranking, Selection, StackParts } from '../../src/nodes/data.ts';
import { localRankNode } from '../../src/nodes/local-rank.ts';
import { shiftNode } from '../../src/nodes/shift.ts';
import { stackNode, type StackParams } from '../../src/nodes/stack.ts';
import type { FrameSet } from '../../src/runtime/frame-store.ts';
import { memoryFrameSet, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';
import { SHARED_DATA } from '../helpers/shared-data.ts';

const W = 200, H = 150;

function noise(w: number, h: number, seed: number): Image {
  const r = rng(seed);
  const img = createImage(w, h, 1);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.round(15000 + r() * 30000);
  return img;
}
const u16 = (img: Image) => Uint16Array.from(img.data, (v) => Math.round(v));

function alignmentOf(n: number, w: number, h: number, dy?: number[], dx?: number[]): Alignment {
  return {
    mode: 'surface', reference: 0, shifts: new Float64Array(2 * n), intersection: { y0: 0, y1: h, x0: 0, x1: w },
    dy: Float64Array.from(dy ?? new Array(n).fill(0)), dx: Float64Array.from(dx ?? new Array(n).fill(0)), failed: [],
  };
}
function rankingOf(n: number): Ranking {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  return { method: 'test', quality: new Float64Array(n).fill(1), order, rank: order.slice() };
}
async function gridOf(frames: FrameSet, image: Image, points: number[] = []): Promise<APGrid> {
  return (await apGridNode.run(testContext(), { image, frames }, { boxWidth: 48, searchWidth: 14, minStructure: 0.04, minBrightness: 10, points })).apgrid as APGrid;
}
async function selectionOf(frames: FrameSet, alignment: Alignment, apgrid: APGrid, percent = 50): Promise<Selection> {
  return (await localRankNode.run(testContext(), { frames, alignment, apgrid }, { percent, number: 0 })).selection as Selection;
}
function randomShifts(sel: Selection, seed: number, amp: number): LocalShifts {
  const r = rng(seed);
  const n = sel.apCount * sel.k;
  const dy = Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * amp);
  const dx = Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * amp);
  return { apCount: sel.apCount, k: sel.k, frames: sel.best.slice(), dy, dx, ok: new Uint8Array(n).fill(1), histogram: [], failures: 0 };
}

async function stackBlend(inputs: Record<string, unknown>, p: Partial<StackParams> = {}): Promise<{ parts: StackParts; image: Image }> {
  const parts = (await stackNode.run(testContext(), inputs, { drizzle: 'Off', interpolation: 'bilinear', percent: 0, ...p })).stackparts as StackParts;
  const image = (await blendNode.run(testContext(), { stackparts: parts }, {})).image as Image;
  return { parts, image };
}
function maxAbsDiff(a: Image, b: Image): number {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

const tex = noise(W, H, 1);

describe('Stack + Blend (PSS §11–§12)', () => {
  it('identical aligned frames reproduce the frame (measured shifts, both interpolations)', async () => {
    const frames = memoryFrameSet([u16(tex), u16(tex), u16(tex), u16(tex)], W, H);
    const alignment = alignmentOf(4, W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = await selectionOf(frames, alignment, apgrid);
    const localshifts = (await shiftNode.run(testContext(), { frames, alignment, apgrid, image: tex, selection }, { searchWidth: 14, subpixel: true, deWarp: true })).localshifts as LocalShifts;
    expect(Math.max(...Array.from(localshifts.dy).map(Math.abs), ...Array.from(localshifts.dx).map(Math.abs))).toBeLessThan(0.05);
    const inputs = { frames, alignment, apgrid, selection, localshifts, ranking: rankingOf(4) };
    const integer = await stackBlend(inputs, { interpolation: 'integer' });
    expect(integer.parts.background).toBeNull();
    const errInt = maxAbsDiff(integer.image, tex);
    const zero = { ...localshifts, dy: new Float32Array(localshifts.dy.length), dx: new Float32Array(localshifts.dx.length) };
    const errBil = maxAbsDiff((await stackBlend({ ...inputs, localshifts: zero })).image, tex);
    const errCub = maxAbsDiff((await stackBlend({ ...inputs, localshifts: zero }, { interpolation: 'cubic' })).image, tex);
    console.log(`Stack+Blend identical frames: max error ${errInt.toExponential(2)} (integer), ${errBil.toExponential(2)} (bilinear), ` +
      `${errCub.toExponential(2)} (cubic) on the 16-bit scale`);
    expect(errInt).toBeLessThan(0.02);
    expect(errBil).toBeLessThan(0.02);
    expect(errCub).toBeLessThan(0.02);
  });

  it('a constant image stacks to the same constant everywhere (overlaps, borders), with sub-pixel offsets and shifts', async () => {
    const PAD = 6;
    const n = 5;
    const frames = memoryFrameSet(Array.from({ length: n }, () => new Uint16Array((W + PAD) * (H + PAD)).fill(23456)), W + PAD, H + PAD);
    const alignment = alignmentOf(n, W, H, [3.3, 2.5, 3, 2.75, 3.49], [2.1, 3.6, 3, 2.5, 2.9]);
    const apgrid = await gridOf(frames, tex);
    const selection = await selectionOf(frames, alignment, apgrid, 60);
    const localshifts = randomShifts(selection, 3, 2);
    for (const interpolation of ['bilinear', 'cubic', 'integer'] as const) {
      for (const drizzle of ['Off', '2x']) {
        const { parts, image } = await stackBlend({ frames, alignment, apgrid, selection, localshifts, ranking: rankingOf(n) }, { interpolation, drizzle });
        expect(parts.borders).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
        const D = drizzle === '2x' ? 2 : 1;
        expect([image.width, image.height]).toEqual([W * D, H * D]);
        let m = 0;
        for (const v of image.data) m = Math.max(m, Math.abs(v - 23456));
        expect(m, `${interpolation} ${drizzle}`).toBeLessThan(0.05);
      }
    }
  });

  it('drizzle 2x doubles the size (and resamples the frame), 3x triples, 1.5x is 3x halved', async () => {
    const frames = memoryFrameSet([u16(tex), u16(tex)], W, H);
    const alignment = alignmentOf(2, W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = await selectionOf(frames, alignment, apgrid, 100);
    const zero = randomShifts(selection, 1, 0);
    const inputs = { frames, alignment, apgrid, selection, localshifts: zero, ranking: rankingOf(2) };
    const d2 = (await stackBlend(inputs, { drizzle: '2x' })).image;
    expect([d2.width, d2.height]).toEqual([2 * W, 2 * H]);
    // Same as a linear 2x up-sampling of the frame (OpenCV convention).
    expect(maxAbsDiff(d2, getKernels().resize(tex, 2, 'linear'))).toBeLessThan(0.05);
    const d3 = (await stackBlend(inputs, { drizzle: '3x', interpolation: 'integer' })).image;
    expect([d3.width, d3.height]).toEqual([3 * W, 3 * H]);
    const d15 = (await stackBlend(inputs, { drizzle: '1.5x' })).image;
    expect([d15.width, d15.height]).toEqual([1.5 * W, 1.5 * H]);
  });

  it('blends in the background where AP coverage is weak (manual APs leave holes)', async () => {
    const frames = memoryFrameSet([u16(tex), u16(tex), u16(tex)], W, H);
    const alignment = alignmentOf(3, W, H);
    const apgrid = await gridOf(frames, tex, [75, 60, 75, 140]);
    const selection = await selectionOf(frames, alignment, apgrid, 67);
    const zero = randomShifts(selection, 1, 0);
    const { parts, image } = await stackBlend({ frames, alignment, apgrid, selection, localshifts: zero, ranking: rankingOf(3) });
    expect(parts.background).not.toBeNull();
    // Holes are filled by the background (= the same frame), so the frame is reproduced everywhere.
    expect(maxAbsDiff(image, tex)).toBeLessThan(0.05);
  });

  it('trims clipped borders and clips values to [0, 65535]', async () => {
    const bright = tex.data.map((v) => v * 1.4); // up to ~63000 in frames …
    const frames = memoryFrameSet([Uint16Array.from(bright), Uint16Array.from(bright)], W, H);
    const alignment = alignmentOf(2, W, H);
    const apgrid = await gridOf(frames, tex);
    const selection = await selectionOf(frames, alignment, apgrid, 100);
    const ls = randomShifts(selection, 1, 0);
    ls.dy[0] = 3; // AP 0 (top-left) in its best frame: 3 rows fall outside the frame
    const parts = (await stackNode.run(testContext(), { frames, alignment, apgrid, selection, localshifts: ls, ranking: rankingOf(2) }, { drizzle: 'Off', interpolation: 'integer', percent: 0 })).stackparts as StackParts;
    expect(parts.borders.top).toBe(3);
    for (let i = 0; i < parts.weighted.data.length; i++) parts.weighted.data[i] *= 1.2; // … pushed above 65535
    const out = (await blendNode.run(testContext(), { stackparts: parts }, {})).image as Image;
    expect([out.width, out.height]).toEqual([W, H - 3]);
    expect(Math.max(...out.data)).toBe(65535);
    expect(Math.min(...out.data)).toBeGreaterThan(0);
  });
});

const MOON = SHARED_DATA + '/synthetic/moon-512/';
describe.skipIf(!existsSync(MOON + 'frames.ser') || !existsSync(MOON + 'truth.png'))('moon-512 with the true global shifts', () => {
  it('APGrid → LocalRank → Shift → Stack → Blend beats PSS\'s score (42.59 dB)', async () => {
    const { readFileSync } = await import('node:fs');
    const { openSer } = await import('../../src/io/ser.ts');
    const { FrameSet: FS } = await import('../../src/runtime/frame-store.ts');
    const { scoreResult, loadPngGray } = await import('../../src/score/score.ts');
    const meta = JSON.parse(readFileSync(MOON + 'meta.json', 'utf8')) as { frames: { global_dy: number; global_dx: number; quality: number }[] };
    const frames = new FS(await openSer(MOON + 'frames.ser'), { convert: { debayer: 'auto', scale: 1 }, noise: 7, blackCutoff: 15 * 256, level: 3 }, 1);
    const N = frames.count;
    // Frame k pixel p shows the truth at p + g_k: shift s_k = g_k, offsets dy = Y0 − s (float, §6.5).
    const sy = meta.frames.map((f) => f.global_dy);
    const sx = meta.frames.map((f) => f.global_dx);
    const Y0 = Math.ceil(Math.max(...sy)) + 1, X0 = Math.ceil(Math.max(...sx)) + 1;
    const Y1 = frames.height + Math.floor(Math.min(...sy)) - 1, X1 = frames.width + Math.floor(Math.min(...sx)) - 1;
    const h = Y1 - Y0, w = X1 - X0;
    const alignment: Alignment = {
      mode: 'surface', reference: 0, shifts: new Float64Array(2 * N), intersection: { y0: Y0, y1: Y1, x0: X0, x1: X1 },
      dy: Float64Array.from(sy.map((s) => Y0 - s)), dx: Float64Array.from(sx.map((s) => X0 - s)), failed: [],
    };
    // Reference: mean of the 6 truly best frames at their float offsets; global ranking = true quality.
    const byQuality = Array.from({ length: N }, (_, i) => i).sort((a, b) => meta.frames[a].quality - meta.frames[b].quality);
    const ref = createImage(w, h, 1);
    for (const i of byQuality.slice(0, 6)) {
      const fy = Math.floor(alignment.dy[i]), fx = Math.floor(alignment.dx[i]);
      const s = getKernels().shiftImage(await frames.mono(i), fy - alignment.dy[i], fx - alignment.dx[i]);
      const c = getKernels().crop(s, fy, fy + h, fx, fx + w);
      for (let p = 0; p < c.data.length; p++) ref.data[p] += c.data[p] / 6;
    }
    const ranking: Ranking = { method: 'truth', quality: new Float64Array(N), order: Int32Array.from(byQuality), rank: new Int32Array(N) };
    const apgrid = await gridOf(frames, ref);
    const selection = await selectionOf(frames, alignment, apgrid, 25);
    const localshifts = (await shiftNode.run(testContext(), { frames, alignment, apgrid, image: ref, selection }, { searchWidth: 14, subpixel: true, deWarp: true })).localshifts as LocalShifts;
    const { image } = await stackBlend({ frames, alignment, apgrid, selection, localshifts, ranking });
    const truth = loadPngGray(MOON + 'truth.png');
    const score = scoreResult(truth, getKernels().quantizeU16(image));
    const single = scoreResult(truth, await frames.mono(byQuality[0]));
    console.log(`moon-512: ${apgrid.points.length} APs, K=${selection.k}: stack PSNR ${score.psnr.toFixed(2)} dB SSIM ${score.ssim.toFixed(4)} ` +
      `(best frame ${single.psnr.toFixed(2)} dB); local shift failures ${localshifts.failures}/${localshifts.dy.length}`);
    // Patches pushed past a frame edge by a local shift trim a few border rows/columns (PSS §12.3).
    expect(image.width).toBeGreaterThan(w - 12);
    expect(image.height).toBeGreaterThan(h - 12);
    expect(localshifts.failures).toBe(0);
    expect(score.psnr).toBeGreaterThan(42.6);
    await frames.close();
  });
});
