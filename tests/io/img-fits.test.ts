import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createImage } from '../../src/image/image.js';
import { readImageFile, readImageHeader, writeImage } from '../../src/io/image-file.js';
import { encodeFits, parseCard, toSixteenBitScale } from '../../src/io/fits.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lg-fits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds a FITS HDU by hand: cards (without END) and big-endian data written by `put`. */
function hdu(cards: string[], dataBytes: number, put: (dv: DataView) => void): Uint8Array {
  const all = [...cards, 'END'].map((c) => c.padEnd(80).slice(0, 80)).join('');
  const hb = Math.ceil(all.length / 2880) * 2880;
  const out = new Uint8Array(hb + Math.ceil(dataBytes / 2880) * 2880);
  out.fill(32, 0, hb);
  for (let i = 0; i < all.length; i++) out[i] = all.charCodeAt(i);
  put(new DataView(out.buffer, hb, dataBytes));
  return out;
}
const kv = (k: string, v: string | number) => `${k.padEnd(8)}= ${String(v).padStart(20)}`;

async function load(name: string, bytes: Uint8Array) {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { file, img: await readImageFile(file) };
}

describe('FITS reader', () => {
  it('BITPIX 16 with BZERO 32768 is unsigned 16-bit; rows are flipped (first stored row = bottom)', async () => {
    // 3x2 image, stored rows: bottom row [0, 1, 32767], top row [32768, 65534, 65535].
    const stored = [0, 1, 32767, 32768, 65534, 65535];
    const bytes = hdu(['SIMPLE  =                    T', kv('BITPIX', 16), kv('NAXIS', 2), kv('NAXIS1', 3), kv('NAXIS2', 2), kv('BZERO', 32768), kv('BSCALE', 1)], 12, (dv) =>
      stored.forEach((v, i) => dv.setInt16(i * 2, v - 32768)),
    );
    const { img, file } = await load('u16.fits', bytes);
    expect([img.width, img.height, img.planes, img.bitDepth]).toEqual([3, 2, 1, 16]);
    expect(img.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(img.data)).toEqual([32768, 65534, 65535, 0, 1, 32767]);
    expect(await readImageHeader(file)).toEqual({ format: 'fits', width: 3, height: 2, planes: 1, bitDepth: 16 });
  });

  it('ROWORDER = TOP-DOWN turns the flip off', async () => {
    const bytes = hdu(['SIMPLE  =                    T', kv('BITPIX', 8), kv('NAXIS', 2), kv('NAXIS1', 2), kv('NAXIS2', 2), "ROWORDER= 'TOP-DOWN'"], 4, (dv) =>
      [1, 2, 3, 4].forEach((v, i) => dv.setUint8(i, v)),
    );
    const { img } = await load('topdown.fits', bytes);
    expect(img.bitDepth).toBe(8);
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(img.data)).toEqual([1, 2, 3, 4]);
  });

  it('colour cubes (3, H, W) are interleaved', async () => {
    // 2x1 image: R plane [10, 11], G plane [20, 21], B plane [30, 31]
    const bytes = hdu(['SIMPLE  =                    T', kv('BITPIX', 16), kv('NAXIS', 3), kv('NAXIS1', 2), kv('NAXIS2', 1), kv('NAXIS3', 3), kv('BZERO', 32768)], 12, (dv) =>
      [10, 11, 20, 21, 30, 31].forEach((v, i) => dv.setInt16(i * 2, v - 32768)),
    );
    const { img } = await load('cube.fits', bytes);
    expect(img.planes).toBe(3);
    expect(Array.from(img.data)).toEqual([10, 20, 30, 11, 21, 31]);
  });

  it('signed BITPIX 16 (BZERO 0) reads as 16-bit with negatives clipped to 0', async () => {
    const bytes = hdu(['SIMPLE  =                    T', kv('BITPIX', 16), kv('NAXIS', 2), kv('NAXIS1', 4), kv('NAXIS2', 1)], 8, (dv) =>
      [-5, 0, 1000, 32767].forEach((v, i) => dv.setInt16(i * 2, v)),
    );
    const { img } = await load('s16.fits', bytes);
    expect(img.bitDepth).toBe(16);
    expect(Array.from(img.data)).toEqual([0, 0, 1000, 32767]);
  });

  it('float data with maximum ≤ 1.0 are scaled by 65535; larger floats are taken as they are', async () => {
    const unit = hdu(['SIMPLE  =                    T', kv('BITPIX', -32), kv('NAXIS', 2), kv('NAXIS1', 3), kv('NAXIS2', 1)], 12, (dv) =>
      [0, 0.5, 1].forEach((v, i) => dv.setFloat32(i * 4, v)),
    );
    const a = (await load('unit.fits', unit)).img;
    expect(a.bitDepth).toBe(32);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual([0, 32767.5, 65535]);
    const big = hdu(['SIMPLE  =                    T', kv('BITPIX', -64), kv('NAXIS', 2), kv('NAXIS1', 3), kv('NAXIS2', 1)], 24, (dv) =>
      [0, 1234.5, NaN].forEach((v, i) => dv.setFloat64(i * 8, v)),
    );
    const b = (await load('big.fits', big)).img;
    expect(Array.from(b.data)).toEqual([0, 1234.5, 0]); // NaN → 0
  });

  it('BITPIX 32: 16-bit-range values stay, full-range values are scaled to 16 bits', async () => {
    const small = hdu(['SIMPLE  =                    T', kv('BITPIX', 32), kv('NAXIS', 2), kv('NAXIS1', 2), kv('NAXIS2', 1)], 8, (dv) => {
      dv.setInt32(0, 100);
      dv.setInt32(4, 65535);
    });
    expect(Array.from((await load('i32a.fits', small)).img.data)).toEqual([100, 65535]);
    const full = hdu(['SIMPLE  =                    T', kv('BITPIX', 32), kv('NAXIS', 2), kv('NAXIS1', 2), kv('NAXIS2', 1), kv('BZERO', 2147483648)], 8, (dv) => {
      dv.setInt32(0, -2147483648); // 0
      dv.setInt32(4, 2147483647); // 4294967295
    });
    const f = (await load('u32.fits', full)).img;
    expect(f.bitDepth).toBe(32);
    expect(f.data[0]).toBe(0);
    expect(f.data[1]).toBeCloseTo(65535, 1);
  });

  it('an empty primary HDU followed by an IMAGE extension', async () => {
    const primary = hdu(['SIMPLE  =                    T', kv('BITPIX', 8), kv('NAXIS', 0), 'EXTEND  =                    T'], 0, () => {});
    const ext = hdu(["XTENSION= 'IMAGE   '", kv('BITPIX', 16), kv('NAXIS', 2), kv('NAXIS1', 2), kv('NAXIS2', 1), kv('PCOUNT', 0), kv('GCOUNT', 1), kv('BZERO', 32768)], 4, (dv) => {
      dv.setInt16(0, 40000 - 32768);
      dv.setInt16(2, 7 - 32768);
    });
    const bytes = new Uint8Array(primary.length + ext.length);
    bytes.set(primary);
    bytes.set(ext, primary.length);
    const { img } = await load('ext.fits', bytes);
    expect(Array.from(img.data)).toEqual([40000, 7]);
  });

  it('unsupported FITS give clear errors naming the file', async () => {
    const cube5 = hdu(['SIMPLE  =                    T', kv('BITPIX', 8), kv('NAXIS', 3), kv('NAXIS1', 1), kv('NAXIS2', 1), kv('NAXIS3', 5)], 5, () => {});
    await expect(load('cube5.fits', cube5)).rejects.toThrow(/cube5\.fits: unsupported FITS \(cube with NAXIS3 = 5/);
    const trunc = hdu(['SIMPLE  =                    T', kv('BITPIX', 16), kv('NAXIS', 2), kv('NAXIS1', 100), kv('NAXIS2', 100)], 0, () => {});
    await expect(load('trunc.fits', trunc)).rejects.toThrow(/trunc\.fits: truncated FITS data/);
    const noEnd = new Uint8Array(2880).fill(32);
    noEnd.set(new TextEncoder().encode('SIMPLE  =                    T'));
    await expect(load('noend.fits', noEnd)).rejects.toThrow(/noend\.fits: truncated FITS header/);
  });

  it('parses card values', () => {
    expect(parseCard("CREATOR = 'it''s me  '           / who").value).toBe("it's me");
    expect(parseCard('EXPTIME =              1.5D-03 / s').value).toBeCloseTo(0.0015);
    expect(parseCard('SIMPLE  =                    T').value).toBe(true);
    expect(parseCard('HISTORY hello world').text.trimEnd()).toBe('hello world');
  });

  it('toSixteenBitScale', () => {
    expect(Array.from(toSixteenBitScale(new Float32Array([0, 0.25, Infinity])))).toEqual([0, 16383.75, 0]);
    expect(Array.from(toSixteenBitScale(new Float32Array([2, 4]), { scale: 0.5 }))).toEqual([1, 2]);
  });
});

describe('FITS writer', () => {
  it('writes BITPIX 16 / BZERO 32768, bottom row first, in 2880-byte blocks', async () => {
    const img = createImage(2, 2, 1, new Float32Array([1, 2, 65535, 0]));
    const file = path.join(dir, 'w16.fits');
    await writeImage(file, img, { provenance: { Software: 'luckygraph test' } });
    const raw = await readFile(file);
    expect(raw.length % 2880).toBe(0);
    const text = raw.subarray(0, 2880).toString('latin1');
    expect(text.slice(0, 80)).toBe('SIMPLE  =                    T / conforms to FITS standard'.padEnd(80));
    expect(text).toMatch(/BITPIX  = +16 /);
    expect(text).toMatch(/BZERO   = +32768 /);
    expect(text).toMatch(/CREATOR = 'luckygraph test'/);
    const dv = new DataView(raw.buffer, raw.byteOffset + 2880);
    // bottom image row [65535, 0] first
    expect([dv.getInt16(0) + 32768, dv.getInt16(2) + 32768, dv.getInt16(4) + 32768, dv.getInt16(6) + 32768]).toEqual([65535, 0, 1, 2]);
  });

  it('encodeFits writes 8-bit data as BITPIX 8', async () => {
    const bytes = encodeFits(3, 1, 1, new Uint8Array([0, 128, 255]));
    const { img } = await load('w8.fits', bytes);
    expect(img.bitDepth).toBe(8);
    expect(Array.from(img.data)).toEqual([0, 128, 255]);
  });
});
