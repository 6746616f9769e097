/**
 * Still-image files: format detection, cheap header reads, decoding, writing and provenance.
 *
 * Formats: PNG (.png), TIFF (.tif .tiff), FITS (.fit .fits .fts), JPEG (.jpg .jpeg). The content decides
 * (magic bytes); the extension only has to name an image format at all.
 *
 * sharp (an optional dependency) decodes PNG and JPEG and encodes PNG when it is installed; otherwise fast-png and
 * jpeg-js do it in pure JS with the same sample values (JPEG decoders may differ by ±1 in a few pixels). TIFF is
 * decoded by geotiff and written by our own encoder; FITS is entirely our own code. Set LUCKYGRAPH_NO_SHARP=1 or call
 * `setSharpEnabled(false)` to force the pure-JS path.
 *
 * Writing: an Image (float32, 16-bit scale 0..65535) is stored as 16-bit integers round(clip(v, 0, 65535)), or with
 * bitDepth 32 (FITS and TIFF only) as float32 v / 65535 — not clipped, so values outside 0..65535 survive; a FITS
 * file records LGSCALE = 65535 so that our reader restores the exact scale.
 */
import { open, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from './frame-source.js';
import type { Image } from '../image/image.js';
import { createImage } from '../image/image.js';
import { writeFileAtomic } from './atomic-write.js';
import { isPng, readPngHeader, decodePng, encodePngParts, quantiseRow, readPngText } from './png.js';
import { isTiff, readTiffHeader, decodeTiff, encodeTiff, readTiffProvenance, memoryReader } from './tiff.js';
import { isFits, readFitsHeader, decodeFits, encodeFits, readFitsProvenance } from './fits.js';
import { isJpeg, readJpegHeader, decodeJpeg } from './jpeg.js';

export type ImageFormat = 'png' | 'tiff' | 'fits' | 'jpeg';

/** Decoded pixels, RawFrame-like: interleaved planes, top row first. Float data are on the 16-bit scale. */
export interface DecodedImage {
  width: number;
  height: number;
  planes: 1 | 3;
  bitDepth: 8 | 16 | 32;
  data: Uint8Array | Uint16Array | Float32Array;
}

export interface LoadedImage extends DecodedImage {
  format: ImageFormat;
}

/** What a file will decode to, read without decoding pixels. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  planes: 1 | 3;
  bitDepth: 8 | 16 | 32;
}

/** Random access to the bytes of a file (or a buffer). `read` returns fewer bytes at the end of the file. */
export interface ByteReader {
  size: number;
  read(pos: number, length: number): Promise<Uint8Array>;
}

/** Extension → format, lower-case with the dot. */
export const IMAGE_EXTENSIONS: Readonly<Record<string, ImageFormat>> = {
  '.png': 'png',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.fit': 'fits',
  '.fits': 'fits',
  '.fts': 'fits',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
};

export function formatFromExtension(filePath: string): ImageFormat | undefined {
  return IMAGE_EXTENSIONS[path.extname(filePath).toLowerCase()];
}

export function hasImageExtension(filePath: string): boolean {
  return formatFromExtension(filePath) !== undefined;
}

/** Format from the first bytes of a file (16 are enough), or undefined. */
export function sniffFormat(head: Uint8Array): ImageFormat | undefined {
  if (isPng(head)) return 'png';
  if (isJpeg(head)) return 'jpeg';
  if (isTiff(head)) return 'tiff';
  if (isFits(head)) return 'fits';
  return undefined;
}

const FORMAT_NAME: Record<ImageFormat, string> = { png: 'PNG', tiff: 'TIFF', fits: 'FITS', jpeg: 'JPEG' };

function notSupported(filePath: string, size: number): InputError {
  const ext = path.extname(filePath).toLowerCase();
  const byExt = formatFromExtension(filePath);
  let why: string;
  if (size === 0) why = 'empty file';
  else if (byExt) why = `the ${ext} file has no ${FORMAT_NAME[byExt]} signature`;
  else why = `unknown format${ext ? ` ${ext}` : ''}; expected PNG, TIFF, FITS or JPEG`;
  return new InputError(filePath, `not a supported image (${why})`);
}

function fsProblem(filePath: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(filePath, 'file not found');
  if (code === 'EISDIR') return new InputError(filePath, 'is a folder, not an image file');
  if (code === 'EACCES') return new InputError(filePath, 'permission denied');
  return new InputError(filePath, (e as Error).message);
}

function asInputError(filePath: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  return new InputError(filePath, (e as Error).message);
}

// ---------------------------------------------------------------------------------------------------
// Optional sharp

/** The part of sharp's API we use, typed loosely so that the code compiles without sharp installed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SharpModule = ((input?: any, options?: any) => any) & { cache?: (on: boolean) => void };

let sharpEnabled = process.env.LUCKYGRAPH_NO_SHARP !== '1';
let sharpPromise: Promise<SharpModule | null> | undefined;

/** Turns use of sharp on or off (tests use it to exercise the pure-JS path). */
export function setSharpEnabled(on: boolean): void {
  sharpEnabled = on;
}

/** sharp if installed and enabled, else null. */
export async function getSharp(): Promise<SharpModule | null> {
  if (!sharpEnabled) return null;
  sharpPromise ??= (async () => {
    try {
      const mod = (await import('sharp' as string)) as { default?: SharpModule };
      const s = (mod.default ?? (mod as unknown as SharpModule)) as SharpModule;
      s.cache?.(false);
      return s;
    } catch {
      return null;
    }
  })();
  return sharpPromise;
}

function sharpInput(sharp: SharpModule, bytes: Uint8Array) {
  return sharp(bytes, { ignoreIcc: true, limitInputPixels: false, failOn: 'error', autoOrient: false });
}

async function sharpDecode(sharp: SharpModule, bytes: Uint8Array, h: ImageHeader): Promise<DecodedImage> {
  const sixteen = h.bitDepth === 16;
  const space = h.planes === 1 ? (sixteen ? 'grey16' : 'b-w') : sixteen ? 'rgb16' : 'srgb';
  const { data, info } = (await sharpInput(sharp, bytes)
    .removeAlpha()
    .toColourspace(space)
    .raw(sixteen ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true })) as { data: Buffer; info: { width: number; height: number; channels: number } };
  if (info.width !== h.width || info.height !== h.height || info.channels !== h.planes) {
    throw new Error(`decoder returned ${info.width}x${info.height}x${info.channels}, header says ${h.width}x${h.height}x${h.planes}`);
  }
  let out: Uint8Array | Uint16Array;
  if (sixteen) {
    out =
      data.byteOffset % 2 === 0
        ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
        : new Uint16Array(new Uint8Array(data).buffer);
  } else {
    out = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  return { width: h.width, height: h.height, planes: h.planes, bitDepth: h.bitDepth, data: out };
}

// ---------------------------------------------------------------------------------------------------
// Reading

async function withFile<T>(filePath: string, fn: (r: ByteReader) => Promise<T>): Promise<T> {
  let fh;
  try {
    fh = await open(filePath, 'r');
  } catch (e) {
    throw fsProblem(filePath, e);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new InputError(filePath, 'is a folder, not an image file');
    const reader: ByteReader = {
      size: st.size,
      read: async (pos, length) => {
        const n = Math.max(0, Math.min(length, st.size - pos));
        const buf = new Uint8Array(n);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, pos + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got === n ? buf : buf.subarray(0, got);
      },
    };
    return await fn(reader);
  } finally {
    await fh.close();
  }
}

async function headerFrom(format: ImageFormat, r: ByteReader): Promise<ImageHeader> {
  switch (format) {
    case 'png': return readPngHeader(r);
    case 'tiff': return readTiffHeader(r);
    case 'fits': return readFitsHeader(r);
    case 'jpeg': return readJpegHeader(r);
  }
}

/**
 * Reads only what is needed to know an image's size, planes and bit depth (PNG IHDR, TIFF IFD, FITS header,
 * JPEG SOF). Throws InputError naming the file for anything that is not a readable image.
 */
export async function readImageHeader(filePath: string): Promise<ImageHeader> {
  return withFile(filePath, async (r) => {
    const head = await r.read(0, 16);
    const format = sniffFormat(head);
    if (!format) throw notSupported(filePath, r.size);
    try {
      return await headerFrom(format, r);
    } catch (e) {
      throw asInputError(filePath, e);
    }
  });
}

/** Decodes image bytes; `name` is used in error messages. */
export async function decodeImageBytes(bytes: Uint8Array, name = 'image'): Promise<LoadedImage> {
  const format = sniffFormat(bytes.subarray(0, 16));
  if (!format) throw notSupported(name, bytes.length);
  try {
    let img: DecodedImage;
    if (format === 'png' || format === 'jpeg') {
      const header = await headerFrom(format, memoryReader(bytes));
      const sharp = await getSharp();
      const pureJs = () => (format === 'png' ? decodePng(bytes) : decodeJpeg(bytes));
      if (sharp) {
        try {
          img = await sharpDecode(sharp, bytes, header);
        } catch {
          img = await pureJs(); // sharp refused: the pure-JS decoder either copes or gives the error
        }
      } else {
        img = await pureJs();
      }
    } else if (format === 'tiff') {
      img = await decodeTiff(bytes);
    } else {
      img = await decodeFits(bytes);
    }
    return { ...img, format };
  } catch (e) {
    throw asInputError(name, e);
  }
}

/** Reads and decodes an image file (PNG, TIFF, FITS, JPEG). Errors are InputErrors naming the file. */
export async function readImageFile(filePath: string): Promise<LoadedImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(filePath);
  } catch (e) {
    throw fsProblem(filePath, e);
  }
  return decodeImageBytes(bytes, filePath);
}

/** Converts decoded samples to an Image on the 16-bit scale (8-bit × 256, 16-bit and float as they are). */
export function decodedToImage(d: DecodedImage): Image {
  const out = new Float32Array(d.data.length);
  if (d.bitDepth === 8) for (let i = 0; i < out.length; i++) out[i] = d.data[i] * 256;
  else out.set(d.data);
  return createImage(d.width, d.height, d.planes, out);
}

/** Reads an image file as an Image (float32, 16-bit scale). */
export async function readImage(filePath: string): Promise<Image> {
  return decodedToImage(await readImageFile(filePath));
}

// ---------------------------------------------------------------------------------------------------
// Writing

export type OutputFormat = 'png' | 'tiff' | 'fits';

export interface WriteImageOptions {
  /** Default: from the extension (.png, .tif/.tiff, .fit/.fits/.fts). */
  format?: OutputFormat;
  /** 16 (default) or 32 (float32 holding v / 65535; FITS and TIFF only). */
  bitDepth?: 16 | 32;
  /** Key → text, embedded in the file (PNG text chunks, TIFF ImageDescription JSON, FITS cards). */
  provenance?: Record<string, string>;
  /** Input files of the run: writing over one of them is refused. */
  inputs?: readonly string[];
}

/** round(clip(v, 0, 65535)); NaN → 0. */
export function toUint16(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  quantiseRow(out, data, 0, data.length);
  return out;
}

function toUnitFloat(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 65535;
  return out;
}

function outputFormat(filePath: string, opts: WriteImageOptions): OutputFormat {
  if (opts.format) return opts.format;
  const f = formatFromExtension(filePath);
  if (f === 'png' || f === 'tiff' || f === 'fits') return f;
  throw new Error(`${filePath}: cannot tell the output format from the extension; use .png, .tiff or .fits (or pass format)`);
}

/** Encodes an Image to file bytes (PNG: the consecutive pieces of the file, see encodePngParts). */
export async function encodeImage(image: Image, opts: WriteImageOptions & { format: OutputFormat }): Promise<Uint8Array | Uint8Array[]> {
  const { width, height, channels } = image;
  const bitDepth = opts.bitDepth ?? 16;
  const provenance = opts.provenance ?? {};
  if (bitDepth !== 16 && bitDepth !== 32) throw new Error(`unsupported output bit depth ${bitDepth} (16 or 32)`);
  if (image.data.length !== width * height * channels) throw new Error('image data length does not match its size');
  switch (opts.format) {
    case 'png': {
      if (bitDepth !== 16) throw new Error('PNG output is 16-bit only (use TIFF or FITS for float32)');
      // Node's zlib (thread pool), not sharp: no 0.1 s sharp import per process, smaller files, and
      // the main thread is free while it deflates.
      return encodePngParts(width, height, channels, image.data, provenance); // (written piece by piece)
    }
    case 'tiff':
      return encodeTiff(width, height, channels, bitDepth === 16 ? toUint16(image.data) : toUnitFloat(image.data), provenance);
    case 'fits':
      return bitDepth === 16
        ? encodeFits(width, height, channels, toUint16(image.data), { provenance })
        : encodeFits(width, height, channels, toUnitFloat(image.data), { provenance, floatScale: 65535 });
  }
}

/**
 * Writes an Image as 16-bit PNG/TIFF/FITS or float32 TIFF/FITS, atomically (temp file + fsync + rename; parent
 * folders are created). Provenance is embedded; read it back with `readProvenance`.
 */
export async function writeImage(filePath: string, image: Image, opts: WriteImageOptions = {}): Promise<void> {
  const format = outputFormat(filePath, opts);
  const bytes = await encodeImage(image, { ...opts, format });
  await writeFileAtomic(filePath, bytes, { inputs: opts.inputs });
}

/**
 * Provenance embedded in an image file: PNG text chunks; TIFF ImageDescription JSON (+ Software tag);
 * FITS LGPROV cards (other FITS files: CREATOR as Software, HISTORY). JPEG files give {}.
 */
export async function readProvenance(filePath: string): Promise<Record<string, string>> {
  const format = await withFile(filePath, async (r) => {
    const f = sniffFormat(await r.read(0, 16));
    if (!f) throw notSupported(filePath, r.size);
    return f;
  });
  try {
    switch (format) {
      case 'png': return readPngText(await readFile(filePath));
      case 'tiff': return await withFile(filePath, readTiffProvenance);
      case 'fits': return await withFile(filePath, readFitsProvenance);
      case 'jpeg': return {};
    }
  } catch (e) {
    throw asInputError(filePath, e);
  }
}
