/**
 * A second thread for the big correlations (Align's two MLC phases): kernels-mt.wasm instantiated on
 * the main instance's shared memory computes one band of the output rows while the main thread
 * computes the other (`WasmKernelInstance.correlateWindow`); for Shift, half of one frame's
 * alignment points (`mlcFrame`, see mlc-frame.ts); and, on the memory of the instance behind the other
 * kernels (attached, `attach`), half of the rows of a frame's first pass (`firstPassRows`) and of
 * the big blurs (`blurRows`); on the Stack instance's memory (attached too), the accumulator rows from
 * the middle on of every patch of a frame (`stackRecords`). Rows do not depend on each other, so
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
const JOB_FIRST_PASS_ROWS = 2;
const JOB_BLUR_ROWS = 3;
const JOB_STACK_RECORDS = 4;
/** Each job's export and its argument count, by job kind (checked on every post, whatever the memory). */
const JOBS: readonly { name: string; args: number }[] = [
  { name: 'nccRows', args: 11 }, { name: 'mlcFrame', args: 12 }, { name: 'firstPassRows', args: 18 },
  { name: 'blurRows', args: 17 }, { name: 'stackRecords', args: 19 },
];
/** Arguments of the largest job (stackRecords; the worker's view of the control block has as many). */
const MAX_ARGS = Math.max(...JOBS.map((j) => j.args));

export interface RowSplitter {
  /** True once the helper can take jobs. */
  readonly ready: boolean;
  /** Starts `nccRows(…, tt, u0, u1)` on the helper (pointers into the shared memory). */
  start(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number, tt: number, u0: number, u1: number): void;
  /** Starts `mlcFrame(…12 arguments)` on the helper (pointers into the shared memory). */
  startMlcFrame(args: readonly number[]): void;
  /** Starts `firstPassRows(…18 arguments)` on the helper (pointers into the shared memory). */
  startFirstPassRows(args: readonly number[]): void;
  /** Starts `blurRows(…17 arguments)` on the helper (pointers into the shared memory). */
  startBlurRows(args: readonly number[]): void;
  /** Starts `stackRecords(…19 arguments)` on the helper (pointers into the shared memory). */
  startStackRecords(args: readonly number[]): void;
  /** Waits for the job started last; throws if the helper failed or timed out (it is then not used again). */
  wait(): void;
}

export class NccRowHelper implements RowSplitter {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly args: Float64Array;
  private ok = false;
  private broken = false;
  /** Memories attached after the first (`attach`), once the helper has instantiated the module on them. */
  private readonly attached = new Set<number>();
  private nextMemory = 1;
  /** A job was posted and nobody has waited for it yet. */
  private pending = false;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const control = new SharedArrayBuffer(16 + MAX_ARGS * 8);
    this.state = new Int32Array(control, 0, 4);
    this.args = new Float64Array(control, 16, MAX_ARGS);
    this.worker = new Worker(WORKER_URL, { workerData: { module, memory, control } });
    this.worker.on('message', (m) => {
      if (m === 'ready') this.ok = true;
      else if (m && typeof m === 'object' && typeof m.attached === 'number') this.attached.add(m.attached);
    });
    this.worker.on('error', () => { this.broken = true; });
    this.worker.on('exit', () => { this.broken = true; });
    this.worker.unref(); // after the listeners: adding a 'message' listener refs the worker again
  }

  get ready(): boolean {
    return this.ok && !this.broken;
  }

  /**
   * The same helper for another instance of the module on another shared memory (e.g. the instance
   * behind most kernels): the helper instantiates the module on it too; the view is ready once it has.
   */
  attach(memory: WebAssembly.Memory): RowSplitter {
    const index = this.nextMemory++;
    this.worker.postMessage({ attach: memory, index });
    const helper = this; // eslint-disable-line @typescript-eslint/no-this-alias
    return {
      get ready() { return helper.ready && helper.attached.has(index); },
      start: (...a: number[]) => helper.post(index, JOB_NCC_ROWS, a),
      startMlcFrame: (a) => helper.post(index, JOB_MLC_FRAME, a),
      startFirstPassRows: (a) => helper.post(index, JOB_FIRST_PASS_ROWS, a),
      startBlurRows: (a) => helper.post(index, JOB_BLUR_ROWS, a),
      startStackRecords: (a) => helper.post(index, JOB_STACK_RECORDS, a),
      wait: () => helper.wait(),
    };
  }

  private post(memory: number, job: number, args: readonly number[]): void {
    const spec = JOBS[job];
    if (args.length !== spec.args) throw new Error(`${spec.name} takes ${spec.args} arguments, got ${args.length}`);
    if (this.pending) {
      try { this.wait(); } catch { /* the helper is marked broken */ }
    }
    this.pending = true;
    this.args.set(args);
    Atomics.store(this.state, 1, 0);
    this.worker.postMessage(job + (memory << 4));
  }

  start(I: number, Ww: number, Hw: number, T: number, Wt: number, Ht: number, out: number, ii: number, tt: number, u0: number, u1: number): void {
    this.post(0, JOB_NCC_ROWS, [I, Ww, Hw, T, Wt, Ht, out, ii, tt, u0, u1]);
  }

  startMlcFrame(args: readonly number[]): void {
    this.post(0, JOB_MLC_FRAME, args);
  }

  startFirstPassRows(args: readonly number[]): void {
    this.post(0, JOB_FIRST_PASS_ROWS, args);
  }

  startBlurRows(args: readonly number[]): void {
    this.post(0, JOB_BLUR_ROWS, args);
  }

  startStackRecords(args: readonly number[]): void {
    this.post(0, JOB_STACK_RECORDS, args);
  }

  wait(): void {
    this.pending = false;
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
