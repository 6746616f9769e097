/**
 * Node entry point of the WebAssembly kernels: loads src/image/wasm/kernels.wasm synchronously
 * (built from assembly/ by `npm run build:wasm`, run automatically by `npm ci` via `prepare`) and
 * installs it with `setKernels`. When the file is missing or cannot be compiled (no SIMD), it
 * warns once and leaves the reference kernels in place.
 *
 * Set LUCKYGRAPH_KERNELS=reference to keep the TypeScript kernels (A/B comparisons; ../backend.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getKernels, setKernels, type Kernels } from '../kernels.ts';
import { availableParallelism } from 'node:os';
import v8 from 'node:v8';
import { createWasmKernels, wasmSimdSupported, WasmKernelInstance } from './module.ts';
import { NccRowHelper } from './row-helper.ts';

/** Default location of the compiled module (next to this file). */
export const WASM_PATH = fileURLToPath(new URL('./kernels.wasm', import.meta.url));

let cachedModule: WebAssembly.Module | null | undefined;
let tieringSet = false;

/**
 * Compile our (small) modules with the optimising compiler at once: V8 otherwise runs a function in its
 * baseline tier until it has been called often, and a kernel called a few hundred times per run (the
 * row helper's bands, Align's correlations) would spend much of the run there (measured: a helper band
 * 1.5 ms baseline vs 1.0 ms optimised). Compiling these modules takes a few ms either way.
 */
function optimiseWasmEagerly(): void {
  if (tieringSet) return;
  tieringSet = true;
  try { v8.setFlagsFromString('--no-wasm-dynamic-tiering'); } catch { /* keep V8's default */ }
}
let warned = false;
let lastError = '';

function warnOnce(msg: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(msg, { code: 'LUCKYGRAPH_WASM' });
}

/**
 * The compiled kernels.wasm module (cached), or null when it is not available (the reason is
 * in `wasmLoadError()`). `path` overrides the location (no caching then).
 */
export function loadWasmModule(path?: string): WebAssembly.Module | null {
  if (!path && cachedModule !== undefined) return cachedModule;
  let mod: WebAssembly.Module | null = null;
  const file = path ?? WASM_PATH;
  if (!wasmSimdSupported()) {
    lastError = 'this JavaScript engine has no WebAssembly SIMD';
  } else {
    try {
      optimiseWasmEagerly();
      mod = new WebAssembly.Module(readFileSync(file));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      lastError = code === 'ENOENT'
        ? `${file} is missing (run "npm run build:wasm")`
        : `${file} could not be loaded: ${(e as Error).message}`;
    }
  }
  if (!path) cachedModule = mod;
  return mod;
}

/** Why the last load failed ('' if it did not). */
export function wasmLoadError(): string {
  return lastError;
}

/** A fresh instance (own memory) of the kernels, or null when the module is not available. */
export function createWasmInstance(path?: string): WasmKernelInstance | null {
  const mod = loadWasmModule(path);
  return mod ? new WasmKernelInstance(mod) : null;
}

let shared: WasmKernelInstance | null | undefined;

/**
 * The process-wide instance behind `wasmKernels` (created on first use), or null. With the helper
 * thread (see `correlateWasmInstance`) it is kernels-mt.wasm on a shared memory the helper also has,
 * so that a frame's first pass can be split between the two threads (WasmKernelInstance.firstPass).
 */
export function sharedWasmInstance(): WasmKernelInstance | null {
  if (shared === undefined) {
    shared = instanceWithHelper() ?? createWasmInstance();
    if (!shared) warnOnce(`luckygraph: WebAssembly kernels unavailable, using the TypeScript kernels: ${lastError}`);
  }
  return shared;
}

/** Largest shared memory of the instance behind most kernels: 4 GiB (65536 pages), as an unshared one. */
const SHARED_MAX_PAGES = 65536;

/**
 * kernels-mt.wasm on a new shared memory that the helper thread attaches (so that calls can split
 * their rows with it), or null (no helper: one core, LUCKYGRAPH_ROW_HELPER=0, no kernels-mt.wasm).
 */
function instanceWithHelper(): WasmKernelInstance | null {
  const infra = loadWasmModule() ? helperInfra() : null;
  if (!infra) return null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
    const inst = new WasmKernelInstance(infra.mod, { env: { memory } });
    inst.attachRowSplitter(infra.helper.attach(memory));
    return inst;
  } catch {
    return null;
  }
}

/** The same kernels for a shared memory (built with kernels.wasm; optional). */
export const WASM_MT_PATH = fileURLToPath(new URL('./kernels-mt.wasm', import.meta.url));

/** kernels-mt.wasm, the helper thread and the correlation instance on its first memory. */
interface HelperInfra {
  mod: WebAssembly.Module;
  helper: NccRowHelper;
  correlator: WasmKernelInstance;
}
let infraState: HelperInfra | null | undefined;

/**
 * Whether big correlations use a second thread: on machines with at least two cores, unless
 * LUCKYGRAPH_ROW_HELPER=0. (Between calls the thread idles in its event loop.)
 */
export function rowHelperWanted(): boolean {
  return process.env.LUCKYGRAPH_ROW_HELPER !== '0' && availableParallelism() >= 2;
}

/**
 * kernels-mt.wasm, the correlation instance on a shared memory and the helper thread on it (once),
 * or null (one core, LUCKYGRAPH_ROW_HELPER=0, no threads or no kernels-mt.wasm).
 */
function helperInfra(): HelperInfra | null {
  if (infraState === undefined) {
    infraState = null;
    if (rowHelperWanted() && loadWasmModule()) {
      try {
        const mod = new WebAssembly.Module(readFileSync(WASM_MT_PATH));
        const memory = new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true });
        const inst = new WasmKernelInstance(mod, { env: { memory } });
        const helper = new NccRowHelper(mod, memory);
        inst.attachRowSplitter(helper);
        infraState = { mod, helper, correlator: inst };
      } catch {
        infraState = null;
      }
    }
  }
  return infraState;
}

/**
 * The instance behind `correlateWindow`: kernels-mt.wasm on a shared memory with the row helper thread
 * (see row-helper.ts), or else the shared instance.
 */
export function correlateWasmInstance(): WasmKernelInstance | null {
  return helperInfra()?.correlator ?? sharedWasmInstance();
}

/** True when big correlations are being split with the helper thread (it has started). */
export function rowHelperActive(): boolean {
  return !!infraState?.helper.ready;
}

let fallbackWarned = false;

/**
 * `{ ...referenceKernels, gaussianBlur, gaussianBlurSigma, laplacian3x3, blurStrided, nccMap }`,
 * the five from WebAssembly SIMD. The module is loaded on the first call; when it is not
 * available (or its memory cannot grow for a huge image) these use the reference (after one
 * warning), so this is always a valid `Kernels`.
 */
export const wasmKernels: Kernels = createWasmKernels(sharedWasmInstance, (e) => {
  if (fallbackWarned) return;
  fallbackWarned = true;
  process.emitWarning(`luckygraph: ${e.message}; using the TypeScript kernel for such images`, { code: 'LUCKYGRAPH_WASM' });
}, correlateWasmInstance);

/**
 * Loads kernels.wasm now (synchronously) and installs `wasmKernels` with `setKernels`; idempotent.
 * Returns true when the WebAssembly kernels are in use; false (after one warning) when kernels.wasm
 * is missing or unusable — the current kernels then stay. Which kernels a run uses (and
 * LUCKYGRAPH_KERNELS) is decided in ../backend.ts.
 */
export function enableWasmKernels(): boolean {
  if (!sharedWasmInstance()) return false;
  if (getKernels() !== wasmKernels) setKernels(wasmKernels);
  return true;
}

/** True when the kernels currently installed are the WebAssembly ones (and the module loaded). */
export function wasmKernelsEnabled(): boolean {
  return getKernels() === wasmKernels && !!shared;
}

let stackInstance: WasmKernelInstance | null | undefined;

/**
 * A second process-wide instance, used only by the Stack accumulation (src/nodes/lib/stack-sample.ts):
 * it keeps the current frame in its own memory between calls, which other kernel calls on the
 * shared instance would overwrite. With the helper thread it is kernels-mt.wasm on a shared memory the
 * helper also has, so that big frames' records are split by accumulator rows (`stackFrameRecords`).
 * Null when the module is not available.
 */
export function stackWasmInstance(): WasmKernelInstance | null {
  if (stackInstance === undefined) stackInstance = instanceWithHelper() ?? createWasmInstance();
  return stackInstance;
}
