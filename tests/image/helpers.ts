import { createImage, type Image } from '../../src/image/image.ts';

/** Image from a function of (y, x, c). */
export function makeImage(w: number, h: number, f: (y: number, x: number, c: number) => number, C: 1 | 3 = 1): Image {
  const img = createImage(w, h, C);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < C; c++) img.data[(y * w + x) * C + c] = f(y, x, c);
  return img;
}

/** Image from nested rows (mono). */
export function fromRows(rows: number[][]): Image {
  return makeImage(rows[0].length, rows.length, (y, x) => rows[y][x]);
}

export function toRows(img: Image, c = 0): number[][] {
  const out: number[][] = [];
  for (let y = 0; y < img.height; y++) {
    const r: number[] = [];
    for (let x = 0; x < img.width; x++) r.push(img.data[(y * img.width + x) * img.channels + c]);
    out.push(r);
  }
  return out;
}

/** Deterministic PRNG (mulberry32) in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomImage(w: number, h: number, seed: number, C: 1 | 3 = 1, scale = 65535): Image {
  const r = rng(seed);
  return makeImage(w, h, () => Math.round(r() * scale), C);
}

/** Channel c of an interleaved image as a mono image. */
export function channel(img: Image, c: number): Image {
  return makeImage(img.width, img.height, (y, x) => img.data[(y * img.width + x) * img.channels + c]);
}

export function at(img: Image, y: number, x: number, c = 0): number {
  return img.data[(y * img.width + x) * img.channels + c];
}
