/** Per-sample arithmetic and conversions (any channel count). */
import { createImage, type Image } from './image.ts';
import { roundHalfEven } from './numeric.ts';
import { freshFloat32 } from './fresh-memory.ts';

/** Weights of the panchromatic mono conversion (OpenCV / PSS): 0.299 R + 0.587 G + 0.114 B. */
export const MONO_WEIGHTS = [0.299, 0.587, 0.114] as const;

function sameShape(a: Image, b: Image, what: string): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`${what}: images differ in shape (${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels})`);
  }
}

/** In place: `dst += scale · src` (same shape). */
export function addScaled(dst: Image, src: Image, scale = 1): void {
  sameShape(dst, src, 'addScaled');
  const d = dst.data;
  const s = src.data;
  for (let i = 0; i < d.length; i++) d[i] += scale * s[i];
}

/**
 * Stored integer samples as floats, `out[k] = stored[k] · scale` (exact for 8-bit · 256 and
 * 16-bit · 1, the frame store's scales), into `into` when given (same length) or a new array.
 */
export function widenSamples(stored: Uint8Array | Uint16Array, scale: number, into?: Float32Array): Float32Array {
  const out = into ?? freshFloat32(stored.length);
  if (out.length !== stored.length) throw new Error(`widenSamples: ${out.length} outputs for ${stored.length} samples`);
  if (scale === 1) out.set(stored);
  else for (let k = 0; k < stored.length; k++) out[k] = stored[k] * scale;
  return out;
}

/** In place: `img *= scale`. */
export function scaleInPlace(img: Image, scale: number): void {
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] *= scale;
}

/**
 * What storing into uint16 does in OpenCV (`saturate_cast<ushort>`): round half to even, clamp
 * to [0, 65535]. NaN → 0. Returns a new float image holding integers.
 */
export function quantizeU16(img: Image, into?: Float32Array): Image {
  const s = img.data;
  if (into && into.length !== s.length) throw new Error(`quantizeU16: output array has ${into.length} samples, expected ${s.length}`);
  const out = into ?? freshFloat32(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    out[i] = v > 0 ? (v >= 65535 ? 65535 : roundHalfEven(v)) : 0;
  }
  return createImage(img.width, img.height, img.channels, out);
}

/**
 * `cv2.convertScaleAbs(x, alpha)`: `min(255, round_half_even(|alpha·x|))` — PSS builds the LoG
 * frame with alpha = 1/256. Returns a new float image holding integers 0…255.
 */
export function absScaleU8(img: Image, alpha: number): Image {
  const s = img.data;
  const out = freshFloat32(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = Math.abs(alpha * s[i]);
    out[i] = v >= 255 ? 255 : v === v ? roundHalfEven(v) : 0;
  }
  return createImage(img.width, img.height, img.channels, out);
}

/**
 * The stored mono frame of stored interleaved RGB samples in one pass: exactly the frame store's
 * 16-bit storage (round half up, clamp) of `rgbToMono` (src/io/convert.ts) of the float frame
 * samples · scale, without the two float arrays — each sum is computed in double and rounded to
 * float32 as `rgbToMono` stores it. Written into `into` (one sample per pixel) when given.
 */
export function rgbToMono16(rgb: Uint8Array | Uint16Array, scale: number, into?: Uint16Array): Uint16Array {
  const n = rgb.length / 3;
  if (!Number.isInteger(n) || (into && into.length !== n)) throw new Error(`rgbToMono16: ${rgb.length} samples are not ${into ? into.length + ' ' : ''}RGB pixels`);
  const out = into ?? new Uint16Array(n);
  const [wr, wg, wb] = MONO_WEIGHTS;
  const fround = Math.fround;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const v = fround(wr * (rgb[j] * scale) + wg * (rgb[j + 1] * scale) + wb * (rgb[j + 2] * scale));
    out[i] = v > 0 ? (v < 65535 ? v + 0.5 : 65535) : 0;
  }
  return out;
}
