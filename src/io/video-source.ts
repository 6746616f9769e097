/**
 * Video files (AVI, MP4, MOV, MKV, …) decoded by ffmpeg into raw frames over a pipe.
 *
 * Strategy for random access: the first time any frame is requested, the whole video is decoded ONCE
 * into a temporary raw frame file (frameCount × width × height × planes × bytes per sample, e.g.
 * 101 × 1280×960 gray8 = 124 MB for the PSS sample video), written sequentially from the ffmpeg pipe.
 * Every later read — random or sequential, however many passes the buffering level needs — is a
 * positional read from that file (served from the OS page cache when it fits). Cost: one decode pass
 * plus the disk space of the raw frames, released on close(). Set LUCKYGRAPH_SPOOL_DIR to choose
 * where the spool goes (default: the OS temp folder).
 *
 * Pixel format: mono content (gray or YUV with neutral chroma in the first frame) is decoded as
 * gray (8 bit) or gray16le (sources with more than 8 bits); colour content as rgb24 / rgb48le.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameSource, FrameSourceInfo, RawFrame } from './frame-source.js';
import { InputError } from './frame-source.js';
import { requireFfmpeg } from './ffmpeg-locate.js';

interface Probe {
  width: number;
  height: number;
  codec: string;
  container: string;
  pixFmt: string;
  highDepth: boolean;
  frameCount: number;
}

function runFfmpegSync(ffmpeg: string, args: string[], maxBuffer = 64 * 1024 * 1024) {
  return spawnSync(ffmpeg, ['-hide_banner', '-nostdin', ...args], { maxBuffer });
}

function probe(path: string, ffmpeg: string): Probe {
  // Count packets of the first video stream without decoding (-c copy): fast and exact for these files.
  const r = runFfmpegSync(ffmpeg, ['-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-']);
  const err = r.stderr.toString('utf8');
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

/** True when the first frame has colour: YUV chroma away from neutral, or RGB channels that differ. */
function detectColour(path: string, ffmpeg: string, p: Probe): boolean {
  if (/^gray|^y(8|16)|^mono/.test(p.pixFmt)) return false;
  const r = runFfmpegSync(ffmpeg, ['-i', path, '-map', '0:v:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], 512 * 1024 * 1024);
  const buf = r.stdout;
  if (r.status !== 0 || buf.length < p.width * p.height * 3) throw new InputError(path, 'unreadable video (cannot decode the first frame)');
  // Chroma rounding in YUV→RGB gives differences of a few levels on grey content; real colour exceeds that widely.
  let big = 0;
  const n = p.width * p.height;
  for (let i = 0; i < n; i++) {
    const r0 = buf[3 * i], g = buf[3 * i + 1], b = buf[3 * i + 2];
    if (Math.abs(r0 - g) > 6 || Math.abs(r0 - b) > 6 || Math.abs(g - b) > 6) big++;
  }
  return big > n * 0.001;
}

export async function openVideo(path: string): Promise<FrameSource> {
  let size = 0;
  try { size = statSync(path).size; } catch { throw new InputError(path, 'file not found'); }
  if (size === 0) throw new InputError(path, 'empty file');
  const { path: ffmpeg } = requireFfmpeg(path);
  const p = probe(path, ffmpeg);
  if (p.frameCount <= 0) throw new InputError(path, 'unreadable video (no video frames)');
  const colour = detectColour(path, ffmpeg, p);
  const planes: 1 | 3 = colour ? 3 : 1;
  const bps: 1 | 2 = p.highDepth ? 2 : 1;
  const pixFmt = colour ? (bps === 2 ? 'rgb48le' : 'rgb24') : (bps === 2 ? 'gray16le' : 'gray');
  const info: FrameSourceInfo = {
    path, format: 'video', container: `${p.container} (${p.codec}, ${p.pixFmt})`, frameCount: p.frameCount,
    width: p.width, height: p.height, bitDepth: bps * 8, bytesPerSample: bps,
    colorLayout: colour ? 'RGB' : 'mono', planes, warnings: [],
  };
  return new VideoSource(info, ffmpeg, pixFmt);
}

class VideoSource implements FrameSource {
  private spoolDir: string | null = null;
  private spool: FileHandle | null = null;
  private spooling: Promise<void> | null = null;
  /** Frames written to the spool so far; readers of later frames wait for them (decoding overlaps work). */
  private spooled = 0;
  private waiters: { index: number; resolve: () => void }[] = [];
  private spoolError: unknown = null;
  private readonly frameBytes: number;

  constructor(readonly info: FrameSourceInfo, private ffmpeg: string, private pixFmt: string) {
    this.frameBytes = info.width * info.height * info.planes * info.bytesPerSample;
  }

  private wrap(index: number, buf: Buffer): RawFrame {
    const { info } = this;
    const data = info.bytesPerSample === 1
      ? new Uint8Array(buf.buffer, buf.byteOffset, this.frameBytes)
      : new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + this.frameBytes));
    return { index, width: info.width, height: info.height, planes: info.planes, bitDepth: info.bitDepth, data };
  }

  /** Decodes every frame through the pipe, calling onFrame in order. */
  private async decode(onFrame: (index: number, buf: Buffer) => Promise<void> | void, signal?: AbortSignal): Promise<number> {
    const { info } = this;
    const child = spawn(this.ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', info.path, '-map', '0:v:0',
      '-f', 'rawvideo', '-pix_fmt', this.pixFmt, 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));
    let pending: Buffer[] = [];
    let have = 0;
    let index = 0;
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        if (signal?.aborted) { child.kill(); throw signal.reason ?? new Error('aborted'); }
        pending.push(chunk);
        have += chunk.length;
        while (have >= this.frameBytes) {
          const all = pending.length === 1 ? pending[0] : Buffer.concat(pending);
          const frame = Buffer.from(all.subarray(0, this.frameBytes));
          const rest = all.subarray(this.frameBytes);
          pending = rest.length ? [rest] : [];
          have = rest.length;
          if (index < info.frameCount) await onFrame(index, frame);
          index++;
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

  private ensureSpool(): Promise<void> {
    if (!this.spooling) {
      this.spooling = (async () => {
        const base = process.env.LUCKYGRAPH_SPOOL_DIR || tmpdir();
        this.spoolDir = mkdtempSync(join(base, 'luckygraph-video-'));
        const fh = await open(join(this.spoolDir, 'frames.raw'), 'w+');
        this.spool = fh;
        try {
          const n = await this.decode(async (i, buf) => {
            await fh.write(buf, 0, buf.length, i * this.frameBytes);
            this.spooled = i + 1;
            this.wake();
          });
          if (n < this.info.frameCount) {
            this.info.warnings.push(`decoded ${n} frames, the container said ${this.info.frameCount}; using ${n}`);
            this.info.frameCount = n;
          }
          this.spooled = Math.max(this.spooled, n);
        } catch (e) {
          this.spoolError = e;
          throw e;
        } finally {
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
    if (index >= this.spooled) await new Promise<void>((resolve) => this.waiters.push({ index, resolve }));
    if (this.spoolError) { await done; }
    if (index >= this.spooled) {
      await done;
      throw new InputError(this.info.path, `frame ${index} is beyond the ${this.spooled} decoded frames`);
    }
  }

  async read(index: number): Promise<RawFrame> {
    if (!Number.isInteger(index) || index < 0 || index >= this.info.frameCount) {
      throw new InputError(this.info.path, `frame ${index} out of range 0..${this.info.frameCount - 1}`);
    }
    await this.spooledFrame(index);
    const buf = Buffer.allocUnsafe(this.frameBytes);
    await this.spool!.read(buf, 0, this.frameBytes, index * this.frameBytes);
    return this.wrap(index, buf);
  }

  async *frames(start = 0, end = this.info.frameCount): AsyncIterable<RawFrame> {
    for (let i = start; i < Math.min(end, this.info.frameCount); i++) yield await this.read(i);
  }

  /** Decode-only pass straight from the pipe (no spool): the benchmark's physical limit. */
  async decodeAll(onFrame?: (f: RawFrame) => void): Promise<number> {
    return this.decode((i, buf) => { onFrame?.(this.wrap(i, buf)); });
  }

  async close(): Promise<void> {
    if (this.spooling) { try { await this.spooling; } catch { /* reported by the reader */ } }
    await this.spool?.close();
    this.spool = null;
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
    this.spoolDir = null;
  }
}

export const VIDEO_EXTENSIONS = ['.avi', '.mp4', '.mov', '.mkv', '.m4v', '.webm', '.wmv', '.mpg', '.mpeg'];
export function isVideoPath(path: string): boolean {
  const lower = path.toLowerCase();
  return VIDEO_EXTENSIONS.some((e) => lower.endsWith(e));
}
