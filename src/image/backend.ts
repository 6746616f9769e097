/**
 * Which kernels run: the TypeScript reference, the WebAssembly SIMD kernels, or a gpu.js backend.
 *
 * `LUCKYGRAPH_KERNELS` chooses: `reference`, `wasm`, `gpu` (gpu.js in whatever mode it picks, even
 * without a device: for tests), or `auto` (default): gpu.js only when a hardware GPU context can be
 * created (headless-gl's WebGL here; in Node, gpu.js has no WebGPU mode), else WebAssembly, else the
 * reference. gpu.js is imported only when it will be used (loading it costs about 1.3 s).
 *
 * The gpu.js backend replaces the Gaussian blur only (the heaviest first-pass kernel); it matches the
 * reference within 0.02 on the 16-bit scale (float32 summation order), so G (rounded to integers) can
 * differ by one step in a few pixels; every other kernel stays on the CPU. The WebAssembly kernels are
 * bit-identical to the reference (NCC within 1e-6).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { referenceKernels, setKernels, type Kernels } from './kernels.ts';
import { correlateWasmInstance, enableWasmKernels } from './wasm/node.ts';

export type KernelBackendName = 'reference' | 'wasm' | 'gpu';

export interface KernelBackendChoice {
  backend: KernelBackendName;
  /** For gpu: the mode gpu.js ran ('webgl2', 'headlessgl', … or 'cpu'/'webasm' without a device). */
  detail: string;
  /** Why this backend. */
  reason: string;
}

/** True when a hardware WebGL context can be created in this process (headless-gl with its bindings). */
export function hardwareGlAvailable(): boolean {
  try {
    const require = createRequire(import.meta.url);
    if (!glBindingsMayExist(require)) return false;
    const createGl = require('gl') as (w: number, h: number) => { getExtension(n: string): unknown } | null;
    const ctx = createGl(1, 1);
    if (!ctx) return false;
    (ctx.getExtension('STACKGL_destroy_context') as { destroy(): void } | null)?.destroy();
    return true;
  } catch {
    return false;
  }
}

/**
 * False when headless-gl is not installed or has no compiled bindings: none of the folders where its
 * loader (the `bindings` package) looks for webgl.node exists. Checking costs a few stat calls; a
 * failed `require('gl')` costs ~15 ms of start-up (the loader tries 13 paths and builds an error).
 */
function glBindingsMayExist(require: NodeJS.Require): boolean {
  let root: string;
  try {
    root = dirname(require.resolve('gl/package.json'));
  } catch {
    return false;
  }
  return ['build', 'out', 'Debug', 'Release', 'compiled', 'addon-build', 'lib/binding'].some((d) => existsSync(join(root, d)));
}

/** The gpu.js kernel set: the reference kernels with the Gaussian blur of mono images on gpu.js. */
export async function gpuKernels(mode: 'gpu' | 'cpu' = 'gpu'): Promise<{ kernels: Kernels; mode: string }> {
  const { GpuBlur } = await import('./gpu/gpu-blur.ts');
  const blur = new GpuBlur(mode);
  const kernels: Kernels = {
    ...referenceKernels,
    gaussianBlur: (img, ksize) => (img.channels === 1 && ksize <= 23 ? blur.blur(img, ksize) : referenceKernels.gaussianBlur(img, ksize)),
    // the first-pass blur too (float32 on the GPU as well; within the stated tolerance)
    gaussianBlurF32: (img, ksize) => (img.channels === 1 && ksize <= 23 ? blur.blur(img, ksize) : referenceKernels.gaussianBlurF32(img, ksize)),
  };
  return { kernels, mode: blur.detectMode() };
}

type KernelRequest = 'auto' | 'reference' | 'wasm' | 'gpu';

/** The kernels asked for: `request`, else LUCKYGRAPH_KERNELS, else auto. */
function kernelRequest(request?: string): KernelRequest {
  const r = (request ?? process.env.LUCKYGRAPH_KERNELS ?? 'auto').toLowerCase();
  if (!['auto', 'reference', 'wasm', 'gpu'].includes(r)) {
    throw new Error(`LUCKYGRAPH_KERNELS: expected auto, reference, wasm or gpu; found '${r}'`);
  }
  return r as KernelRequest;
}

/**
 * The CPU part of the choice, synchronous (the editor's session uses it; gpu.js is not considered):
 * the reference when asked for, else WebAssembly when kernels.wasm loads, else the reference.
 */
export function installCpuKernels(request?: string): KernelBackendChoice {
  const r = kernelRequest(request);
  if (r === 'reference') {
    setKernels(referenceKernels);
    return { backend: 'reference', detail: 'typescript', reason: 'LUCKYGRAPH_KERNELS=reference' };
  }
  if (enableWasmKernels()) {
    correlateWasmInstance(); // starts the row helper thread now, so it is ready when Align needs it
    return { backend: 'wasm', detail: 'simd128', reason: r === 'wasm' ? 'LUCKYGRAPH_KERNELS=wasm' : 'no hardware GPU; WebAssembly SIMD available' };
  }
  setKernels(referenceKernels);
  return { backend: 'reference', detail: 'typescript', reason: 'kernels.wasm is not available' };
}

/**
 * Installs the kernels for this process (see the module comment) and says which ones.
 * `probeGpu` is for tests: it replaces the hardware check.
 */
export async function installKernelBackend(opts: { request?: string; probeGpu?: () => boolean } = {}): Promise<KernelBackendChoice> {
  const request = kernelRequest(opts.request);
  const hardware = request === 'gpu' || (request === 'auto' && (opts.probeGpu ?? hardwareGlAvailable)());
  if (hardware) {
    const { kernels, mode } = await gpuKernels('gpu');
    setKernels(kernels);
    return { backend: 'gpu', detail: mode, reason: request === 'gpu' ? 'LUCKYGRAPH_KERNELS=gpu' : 'a hardware GPU context is available' };
  }
  return installCpuKernels(request);
}
