import { describe, expect, it } from 'vitest';
import { debayerBilinear, debayerBilinearReference, debayerStored16, type BayerPattern } from '../../src/io/debayer.ts';
import { rng } from '../image/helpers.ts';

describe('debayerBilinear (row functions) = debayerBilinearReference (pixel by pixel)', () => {
  it('bit-identical for every pattern, odd and even sizes, tiny frames, scales 1 and 256', () => {
    const r = rng(13);
    for (const pattern of ['RGGB', 'GRBG', 'GBRG', 'BGGR'] as BayerPattern[]) {
      for (const [w, h] of [[1, 1], [2, 3], [3, 3], [4, 5], [17, 12], [64, 31], [101, 77]]) {
        const src = Float32Array.from({ length: w * h }, () => Math.round(r() * 65535) + (r() < 0.3 ? 0.5 : 0));
        for (const scale of [1, 256]) {
          const a = debayerBilinearReference(src, w, h, pattern, scale);
          const b = debayerBilinear(src, w, h, pattern, scale);
          expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), `${pattern} ${w}x${h} x${scale}`).toBe(true);
        }
      }
    }
  });

  it('keeps the site samples and interpolates the others (RGGB, a flat mosaic per colour)', () => {
    const w = 8, h = 6;
    const src = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) src[y * w + x] = (y & 1) === 0 ? ((x & 1) === 0 ? 100 : 200) : ((x & 1) === 0 ? 200 : 300);
    const out = debayerBilinear(src, w, h, 'RGGB');
    for (let p = 0; p < w * h; p++) expect([out[3 * p], out[3 * p + 1], out[3 * p + 2]]).toEqual([100, 200, 300]);
  });
});

/** The frame store's 16-bit storage of a float frame (round half up, clamp). */
const store16 = (d: Float32Array) => Uint16Array.from(d, (v) => (v > 0 ? (v < 65535 ? Math.floor(v + 0.5) : 65535) : 0));

describe('debayerStored16 (raw mosaic to the stored 16-bit original in one pass)', () => {
  it('equals storing debayerBilinear of the float frame raw · s, 8 and 16 bit, every pattern and size', () => {
    const r = rng(29);
    for (const pattern of ['RGGB', 'GRBG', 'GBRG', 'BGGR'] as BayerPattern[]) {
      for (const [w, h] of [[1, 1], [2, 2], [3, 5], [16, 9], [67, 45]]) {
        const u8 = Uint8Array.from({ length: w * h }, () => Math.floor(r() * 256));
        const u16 = Uint16Array.from({ length: w * h }, () => Math.floor(r() * 65536));
        const u12 = Uint16Array.from({ length: w * h }, () => Math.floor(r() * 4096));
        for (const [raw, s] of [[u8, 256], [u16, 1], [u12, 16]] as const) {
          const expected = store16(debayerBilinearReference(Float32Array.from(raw, (v) => v * s), w, h, pattern));
          const got = debayerStored16(raw, w, h, pattern, s);
          expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer)), `${pattern} ${w}x${h} x${s}`).toBe(true);
        }
      }
    }
    expect(() => debayerStored16(new Uint8Array(5), 2, 3, 'RGGB', 256)).toThrow(/5 samples for 2x3/);
  });
});
