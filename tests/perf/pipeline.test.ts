/**
 * End to end: the default preset on the bundled sample gives the same stacked image, pixel for
 * pixel, with the WebAssembly kernels as with the reference kernels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { main } from '../../src/cli/main.ts';
import { getKernels, referenceKernels, setKernels, type Kernels } from '../../src/image/kernels.ts';
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
  setKernels(saved);
  rmSync(dir, { recursive: true, force: true });
});

async function stack(k: Kernels, name: string): Promise<{ pixels: Uint16Array | Uint8Array; sharpened: Uint16Array | Uint8Array; ms: number }> {
  setKernels(k);
  const out = join(dir, `${name}.png`);
  const t = performance.now();
  const rc = await main(['run', preset, '--input', sample, '--out', out], () => {});
  const ms = performance.now() - t;
  expect(rc).toBe(0);
  const img = decode(readFileSync(out));
  const sharp = decode(readFileSync(join(dir, `${name}_sharpened.png`)));
  return { pixels: img.data as Uint16Array, sharpened: sharp.data as Uint16Array, ms };
}

describe('default preset on samples/moon-small', () => {
  it('wasm kernels give the reference result pixel for pixel', async () => {
    expect(sharedWasmInstance(), wasmLoadError()).not.toBeNull();
    const ref = await stack(referenceKernels, 'ref');
    const fast = await stack(wasmKernels, 'wasm');
    expect(fast.pixels.length).toBe(ref.pixels.length);
    expect(Buffer.compare(Buffer.from(fast.pixels.buffer), Buffer.from(ref.pixels.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(fast.sharpened.buffer), Buffer.from(ref.sharpened.buffer))).toBe(0);
  });
});
