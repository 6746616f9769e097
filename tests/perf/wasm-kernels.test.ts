/**
 * Agreement of the WebAssembly SIMD kernels (src/image/wasm) with `referenceKernels`.
 *
 * Tolerances (what these tests enforce):
 *  - gaussianBlur, gaussianBlurSigma, blurStrided, laplacian3x3: bit-identical (0 differing samples,
 *    any size, 1 or 3 channels, integer or fractional or negative values);
 *  - nccMap (default float64 cross term): max |Δ| ≤ 1e-6 and in practice 0 differing samples;
 *    the 'f32' variant: max |Δ| ≤ 1e-5; identical argmax positions on textured data;
 *  - firstPass: G, L and b bit-identical with the frame store (src/runtime/frame-store.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels, referenceKernels as R, setKernels } from '../../src/image/kernels.ts';
import {
  correlateWasmInstance, createWasmInstance, enableWasmKernels, rowHelperActive, loadWasmModule, wasmKernels as W, wasmKernelsEnabled, wasmLoadError,
} from '../../src/image/wasm/node.ts';
import { WasmKernelInstance, WasmMemoryError, createWasmKernels, wasmSimdSupported, withFallback } from '../../src/image/wasm/module.ts';
import { randomImage, rng } from '../image/helpers.ts';
import { compare, ensureWasmBuilt, FAILING_HELPER, randomFloatImage, texture } from './setup.ts';

let inst: WasmKernelInstance;

beforeAll(() => {
  ensureWasmBuilt();
  const i = createWasmInstance();
  if (!i) throw new Error(`kernels.wasm did not load: ${wasmLoadError()}`);
  inst = i;
});

const SIZES: [number, number][] = [
  [1, 1], [1, 7], [7, 1], [2, 3], [3, 2], [5, 7], [6, 4], [17, 13], [33, 29], [101, 3], [3, 101], [127, 61],
];

function images(): { name: string; img: Image }[] {
  const out: { name: string; img: Image }[] = [];
  let seed = 1;
  for (const [w, h] of SIZES) {
    for (const C of [1, 3] as const) {
      out.push({ name: `${w}x${h}x${C} int`, img: randomImage(w, h, seed++, C) });
      out.push({ name: `${w}x${h}x${C} float±`, img: randomFloatImage(w, h, seed++, C, -1000, 70000) });
    }
  }
  return out;
}

function expectIdentical(a: Image, b: Image, what: string): void {
  expect([b.width, b.height, b.channels], what).toEqual([a.width, a.height, a.channels]);
  const c = compare(a.data, b.data);
  expect(c, what).toEqual({ differ: 0, maxAbs: 0 });
}

describe('wasm module', () => {
  it('is available on this engine (SIMD) and exports the kernels', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(loadWasmModule()).not.toBeNull();
    expect(inst.memoryBytes).toBeGreaterThan(0);
  });
  it('a missing file gives null and a reason, not an exception', () => {
    expect(loadWasmModule('/nonexistent/kernels.wasm')).toBeNull();
    expect(wasmLoadError()).toMatch(/missing/);
  });
  it('enableWasmKernels installs wasmKernels (and the reference can be restored)', () => {
    const before = getKernels();
    try {
      expect(enableWasmKernels()).toBe(true);
      expect(getKernels()).toBe(W);
      expect(wasmKernelsEnabled()).toBe(true);
    } finally {
      setKernels(before);
    }
    expect(wasmKernelsEnabled()).toBe(before === W);
  });
  it('wasmKernels keeps every reference kernel it does not replace', () => {
    for (const k of Object.keys(R) as (keyof typeof R)[]) expect(typeof W[k]).toBe('function');
    expect(W.decimate2).toBe(R.decimate2);
    expect(W.nccMap).not.toBe(R.nccMap);
  });
});

describe('gaussianBlur (bit-identical)', () => {
  const imgs = images();
  for (const ksize of [1, 3, 5, 7, 9, 11, 15]) {
    it(`ksize ${ksize}, all sizes and channel counts`, () => {
      for (const { name, img } of imgs) expectIdentical(R.gaussianBlur(img, ksize), inst.gaussianBlur(img, ksize), `${name} k${ksize}`);
    });
  }
  it('gaussianBlurSigma', () => {
    for (const { name, img } of imgs.slice(0, 12)) {
      for (const s of [0.4, 1, 2.3]) expectIdentical(R.gaussianBlurSigma(img, s), inst.gaussianBlurSigma(img, s), `${name} σ${s}`);
    }
  });
  it('a full 1280x960 frame', () => {
    const img = randomImage(1280, 960, 99);
    expectIdentical(R.gaussianBlur(img, 7), W.gaussianBlur(img, 7), '1280x960');
  });
  it('rejects what the reference rejects, with the same message', () => {
    const img = randomImage(4, 4, 1);
    for (const k of [0, 2, -3, 3.5]) {
      expect(() => inst.gaussianBlur(img, k)).toThrow(/positive odd integer/);
    }
    expect(() => inst.gaussianBlurSigma(img, 0)).toThrow();
  });
  it('does not modify its input', () => {
    const img = randomFloatImage(31, 17, 5, 3);
    const copy = Float32Array.from(img.data);
    inst.gaussianBlur(img, 7);
    expect(compare(img.data, copy).differ).toBe(0);
  });
});

describe('gaussianBlurF32 (float32 first-pass blur, bit-identical)', () => {
  it('all sizes and channel counts, ksize 3, 7, 11', () => {
    const imgs = images();
    for (const ksize of [3, 7, 11]) {
      for (const { name, img } of imgs) expectIdentical(R.gaussianBlurF32(img, ksize), inst.gaussianBlurF32(img, ksize), `${name} k${ksize}`);
    }
  });
  it('stays within a few float32 ulps of the float64 blur (≤ ±1 level once rounded to 16 bit)', () => {
    const img = texture(301, 203, 9);
    const a = R.gaussianBlur(img, 7).data, b = R.gaussianBlurF32(img, 7).data;
    let maxRel = 0, roundDiff = 0;
    for (let i = 0; i < a.length; i++) {
      maxRel = Math.max(maxRel, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
      const d = Math.abs(Math.round(a[i]) - Math.round(b[i]));
      expect(d).toBeLessThanOrEqual(1);
      roundDiff += d;
    }
    expect(maxRel).toBeLessThan(1e-6);
    expect(roundDiff / a.length).toBeLessThan(0.05);
  });
});

describe('laplacian3x3 (bit-identical)', () => {
  it('all sizes and channel counts', () => {
    for (const { name, img } of images()) expectIdentical(R.laplacian3x3(img), inst.laplacian3x3(img), name);
  });
});

describe('non-finite samples propagate as in the reference', () => {
  it('NaN and ±Infinity in blur and Laplacian inputs', () => {
    for (const C of [1, 3] as const) {
      const img = randomFloatImage(23, 19, 40 + C, C);
      img.data[5] = NaN;
      img.data[100] = Infinity;
      img.data[img.data.length - 7] = -Infinity;
      for (const k of [3, 7]) expectIdentical(R.gaussianBlur(img, k), inst.gaussianBlur(img, k), `blur C${C} k${k}`);
      expectIdentical(R.laplacian3x3(img), inst.laplacian3x3(img), `lap C${C}`);
    }
  });
});

describe('memory', () => {
  it('an allocation the 32-bit memory cannot hold throws WasmMemoryError (instance stays usable)', () => {
    const w = createWasmInstance()!;
    w.reset();
    expect(() => w.alloc(5 * 2 ** 30)).toThrow(WasmMemoryError);
    const img = randomImage(9, 8, 2);
    expectIdentical(R.gaussianBlur(img, 3), w.gaussianBlur(img, 3), 'after failed grow');
  });
  it('withFallback uses the reference kernel on WasmMemoryError only', () => {
    const seen: string[] = [];
    const f = withFallback<[number], number>(() => inst, () => { throw new WasmMemoryError('too big'); }, (x: number) => x + 1, (e) => seen.push(e.message));
    expect(f(1)).toBe(2);
    expect(seen).toEqual(['too big']);
    const g = withFallback(() => inst, () => { throw new Error('bug'); }, () => 0);
    expect(() => g()).toThrow('bug');
    const k = createWasmKernels(() => null);
    const img = randomImage(9, 8, 3);
    expectIdentical(R.gaussianBlur(img, 5), k.gaussianBlur(img, 5), 'no instance → reference');
  });
  it('memory grows to the largest call and is reused (no growth on repeated calls)', () => {
    const w = createWasmInstance()!;
    const img = randomImage(300, 200, 4);
    w.gaussianBlur(img, 7);
    const after = w.memoryBytes;
    for (let i = 0; i < 3; i++) w.gaussianBlur(img, 7);
    w.nccMap(R.crop(img, 0, 50, 0, 60), R.crop(img, 5, 40, 5, 50));
    expect(w.memoryBytes).toBe(after);
  });
});

describe('blurStrided (bit-identical)', () => {
  it('random rectangles, steps 1–3, 1 and 3 channels', () => {
    let seed = 7;
    for (const C of [1, 3] as const) {
      const img = randomFloatImage(64, 47, seed++, C);
      for (const step of [1, 2, 3]) {
        for (const [y0, y1, x0, x1] of [[0, 47, 0, 64], [3, 40, 5, 60], [10, 11, 20, 21], [1, 8, 2, 5], [0, 47, 63, 64]]) {
          for (const k of [3, 7]) {
            expectIdentical(
              R.blurStrided(img, y0, y1, x0, x1, step, k), inst.blurStrided(img, y0, y1, x0, x1, step, k),
              `C${C} [${y0},${y1})x[${x0},${x1}) step ${step} k${k}`,
            );
          }
        }
      }
    }
  });
  it('rejects bad rectangles with the reference message', () => {
    const img = randomImage(10, 10, 3);
    for (const r of [[0, 11, 0, 5], [5, 5, 0, 5], [-1, 3, 0, 3], [0, 3, 0, 3.5]]) {
      const [y0, y1, x0, x1] = r;
      let refMsg = '';
      try { R.blurStrided(img, y0, y1, x0, x1, 2, 3); } catch (e) { refMsg = (e as Error).message; }
      expect(refMsg).not.toBe('');
      expect(() => inst.blurStrided(img, y0, y1, x0, x1, 2, 3)).toThrow(refMsg);
    }
  });
});

describe('nccMap', () => {
  const cases: [number, number, number, number][] = []; // window w, h, template w, h
  for (const [ww, wh] of [[9, 9], [16, 11], [31, 20], [64, 48]]) {
    for (const [tw, th] of [[1, 1], [2, 3], [3, 2], [5, 5], [6, 7], [7, 4], [8, 8], [9, 9]]) {
      if (tw <= ww && th <= wh) cases.push([ww, wh, tw, th]);
    }
  }
  cases.push([13, 9, 13, 9], [40, 1, 7, 1], [1, 40, 1, 9], [100, 60, 61, 29]);

  it('float64 cross term (default): |Δ| ≤ 1e-6, every window/template shape', () => {
    let seed = 11;
    let differing = 0;
    for (const [ww, wh, tw, th] of cases) {
      for (const kind of ['int', 'float'] as const) {
        const win = kind === 'int' ? randomImage(ww, wh, seed++) : randomFloatImage(ww, wh, seed++, 1, 0, 65535);
        const tpl = kind === 'int' ? randomImage(tw, th, seed++) : randomFloatImage(tw, th, seed++, 1, 0, 65535);
        const a = R.nccMap(win, tpl);
        const b = inst.nccMap(win, tpl);
        expect([b.width, b.height]).toEqual([a.width, a.height]);
        const c = compare(a.data, b.data);
        expect(c.maxAbs, `${ww}x${wh} / ${tw}x${th} ${kind}`).toBeLessThanOrEqual(1e-6);
        differing += c.differ;
      }
    }
    // Only the summation order differs (≈1e-16 relative); after rounding to float32 nothing should.
    expect(differing).toBe(0);
  });

  it("float32 cross term ('f32'): |Δ| ≤ 1e-5", () => {
    let seed = 21;
    for (const [ww, wh, tw, th] of cases) {
      const win = randomFloatImage(ww, wh, seed++, 1, 0, 65535);
      const tpl = randomFloatImage(tw, th, seed++, 1, 0, 65535);
      const c = compare(R.nccMap(win, tpl).data, inst.nccMap(win, tpl, 'f32').data);
      expect(c.maxAbs, `${ww}x${wh} / ${tw}x${th}`).toBeLessThanOrEqual(1e-5);
    }
  });

  it('identical argmax on textured data (MLC-like sizes), at the planted offset', () => {
    let seed = 31;
    for (const [tw, th, r] of [[210, 158, 15], [48, 48, 4], [24, 24, 5], [33, 17, 6], [420, 316, 4]]) {
      const frame = texture(tw + 2 * r + 20, th + 2 * r + 20, seed++);
      const win = R.crop(frame, 10, 10 + th + 2 * r, 10, 10 + tw + 2 * r);
      const dy = (seed * 7) % (2 * r + 1);
      const dx = (seed * 3) % (2 * r + 1);
      const tpl = R.crop(win, dy, dy + th, dx, dx + tw);
      const a = R.nccMap(win, tpl);
      for (const prec of ['f64', 'f32'] as const) {
        const b = inst.nccMap(win, tpl, prec);
        const ma = R.argmax(a);
        const mb = R.argmax(b);
        expect([mb.y, mb.x], `${tw}x${th} ${prec}`).toEqual([ma.y, ma.x]);
        expect([mb.y, mb.x]).toEqual([dy, dx]);
      }
      expect(compare(a.data, inst.nccMap(win, tpl).data).differ).toBe(0);
    }
  });

  it('edge values: zero-energy windows give 0, constant images give 1', () => {
    const zero = createImage(12, 9, 1);
    const tpl = randomImage(5, 4, 3);
    expect(Array.from(inst.nccMap(zero, tpl).data).every((v) => v === 0)).toBe(true);
    const c = createImage(12, 9, 1, new Float32Array(108).fill(1234));
    const t = createImage(5, 4, 1, new Float32Array(20).fill(77));
    expect(compare(R.nccMap(c, t).data, inst.nccMap(c, t).data).differ).toBe(0);
    expect(inst.nccMap(c, t).data[0]).toBe(1);
  });

  it('rejects what the reference rejects', () => {
    const win = randomImage(8, 8, 1);
    expect(() => inst.nccMap(win, randomImage(9, 3, 2))).toThrow(/larger than the window/);
    expect(() => inst.nccMap(randomImage(8, 8, 1, 3), randomImage(3, 3, 2))).toThrow(/single-channel/);
  });
});

describe('wasmKernels through setKernels', () => {
  afterAll(() => setKernels(R));
  it('the installed kernels give the same results as the instance', () => {
    setKernels(W);
    const img = randomImage(37, 23, 8);
    expectIdentical(R.gaussianBlur(img, 5), getKernels().gaussianBlur(img, 5), 'blur');
    expectIdentical(R.laplacian3x3(img), getKernels().laplacian3x3(img), 'lap');
  });
});

describe('correlateWindow (MLC phases: cut, optional blur, float32 cross term)', () => {
  it('agrees with the reference within 1e-5 and finds the same optimum, for float and 16-bit frames', () => {
    let seed = 41;
    // [window box h, w, step, ksize, template w, h]: MLC phase 1 (step 2, blurred) and phase 2 (step 1)
    for (const [bh, bw, step, ksize, tw, th] of [
      [380, 482, 2, 7, 211, 160], [333, 430, 1, 0, 422, 325], [68, 68, 2, 7, 24, 24], [56, 56, 1, 0, 48, 48],
      [21, 17, 2, 3, 5, 4], [9, 9, 1, 5, 9, 9],
    ]) {
      const frame = texture(bw + 40, bh + 30, seed++);
      const u16 = { width: frame.width, height: frame.height, data: Uint16Array.from(frame.data, (v) => Math.max(0, Math.min(65535, Math.round(v)))) };
      const asFloat = { width: frame.width, height: frame.height, channels: 1 as const, data: Float32Array.from(u16.data) };
      const y0 = 13, x0 = 21;
      const tpl = R.crop(asFloat, y0 + 3, y0 + 3 + th, x0 + 5, x0 + 5 + tw);
      for (const f of [u16, asFloat]) {
        const a = R.correlateWindow(f, y0, y0 + bh, x0, x0 + bw, step, ksize, tpl);
        const b = inst.correlateWindow(f, y0, y0 + bh, x0, x0 + bw, step, ksize, tpl);
        const what = `${bw}x${bh} step ${step} k ${ksize} / ${tw}x${th} ${f.data.constructor.name}`;
        expect([b.width, b.height], what).toEqual([a.width, a.height]);
        expect(compare(a.data, b.data).maxAbs, what).toBeLessThanOrEqual(1e-5);
        const ma = R.argmax(a), mb = R.argmax(b);
        expect([mb.y, mb.x], what).toEqual([ma.y, ma.x]);
      }
      // the reference is exactly nccMap of the cut (and blurred) window
      const win = ksize > 0 ? R.blurStrided(asFloat, y0, y0 + bh, x0, x0 + bw, step, ksize) : R.cropStrided(asFloat, y0, y0 + bh, x0, x0 + bw, step);
      expect(compare(R.nccMap(win, tpl).data, R.correlateWindow(u16, y0, y0 + bh, x0, x0 + bw, step, ksize, tpl).data).differ).toBe(0);
    }
  });

  it('rejects bad windows and templates like the reference', () => {
    const f = { width: 20, height: 20, data: new Uint16Array(400) };
    const tpl = randomImage(5, 5, 1);
    expect(() => inst.correlateWindow(f, -1, 10, 0, 10, 1, 0, tpl)).toThrow(/outside|empty/);
    expect(() => R.correlateWindow(f, -1, 10, 0, 10, 1, 0, tpl)).toThrow(/outside|empty/);
    expect(() => inst.correlateWindow(f, 0, 4, 0, 10, 1, 0, tpl)).toThrow(/larger than the window/);
    expect(() => inst.correlateWindow({ width: 20, height: 20, data: new Uint16Array(10) }, 0, 10, 0, 10, 1, 0, tpl)).toThrow(/single-channel/);
  });
});

describe('correlateWindow with the row helper thread (kernels-mt.wasm on a shared memory)', () => {
  it('gives the same maps, bit for bit, as one thread; a failing helper falls back to one thread', async () => {
    const mt = correlateWasmInstance();
    expect(mt).not.toBeNull();
    const t0 = Date.now();
    while (!rowHelperActive() && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(rowHelperActive()).toBe(true);
    const frame = texture(1000, 700, 5);
    const u16 = { width: frame.width, height: frame.height, data: Uint16Array.from(frame.data, (v) => Math.max(0, Math.min(65535, Math.round(v)))) };
    const cases: [number, number, number, number, number, number, number][] = [
      // y0, y1, x0, x1, step, ksize, template size — Align's phases (split) and an AP's (not split)
      [100, 480, 150, 632, 2, 7, 0], [120, 445, 170, 600, 1, 0, 1], [300, 368, 300, 368, 2, 7, 2], [310, 366, 310, 366, 1, 0, 3],
    ];
    const sizes = [[211, 160], [422, 317], [24, 24], [48, 48]];
    for (const [y0, y1, x0, x1, step, ksize, s] of cases) {
      const [tw, th] = sizes[s];
      const tpl = R.crop({ ...u16, channels: 1, data: Float32Array.from(u16.data) }, y0 + 4, y0 + 4 + th, x0 + 3, x0 + 3 + tw);
      const a = inst.correlateWindow(u16, y0, y1, x0, x1, step, ksize, tpl);
      const b = mt!.correlateWindow(u16, y0, y1, x0, x1, step, ksize, tpl);
      expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer)), `${x1 - x0}x${y1 - y0} step ${step}`).toBe(true);
    }
    const [y0, y1, x0, x1, step, ksize] = cases[0];
    const tpl = R.crop({ ...u16, channels: 1, data: Float32Array.from(u16.data) }, y0 + 4, y0 + 164, x0 + 3, x0 + 214);
    const ref = inst.correlateWindow(u16, y0, y1, x0, x1, step, ksize, tpl);
    const helper = (mt as unknown as { splitter: unknown }).splitter;
    try {
      mt!.attachRowSplitter(FAILING_HELPER);
      expect(Buffer.from(mt!.correlateWindow(u16, y0, y1, x0, x1, step, ksize, tpl).data.buffer).equals(Buffer.from(ref.data.buffer))).toBe(true);
    } finally {
      mt!.attachRowSplitter(helper as Parameters<WasmKernelInstance["attachRowSplitter"]>[0]);
    }
  });
});

describe('quantizeU16 (bit-identical)', () => {
  it('ties to even, clamps, NaN and negatives to 0, in place or into a new array', () => {
    const r = rng(11);
    const v = new Float32Array(20011);
    for (let i = 0; i < v.length; i++) v[i] = (r() - 0.1) * 70000;
    v.set([0.5, 1.5, 2.5, -0.5, -0, 65534.5, 65535, 65535.4, 70000, NaN, Infinity, -Infinity, 1e-30, 3.4999998, 7.5000005], 0);
    for (let i = 100; i < 400; i++) v[i] = Math.floor(r() * 65600) + 0.5; // exact ties
    const img = createImage(v.length, 1, 1, v);
    const a = R.quantizeU16(img);
    const b = inst.quantizeU16(img);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    const copy = Float32Array.from(v);
    const c = inst.quantizeU16(createImage(v.length, 1, 1, copy), copy);
    expect(c.data).toBe(copy);
    expect(Buffer.from(copy.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(Array.from(a.data.subarray(0, 15))).toEqual([0, 2, 2, 0, 0, 65534, 65535, 65535, 65535, 0, 65535, 0, 0, 3, 8]);
  });
});

describe('rgbToMono16 (stored RGB to the stored mono frame, bit-identical)', () => {
  it('8- and 16-bit samples, every pixel count (SIMD steps and the scalar tail), into a given array or a new one', () => {
    const r = rng(23);
    for (const n of [1, 2, 5, 6, 7, 9, 10, 101, 4099]) {
      const u8 = Uint8Array.from({ length: 3 * n }, () => Math.floor(r() * 256));
      u8.set([255, 255, 255, 0, 0, 0].slice(0, Math.min(6, 3 * n)));
      const u16 = Uint16Array.from({ length: 3 * n }, () => Math.floor(r() * 65536));
      for (const [rgb, scale] of [[u8, 256], [u16, 1], [u16, 16]] as const) {
        const a = R.rgbToMono16(rgb, scale);
        const b = inst.rgbToMono16(rgb, scale);
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), `n=${n} scale=${scale}`).toBe(true);
        const into = new Uint16Array(n);
        expect(inst.rgbToMono16(rgb, scale, into)).toBe(into);
        expect(Buffer.from(into.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      }
    }
    expect(() => inst.rgbToMono16(new Uint8Array(6), 256, new Uint16Array(3))).toThrow(/RGB pixels/);
  });
});

describe('accumulateShiftedStored (Mean: sub-pixel accumulation of stored frames, bit-identical)', () => {
  it('8- and 16-bit frames, fractional and whole-pixel shifts, windows at the borders', () => {
    const r = rng(5);
    const W = 211, H = 157;
    const u8 = Uint8Array.from({ length: W * H }, () => Math.floor(r() * 256));
    const u16 = Uint16Array.from({ length: W * H }, () => Math.floor(r() * 65536));
    const cases: [number, number, number, number, number, number][] = [
      // y0, x0, h, w, dy, dx
      [3, 4, 140, 190, -0.37, 0.61], [0, 0, 157, 211, 0.25, -0.75], [10, 7, 120, 180, 0, 0.5], [2, 9, 100, 150, -1.3, 2.45],
      [5, 5, 100, 100, 0.5, 0], [0, 0, 157, 211, 0, 0], [12, 0, 60, 211, -3.99, 5.01],
    ];
    for (const [stored, scale] of [[u8, 256], [u16, 1]] as const) {
      for (const [y0, x0, h, w, dy, dx] of cases) {
        const frame = { width: W, height: H, stored, scale };
        const a = createImage(w, h, 1, Float32Array.from({ length: w * h }, () => r() * 1000));
        const b = createImage(w, h, 1, Float32Array.from(a.data));
        R.accumulateShiftedStored(a, frame, y0, x0, dy, dx);
        inst.accumulateShiftedStored(b, frame, y0, x0, dy, dx);
        expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer)), `${stored.BYTES_PER_ELEMENT * 8}-bit ${[y0, x0, h, w, dy, dx]}`).toBe(true);
      }
    }
    // the reference itself: the float frame's accumulateShiftedWindow
    const frame = { width: W, height: H, stored: u8, scale: 256 };
    const a = createImage(150, 100, 1);
    const b = createImage(150, 100, 1);
    R.accumulateShiftedStored(a, frame, 2, 9, -1.3, 2.45);
    R.accumulateShiftedWindow(b, createImage(W, H, 1, Float32Array.from(u8, (v) => v * 256)), 2, 9, -1.3, 2.45);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});

describe('pngScanlinesUp16 (PNG output rows: the same bytes)', () => {
  it('floats (clipped, rounded half up, NaN → 0) and 16-bit samples', () => {
    const r = rng(21);
    const [row, rows] = [333, 47];
    const f = Float32Array.from({ length: row * rows }, () => (r() - 0.05) * 70000);
    f.set([0.5, 1.5, 0.49999997, 65534.5, 65535, 1e9, -3, NaN, Infinity, -Infinity, 2.5000002], 5);
    const a = R.pngScanlinesUp16(f, row, rows);
    const b = inst.pngScanlinesUp16(f, row, rows);
    expect(b.length).toBe(rows * (2 * row + 1));
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    const u = Uint16Array.from({ length: row * rows }, () => Math.floor(r() * 65536));
    expect(Buffer.from(inst.pngScanlinesUp16(u, row, rows)).equals(Buffer.from(R.pngScanlinesUp16(u, row, rows)))).toBe(true);
    // the first row is unfiltered, the rest "Up"; 0.5 rounds up, 0.49999997 down
    expect([a[0], a[2 * row + 1]]).toEqual([0, 2]);
    expect([a[1 + 10], a[1 + 11], a[1 + 14], a[1 + 15]]).toEqual([0, 1, 0, 0]);
  });
});

describe('rectSums8 (LocalRank statistics)', () => {
  it('equals the reference sums exactly, for narrow, wide and odd rectangles', () => {
    let seed = 77;
    for (const [w, h] of [[5, 3], [37, 29], [640, 480], [5000, 3]]) {
      const r = rng(seed++);
      const img = { width: w, height: h, data: Uint8Array.from({ length: w * h }, () => Math.floor(r() * 256)) };
      const rects: number[] = [0, h, 0, w];
      for (let k = 0; k < 40; k++) {
        const y0 = Math.floor(r() * h), x0 = Math.floor(r() * w);
        rects.push(y0, y0 + 1 + Math.floor(r() * (h - y0)), x0, x0 + 1 + Math.floor(r() * (w - x0)));
      }
      const rr = Int32Array.from(rects);
      expect(Array.from(inst.rectSums8(img, rr)), `${w}x${h}`).toEqual(Array.from(R.rectSums8(img, rr)));
    }
    const all255 = { width: 4100, height: 2, data: new Uint8Array(8200).fill(255) };
    expect(Array.from(inst.rectSums8(all255, Int32Array.from([0, 2, 0, 4100])))).toEqual([255 * 8200, 255 * 255 * 8200]);
  });
  it('rejects rectangles outside the plane', () => {
    const img = { width: 10, height: 10, data: new Uint8Array(100) };
    expect(() => inst.rectSums8(img, Int32Array.from([0, 11, 0, 5]))).toThrow(/outside/);
    expect(() => R.rectSums8(img, Int32Array.from([0, 11, 0, 5]))).toThrow(/outside/);
  });
});
