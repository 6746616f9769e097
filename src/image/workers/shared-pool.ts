/**
 * The process-wide kernel worker pool the frame store uses for read-ahead of first passes.
 * Off until `setKernelWorkers(n)` is called (the CLI's --workers, the editor session); n = 0 keeps
 * every kernel on the main thread. The pool needs the WebAssembly kernels; without them it stays off.
 */
import { availableParallelism } from 'node:os';
import { KernelPool } from './pool.ts';
import { wasmKernelsEnabled } from '../wasm/node.ts';

let pool: KernelPool | null = null;
let wanted = 0;

/**
 * Default worker count: the cores beyond two. One core runs the main thread, one the decoder (ffmpeg)
 * and the memory-commit thread; on 2 cores read-ahead workers only compete with them (measured:
 * 0.87–1.05× with 2 workers against none on the shared inputs, `npm run bench`).
 */
export function defaultWorkerCount(): number {
  return Math.max(0, availableParallelism() - 2);
}

/** Sets the worker count (0 = none). Closes a pool of another size; the next user creates one lazily. */
export function setKernelWorkers(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new Error(`workers must be an integer 0..256, got ${n}`);
  if (pool && pool.threads !== n) { void pool.close(); pool = null; }
  wanted = n;
}

export function kernelWorkerCount(): number {
  return wanted;
}

/** The shared pool, or null when workers are off or the WebAssembly kernels are not in use. */
export function sharedKernelPool(): KernelPool | null {
  if (wanted === 0 || !wasmKernelsEnabled()) return null;
  pool ??= KernelPool.create({ threads: wanted });
  return pool;
}
