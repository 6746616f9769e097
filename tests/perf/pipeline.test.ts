/**
 * End to end: the default preset on the bundled sample gives the same stacked image, pixel for
 * pixel, with the WebAssembly kernels as with the reference kernels, at every buffering level and
 * with or without the worker pool's read-ahead.
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

describe('default preset on samples/moon-small', () => {
  it('wasm kernels, at levels 0, 2 and 4, with and without workers, give the reference result pixel for pixel', async () => {
    expect(sharedWasmInstance(), wasmLoadError()).not.toBeNull();
    const ref = await stack('reference', 'ref', ['--buffering', '4', '--workers', '0']);
    process.env.LUCKYGRAPH_POOL_MIN_PIXELS = '0'; // the sample's frames are small: use the pool anyway
    for (const [level, workers] of [['0', '2'], ['2', '0'], ['4', '2']]) {
      const fast = await stack('wasm', `wasm-${level}-${workers}`, ['--buffering', level, '--workers', workers]);
      const what = `level ${level}, ${workers} workers`;
      expect(fast.pixels.length, what).toBe(ref.pixels.length);
      expect(Buffer.compare(Buffer.from(fast.pixels.buffer), Buffer.from(ref.pixels.buffer)), what).toBe(0);
      expect(Buffer.compare(Buffer.from(fast.sharpened.buffer), Buffer.from(ref.sharpened.buffer)), what).toBe(0);
    }
  }, 120_000);
});
