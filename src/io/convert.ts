/**
 * Turns stored frames (RawFrame) into the float Image the algorithm works on ("O_i", the original):
 * calibration, debayering, colour order, value scale. Also the monochrome conversion ("M_i").
 *
 * Value scale: 16-bit scale (see src/image/image.ts). 8-bit samples ×256. 16-bit SER data whose largest
 * sample (frames 0, N/2, N−1) uses fewer than 16 bits are scaled up by 2^(16 − bit length) so 12-bit
 * cameras fill the range, as PSS does (`dynamicRangeShift`).
 *
 * Calibration (unlike PSS, done on the stored samples BEFORE demosaicing, and clamped — PSS's unsigned
 * wrap-around of dark+flat, reference §16 P2, is not copied):
 *   c = max(raw − dark, 0) · mean(flat − dark) / max(flat − dark, ε), clipped to [0, 65535].
 * Masters are on the same 16-bit scale as the frames.
 */
import type { Image } from '../image/image.js';
import type { ColorLayout, FrameSource, RawFrame } from './frame-source.js';
import { debayerBilinear, type BayerPattern } from './debayer.js';
import { MONO_WEIGHTS } from '../image/pointwise.js';

/** What the user asks for: 'auto' uses the container's layout. */
export type DebayerChoice = 'auto' | 'mono' | 'RGGB' | 'GRBG' | 'GBRG' | 'BGGR' | 'RGB' | 'BGR' | 'grayscale';
export const DEBAYER_CHOICES: readonly DebayerChoice[] = ['auto', 'grayscale', 'RGGB', 'GRBG', 'GBRG', 'BGGR', 'RGB', 'BGR'];

export { MONO_WEIGHTS };

export interface Calibration {
  /** Master dark in the stored layout (mosaic or interleaved), 16-bit scale. */
  dark?: Float32Array;
  /** Master flat, 16-bit scale (already dark-subtracted if a flat-dark was used). */
  flat?: Float32Array;
}

export interface ConvertOptions {
  debayer: DebayerChoice;
  /** Multiplier from stored samples to the 16-bit scale. */
  scale: number;
  calibration?: Calibration;
}

/** The scale from stored samples to 16-bit scale, reading up to 3 frames for 16-bit data. */
export async function valueScaleOf(source: FrameSource): Promise<number> {
  const { info } = source;
  if (info.bytesPerSample === 1) return 256;
  if (info.bytesPerSample === 4) return 1;
  if (info.format !== 'ser') return 1;
  const n = info.frameCount;
  const probes = n <= 2 ? [0] : [0, Math.floor(n / 2), n - 1];
  let max = 0;
  for (const i of probes) {
    const f = await source.read(i);
    const d = f.data;
    for (let k = 0; k < d.length; k++) if (d[k] > max) max = d[k];
  }
  if (max === 0) return 1;
  const bits = Math.floor(Math.log2(max)) + 1;
  return 2 ** (16 - bits);
}

/** Layout the frames are interpreted with, after the user's choice. */
export function effectiveLayout(stored: ColorLayout, planes: 1 | 3, choice: DebayerChoice): ColorLayout | 'grayscale' {
  if (choice === 'auto') return stored;
  if (choice === 'grayscale' || choice === 'mono') return planes === 3 ? 'grayscale' : 'mono';
  if ((choice === 'RGB' || choice === 'BGR') && planes === 1) return 'mono';
  if (planes === 3 && choice !== 'RGB' && choice !== 'BGR') return 'grayscale';
  return choice;
}

export function outputChannels(stored: ColorLayout, planes: 1 | 3, choice: DebayerChoice): 1 | 3 {
  const l = effectiveLayout(stored, planes, choice);
  return l === 'mono' || l === 'grayscale' ? 1 : 3;
}

/** Stored frame → calibrated, debayered float image on the 16-bit scale. */
export function toImage(raw: RawFrame, stored: ColorLayout, opts: ConvertOptions): Image {
  const { width, height, planes } = raw;
  const n = raw.data.length;
  const samples = new Float32Array(n);
  const s = opts.scale;
  const dark = opts.calibration?.dark;
  const flat = opts.calibration?.flat;
  const d = raw.data;
  if (!dark && !flat) {
    for (let i = 0; i < n; i++) samples[i] = d[i] * s;
  } else {
    let flatMean = 1;
    if (flat) { let sum = 0; for (let i = 0; i < n; i++) sum += flat[i]; flatMean = sum / n; }
    for (let i = 0; i < n; i++) {
      let v = d[i] * s;
      if (dark) v = v > dark[i] ? v - dark[i] : 0;
      if (flat) v = v * (flatMean / Math.max(flat[i], 1e-3 * flatMean));
      samples[i] = v > 65535 ? 65535 : v;
    }
  }
  const layout = effectiveLayout(stored, planes, opts.debayer);
  if (layout === 'mono') return { width, height, channels: 1, data: samples };
  if (layout === 'grayscale') return { width, height, channels: 1, data: rgbToMono(samples, stored === 'BGR') };
  if (layout === 'RGB') return { width, height, channels: 3, data: samples };
  if (layout === 'BGR') {
    for (let i = 0; i < n; i += 3) { const t = samples[i]; samples[i] = samples[i + 2]; samples[i + 2] = t; }
    return { width, height, channels: 3, data: samples };
  }
  return { width, height, channels: 3, data: debayerBilinear(samples, width, height, layout as BayerPattern) };
}

export function rgbToMono(rgb: Float32Array, bgr = false): Float32Array {
  const n = rgb.length / 3;
  const out = new Float32Array(n);
  const [wr, wg, wb] = MONO_WEIGHTS;
  const r0 = bgr ? 2 : 0, b0 = bgr ? 0 : 2;
  for (let i = 0; i < n; i++) out[i] = wr * rgb[3 * i + r0] + wg * rgb[3 * i + 1] + wb * rgb[3 * i + b0];
  return out;
}

/** "M_i": the monochrome frame (the image itself when it is mono). */
export function toMono(img: Image): Image {
  if (img.channels === 1) return img;
  return { width: img.width, height: img.height, channels: 1, data: rgbToMono(img.data) };
}
