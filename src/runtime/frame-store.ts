/**
 * The frame store: a lazy frame sequence and its per-frame products, kept in RAM according to the
 * buffering level (PSS semantics, reference §3.1; the code's order, not the User Guide's):
 *
 *   product                      | kept from level | stored as
 *   L_i Laplacian of decimated G | 1               | Uint8  (⌈H/2⌉·⌈W/2⌉)
 *   G_i blurred mono             | 2               | Uint16 (H·W)
 *   O_i original (debayered)     | 3 (see below)   | Uint8 (8-bit, uncalibrated mono) or Uint16 (H·W·C)
 *   M_i monochrome (colour only) | 4               | Uint16 (H·W)
 *   b_i brightness scalar        | always          | float64
 *
 * A product that is not kept is recomputed from the next one up the chain (L ← G ← M ← O ← disk);
 * each product also has a single-entry cache of the most recent frame. Every product is quantised
 * exactly as it is stored (O and M rounded to 16-bit steps, G rounded to integers, L to 8 bit as PSS's
 * AbsScaleU8), whether or not it is kept, so every buffering level gives bit-identical results.
 *
 * Originals that are the file's own samples of a source that reads in place (an uncalibrated SER, a
 * video's spool) are never kept: re-reading them from the file, which the OS caches, costs a memory
 * copy into a recycled buffer, while keeping them costs committing fresh memory (~3 ms/MiB on these
 * VMs) and doubles the RAM the file takes (`originalsReread`; the memory forecast follows it). The
 * mono frames of such colour originals are not kept either: one read and one conversion remake them.
 *
 * Frame indices here are the compacted indices after exclusion; `sourceIndex(i)` maps back.
 */
import type { Image } from '../image/image.js';
import type { FrameSource, FrameSourceInfo } from '../io/frame-source.js';
import { effectiveLayout, toImage, type ConvertOptions } from '../io/convert.js';
import { debayerStored16, type BayerPattern } from '../io/debayer.js';
import { getKernels, type SamplePlane } from '../image/kernels.js';
import { widenSamples } from '../image/pointwise.js';
import { wasmFirstPass, wasmKernelsEnabled } from '../image/wasm/index.js';
import type { KernelPool } from '../image/workers/pool.js';
import { sharedKernelPool } from '../image/workers/shared-pool.js';
import { FrameArena, sharedPopulator, type MemoryPopulator } from './populate.js';
import { freshFloat32 } from '../image/fresh-memory.js';

/** A float copy of 16-bit samples, committed in bulk (fresh-memory.ts). */
function copyToFresh(g: Uint16Array): Float32Array {
  const out = freshFloat32(g.length);
  out.set(g);
  return out;
}

export type BufferingLevel = 0 | 1 | 2 | 3 | 4;

export interface FrameSetOptions {
  convert: ConvertOptions;
  /** Gaussian kernel size of the "noise" blur (odd, 1..11 typical). */
  noise: number;
  /** Black cut-off for the brightness scalar b_i, on the 16-bit scale. */
  blackCutoff: number;
  /** Included source frame indices (ascending). Default all. */
  include?: number[];
  /** Region of interest [y0, y1, x0, x1] cropped from each frame; empty = whole frame. */
  roi?: number[];
  level: BufferingLevel;
  /** Brightness normalisation on (ranking and stacking divide by b_i). */
  normalize?: boolean;
  /**
   * Commits the memory of kept products ahead of use in a background thread (default: the shared
   * populator; null: plain allocation, the memory is committed where it is first written).
   */
  populator?: MemoryPopulator | null;
  /**
   * Worker pool for read-ahead of first passes; default: the process-wide pool (off unless the CLI or
   * the editor turned it on); null: main thread only. Results are bit-identical either way.
   */
  pool?: KernelPool | null;
}

/**
 * Frames smaller than this (pixels) keep their first passes on the main thread even when the shared
 * pool is on. LUCKYGRAPH_POOL_MIN_PIXELS overrides it (tests use 0 to run small frames in the pool).
 */
const POOL_MIN_PIXELS = 1 << 19;

type FirstPassResult = { g: Uint16Array; l: LaplacianFrame | null; brightness: number };

export interface LaplacianFrame {
  width: number;
  height: number;
  data: Uint8Array;
  /** ΣL and ΣL² when the first pass that made L computed them (the wasm pass does). */
  sum?: number;
  sumSq?: number;
}

type Stored = Uint8Array | Uint16Array;

/** Counts of work done, for tests and the "why" explainer. */
export interface FrameStoreStats {
  reads: number;
  blurs: number;
  laplacians: number;
  /** First passes computed ahead of the request in the worker pool (and then used). */
  prefetched: number;
}

export class FrameSet {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly info: FrameSourceInfo;
  readonly stats: FrameStoreStats = { reads: 0, blurs: 0, laplacians: 0, prefetched: 0 };
  private readonly include: number[];
  private readonly keepL: (LaplacianFrame | undefined)[] = [];
  private readonly keepG: (Uint16Array | undefined)[] = [];
  private readonly keepO: (Stored | undefined)[] = [];
  private readonly keepM: (Uint16Array | undefined)[] = [];
  private readonly bright: (number | undefined)[] = [];
  private readonly last = new Map<string, { i: number; v: Promise<unknown> }>();
  private readonly o8: boolean;
  /** Originals are kept (level ≥ 3), unless the source re-reads them cheaply (`rereadsOriginals`). */
  private readonly keepsOriginals: boolean;
  private readonly plain: boolean;
  private closed = false;
  /** Kept products live in arenas (see populate.ts): L from level 1, G from 2, demosaiced O from 3, M of colour frames at 4. */
  private readonly arenas = new Map<'L' | 'G' | 'M' | 'O', FrameArena>();
  private readonly scratchViews = new Map<string, Float32Array>();
  /** Read-ahead: first passes running in the pool, by frame; the last request and its direction. */
  private readonly ahead = new Map<number, Promise<FirstPassResult>>();
  private lastPass = -1;

  constructor(private readonly source: FrameSource, readonly options: FrameSetOptions, channels: 1 | 3) {
    this.info = source.info;
    const n = source.info.frameCount;
    this.include = options.include ?? Array.from({ length: n }, (_, i) => i);
    this.count = this.include.length;
    const roi = options.roi && options.roi.length === 4 ? options.roi : null;
    this.height = roi ? roi[1] - roi[0] : source.info.height;
    this.width = roi ? roi[3] - roi[2] : source.info.width;
    this.channels = channels;
    // 8-bit stored samples without calibration or demosaicing stay exact multiples of 256.
    const c = options.convert;
    this.o8 = source.info.bytesPerSample === 1 && !c.calibration?.dark && !c.calibration?.flat &&
      (source.info.colorLayout === 'mono' || source.info.colorLayout === 'RGB' || source.info.colorLayout === 'BGR');
    const stored = { roi: !!roi, dark: !!c.calibration?.dark, flat: !!c.calibration?.flat, debayer: c.debayer, scale: c.scale };
    this.plain = plainStored(source.info.colorLayout, stored);
    this.keepsOriginals = this.level >= 3 && !rereadsOriginals(source.info, !!source.readsInPlace, stored);
  }

  /** Bytes of one frame as the source delivers it (before ROI and conversion): what a read fills. */
  private get rawFrameBytes(): number {
    const { width, height, planes, bytesPerSample } = this.info;
    return width * height * planes * bytesPerSample;
  }

  /** Bytes of L_i and G_i. */
  private get firstPassBytes(): { L: number; G: number } {
    return productBytes(this.width, this.height, 1, 2);
  }

  /** The slot of frame i in a product's arena (kept L, G, M and demosaiced O). */
  private slot(kind: 'L' | 'G' | 'M' | 'O', i: number): Uint8Array {
    let a = this.arenas.get(kind);
    if (!a) {
      // (O: demosaiced 16-bit RGB originals; M: 16-bit mono)
      const bytes = kind === 'O' ? this.width * this.height * 6 : kind === 'M' ? this.width * this.height * 2 : this.firstPassBytes[kind];
      const populator = this.options.populator === undefined ? sharedPopulator() : this.options.populator;
      a = new FrameArena(bytes, this.count, populator);
      this.arenas.set(kind, a);
    }
    return a.view(i);
  }

  private slot16(kind: 'G' | 'M' | 'O', i: number): Uint16Array {
    const v = this.slot(kind, i);
    return new Uint16Array(v.buffer, v.byteOffset, v.byteLength / 2);
  }

  get level(): BufferingLevel { return this.options.level; }
  get noise(): number { return this.options.noise; }
  get normalize(): boolean { return !!this.options.normalize; }
  sourceIndex(i: number): number { return this.include[i]; }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new Error(`frame ${i} out of range 0..${this.count - 1}`);
    if (this.closed) throw new Error('frame set is closed');
  }

  /** Single-entry memo per product: the same index twice in a row costs nothing. */
  private memo<T>(key: string, i: number, make: () => Promise<T>): Promise<T> {
    const m = this.last.get(key);
    if (m && m.i === i) return m.v as Promise<T>;
    const v = make();
    this.last.set(key, { i, v });
    v.catch(() => { if (this.last.get(key)?.v === v) this.last.delete(key); });
    return v;
  }

  private async readOriginal(i: number, into?: Uint8Array): Promise<Stored> {
    const raw = await this.source.read(this.include[i], into);
    this.stats.reads++;
    const roi = this.options.roi && this.options.roi.length === 4 ? this.options.roi : null;
    const c = this.options.convert;
    // Fast paths: the stored samples already are the quantised original.
    if (this.plain && this.o8 && raw.data instanceof Uint8Array) return raw.data;
    if (this.plain && raw.data instanceof Uint16Array && c.scale === 1) return raw.data;
    // A Bayer frame without calibration or ROI: demosaiced straight into its 16-bit storage (bit-identical
    // with the float path below), into its arena slot when originals are kept.
    const layout = effectiveLayout(this.info.colorLayout, raw.planes, c.debayer);
    const d0 = raw.data;
    if (!roi && !c.calibration?.dark && !c.calibration?.flat && isBayer(layout) && raw.planes === 1 &&
      (d0 instanceof Uint8Array || d0 instanceof Uint16Array) && exactScale(c.scale, d0)) {
      return debayerStored16(d0, raw.width, raw.height, layout, c.scale, this.keepsOriginals ? this.slot16('O', i) : undefined);
    }
    let img = toImage(raw, this.info.colorLayout, c);
    if (roi) img = cropImage(img, roi);
    const d = img.data;
    if (this.o8) {
      const out = new Uint8Array(d.length);
      for (let k = 0; k < d.length; k++) out[k] = d[k] / 256;
      return out;
    }
    return quantise16(d);
  }

  private storedToImage(s: Stored, channels: 1 | 3, into?: Float32Array): Image {
    return { width: this.width, height: this.height, channels, data: widenSamples(s, storedScale(s), into) };
  }

  /**
   * The reused memory behind a `…View` accessor, as a new array object per frame: code that caches
   * by array identity (e.g. the wasm Stack frame) sees a different frame as a different array.
   */
  private scratchView(key: string, length: number): Float32Array {
    let a = this.scratchViews.get(key);
    if (!a || a.length !== length) { a = freshFloat32(length); this.scratchViews.set(key, a); }
    return new Float32Array(a.buffer, 0, length);
  }

  private originalStored(i: number): Promise<Stored> {
    const kept = this.keepO[i];
    if (kept) return Promise.resolve(kept);
    return this.memo('Os', i, async () => {
      const s = await this.readOriginal(i);
      if (this.keepsOriginals) this.keepO[i] = s;
      return s;
    });
  }

  /** Raw-frame buffers lent to the source for reads whose result is not kept (levels 0–2). */
  private readonly freeRaw: ArrayBuffer[] = [];
  /** The most recent read (the single-entry cache of O at levels 0–2) and how many users hold it. */
  private lastRead: { i: number; s: Promise<Stored>; buf: ArrayBuffer | null; users: number; current: boolean } | null = null;

  /**
   * O_i as stored, for a use that ends before the next await: at levels 0–2 the frame is read into a
   * recycled buffer when the source reads in place (no fresh memory per read); `release()` ends the use, after which the data must
   * not be touched. The most recent read stays valid for the next lease of the same frame (so O and
   * M of one frame cost one read). At levels 3–4 the kept frame is returned and release does nothing.
   */
  private async leaseOriginal(i: number): Promise<{ s: Stored; release: () => void }> {
    if (this.keepsOriginals || this.keepO[i]) return { s: await this.originalStored(i), release: noop };
    let e = this.lastRead;
    if (!e || e.i !== i) {
      if (e) { e.current = false; this.freeIfUnused(e); }
      let buf: ArrayBuffer | null = null;
      if (this.source.readsInPlace) {
        const bytes = this.rawFrameBytes;
        buf = this.freeRaw.pop() ?? null;
        if (!buf || buf.byteLength !== bytes) buf = new ArrayBuffer(bytes);
      }
      e = { i, s: this.readOriginal(i, buf ? new Uint8Array(buf) : undefined), buf, users: 0, current: true };
      this.lastRead = e;
    }
    const entry = e;
    entry.users++;
    let s: Stored;
    try {
      s = await entry.s;
    } catch (err) {
      entry.users--;
      if (this.lastRead === entry) { this.lastRead = null; entry.current = false; }
      this.freeIfUnused(entry);
      throw err;
    }
    let done = false;
    return { s, release: () => { if (!done) { done = true; entry.users--; this.freeIfUnused(entry); } } };
  }

  private freeIfUnused(e: { buf: ArrayBuffer | null; users: number; current: boolean }): void {
    if (e.buf && !e.current && e.users === 0 && this.freeRaw.length < 8 && !this.freeRaw.includes(e.buf)) this.freeRaw.push(e.buf);
  }

  /**
   * O_i as stored (8-bit samples: the float frame is sample · 256; 16-bit: · 1), lent until
   * `release()` — for a use that ends before the next await (e.g. the WebAssembly Stack accumulation,
   * which widens it itself). The data must not be touched after release.
   */
  async originalLease(i: number): Promise<{ frame: { width: number; height: number; channels: 1 | 3; stored: Stored; scale: number }; release: () => void }> {
    this.check(i);
    const { s, release } = await this.leaseOriginal(i);
    return { frame: { width: this.width, height: this.height, channels: this.channels, stored: s, scale: storedScale(s) }, release };
  }

  /** O_i: the calibrated, debayered original, float on the 16-bit scale. */
  original(i: number): Promise<Image> {
    this.check(i);
    return this.memo('O', i, async () => {
      const { s, release } = await this.leaseOriginal(i);
      try { return this.storedToImage(s, this.channels); } finally { release(); }
    });
  }

  /**
   * Like `original(i)`, but the pixels live in an array that the next `originalView` call reuses:
   * for loops that use one frame at a time (copy the data to keep it).
   */
  originalView(i: number): Promise<Image> {
    this.check(i);
    return this.memo('Ov', i, async () => {
      const { s, release } = await this.leaseOriginal(i);
      try { return this.storedToImage(s, this.channels, this.scratchView('O', s.length)); } finally { release(); }
    });
  }

  /** M_i as stored, leased like `leaseOriginal` (colour frames: converted, and the original released). */
  private async leaseMono(i: number): Promise<{ s: Stored; release: () => void }> {
    if (this.channels === 1) return this.leaseOriginal(i);
    const kept = this.keepM[i];
    if (kept) return { s: kept, release: noop };
    const keep = this.keepsMono;
    const { s: o, release } = await this.leaseOriginal(i);
    let m: Uint16Array;
    try { m = getKernels().rgbToMono16(o, storedScale(o), keep ? this.slot16('M', i) : this.freeMono.pop()); } finally { release(); }
    if (keep) { this.keepM[i] = m; return { s: m, release: noop }; }
    // Not kept: the array goes back to a small pool when the lease ends (no fresh memory per frame).
    let done = false;
    return { s: m, release: () => { if (!done) { done = true; if (this.freeMono.length < 4) this.freeMono.push(m); } } };
  }

  /** Mono arrays of colour frames whose leases ended (when M is not kept). */
  private readonly freeMono: Uint16Array[] = [];

  /**
   * M of colour frames is kept at level 4 only with the originals: when those are re-read from the
   * file, M is remade from the read (~1.5 ms per Mpx) rather than committed; after the first pass only
   * Mean's few frames need it.
   */
  private get keepsMono(): boolean {
    return this.level >= 4 && this.keepsOriginals;
  }

  /**
   * M_i as stored (8/16-bit samples, value = sample · scale), without a float copy; call `release`
   * when done (like `originalLease`). For kernels that read stored frames (Mean's accumulation).
   */
  async monoLease(i: number): Promise<{ frame: { width: number; height: number; stored: Stored; scale: number }; release: () => void }> {
    this.check(i);
    const { s, release } = await this.leaseMono(i);
    return { frame: { width: this.width, height: this.height, stored: s, scale: storedScale(s) }, release };
  }

  /** Like `mono(i)`, in an array that the next `monoView` call reuses (see `originalView`). */
  monoView(i: number): Promise<Image> {
    this.check(i);
    return this.memo('Mv', i, async () => {
      const { s, release } = await this.leaseMono(i);
      try { return this.storedToImage(s, 1, this.scratchView('M', s.length)); } finally { release(); }
    });
  }

  /** M_i: the monochrome frame, float on the 16-bit scale. */
  mono(i: number): Promise<Image> {
    this.check(i);
    return this.memo('M', i, async () => {
      const { s, release } = await this.leaseMono(i);
      try { return this.storedToImage(s, 1); } finally { release(); }
    });
  }

  /** G_i: Gaussian-blurred mono frame (kernel `noise`), integer-valued floats on the 16-bit scale. */
  blurred(i: number): Promise<Image> {
    this.check(i);
    return this.memo('G', i, async () => {
      const g = (await this.firstPass(i)).g;
      return { width: this.width, height: this.height, channels: 1 as const, data: copyToFresh(g) };
    });
  }

  /**
   * Like `blurred(i)`, but the pixels live in an array that the next `blurredView` call reuses:
   * for loops that use one frame at a time (copy the data to keep it).
   */
  blurredView(i: number): Promise<Image> {
    this.check(i);
    return this.memo('Gv', i, async () => {
      const g = (await this.firstPass(i)).g;
      const out = this.scratchView('G', g.length);
      out.set(g);
      return { width: this.width, height: this.height, channels: 1 as const, data: out };
    });
  }

  /**
   * G_i as stored (16-bit samples, no float copy): valid until the next first pass of another frame
   * is used (like `blurredView`); for kernels that cut windows out of it (MLC's `correlateWindow`).
   */
  async blurredSamplesView(i: number): Promise<SamplePlane> {
    this.check(i);
    const g = (await this.firstPass(i)).g;
    return { width: this.width, height: this.height, channels: 1, data: g };
  }

  /**
   * The first pass of a frame: G_i as stored (16 bit), b_i, and — from the fused WebAssembly pass —
   * L_i on the way. No float copy of G is made unless someone asks for `blurred(i)`.
   */
  private firstPass(i: number): Promise<{ g: Uint16Array; l: LaplacianFrame | null }> {
    const kept = this.keepG[i];
    if (kept) return Promise.resolve({ g: kept, l: null });
    return this.memo('FP', i, async () => {
      const pool = this.poolInUse();
      let job = this.ahead.get(i);
      if (job) { this.ahead.delete(i); this.stats.prefetched++; }
      else job = pool ? this.firstPassInPool(pool, i) : this.firstPassHere(i);
      if (pool) this.readAhead(pool, i);
      const r = await job;
      this.recycleUsed(r);
      this.stats.blurs++;
      if (this.bright[i] === undefined) this.bright[i] = r.brightness;
      if (this.level >= 2) this.keepG[i] = r.g;
      return { g: r.g, l: r.l };
    });
  }

  /**
   * The pool for read-ahead, if any. The shared pool is used only for frames of at least
   * POOL_MIN_PIXELS: below that a first pass (about 1 ms) costs little more than the messages.
   */
  private poolInUse(): KernelPool | null {
    if (!wasmKernelsEnabled()) return null;
    if (this.options.pool !== undefined) return this.options.pool;
    const min = Number(process.env.LUCKYGRAPH_POOL_MIN_PIXELS ?? POOL_MIN_PIXELS);
    return this.width * this.height >= min ? sharedKernelPool() : null;
  }

  /** The first pass on the main thread: fused WebAssembly, or the TypeScript reference. */
  private async firstPassHere(i: number): Promise<FirstPassResult> {
    if (wasmKernelsEnabled()) {
      // Fused WebAssembly first pass: G, L and b of the stored mono frame, bit-identical to the path below.
      // A colour frame whose M is not kept goes in as RGB: its M is made in wasm (the same rgbToMono16).
      const rgb = this.channels === 3 && !this.keepM[i] && !this.keepsMono;
      const { s: data, release } = rgb ? await this.leaseOriginal(i) : await this.leaseMono(i);
      let r;
      try {
        const job = { data, width: this.width, height: this.height, noise: this.noise, blackCutoff: this.options.blackCutoff };
        r = wasmFirstPass(rgb ? { ...job, rgbScale: storedScale(data) } : job, this.resultArrays(i));
      } finally {
        release();
      }
      if (!r) throw new Error('WebAssembly first pass unavailable');
      return { g: r.g, l: { width: r.lWidth, height: r.lHeight, data: r.l, sum: r.lSum, sumSq: r.lSumSq }, brightness: r.brightness };
    }
    const m = await this.mono(i);
    // Quantise exactly as stored (round half up, clamp), whether or not it is kept.
    const g = quantise16(getKernels().gaussianBlurF32(m, this.noise).data);
    return { g, l: null, brightness: this.bright[i] ?? brightnessOf(m.data, this.options.blackCutoff) };
  }

  /** The same first pass in a pool worker (same module, same call plan: bit-identical). */
  private async firstPassInPool(pool: KernelPool, i: number): Promise<FirstPassResult> {
    const { s: data, release } = await this.leaseMono(i);
    // The input goes through a reused shared buffer (no copy in postMessage, no fresh memory per
    // frame); the results are written by the worker into new shared buffers, so the cost of touching
    // fresh memory for kept products is paid on the worker's core.
    const slot = this.recycled(this.freeInputs, data.byteLength);
    const input = data.BYTES_PER_ELEMENT === 1 ? new Uint8Array(slot, 0, data.length) : new Uint16Array(slot, 0, data.length);
    try { input.set(data); } finally { release(); }
    try {
      const r = await pool.firstPass({ data: input, width: this.width, height: this.height, noise: this.noise, blackCutoff: this.options.blackCutoff }, this.resultArrays(i));
      return { g: r.g, l: { width: r.lWidth, height: r.lHeight, data: r.l, sum: r.lSum, sumSq: r.lSumSq }, brightness: r.brightness };
    } finally {
      this.freeInputs.push(slot);
    }
  }

  /** Shared buffers that can be refilled: pool inputs, and G (levels 0–1) and L (level 0) results. */
  private readonly freeInputs: SharedArrayBuffer[] = [];
  private readonly freeG: SharedArrayBuffer[] = [];
  private readonly freeL: SharedArrayBuffer[] = [];
  /** The not-kept results of the frame whose first pass was used last (recycled by the next). */
  private usedG: SharedArrayBuffer | null = null;
  private usedL: SharedArrayBuffer | null = null;

  /**
   * Where a first pass of frame i writes G and L (shared memory, so a pool worker can fill them too):
   * kept products into their arena slots, the others into recycled buffers (see `recycleUsed`).
   */
  private resultArrays(i: number): { g: Uint16Array; l: Uint8Array } {
    const { G, L } = this.firstPassBytes;
    return {
      g: this.level >= 2 ? this.slot16('G', i) : new Uint16Array(this.recycled(this.freeG, G)),
      l: this.level >= 1 ? this.slot('L', i) : new Uint8Array(this.recycled(this.freeL, L)),
    };
  }

  private recycled(free: SharedArrayBuffer[], bytes: number): SharedArrayBuffer {
    const s = free.pop();
    return s && s.byteLength === bytes ? s : new SharedArrayBuffer(bytes);
  }

  /**
   * Called when the first pass of a new frame is used: the previous frame's not-kept G and L can be
   * refilled now (their readers copy what they need synchronously after the await).
   */
  private recycleUsed(r: FirstPassResult): void {
    if (this.usedG) this.freeG.push(this.usedG);
    if (this.usedL) { this.freeL.push(this.usedL); this.last.delete('L'); }
    const gBuf = r.g.buffer, lBuf = r.l?.data.buffer;
    this.usedG = this.level < 2 && gBuf instanceof SharedArrayBuffer ? gBuf : null;
    this.usedL = this.level < 1 && lBuf instanceof SharedArrayBuffer ? lBuf : null;
  }

  /**
   * After a request for frame i in a sequential walk (i = last ± 1), starts the first passes of the
   * next frames in the same direction. The queue is bounded by the buffering level: each entry holds
   * one frame's G and L until used, so level 0 (memory independent of the frame count) keeps one per
   * worker in flight, higher levels two. Far-off read-ahead that was never used is dropped.
   */
  private readAhead(pool: KernelPool, i: number): void {
    const dir = i === this.lastPass + 1 ? 1 : i === this.lastPass - 1 ? -1 : 0;
    this.lastPass = i;
    const depth = (this.level === 0 ? 1 : 2) * pool.threads;
    for (const j of this.ahead.keys()) if (Math.abs(j - i) > depth || dir === 0) this.ahead.delete(j);
    if (dir === 0) return;
    for (let s = 1; s <= depth; s++) {
      const j = i + s * dir;
      if (j < 0 || j >= this.count) break;
      if (this.keepG[j] || this.ahead.has(j)) continue;
      const job = this.firstPassInPool(pool, j);
      job.catch(() => { /* reported when the frame is requested */ });
      this.ahead.set(j, job);
    }
  }

  /** L_i = min(255, round(|Laplace(G_i[0::2, 0::2])| / 256)) as bytes. */
  laplacian(i: number): Promise<LaplacianFrame> {
    this.check(i);
    const kept = this.keepL[i];
    if (kept) return Promise.resolve(kept);
    return this.memo('L', i, async () => {
      const fp = await this.firstPass(i);
      this.stats.laplacians++;
      const l = fp.l ?? laplacianOf(copyToFresh(fp.g), this.width, this.height);
      if (this.level >= 1) this.keepL[i] = l;
      return l;
    });
  }

  /**
   * b_i: mean over all pixels of (M > cut-off ? M : 0) + 1e-10 (PSS §2.8: dark pixels count as zeros).
   * Computed on the way when G_i is built; always kept.
   */
  async brightness(i: number): Promise<number> {
    this.check(i);
    const b = this.bright[i];
    if (b !== undefined) return b;
    const m = await this.mono(i);
    const v = brightnessOf(m.data, this.options.blackCutoff);
    this.bright[i] = v;
    return v;
  }

  /** Bytes allocated for the arenas of kept products (committed ahead of use; see populate.ts). */
  arenaBytes(): number {
    let sum = 0;
    for (const a of this.arenas.values()) sum += a.allocatedBytes();
    return sum;
  }

  /** Bytes currently held by kept products. */
  heldBytes(): number {
    let sum = 0;
    for (const l of this.keepL) if (l) sum += l.data.byteLength;
    for (const a of [this.keepG, this.keepO, this.keepM]) for (const s of a) if (s) sum += s.byteLength;
    return sum;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.keepL.length = this.keepG.length = this.keepO.length = this.keepM.length = 0;
    this.last.clear();
    this.scratchViews.clear();
    this.ahead.clear();
    this.freeInputs.length = this.freeG.length = this.freeL.length = this.freeRaw.length = 0;
    this.lastRead = null;
    this.arenas.clear();
    this.usedG = this.usedL = null;
    await this.source.close();
  }
}

function noop(): void { /* nothing to release */ }

/** The float value of a stored sample is sample · this: 8-bit samples are kept as the high byte. */
function storedScale(s: Stored): number {
  return s instanceof Uint8Array ? 256 : 1;
}

function laplacianOf(g: Float32Array, width: number, height: number): LaplacianFrame {
  const k = getKernels();
  const lap = k.laplacian3x3(k.decimate2({ width, height, channels: 1, data: g }));
  const d = lap.data;
  const out = new Uint8Array(d.length);
  for (let p = 0; p < d.length; p++) {
    const v = Math.abs(d[p]) / 256;
    if (v >= 255) { out[p] = 255; continue; }
    const f = Math.floor(v), r = v - f;
    out[p] = r > 0.5 || (r === 0.5 && (f & 1) === 1) ? f + 1 : f; // round half to even
  }
  return { width: lap.width, height: lap.height, data: out };
}

function brightnessOf(m: Float32Array, cutoff: number): number {
  let sum = 0;
  for (let k = 0; k < m.length; k++) if (m[k] > cutoff) sum += m[k];
  return sum / m.length + 1e-10;
}

function isBayer(layout: string): layout is BayerPattern {
  return layout === 'RGGB' || layout === 'GRBG' || layout === 'GBRG' || layout === 'BGGR';
}

/** raw · scale exact in float32 for every sample: a power-of-two scale (or 1) on 8/16-bit samples, below 2^24. */
function exactScale(scale: number, data: Uint8Array | Uint16Array): boolean {
  const bits = data instanceof Uint8Array ? 8 : 16;
  return scale > 0 && Number.isInteger(Math.log2(scale)) && bits + Math.log2(scale) <= 24;
}

/** Round half up and clamp to [0, 65535] (the Uint16Array store truncates v + 0.5). */
function quantise16(d: Float32Array): Uint16Array {
  const out = new Uint16Array(d.length);
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    out[k] = v > 0 ? (v < 65535 ? v + 0.5 : 65535) : 0;
  }
  return out;
}


function cropImage(img: Image, roi: number[]): Image {
  const [y0, y1, x0, x1] = roi;
  const C = img.channels;
  const w = x1 - x0, h = y1 - y0;
  const out = freshFloat32(w * h * C);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((y0 + y) * img.width + x0) * C, ((y0 + y) * img.width + x1) * C), y * w * C);
  return { width: w, height: h, channels: img.channels, data: out };
}

/** How the stored original of a frame is made from the source's frame (FrameSet options). */
export interface StoredOriginal {
  roi: boolean;
  dark: boolean;
  flat: boolean;
  debayer: string;
  /** Sample scale of 16-bit sources; undefined when not known yet (before any frame is read). */
  scale?: number;
}

/** No ROI, calibration or demosaicing: the stored original keeps the source's layout and samples. */
export function plainStored(layout: string, o: StoredOriginal): boolean {
  return !o.roi && !o.dark && !o.flat && (o.debayer === 'auto' || o.debayer === layout) && (layout === 'mono' || layout === 'RGB');
}

/**
 * Whether a frame set re-reads its originals instead of keeping them at levels 3–4 (see the module
 * comment): the source reads in place and the stored original is the file's own samples — plain, and
 * 8-bit, or 16-bit needing no scaling. An unknown scale counts as kept (the memory forecast, made
 * before any frame is read, then overestimates 16-bit sources).
 */
export function rereadsOriginals(
  info: Pick<FrameSourceInfo, 'bytesPerSample' | 'colorLayout'>, readsInPlace: boolean, o: StoredOriginal,
): boolean {
  return readsInPlace && plainStored(info.colorLayout, o) && (info.bytesPerSample === 1 || (info.bytesPerSample === 2 && o.scale === 1));
}

/** Bytes per frame each product takes when kept. */
export function productBytes(width: number, height: number, channels: 1 | 3, originalBytesPerSample: 1 | 2) {
  const P = width * height;
  return {
    L: Math.ceil(height / 2) * Math.ceil(width / 2),
    G: 2 * P,
    O: P * channels * originalBytesPerSample,
    M: channels === 3 ? 2 * P : 0,
  };
}

/**
 * Predicted bytes of the frame store at a level (frames × kept products). `originalsReread`: the
 * originals are not kept (FrameSet re-reads them from the file; see the module comment).
 */
export function predictFrameStoreBytes(
  frames: number, width: number, height: number, channels: 1 | 3, originalBytesPerSample: 1 | 2, level: BufferingLevel,
  originalsReread = false,
): number {
  const b = productBytes(width, height, channels, originalBytesPerSample);
  let per = 0;
  if (level >= 1) per += b.L;
  if (level >= 2) per += b.G;
  if (level >= 3 && !originalsReread) per += b.O;
  if (level >= 4 && !originalsReread) per += b.M;
  return frames * per;
}
