/**
 * The fused first pass (WasmKernelInstance.firstPass) and the worker pool against the frame store
 * itself (src/runtime/frame-store.ts with the reference kernels): G, L and b must be bit-identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameSet } from '../../src/runtime/frame-store.ts';
import type { FrameSource, FrameSourceInfo, RawFrame } from '../../src/io/frame-source.ts';
import { getKernels, referenceKernels, setKernels } from '../../src/image/kernels.ts';
import { createWasmInstance, wasmKernels, wasmLoadError } from '../../src/image/wasm/node.ts';
import type { WasmKernelInstance } from '../../src/image/wasm/module.ts';
import { KernelPool } from '../../src/image/workers/pool.ts';
import { rng } from '../image/helpers.ts';
import { ensureWasmBuilt } from './setup.ts';

let inst: WasmKernelInstance;
const saved = getKernels();

beforeAll(() => {
  ensureWasmBuilt();
  const i = createWasmInstance();
  if (!i) throw new Error(`kernels.wasm did not load: ${wasmLoadError()}`);
  inst = i;
  setKernels(referenceKernels);
});
afterAll(() => setKernels(saved));

function source(frames: (Uint8Array | Uint16Array)[], w: number, h: number, bps: 1 | 2): FrameSource {
  const info: FrameSourceInfo = {
    path: '(memory)', format: 'ser', container: 'memory', frameCount: frames.length, width: w, height: h,
    bitDepth: bps * 8, bytesPerSample: bps, colorLayout: 'mono', planes: 1, warnings: [],
  };
  return {
    info,
    async read(i: number): Promise<RawFrame> {
      return { index: i, width: w, height: h, planes: 1, bitDepth: bps * 8, data: frames[i] };
    },
    async *frames(s = 0, e = frames.length) { for (let i = s; i < e; i++) yield await this.read(i); },
    async close() {},
  };
}

function frameData(w: number, h: number, bps: 1 | 2, seed: number, kind: 'noise' | 'smooth'): Uint8Array | Uint16Array {
  const r = rng(seed);
  const max = bps === 1 ? 255 : 65535;
  const a = bps === 1 ? new Uint8Array(w * h) : new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = kind === 'noise' ? r() * (max + 1)
        : (0.5 + 0.45 * Math.sin(x * 0.11 + seed) * Math.cos(y * 0.07)) * max + (r() - 0.5) * 0.05 * max;
      a[y * w + x] = Math.max(0, Math.min(max, Math.floor(v)));
    }
  }
  return a;
}

interface Case { w: number; h: number; bps: 1 | 2; noise: number; cutoff: number; kind: 'noise' | 'smooth' }

const CASES: Case[] = [];
for (const [w, h] of [[1, 1], [2, 5], [5, 2], [37, 23], [64, 33], [129, 17], [200, 150]]) {
  for (const bps of [1, 2] as const) {
    for (const noise of [3, 7, 9]) {
      CASES.push({ w, h, bps, noise, cutoff: 15 * 256, kind: (w + noise) % 2 ? 'noise' : 'smooth' });
    }
  }
}
CASES.push({ w: 50, h: 40, bps: 2, noise: 5, cutoff: 1000.5, kind: 'noise' });
CASES.push({ w: 50, h: 40, bps: 1, noise: 7, cutoff: -1, kind: 'smooth' });
CASES.push({ w: 50, h: 40, bps: 1, noise: 1, cutoff: 1e9, kind: 'smooth' });

async function viaFrameStore(c: Case, data: Uint8Array | Uint16Array) {
  const fs = new FrameSet(source([data], c.w, c.h, c.bps), {
    convert: { debayer: 'auto', scale: c.bps === 1 ? 256 : 1 }, noise: c.noise, blackCutoff: c.cutoff, level: 2,
  }, 1);
  const G = await fs.blurred(0);
  const L = await fs.laplacian(0);
  const b = await fs.brightness(0);
  await fs.close();
  return { G, L, b };
}

describe('firstPass = frame store (bit-identical)', () => {
  it('G, L and b for 8- and 16-bit frames of many sizes and noise levels', async () => {
    let seed = 1;
    for (const c of CASES) {
      const data = frameData(c.w, c.h, c.bps, seed++, c.kind);
      const ref = await viaFrameStore(c, data);
      const got = inst.firstPass({ data, width: c.w, height: c.h, noise: c.noise, blackCutoff: c.cutoff });
      const what = `${c.w}x${c.h} ${c.bps * 8}-bit noise ${c.noise} cutoff ${c.cutoff}`;
      expect(got.g.length, what).toBe(ref.G.data.length);
      expect(Array.from(got.g), what).toEqual(Array.from(ref.G.data));
      expect([got.lWidth, got.lHeight], what).toEqual([ref.L.width, ref.L.height]);
      expect(Array.from(got.l), what).toEqual(Array.from(ref.L.data));
      expect(got.brightness, what).toBe(ref.b);
      // ΣL and ΣL² come out of the same pass, exactly
      let sum = 0, sq = 0;
      for (const v of ref.L.data) { sum += v; sq += v * v; }
      expect([got.lSum, got.lSumSq], what).toEqual([sum, sq]);
    }
  });

  it('a full 1280x960 8-bit frame', async () => {
    const c: Case = { w: 1280, h: 960, bps: 1, noise: 7, cutoff: 3840, kind: 'smooth' };
    const data = frameData(c.w, c.h, c.bps, 77, c.kind);
    const ref = await viaFrameStore(c, data);
    const got = inst.firstPass({ data, width: c.w, height: c.h, noise: c.noise, blackCutoff: c.cutoff });
    expect(Buffer.compare(Buffer.from(got.g.buffer), Buffer.from(new Uint16Array(ref.G.data).buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(got.l), Buffer.from(ref.L.data))).toBe(0);
    expect(got.brightness).toBe(ref.b);
  });

  it('rejects wrong sizes and sample types', () => {
    expect(() => inst.firstPass({ data: new Uint8Array(5), width: 2, height: 3, noise: 7, blackCutoff: 0 })).toThrow(/samples/);
    expect(() => inst.firstPass({ data: new Uint8Array(6), width: 2, height: 3, noise: 4, blackCutoff: 0 })).toThrow(/odd/);
  });
});

describe('KernelPool', () => {
  let pool: KernelPool;
  beforeAll(() => {
    pool = KernelPool.require({ threads: 2 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('gives results bit-identical with the single-threaded path, in any completion order', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => {
      const w = 97 + i * 13;
      const h = 61 + i * 7;
      const bps = (i % 2 ? 2 : 1) as 1 | 2;
      return { data: frameData(w, h, bps, 100 + i, i % 3 ? 'smooth' : 'noise'), width: w, height: h, noise: 7, blackCutoff: 3840 };
    });
    const got = await Promise.all(jobs.map((j) => pool.firstPass(j)));
    jobs.forEach((j, i) => {
      const s = inst.firstPass(j);
      expect(Array.from(got[i].g)).toEqual(Array.from(s.g));
      expect(Array.from(got[i].l)).toEqual(Array.from(s.l));
      expect(got[i].brightness).toBe(s.brightness);
      expect([got[i].lSum, got[i].lSumSq]).toEqual([s.lSum, s.lSumSq]);
    });
  });

  it('accepts SharedArrayBuffer inputs and writes into SharedArrayBuffer outputs', async () => {
    const w = 120, h = 90;
    const data = new Uint16Array(new SharedArrayBuffer(w * h * 2));
    data.set(frameData(w, h, 2, 5, 'smooth'));
    const g = new Uint16Array(new SharedArrayBuffer(w * h * 2));
    const l = new Uint8Array(new SharedArrayBuffer(60 * 45));
    const r = await pool.firstPass({ data, width: w, height: h, noise: 5, blackCutoff: 100 }, { g, l });
    expect(r.g).toBe(g);
    expect(r.l).toBe(l);
    const s = inst.firstPass({ data, width: w, height: h, noise: 5, blackCutoff: 100 });
    expect(Array.from(g)).toEqual(Array.from(s.g));
    expect(Array.from(l)).toEqual(Array.from(s.l));
    await expect(pool.firstPass({ data, width: w, height: h, noise: 5, blackCutoff: 100 }, { g: new Uint16Array(w * h) }))
      .rejects.toThrow(/SharedArrayBuffer/);
  });

  it('reports errors per job and keeps working', async () => {
    await expect(pool.firstPass({ data: new Uint8Array(10), width: 3, height: 3, noise: 7, blackCutoff: 0 })).rejects.toThrow();
    const ok = await pool.firstPass({ data: new Uint8Array(9).fill(200), width: 3, height: 3, noise: 3, blackCutoff: 0 });
    expect(ok.g.length).toBe(9);
  });

  it('close() rejects later jobs', async () => {
    const p = KernelPool.require({ threads: 1 });
    await p.close();
    await expect(p.firstPass({ data: new Uint8Array(4), width: 2, height: 2, noise: 3, blackCutoff: 0 })).rejects.toThrow(/closed/);
  });
});

describe('frame store read-ahead in the worker pool', () => {
  let pool: KernelPool;
  beforeAll(() => {
    pool = KernelPool.require({ threads: 2 });
    setKernels(wasmKernels);
  });
  afterAll(async () => {
    setKernels(referenceKernels);
    await pool.close();
  });

  const w = 160, h = 120, n = 12;
  const frames = Array.from({ length: n }, (_, i) => frameData(w, h, 1, 300 + i, i % 2 ? 'smooth' : 'noise'));
  const open = (level: 0 | 1 | 2, withPool: boolean) => new FrameSet(source(frames, w, h, 1), {
    convert: { debayer: 'auto', scale: 256 }, noise: 7, blackCutoff: 3840, level, pool: withPool ? pool : null,
  }, 1);

  for (const level of [0, 1, 2] as const) {
    it(`level ${level}: G, L and b equal the main-thread path in ascending, descending and random walks`, async () => {
      const walks = [
        Array.from({ length: n }, (_, i) => i),
        Array.from({ length: n }, (_, i) => n - 1 - i),
        [5, 2, 9, 3, 4, 5, 11, 0, 1, 7],
      ];
      const a = open(level, true);
      const b = open(level, false);
      for (const walk of walks) {
        for (const i of walk) {
          const [la, lb] = [await a.laplacian(i), await b.laplacian(i)];
          expect(Buffer.compare(Buffer.from(la.data), Buffer.from(lb.data)), `L ${i}`).toBe(0);
          const [ga, gb] = [await a.blurredView(i), await b.blurred(i)];
          expect(Buffer.compare(Buffer.from(ga.data.buffer, ga.data.byteOffset, ga.data.byteLength), Buffer.from(gb.data.buffer)), `G ${i}`).toBe(0);
          expect(await a.brightness(i)).toBe(await b.brightness(i));
        }
      }
      // The walks did run ahead in the workers (level 2 keeps G after the first walk, so only that one can).
      expect(a.stats.prefetched).toBeGreaterThan(level === 2 ? n / 2 : n);
      expect(b.stats.prefetched).toBe(0);
      await a.close();
      await b.close();
    });
  }
});
