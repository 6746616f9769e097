/**
 * WebAssembly SIMD kernels for Node (built from assembly/ by `npm run build:wasm`).
 *
 * - `enableWasmKernels()`: load kernels.wasm synchronously and `setKernels(wasmKernels)`; false and
 *   one warning when it is missing (the reference kernels stay).
 * - `wasmKernels`: `{ ...referenceKernels, gaussianBlur, gaussianBlurSigma, laplacian3x3, blurStrided, nccMap }`.
 * - `wasmFirstPass(job)`: the frame store's per-frame first pass (b, G, L) fused, or null without wasm.
 * - module.ts: the platform-neutral instance class; ../workers/pool.ts: the worker_threads pool.
 */
import { sharedWasmInstance } from './node.ts';
import type { FirstPassInput, FirstPassOutput } from './module.ts';

export {
  enableWasmKernels, wasmKernels, wasmKernelsEnabled, sharedWasmInstance, createWasmInstance,
  loadWasmModule, wasmLoadError, WASM_PATH,
} from './node.ts';
export {
  WasmKernelInstance, createWasmKernels, wasmSimdSupported, planFirstPass, WASM_KERNEL_NAMES,
  type FirstPassInput, type FirstPassOutput, type KernelExports,
} from './module.ts';

/**
 * b, G and L of one stored mono frame exactly as the frame store computes them (bit-identical),
 * on the main thread; null when kernels.wasm is not available (use the TypeScript path then).
 */
export function wasmFirstPass(job: FirstPassInput, out?: { g?: Uint16Array; l?: Uint8Array }): FirstPassOutput | null {
  return sharedWasmInstance()?.firstPass(job, out) ?? null;
}
