/**
 * WebAssembly SIMD kernels for Node. `enableWasmKernels()` installs them (see node.ts);
 * `wasmKernels` is the `Kernels` object; module.ts has the platform-neutral instance class.
 */
export {
  enableWasmKernels, wasmKernels, wasmKernelsEnabled, sharedWasmInstance, createWasmInstance,
  loadWasmModule, wasmLoadError, WASM_PATH,
} from './node.ts';
export { WasmKernelInstance, createWasmKernels, wasmSimdSupported, WASM_KERNEL_NAMES } from './module.ts';
