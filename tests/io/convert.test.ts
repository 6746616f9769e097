import { describe, expect, it } from 'vitest';
import { rgbToMono, MONO_WEIGHTS } from '../../src/io/convert.ts';
import { rgbToMono16 } from '../../src/image/pointwise.ts';
import { rng } from '../image/helpers.ts';

/** The frame store's 16-bit storage of a float frame: round half up, clamp to [0, 65535]. */
function store16(d: Float32Array): Uint16Array {
  return Uint16Array.from(d, (v) => (v > 0 ? (v < 65535 ? Math.floor(v + 0.5) : 65535) : 0));
}

describe('rgbToMono16: the stored mono frame of stored RGB samples in one pass', () => {
  it('equals widening, rgbToMono (float32) and 16-bit storage, for 8-bit (x256) and 16-bit samples', () => {
    const r = rng(7);
    for (const [bits, scale] of [[8, 256], [16, 1], [12, 16]] as const) {
      const n = 5003;
      const rgb = bits === 8 ? new Uint8Array(3 * n) : new Uint16Array(3 * n);
      for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(r() * (bits === 8 ? 256 : 2 ** bits));
      const slow = store16(rgbToMono(Float32Array.from(rgb, (v) => v * scale)));
      expect(Array.from(rgbToMono16(rgb, scale))).toEqual(Array.from(slow));
    }
  });

  it('uses the panchromatic weights (white stays white, pure channels weigh 0.299 / 0.587 / 0.114)', () => {
    const m = rgbToMono16(Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255]), 256);
    expect(m[0]).toBe(65280);
    expect(m[1]).toBe(Math.round(65280 * MONO_WEIGHTS[0]));
    expect(m[2]).toBe(Math.round(65280 * MONO_WEIGHTS[1]));
    expect(m[3]).toBe(Math.round(65280 * MONO_WEIGHTS[2]));
  });

  it('refuses sample counts that are not whole RGB pixels and output arrays of the wrong size', () => {
    expect(() => rgbToMono16(new Uint8Array(7), 256)).toThrow(/RGB pixels/);
    expect(() => rgbToMono16(new Uint8Array(6), 256, new Uint16Array(3))).toThrow(/RGB pixels/);
  });
});
