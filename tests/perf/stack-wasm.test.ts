/**
 * The WebAssembly Stack accumulation (assembly/kernels.ts `stackAccumulate`, used by
 * `accumulatePatch` when the wasm kernels are enabled) against the TypeScript path
 * (`accumulatePatchTS`): bit-identical (0 differing samples) for every interpolation, drizzle
 * factor, channel count, patch clipped at the borders, with and without ramp weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKernels, referenceKernels, setKernels } from '../../src/image/kernels.ts';
import { createWasmInstance, enableWasmKernels, stackWasmInstance, wasmKernels, wasmKernelsEnabled } from '../../src/image/wasm/node.ts';
import type { Image } from '../../src/image/image.ts';
import {
  accumulateFrame, accumulatePatch, accumulatePatchTS, axisTaps, beginAccumulation, endAccumulation, rampWeights, type SampleMode,
  storedFramesAccumulateInWasm, type FramePatch, type StoredFrame,
} from '../../src/nodes/lib/stack-sample.ts';
import { rng } from '../image/helpers.ts';
import { compare, counting, ensureWasmBuilt, FAILING_HELPER, randomFloatImage, withReadyHelper } from './setup.ts';

const before = getKernels();
beforeAll(() => {
  ensureWasmBuilt();
  expect(enableWasmKernels()).toBe(true);
});
afterAll(() => setKernels(before));

/** A float frame as the frame store keeps it: 8-bit samples (float = sample · 256) or 16-bit ones. */
function storedOf(F: Image, eight: boolean): StoredFrame {
  const { width, height, channels } = F;
  return eight
    ? { width, height, channels, stored: Uint8Array.from(F.data, (v) => Math.max(0, Math.min(255, Math.round(v / 256)))), scale: 256 }
    : { width, height, channels, stored: Uint16Array.from(F.data, (v) => Math.max(0, Math.min(65535, Math.round(v)))), scale: 1 };
}

/** The float frame a StoredFrame stands for. */
function floatOf(s: StoredFrame): Image {
  return { width: s.width, height: s.height, channels: s.channels, data: Float32Array.from(s.stored, (v) => v * s.scale) };
}

/** Random patches (some reaching the borders, some shifted far outside the frame) of 3 frames. */
function scenario(mode: SampleMode, D: number, C: 1 | 3, W = 53, H = 41) {
  const r = rng(7 + D * 10 + C);
  const frames = [0, 1, 2].map((k) => randomFloatImage(W, H, 100 + k + D * 7 + C, C, -100, 70000));
  const wD = W * D, hD = H * D;
  const calls: { F: Image; args: Parameters<typeof accumulatePatchTS> extends [unknown, unknown, unknown, ...infer R] ? R : never }[] = [];
  for (const F of frames) {
    for (let p = 0; p < 12; p++) {
      const py0 = Math.floor(r() * (H - 4)), py1 = Math.min(H, py0 + 3 + Math.floor(r() * 24));
      const px0 = Math.floor(r() * (W - 4)), px1 = Math.min(W, px0 + 3 + Math.floor(r() * 24));
      const y0 = py0 * D, y1 = py1 * D, x0 = px0 * D, x1 = px1 * D;
      const off = (s: number) => (r() - 0.5) * s;
      const dy = p % 5 === 0 ? off(60) : off(6), dx = p % 7 === 0 ? off(80) : off(6);
      const ly = p % 3 === 0 ? 0 : off(3), lx = p % 4 === 0 ? Math.round(off(3)) : off(3);
      const ty = axisTaps(y1 - y0, y0, H, D, dy, ly, mode);
      const tx = axisTaps(x1 - x0, x0, W, D, dx, lx, mode);
      const weighted = p % 2 === 0;
      const wy = weighted ? rampWeights(y0, y1, Math.floor((y0 + y1) / 2), hD) : null;
      const wx = weighted ? rampWeights(x0, x1, Math.floor((x0 + x1) / 2), wD) : null;
      const scale = p % 3 === 1 ? 1 : 0.5 + r();
      calls.push({ F, args: [ty, tx, y0, x0, wy, wx, scale] });
    }
  }
  return { calls, wD, hD, len: wD * hD * C };
}

describe('stack accumulation (wasm), bound accumulator', () => {
  it('beginAccumulation/endAccumulation: bit-identical, with a second (unbound) accumulator interleaved', () => {
    for (const mode of ['cubic', 'bilinear', 'integer'] as SampleMode[]) {
      for (const [D, C] of [[1, 1], [2, 1], [1, 3], [3, 3]] as [number, 1 | 3][]) {
        const sc = scenario(mode, D, C);
        const a = new Float32Array(sc.len).fill(3.25);
        const b = a.slice();
        const a2 = new Float32Array(sc.len);
        const b2 = new Float32Array(sc.len);
        beginAccumulation(a);
        for (const { F, args } of sc.calls) {
          accumulatePatch(a, sc.wD, F, ...args);
          accumulatePatch(a2, sc.wD, F, ...args);
          accumulatePatchTS(b, sc.wD, F, ...args);
          accumulatePatchTS(b2, sc.wD, F, ...args);
        }
        endAccumulation(a);
        expect(compare(a, b), `${mode} D=${D} C=${C}`).toEqual({ differ: 0, maxAbs: 0 });
        expect(compare(a2, b2), `${mode} D=${D} C=${C} (unbound)`).toEqual({ differ: 0, maxAbs: 0 });
      }
    }
  });

  it('turning the wasm kernels off mid-run copies the bound sums back first', () => {
    const sc = scenario('cubic', 1, 1);
    const a = new Float32Array(sc.len);
    const b = new Float32Array(sc.len);
    beginAccumulation(a);
    sc.calls.forEach(({ F, args }, k) => {
      if (k === 10) setKernels(referenceKernels);
      accumulatePatch(a, sc.wD, F, ...args);
      accumulatePatchTS(b, sc.wD, F, ...args);
    });
    endAccumulation(a);
    setKernels(wasmKernels);
    expect(compare(a, b)).toEqual({ differ: 0, maxAbs: 0 });
  });
});

describe('stack accumulation (wasm)', () => {
  it('is used when the wasm kernels are enabled', () => {
    expect(wasmKernelsEnabled()).toBe(true);
    expect(stackWasmInstance()?.hasStackAccumulate).toBe(true);
  });

  for (const mode of ['cubic', 'bilinear', 'integer'] as SampleMode[]) {
    for (const D of [1, 2, 3]) {
      for (const C of [1, 3] as const) {
        it(`${mode}, D=${D}, C=${C}: bit-identical with the TypeScript path`, () => {
          const sc = scenario(mode, D, C);
          const a = new Float32Array(sc.len);
          const b = new Float32Array(sc.len);
          let calls = 0;
          for (const { F, args } of sc.calls) {
            accumulatePatch(a, sc.wD, F, ...args);
            accumulatePatchTS(b, sc.wD, F, ...args);
            const [ty, tx] = args;
            if (ty.end > ty.first && tx.end > tx.first) calls++;
          }
          expect(calls).toBeGreaterThan(10);
          expect(compare(a, b)).toEqual({ differ: 0, maxAbs: 0 });
          expect(a.some((v) => v !== 0)).toBe(true);
        });
      }
    }
  }

  it('a different frame (new array) is copied in before use', () => {
    const W = 20, H = 16;
    const F = randomFloatImage(W, H, 5, 1);
    const G = { ...F, data: F.data.slice() };
    G.data.fill(1000);
    const ty = axisTaps(8, 4, H, 1, 0.25, 0, 'cubic');
    const tx = axisTaps(8, 4, W, 1, -0.25, 0, 'cubic');
    const a = new Float32Array(W * H);
    const b = new Float32Array(W * H);
    accumulatePatch(a, W, F, ty, tx, 4, 4, null, null, 1);
    accumulatePatch(a, W, G, ty, tx, 4, 4, null, null, 1);
    accumulatePatchTS(b, W, F, ty, tx, 4, 4, null, null, 1);
    accumulatePatchTS(b, W, G, ty, tx, 4, 4, null, null, 1);
    expect(compare(a, b)).toEqual({ differ: 0, maxAbs: 0 });
    stackWasmInstance()?.stackRelease();
  });
});

describe('stack accumulation from stored 8/16-bit frames (widened in wasm)', () => {
  for (const bits of [8, 16] as const) {
    for (const C of [1, 3] as const) {
      it(`${bits}-bit, C=${C}: bit-identical with the TypeScript path on the float frame`, () => {
        expect(storedFramesAccumulateInWasm()).toBe(true);
        const W = 61, H = 37; // odd sizes: the SIMD loops' tails run too
        const r = rng(bits + C);
        const n = W * H * C;
        const stored = bits === 8 ? new Uint8Array(n) : new Uint16Array(n);
        for (let k = 0; k < n; k++) stored[k] = Math.floor(r() * (bits === 8 ? 256 : 65536));
        const scale = bits === 8 ? 256 : 1;
        const F: StoredFrame = { width: W, height: H, channels: C, stored, scale };
        const asFloat: Image = { width: W, height: H, channels: C, data: Float32Array.from(stored, (v) => v * scale) };
        const a = new Float32Array(W * H * C), b = new Float32Array(W * H * C);
        for (let p = 0; p < 8; p++) {
          const ty = axisTaps(H - 2 * p, p, H, 1, (r() - 0.5) * 4, (r() - 0.5) * 2, 'cubic');
          const tx = axisTaps(W - 3 * p, p, W, 1, (r() - 0.5) * 4, (r() - 0.5) * 2, 'cubic');
          accumulatePatch(a, W, F, ty, tx, p, p, null, null, 1.25);
          accumulatePatchTS(b, W, asFloat, ty, tx, p, p, null, null, 1.25);
        }
        expect(compare(a, b).differ).toBe(0);
      });
    }
  }
});

describe('accumulateFrame (one wasm call per frame, taps computed in wasm)', () => {
  it('bit-identical sums and borders with axisTaps + accumulatePatchTS per patch, every mode, drizzle, channels, a second accumulator', () => {
    // (count the one-call-per-frame path, so that a silent fallback to the per-patch path fails the test)
    const inst = stackWasmInstance()!;
    expect(inst.hasStackRecords).toBe(true);
    const orig = inst.stackFrameRecords.bind(inst);
    let calls = 0;
    inst.stackFrameRecords = (...a: Parameters<typeof orig>) => { calls++; return orig(...a); };
    for (const mode of ['cubic', 'bilinear', 'integer'] as SampleMode[]) {
      for (const [D, C] of [[1, 1], [2, 1], [3, 1], [1, 3], [2, 3]] as [number, 1 | 3][]) {
        const r = rng(11 + D * 5 + C);
        const W = 61, H = 47, wD = W * D, hD = H * D;
        const frames = [0, 1, 2].map((k) => randomFloatImage(W, H, 200 + k + D * 3 + C, C, -100, 70000));
        // 16-bit samples, or 8-bit ones (float = sample · 256): the records read them as stored
        const eight = (D + C) % 2 === 0;
        const stored = frames.map((F) => storedOf(F, eight));
        const floats = stored.map(floatOf);
        const ramps = Array.from({ length: 6 }, (_, a) => {
          const y0 = (a * 5) * D, y1 = Math.min(hD, y0 + (18 + a) * D), x0 = (a * 7) * D, x1 = Math.min(wD, x0 + (20 + a) * D);
          return { y0, y1, x0, x1, wy: rampWeights(y0, y1, Math.floor((y0 + y1) / 2), hD), wx: rampWeights(x0, x1, Math.floor((x0 + x1) / 2), wD) };
        });
        const acc = new Float32Array(wD * hD * C), bg = new Float32Array(W * H * C);
        const accRef = acc.slice(), bgRef = bg.slice();
        const clips = new Int32Array(4), clipsRef = new Int32Array(4);
        beginAccumulation(acc, { accumulators: [bg], tables: ramps.flatMap((p) => [p.wy, p.wx]) });
        try {
          for (let f = 0; f < 3; f++) {
            const patches: FramePatch[] = [];
            for (const p of ramps) {
              const far = r() < 0.2 ? 40 : 4;
              patches.push({
                acc, accWidth: wD, y0: p.y0, lenY: p.y1 - p.y0, x0: p.x0, lenX: p.x1 - p.x0, D,
                offY: (r() - 0.5) * far, locY: (r() - 0.5) * 3, offX: (r() - 0.5) * far, locX: (r() - 0.5) * 3,
                wy: p.wy, wx: p.wx, scale: 0.5 + r(), track: true,
              });
            }
            for (const [y, x0, x1] of [[0, 0, W], [5, 3, 20], [H - 1, 10, W], [20, 0, 1]]) {
              patches.push({ acc: bg, accWidth: W, y0: y, lenY: 1, x0, lenX: x1 - x0, D: 1, offY: (r() - 0.5) * 6, locY: 0, offX: (r() - 0.5) * 6, locX: 0, wy: null, wx: null, scale: 1, track: false });
            }
            accumulateFrame(stored[f], patches, mode, clips);
            // the reference: per patch, in TypeScript
            for (const p of patches) {
              const ty = axisTaps(p.lenY, p.y0, H, p.D, p.offY, p.locY, mode);
              const tx = axisTaps(p.lenX, p.x0, W, p.D, p.offX, p.locX, mode);
              if (p.track) {
                clipsRef[0] = Math.max(clipsRef[0], ty.clipLo); clipsRef[1] = Math.max(clipsRef[1], ty.clipHi);
                clipsRef[2] = Math.max(clipsRef[2], tx.clipLo); clipsRef[3] = Math.max(clipsRef[3], tx.clipHi);
              }
              accumulatePatchTS(p.acc === acc ? accRef : bgRef, p.accWidth, floats[f], ty, tx, p.y0, p.x0, p.wy, p.wx, p.scale);
            }
          }
        } finally {
          endAccumulation(acc);
        }
        const what = `${mode} D${D} C${C}`;
        expect(compare(acc, accRef), what).toEqual({ differ: 0, maxAbs: 0 });
        expect(compare(bg, bgRef), what).toEqual({ differ: 0, maxAbs: 0 });
        expect(Array.from(clips), what).toEqual(Array.from(clipsRef));
        expect(acc.some((v) => v !== 0) && bg.some((v) => v !== 0), what).toBe(true);
      }
    }
    expect(calls).toBe(3 * 3 * 5);
    inst.stackFrameRecords = orig;
  });
});

describe('accumulateFrame split by accumulator rows with the helper thread', () => {
  it('the same sums and borders as the TypeScript reference, every mode, drizzle 1/2, mono and colour, 8- and 16-bit samples, also when the helper fails', async () => {
    const { inst, real } = await withReadyHelper(stackWasmInstance()!);
    const jobs = counting(real, 'startStackRecords');
    const r = rng(77);
    try {
      for (const helper of [jobs.splitter, FAILING_HELPER]) {
        inst.attachRowSplitter(helper);
        for (const mode of ['cubic', 'bilinear', 'integer'] as SampleMode[]) {
          for (const [D, C] of [[1, 1], [2, 1], [1, 3], [2, 3]] as [number, 1 | 3][]) {
            // big enough to split (≥ 64 rows, ≥ 200k target samples): patches overlapping the middle row
            const W = 300, H = 240, wD = W * D, hD = H * D;
            const F = randomFloatImage(W, H, 300 + D + C, C, -100, 70000);
            // 16-bit samples, or 8-bit ones (the float frame = sample · 256), read by the records as stored
            const eight = (D + C) % 2 === 0;
            const stored = storedOf(F, eight);
            const float = floatOf(stored);
            const ramps = Array.from({ length: 20 }, (_, a) => {
              const y0 = (a * 7) * D, y1 = Math.min(hD, y0 + 100 * D), x0 = ((a * 37) % 180) * D, x1 = Math.min(wD, x0 + 120 * D);
              return { y0, y1, x0, x1, wy: rampWeights(y0, y1, Math.floor((y0 + y1) / 2), hD), wx: rampWeights(x0, x1, Math.floor((x0 + x1) / 2), wD) };
            });
            const acc = new Float32Array(wD * hD * C), bg = new Float32Array(W * H * C);
            const accRef = acc.slice(), bgRef = bg.slice();
            const clips = new Int32Array(4), clipsRef = new Int32Array(4);
            beginAccumulation(acc, { accumulators: [bg], tables: ramps.flatMap((p) => [p.wy, p.wx]) });
            try {
              const patches: FramePatch[] = ramps.map((p, a) => ({
                acc, accWidth: wD, y0: p.y0, lenY: p.y1 - p.y0, x0: p.x0, lenX: p.x1 - p.x0, D,
                // (the first patch shifted partly out of the frame: clips to track)
                offY: a === 0 ? -35 : (r() - 0.5) * 30, locY: (r() - 0.5) * 3, offX: a === 0 ? -35 : (r() - 0.5) * 30, locX: (r() - 0.5) * 3,
                wy: p.wy, wx: p.wx, scale: 0.5 + r(), track: true,
              }));
              // a background rectangle across the middle, and one row
              patches.push({ acc: bg, accWidth: W, y0: 60, lenY: 130, x0: 5, lenX: 280, D: 1, offY: 1.3, locY: 0, offX: -2.6, locX: 0, wy: null, wx: null, scale: 1, track: false });
              patches.push({ acc: bg, accWidth: W, y0: 200, lenY: 1, x0: 0, lenX: W, D: 1, offY: -0.4, locY: 0, offX: 0.7, locX: 0, wy: null, wx: null, scale: 1, track: false });
              accumulateFrame(stored, patches, mode, clips);
              for (const p of patches) {
                const ty = axisTaps(p.lenY, p.y0, H, p.D, p.offY, p.locY, mode);
                const tx = axisTaps(p.lenX, p.x0, W, p.D, p.offX, p.locX, mode);
                if (p.track) {
                  clipsRef[0] = Math.max(clipsRef[0], ty.clipLo); clipsRef[1] = Math.max(clipsRef[1], ty.clipHi);
                  clipsRef[2] = Math.max(clipsRef[2], tx.clipLo); clipsRef[3] = Math.max(clipsRef[3], tx.clipHi);
                }
                accumulatePatchTS(p.acc === acc ? accRef : bgRef, p.accWidth, float, ty, tx, p.y0, p.x0, p.wy, p.wx, p.scale);
              }
            } finally {
              endAccumulation(acc);
            }
            const what = `${mode} D${D} C${C} ${eight ? '8' : '16'}-bit ${helper === FAILING_HELPER ? 'failing helper' : 'helper'}`;
            expect(compare(acc, accRef), what).toEqual({ differ: 0, maxAbs: 0 });
            expect(compare(bg, bgRef), what).toEqual({ differ: 0, maxAbs: 0 });
            expect(Array.from(clips), what).toEqual(Array.from(clipsRef));
            expect(clips.some((v) => v > 0), what).toBe(true);
          }
        }
      }
      expect(jobs.count()).toBe(3 * 4);
    } finally {
      inst.attachRowSplitter(real);
    }
  });
});

describe('stackBind with zeroed accumulators', () => {
  const W = 40, H = 30;
  const F = randomFloatImage(W, H, 91, 1, 0, 60000);
  const run = (inst: NonNullable<ReturnType<typeof createWasmInstance>>, zeroed: boolean, dirtyFirst: boolean) => {
    if (dirtyFirst) {
      // leave non-zero data where the accumulator will go
      inst.stackBind(new Float32Array(4 * W * H).fill(7));
      inst.stackRelease();
    }
    const acc = new Float32Array(W * H);
    inst.stackBind(acc, { zeroed });
    inst.stackFrame(F.data);
    const rec = { y0: 2, lenY: 25, x0: 3, lenX: 30, wy: null, wx: null, acc, accWidth: W, D: 1, track: true, offY: 0.3, locY: 0, offX: -0.6, locX: 0, scale: 1 };
    inst.stackFrameRecords(W, H, 1, 1, [rec], new Int32Array(4));
    inst.stackUnbind(acc);
    return acc;
  };
  it('skips copying zeros only into memory never handed out, and gives the same sums either way', () => {
    const plain = run(createWasmInstance()!, false, false);
    expect(plain.some((v) => v !== 0) && plain[0] === 0).toBe(true);
    expect(compare(run(createWasmInstance()!, true, false), plain)).toEqual({ differ: 0, maxAbs: 0 });
    expect(compare(run(createWasmInstance()!, true, true), plain)).toEqual({ differ: 0, maxAbs: 0 });
  });
});
