/** Scalar statistics of images and image regions (float64 accumulation). */
import { channelsOf, requireMono, type Plane, type Rect } from './image.ts';

export interface MeanStd {
  readonly mean: number;
  /** Population standard deviation (divide by n), like numpy `std()` / PSS `Std`. */
  readonly std: number;
  /** Number of samples (pixels × channels) included. */
  readonly count: number;
}

function checkRect(p: Plane, r: Rect): void {
  const ok =
    Number.isInteger(r.y0) && Number.isInteger(r.y1) && Number.isInteger(r.x0) && Number.isInteger(r.x1) &&
    r.y0 >= 0 && r.x0 >= 0 && r.y1 <= p.height && r.x1 <= p.width && r.y1 > r.y0 && r.x1 > r.x0;
  if (!ok) throw new Error(`region [${r.y0},${r.y1})x[${r.x0},${r.x1}) is empty or outside the ${p.width}x${p.height} image`);
}

/**
 * Mean and population standard deviation of all samples (all channels) of `img`, or of the
 * half-open region `rect`. Two-pass in float64.
 */
export function meanStd(img: Plane, rect?: Rect): MeanStd {
  return meanStdOf(img.data, img.width, img.height, channelsOf(img), rect);
}

/**
 * `meanStd` of an 8-bit plane (e.g. the frame store's Laplacian L_i) without converting it to float,
 * in one pass: the sums Σv and Σv² of 8-bit samples are integers, exact in float64 (below 2^53 for
 * up to 1.3·10^11 samples), and std = √((Σv² − Σv·mean)/n). Agrees with the two-pass `meanStd` to
 * ~1e-14 relative (rounding only in the last two operations).
 */
export function meanStdBytes(img: { width: number; height: number; data: Uint8Array }, rect?: Rect): MeanStd {
  const { width, height, data: d } = img;
  if (d.length !== width * height) throw new Error(`${d.length} samples for a ${width}x${height} plane`);
  const r = rect ?? { y0: 0, y1: height, x0: 0, x1: width };
  checkRect({ width, height } as Plane, r);
  const out = new Float64Array(2);
  sums8(d, width, r, out, 0);
  return meanStdFromSums(out[0], out[1], (r.y1 - r.y0) * (r.x1 - r.x0));
}

/** out[o], out[o+1] = Σv, Σv² of the 8-bit samples in r (a checked rectangle of a w-wide plane): exact integers. */
function sums8(d: Uint8Array, w: number, r: Rect, out: Float64Array, o: number): void {
  let sum = 0;
  let sq = 0;
  for (let y = r.y0; y < r.y1; y++) {
    const end = y * w + r.x1;
    for (let i = y * w + r.x0; i < end; i++) {
      const v = d[i];
      sum += v;
      sq += v * v;
    }
  }
  out[o] = sum;
  out[o + 1] = sq;
}

/**
 * Mean and population std from exact sums Σv and Σv² of `count` samples — the arithmetic of
 * `meanStdBytes`, for sums computed elsewhere (the wasm first pass returns them for L).
 */
export function meanStdFromSums(sum: number, sq: number, count: number): MeanStd {
  const mean = sum / count;
  const ss = sq - sum * mean;
  return { mean, std: Math.sqrt(ss > 0 ? ss / count : 0), count };
}

/** `meanStdBytes(l)` of a whole 8-bit plane, from its sums when it carries them (`sum`, `sumSq`). */
export function meanStdOfPlane8(l: { width: number; height: number; data: Uint8Array; sum?: number; sumSq?: number }): MeanStd {
  if (l.sum !== undefined && l.sumSq !== undefined) return meanStdFromSums(l.sum, l.sumSq, l.data.length);
  return meanStdBytes(l);
}

function meanStdOf(d: Float32Array, width: number, height: number, C: number, rect?: Rect): MeanStd {
  const r = rect ?? { y0: 0, y1: height, x0: 0, x1: width };
  checkRect({ width, height } as Plane, r);
  const rowLen = width * C;
  const i0 = r.x0 * C;
  const i1 = r.x1 * C;
  const count = (r.y1 - r.y0) * (i1 - i0);
  let sum = 0;
  for (let y = r.y0; y < r.y1; y++) {
    const rb = y * rowLen;
    for (let i = rb + i0; i < rb + i1; i++) sum += d[i];
  }
  const mean = sum / count;
  let ss = 0;
  for (let y = r.y0; y < r.y1; y++) {
    const rb = y * rowLen;
    for (let i = rb + i0; i < rb + i1; i++) {
      const t = d[i] - mean;
      ss += t * t;
    }
  }
  return { mean, std: Math.sqrt(ss / count), count };
}

/** Minimum and maximum of a plane or image (NaNs ignored). */
export function minMax(img: Plane): { min: number; max: number } {
  const d = img.data;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * PSS planet-mode centre of gravity (§6.1) of a mono plane: threshold `t = ⌊(min + max)/2⌋`,
 * weights `w = max(v, t) − t`, centre `(Σ y·w / Σ w, Σ x·w / Σ w)` as floats (PSS rounds them
 * half-to-even; callers do that). Returns null when all weights are 0 (flat image).
 */
export function centreOfGravity(p: Plane): { cy: number; cx: number } | null {
  requireMono(p, 'centre-of-gravity input');
  const { width: w, height: h, data } = p;
  const { min, max } = minMax(p);
  const t = Math.floor((min + max) / 2);
  let sw = 0;
  let sy = 0;
  let sx = 0;
  for (let y = 0; y < h; y++) {
    const rb = y * w;
    let rowW = 0;
    for (let x = 0; x < w; x++) {
      const v = data[rb + x];
      if (v > t) {
        const wt = v - t;
        rowW += wt;
        sx += x * wt;
      }
    }
    sw += rowW;
    sy += y * rowW;
  }
  if (!(sw > 0)) return null;
  return { cy: sy / sw, cx: sx / sw };
}

/**
 * Σv and Σv² of an 8-bit plane over n rectangles `rects` = [y0, y1, x0, x1, …] (half-open, checked):
 * `out[2k]`, `out[2k+1]` for rectangle k — exact integers, so `meanStdFromSums` of them equals
 * `meanStdBytes` of the same region.
 */
export function rectSums8(img: { width: number; height: number; data: Uint8Array }, rects: Int32Array): Float64Array {
  checkRects8(img, rects);
  const out = new Float64Array(rects.length / 2);
  for (let k = 0; k < rects.length; k += 4) {
    sums8(img.data, img.width, { y0: rects[k], y1: rects[k + 1], x0: rects[k + 2], x1: rects[k + 3] }, out, k / 2);
  }
  return out;
}

/** The argument checks of `rectSums8` (shared with its WebAssembly version). */
export function checkRects8(img: { width: number; height: number; data: Uint8Array }, rects: Int32Array): void {
  const { width: w, height: h, data } = img;
  if (data.length !== w * h) throw new Error(`${data.length} samples for a ${w}x${h} plane`);
  if (rects.length % 4 !== 0) throw new Error('rectSums8: rects must hold 4 numbers per rectangle');
  for (let k = 0; k < rects.length; k += 4) {
    checkRect({ width: w, height: h } as Plane, { y0: rects[k], y1: rects[k + 1], x0: rects[k + 2], x1: rects[k + 3] });
  }
}
