/**
 * JPEG: header sniffing (SOF marker) and the pure-JS fallback decoder (jpeg-js).
 * The preferred decoder is sharp (see image-file.ts). Output is 8-bit gray (1 component) or RGB (3 or 4
 * components; CMYK/YCCK is converted to RGB). EXIF orientation is NOT applied: pixels come in stored order,
 * so all frames of a burst keep one geometry.
 */
import type { ByteReader, DecodedImage, ImageHeader } from './image-file.js';

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

export interface JpegSof {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** SOF marker number (0xc0 baseline, 0xc2 progressive, …). */
  marker: number;
}

/** Scans the marker segments up to the first SOF marker. Reads only the segment headers. */
export async function readJpegSof(r: ByteReader): Promise<JpegSof> {
  const head = await r.read(0, 4);
  if (!isJpeg(head)) throw new Error('not a JPEG file (bad signature)');
  let pos = 2;
  for (;;) {
    const m = await r.read(pos, 4);
    if (m.length < 2) throw new Error('truncated JPEG (no frame header)');
    if (m[0] !== 0xff) throw new Error(`corrupt JPEG (no marker at byte ${pos})`);
    const marker = m[1];
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) throw new Error('corrupt JPEG (no frame header before the scan)');
    if (m.length < 4) throw new Error('truncated JPEG');
    const len = (m[2] << 8) | m[3];
    if (len < 2) throw new Error(`corrupt JPEG (segment length ${len})`);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      const s = await r.read(pos + 4, 6);
      if (s.length < 6) throw new Error('truncated JPEG (frame header)');
      const sof: JpegSof = {
        precision: s[0],
        height: (s[1] << 8) | s[2],
        width: (s[3] << 8) | s[4],
        components: s[5],
        marker,
      };
      if (sof.width === 0 || sof.height === 0) throw new Error(`unsupported JPEG (size ${sof.width}x${sof.height} in the frame header)`);
      return sof;
    }
    pos += 2 + len;
  }
}

export async function readJpegHeader(r: ByteReader): Promise<ImageHeader> {
  const sof = await readJpegSof(r);
  if (sof.precision !== 8) throw new Error(`unsupported JPEG (${sof.precision}-bit samples; only 8-bit JPEG is supported)`);
  if (sof.components !== 1 && sof.components !== 3 && sof.components !== 4) {
    throw new Error(`unsupported JPEG (${sof.components} colour components)`);
  }
  return { format: 'jpeg', width: sof.width, height: sof.height, planes: sof.components === 1 ? 1 : 3, bitDepth: 8 };
}

type JpegJsDecode = (data: Uint8Array, opts: Record<string, unknown>) => { width: number; height: number; data: Uint8Array };

let jpegJs: JpegJsDecode | undefined;

/** Pure-JS decode (jpeg-js). Slow for camera-sized images (seconds), used only when sharp is missing. */
export async function decodeJpeg(bytes: Uint8Array): Promise<DecodedImage> {
  const header = await readJpegHeader({ size: bytes.length, read: async (p, n) => bytes.subarray(p, p + n) });
  if (!jpegJs) {
    const mod = (await import('jpeg-js')) as unknown as { decode?: JpegJsDecode; default?: { decode: JpegJsDecode } };
    jpegJs = mod.decode ?? mod.default!.decode;
  }
  let img;
  try {
    img = jpegJs(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: 1000,
      maxMemoryUsageInMB: 4096,
    });
  } catch (e) {
    throw new Error(`corrupt JPEG (${(e as Error).message})`);
  }
  const n = img.width * img.height;
  if (header.planes === 3) return { width: img.width, height: img.height, planes: 3, bitDepth: 8, data: img.data };
  const gray = new Uint8Array(n);
  for (let i = 0; i < n; i++) gray[i] = img.data[i * 3];
  return { width: img.width, height: img.height, planes: 1, bitDepth: 8, data: gray };
}
