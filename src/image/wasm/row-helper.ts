/**
 * A second thread for the big correlations (Align's two MLC phases): kernels-mt.wasm instantiated on
 * the main instance's shared memory computes one band of the output rows while the main thread
 * computes the other (`WasmKernelInstance.correlateWindow`); and, for Shift, half of one frame's
 * alignment points (`mlcFrame`, see mlc-frame.ts). Rows do not depend on each other, so
 * the map is the same, bit for bit, whoever computes which rows. The helper is used only once it has
 * said it is ready; until then (or if it fails) the main thread computes every row.
 *
 * Synchronisation: the main thread writes the arguments into a small shared control block and posts a
 * message (the helper idles in its event loop, so it never blocks exit), computes its own band, then
 * waits (Atomics.wait) for the helper's done flag — tens of µs per call against ~1 ms of work.
 */
import { Worker } from 'node:worker_threads';

const WORKER_URL = new URL('../workers/ncc-row-worker.mjs', import.meta.url);
/** Longest a call waits for the helper before giving up on it (it would be stuck). */
const WAIT_LIMIT_MS = 10_000;
/** Job kinds (the message the helper receives; its arguments are in the control block). */
const JOB_NCC_ROWS = 0;
const JOB_MLC_FRAME = 1;

export interface RowSplitter {
  /** True once the helper can take jobs. */
  readonly ready: boolean;
  /** Starts `nccRows(…, tt, u0, u1)` on the helper (pointers into the shared memory). */
  start(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number, tt: number, u0: number, u1: number): void;
  /** Starts `mlcFrame(…12 arguments)` on the helper (pointers into the shared memory). */
  startMlcFrame(args: readonly number[]): void;
  /** Waits for the job started last; throws if the helper failed or timed out (it is then not used again). */
  wait(): void;
}

export class NccRowHelper implements RowSplitter {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly args: Float64Array;
  private ok = false;
  private broken = false;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const control = new SharedArrayBuffer(16 + 12 * 8);
    this.state = new Int32Array(control, 0, 4);
    this.args = new Float64Array(control, 16, 12);
    this.worker = new Worker(WORKER_URL, { workerData: { module, memory, control } });
    this.worker.on('message', (m) => { if (m === 'ready') this.ok = true; });
    this.worker.on('error', () => { this.broken = true; });
    this.worker.on('exit', () => { this.broken = true; });
    this.worker.unref(); // after the listeners: adding a 'message' listener refs the worker again
  }

  get ready(): boolean {
    return this.ok && !this.broken;
  }

  start(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number, tt: number, u0: number, u1: number): void {
    const a = this.args;
    a[0] = I; a[1] = Ww; a[2] = Hw; a[3] = T; a[4] = Wt; a[5] = Ht; a[6] = out; a[7] = ii; a[8] = tt; a[9] = u0; a[10] = u1;
    Atomics.store(this.state, 1, 0);
    this.worker.postMessage(JOB_NCC_ROWS);
  }

  startMlcFrame(args: readonly number[]): void {
    if (args.length !== 12) throw new Error(`mlcFrame takes 12 arguments, got ${args.length}`);
    this.args.set(args);
    Atomics.store(this.state, 1, 0);
    this.worker.postMessage(JOB_MLC_FRAME);
  }

  wait(): void {
    const t0 = Date.now();
    while (Atomics.load(this.state, 1) === 0) {
      Atomics.wait(this.state, 1, 0, 100);
      if (Date.now() - t0 > WAIT_LIMIT_MS) {
        this.broken = true;
        throw new Error('correlation helper thread did not answer');
      }
    }
    if (Atomics.load(this.state, 2) !== 0) {
      this.broken = true;
      throw new Error('correlation helper thread failed');
    }
  }
}
