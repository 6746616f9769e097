/** Shared helpers of the WebAssembly agreement tests: builds kernels.wasm when it is missing. */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createImage, type Image } from '../../src/image/image.ts';
import { WASM_MT_PATH, WASM_PATH } from '../../src/image/wasm/node.ts';
import type { WasmKernelInstance } from '../../src/image/wasm/module.ts';
import { expect } from 'vitest';
import { rng } from '../image/helpers.ts';

/** Builds src/image/wasm/kernels.wasm unless it exists (a fresh checkout without `npm ci`). */
export function ensureWasmBuilt(): void {
  if (existsSync(WASM_PATH) && existsSync(WASM_MT_PATH)) return;
  const script = fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [script, '--strict'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-wasm failed:\n${r.stdout}\n${r.stderr}`);
}

/** Random float image: values in [lo, hi) with fractional parts (not only integers). */
export function randomFloatImage(w: number, h: number, seed: number, C: 1 | 3 = 1, lo = 0, hi = 65535): Image {
  const r = rng(seed);
  const img = createImage(w, h, C);
  for (let i = 0; i < img.data.length; i++) img.data[i] = lo + r() * (hi - lo);
  return img;
}

/** Smooth random texture (sum of random sinusoids plus noise), mono, 16-bit scale. */
export function texture(w: number, h: number, seed: number, noise = 200): Image {
  const r = rng(seed);
  const waves = Array.from({ length: 12 }, () => ({
    a: 800 + r() * 3000, fy: (r() - 0.5) * 0.6, fx: (r() - 0.5) * 0.6, p: r() * 6.283,
  }));
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 20000;
      for (const q of waves) v += q.a * Math.sin(q.fy * y + q.fx * x + q.p);
      img.data[y * w + x] = v + noise * (r() - 0.5);
    }
  }
  return img;
}

/** Number of samples that differ (Object.is, so NaN = NaN and 0 ≠ −0) and the largest |a − b|. */
export function compare(a: Float32Array, b: Float32Array): { differ: number; maxAbs: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let differ = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) {
      differ++;
      maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    }
  }
  return { differ, maxAbs };
}

/** A row helper that fails every job (RowSplitter): the main thread must then compute the helper's share. */
export const FAILING_HELPER = {
  ready: true, start() {}, startMlcFrame() {}, startFirstPassRows() {}, startBlurRows() {}, startStackRecords() {}, wait(): never { throw new Error('helper failed'); },
};

type Splitter = Parameters<WasmKernelInstance['attachRowSplitter']>[0];
const splitterOf = (i: WasmKernelInstance) => (i as unknown as { splitter: Splitter }).splitter;

/** `inst` once the helper thread attached to it is ready, and that helper. */
export async function withReadyHelper(inst: WasmKernelInstance): Promise<{ inst: WasmKernelInstance; real: NonNullable<Splitter> }> {
  const t0 = Date.now();
  while (!splitterOf(inst)?.ready && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
  expect(splitterOf(inst)?.ready).toBe(true);
  return { inst, real: splitterOf(inst)! };
}

/** `real`, counting the jobs of kind `method` it is given (so that a silent fallback fails the test). */
export function counting(
  real: NonNullable<Splitter>, method: 'startFirstPassRows' | 'startBlurRows' | 'startStackRecords',
): { splitter: Splitter; count: () => number } {
  let n = 0;
  const splitter = new Proxy(real, {
    get(t, k) {
      if (k === method) return (a: number[]) => { n++; t[method](a); };
      const v = Reflect.get(t, k);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  return { splitter, count: () => n };
}
