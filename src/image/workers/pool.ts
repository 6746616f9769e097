/**
 * A worker_threads pool for the per-frame first pass (brightness, blur G, Laplacian L of a stored
 * mono frame), running kernels.wasm in every worker. Results are bit-identical with
 * `WasmKernelInstance.firstPass` on the main thread (and so with the frame store's TypeScript path):
 * every worker executes the same call plan (module.ts `planFirstPass`) on the same module.
 *
 * Data movement: the input samples are copied once into the message (zero-copy when they live in
 * a SharedArrayBuffer); G and L are created in the worker and transferred back (zero-copy), or
 * written straight into caller-supplied arrays on SharedArrayBuffers (`out`).
 *
 *   const pool = KernelPool.create();            // null when kernels.wasm is unavailable
 *   const r = await pool.firstPass({ data, width, height, noise: 7, blackCutoff: 3840 });
 *   // r.g: Uint16Array (G), r.l: Uint8Array (L, ⌈w/2⌉·⌈h/2⌉), r.brightness
 *   await pool.close();
 *
 * Idle workers do not keep the process alive (they are unref'd between jobs).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { loadWasmModule, sharedWasmInstance, wasmLoadError } from '../wasm/node.ts';
import { planFirstPass, type CallPlan, type FirstPassInput, type FirstPassOutput } from '../wasm/module.ts';

export interface KernelPoolOptions {
  /** Worker count (default: `os.availableParallelism()`). */
  threads?: number;
}

interface OutputSpec {
  offset: number;
  length: number;
  bytes: 1 | 2 | 4 | 8;
  into?: Uint8Array | Uint16Array | Float32Array;
}

interface Task {
  id: number;
  plan: CallPlan;
  input: Uint8Array | Uint16Array;
  outputs: OutputSpec[];
  resolve: (r: { result: number; outs: (ArrayBufferView | null)[] }) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | null;
}

const WORKER_URL = new URL('./kernel-worker.mjs', import.meta.url);

export class KernelPool {
  readonly threads: number;
  private readonly module: WebAssembly.Module;
  private readonly heapBase: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(module: WebAssembly.Module, heapBase: number, threads: number) {
    this.module = module;
    this.heapBase = heapBase;
    this.threads = threads;
    for (let i = 0; i < threads; i++) this.slots.push(this.spawn());
  }

  /** A pool, or null (after one warning from the loader) when kernels.wasm is not available. */
  static create(opts: KernelPoolOptions = {}): KernelPool | null {
    const mod = loadWasmModule();
    const inst = sharedWasmInstance();
    if (!mod || !inst) return null;
    const n = opts.threads ?? availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new Error(`KernelPool: threads must be a positive integer, got ${n}`);
    return new KernelPool(mod, inst.exports.heapBase(), n);
  }

  /** Like `create` but throws when kernels.wasm is not available. */
  static require(opts: KernelPoolOptions = {}): KernelPool {
    const p = KernelPool.create(opts);
    if (!p) throw new Error(`KernelPool: ${wasmLoadError()}`);
    return p;
  }

  /** Jobs waiting for a worker (not counting the running ones). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * The fused first pass of one stored mono frame in a worker (see `WasmKernelInstance.firstPass`).
   * `out.g` / `out.l` may be views on SharedArrayBuffers to receive the results in place.
   */
  async firstPass(job: FirstPassInput, out?: { g?: Uint16Array; l?: Uint8Array }): Promise<FirstPassOutput> {
    const plan = planFirstPass(this.heapBase, job);
    for (const [name, a, n] of [['g', out?.g, plan.g.length], ['l', out?.l, plan.l.length]] as const) {
      if (a && (a.length !== n || !(a.buffer instanceof SharedArrayBuffer))) {
        throw new Error(`KernelPool.firstPass: out.${name} must be a view on a SharedArrayBuffer with ${n} samples`);
      }
    }
    const r = await this.submit(plan, job.data, [
      { offset: plan.g.offset, length: plan.g.length, bytes: 2, into: out?.g },
      { offset: plan.l.offset, length: plan.l.length, bytes: 1, into: out?.l },
      { offset: plan.stats.offset, length: 2, bytes: 8 },
    ]);
    const g = (out?.g ?? r.outs[0]) as Uint16Array;
    const l = (out?.l ?? r.outs[1]) as Uint8Array;
    const st = r.outs[2] as Float64Array;
    return { g, l, lWidth: plan.lWidth, lHeight: plan.lHeight, brightness: r.result / plan.samples + 1e-10, lSum: st[0], lSumSq: st[1] };
  }

  /** Terminates the workers; queued jobs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('KernelPool closed');
    for (const t of this.queue.splice(0)) t.reject(err);
    await Promise.all(this.slots.map(async (s) => {
      s.task?.reject(err);
      s.task = null;
      await s.worker.terminate();
    }));
  }

  private submit(plan: CallPlan, input: Uint8Array | Uint16Array, outputs: OutputSpec[]) {
    if (this.closed) return Promise.reject(new Error('KernelPool closed'));
    return new Promise<{ result: number; outs: (ArrayBufferView | null)[] }>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, plan, input, outputs, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const s of this.slots) {
      if (!this.queue.length) return;
      if (s.task) continue;
      const t = this.queue.shift()!;
      s.task = t;
      s.worker.ref();
      // Input: shared memory goes as is; an array spanning its whole buffer is cloned by postMessage;
      // a view into a larger buffer is first cut to a tight copy, which is transferred.
      const inp = t.input;
      const whole = inp.byteOffset === 0 && inp.byteLength === inp.buffer.byteLength;
      const tight = inp.buffer instanceof SharedArrayBuffer || whole;
      const input = tight ? inp : inp.slice();
      s.worker.postMessage({ id: t.id, plan: t.plan, input, outputs: t.outputs }, tight ? [] : [input.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    const slot: Slot = { worker, task: null };
    worker.postMessage({ type: 'init', module: this.module });
    worker.unref();
    worker.on('message', (m: { id: number; result?: number; outs?: (ArrayBufferView | null)[]; error?: string }) => {
      const t = slot.task;
      if (!t || t.id !== m.id) return;
      slot.task = null;
      worker.unref();
      if (m.error !== undefined) t.reject(new Error(`KernelPool worker: ${m.error}`));
      else t.resolve({ result: m.result!, outs: m.outs! });
      this.dispatch();
    });
    worker.on('error', (e) => {
      // A crashed worker: fail its job and replace it.
      const t = slot.task;
      slot.task = null;
      t?.reject(e instanceof Error ? e : new Error(String(e)));
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      this.dispatch();
    });
    return slot;
  }
}
