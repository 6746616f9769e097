/**
 * The one interface through which the stacker calls image kernels. `referenceKernels` is the plain
 * TypeScript implementation; a faster implementation (e.g. WebAssembly SIMD) can replace any
 * subset behind the same signatures via `setKernels({ ...referenceKernels, nccMap: fast })`.
 *
 * Conventions (see the individual modules for details):
 * - Images are float32, row-major, channels interleaved, index [y, x] (y down), 16-bit value scale.
 * - Rectangles are half-open `[y0, y1) × [x0, x1)`.
 * - Borders: blur and Laplacian use reflect-101; resize/shift interpolation uses replicate.
 * - `shiftImage(img, dy, dx)`: `out(y,x) = in(y−dy, x−dx)` — content moves by (+dy, +dx).
 *   (PSS "shifts" are the opposite: the vector added to frame coordinates to reach the
 *   reference; an alignment shift s is applied as `shiftImage(frame, s_y, s_x)`.)
 * - Match maps: entry (u, v) compares the template with the window at top-left (u, v).
 *   In PSS's MLC the shift is `search radius − argmax`.
 * - `subpixelParaboloid` returns the peak offset (dy, dx) from the centre sample.
 * - All functions return new images unless named "add…/accumulate…" (in place on `dst`).
 */
import type { Image, Plane, Rect } from './image.ts';
import { gaussianBlur, gaussianBlurF32, gaussianBlurSigma } from './blur.ts';
import { laplacian3x3 } from './laplacian.ts';
import {
  accumulateShiftedStored, accumulateShiftedWindow, areaDownscale2, decimate2, resize, resizeArea, shiftImage, type Interpolation, type ResizeSize,
  type StoredPlane,
} from './resample.ts';
import { blurStrided, crop, cropStrided } from './region.ts';
import { correlateWindow, type SamplePlane } from './correlate-window.ts';
import { argmax, argmin, nccMap, ssdMap, type Extremum } from './match.ts';
import { subpixelParaboloid, type SubpixelOffset } from './subpixel.ts';
import { centreOfGravity, meanStd, minMax, rectSums8, type MeanStd } from './stats.ts';
import { accumulateShifted, addPatch, type Clip } from './accumulate.ts';
import { absScaleU8, addScaled, quantizeU16, rgbToMono16, scaleInPlace } from './pointwise.ts';
import { pngScanlinesUp16 } from './scanlines.ts';

export type { Clip, Extremum, Interpolation, MeanStd, ResizeSize, SubpixelOffset, SamplePlane, StoredPlane };

export interface Kernels {
  /** OpenCV GaussianBlur(k×k, σ=0): fixed tables for k ≤ 7, sampled Gaussian above; reflect-101. */
  gaussianBlur(img: Image, ksize: number): Image;
  /** OpenCV GaussianBlur((0,0), σ) on float data: size round(8σ+1)|1; reflect-101. */
  gaussianBlurSigma(img: Image, sigma: number): Image;
  /** 3×3 Laplacian [[0,1,0],[1,−4,1],[0,1,0]], reflect-101. */
  laplacian3x3(img: Image): Image;
  /** The frame store's first-pass blur (float32 arithmetic; see blur.ts gaussianBlurF32). */
  gaussianBlurF32(img: Image, ksize: number): Image;
  /** img[0::2, 0::2]. */
  decimate2(img: Image): Image;
  /** 2×2 box mean, odd edges average what exists; ⌈h/2⌉×⌈w/2⌉. */
  areaDownscale2(img: Image): Image;
  /** Overlap-weighted area resize to width × height. */
  resizeArea(img: Image, width: number, height: number): Image;
  /** OpenCV linear/cubic resize, pixel-centre convention, replicate border. */
  resize(img: Image, size: ResizeSize, mode?: Interpolation): Image;
  /** out(y,x) = in(y−dy, x−dx), replicate border. */
  /** `into`: optional output array (W·H·C) to fill instead of a new one. */
  shiftImage(img: Image, dy: number, dx: number, mode?: Interpolation, into?: Float32Array): Image;
  /** Copy of img[y0:y1, x0:x1]. */
  crop(img: Image, y0: number, y1: number, x0: number, x1: number): Image;
  /** Copy of img[y0:y1:step, x0:x1:step]. */
  cropStrided(img: Image, y0: number, y1: number, x0: number, x1: number, step: number): Image;
  /** gaussianBlur(cropStrided(…), ksize) — the MLC phase-1 window. */
  blurStrided(img: Image, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number): Image;
  /** TM_CCORR_NORMED map, (Hw−Ht+1)×(Ww−Wt+1). */
  nccMap(window: Plane, template: Plane): Image;
  /** nccMap(ksize > 0 ? blurStrided(frame, …, step, ksize) : cropStrided(frame, …, step), template): both MLC phases. */
  correlateWindow(frame: SamplePlane, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number, template: Plane): Image;
  /** Sum-of-squared-differences map, (Hw−Ht+1)×(Ww−Wt+1). */
  ssdMap(window: Plane, template: Plane): Image;
  /** First maximum in row-major order. */
  argmax(p: Plane): Extremum;
  /** First minimum in row-major order. */
  argmin(p: Plane): Extremum;
  /** PSS §10.3 paraboloid peak offset from the centre of a row-major 3×3 block, or null. */
  subpixelParaboloid(f9: ArrayLike<number>): SubpixelOffset | null;
  /** PSS §6.1 thresholded centre of gravity (float), or null for a flat image. */
  centreOfGravity(p: Plane): { cy: number; cx: number } | null;
  /** Mean and population std (float64) of all samples, optionally of a region. */
  meanStd(img: Plane, rect?: Rect): MeanStd;
  /** Σv, Σv² of an 8-bit plane over rectangles [y0, y1, x0, x1, …] (exact; see stats.ts). */
  rectSums8(img: { width: number; height: number; data: Uint8Array }, rects: Int32Array): Float64Array;
  /** Minimum and maximum sample. */
  minMax(img: Plane): { min: number; max: number };
  /** acc += shiftImage(img, dy, dx, mode)[y0 : y0+h, x0 : x0+w] (mono; bit-identical, without the shifted frame). */
  accumulateShiftedWindow(acc: Image, img: Image, y0: number, x0: number, dy: number, dx: number, mode?: Interpolation): void;
  /** accumulateShiftedWindow of a stored 8/16-bit mono frame (value = sample · scale), without widening it first. */
  accumulateShiftedStored(acc: Image, frame: StoredPlane, y0: number, x0: number, dy: number, dx: number, mode?: Interpolation): void;
  /** dst[y,x] += scale·src[srcY0+y, srcX0+x], clipped; returns the source clip. */
  accumulateShifted(dst: Image, src: Image, srcY0: number, srcX0: number, scale?: number): Clip;
  /** dst[dstY0+y, dstX0+x] += scale·(weight[y,x]·)src[y,x], clipped; returns the target clip. */
  addPatch(dst: Image, dstY0: number, dstX0: number, src: Image, scale?: number, weight?: Plane): Clip;
  /** dst += scale·src (same shape). */
  addScaled(dst: Image, src: Image, scale?: number): void;
  /** img *= scale. */
  scaleInPlace(img: Image, scale: number): void;
  /** Round half-even and clamp to [0, 65535] (uint16 storage); `into` may be img.data (in place). */
  quantizeU16(img: Image, into?: Float32Array): Image;
  /** min(255, round_half_even(|alpha·x|)) (cv2.convertScaleAbs). */
  absScaleU8(img: Image, alpha: number): Image;
  /** PNG scanlines (filter byte, "Up"-filtered big-endian samples) of 16-bit output, floats quantised (scanlines.ts). */
  pngScanlinesUp16(data: Float32Array | Uint16Array, row: number, rows: number): Uint8Array;
  /** Stored mono frame (16-bit, round half up) of stored interleaved RGB samples · scale (pointwise.ts). */
  rgbToMono16(rgb: Uint8Array | Uint16Array, scale: number, into?: Uint16Array): Uint16Array;
}

export const referenceKernels: Kernels = Object.freeze({
  gaussianBlur,
  gaussianBlurSigma,
  laplacian3x3,
  gaussianBlurF32,
  decimate2,
  areaDownscale2,
  resizeArea,
  resize,
  shiftImage,
  crop,
  cropStrided,
  blurStrided,
  nccMap,
  correlateWindow,
  ssdMap,
  argmax,
  argmin,
  subpixelParaboloid,
  centreOfGravity,
  meanStd,
  rectSums8,
  minMax,
  accumulateShifted,
  accumulateShiftedWindow,
  accumulateShiftedStored,
  addPatch,
  addScaled,
  scaleInPlace,
  quantizeU16,
  absScaleU8,
  pngScanlinesUp16,
  rgbToMono16,
});

let current: Kernels = referenceKernels;

/** The kernel implementation currently in use (default: `referenceKernels`). */
export function getKernels(): Kernels {
  return current;
}

/** Replaces the current implementation (pass `referenceKernels` to restore the default). */
export function setKernels(k: Kernels): void {
  for (const name of Object.keys(referenceKernels) as (keyof Kernels)[]) {
    if (typeof k[name] !== 'function') throw new Error(`setKernels: kernel "${name}" is missing`);
  }
  current = k;
}
