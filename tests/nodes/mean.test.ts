import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { openSer } from '../../src/io/ser.ts';
import { FrameSet } from '../../src/runtime/frame-store.ts';
import { rankNode, rankingFromScores } from '../../src/nodes/rank.ts';
import { patchSelectNode } from '../../src/nodes/patch-select.ts';
import { alignNode, finishAlignment } from '../../src/nodes/align.ts';
import { meanFrameCount, meanNode, selectMeanFrames } from '../../src/nodes/mean.ts';
import type { Alignment, PatchCandidates, Ranking } from '../../src/nodes/data.ts';
import { memoryFrameSet, smoothTexture, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';
import { SHARED_DATA } from '../helpers/shared-data.ts';

const K = getKernels();

const texture = smoothTexture;

/** frame_k(p) = big(p + o_k) (cubic for fractional offsets) ⇒ PSS shift s_k = o_k − o_ref. */
function cut(big: Image, w: number, h: number, o: number[]): Image {
  const iy = Math.floor(o[0]), ix = Math.floor(o[1]);
  const fy = o[0] - iy, fx = o[1] - ix;
  const src = fy || fx ? K.shiftImage(big, -fy, -fx, 'cubic') : big;
  return K.crop(src, iy, iy + h, ix, ix + w);
}
const u16 = (img: Image) => Uint16Array.from(img.data, (v) => Math.max(0, Math.min(65535, Math.round(v))));

function shiftsOf(offsets: number[][], ref: number): Float64Array {
  const s = new Float64Array(2 * offsets.length);
  offsets.forEach((o, k) => { s[2 * k] = o[0] - offsets[ref][0]; s[2 * k + 1] = o[1] - offsets[ref][1]; });
  return s;
}

async function mean(frames: FrameSet, ranking: Ranking, alignment: Alignment, percent = 5, fastChanging = false): Promise<Image> {
  return ((await meanNode.run(testContext(), { frames, ranking, alignment }, { percent, fastChanging })) as { image: Image }).image;
}

function laplacianStd(img: Image): number {
  return K.meanStd(K.laplacian3x3(img)).std;
}

function rms(a: Image, b: Image): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i] - b.data[i]) ** 2;
  return Math.sqrt(s / a.data.length);
}

describe('Mean (PSS §7 reference frame)', () => {
  it('M = max(ceil(N·percent/100), 1)', () => {
    expect(meanFrameCount(120, 5)).toBe(6);
    expect(meanFrameCount(10, 5)).toBe(1);
    expect(meanFrameCount(100, 3)).toBe(3);
    expect(meanFrameCount(101, 3)).toBe(4);
  });

  it('selects the top M, or the best window of 2M frames when fastChanging', () => {
    const r = rankingFromScores('x', [1.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.2, 0.1, 0.2, 0.99]);
    expect(selectMeanFrames(r, 20, false)).toEqual([0, 9]);
    expect(selectMeanFrames(r, 20, true)).toEqual([0, 3]); // window [0, 4): 1.0 + 0.3 beats [6, 10): 0.2 + 0.99
    const tie = rankingFromScores('x', [1, 0, 0, 0, 0, 0, 0, 1]);
    expect(selectMeanFrames(tie, 10, true)).toEqual([0]); // earliest window wins ties
    expect(selectMeanFrames(r, 20, false, (i) => i !== 0)).toEqual([9, 5]);
  });

  it('integer shifts: an exact crop-and-add average; output is float (no truncation)', async () => {
    const big = texture(160, 160, 4);
    const offsets = [[20, 30], [25, 22], [18, 28], [31, 35], [22, 20]];
    const frames = offsets.map((o) => u16(cut(big, 100, 90, o)));
    const ranking = rankingFromScores('x', [0.9, 1, 0.8, 0.95, 0.7]);
    const al = finishAlignment('surface', 1, shiftsOf(offsets, 1), 90, 100);
    const img = await mean(memoryFrameSet(frames, 100, 90), ranking, al, 30); // M = 2: frames 1 and 3
    const { y0, y1, x0, x1 } = al.intersection;
    expect([img.width, img.height]).toEqual([x1 - x0, y1 - y0]);
    // Both frames show the same content at intersection pixel (y, x): ref pixel (y + Y0, x + X0).
    const expected = K.crop(createImage(100, 90, 1, Float32Array.from(frames[1])), y0, y1, x0, x1);
    expect(rms(img, expected)).toBe(0);
    // Float output: M = ceil(7·0.3) = 3 frames (1000 + 1001 + 1001)/3 = 1000.667; PSS would truncate to 1000.
    const flat = [1000, 1001, 1001, 0, 0, 0, 0].map((v) => new Uint16Array(64 * 64).fill(v));
    const zero = finishAlignment('planet', 0, new Float64Array(14), 64, 64);
    const m2 = await mean(memoryFrameSet(flat, 64, 64), rankingFromScores('x', [1, 1, 1, 0.5, 0.5, 0.5, 0.5]), zero, 30);
    expect(m2.data[0]).toBeCloseTo(1000 + 2 / 3, 3);
  });

  it('sub-pixel shifts: bilinear sampling beats whole-pixel rounding', async () => {
    const big = texture(160, 160, 8);
    const offsets = [[20.5, 30.25], [25, 22], [18.4, 28.7], [31.3, 35.5], [22.6, 20.45], [27.2, 26.8]];
    const frames = offsets.map((o) => u16(cut(big, 100, 90, o)));
    const ranking = rankingFromScores('x', [1, 0.99, 0.98, 0.97, 0.96, 0.95]);
    const exact = finishAlignment('surface', 1, shiftsOf(offsets, 1), 90, 100);
    const rounded = finishAlignment('surface', 1, shiftsOf(offsets, 1).map((v) => Math.round(v)), 90, 100);
    expect(exact.intersection).toEqual(rounded.intersection);
    const fs = memoryFrameSet(frames, 100, 90);
    const a = await mean(fs, ranking, exact, 30);
    const b = await mean(fs, ranking, rounded, 30);
    // Truth: the texture at the reference frame's pixels (frame 1 has integer offsets).
    const { y0, y1, x0, x1 } = exact.intersection;
    const truth = K.crop(createImage(100, 90, 1, Float32Array.from(frames[1])), y0, y1, x0, x1);
    const ea = rms(a, truth), eb = rms(b, truth);
    console.log(`mean: RMS error vs truth ${ea.toFixed(0)} (bilinear, sub-pixel) vs ${eb.toFixed(0)} (rounded shifts), texture std 6000`);
    expect(ea).toBeLessThan(0.5 * eb);
    expect(ea).toBeLessThan(300);
  });

  it('skips frames that failed alignment and checks its inputs', async () => {
    const frames = [new Uint16Array(32 * 32).fill(1000), new Uint16Array(32 * 32).fill(5000), new Uint16Array(32 * 32).fill(3000)];
    const ranking = rankingFromScores('x', [0.5, 1, 0.9]);
    const al = finishAlignment('surface', 1, new Float64Array(6), 32, 32, [1]);
    const img = await mean(memoryFrameSet(frames, 32, 32), ranking, al, 30); // M = ceil(2·0.3) = 1 of frames {0, 2}
    expect(img.data[0]).toBe(3000);
    await expect(mean(memoryFrameSet(frames.slice(0, 2), 32, 32), ranking, al)).rejects.toThrow(/Mean: the ranking/);
  });

  it('the aligned mean of jittered frames is sharper than the unaligned mean', async () => {
    const big = texture(300, 300, 13);
    const r = rng(3);
    const offsets = Array.from({ length: 20 }, () => [50 + (r() - 0.5) * 12, 50 + (r() - 0.5) * 12]);
    const frames = offsets.map((o, k) => u16(K.gaussianBlurSigma(cut(big, 200, 200, o), 0.5 + (k % 5) * 0.2)));
    const fs = memoryFrameSet(frames, 200, 200);
    const ctx = testContext();
    const { ranking } = (await rankNode.run(ctx, { frames: fs }, { method: 'Laplace' })) as { ranking: Ranking };
    const { patch } = (await patchSelectNode.run(ctx, { frames: fs, ranking }, { mode: 'auto', sizePercent: 33, searchWidth: 34, manualRect: [] })) as { patch: PatchCandidates };
    const { alignment } = (await alignNode.run(ctx, { frames: fs, ranking, patch }, { mode: 'surface', searchWidth: 34, subpixel: true, onFailure: 'next-patch' })) as { alignment: Alignment };
    const none = finishAlignment('surface', alignment.reference, new Float64Array(40), 200, 200);
    const aligned = await mean(fs, ranking, alignment, 30);
    const unaligned = await mean(fs, ranking, none, 30);
    const sa = laplacianStd(aligned), su = laplacianStd(unaligned);
    console.log(`synthetic: Laplacian std aligned ${sa.toFixed(0)} vs unaligned ${su.toFixed(0)}`);
    expect(sa).toBeGreaterThan(2 * su);
  });
});

const MOON = SHARED_DATA + '/synthetic/moon-512';
const haveMoon = existsSync(`${MOON}/frames.ser`);
if (!haveMoon) console.warn(`mean.test: ${MOON} is missing — skipping the moon-512 check`);

describe.skipIf(!haveMoon)('Mean on moon-512', () => {
  it('the aligned reference frame is sharper than the unaligned one', async () => {
    const src = await openSer(`${MOON}/frames.ser`);
    const fs = new FrameSet(src, { convert: { debayer: 'auto', scale: 1 }, noise: 7, blackCutoff: 15 * 256, level: 2 }, 1);
    try {
      const ctx = testContext();
      const { ranking } = (await rankNode.run(ctx, { frames: fs }, { method: 'Laplace' })) as { ranking: Ranking };
      const { patch } = (await patchSelectNode.run(ctx, { frames: fs, ranking }, { mode: 'auto', sizePercent: 33, searchWidth: 34, manualRect: [] })) as { patch: PatchCandidates };
      const { alignment } = (await alignNode.run(ctx, { frames: fs, ranking, patch }, { mode: 'surface', searchWidth: 34, subpixel: true, onFailure: 'next-patch' })) as { alignment: Alignment };
      const aligned = await mean(fs, ranking, alignment, 10);
      const none = finishAlignment('surface', alignment.reference, new Float64Array(2 * fs.count), fs.height, fs.width);
      const unaligned = await mean(fs, ranking, none, 10);
      const { y0, y1, x0, x1 } = alignment.intersection;
      // Band-pass sharpness (Laplacian after a σ = 1.5 blur): the raw Laplacian is dominated by pixel
      // noise, which bilinear sub-pixel sampling also lowers.
      const sa = laplacianStd(K.gaussianBlurSigma(aligned, 1.5));
      const su = laplacianStd(K.gaussianBlurSigma(K.crop(unaligned, y0, y1, x0, x1), 1.5));

      console.log(`moon-512 (M = 12): band-pass Laplacian std aligned ${sa.toFixed(1)} vs unaligned ${su.toFixed(1)}; intersection ${x1 - x0}x${y1 - y0}`);
      expect(aligned.width).toBe(x1 - x0);
      expect(sa).toBeGreaterThan(1.5 * su);
    } finally {
      await fs.close();
    }
  });
});
