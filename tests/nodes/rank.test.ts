import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { openSer } from '../../src/io/ser.ts';
import { FrameSet } from '../../src/runtime/frame-store.ts';
import { rankNode, rankingFromScores, sobelEnergy } from '../../src/nodes/rank.ts';
import type { Ranking } from '../../src/nodes/data.ts';
import { memoryFrameSet, testContext } from '../helpers/frames.ts';
import { rng } from '../image/helpers.ts';
import { SHARED_DATA } from '../helpers/shared-data.ts';

const K = getKernels();

function texture(w: number, h: number, seed: number, mean = 30000, sd = 6000): Image {
  const r = rng(seed);
  const raw = createImage(w, h, 1);
  for (let i = 0; i < raw.data.length; i++) raw.data[i] = r();
  const sm = K.gaussianBlurSigma(raw, 1.5);
  const s = K.meanStd(sm);
  for (let i = 0; i < sm.data.length; i++) sm.data[i] = mean + ((sm.data[i] - s.mean) / s.std) * sd;
  return sm;
}

function toU16(img: Image, gain = 1): Uint16Array {
  return Uint16Array.from(img.data, (v) => Math.max(0, Math.min(65535, Math.round(v * gain))));
}

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ranks = (v: ArrayLike<number>) => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Float64Array(v.length);
    idx.forEach((i, p) => { r[i] = p; });
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ra[i] - rb[i]) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

async function rank(frames: FrameSet, method = 'Laplace', ctx = testContext()): Promise<Ranking> {
  return ((await rankNode.run(ctx, { frames }, { method })) as { ranking: Ranking }).ranking;
}

describe('Rank (PSS §4)', () => {
  const base = texture(128, 96, 3);
  const sigmas = [1.4, 0.3, 2.2, 0.8, 1.8, 0.5, 3.0, 1.1];
  const frames = sigmas.map((s) => toU16(K.gaussianBlurSigma(base, s)));

  for (const method of ['Laplace', 'Sobel']) {
    it(`${method}: orders frames by sharpness, best = 1, rank inverts order`, async () => {
      const r = await rank(memoryFrameSet(frames, 128, 96), method);
      expect(r.method).toBe(method);
      // Exactly the order of increasing blur.
      const expected = sigmas.map((s, i) => [s, i]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
      expect(Array.from(r.order)).toEqual(expected);
      expect(r.quality[r.order[0]]).toBe(1);
      for (let i = 0; i < sigmas.length; i++) expect(r.order[r.rank[i]]).toBe(i);
      expect(spearman(r.quality, sigmas)).toBe(-1);
    });
  }

  it('stable: equal frames keep chronological order', async () => {
    const f = toU16(base);
    const r = await rank(memoryFrameSet([frames[2], f, f, frames[6], f], 128, 96));
    expect(Array.from(r.order)).toEqual([1, 2, 4, 0, 3]);
    expect(Array.from(r.rank)).toEqual([3, 0, 1, 4, 2]);
    const z = rankingFromScores('x', [0, 0, 0]);
    expect(Array.from(z.order)).toEqual([0, 1, 2]);
    expect(Array.from(z.quality)).toEqual([0, 0, 0]);
  });

  it('brightness normalisation divides by b_i', async () => {
    const bright = texture(128, 96, 5, 30000, 8000);
    const dim = toU16(bright, 0.5);
    const plain = await rank(memoryFrameSet([dim, toU16(bright)], 128, 96));
    expect(Array.from(plain.order)).toEqual([1, 0]);
    expect(plain.quality[0]).toBeLessThan(0.6);
    const norm = await rank(memoryFrameSet([dim, toU16(bright)], 128, 96, { normalize: true }));
    expect(norm.quality[0]).toBeGreaterThan(0.95);
    expect(norm.quality[1]).toBeGreaterThan(0.95);
  });

  it('sobelEnergy is a scalar gradient magnitude', () => {
    const ramp = createImage(10, 8, 1);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 10; x++) ramp.data[y * 10 + x] = 3 * x;
    expect(sobelEnergy(ramp)).toBeCloseTo(3 * 8, 9); // Sobel gain 8 per unit slope
  });

  it('reports progress and honours the abort signal', async () => {
    const ctx = testContext();
    const seen: number[][] = [];
    ctx.progress = (d, t) => seen.push([d, t]);
    await rank(memoryFrameSet(frames, 128, 96), 'Laplace', ctx);
    expect(seen.at(-1)).toEqual([sigmas.length, sigmas.length]);
    const ac = new AbortController();
    ac.abort();
    const ctx2 = { ...testContext(), signal: ac.signal };
    await expect(rank(memoryFrameSet(frames, 128, 96), 'Laplace', ctx2)).rejects.toThrow(/cancel/);
  });
});

const MOON = SHARED_DATA + '/synthetic/moon-512';
const haveMoon = existsSync(`${MOON}/frames.ser`) && existsSync(`${MOON}/meta.json`);
if (!haveMoon) console.warn(`rank.test: ${MOON} is missing — skipping the moon-512 checks`);

describe.skipIf(!haveMoon)('Rank on moon-512 (true quality known)', () => {
  it('correlates with the true quality (lower = sharper)', async () => {
    const meta = JSON.parse(readFileSync(`${MOON}/meta.json`, 'utf8')) as { frames: { quality: number }[] };
    const src = await openSer(`${MOON}/frames.ser`);
    const fs = new FrameSet(src, { convert: { debayer: 'auto', scale: 1 }, noise: 7, blackCutoff: 15 * 256, level: 2 }, 1);
    try {
      const truth = meta.frames.map((f) => f.quality);
      const sorted = [...truth].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1];
      for (const method of ['Laplace', 'Sobel']) {
        const r = await rank(fs, method);
        const rho = spearman(r.quality, truth);
        const top10 = Array.from(r.order.slice(0, 10)).reduce((s, i) => s + truth[i], 0) / 10;
        console.log(`moon-512 ${method}: Spearman ρ = ${rho.toFixed(3)}, top-10 mean true quality ${top10.toFixed(3)} (median ${median.toFixed(3)}, best possible ${(sorted.slice(0, 10).reduce((a, b) => a + b) / 10).toFixed(3)})`);
        expect(rho).toBeLessThan(-0.75);
        expect(top10).toBeLessThan(0.65 * median);
      }
    } finally {
      await fs.close();
    }
  });
});
