import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from 'fast-png';
import {
  simulateSequence, simulateSeries, resolveSynthOptions, sequenceSerBytes, truthPngBytes, writeSequence,
  type SynthSequence, type SynthOptions,
} from '../../src/synth/simulate.ts';
import { renderScene } from '../../src/synth/truth.ts';
import { Rng } from '../../src/synth/prng.ts';
import { smoothRandomField } from '../../src/synth/noise.ts';
import { main as generateMain, parseGenerateArgs } from '../../src/synth/generate.ts';
import { openSer } from '../../src/io/ser.ts';
import { scoreResult } from '../../src/score/score.ts';

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const mean = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s / a.length; };
const std = (a: number[]) => { const m = mean(a); return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length); };

function ranks(a: number[]): number[] {
  const idx = a.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const r = new Array<number>(a.length);
  idx.forEach(([, i], k) => { r[i] = k; });
  return r;
}
function spearman(a: number[], b: number[]): number {
  const ra = ranks(a), rb = ranks(b);
  const ma = mean(ra), mb = mean(rb);
  let s = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) { s += (ra[i] - ma) * (rb[i] - mb); sa += (ra[i] - ma) ** 2; sb += (rb[i] - mb) ** 2; }
  return s / Math.sqrt(sa * sb);
}
/** Variance of the 4-neighbour Laplacian over the interior. */
function laplacianVariance(f: ArrayLike<number>, W: number, H: number): number {
  const v: number[] = [];
  for (let y = 2; y < H - 2; y++) for (let x = 2; x < W - 2; x++) {
    const i = y * W + x;
    v.push(f[i - 1] + f[i + 1] + f[i - W] + f[i + W] - 4 * f[i]);
  }
  return std(v) ** 2;
}

describe('prng', () => {
  it('is deterministic per (seed, stream) and streams differ', () => {
    const a = new Rng(5, 'x'), b = new Rng(5, 'x'), c = new Rng(5, 'y'), d = new Rng(6, 'x');
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
    expect(Array.from({ length: 8 }, () => d.nextU32())).not.toEqual(sa);
  });
  it('normal and Poisson variates have the right moments', () => {
    const r = new Rng(1, 'moments');
    const n = Array.from({ length: 20000 }, () => r.normal());
    expect(Math.abs(mean(n))).toBeLessThan(0.03);
    expect(std(n)).toBeCloseTo(1, 1);
    for (const lambda of [3, 400]) {
      const p = Array.from({ length: 20000 }, () => r.poisson(lambda));
      expect(Math.abs(mean(p) - lambda) / lambda).toBeLessThan(0.02);
      expect(Math.abs(std(p) ** 2 - lambda) / lambda).toBeLessThan(0.06);
      expect(p.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    }
  });
});

describe('smooth random field (warp and blur maps)', () => {
  it('has a correlation length (1/e) of about 1.15 lattice spacings', () => {
    const w = 400, h = 400, spacing = 10;
    const f = smoothRandomField(w, h, spacing, new Rng(3, 'field'));
    const m = mean(f);
    const corr = (lag: number) => {
      let c = 0, c0 = 0;
      for (let y = 0; y < h; y++) for (let x = 0; x + lag < w; x++) {
        const a = f[y * w + x] - m;
        c += a * (f[y * w + x + lag] - m); c0 += a * a;
      }
      return c / c0;
    };
    expect(corr(Math.round(1.15 * spacing))).toBeGreaterThan(Math.exp(-1) - 0.08);
    expect(corr(Math.round(1.15 * spacing))).toBeLessThan(Math.exp(-1) + 0.08);
    expect(corr(2)).toBeGreaterThan(0.9);
    expect(Math.abs(corr(5 * spacing))).toBeLessThan(0.1);
  });
});

describe('series statistics', () => {
  const o = resolveSynthOptions({ frames: 3000, seed: 11, jitter: 4, spread: 0.45 });
  const s = simulateSeries(o);
  it('quality is log-normal with median 1 and the configured spread', () => {
    expect(median(s.quality)).toBeGreaterThan(0.95);
    expect(median(s.quality)).toBeLessThan(1.05);
    const logs = s.quality.map(Math.log);
    // truncation at ±2.5 deviates lowers the std by ~3 %
    expect(std(logs)).toBeGreaterThan(0.45 * 0.92);
    expect(std(logs)).toBeLessThan(0.45 * 1.04);
    expect(Math.min(...s.quality)).toBeGreaterThanOrEqual(Math.exp(-2.5 * 0.45) - 1e-12);
    // log-normal: roughly symmetric logs (skewness small), skewed q
    expect(Math.abs(mean(logs))).toBeLessThan(0.03);
    expect(mean(s.quality)).toBeGreaterThan(median(s.quality));
  });
  it('global shifts have the configured rms length, with a correlated (damped walk) part', () => {
    const rms = Math.sqrt(mean(s.dy.map((v, i) => v * v + s.dx[i] ** 2)));
    expect(rms).toBeGreaterThan(4 * 0.88);
    expect(rms).toBeLessThan(4 * 1.12);
    // lag-1 autocorrelation: 0.75 of the variance in an AR(1) with rho 0.85 → ≈ 0.64
    const m = mean(s.dx);
    let c1 = 0, c0 = 0;
    for (let i = 0; i < s.dx.length; i++) { c0 += (s.dx[i] - m) ** 2; if (i) c1 += (s.dx[i] - m) * (s.dx[i - 1] - m); }
    expect(c1 / c0).toBeGreaterThan(0.5);
    expect(c1 / c0).toBeLessThan(0.78);
  });
  it('jitterCorr 0 gives white jitter', () => {
    const w = simulateSeries(resolveSynthOptions({ frames: 3000, seed: 3, jitterCorr: 0 }));
    const m = mean(w.dy);
    let c1 = 0, c0 = 0;
    for (let i = 0; i < w.dy.length; i++) { c0 += (w.dy[i] - m) ** 2; if (i) c1 += (w.dy[i] - m) * (w.dy[i - 1] - m); }
    expect(Math.abs(c1 / c0)).toBeLessThan(0.06);
  });
});

describe('simulated sequence', () => {
  let seq: SynthSequence;
  beforeAll(() => {
    seq = simulateSequence({ kind: 'moon', width: 96, height: 72, frames: 240, seed: 5, jitter: 3, warp: 1, blur: 1.4 });
  });

  it('meta has the moon-512 shape and consistent per-frame values', () => {
    const m = seq.meta;
    expect(Object.keys(m).sort()).toEqual(['adu', 'args', 'frames', 'height', 'width']);
    expect(m.width).toBe(96);
    expect(m.height).toBe(72);
    expect(m.frames).toHaveLength(240);
    expect(m.adu).toEqual({ gain_per_unit: 60000, offset: 800 });
    m.frames.forEach((f, k) => {
      expect(Object.keys(f).sort()).toEqual(['blur_sigma', 'global_dx', 'global_dy', 'k', 'quality', 'warp_rms']);
      expect(f.k).toBe(k);
      expect(f.blur_sigma).toBeCloseTo(1.4 * f.quality, 12);
      expect(f.warp_rms).toBeCloseTo(1 * f.quality, 12);
    });
    const q = m.frames.map((f) => f.quality);
    expect(median(q)).toBeGreaterThan(0.88);
    expect(median(q)).toBeLessThan(1.12);
    expect(std(q.map(Math.log))).toBeGreaterThan(0.36);
    expect(std(q.map(Math.log))).toBeLessThan(0.52);
    const rms = Math.sqrt(mean(m.frames.map((f) => f.global_dy ** 2 + f.global_dx ** 2)));
    expect(rms).toBeGreaterThan(3 * 0.75);
    expect(rms).toBeLessThan(3 * 1.25);
  });

  it('sharper (lower quality) frames have a higher Laplacian variance', () => {
    const q = seq.meta.frames.map((f) => f.quality);
    const lv = seq.frames.map((f) => laplacianVariance(f, 96, 72));
    const rho = spearman(q, lv);
    expect(rho).toBeLessThan(-0.8);
  });

  it('frames are 16-bit, the sky-free mean level matches gain · signal + offset', () => {
    expect(seq.frames[0]).toBeInstanceOf(Uint16Array);
    const still = simulateSequence({ kind: 'moon', width: 96, height: 72, frames: 6, seed: 5, jitter: 0, warp: 0, blur: 1.4 });
    const expected = 60000 * mean(still.truth.data) / 65535 + 800;
    for (const f of still.frames) expect(Math.abs(mean(f) - expected) / expected).toBeLessThan(0.01);
  });
});

describe('geometry: frames show the truth at (y + global_dy, x + global_dx)', () => {
  it('the scorer recovers the meta shift of noise-free, blur-free frames', () => {
    const seq = simulateSequence({
      kind: 'moon', width: 160, height: 120, frames: 4, seed: 21, jitter: 5, warp: 0, blur: 0, read: 0, well: 1e9,
    });
    for (let k = 0; k < 4; k++) {
      const f = seq.frames[k];
      const s = scoreResult(seq.truth, { width: 160, height: 120, channels: 1, data: Float32Array.from(f) });
      // the scorer's sub-pixel step (plain cross-correlation, 1/20 px) is good to ~0.1 px here;
      // a sign error would be off by twice the shift (several px)
      expect(Math.abs(s.offset.dy - seq.meta.frames[k].global_dy)).toBeLessThan(0.15);
      expect(Math.abs(s.offset.dx - seq.meta.frames[k].global_dx)).toBeLessThan(0.15);
      expect(s.psnr).toBeGreaterThan(40);
    }
  });
});

describe('determinism and output files', () => {
  const opts: Partial<SynthOptions> = { kind: 'moon', width: 64, height: 48, frames: 5, seed: 9, limb: true };
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'lg-synth-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  it('same seed → identical bytes; different seed → different', () => {
    const a = simulateSequence(opts), b = simulateSequence(opts), c = simulateSequence({ ...opts, seed: 10 });
    expect(Buffer.compare(sequenceSerBytes(a), sequenceSerBytes(b))).toBe(0);
    expect(Buffer.compare(Buffer.from(truthPngBytes(a)), Buffer.from(truthPngBytes(b)))).toBe(0);
    expect(JSON.stringify(a.meta)).toBe(JSON.stringify(b.meta));
    expect(Buffer.compare(sequenceSerBytes(a), sequenceSerBytes(c))).not.toBe(0);
    expect(Buffer.compare(Buffer.from(truthPngBytes(a)), Buffer.from(truthPngBytes(c)))).not.toBe(0);
  });

  it('writes frames.ser / truth.png / meta.json, and the SER round-trips through openSer', async () => {
    const seq = simulateSequence(opts);
    const p = writeSequence(dir, seq);
    const src = await openSer(p.ser);
    try {
      expect(src.info.width).toBe(64);
      expect(src.info.height).toBe(48);
      expect(src.info.frameCount).toBe(5);
      expect(src.info.bitDepth).toBe(16);
      expect(src.info.colorLayout).toBe('mono');
      expect(src.info.timestamps).toHaveLength(5);
      expect(src.info.warnings).toEqual([]);
      for (let k = 0; k < 5; k++) {
        const f = await src.read(k);
        expect(Array.from(f.data)).toEqual(Array.from(seq.frames[k]));
      }
    } finally {
      await src.close();
    }
    const png = decode(readFileSync(p.truth));
    expect([png.width, png.height, png.depth, png.channels]).toEqual([64, 48, 16, 1]);
    expect(Array.from(png.data)).toEqual(Array.from(seq.truth.data, (v) => Math.round(v)));
    expect(JSON.parse(readFileSync(p.meta, 'utf8'))).toEqual(JSON.parse(JSON.stringify(seq.meta)));
  });

  it('8-bit output uses Uint8 frames and its own gain/offset', async () => {
    const seq = simulateSequence({ ...opts, bitDepth: 8, limb: false, jitter: 0, warp: 0 });
    expect(seq.frames[0]).toBeInstanceOf(Uint8Array);
    expect(seq.meta.adu).toEqual({ gain_per_unit: 230, offset: 6 });
    const expected = 230 * mean(seq.truth.data) / 65535 + 6;
    expect(Math.abs(mean(seq.frames[0]) - expected) / expected).toBeLessThan(0.02);
    const d8 = join(dir, 'eight');
    const p = writeSequence(d8, seq);
    const src = await openSer(p.ser);
    try {
      expect(src.info.bitDepth).toBe(8);
      expect(Array.from((await src.read(2)).data)).toEqual(Array.from(seq.frames[2]));
    } finally {
      await src.close();
    }
  });

  it('CLI writes the three files; bad arguments give exit code 2', () => {
    const out = join(dir, 'cli');
    const log = console.log; const err = console.error;
    console.log = () => {}; console.error = () => {};
    try {
      expect(generateMain(['--out', out, '--kind', 'planet', '--width', '48', '--height', '40', '--frames', '3', '--seed', '2', '--jitter', '1'])).toBe(0);
      expect(generateMain(['--out', out, '--bogus', '1'])).toBe(2);
      expect(generateMain(['--kind', 'moon'])).toBe(2);
      expect(generateMain(['--out', out, '--kind', 'saturn'])).toBe(2);
    } finally {
      console.log = log; console.error = err;
    }
    for (const f of ['frames.ser', 'truth.png', 'meta.json']) expect(existsSync(join(out, f))).toBe(true);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.args.truth).toBe('planet');
    expect(meta.frames).toHaveLength(3);
    expect(parseGenerateArgs(['--out=x', '--warp-scale', '25', '--limb', '--bits', '8']))
      .toEqual({ out: 'x', options: { warpScale: 25, limb: true, bitDepth: 8 } });
  });
});

describe('truth scenes', () => {
  it('moon: wide tonal range, shadows, fine texture; limb gives black sky', () => {
    const W = 128, H = 96;
    const t = renderScene('moon', 4, W, H, { x0: 0, y0: 0, width: W, height: H });
    const v = Array.from(t).sort((a, b) => a - b);
    expect(v[0]).toBeGreaterThanOrEqual(0);
    expect(v[v.length - 1]).toBeLessThan(0.97);
    expect(v[Math.floor(0.02 * v.length)]).toBeLessThan(0.12); // cast shadows
    expect(v[Math.floor(0.98 * v.length)]).toBeGreaterThan(0.45);
    expect(laplacianVariance(t, W, H)).toBeGreaterThan(1e-3); // sharp detail
    const l = renderScene('moon', 4, W, H, { x0: 0, y0: 0, width: W, height: H }, { limb: true });
    expect(l[(H >> 1) * W + W - 1]).toBeLessThan(0.01); // right edge beyond the limb
    expect(l[(H >> 1) * W + 2]).toBe(t[(H >> 1) * W + 2]);
  });
  it('scenes are functions of truth coordinates (a larger region agrees inside)', () => {
    for (const kind of ['moon', 'planet'] as const) {
      const a = renderScene(kind, 8, 64, 48, { x0: 0, y0: 0, width: 64, height: 48 });
      const b = renderScene(kind, 8, 64, 48, { x0: -10, y0: -6, width: 84, height: 60 });
      let maxd = 0;
      for (let y = 0; y < 48; y++) for (let x = 0; x < 64; x++) maxd = Math.max(maxd, Math.abs(a[y * 64 + x] - b[(y + 6) * 84 + x + 10]));
      expect(maxd).toBeLessThan(1e-5);
    }
  });
  it('planet: a banded, limb-darkened disk on black sky', () => {
    const W = 120, H = 100;
    const t = renderScene('planet', 2, W, H, { x0: 0, y0: 0, width: W, height: H });
    expect(t[0]).toBe(0);
    expect(t[W - 1]).toBe(0);
    expect(t[(H - 1) * W]).toBe(0);
    const c = t[(H >> 1) * W + (W >> 1)];
    expect(c).toBeGreaterThan(0.2);
    // bands: a column through the centre varies strongly
    const col = Array.from({ length: 40 }, (_, i) => t[(30 + i) * W + (W >> 1)]);
    expect(Math.max(...col) - Math.min(...col)).toBeGreaterThan(0.15);
    const seq = simulateSequence({ kind: 'planet', width: W, height: H, frames: 2, seed: 2 });
    // sky corners sit at the offset (read noise only)
    expect(Math.abs(seq.frames[0][0] - 800)).toBeLessThan(200);
  });
});
