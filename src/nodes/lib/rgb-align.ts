/**
 * RGB channel alignment (reference §13.3, automatic mode): measures the offset of the R and the B channel
 * against G by normalised cross-correlation at an interpolated resolution, moves R and B onto G, crops all
 * channels to the area they have in common and scales back.
 *
 * At the measuring scale f (resolution index 0/1/2 → f = 1/2/4, i.e. 1, ½ or ¼ px steps; cubic up-sampling):
 * template = channel c cropped by M = maxShift·f on every side, window = the whole G channel, both blurred
 * with the 7×7 Gaussian (OpenCV's fixed table); TM_CCORR_NORMED; shift_c = M − argmax. A component equal to
 * ±M (the search rim) is an error. Channel c is then moved by −shift_c (whole pixels at the fine scale), every
 * channel is cropped to the common area and the image is scaled down by f (cubic). The applied shift, in
 * pixels of the input, is −shift_c / f. The image gets slightly smaller.
 *
 * Speed: PSS evaluates the whole (2M+1)² correlation map at the fine scale, which for f = 4 costs
 * 6561 full-image products per channel. Here the map is evaluated in full only at f = 1; each finer scale
 * (2, then 4) evaluates the 3×3 neighbourhood of the doubled coarser result and walks uphill while the
 * maximum lies on the neighbourhood's edge, so the reported optimum is a local maximum of the same fine
 * map PSS computes (for real images: the global one). All correlation goes through `getKernels().nccMap`.
 */
import { createImage, type Image } from '../../image/image.js';
import { getKernels } from '../../image/kernels.js';
import { freshFloat32 } from '../../image/fresh-memory.js';

/** PSS's maximum RGB shift in input pixels. */
export const RGB_MAX_SHIFT = 5;
/** Gaussian kernel size (gwRGB) used to blur the channels before correlation. */
export const RGB_BLUR = 7;
/** Resolution index → interpolation factor. */
export const RGB_FACTORS = [1, 2, 4] as const;

export interface RgbShift {
  /** Shift applied to the channel's content, in input pixels (content moved by (+dy, +dx)). */
  dy: number;
  dx: number;
}

export interface RgbAlignResult {
  image: Image;
  /** Applied shifts of R and B (G stays). */
  red: RgbShift;
  blue: RgbShift;
  /** Interpolation factor used. */
  factor: number;
}

/** Failure of the automatic alignment (shift at the search rim, image too small). */
export class RgbAlignError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RgbAlignError';
  }
}

export interface RgbAlignOptions {
  maxShift?: number;
  blur?: number;
  signal?: AbortSignal;
}

function channelPlane(img: Image, c: number): Image {
  const P = img.width * img.height;
  const out = freshFloat32(P);
  const d = img.data;
  for (let p = 0, i = c; p < P; p++, i += 3) out[p] = d[i];
  return createImage(img.width, img.height, 1, out);
}

/** Search state at one scale: the blurred G window and the blurred, cropped template of channel c. */
interface Level {
  window: Image;
  template: Image;
  /** Search radius M = maxShift·f (placements 0 … 2M). */
  M: number;
}

function makeLevel(gBlurred: Image, cUp: Image, M: number, blur: number): Level {
  const K = getKernels();
  const cb = K.gaussianBlur(cUp, blur);
  const template = K.crop(cb, M, cb.height - M, M, cb.width - M);
  return { window: gBlurred, template, M };
}

/** Best placement (u, v) in the box [u0, u1] × [v0, v1] (inclusive, inside [0, 2M]). */
function bestInBox(lv: Level, u0: number, u1: number, v0: number, v1: number): { u: number; v: number; value: number } {
  const K = getKernels();
  const { template: T } = lv;
  const win = K.crop(lv.window, u0, u1 + T.height, v0, v1 + T.width);
  const map = K.nccMap(win, T);
  const m = K.argmax(map);
  return { u: u0 + m.y, v: v0 + m.x, value: m.value };
}

/** Full-map search at one scale: shift = M − argmax. */
function fullSearch(lv: Level): { sy: number; sx: number } {
  const b = bestInBox(lv, 0, 2 * lv.M, 0, 2 * lv.M);
  return { sy: lv.M - b.u, sx: lv.M - b.v };
}

/** Local search around a predicted shift, walking uphill while the maximum sits on an inner box edge. */
function localSearch(lv: Level, predY: number, predX: number, radius: number): { sy: number; sx: number } {
  const { M } = lv;
  const clamp = (v: number) => Math.min(2 * M, Math.max(0, v));
  let cu = clamp(M - predY);
  let cv = clamp(M - predX);
  for (let iter = 0; iter <= 4 * M; iter++) {
    const u0 = clamp(cu - radius);
    const u1 = clamp(cu + radius);
    const v0 = clamp(cv - radius);
    const v1 = clamp(cv + radius);
    const b = bestInBox(lv, u0, u1, v0, v1);
    const onInnerEdge =
      (b.u === u0 && u0 > 0) || (b.u === u1 && u1 < 2 * M) || (b.v === v0 && v0 > 0) || (b.v === v1 && v1 < 2 * M);
    if (!onInnerEdge || (b.u === cu && b.v === cv)) return { sy: M - b.u, sx: M - b.v };
    cu = b.u;
    cv = b.v;
  }
  throw new RgbAlignError('the channel correlation search did not settle');
}

const NAMES = ['R', 'G', 'B'];

/**
 * Aligns R and B onto G (colour images only). `resolutionIndex` 0/1/2 selects f = 1/2/4.
 * Throws RgbAlignError when a measured shift reaches ±maxShift or the image is too small.
 */
export function alignRgbChannels(img: Image, resolutionIndex: number, opts: RgbAlignOptions = {}): RgbAlignResult {
  if (img.channels !== 3) throw new RgbAlignError('RGB alignment needs a colour image');
  const f = RGB_FACTORS[resolutionIndex];
  if (f === undefined) throw new RgbAlignError(`resolution index must be 0, 1 or 2; found ${resolutionIndex}`);
  const ms = opts.maxShift ?? RGB_MAX_SHIFT;
  const blur = opts.blur ?? RGB_BLUR;
  const minSize = 2 * ms + 8;
  if (img.width < minSize || img.height < minSize) {
    throw new RgbAlignError(`the image (${img.width}x${img.height}) is too small for RGB alignment (at least ${minSize}x${minSize} px)`);
  }
  const K = getKernels();
  const planes = [0, 1, 2].map((c) => channelPlane(img, c));
  const up = (p: Image, s: number) => (s === 1 ? p : K.resize(p, s, 'cubic'));

  // Final-scale planes (unblurred) are kept for the output.
  const fine = planes.map((p) => up(p, f));
  // Coarse-to-fine: the full map at f = 1, then 3×3 uphill searches at 2 and 4 (blurred G shared by R and B).
  const coarse = [0, 2].map(() => ({ sy: 0, sx: 0 }));
  for (let fl = 1; fl <= f; fl *= 2) {
    opts.signal?.throwIfAborted();
    const upG = fl === f ? fine[1] : up(planes[1], fl);
    const gBlurred = K.gaussianBlur(upG, blur);
    for (let j = 0; j < 2; j++) {
      const c = j === 0 ? 0 : 2;
      const lv = makeLevel(gBlurred, fl === f ? fine[c] : up(planes[c], fl), ms * fl, blur);
      coarse[j] = fl === 1 ? fullSearch(lv) : localSearch(lv, 2 * coarse[j].sy, 2 * coarse[j].sx, 1);
    }
  }
  const shifts: { sy: number; sx: number }[] = [coarse[0], { sy: 0, sx: 0 }, coarse[1]];
  const M = ms * f;
  for (const c of [0, 2]) {
    const s = shifts[c];
    if (Math.abs(s.sy) >= M || Math.abs(s.sx) >= M) {
      throw new RgbAlignError(
        `the ${NAMES[c]} channel's offset from G, (${s.sy / f + 0}, ${s.sx / f + 0}) px, reaches the search limit of ±${ms} px ` +
          '(no reliable match; check the image or switch RGB alignment off)',
      );
    }
  }

  // Aligned channel c at (y, x) = fine_c(y + s_c): common area of all three channels.
  const Hf = fine[1].height;
  const Wf = fine[1].width;
  let y0 = 0, y1 = Hf, x0 = 0, x1 = Wf;
  for (const s of shifts) {
    y0 = Math.max(y0, -s.sy);
    y1 = Math.min(y1, Hf - s.sy);
    x0 = Math.max(x0, -s.sx);
    x1 = Math.min(x1, Wf - s.sx);
  }
  const outPlanes = fine.map((p, c) => {
    const { sy, sx } = shifts[c];
    const cut = K.crop(p, y0 + sy, y1 + sy, x0 + sx, x1 + sx);
    return f === 1 ? cut : K.resize(cut, 1 / f, 'cubic');
  });
  const { width: w, height: h } = outPlanes[1];
  const out = freshFloat32(w * h * 3);
  for (let c = 0; c < 3; c++) {
    const d = outPlanes[c].data;
    for (let p = 0, i = c; p < w * h; p++, i += 3) out[i] = d[p];
  }
  const applied = (c: number): RgbShift => ({ dy: -shifts[c].sy / f + 0, dx: -shifts[c].sx / f + 0 });
  return { image: createImage(w, h, 3, out), red: applied(0), blue: applied(2), factor: f };
}
