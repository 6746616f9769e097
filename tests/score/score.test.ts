import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Image } from '../../src/image/image.ts';
import { fft1d, fft2d } from '../../src/score/fft.ts';
import {
  scoreResult, loadImageGray, loadPngGray, ssim, psnr, phaseCorrelate, shiftCubic, areaDownscale, detectDrizzle,
  locateByNcc, cropPlane, toGray, type Plane,
} from '../../src/score/score.ts';
import { renderScene } from '../../src/synth/truth.ts';
import { Rng } from '../../src/synth/prng.ts';
import { openSer } from '../../src/io/ser.ts';
import { SHARED_DATA } from '../helpers/shared-data.ts';

const W = 200, H = 150;
const asImage = (w: number, h: number, d: ArrayLike<number>, scale = 1): Image =>
  ({ width: w, height: h, channels: 1, data: Float32Array.from(d, (v) => v * scale) });

/** Separable Gaussian blur with clamped edges (test helper). */
function blur(img: Image, sigma: number): Image {
  const r = Math.ceil(3 * sigma), k: number[] = [];
  let s = 0;
  for (let i = -r; i <= r; i++) { k.push(Math.exp(-(i * i) / (2 * sigma * sigma))); s += k[k.length - 1]; }
  const kk = k.map((v) => v / s);
  const { width: w, height: h } = img;
  const tmp = new Float32Array(w * h), out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0; for (let j = -r; j <= r; j++) a += kk[j + r] * img.data[y * w + Math.min(w - 1, Math.max(0, x + j))]; tmp[y * w + x] = a;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let a = 0; for (let j = -r; j <= r; j++) a += kk[j + r] * tmp[Math.min(h - 1, Math.max(0, y + j)) * w + x]; out[y * w + x] = a;
  }
  return { width: w, height: h, channels: 1, data: out };
}

describe('fft', () => {
  it('matches a direct DFT for power-of-two and other sizes, and inverts', () => {
    for (const n of [1, 2, 8, 12, 45, 64]) {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.9) + (i % 3));
      const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.4));
      const r0 = re.slice(), i0 = im.slice();
      fft1d(re, im);
      for (let k = 0; k < n; k++) {
        let sr = 0, si = 0;
        for (let j = 0; j < n; j++) {
          const a = (-2 * Math.PI * j * k) / n;
          sr += r0[j] * Math.cos(a) - i0[j] * Math.sin(a);
          si += r0[j] * Math.sin(a) + i0[j] * Math.cos(a);
        }
        expect(re[k]).toBeCloseTo(sr, 8);
        expect(im[k]).toBeCloseTo(si, 8);
      }
    }
    const rows = 6, cols = 10;
    const re = Float64Array.from({ length: rows * cols }, (_, i) => (i * 37) % 11);
    const im = new Float64Array(rows * cols);
    const r0 = re.slice();
    fft2d(re, im, rows, cols);
    expect(re[0]).toBeCloseTo(r0.reduce((a, b) => a + b, 0), 9);
    fft2d(re, im, rows, cols, true);
    for (let i = 0; i < re.length; i++) expect(re[i]).toBeCloseTo(r0[i], 9);
  });
});

describe('building blocks', () => {
  const scene = renderScene('planet', 3, W, H, { x0: 0, y0: 0, width: W, height: H });
  const T: Plane = { width: W, height: H, data: Float64Array.from(scene) };

  it('locateByNcc finds an integer crop, invariant to gain and offset', () => {
    const piece = cropPlane(T, 37, 21, 120, 90);
    for (let i = 0; i < piece.data.length; i++) piece.data[i] = 3 * piece.data[i] + 7;
    const loc = locateByNcc(T, piece);
    expect([loc.y, loc.x]).toEqual([21, 37]);
    expect(loc.ncc).toBeCloseTo(1, 6);
  });

  it('phaseCorrelate and shiftCubic recover a sub-pixel shift (both normalisations)', () => {
    const smooth = toGray(blur(asImage(W, H, T.data), 1.2));
    const moved = shiftCubic(smooth, -0.35, 0.6); // content moved by (−0.35, +0.6)
    const a = cropPlane(smooth, 20, 20, 160, 110), b = cropPlane(moved, 20, 20, 160, 110);
    const s = phaseCorrelate(a, b, 20, 'none');
    expect(Math.abs(s.dy - 0.35)).toBeLessThan(0.06);
    expect(Math.abs(s.dx + 0.6)).toBeLessThan(0.06);
    // whitened phase correlation of equal crops is pulled towards the integer grid by the borders
    const p = phaseCorrelate(a, b, 20, 'phase');
    expect(p.dy).toBeGreaterThan(0);
    expect(p.dy).toBeLessThan(0.5);
    expect(p.dx).toBeLessThan(-0.3);
    expect(p.dx).toBeGreaterThan(-0.8);
    // shiftCubic: a shift and its inverse give back the original (inside the borders)
    const back = shiftCubic(shiftCubic(smooth, 0.4, -0.7), -0.4, 0.7);
    let maxd = 0;
    for (let y = 10; y < H - 10; y++) for (let x = 10; x < W - 10; x++) maxd = Math.max(maxd, Math.abs(back.data[y * W + x] - smooth.data[y * W + x]));
    expect(maxd).toBeLessThan(2e-3);
    // integer shifts are exact moves
    const one = shiftCubic(smooth, 2, -1);
    expect(one.data[50 * W + 60]).toBeCloseTo(smooth.data[48 * W + 61], 9);
  });

  it('areaDownscale averages blocks and keeps the mean; drizzle factors are detected', () => {
    const p: Plane = { width: 6, height: 4, data: Float64Array.from({ length: 24 }, (_, i) => i) };
    const d = areaDownscale(p, 2);
    expect([d.width, d.height]).toEqual([3, 2]);
    expect(d.data[0]).toBeCloseTo((0 + 1 + 6 + 7) / 4, 12);
    const q = areaDownscale({ width: 9, height: 6, data: new Float64Array(54).fill(5) }, 1.5);
    expect([q.width, q.height]).toEqual([6, 4]);
    for (const v of q.data) expect(v).toBeCloseTo(5, 12);
    expect(detectDrizzle(1000, 500)).toBe(2);
    expect(detectDrizzle(745, 500)).toBe(1.5);
    expect(detectDrizzle(1490, 500)).toBe(3);
    expect(detectDrizzle(494, 512)).toBe(1);
  });

  it('ssim and psnr behave', () => {
    const a = Float64Array.from(T.data);
    expect(ssim(a, a, W, H)).toBeCloseTo(1, 12);
    expect(ssim(a, a, W, H, { window: 'gaussian' })).toBeCloseTo(1, 12);
    expect(psnr(a, a)).toBe(Infinity);
    const r = new Rng(1, 'noise');
    const n1 = a.map((v) => v + 0.01 * r.normal()), n2 = a.map((v) => v + 0.03 * r.normal());
    expect(psnr(a, n1)).toBeCloseTo(40, 0);
    expect(ssim(a, n2, W, H)).toBeLessThan(ssim(a, n1, W, H));
    expect(ssim(a, n2, W, H, { window: 'gaussian' })).toBeLessThan(ssim(a, n1, W, H, { window: 'gaussian' }));
  });
});

describe('scoreResult', () => {
  const truthSig = renderScene('moon', 12, W, H, { x0: 0, y0: 0, width: W, height: H });
  const truth = blur(asImage(W, H, truthSig, 65535), 1.0);

  it('truth against itself scores very high, with zero offset and unit gain', () => {
    const s = scoreResult(truth, truth);
    expect(s.psnr).toBeGreaterThan(60);
    expect(s.ssim).toBeGreaterThan(0.9999);
    expect(s.offset).toEqual({ dy: 0, dx: 0 });
    expect(s.gain).toBeCloseTo(1, 9);
    expect(s.bias).toBeCloseTo(0, 4);
    expect(s.croppedSize).toEqual({ width: W - 56, height: H - 56 });
  });

  it('blurred truth scores lower, more blur lower still; gain and offset are undone', () => {
    const s1 = scoreResult(truth, blur(truth, 0.8));
    const s2 = scoreResult(truth, blur(truth, 1.6));
    expect(s1.psnr).toBeLessThan(45);
    expect(s2.psnr).toBeLessThan(s1.psnr - 2);
    expect(s2.ssim).toBeLessThan(s1.ssim);
    const b = blur(truth, 0.8);
    const affine = { ...b, data: b.data.map((v) => 0.5 * v + 1000) };
    const s3 = scoreResult(truth, affine);
    expect(s3.gain).toBeCloseTo(0.5 * s1.gain, 6);
    expect(s3.bias).toBeCloseTo(0.5 * s1.bias + 1000, 2);
    expect(s3.psnr).toBeCloseTo(s1.psnr, 1);
  });

  it('recovers known sub-pixel shifts of a cropped result (rendered shifted, no interpolation)', () => {
    for (const kind of ['moon', 'planet'] as const) {
      const t = renderScene(kind, 3, W, H, { x0: 0, y0: 0, width: W, height: H });
      for (const [dy, dx] of [[0.35, -0.6], [3.25, 2.8], [-1.45, 0.15]]) {
        // result pixel (y, x) shows the truth at (y + 4 + dy, x + 5 + dx)
        const r = renderScene(kind, 3, W, H, { x0: 5 + dx, y0: 4 + dy, width: W - 12, height: H - 10 });
        const s = scoreResult(asImage(W, H, t, 65535), asImage(W - 12, H - 10, r, 65535));
        expect(Math.abs(s.offset.dy - (4 + dy))).toBeLessThanOrEqual(0.1 + 1e-9);
        expect(Math.abs(s.offset.dx - (5 + dx))).toBeLessThanOrEqual(0.1 + 1e-9);
        expect(s.ssim).toBeGreaterThan(0.95);
      }
    }
  });

  it('undoes a 2× drizzle and converts RGB to gray', () => {
    const big = new Float32Array(4 * W * H);
    for (let y = 0; y < 2 * H; y++) for (let x = 0; x < 2 * W; x++) big[y * 2 * W + x] = truth.data[(y >> 1) * W + (x >> 1)];
    const s = scoreResult(truth, { width: 2 * W, height: 2 * H, channels: 1, data: big });
    expect(s.drizzle).toBe(2);
    expect(s.psnr).toBeGreaterThan(60);
    const rgb = new Float32Array(3 * W * H);
    for (let i = 0; i < W * H; i++) { rgb[3 * i] = truth.data[i]; rgb[3 * i + 1] = truth.data[i]; rgb[3 * i + 2] = truth.data[i]; }
    expect(scoreResult(truth, { width: W, height: H, channels: 3, data: rgb }).psnr).toBeGreaterThan(60);
  });

  it('rejects results too small to score', () => {
    expect(() => scoreResult(truth, asImage(50, 50, new Float32Array(2500)))).toThrow(/too small/);
  });
});

/** A minimal uncompressed gray baseline TIFF (little endian, one strip), 16-bit or float32 samples. */
function tiffGray(w: number, h: number, data: Uint16Array | Float32Array): Buffer {
  const float = data instanceof Float32Array;
  const bps = float ? 4 : 2;
  const entries: [number, number, number, number][] = [
    [256, 3, 1, w], [257, 3, 1, h], [258, 3, 1, 8 * bps], [259, 3, 1, 1], [262, 3, 1, 1],
    [273, 4, 1, 0], [277, 3, 1, 1], [278, 3, 1, h], [279, 4, 1, w * h * bps], [339, 3, 1, float ? 3 : 1],
  ];
  const ifdOff = 8, ifdSize = 2 + entries.length * 12 + 4, dataOff = ifdOff + ifdSize;
  entries[5][3] = dataOff;
  const b = Buffer.alloc(dataOff + w * h * bps);
  b.write('II', 0, 'latin1'); b.writeUInt16LE(42, 2); b.writeUInt32LE(ifdOff, 4);
  b.writeUInt16LE(entries.length, ifdOff);
  entries.forEach(([tag, type, count, value], i) => {
    const o = ifdOff + 2 + 12 * i;
    b.writeUInt16LE(tag, o); b.writeUInt16LE(type, o + 2); b.writeUInt32LE(count, o + 4);
    if (type === 3) b.writeUInt16LE(value, o + 8); else b.writeUInt32LE(value, o + 8);
  });
  for (let i = 0; i < w * h; i++) {
    if (float) b.writeFloatLE(data[i], dataOff + 4 * i); else b.writeUInt16LE(data[i], dataOff + 2 * i);
  }
  return b;
}

describe('loadImageGray', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lg-score-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('reads 16-bit and 8-bit PNG (8-bit × 256) and RGB as luma', async () => {
    const u16 = Uint16Array.from({ length: 12 }, (_, i) => i * 5000);
    writeFileSync(join(dir, 'a.png'), encode({ width: 4, height: 3, data: u16, depth: 16, channels: 1 }));
    const a = await loadImageGray(join(dir, 'a.png'));
    expect([a.width, a.height, a.channels]).toEqual([4, 3, 1]);
    expect(Array.from(a.data)).toEqual(Array.from(u16));
    const u8 = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    writeFileSync(join(dir, 'b.png'), encode({ width: 4, height: 3, data: u8, depth: 8, channels: 1 }));
    expect(Array.from(loadPngGray(join(dir, 'b.png')).data)).toEqual(Array.from(u8, (v) => v * 256));
    const rgb = Uint8Array.from([100, 50, 10, 0, 0, 0]);
    writeFileSync(join(dir, 'c.png'), encode({ width: 2, height: 1, data: rgb, depth: 8, channels: 3 }));
    const c = await loadImageGray(join(dir, 'c.png'));
    expect(c.data[0]).toBeCloseTo((0.299 * 100 + 0.587 * 50 + 0.114 * 10) * 256, 2);
  });

  it('reads 16-bit and float TIFF (float 0..1 → 0..65535)', async () => {
    const u16 = Uint16Array.from({ length: 20 * 10 }, (_, i) => i * 300);
    writeFileSync(join(dir, 't.tif'), tiffGray(20, 10, u16));
    const t = await loadImageGray(join(dir, 't.tif'));
    expect([t.width, t.height]).toEqual([20, 10]);
    expect(Array.from(t.data)).toEqual(Array.from(u16));
    const f32 = Float32Array.from({ length: 20 * 10 }, (_, i) => i / 400);
    writeFileSync(join(dir, 'f.tiff'), tiffGray(20, 10, f32));
    const f = await loadImageGray(join(dir, 'f.tiff'));
    for (let i = 0; i < 200; i += 37) expect(f.data[i]).toBeCloseTo(f32[i] * 65535, 1);
  });
});

// ---------------------------------------------------------------------------------------------
// the reference numbers of ../shared/data/synthetic/moon-512/README.md

const MOON = SHARED_DATA + '/synthetic/moon-512';
const PSS = SHARED_DATA + '/peer-results/synthetic-moon-512_pss.png';
const haveData = existsSync(join(MOON, 'truth.png')) && existsSync(join(MOON, 'frames.ser')) && existsSync(PSS);
if (!haveData) console.warn(`score reference tests skipped: ${MOON} or ${PSS} is absent`);

describe.skipIf(!haveData)('moon-512 reference scores (needs ../shared/data)', () => {
  let truth: Image;
  beforeAll(async () => { truth = await loadImageGray(join(MOON, 'truth.png')); });

  it('PlanetarySystemStacker result: 42.59 dB / 0.970', async () => {
    const s = scoreResult(truth, await loadImageGray(PSS));
    expect(Math.abs(s.psnr - 42.59)).toBeLessThan(0.1);
    expect(Math.abs(s.ssim - 0.970)).toBeLessThan(0.003);
    expect(s.croppedSize.width).toBeGreaterThan(400);
  });

  it('best single frame by true quality: 36.83 dB / 0.875', async () => {
    const meta = JSON.parse(readFileSync(join(MOON, 'meta.json'), 'utf8')) as { frames: { quality: number }[] };
    let best = 0;
    meta.frames.forEach((f, i) => { if (f.quality < meta.frames[best].quality) best = i; });
    const src = await openSer(join(MOON, 'frames.ser'));
    try {
      const f = await src.read(best);
      const s = scoreResult(truth, asImage(f.width, f.height, f.data));
      expect(Math.abs(s.psnr - 36.83)).toBeLessThan(0.1);
      expect(Math.abs(s.ssim - 0.875)).toBeLessThan(0.003);
    } finally {
      await src.close();
    }
  });

  it('mean of all frames, unaligned: 34.87 dB / 0.881', async () => {
    const src = await openSer(join(MOON, 'frames.ser'));
    let acc: Float64Array | undefined;
    try {
      for await (const f of src.frames()) {
        acc ??= new Float64Array(f.data.length);
        for (let i = 0; i < acc.length; i++) acc[i] += f.data[i];
      }
    } finally {
      await src.close();
    }
    const s = scoreResult(truth, asImage(src.info.width, src.info.height, acc!));
    expect(Math.abs(s.psnr - 34.87)).toBeLessThan(0.1);
    expect(Math.abs(s.ssim - 0.881)).toBeLessThan(0.003);
  });
});
