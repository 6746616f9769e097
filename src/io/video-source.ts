/**
 * Video files (AVI, MP4, MOV, MKV, …) decoded by ffmpeg into raw frames.
 *
 * Opening runs two short ffmpeg processes at the same time: a stream copy that counts the packets
 * (frame count, size, pixel format) and a decode of the first frame (colour detection).
 *
 * Strategy for random access: the first time any frame is requested, the whole video is decoded ONCE
 * into a temporary raw frame file (frameCount × width × height × planes × bytes per sample, e.g.
 * 101 × 1280×960 gray8 = 124 MB for the PSS sample video), written sequentially by ffmpeg itself (its
 * stdout is the file, so the frames never pass through this process); readers wait only for the frame
 * they need. Every later read — random or sequential, however many passes the buffering level needs —
 * is a positional read from that file (served from the OS page cache when it fits). Cost: one decode
 * pass plus the disk space of the raw frames, released on close(). Set LUCKYGRAPH_SPOOL_DIR to choose
 * where the spool goes (default: the OS temp folder).
 *
 * Pixel format: mono content (gray or YUV with neutral chroma in the first frame) is decoded as
 * gray (8 bit) or gray16le (sources with more than 8 bits); colour content as rgb24 / rgb48le. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FrameSource, FrameSourceInfo, RawFrame } from './frame-source.js';
import { InputError, lentBytes } from './frame-source.js';
import { findFfmpeg, requireFfmpeg } from './ffmpeg-locate.js';

interface Probe {
  width: number;
  height: number;
  codec: string;
  container: string;
  pixFmt: string;
  highDepth: boolean;
  frameCount: number;
}

interface FfmpegRun {
  /** Exit code; null when killed by a signal, failed to start or went over maxBuffer (as spawnSync's status). */
  status: number | null;
  /** Stdout as received from the pipe (not concatenated). */
  stdout: Buffer[];
  stdoutBytes: number;
  stderr: string;
}

/** Runs ffmpeg without blocking the event loop (so several can run at once); spawnSync-like result. */
function runFfmpeg(ffmpeg: string, args: string[], maxBuffer = 64 * 1024 * 1024): { result: Promise<FfmpegRun>; kill: () => void } {
  const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let stdoutBytes = 0, stderrBytes = 0, over = false;
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  child.stdout.on('data', (d: Buffer) => {
    stdoutBytes += d.length;
    if (stdoutBytes > maxBuffer) { over = true; kill(); } else stdout.push(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    stderrBytes += d.length;
    if (stderrBytes > maxBuffer) { over = true; kill(); } else stderr.push(d);
  });
  const result = new Promise<FfmpegRun>((resolve) => {
    let spawnError: Error | null = null;
    child.on('error', (e) => { spawnError = e; });
    child.on('close', (code) => {
      const text = Buffer.concat(stderr).toString('utf8') + (spawnError ? `\n${spawnError.message}` : '');
      resolve({ status: over || spawnError ? null : code, stdout, stdoutBytes: over ? 0 : stdoutBytes, stderr: text });
    });
  });
  return { result, kill };
}

/** Count packets of the first video stream without decoding (-c copy): fast and exact for these files. */
function startProbe(path: string, ffmpeg: string) {
  return runFfmpeg(ffmpeg, ['-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-']);
}

function parseProbe(path: string, r: FfmpegRun): Probe {
  const err = r.stderr;
  const input = /Input #0, ([^,]+(?:,[^,]+)*?), from/.exec(err);
  const stream = /Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Video: (\w+)[^,]*, ([a-z0-9_]+)(?:\([^)]*\))?, (\d+)x(\d+)/.exec(err);
  if (r.status !== 0 || !stream) {
    const last = err.trim().split('\n').pop() ?? 'unknown error';
    throw new InputError(path, `unreadable video (ffmpeg: ${last.trim()})`);
  }
  const frames = [...err.matchAll(/frame=\s*(\d+)/g)];
  const frameCount = frames.length ? Number(frames[frames.length - 1][1]) : 0;
  const pixFmt = stream[2];
  const highDepth = /(9|10|12|14|16)(le|be)?$/.test(pixFmt) || /48|64/.test(pixFmt);
  return {
    codec: stream[1], pixFmt, width: Number(stream[3]), height: Number(stream[4]),
    container: input ? input[1].split(',')[0] : 'video', highDepth, frameCount,
  };
}

/** Decodes the first frame as rgb24 (one decoder thread: no frame-threading delay, same pixels). */
function startFirstFrame(path: string, ffmpeg: string) {
  return runFfmpeg(ffmpeg, ['-threads', '1', '-i', path, '-map', '0:v:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], 512 * 1024 * 1024);
}

const isGrayFormat = (pixFmt: string) => /^gray|^y(8|16)|^mono/.test(pixFmt);

/**
 * Pixels in buf[start … end) (whole RGB triples) whose channels differ by more than 6 levels:
 * max − min > 6, i.e. some pair differs by more than 6. One call per pipe chunk: a small function
 * the JIT optimises after a few chunks (a per-pixel closure in one long loop ran mostly unoptimised).
 */
function colourfulPixels(buf: Uint8Array, start: number, end: number): number {
  let big = 0;
  for (let i = start; i < end; i += 3) {
    const r = buf[i], g = buf[i + 1], b = buf[i + 2];
    const mx = r > g ? (r > b ? r : b) : g > b ? g : b;
    const mn = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (mx - mn > 6) big++;
  }
  return big;
}

/** True when the first frame has colour: YUV chroma away from neutral, or RGB channels that differ. */
function detectColour(path: string, p: Probe, r: FfmpegRun): boolean {
  const n = p.width * p.height;
  if (r.status !== 0 || r.stdoutBytes < n * 3) throw new InputError(path, 'unreadable video (cannot decode the first frame)');
  // Chroma rounding in YUV→RGB gives differences of a few levels on grey content; real colour exceeds that widely.
  // The first n pixels, walked across the pipe chunks (a pixel may straddle two chunks).
  let big = 0;
  let px = 0;
  const carry = new Uint8Array(3);
  let c = 0;
  for (const buf of r.stdout) {
    if (px >= n) break;
    let i = 0;
    if (c > 0) {
      while (c < 3 && i < buf.length) carry[c++] = buf[i++];
      if (c < 3) continue;
      big += colourfulPixels(carry, 0, 3);
      px++; c = 0;
    }
    const whole = Math.min(Math.floor((buf.length - i) / 3), n - px);
    big += colourfulPixels(buf, i, i + 3 * whole);
    i += 3 * whole;
    px += whole;
    if (px < n) while (i < buf.length) carry[c++] = buf[i++];
  }
  return big > n * 0.001;
}

/**
 * What the probes found, per file (path, size, mtime): a run opens its input twice (the memory
 * forecast, then the Source node), and the probes cost two ffmpeg processes (~0.1–0.2 s).
 */
const probeCache = new Map<string, { p: Probe; colour: boolean }>();

/** What opening a video finds out (and the decode it may have started). */
interface OpenedVideo {
  p: Probe;
  colour: boolean;
  /** The spool decode started during the probes (prefetch), when its guess (8-bit mono) was right. */
  early: Promise<SpoolWriter> | null;
}

/** The cache key of a file: its absolute path, size and mtime, and the ffmpeg binary. */
function fileKey(path: string, ffmpeg: string): string {
  let size = 0;
  let mtime = 0;
  try { const st = statSync(path); size = st.size; mtime = st.mtimeMs; } catch { throw new InputError(path, 'file not found'); }
  if (size === 0) throw new InputError(path, 'empty file');
  return `${resolve(path)}\0${size}\0${mtime}\0${ffmpeg}`;
}

/**
 * Opens started before the program finished loading (`prelaunchVideo`), by file key. Kept on
 * globalThis because bin/luckygraph.js loads this module from a small bundle of its own
 * (dist/cli/video-prelaunch.mjs) before the CLI bundle, which has its own copy of the module.
 */
const PRELAUNCHED = Symbol.for('luckygraph.video.prelaunched');
function prelaunched(): Map<string, Promise<OpenedVideo>> {
  const g = globalThis as { [PRELAUNCHED]?: Map<string, Promise<OpenedVideo>> };
  return (g[PRELAUNCHED] ??= new Map());
}

/**
 * Starts opening a video now — the probes and the spool decode (guessing 8-bit mono) — so that it
 * runs while the rest of the program loads: `luckygraph run … --input video.avi` calls this first
 * thing (bin/luckygraph.js). The next `openVideo` of the same file adopts it. Never throws: an
 * unreadable file is reported by that `openVideo`, and an open nobody adopts is cleaned up at exit
 * (the spool decoder killed, its folder removed).
 */
export function prelaunchVideo(path: string): void {
  if (!isVideoPath(path)) return;
  try {
    const loc = findFfmpeg();
    if (!loc) return;
    const key = fileKey(path, loc.path);
    if (prelaunched().has(key)) return;
    const job = probeVideo(path, loc.path, true);
    job.catch(() => { /* openVideo opens again and reports the error */ });
    prelaunched().set(key, job);
  } catch {
    /* openVideo reports it */
  }
}

/**
 * Opens a video. `prefetch`: frames will be read soon — the decode into the spool starts at once,
 * while the probes run, guessing 8-bit mono (the common case for lunar and solar captures); a wrong
 * guess (colour or more than 8 bits) is discarded and the right decode starts at the first read.
 */
export async function openVideo(path: string, options: { prefetch?: boolean } = {}): Promise<FrameSource> {
  const { path: ffmpeg } = requireFfmpeg(path);
  const key = fileKey(path, ffmpeg);
  const pre = prelaunched().get(key);
  if (pre) {
    prelaunched().delete(key);
    try {
      const o = await pre;
      rememberProbe(key, o);
      return videoSource(path, ffmpeg, o.p, o.colour, o.early);
    } catch {
      /* open again below: the error is reported from there */
    }
  }
  const known = probeCache.get(key);
  if (known) return videoSource(path, ffmpeg, known.p, known.colour);
  const o = await probeVideo(path, ffmpeg, !!options.prefetch);
  rememberProbe(key, o);
  return videoSource(path, ffmpeg, o.p, o.colour, o.early);
}

function rememberProbe(key: string, o: OpenedVideo): void {
  if (probeCache.size > 64) probeCache.clear();
  probeCache.set(key, { p: o.p, colour: o.colour });
}

/** The probes (and, with `prefetch`, the speculative spool decode) of one video. */
async function probeVideo(path: string, ffmpeg: string, prefetch: boolean): Promise<OpenedVideo> {
  const early = prefetch ? startSpoolWriter(path, ffmpeg, 'gray') : null;
  early?.catch(() => { /* a failed guess: the first read starts its own decode */ });
  // The packet count and the first-frame decode run at the same time; the second is only used (and
  // only waited for) when the probe says the pixel format can hold colour.
  const probeRun = startProbe(path, ffmpeg);
  const firstRun = startFirstFrame(path, ffmpeg);
  let p: Probe;
  let colour = false;
  try {
    try {
      p = parseProbe(path, await probeRun.result);
      if (p.frameCount <= 0) throw new InputError(path, 'unreadable video (no video frames)');
    } catch (e) {
      firstRun.kill();
      throw e;
    }
    if (isGrayFormat(p.pixFmt)) firstRun.kill();
    else colour = detectColour(path, p, await firstRun.result);
  } catch (e) {
    if (early) await discardWriter(early);
    throw e;
  }
  const guessRight = !colour && !p.highDepth;
  if (early && !guessRight) await discardWriter(early);
  return { p, colour, early: guessRight ? early : null };
}

async function discardWriter(w: Promise<SpoolWriter>): Promise<void> {
  try { await (await w).discard(); } catch { /* never started */ }
}

function videoSource(path: string, ffmpeg: string, p: Probe, colour: boolean, early: Promise<SpoolWriter> | null = null): FrameSource {
  const planes: 1 | 3 = colour ? 3 : 1;
  const bps: 1 | 2 = p.highDepth ? 2 : 1;
  const pixFmt = colour ? (bps === 2 ? 'rgb48le' : 'rgb24') : (bps === 2 ? 'gray16le' : 'gray');
  const info: FrameSourceInfo = {
    path, format: 'video', container: `${p.container} (${p.codec}, ${p.pixFmt})`, frameCount: p.frameCount,
    width: p.width, height: p.height, bitDepth: bps * 8, bytesPerSample: bps,
    colorLayout: colour ? 'RGB' : 'mono', planes, warnings: [],
  };
  return new VideoSource(info, ffmpeg, pixFmt, early);
}

/**
 * Spools of this process: the ffmpeg processes writing them (unlike a pipe's writer, which dies on the
 * broken pipe, they would outlive this process and finish decoding into the temp folder) and the
 * folders not yet removed by close() (e.g. a source never closed after an error). At exit the
 * writers are killed and the folders removed.
 */
const spoolWriters = new Set<ChildProcess>();
const spoolDirs = new Set<string>();
let exitCleanup = false;
function cleanUpSpoolsAtExit(): void {
  if (exitCleanup) return;
  exitCleanup = true;
  process.once('exit', () => {
    for (const c of spoolWriters) c.kill('SIGKILL');
    for (const d of spoolDirs) rmSync(d, { recursive: true, force: true });
  });
}
function trackSpoolWriter(child: ChildProcess): void {
  cleanUpSpoolsAtExit();
  spoolWriters.add(child);
  child.once('close', () => spoolWriters.delete(child));
}
function trackSpoolDir(dir: string): void {
  cleanUpSpoolsAtExit();
  spoolDirs.add(dir);
}

/**
 * An ffmpeg process decoding a whole video into a spool file of raw frames (its stdout is the file).
 * It needs no probe results, so it can start while the probes run (see `openVideo`'s `prefetch`).
 */
interface SpoolWriter {
  readonly dir: string;
  readonly fh: FileHandle;
  readonly exited: Promise<number>;
  stderr(): string;
  /** Stops the decoder (the spool stays; its owner closes and removes it). */
  stop(): void;
  /** Stops the decoder and removes the spool (a writer nobody adopted, or a wrong guess). */
  discard(): Promise<void>;
}

async function startSpoolWriter(path: string, ffmpeg: string, pixFmt: string): Promise<SpoolWriter> {
  const base = process.env.LUCKYGRAPH_SPOOL_DIR || tmpdir();
  const dir = mkdtempSync(join(base, 'luckygraph-video-'));
  trackSpoolDir(dir);
  const fh = await open(join(dir, 'frames.raw'), 'w+');
  const child = spawn(ffmpeg, spoolArgs(path, pixFmt), { stdio: ['ignore', fh.fd, 'pipe'] });
  trackSpoolWriter(child);
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number>((res) => {
    child.on('error', (e) => { err += `\n${e.message}`; });
    child.on('close', (code) => res(code ?? -1));
  });
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  return {
    dir, fh, exited, stop,
    stderr: () => err,
    async discard() {
      stop();
      await exited;
      await fh.close();
      rmSync(dir, { recursive: true, force: true });
      spoolDirs.delete(dir);
    },
  };
}

function spoolArgs(path: string, pixFmt: string): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-map', '0:v:0', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1'];
}

/** How often the spool's size is checked while a reader waits for a frame the decoder has not written yet. */
const SPOOL_POLL_MS = 2;

class VideoSource implements FrameSource {
  readonly readsInPlace = true;
  private spoolDir: string | null = null;
  private spool: FileHandle | null = null;
  private spooling: Promise<void> | null = null;
  /** Frames written to the spool so far; readers of later frames wait for them (decoding overlaps work). */
  private spooled = 0;
  private waiters: { index: number; resolve: () => void }[] = [];
  private spoolError: unknown = null;
  /** The decoder has exited (spooled is final) or failed (spoolError). */
  private spoolFinished = false;
  /** Wakes the spool watcher (a reader started waiting, or ffmpeg exited). */
  private pollWake: (() => void) | null = null;
  private readonly frameBytes: number;

  /** A decoder started before the probes finished (openVideo's prefetch), adopted by ensureSpool. */
  private early: Promise<SpoolWriter> | null;

  constructor(readonly info: FrameSourceInfo, private ffmpeg: string, private pixFmt: string, early: Promise<SpoolWriter> | null = null) {
    this.frameBytes = info.width * info.height * info.planes * info.bytesPerSample;
    this.early = early;
  }

  private ffmpegArgs(): string[] {
    return spoolArgs(this.info.path, this.pixFmt);
  }

  /** Frame over buf: a view (no copy) when the 16-bit samples are aligned, else a copy. */
  private wrap(index: number, buf: Buffer): RawFrame {
    const { info } = this;
    const data = info.bytesPerSample === 1
      ? new Uint8Array(buf.buffer, buf.byteOffset, this.frameBytes)
      : buf.byteOffset % 2 === 0
        ? new Uint16Array(buf.buffer, buf.byteOffset, this.frameBytes / 2)
        : new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + this.frameBytes));
    return { index, width: info.width, height: info.height, planes: info.planes, bitDepth: info.bitDepth, data };
  }

  /**
   * Decodes every frame through the pipe, calling onFrame in order. Pipe chunks are copied straight into
   * one reusable frame buffer (fresh memory is expensive to touch, reused memory is not): the buffer given
   * to onFrame is only valid until onFrame returns (or the promise it returns settles).
   */
  private async decode(onFrame: (index: number, buf: Buffer) => Promise<void> | void, signal?: AbortSignal): Promise<number> {
    const { info, frameBytes } = this;
    const child = spawn(this.ffmpeg, this.ffmpegArgs(), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));
    const frame = Buffer.allocUnsafeSlow(frameBytes);
    let fill = 0;
    let index = 0;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        if (signal?.aborted) { child.kill(); throw signal.reason ?? new Error('aborted'); }
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(chunk.length - off, frameBytes - fill);
          chunk.copy(frame, fill, off, off + n);
          fill += n;
          off += n;
          if (fill === frameBytes) {
            if (index < info.frameCount) await onFrame(index, frame);
            index++;
            fill = 0;
          }
        }
      }
    } finally {
      if (child.exitCode === null) child.kill();
    }
    const code = await exited;
    if (code !== 0 && !signal?.aborted && index < info.frameCount) {
      throw new InputError(info.path, `ffmpeg failed after ${index} frames: ${stderr.trim().split('\n').pop()}`);
    }
    return index;
  }

  /**
   * Decodes the whole video into the spool: ffmpeg writes the raw frames straight into the spool file (its
   * stdout is the file), so no frame data passes through this process. Progress is the file's size,
   * checked every SPOOL_POLL_MS while some reader waits. Frame i counts as spooled once ffmpeg has exited
   * or the file extends a margin (≥ one frame) past its end: on Linux the size only ever covers copied
   * data, the margin also covers file systems that extend the size before the bytes land. Returns the
   * number of whole frames written.
   */
  private async decodeToSpool(writer: SpoolWriter): Promise<number> {
    const { info, frameBytes } = this;
    const { fh, exited } = writer;
    let running = true;
    void exited.then(() => { running = false; this.pollWake?.(); });
    const margin = Math.max(frameBytes, 1 << 20);
    try {
      while (running) {
        await new Promise<void>((resolve) => {
          const timer = this.waiters.length ? setTimeout(() => done(), SPOOL_POLL_MS) : null;
          const done = () => { if (timer) clearTimeout(timer); this.pollWake = null; resolve(); };
          this.pollWake = done;
        });
        if (!running || !this.waiters.length) continue;
        const { size } = await fh.stat();
        const ready = Math.min(info.frameCount, Math.floor(Math.max(0, size - margin) / frameBytes));
        if (ready > this.spooled) { this.spooled = ready; this.wake(); }
      }
    } catch (e) {
      writer.stop();
      throw e;
    }
    const code = await exited;
    const n = Math.floor((await fh.stat()).size / frameBytes);
    if (code !== 0 && n < info.frameCount) {
      throw new InputError(info.path, `ffmpeg failed after ${n} frames: ${writer.stderr().trim().split('\n').pop()}`);
    }
    return n;
  }

  private ensureSpool(): Promise<void> {
    if (!this.spooling) {
      this.spooling = (async () => {
        const writer = await (this.early ?? startSpoolWriter(this.info.path, this.ffmpeg, this.pixFmt));
        this.early = null;
        this.spoolDir = writer.dir;
        this.spool = writer.fh;
        try {
          const n = await this.decodeToSpool(writer);
          if (n < this.info.frameCount) {
            this.info.warnings.push(`decoded ${n} frames, the container said ${this.info.frameCount}; using ${n}`);
            this.info.frameCount = n;
          }
          this.spooled = Math.max(this.spooled, n);
        } catch (e) {
          this.spoolError = e;
          throw e;
        } finally {
          this.spoolFinished = true;
          this.wake(true);
        }
      })();
      this.spooling.catch(() => { /* reported to readers */ });
    }
    return this.spooling;
  }

  private wake(all = false): void {
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) (all || w.index < this.spooled ? w.resolve() : keep.push(w));
    this.waiters = keep;
  }

  /** Resolves once frame `index` is in the spool (the decoder runs ahead in the background). */
  private async spooledFrame(index: number): Promise<void> {
    const done = this.ensureSpool();
    // (once the decoder has finished or failed nobody would wake a new waiter)
    if (index >= this.spooled && !this.spoolFinished) {
      await new Promise<void>((resolve) => {
        this.waiters.push({ index, resolve });
        this.pollWake?.();
      });
    }
    if (this.spoolError) { await done; }
    if (index >= this.spooled) {
      await done;
      throw new InputError(this.info.path, `frame ${index} is beyond the ${this.spooled} decoded frames`);
    }
  }

  /** Starts decoding into the spool now (reads will follow); errors are reported to the readers. */
  prefetch(): void {
    void this.ensureSpool().catch(() => { /* reported by read */ });
  }

  async read(index: number, into?: Uint8Array): Promise<RawFrame> {
    if (!Number.isInteger(index) || index < 0 || index >= this.info.frameCount) {
      throw new InputError(this.info.path, `frame ${index} out of range 0..${this.info.frameCount - 1}`);
    }
    await this.spooledFrame(index);
    // A fresh buffer per call (callers may keep frames), unless the caller lends one.
    const buf = lentBytes(into, this.frameBytes) ?? Buffer.allocUnsafeSlow(this.frameBytes);
    await this.spool!.read(buf, 0, this.frameBytes, index * this.frameBytes);
    return this.wrap(index, buf);
  }

  async *frames(start = 0, end = this.info.frameCount): AsyncIterable<RawFrame> {
    for (let i = start; i < Math.min(end, this.info.frameCount); i++) yield await this.read(i);
  }

  /**
   * Decode-only pass through the pipe (no spool): the benchmark's physical limit. The frame given to
   * onFrame views a buffer that the next frame overwrites: copy what must outlive the call.
   */
  async decodeAll(onFrame?: (f: RawFrame) => void): Promise<number> {
    return this.decode(onFrame ? (i, buf) => { onFrame(this.wrap(i, buf)); } : () => {});
  }

  async close(): Promise<void> {
    if (this.early) { const w = this.early; this.early = null; await (await w).discard(); }
    if (this.spooling) { try { await this.spooling; } catch { /* reported by the reader */ } }
    await this.spool?.close();
    this.spool = null;
    if (this.spoolDir) {
      rmSync(this.spoolDir, { recursive: true, force: true });
      spoolDirs.delete(this.spoolDir);
    }
    this.spoolDir = null;
  }
}

export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mov', '.mkv', '.m4v', '.webm', '.wmv', '.mpg', '.mpeg'];
export function isVideoPath(path: string): boolean {
  const lower = path.toLowerCase();
  return VIDEO_EXTENSIONS.some((e) => lower.endsWith(e));
}
