/**
 * End to end: the default preset on the bundled sample gives the same stacked image, pixel for
 * pixel, at every buffering level and with or without the worker pool's read-ahead; and the
 * WebAssembly kernels agree with the TypeScript reference kernels within the stated tolerance
 * (README, Speed: the MLC correlation evaluates its cross term in float32, which moves sub-pixel
 * shifts by ~1e-4 px and may flip an integer optimum where two positions tie to ~1e-6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { main } from '../../src/cli/main.ts';
import { getKernels, referenceKernels, setKernels } from '../../src/image/kernels.ts';
import { sharedWasmInstance, wasmKernels, wasmLoadError } from '../../src/image/wasm/node.ts';
import { ensureWasmBuilt } from './setup.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const preset = join(root, 'presets/default.yaml');
const sample = join(root, 'samples/moon-small/frames.ser');
let dir = '';
const saved = getKernels();

beforeAll(() => {
  ensureWasmBuilt();
  dir = mkdtempSync(join(tmpdir(), 'luckygraph-perf-'));
});
afterAll(() => {
  delete process.env.LUCKYGRAPH_POOL_MIN_PIXELS;
  setKernels(saved);
  rmSync(dir, { recursive: true, force: true });
});

async function stack(kernels: 'reference' | 'wasm', name: string, extra: string[]): Promise<{ pixels: Uint16Array | Uint8Array; sharpened: Uint16Array | Uint8Array }> {
  // The CLI installs the kernels itself (LUCKYGRAPH_KERNELS=reference keeps the TypeScript ones).
  if (kernels === 'reference') process.env.LUCKYGRAPH_KERNELS = 'reference';
  else delete process.env.LUCKYGRAPH_KERNELS;
  setKernels(referenceKernels);
  const out = join(dir, `${name}.png`);
  try {
    const rc = await main(['run', preset, '--input', sample, '--out', out, ...extra], () => {});
    expect(rc).toBe(0);
    expect(getKernels() === wasmKernels, `${name} ran with the ${kernels} kernels`).toBe(kernels === 'wasm');
  } finally {
    delete process.env.LUCKYGRAPH_KERNELS;
  }
  const img = decode(readFileSync(out));
  const sharp = decode(readFileSync(join(dir, `${name}_sharpened.png`)));
  return { pixels: img.data as Uint16Array, sharpened: sharp.data as Uint16Array };
}

/** The stated tolerance of the WebAssembly kernels against the reference, on the stacked 16-bit image. */
const TOLERANCE = { psnrDb: 70, within1: 0.99 };

function agreement(a: Uint16Array | Uint8Array, b: Uint16Array | Uint8Array): { psnr: number; maxAbs: number; within1: number } {
  let se = 0, maxAbs = 0, near = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    se += d * d;
    if (d > maxAbs) maxAbs = d;
    if (d <= 1) near++;
  }
  const mse = se / a.length;
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10((65535 * 65535) / mse), maxAbs, within1: near / a.length };
}

describe('default preset on samples/moon-small', () => {
  it('wasm kernels give one result pixel for pixel at levels 0, 2 and 4 with and without workers, within tolerance of the reference', async () => {
    expect(sharedWasmInstance(), wasmLoadError()).not.toBeNull();
    const ref = await stack('reference', 'ref', ['--buffering', '4', '--workers', '0']);
    process.env.LUCKYGRAPH_POOL_MIN_PIXELS = '0'; // the sample's frames are small: use the pool anyway
    let first: Awaited<ReturnType<typeof stack>> | null = null;
    for (const [level, workers] of [['0', '2'], ['2', '0'], ['4', '2']]) {
      const fast = await stack('wasm', `wasm-${level}-${workers}`, ['--buffering', level, '--workers', workers]);
      const what = `level ${level}, ${workers} workers`;
      expect(fast.pixels.length, what).toBe(ref.pixels.length);
      first ??= fast;
      expect(Buffer.compare(Buffer.from(fast.pixels.buffer), Buffer.from(first.pixels.buffer)), what).toBe(0);
      expect(Buffer.compare(Buffer.from(fast.sharpened.buffer), Buffer.from(first.sharpened.buffer)), what).toBe(0);
    }
    const d = agreement(first!.pixels, ref.pixels);
    console.log(`wasm vs reference kernels: PSNR ${d.psnr.toFixed(1)} dB, max |Δ| ${d.maxAbs} of 65535, ${(100 * d.within1).toFixed(3)} % of pixels within ±1`);
    expect(d.psnr).toBeGreaterThanOrEqual(TOLERANCE.psnrDb);
    expect(d.within1).toBeGreaterThanOrEqual(TOLERANCE.within1);
  }, 120_000);
});
