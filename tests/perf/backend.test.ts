/**
 * Kernel backend selection (src/image/backend.ts): gpu.js only with a hardware GPU context, else
 * WebAssembly, else the reference; LUCKYGRAPH_KERNELS forces one. The gpu.js backend (run here in the
 * mode gpu.js falls back to without a device) must give a stack within 0.05 dB of the reference one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getKernels, referenceKernels, setKernels } from '../../src/image/kernels.ts';
import { hardwareGlAvailable, installKernelBackend } from '../../src/image/backend.ts';
import { wasmKernels } from '../../src/image/wasm/node.ts';
import { HARDWARE_MODES } from '../../src/image/gpu/gpu-blur.ts';
import { main } from '../../src/cli/main.ts';
import { loadImageGray, scoreResult } from '../../src/score/score.ts';
import { ensureWasmBuilt } from './setup.ts';

const saved = getKernels();
const root = fileURLToPath(new URL('../../', import.meta.url));
let dir = '';
beforeAll(() => { ensureWasmBuilt(); dir = mkdtempSync(join(tmpdir(), 'lg-backend-')); });
afterEach(() => { setKernels(saved); delete process.env.LUCKYGRAPH_KERNELS; });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function texture(w: number, h: number) {
  const d = new Float32Array(w * h);
  let s = 11;
  for (let i = 0; i < d.length; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = (s >>> 8) % 65536; }
  return { width: w, height: h, channels: 1 as const, data: d };
}

describe('kernel backend selection', () => {
  it('auto without a hardware GPU: WebAssembly', async () => {
    const c = await installKernelBackend({ request: 'auto', probeGpu: () => false });
    expect(c.backend).toBe('wasm');
    expect(getKernels()).toBe(wasmKernels);
  });

  it('auto with a hardware GPU: gpu.js for the blur, within 0.02 of the reference', async () => {
    const c = await installKernelBackend({ request: 'auto', probeGpu: () => true });
    expect(c.backend).toBe('gpu');
    // No device here: gpu.js's 'gpu' mode runs as WebAssembly; with one it is a hardware mode.
    expect(['webasm', ...HARDWARE_MODES]).toContain(c.detail);
    const img = texture(41, 27);
    const a = getKernels().gaussianBlur(img, 7).data;
    const b = referenceKernels.gaussianBlur(img, 7).data;
    let max = 0;
    for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
    expect(max).toBeGreaterThan(0); // really another implementation
    expect(max).toBeLessThan(0.02);
  });

  it('LUCKYGRAPH_KERNELS=reference and a bad value', async () => {
    expect((await installKernelBackend({ request: 'reference' })).backend).toBe('reference');
    expect(getKernels()).toBe(referenceKernels);
    await expect(installKernelBackend({ request: 'cuda' })).rejects.toThrow(/LUCKYGRAPH_KERNELS.*cuda/);
  });

  it('the hardware check agrees with whether headless-gl can make a context', () => {
    let gl = false;
    try { gl = !!(createRequire(import.meta.url)('gl') as (w: number, h: number) => unknown)(1, 1); } catch { gl = false; }
    expect(hardwareGlAvailable()).toBe(gl);
  });

  it('the default preset with LUCKYGRAPH_KERNELS=gpu: reported in --json, quality within 0.05 dB of wasm', async () => {
    const sample = join(root, 'samples/moon-small/frames.ser');
    const truth = await loadImageGray(join(root, 'samples/moon-small/truth.png'));
    const run = async (kernels: string) => {
      process.env.LUCKYGRAPH_KERNELS = kernels;
      let json = '';
      const out = join(dir, `${kernels}.tiff`);
      const rc = await main(['run', join(root, 'presets/default.yaml'), '--input', sample, '--out', out, '--json', '--workers', '0'], (s) => { json += s; });
      expect(rc).toBe(0);
      const report = JSON.parse(json) as { kernels: { backend: string } };
      return { backend: report.kernels.backend, score: scoreResult(truth, await loadImageGray(out)) };
    };
    const gpu = await run('gpu');
    const wasm = await run('wasm');
    expect(gpu.backend).toBe('gpu');
    expect(wasm.backend).toBe('wasm');
    expect(Math.abs(gpu.score.psnr - wasm.score.psnr)).toBeLessThan(0.05);
    expect(wasm.score.psnr).toBeGreaterThan(36);
  }, 180_000);
});
