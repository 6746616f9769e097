/**
 * In-place accumulation of rectangles for stacking (PSS §11 and §12.3). Offsets are integers;
 * everything that would fall outside an image is clipped, and the clipped amount is reported.
 */
import { requireMono, type Image, type Plane } from './image.ts';

/**
 * Rows/columns of a requested rectangle that fell outside the image it was read from (or
 * written to), per side: `top = max(0, −y_lo)`, `bottom = max(0, y_hi − height)`, likewise
 * left/right. Not capped at the rectangle size (a rectangle wholly outside reports its full
 * excess), matching PSS's `border_lo/hi` bookkeeping.
 */
export interface Clip {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

function requireInt(...v: number[]): void {
  for (const x of v) if (!Number.isInteger(x)) throw new Error(`offset ${x} is not an integer`);
}

function clipOf(y0: number, h: number, x0: number, w: number, H: number, W: number): Clip {
  return {
    top: Math.max(0, -y0),
    bottom: Math.max(0, y0 + h - H),
    left: Math.max(0, -x0),
    right: Math.max(0, x0 + w - W),
  };
}

/**
 * `dst[y, x] += scale · src[srcY0 + y, srcX0 + x]` for every dst pixel whose source lies inside
 * `src` (all channels; channel counts must match). This is PSS's rigid copy-add
 * `buf_a[·] += F[patch + t]` with `(srcY0, srcX0) = patch origin + t`. Returns the clip of the
 * source rectangle `[srcY0, srcY0 + dst.height) × [srcX0, srcX0 + dst.width)` against `src`.
 */
export function accumulateShifted(dst: Image, src: Image, srcY0: number, srcX0: number, scale = 1): Clip {
  requireInt(srcY0, srcX0);
  if (dst.channels !== src.channels) throw new Error('accumulateShifted: channel counts differ');
  const C = dst.channels;
  const clip = clipOf(srcY0, dst.height, srcX0, dst.width, src.height, src.width);
  const y0 = clip.top;
  const y1 = dst.height - clip.bottom;
  const x0 = clip.left;
  const x1 = dst.width - clip.right;
  if (y1 <= y0 || x1 <= x0) return clip;
  const n = (x1 - x0) * C;
  const d = dst.data;
  const s = src.data;
  for (let y = y0; y < y1; y++) {
    const di = (y * dst.width + x0) * C;
    const si = ((srcY0 + y) * src.width + srcX0 + x0) * C;
    if (scale === 1) for (let i = 0; i < n; i++) d[di + i] += s[si + i];
    else for (let i = 0; i < n; i++) d[di + i] += scale * s[si + i];
  }
  return clip;
}

/**
 * `dst[dstY0 + y, dstX0 + x] += scale · src[y, x]` over the whole of `src`, clipped to `dst`
 * (channel counts must match). Returns the clip of the target rectangle against `dst`.
 * With `weight` (a mono plane of src's size): `+= scale · weight[y, x] · src[y, x, c]`
 * (the merge step `stack[patch] += buf_a · ω_a`).
 */
export function addPatch(
  dst: Image, dstY0: number, dstX0: number, src: Image, scale = 1, weight?: Plane,
): Clip {
  requireInt(dstY0, dstX0);
  if (dst.channels !== src.channels) throw new Error('addPatch: channel counts differ');
  if (weight) {
    requireMono(weight, 'addPatch weight');
    if (weight.width !== src.width || weight.height !== src.height) throw new Error('addPatch: weight size differs from patch');
  }
  const C = dst.channels;
  const clip = clipOf(dstY0, src.height, dstX0, src.width, dst.height, dst.width);
  const y0 = clip.top;
  const y1 = src.height - clip.bottom;
  const x0 = clip.left;
  const x1 = src.width - clip.right;
  if (y1 <= y0 || x1 <= x0) return clip;
  const d = dst.data;
  const s = src.data;
  for (let y = y0; y < y1; y++) {
    const di = ((dstY0 + y) * dst.width + dstX0 + x0) * C;
    const si = (y * src.width + x0) * C;
    if (weight) {
      const wd = weight.data;
      const wi = y * src.width;
      for (let x = x0; x < x1; x++) {
        const f = scale * wd[wi + x];
        const o = (x - x0) * C;
        for (let c = 0; c < C; c++) d[di + o + c] += f * s[si + o + c];
      }
    } else {
      const n = (x1 - x0) * C;
      if (scale === 1) for (let i = 0; i < n; i++) d[di + i] += s[si + i];
      else for (let i = 0; i < n; i++) d[di + i] += scale * s[si + i];
    }
  }
  return clip;
}
