/** encodePngNative: our zlib PNG writer (Up filter, run-length deflate) is lossless and standard. */
import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { encodePngNative, encodePngParts, readPngText, parseIhdr, crc32 } from '../../src/io/png.ts';
import { toUint16 } from '../../src/io/image-file.ts';

function samples(n: number, wide: boolean, seed: number): Uint8Array | Uint16Array {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) >>> 0);
  return wide ? Uint16Array.from({ length: n }, () => next() >>> 16) : Uint8Array.from({ length: n }, () => next() >>> 24);
}

describe('encodePngNative', () => {
  for (const wide of [false, true]) {
    for (const planes of [1, 3] as const) {
      it(`${wide ? 16 : 8}-bit, ${planes === 1 ? 'gray' : 'RGB'}: decoders return the samples exactly`, async () => {
        for (const [w, h] of [[1, 1], [7, 3], [3, 7], [64, 33]]) {
          const data = samples(w * h * planes, wide, w * 31 + h);
          const png = await encodePngNative(w, h, planes, data, { Software: 'luckygraph test', 'Save params': 'ünïcode ✓' });
          const ihdr = parseIhdr(png);
          expect([ihdr.width, ihdr.height, ihdr.bitDepth, ihdr.colorType]).toEqual([w, h, wide ? 16 : 8, planes === 1 ? 0 : 2]);
          const back = decode(png);
          expect(back.channels).toBe(planes);
          expect(Array.from(back.data)).toEqual(Array.from(data));
          expect(readPngText(png)).toEqual({ Software: 'luckygraph test', 'Save params': 'ünïcode ✓' });
        }
      });
    }
  }

  it('sharp (libpng/spng) reads it too, when installed', async () => {
    let sharp: typeof import('sharp') | null = null;
    try { sharp = (await import('sharp')).default as unknown as typeof import('sharp'); } catch { /* optional */ }
    if (!sharp) return;
    const data = samples(40 * 30, true, 5) as Uint16Array;
    const png = await encodePngNative(40, 30, 1, data);
    const { data: raw, info } = await (sharp as unknown as (b: Buffer) => import('sharp').Sharp)(Buffer.from(png)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([40, 30, 1]);
    expect(Array.from(new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2))).toEqual(Array.from(data));
  });

  it('float data on the 16-bit scale is written as toUint16 would quantise it', async () => {
    const w = 9, h = 5;
    const f = Float32Array.from({ length: w * h * 3 }, (_, i) => [-3, 0.5, 1.5, 2.49, 65534.5, 70000, NaN, 12345.678][i % 8] + (i % 8 === 7 ? i : 0));
    const back = decode(await encodePngNative(w, h, 3, f));
    expect(back.depth).toBe(16);
    expect(Array.from(back.data)).toEqual(Array.from(toUint16(f)));
  });

  it('as pieces: zlib output chunks between the IDAT header and CRC, the same file as one array', async () => {
    const [w, h] = [900, 800];
    const data = samples(w * h, true, 5) as Uint16Array; // noise: more than one 1 MB zlib chunk
    const parts = await encodePngParts(w, h, 1, data);
    const whole = Buffer.concat(parts);
    expect(whole.equals(Buffer.from(await encodePngNative(w, h, 1, data)))).toBe(true);
    const at = whole.indexOf('IDAT') - 4;
    const len = whole.readUInt32BE(at);
    expect(whole.readUInt32BE(at + 8 + len)).toBe(crc32(whole.subarray(at + 4, at + 8 + len)));
    expect(parts.length).toBeGreaterThan(6); // signature, IHDR, IDAT head, ≥ 2 data chunks, CRC, IEND
    expect(Array.from(decode(whole).data as Uint16Array)).toEqual(Array.from(data));
  });

  it('rejects a sample count that does not match the size', async () => {
    await expect(encodePngNative(4, 4, 1, new Uint16Array(15))).rejects.toThrow(/15 samples for 4x4x1/);
  });
});
