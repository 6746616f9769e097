/**
 * The float image type used everywhere inside luckygraph.
 *
 * Layout: row-major, channels interleaved per pixel (RGBRGB…), index = (y * width + x) * channels + c.
 * Origin top-left, y down. Colour order is always R, G, B.
 * Value scale: "16-bit scale" — 0 … 65535 as float32. 8-bit data are multiplied by 256 on input
 * (as PSS does), 16-bit data are taken as they are. Values may leave that range after processing
 * (e.g. sharpening); writers clip.
 */
import { freshFloat32 } from './fresh-memory.ts';

export interface Image {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Float32Array;
}

export function createImage(width: number, height: number, channels: 1 | 3 = 1, data?: Float32Array): Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`invalid image size ${width}x${height}`);
  }
  const n = width * height * channels;
  if (data && data.length !== n) throw new Error(`image data has ${data.length} samples, expected ${n}`);
  return { width, height, channels, data: data ?? freshFloat32(n) };
}

export function cloneImage(img: Image): Image {
  return { width: img.width, height: img.height, channels: img.channels, data: new Float32Array(img.data) };
}

/** Bytes held by an image's pixel data. */
export function imageBytes(img: Image): number {
  return img.data.byteLength;
}

/**
 * A single-channel float plane: the minimal shape the mono kernels need. Every mono `Image`
 * (channels = 1) is a `Plane`; kernels that take a `Plane` reject data whose length is not
 * `width·height` (so an RGB `Image` passed by mistake fails loudly).
 */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Half-open rectangle `[y0, y1) × [x0, x1)` in pixel coordinates (PSS order: y first). */
export interface Rect {
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

/** Channels of a plane-or-image (a bare `Plane` has 1). */
export function channelsOf(p: Plane): number {
  const c = (p as Partial<Image>).channels;
  return c === undefined ? 1 : c;
}

/** Throws unless `p` is a well-formed single-channel plane. */
export function requireMono(p: Plane, what = 'image'): void {
  if (channelsOf(p) !== 1 || p.data.length !== p.width * p.height) {
    throw new Error(`${what} must be a single-channel plane of ${p.width}x${p.height} samples`);
  }
}

/** Wraps a mono plane as an `Image` (shares the data). */
export function planeToImage(p: Plane): Image {
  requireMono(p);
  return createImage(p.width, p.height, 1, p.data);
}
