/**
 * The first pass split between the main thread and the helper (WasmKernelInstance.firstPass on the
 * shared-memory instance, assembly/kernels.ts firstPassRows): G, L, b and the L sums are bit-identical
 * with one thread, on real frames, for 8- and 16-bit samples, and when the helper fails.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmInstance, sharedWasmInstance, correlateWasmInstance } from '../../src/image/wasm/node.ts';
import { openFrameSource } from '../../src/io/open-source.ts';
import { SHARED_DATA } from '../helpers/shared-data.ts';
import { counting, ensureWasmBuilt, FAILING_HELPER, withReadyHelper } from './setup.ts';

const MOON = join(SHARED_DATA, 'synthetic/moon-512/frames.ser');
const SAMPLE = join(__dirname, '../../samples/moon-small/frames.ser');
let frames: { data: Uint8Array | Uint16Array; width: number; height: number }[] = [];

beforeAll(async () => {
  ensureWasmBuilt();
  const src = await openFrameSource(existsSync(MOON) ? MOON : SAMPLE);
  for (const i of [0, 7]) {
    const f = await src.read(i);
    const d = f.data instanceof Uint16Array ? Uint16Array.from(f.data) : Uint8Array.from(f.data);
    frames.push({ data: d, width: f.width, height: f.height });
    // the same frame as 8-bit samples
    frames.push({ data: Uint8Array.from(d, (v) => (d instanceof Uint16Array ? v >> 8 : v)), width: f.width, height: f.height });
  }
  await src.close();
});

const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The shared instance once its helper thread is ready, and that helper. */
async function sharedWithHelper() {
  correlateWasmInstance();
  return withReadyHelper(sharedWasmInstance()!);
}

describe('first pass split across the helper thread', () => {
  it('gives the same G, L, b and sums as one thread (and as a plain instance), also when the helper fails', async () => {
    const { inst, real } = await sharedWithHelper();
    const plain = createWasmInstance()!;
    const bands = counting(real, 'startFirstPassRows');
    inst.attachRowSplitter(bands.splitter);
    for (const f of frames) {
      for (const noise of [3, 7]) {
        const job = { data: f.data, width: f.width, height: f.height, noise, blackCutoff: 15 * 256 };
        const a = plain.firstPass(job);
        const b = inst.firstPass(job);
        expect(same(a.g, b.g) && same(a.l, b.l), `${f.data.BYTES_PER_ELEMENT * 8}-bit noise ${noise}`).toBe(true);
        expect([b.brightness, b.lSum, b.lSumSq]).toEqual([a.brightness, a.lSum, a.lSumSq]);
      }
    }
    expect(bands.count()).toBe(frames.length * 2);
    try {
      inst.attachRowSplitter(FAILING_HELPER);
      const job = { data: frames[0].data, width: frames[0].width, height: frames[0].height, noise: 7, blackCutoff: 15 * 256 };
      const a = plain.firstPass(job);
      const b = inst.firstPass(job);
      expect(same(a.g, b.g) && same(a.l, b.l) && a.brightness === b.brightness).toBe(true);
    } finally {
      inst.attachRowSplitter(real);
    }
  });
});

describe('big blurs split across the helper thread', () => {
  it('the same image bit for bit (float64 and float32 blurs, 1 and 3 channels), also when the helper fails', async () => {
    const { inst, real } = await sharedWithHelper();
    const bands = counting(real, 'startBlurRows');
    const plain = createWasmInstance()!;
    const img = (w: number, h: number, C: 1 | 3) => {
      const d = new Float32Array(w * h * C);
      for (let i = 0; i < d.length; i++) d[i] = ((i * 2654435761) % 65536) + (i % 7) * 0.25;
      return { width: w, height: h, channels: C, data: d };
    };
    try {
      inst.attachRowSplitter(bands.splitter);
      for (const [w, h, C] of [[700, 500, 1], [333, 301, 3]] as [number, number, 1 | 3][]) {
        const x = img(w, h, C);
        for (const k of [3, 7, 11]) {
          expect(same(inst.gaussianBlur(x, k).data, plain.gaussianBlur(x, k).data), `${w}x${h}x${C} k${k}`).toBe(true);
          expect(same(inst.gaussianBlurF32(x, k).data, plain.gaussianBlurF32(x, k).data), `f32 ${w}x${h}x${C} k${k}`).toBe(true);
        }
        expect(same(inst.gaussianBlurSigma(x, 4.5).data, plain.gaussianBlurSigma(x, 4.5).data)).toBe(true);
      }
      expect(bands.count()).toBe(2 * 7);
      inst.attachRowSplitter(FAILING_HELPER);
      const x = img(700, 500, 1);
      expect(same(inst.gaussianBlur(x, 7).data, plain.gaussianBlur(x, 7).data)).toBe(true);
    } finally {
      inst.attachRowSplitter(real);
    }
  });
});

describe('first pass of a colour frame (RGB in, its mono frame made in wasm)', () => {
  it('equals the first pass of rgbToMono16 of the frame, 8- and 16-bit, with the helper, alone and when the helper fails', async () => {
    const { inst, real } = await sharedWithHelper();
    const plain = createWasmInstance()!;
    const r = (seed: number) => { let x = seed; return () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32); };
    const rand = r(5);
    const w = 301, h = 211;
    const rgb8 = Uint8Array.from({ length: 3 * w * h }, (_, i) => Math.floor(128 + 100 * Math.sin(i / 97) + rand() * 27));
    const rgb16 = Uint16Array.from({ length: 3 * w * h }, (_, i) => Math.floor(30000 + 25000 * Math.sin(i / 131) + rand() * 5000));
    const bands = counting(real, 'startFirstPassRows');
    try {
      for (const helper of [bands.splitter, null, FAILING_HELPER]) {
        inst.attachRowSplitter(helper);
        for (const [data, scale] of [[rgb8, 256], [rgb16, 1]] as const) {
          const mono = plain.rgbToMono16(data, scale);
          const job = { width: w, height: h, noise: 7, blackCutoff: 15 * 256 };
          const a = plain.firstPass({ ...job, data: mono });
          const b = inst.firstPass({ ...job, data, rgbScale: scale });
          expect(same(a.g, b.g) && same(a.l, b.l), `${data.BYTES_PER_ELEMENT * 8}-bit`).toBe(true);
          expect([b.brightness, b.lSum, b.lSumSq]).toEqual([a.brightness, a.lSum, a.lSumSq]);
          // and the mono input of the same frame still works on the same instance (another plan)
          expect(same(inst.firstPass({ ...job, data: mono }).g, a.g)).toBe(true);
        }
      }
      expect(bands.count()).toBe(2 * 2);
      expect(() => inst.firstPass({ width: w, height: h, noise: 7, blackCutoff: 0, data: rgb8.subarray(1), rgbScale: 256 })).toThrow(/samples, expected/);
    } finally {
      inst.attachRowSplitter(real);
    }
  });
});
