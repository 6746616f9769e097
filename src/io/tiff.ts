/**
 * TIFF: own IFD parser (cheap header reads, provenance), pixel decoding through geotiff (all common
 * compressions), and an own baseline writer (uncompressed, little-endian, strips) for 16-bit and float32.
 *
 * Reading:
 *  - 8-bit and 16-bit unsigned gray (BlackIsZero / WhiteIsZero, inverted) and RGB come out as they are stored;
 *    extra samples (alpha) are dropped. Signed 8/16-bit samples are clipped at 0.
 *  - Palette images are expanded to 16-bit RGB through the ColorMap. YCbCr/CMYK/CIELab 8-bit images go through
 *    geotiff's RGB conversion (8-bit RGB).
 *  - float32/float64 and 32-bit integer samples come out as Float32Array on the 16-bit scale, see
 *    `toSixteenBitScale` in fits.ts (floats whose maximum is ≤ 1.0 are multiplied by 65535).
 * Writing: 16-bit unsigned (round(clip(v, 0, 65535))) or float32 holding v / 65535, gray or RGB, with the
 * provenance as a JSON object in ImageDescription (ASCII, non-ASCII characters \u-escaped) and
 * provenance.Software also in the Software tag.
 */
import { endianness } from 'node:os';
import type { ByteReader, DecodedImage, ImageHeader } from './image-file.js';
import { toSixteenBitScale } from './fits.js';

export function isTiff(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const le = b[0] === 0x49 && b[1] === 0x49 && (b[2] === 42 || b[2] === 43) && b[3] === 0;
  const be = b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 42 || b[3] === 43);
  return le || be;
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

interface IfdEntry {
  type: number;
  count: number;
  /** File offset of the value bytes (inline values point into the IFD entry itself). */
  offset: number;
}

export interface TiffDirectory {
  littleEndian: boolean;
  bigTiff: boolean;
  entries: Map<number, IfdEntry>;
  reader: ByteReader;
}

function getUint(dv: DataView, o: number, size: number, le: boolean): number {
  if (size === 1) return dv.getUint8(o);
  if (size === 2) return dv.getUint16(o, le);
  if (size === 4) return dv.getUint32(o, le);
  return Number(dv.getBigUint64(o, le));
}

/** Reads the first IFD's entries (values are fetched lazily by `tagValues`/`tagString`). */
export async function readTiffDirectory(r: ByteReader): Promise<TiffDirectory> {
  const h = await r.read(0, 16);
  if (!isTiff(h)) throw new Error('not a TIFF file (bad signature)');
  const le = h[0] === 0x49;
  const hv = new DataView(h.buffer, h.byteOffset, h.length);
  const bigTiff = hv.getUint16(2, le) === 43;
  const ifdOffset = bigTiff ? getUint(hv, 8, 8, le) : getUint(hv, 4, 4, le);
  if (ifdOffset < 8 || ifdOffset >= r.size) throw new Error('corrupt TIFF (IFD offset outside the file)');
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const fieldSize = bigTiff ? 8 : 4;
  const cb = await r.read(ifdOffset, countSize);
  if (cb.length < countSize) throw new Error('truncated TIFF (IFD)');
  const n = getUint(new DataView(cb.buffer, cb.byteOffset, cb.length), 0, countSize, le);
  if (n === 0 || n > 4096) throw new Error(`corrupt TIFF (${n} IFD entries)`);
  const eb = await r.read(ifdOffset + countSize, n * entrySize);
  if (eb.length < n * entrySize) throw new Error('truncated TIFF (IFD entries)');
  const ev = new DataView(eb.buffer, eb.byteOffset, eb.length);
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < n; i++) {
    const o = i * entrySize;
    const tag = ev.getUint16(o, le);
    const type = ev.getUint16(o + 2, le);
    const count = getUint(ev, o + 4, bigTiff ? 8 : 4, le);
    const size = (TYPE_SIZE[type] ?? 1) * count;
    const fieldPos = o + (bigTiff ? 12 : 8);
    const offset = size <= fieldSize ? ifdOffset + countSize + fieldPos : getUint(ev, fieldPos, fieldSize, le);
    entries.set(tag, { type, count, offset });
  }
  return { littleEndian: le, bigTiff, entries, reader: r };
}

/** Numeric values of a tag, or undefined when absent. */
export async function tagValues(d: TiffDirectory, tag: number): Promise<number[] | undefined> {
  const e = d.entries.get(tag);
  if (!e) return undefined;
  const size = TYPE_SIZE[e.type];
  if (!size) return undefined;
  const b = await d.reader.read(e.offset, size * e.count);
  if (b.length < size * e.count) throw new Error(`truncated TIFF (tag ${tag})`);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const le = d.littleEndian;
  const out: number[] = [];
  for (let i = 0; i < e.count; i++) {
    const o = i * size;
    switch (e.type) {
      case 6: out.push(dv.getInt8(o)); break;
      case 8: out.push(dv.getInt16(o, le)); break;
      case 9: out.push(dv.getInt32(o, le)); break;
      case 5: out.push(dv.getUint32(o, le) / dv.getUint32(o + 4, le)); break;
      case 10: out.push(dv.getInt32(o, le) / dv.getInt32(o + 4, le)); break;
      case 11: out.push(dv.getFloat32(o, le)); break;
      case 12: out.push(dv.getFloat64(o, le)); break;
      case 17: out.push(Number(dv.getBigInt64(o, le))); break;
      default: out.push(getUint(dv, o, size, le));
    }
  }
  return out;
}

/** An ASCII tag as a string (up to the first NUL), or undefined. Bytes ≥ 0x80 are read as UTF-8. */
export async function tagString(d: TiffDirectory, tag: number): Promise<string | undefined> {
  const e = d.entries.get(tag);
  if (!e || (e.type !== 2 && e.type !== 1 && e.type !== 7)) return undefined;
  const b = await d.reader.read(e.offset, e.count);
  const z = b.indexOf(0);
  return new TextDecoder('utf-8').decode(z >= 0 ? b.subarray(0, z) : b);
}

export const TAG = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Software: 305,
  ColorMap: 320,
  SampleFormat: 339,
} as const;

/** How a TIFF is decoded: what the tags say and what comes out. */
export interface TiffLayout extends ImageHeader {
  photometric: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 unsigned, 2 signed, 3 float. */
  sampleFormat: number;
}

export async function readTiffLayout(d: TiffDirectory): Promise<TiffLayout> {
  const width = (await tagValues(d, TAG.ImageWidth))?.[0];
  const height = (await tagValues(d, TAG.ImageLength))?.[0];
  if (!width || !height) throw new Error('corrupt TIFF (no image size)');
  const spp = (await tagValues(d, TAG.SamplesPerPixel))?.[0] ?? 1;
  const bpsAll = (await tagValues(d, TAG.BitsPerSample)) ?? [1];
  const bps = bpsAll[0];
  if (bpsAll.some((b) => b !== bps)) throw new Error(`unsupported TIFF (mixed bits per sample ${bpsAll.join('/')})`);
  const sampleFormat = (await tagValues(d, TAG.SampleFormat))?.[0] ?? 1;
  const photometric = (await tagValues(d, TAG.Photometric))?.[0] ?? (spp >= 3 ? 2 : 1);
  let planes: 1 | 3;
  let bitDepth: 8 | 16 | 32;
  const sampleDepth = (): 8 | 16 | 32 => {
    if (sampleFormat === 3) {
      if (bps !== 32 && bps !== 64) throw new Error(`unsupported TIFF (${bps}-bit floating point samples)`);
      return 32;
    }
    if (sampleFormat !== 1 && sampleFormat !== 2) throw new Error(`unsupported TIFF (sample format ${sampleFormat})`);
    if (bps === 8 || bps === 16) return bps;
    if (bps === 32) return 32;
    throw new Error(`unsupported TIFF (${bps} bits per sample)`);
  };
  switch (photometric) {
    case 0:
    case 1:
      planes = 1;
      bitDepth = sampleDepth();
      break;
    case 2:
      if (spp < 3) throw new Error(`corrupt TIFF (RGB with ${spp} samples per pixel)`);
      planes = 3;
      bitDepth = sampleDepth();
      break;
    case 3:
      if (bps !== 8 && bps !== 4 && bps !== 16) throw new Error(`unsupported TIFF (${bps}-bit palette)`);
      if (!d.entries.has(TAG.ColorMap)) throw new Error('corrupt TIFF (palette image without ColorMap)');
      planes = 3;
      bitDepth = 16;
      break;
    case 5:
    case 6:
    case 8:
      if (bps !== 8) throw new Error(`unsupported TIFF (${bps}-bit samples with photometric interpretation ${photometric})`);
      planes = 3;
      bitDepth = 8;
      break;
    default:
      throw new Error(`unsupported TIFF (photometric interpretation ${photometric})`);
  }
  return { format: 'tiff', width, height, planes, bitDepth, photometric, samplesPerPixel: spp, bitsPerSample: bps, sampleFormat };
}

export async function readTiffHeader(r: ByteReader): Promise<ImageHeader> {
  const l = await readTiffLayout(await readTiffDirectory(r));
  return { format: 'tiff', width: l.width, height: l.height, planes: l.planes, bitDepth: l.bitDepth };
}

export function memoryReader(bytes: Uint8Array): ByteReader {
  return { size: bytes.length, read: async (p, n) => bytes.subarray(p, Math.min(bytes.length, p + n)) };
}

function exactArrayBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

type AnyTyped = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Decodes the first image of a TIFF file. */
export async function decodeTiff(bytes: Uint8Array): Promise<DecodedImage> {
  const dir = await readTiffDirectory(memoryReader(bytes));
  const layout = await readTiffLayout(dir);
  const { width, height, planes, photometric } = layout;
  let raster: AnyTyped | undefined = await readUncompressed(dir, layout, bytes);
  if (!raster) raster = await readWithGeotiff(bytes, photometric);
  const n = width * height;
  if (raster.length !== n * (photometric === 3 ? 1 : planes)) {
    throw new Error(`corrupt TIFF (decoded ${raster.length} samples, expected ${n * planes})`);
  }
  if (photometric === 3) {
    const cmap = (await tagValues(dir, TAG.ColorMap))!;
    const entries = cmap.length / 3;
    const out = new Uint16Array(n * 3);
    for (let i = 0; i < n; i++) {
      const idx = Math.min(raster[i], entries - 1);
      out[i * 3] = cmap[idx];
      out[i * 3 + 1] = cmap[entries + idx];
      out[i * 3 + 2] = cmap[2 * entries + idx];
    }
    return { width, height, planes: 3, bitDepth: 16, data: out };
  }
  if (layout.bitDepth === 32) {
    const isInt = layout.sampleFormat !== 3;
    const f = raster instanceof Float32Array ? raster : Float32Array.from(raster as ArrayLike<number>);
    let data = toSixteenBitScale(f, isInt ? { integerBits: 32, signed: layout.sampleFormat === 2 } : {});
    if (photometric === 0) {
      // WhiteIsZero float: invert within the 16-bit scale.
      data = data.map((v) => 65535 - v);
    }
    return { width, height, planes, bitDepth: 32, data };
  }
  const max = layout.bitDepth === 16 ? 65535 : 255;
  let data: Uint8Array | Uint16Array;
  if (raster instanceof Uint8Array || raster instanceof Uint16Array) {
    data = raster;
  } else {
    // Signed or otherwise typed integer samples: clip to the unsigned range.
    data = layout.bitDepth === 16 ? new Uint16Array(raster.length) : new Uint8Array(raster.length);
    for (let i = 0; i < raster.length; i++) {
      const v = raster[i];
      data[i] = v < 0 ? 0 : v > max ? max : v;
    }
  }
  if (photometric === 0) {
    for (let i = 0; i < data.length; i++) data[i] = max - data[i];
  }
  return { width, height, planes, bitDepth: layout.bitDepth, data };
}

/**
 * Fast path for the common uncompressed, chunky (RGBRGB…) strip layout of capture software: copies samples
 * straight out of the strips. Returns undefined when the file needs geotiff (compression, tiles, planar, …).
 */
async function readUncompressed(dir: TiffDirectory, l: TiffLayout, bytes: Uint8Array): Promise<AnyTyped | undefined> {
  const compression = (await tagValues(dir, TAG.Compression))?.[0] ?? 1;
  const planar = (await tagValues(dir, TAG.PlanarConfiguration))?.[0] ?? 1;
  if (compression !== 1 || planar !== 1 || l.photometric > 2) return undefined;
  const { width, height, planes, bitsPerSample: bps, sampleFormat: sf, samplesPerPixel: spp } = l;
  const kind = sf === 1 && bps === 8 ? 'u8' : sf === 1 && bps === 16 ? 'u16' : sf === 3 && bps === 32 ? 'f32' : undefined;
  if (!kind) return undefined;
  const offsets = await tagValues(dir, TAG.StripOffsets);
  if (!offsets || offsets.length === 0) return undefined;
  const rps = Math.min(height, (await tagValues(dir, TAG.RowsPerStrip))?.[0] ?? height) || height;
  const bytesPer = bps / 8;
  const rowBytes = width * spp * bytesPer;
  if (offsets.length < Math.ceil(height / rps)) return undefined;
  const out = kind === 'u8' ? new Uint8Array(width * height * planes) : kind === 'u16' ? new Uint16Array(width * height * planes) : new Float32Array(width * height * planes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = dir.littleEndian;
  const direct = spp === planes && (bytesPer === 1 || le === (endianness() === 'LE'));
  for (let y = 0; y < height; y++) {
    const strip = Math.floor(y / rps);
    const start = offsets[strip] + (y - strip * rps) * rowBytes;
    if (start + rowBytes > bytes.length) throw new Error('truncated TIFF (strip beyond the end of the file)');
    const o = y * width * planes;
    if (direct) {
      new Uint8Array(out.buffer, o * bytesPer, rowBytes).set(bytes.subarray(start, start + rowBytes));
      continue;
    }
    for (let x = 0; x < width; x++) {
      const p = start + x * spp * bytesPer;
      for (let c = 0; c < planes; c++) {
        const q = p + c * bytesPer;
        out[o + x * planes + c] = kind === 'u8' ? bytes[q] : kind === 'u16' ? dv.getUint16(q, le) : dv.getFloat32(q, le);
      }
    }
  }
  return out;
}

async function readWithGeotiff(bytes: Uint8Array, photometric: number): Promise<AnyTyped> {
  const { fromArrayBuffer } = await import('geotiff');
  try {
    const tiff = await fromArrayBuffer(exactArrayBuffer(bytes));
    const image = await tiff.getImage(0);
    if (photometric >= 4) {
      return (await image.readRGB({ interleave: true })) as unknown as AnyTyped;
    } else {
      const samples = photometric === 2 ? [0, 1, 2] : [0];
      return (await image.readRasters({ interleave: true, samples })) as unknown as AnyTyped;
    }
  } catch (e) {
    throw new Error(`corrupt TIFF (${(e as Error).message})`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Writer

/** JSON with every non-ASCII character \u-escaped, so it fits a TIFF ASCII field. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function asciiOnly(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

interface OutTag {
  tag: number;
  type: 2 | 3 | 4 | 5;
  values: number[] | Uint8Array;
}

/**
 * Encodes a baseline TIFF (little-endian, uncompressed, strips of about 256 KiB).
 * `data` is interleaved: Uint16Array → 16-bit unsigned, Float32Array → 32-bit float, Uint8Array → 8-bit.
 */
export function encodeTiff(
  width: number,
  height: number,
  planes: 1 | 3,
  data: Uint8Array | Uint16Array | Float32Array,
  provenance: Record<string, string> = {},
): Uint8Array {
  if (data.length !== width * height * planes) throw new Error(`encodeTiff: ${data.length} samples for ${width}x${height}x${planes}`);
  const bytesPerSample = data.BYTES_PER_ELEMENT;
  const bps = bytesPerSample * 8;
  const sampleFormat = data instanceof Float32Array ? 3 : 1;
  const rowBytes = width * planes * bytesPerSample;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor((256 * 1024) / rowBytes)));
  const strips = Math.ceil(height / rowsPerStrip);
  const enc = new TextEncoder();
  const ascii = (s: string) => {
    const b = enc.encode(s + '\0');
    return b;
  };
  const tags: OutTag[] = [
    { tag: TAG.ImageWidth, type: 4, values: [width] },
    { tag: TAG.ImageLength, type: 4, values: [height] },
    { tag: TAG.BitsPerSample, type: 3, values: new Array(planes).fill(bps) },
    { tag: TAG.Compression, type: 3, values: [1] },
    { tag: TAG.Photometric, type: 3, values: [planes === 3 ? 2 : 1] },
  ];
  if (Object.keys(provenance).length > 0) tags.push({ tag: TAG.ImageDescription, type: 2, values: ascii(asciiJson(provenance)) });
  tags.push(
    { tag: TAG.StripOffsets, type: 4, values: new Array(strips).fill(0) },
    { tag: TAG.SamplesPerPixel, type: 3, values: [planes] },
    { tag: TAG.RowsPerStrip, type: 4, values: [rowsPerStrip] },
    { tag: TAG.StripByteCounts, type: 4, values: Array.from({ length: strips }, (_, s) => Math.min(rowsPerStrip, height - s * rowsPerStrip) * rowBytes) },
    { tag: TAG.XResolution, type: 5, values: [72, 1] },
    { tag: TAG.YResolution, type: 5, values: [72, 1] },
    { tag: TAG.PlanarConfiguration, type: 3, values: [1] },
    { tag: TAG.ResolutionUnit, type: 3, values: [2] },
  );
  if (provenance.Software) tags.push({ tag: TAG.Software, type: 2, values: ascii(asciiOnly(provenance.Software)) });
  tags.push({ tag: TAG.SampleFormat, type: 3, values: new Array(planes).fill(sampleFormat) });

  const size = (t: OutTag) => (t.type === 5 ? 8 * (t.values.length / 2) : (TYPE_SIZE[t.type] * t.values.length));
  const ifdOffset = 8;
  const ifdSize = 2 + tags.length * 12 + 4;
  let extraPos = ifdOffset + ifdSize;
  const extraOffsets = new Map<OutTag, number>();
  for (const t of tags) {
    if (size(t) > 4) {
      extraOffsets.set(t, extraPos);
      extraPos += size(t);
      extraPos += extraPos & 1; // word alignment
    }
  }
  const dataOffset = extraPos + ((4 - (extraPos % 4)) % 4);
  const stripOffsets = tags.find((t) => t.tag === TAG.StripOffsets)!;
  for (let s = 0; s < strips; s++) (stripOffsets.values as number[])[s] = dataOffset + s * rowsPerStrip * rowBytes;
  const total = dataOffset + height * rowBytes;
  if (total > 0xffffffff) throw new Error('image too large for a classic TIFF (over 4 GiB)');
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  dv.setUint16(2, 42, true);
  dv.setUint32(4, ifdOffset, true);
  dv.setUint16(ifdOffset, tags.length, true);
  const writeValues = (t: OutTag, at: number) => {
    if (t.type === 2) out.set(t.values as Uint8Array, at);
    else if (t.type === 3) (t.values as number[]).forEach((v, i) => dv.setUint16(at + 2 * i, v, true));
    else if (t.type === 4) (t.values as number[]).forEach((v, i) => dv.setUint32(at + 4 * i, v, true));
    else (t.values as number[]).forEach((v, i) => dv.setUint32(at + 4 * i, v, true));
  };
  tags.forEach((t, i) => {
    const e = ifdOffset + 2 + i * 12;
    dv.setUint16(e, t.tag, true);
    dv.setUint16(e + 2, t.type, true);
    dv.setUint32(e + 4, t.type === 5 ? t.values.length / 2 : t.values.length, true);
    const at = extraOffsets.get(t);
    if (at === undefined) writeValues(t, e + 8);
    else {
      dv.setUint32(e + 8, at, true);
      writeValues(t, at);
    }
  });
  dv.setUint32(ifdOffset + 2 + tags.length * 12, 0, true); // no next IFD
  // Pixel data, little-endian.
  if (endianness() === 'LE' || bytesPerSample === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dataOffset);
  } else if (data instanceof Uint16Array) {
    for (let i = 0; i < data.length; i++) dv.setUint16(dataOffset + 2 * i, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) dv.setFloat32(dataOffset + 4 * i, data[i], true);
  }
  return out;
}

/** Provenance of a TIFF: the JSON object in ImageDescription (else the raw text) plus the Software tag. */
export async function readTiffProvenance(r: ByteReader): Promise<Record<string, string>> {
  const d = await readTiffDirectory(r);
  const out: Record<string, string> = {};
  const desc = await tagString(d, TAG.ImageDescription);
  if (desc !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(desc);
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) {
      Object.assign(out, parsed as Record<string, string>);
    } else {
      out.ImageDescription = desc;
    }
  }
  const software = await tagString(d, TAG.Software);
  if (software !== undefined && out.Software === undefined) out.Software = software;
  return out;
}
