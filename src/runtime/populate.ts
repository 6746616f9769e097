/**
 * Committing memory ahead of use, off the main thread.
 *
 * On some virtual machines (this project's CI among them) the first write to a fresh page costs about
 * 4 µs — 3–4 ms per MiB, more than the arithmetic that fills a frame. Kept per-frame products (L, G, O
 * at buffering levels 1–4) are fresh memory by nature. A `FrameArena` allocates them in chunks of
 * shared memory and has one background thread commit each chunk before the frames reach it, so the
 * main thread (and the kernel workers) write into memory that is already there. The background thread
 * uses native/populate.c (huge pages + MADV_POPULATE_WRITE, ~1–2.5 ms per MiB measured here) when it
 * was built, else it touches one word per page with an atomic add of 0 (never changes data written
 * concurrently). Contents are unaffected either way: only where the cost is paid changes.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NATIVE_PATH = fileURLToPath(new URL('../../native/build/populate.node', import.meta.url));
const WORKER_URL = new URL('./populate-worker.mjs', import.meta.url);

/** True when the native populate module was built (scripts/build-native.mjs). */
export function nativePopulateBuilt(): boolean {
  return existsSync(NATIVE_PATH);
}

export class MemoryPopulator {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (how: string) => void>();
  /** Bytes requested so far. */
  requestedBytes = 0;

  private start(): Worker {
    const w = new Worker(WORKER_URL, { workerData: { nativePath: nativePopulateBuilt() ? NATIVE_PATH : null } });
    w.unref();
    w.on('message', (m: { id: number; how: string }) => {
      const done = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!this.pending.size) w.unref();
      done?.(m.how);
    });
    w.on('error', () => { this.worker = null; for (const d of this.pending.values()) d('failed'); this.pending.clear(); });
    return w;
  }

  /** Commits the memory of `view` (a view on a SharedArrayBuffer) in the background; resolves when done. */
  request(view: Uint8Array): Promise<string> {
    if (!(view.buffer instanceof SharedArrayBuffer)) return Promise.reject(new Error('MemoryPopulator: the view must be on a SharedArrayBuffer'));
    this.worker ??= this.start();
    const id = this.nextId++;
    this.requestedBytes += view.byteLength;
    this.worker.ref();
    const p = new Promise<string>((resolve) => this.pending.set(id, resolve));
    this.worker.postMessage({ id, view });
    return p;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }
}

let shared: MemoryPopulator | null = null;
/** The process-wide populator (one background thread, started on first use). */
export function sharedPopulator(): MemoryPopulator {
  return (shared ??= new MemoryPopulator());
}

/**
 * Per-frame slots of `frameBytes` bytes for `frames` frames, in SharedArrayBuffer chunks of about
 * `chunkBytes`, allocated on first use; allocating a chunk also allocates the next one and asks the
 * populator to commit both, so memory is committed about one chunk ahead of the writes.
 */
export class FrameArena {
  private readonly chunks: (SharedArrayBuffer | undefined)[] = [];
  readonly perChunk: number;
  private readonly slotBytes: number;

  constructor(readonly frameBytes: number, readonly frames: number, private readonly populator: MemoryPopulator | null, chunkBytes = 64 << 20) {
    if (!(frameBytes > 0) || !Number.isInteger(frameBytes) || !(frames >= 0)) throw new Error(`FrameArena: bad size ${frameBytes} x ${frames}`);
    // Slots start at multiples of 8 bytes (any typed array view fits).
    this.slotBytes = Math.ceil(frameBytes / 8) * 8;
    this.perChunk = Math.max(1, Math.floor(chunkBytes / this.slotBytes));
  }

  private chunk(c: number): SharedArrayBuffer {
    let s = this.chunks[c];
    if (!s) {
      const n = Math.min(this.perChunk, this.frames - c * this.perChunk);
      s = new SharedArrayBuffer(n * this.slotBytes);
      this.chunks[c] = s;
      void this.populator?.request(new Uint8Array(s));
    }
    return s;
  }

  /** The bytes of frame i's slot. */
  view(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.frames) throw new Error(`FrameArena: frame ${i} out of range 0..${this.frames - 1}`);
    const c = Math.floor(i / this.perChunk);
    const s = this.chunk(c);
    if ((c + 1) * this.perChunk < this.frames) this.chunk(c + 1); // commit ahead
    return new Uint8Array(s, (i - c * this.perChunk) * this.slotBytes, this.frameBytes);
  }

  /** Bytes allocated so far. */
  allocatedBytes(): number {
    let sum = 0;
    for (const s of this.chunks) if (s) sum += s.byteLength;
    return sum;
  }
}
