/** Cutting rectangles out of images (copies), optionally with a stride (numpy `a[y0:y1:s, x0:x1:s]`). */
import { createImage, type Image } from './image.ts';
import { gaussianBlur } from './blur.ts';
import { freshFloat32 } from './fresh-memory.ts';

/** Throws unless [y0,y1)×[x0,x1) with the step is a non-empty integer rectangle inside the image. */
export function checkRect(img: Image, y0: number, y1: number, x0: number, x1: number, step: number): void {
  const ok =
    Number.isInteger(y0) && Number.isInteger(y1) && Number.isInteger(x0) && Number.isInteger(x1) &&
    Number.isInteger(step) && step >= 1 &&
    y0 >= 0 && x0 >= 0 && y1 <= img.height && x1 <= img.width && y1 > y0 && x1 > x0;
  if (!ok) {
    throw new Error(
      `rectangle [${y0},${y1})x[${x0},${x1}) step ${step} is empty, not integer or outside the ${img.width}x${img.height} image`,
    );
  }
}

/** Copy of `img[y0:y1, x0:x1]` (half-open; must lie inside the image and be non-empty). */
export function crop(img: Image, y0: number, y1: number, x0: number, x1: number): Image {
  checkRect(img, y0, y1, x0, x1, 1);
  const C = img.channels;
  const w = x1 - x0;
  const h = y1 - y0;
  const out = freshFloat32(w * h * C);
  const srcRow = img.width * C;
  for (let y = 0; y < h; y++) {
    const s = (y0 + y) * srcRow + x0 * C;
    out.set(img.data.subarray(s, s + w * C), y * w * C);
  }
  return createImage(w, h, C, out);
}

/**
 * Copy of `img[y0:y1:step, x0:x1:step]`: rows y0, y0+step, … < y1 (likewise x); size
 * ⌈(y1−y0)/step⌉ × ⌈(x1−x0)/step⌉. The rectangle must lie inside the image.
 */
export function cropStrided(img: Image, y0: number, y1: number, x0: number, x1: number, step: number): Image {
  checkRect(img, y0, y1, x0, x1, step);
  if (step === 1) return crop(img, y0, y1, x0, x1);
  const C = img.channels;
  const w = Math.ceil((x1 - x0) / step);
  const h = Math.ceil((y1 - y0) / step);
  const out = freshFloat32(w * h * C);
  const data = img.data;
  const srcRow = img.width * C;
  let o = 0;
  for (let y = y0; y < y1; y += step) {
    const rb = y * srcRow;
    for (let x = x0; x < x1; x += step) {
      const s = rb + x * C;
      for (let c = 0; c < C; c++) out[o++] = data[s + c];
    }
  }
  return createImage(w, h, C, out);
}

/**
 * `GaussBlur(img[y0:y1:step, x0:x1:step], ksize)` — the MLC phase-1 window (decimate, then blur
 * the small window; borders of the window are reflect-101 as in PSS, which blurs the slice).
 */
export function blurStrided(
  img: Image, y0: number, y1: number, x0: number, x1: number, step: number, ksize: number,
): Image {
  return gaussianBlur(cropStrided(img, y0, y1, x0, x1, step), ksize);
}
