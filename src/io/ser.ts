/**
 * SER video files (see ../shared/reference/ser-format.md): reader with positional reads (files > 4 GB,
 * nothing read into memory beyond one frame) and a writer used by the sample generator and tests.
 *
 * Byte order of 16-bit samples: the header's LittleEndian flag is used with its *compatibility* meaning
 * by default (0 → little-endian, 1 → big-endian, as FireCapture, SharpCap, Siril and most writers do).
 * `byteOrder: 'spec'` reads it literally (1 → little), and 'little' / 'big' force an order.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { statSync } from 'node:fs';
import type { ColorLayout, FrameSource, FrameSourceInfo, RawFrame } from './frame-source.js';
import { InputError, lentBytes } from './frame-source.js';
import { writeFileAtomic } from './atomic-write.js';

export const SER_HEADER_BYTES = 178;
const SER_MAGIC = 'LUCAM-RECORDER';
/** 100 ns ticks between 0001-01-01 and 1970-01-01. */
const TICKS_AT_UNIX_EPOCH = 621355968000000000n;

export type SerByteOrderOption = 'compat' | 'spec' | 'little' | 'big';

const COLOR_IDS: Record<number, ColorLayout> = { 0: 'mono', 8: 'RGGB', 9: 'GRBG', 10: 'GBRG', 11: 'BGGR', 100: 'RGB', 101: 'BGR' };
export const COLOR_ID_OF: Record<ColorLayout, number> = { mono: 0, RGGB: 8, GRBG: 9, GBRG: 10, BGGR: 11, RGB: 100, BGR: 101 };

export interface SerHeader {
  fileId: string;
  luId: number;
  colorId: number;
  littleEndianFlag: number;
  width: number;
  height: number;
  pixelDepth: number;
  frameCount: number;
  observer: string;
  instrument: string;
  telescope: string;
  dateTime: bigint;
  dateTimeUtc: bigint;
}

function latin1(buf: Buffer, start: number, len: number): string {
  let s = buf.toString('latin1', start, start + len);
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  return s.trimEnd();
}

export function parseSerHeader(buf: Buffer): SerHeader {
  return {
    fileId: buf.toString('latin1', 0, 14),
    luId: buf.readInt32LE(14),
    colorId: buf.readInt32LE(18),
    littleEndianFlag: buf.readInt32LE(22),
    width: buf.readInt32LE(26),
    height: buf.readInt32LE(30),
    pixelDepth: buf.readInt32LE(34),
    frameCount: buf.readInt32LE(38),
    observer: latin1(buf, 42, 40),
    instrument: latin1(buf, 82, 40),
    telescope: latin1(buf, 122, 40),
    dateTime: buf.readBigInt64LE(162),
    dateTimeUtc: buf.readBigInt64LE(170),
  };
}

/** SER ticks (100 ns since 0001-01-01) → ms since the Unix epoch; null for "not set". */
export function serTicksToUnixMs(ticks: bigint): number | null {
  if (ticks <= 0n) return null;
  return Number((ticks - TICKS_AT_UNIX_EPOCH) / 10000n);
}
export function unixMsToSerTicks(ms: number): bigint {
  return BigInt(Math.round(ms)) * 10000n + TICKS_AT_UNIX_EPOCH;
}

export interface SerOpenOptions {
  byteOrder?: SerByteOrderOption;
}

/** Opens a SER file. Bad headers and truncation are checked against the file size here. */
export async function openSer(path: string, options: SerOpenOptions = {}): Promise<FrameSource> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(path, 'not a file');
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, 'file not found');
  }
  if (size === 0) throw new InputError(path, 'empty file');
  if (size < SER_HEADER_BYTES) throw new InputError(path, `too short for a SER header (${size} of ${SER_HEADER_BYTES} bytes)`);
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(SER_HEADER_BYTES);
    await fh.read(head, 0, SER_HEADER_BYTES, 0);
    const h = parseSerHeader(head);
    const warnings: string[] = [];
    if (h.fileId !== SER_MAGIC) {
      // Real files always carry the magic; anything else is not a SER file.
      throw new InputError(path, `not a SER file (header id '${h.fileId.replace(/[^\x20-\x7e]/g, '?')}', expected '${SER_MAGIC}')`);
    }
    const layout = COLOR_IDS[h.colorId];
    if (!layout) {
      const cmy = h.colorId >= 16 && h.colorId <= 19 ? ' (CMY Bayer mosaics are not supported)' : '';
      throw new InputError(path, `unsupported ColorID ${h.colorId}${cmy}`);
    }
    if (h.width <= 0 || h.height <= 0 || h.width > 65536 || h.height > 65536) {
      throw new InputError(path, `invalid frame size ${h.width}x${h.height} in the header`);
    }
    if (h.pixelDepth < 1 || h.pixelDepth > 16) throw new InputError(path, `invalid PixelDepthPerPlane ${h.pixelDepth} (1..16)`);
    if (h.frameCount < 0) throw new InputError(path, `invalid FrameCount ${h.frameCount} in the header`);
    const planes: 1 | 3 = h.colorId >= 100 ? 3 : 1;
    const bps: 1 | 2 = h.pixelDepth <= 8 ? 1 : 2;
    const frameBytes = h.width * h.height * planes * bps;
    const dataBytes = size - SER_HEADER_BYTES;
    const complete = Math.floor(dataBytes / frameBytes);
    let frameCount = h.frameCount;
    let trailerOffset = -1;
    if (complete < h.frameCount) {
      frameCount = complete;
      if (complete === 0) {
        throw new InputError(path, `header sizes do not fit the file: ${h.frameCount} frames of ${h.width}x${h.height}x${planes}x${bps} bytes need ${h.frameCount * frameBytes + SER_HEADER_BYTES} bytes, the file has ${size}`);
      }
      warnings.push(`truncated: header says ${h.frameCount} frames, the file holds ${complete} complete frames; using those`);
    } else {
      const after = dataBytes - h.frameCount * frameBytes;
      if (after >= 8 * h.frameCount && h.frameCount > 0) trailerOffset = SER_HEADER_BYTES + h.frameCount * frameBytes;
      else if (after > 0) warnings.push(`${after} unexpected bytes after the last frame`);
    }
    if (frameCount === 0) throw new InputError(path, 'the file holds no frames');
    let byteOrder: 'little' | 'big' = 'little';
    const opt = options.byteOrder ?? 'compat';
    if (opt === 'little' || opt === 'big') byteOrder = opt;
    else if (opt === 'spec') byteOrder = h.littleEndianFlag !== 0 ? 'little' : 'big';
    else byteOrder = h.littleEndianFlag !== 0 ? 'big' : 'little';

    let timestamps: number[] | undefined;
    if (trailerOffset > 0) {
      const tb = Buffer.alloc(8 * h.frameCount);
      await fh.read(tb, 0, tb.length, trailerOffset);
      const ts: number[] = [];
      let valid = true;
      for (let i = 0; i < h.frameCount; i++) {
        const ms = serTicksToUnixMs(tb.readBigInt64LE(8 * i));
        if (ms === null) { valid = false; break; }
        ts.push(ms);
      }
      if (valid) timestamps = ts;
    }
    const iso = (t: bigint) => { const ms = serTicksToUnixMs(t); return ms === null ? null : new Date(ms).toISOString(); };
    const info: FrameSourceInfo = {
      path, format: 'ser', container: 'SER', frameCount, width: h.width, height: h.height,
      bitDepth: h.pixelDepth, bytesPerSample: bps, colorLayout: layout, planes,
      timestamps,
      ser: {
        observer: h.observer, instrument: h.instrument, telescope: h.telescope, luId: h.luId,
        colorId: h.colorId, littleEndianFlag: h.littleEndianFlag, byteOrder,
        dateTime: iso(h.dateTime), dateTimeUtc: iso(h.dateTimeUtc), headerFrameCount: h.frameCount,
      },
      warnings,
    };
    return new SerSource(fh, info, frameBytes);
  } catch (e) {
    await fh.close();
    throw e;
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class SerSource implements FrameSource {
  readonly readsInPlace = true;
  private closed = false;
  constructor(private fh: FileHandle, readonly info: FrameSourceInfo, private frameBytes: number) {}

  async read(index: number, into?: Uint8Array): Promise<RawFrame> {
    const { info } = this;
    if (!Number.isInteger(index) || index < 0 || index >= info.frameCount) {
      throw new InputError(info.path, `frame ${index} out of range 0..${info.frameCount - 1}`);
    }
    if (this.closed) throw new InputError(info.path, 'read after close');
    // Read straight into the sample array (a lent buffer, or a fresh one: callers may keep frames).
    const buf = lentBytes(into, this.frameBytes) ?? Buffer.from(new ArrayBuffer(this.frameBytes));
    const { bytesRead } = await this.fh.read(buf, 0, this.frameBytes, SER_HEADER_BYTES + index * this.frameBytes);
    if (bytesRead !== this.frameBytes) throw new InputError(info.path, `frame ${index}: short read (${bytesRead} of ${this.frameBytes} bytes)`);
    let data: Uint8Array | Uint16Array;
    if (info.bytesPerSample === 1) {
      data = new Uint8Array(buf.buffer, buf.byteOffset, this.frameBytes);
    } else {
      // Samples in the file's byte order → host order (swap16 is native).
      if ((info.ser!.byteOrder === 'little') !== HOST_LITTLE_ENDIAN) buf.swap16();
      data = new Uint16Array(buf.buffer, buf.byteOffset, this.frameBytes / 2);
    }
    return { index, width: info.width, height: info.height, planes: info.planes, bitDepth: info.bitDepth, data };
  }

  async *frames(start = 0, end = this.info.frameCount): AsyncIterable<RawFrame> {
    for (let i = start; i < end; i++) yield await this.read(i);
  }

  async close(): Promise<void> {
    if (!this.closed) { this.closed = true; await this.fh.close(); }
  }
}

export interface SerWriteOptions {
  width: number;
  height: number;
  colorLayout: ColorLayout;
  /** 8 or up to 16; frames must be Uint8Array for ≤ 8, Uint16Array otherwise. */
  bitDepth: number;
  observer?: string;
  instrument?: string;
  telescope?: string;
  /** UTC start in ms since the Unix epoch. */
  startMs?: number;
  /** Per-frame UTC timestamps (ms since epoch) written as the trailer. */
  timestamps?: number[];
  /** Byte order of 16-bit samples written; the flag is written with the compatibility meaning (0 = little). */
  byteOrder?: 'little' | 'big';
}

/** Encodes a whole SER file in memory (used for samples and tests; frames are small there). */
export function encodeSer(opts: SerWriteOptions, frames: ArrayLike<number>[]): Buffer {
  const planes = opts.colorLayout === 'RGB' || opts.colorLayout === 'BGR' ? 3 : 1;
  const bps = opts.bitDepth <= 8 ? 1 : 2;
  const frameBytes = opts.width * opts.height * planes * bps;
  const trailer = opts.timestamps ? 8 * frames.length : 0;
  const buf = Buffer.alloc(SER_HEADER_BYTES + frames.length * frameBytes + trailer);
  buf.write(SER_MAGIC, 0, 'latin1');
  buf.writeInt32LE(0, 14);
  buf.writeInt32LE(COLOR_ID_OF[opts.colorLayout], 18);
  const big = opts.byteOrder === 'big';
  buf.writeInt32LE(big ? 1 : 0, 22);
  buf.writeInt32LE(opts.width, 26);
  buf.writeInt32LE(opts.height, 30);
  buf.writeInt32LE(opts.bitDepth, 34);
  buf.writeInt32LE(frames.length, 38);
  buf.write((opts.observer ?? '').slice(0, 40), 42, 'latin1');
  buf.write((opts.instrument ?? '').slice(0, 40), 82, 'latin1');
  buf.write((opts.telescope ?? '').slice(0, 40), 122, 'latin1');
  const start = opts.startMs !== undefined ? unixMsToSerTicks(opts.startMs) : 0n;
  buf.writeBigInt64LE(start, 162);
  buf.writeBigInt64LE(start, 170);
  let off = SER_HEADER_BYTES;
  const n = opts.width * opts.height * planes;
  for (const f of frames) {
    if (f.length !== n) throw new Error(`SER frame has ${f.length} samples, expected ${n}`);
    if (bps === 1) for (let i = 0; i < n; i++) buf[off + i] = f[i];
    else if (big) for (let i = 0; i < n; i++) { buf[off + 2 * i] = f[i] >> 8; buf[off + 2 * i + 1] = f[i] & 255; }
    else for (let i = 0; i < n; i++) { buf[off + 2 * i] = f[i] & 255; buf[off + 2 * i + 1] = f[i] >> 8; }
    off += frameBytes;
  }
  if (opts.timestamps) {
    for (const t of opts.timestamps) { buf.writeBigInt64LE(unixMsToSerTicks(t), off); off += 8; }
  }
  return buf;
}

export async function writeSer(path: string, opts: SerWriteOptions, frames: ArrayLike<number>[]): Promise<void> {
  await writeFileAtomic(path, encodeSer(opts, frames));
}

export function isSerPath(path: string): boolean {
  return /\.ser$/i.test(path);
}
