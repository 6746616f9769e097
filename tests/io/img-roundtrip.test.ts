import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encode as fastPngEncode } from 'fast-png';
import { createImage, type Image } from '../../src/image/image.js';
import {
  writeImage,
  readImageFile,
  readImage,
  readImageHeader,
  setSharpEnabled,
  getSharp,
  decodedToImage,
  toUint16,
} from '../../src/io/image-file.js';
import { encodeTiff } from '../../src/io/tiff.js';
import { InputError } from '../../src/io/frame-source.js';
import { SHARED_DATA } from '../helpers/shared-data.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lg-img-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const sharpByDefault = process.env.LUCKYGRAPH_NO_SHARP !== '1';
afterEach(() => setSharpEnabled(sharpByDefault));

const SPECIAL = [0, 1, 32767, 32768, 65535, 2, 65534, 12345, 54321, 256, 255, 40000];

/** A test image on the 16-bit integer grid that contains every SPECIAL value in every channel. */
function testImage(width: number, height: number, channels: 1 | 3): Image {
  const img = createImage(width, height, channels);
  for (let i = 0; i < img.data.length; i++) {
    img.data[i] = i < SPECIAL.length * channels ? SPECIAL[Math.floor(i / channels)] : (i * 7919 + (i % channels) * 1013) % 65536;
  }
  return img;
}

const sharpInstalled = await getSharp();

describe('16-bit round trips are bit-exact', () => {
  for (const format of ['png', 'tiff', 'fits'] as const) {
    for (const channels of [1, 3] as const) {
      for (const useSharp of format === 'png' ? [true, false] : [true]) {
        const label = `${format} ${channels === 1 ? 'mono' : 'RGB'}${format === 'png' ? (useSharp ? ' (sharp if installed)' : ' (pure JS)') : ''}`;
        it(label, async () => {
          setSharpEnabled(useSharp);
          const img = testImage(37, 23, channels);
          const file = path.join(dir, `rt-${format}-${channels}-${useSharp}.${format === 'tiff' ? 'tif' : format}`);
          await writeImage(file, img);
          const back = await readImageFile(file);
          expect(back.format).toBe(format);
          expect(back.width).toBe(37);
          expect(back.height).toBe(23);
          expect(back.planes).toBe(channels);
          expect(back.bitDepth).toBe(16);
          expect(back.data).toBeInstanceOf(Uint16Array);
          expect(Array.from(back.data)).toEqual(Array.from(img.data));
          // The special values are where we put them.
          for (let k = 0; k < SPECIAL.length; k++) expect(back.data[k * channels + channels - 1]).toBe(SPECIAL[k]);
          const header = await readImageHeader(file);
          expect(header).toEqual({ format, width: 37, height: 23, planes: channels, bitDepth: 16 });
        });
      }
    }
  }

  it('a PNG written with sharp reads identically without sharp and vice versa', async () => {
    const img = testImage(19, 11, 3);
    const a = path.join(dir, 'cross-a.png');
    const b = path.join(dir, 'cross-b.png');
    setSharpEnabled(true);
    await writeImage(a, img);
    setSharpEnabled(false);
    await writeImage(b, img);
    const fromA = await readImageFile(a);
    setSharpEnabled(true);
    const fromB = await readImageFile(b);
    expect(Array.from(fromA.data)).toEqual(Array.from(img.data));
    expect(Array.from(fromB.data)).toEqual(Array.from(img.data));
  });

  it('writers clip to 0..65535 and round', async () => {
    const img = createImage(4, 1, 1, new Float32Array([-5, 1.4999, 65535.6, 32767.5]));
    for (const ext of ['png', 'tiff', 'fits']) {
      const file = path.join(dir, `clip.${ext}`);
      await writeImage(file, img);
      expect(Array.from((await readImageFile(file)).data)).toEqual([0, 1, 65535, 32768]);
    }
    expect(Array.from(toUint16(new Float32Array([NaN, -0, 70000])))).toEqual([0, 0, 65535]);
  });

  it('format comes from opts.format over the extension; unknown extension without format is an error', async () => {
    const img = testImage(8, 8, 1);
    const file = path.join(dir, 'named.out');
    await writeImage(file, img, { format: 'fits' });
    expect((await readImageHeader(file)).format).toBe('fits');
    await expect(writeImage(path.join(dir, 'x.bmp'), img)).rejects.toThrow(/output format/);
    await expect(writeImage(path.join(dir, 'x.png'), img, { bitDepth: 32 })).rejects.toThrow(/16-bit only/);
  });
});

describe('float32 outputs', () => {
  it('FITS BITPIX -32 stores v/65535 and reads back on the 16-bit scale, unclipped', async () => {
    const img = createImage(5, 4, 3);
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 3217.25) % 65535;
    img.data[0] = 0;
    img.data[1] = 65535;
    img.data[2] = 70000.5; // above the range (e.g. after sharpening)
    img.data[3] = -12.25;
    img.data[4] = 0.5;
    const file = path.join(dir, 'float.fits');
    await writeImage(file, img, { bitDepth: 32 });
    const raw = await readFile(file);
    const header = raw.subarray(0, 2880).toString('latin1');
    expect(header).toMatch(/^SIMPLE  = +T/);
    expect(header).toMatch(/BITPIX  = +-32/);
    expect(header).toMatch(/NAXIS3  = +3/);
    const back = await readImageFile(file);
    expect(back.bitDepth).toBe(32);
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(back.planes).toBe(3);
    for (let i = 0; i < img.data.length; i++) {
      expect(Math.abs(back.data[i] - img.data[i])).toBeLessThanOrEqual(Math.abs(img.data[i]) * 2e-7 + 1e-6);
    }
    // The stored values really are v / 65535 (first stored row = bottom image row, plane R).
    const stored = new DataView(raw.buffer, raw.byteOffset + 2880, 4).getFloat32(0);
    const bottomLeftR = img.data[(img.height - 1) * img.width * 3];
    expect(stored).toBeCloseTo(bottomLeftR / 65535, 7);
  });

  it('TIFF float32 round trip', async () => {
    const img = createImage(6, 3, 1);
    for (let i = 0; i < img.data.length; i++) img.data[i] = i * 1000.5;
    img.data[0] = 65535;
    const file = path.join(dir, 'float.tif');
    await writeImage(file, img, { bitDepth: 32 });
    const back = await readImageFile(file);
    expect(back.bitDepth).toBe(32);
    // max stored is 1.0 → scaled back by 65535
    for (let i = 0; i < img.data.length; i++) expect(back.data[i]).toBeCloseTo(img.data[i], 2);
  });
});

describe('reading other kinds of files', () => {
  it('8-bit PNGs: gray, RGB, gray+alpha, RGBA, palette and 1-bit gray, same values with and without sharp', async () => {
    const w = 9, h = 5, n = w * h;
    const gray = Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);
    const rgb = Uint8Array.from({ length: n * 3 }, (_, i) => (i * 53) % 256);
    const ga = Uint8Array.from({ length: n * 2 }, (_, i) => (i % 2 ? 17 : gray[i >> 1]));
    const rgba = Uint8Array.from({ length: n * 4 }, (_, i) => (i % 4 === 3 ? 99 : rgb[(i >> 2) * 3 + (i % 4)]));
    const cases: { name: string; png: Uint8Array; planes: 1 | 3; expected: number[] }[] = [
      { name: 'gray', png: fastPngEncode({ width: w, height: h, data: gray, depth: 8, channels: 1 }), planes: 1, expected: Array.from(gray) },
      { name: 'rgb', png: fastPngEncode({ width: w, height: h, data: rgb, depth: 8, channels: 3 }), planes: 3, expected: Array.from(rgb) },
      { name: 'gray-alpha', png: fastPngEncode({ width: w, height: h, data: ga, depth: 8, channels: 2 }), planes: 1, expected: Array.from(gray) },
      { name: 'rgba', png: fastPngEncode({ width: w, height: h, data: rgba, depth: 8, channels: 4 }), planes: 3, expected: Array.from(rgb) },
    ];
    // 1-bit gray: pixels alternate 0/1, rows padded to whole bytes.
    const rowBytes = Math.ceil(w / 8);
    const bits = new Uint8Array(rowBytes * h);
    const bitExpected: number[] = [];
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const v = (x + y) % 2;
        if (v) bits[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7);
        bitExpected.push(v * 255);
      }
    cases.push({ name: '1-bit', png: fastPngEncode({ width: w, height: h, data: bits, depth: 1, channels: 1 }), planes: 1, expected: bitExpected });
    // Palette: 4 colours, indices i % 4.
    const palette = [[10, 20, 30], [200, 100, 0], [0, 0, 255], [255, 255, 255]];
    const idx = Uint8Array.from({ length: n }, (_, i) => i % 4);
    const palPng = fastPngEncode({ width: w, height: h, data: idx, depth: 8, channels: 1, palette });
    cases.push({ name: 'palette', png: palPng, planes: 3, expected: Array.from(idx).flatMap((i) => palette[i]) });

    for (const c of cases) {
      const file = path.join(dir, `p8-${c.name}.png`);
      await writeFile(file, c.png);
      for (const useSharp of [true, false]) {
        setSharpEnabled(useSharp);
        const img = await readImageFile(file);
        expect({ name: c.name, useSharp, bitDepth: img.bitDepth, planes: img.planes }).toEqual({ name: c.name, useSharp, bitDepth: 8, planes: c.planes });
        expect(img.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(img.data)).toEqual(c.expected);
      }
      const hdr = await readImageHeader(file);
      expect(hdr.planes).toBe(c.planes);
      expect(hdr.bitDepth).toBe(8);
    }
    // 8-bit data become ×256 on the 16-bit scale.
    const im = decodedToImage(await readImageFile(path.join(dir, 'p8-gray.png')));
    expect(im.data[1]).toBe(37 * 256);
  });

  const truth = SHARED_DATA + '/synthetic/moon-512/truth.png';
  it.skipIf(!existsSync(truth))('reads the 16-bit synthetic truth.png (skipped when the shared data are absent)', async () => {
    const withSharp = await readImageFile(truth);
    expect(withSharp.bitDepth).toBe(16);
    expect(withSharp.data).toBeInstanceOf(Uint16Array);
    expect(withSharp.width).toBeGreaterThan(0);
    expect(withSharp.data.length).toBe(withSharp.width * withSharp.height * withSharp.planes);
    let max = 0;
    for (const v of withSharp.data) if (v > max) max = v;
    expect(max).toBeGreaterThan(255); // really 16-bit content
    setSharpEnabled(false);
    const pure = await readImageFile(truth);
    expect(pure.width).toBe(withSharp.width);
    expect(Buffer.compare(Buffer.from(pure.data.buffer, pure.data.byteOffset, pure.data.byteLength), Buffer.from(withSharp.data.buffer, withSharp.data.byteOffset, withSharp.data.byteLength))).toBe(0);
    const img = await readImage(truth);
    expect(img.width).toBe(withSharp.width);
    expect(img.data[0]).toBe(withSharp.data[0]);
  });

  it.skipIf(!sharpInstalled)('reads a deflate-compressed 16-bit TIFF written by sharp (skipped without sharp)', async () => {
    const sharp = sharpInstalled!;
    const u16 = Uint16Array.from({ length: 30 * 20 }, (_, i) => (i * 911) % 65536);
    const buf = await sharp(u16, { raw: { width: 30, height: 20, channels: 1, depth: 'ushort' } })
      .toColourspace('grey16')
      .tiff({ compression: 'deflate' })
      .toBuffer();
    const file = path.join(dir, 'sharp-deflate.tiff');
    await writeFile(file, buf);
    const img = await readImageFile(file);
    expect(img.bitDepth).toBe(16);
    expect(Array.from(img.data)).toEqual(Array.from(u16));
  });

  it('8-bit TIFF gray and RGB', async () => {
    const rgb = Uint8Array.from({ length: 7 * 3 * 3 }, (_, i) => (i * 29) % 256);
    const file = path.join(dir, 'rgb8.tif');
    await writeFile(file, encodeTiff(7, 3, 3, rgb));
    const img = await readImageFile(file);
    expect([img.bitDepth, img.planes]).toEqual([8, 3]);
    expect(Array.from(img.data)).toEqual(Array.from(rgb));
  });

  // Needs sharp to make the fixture; jpeg-js decoding alone is also covered by the real-burst test.
  it.skipIf(!sharpInstalled)('a JPEG decodes with sharp and with jpeg-js to (nearly) the same pixels (skipped without sharp)', async () => {
    const sharp = sharpInstalled!;
    const w = 48, h = 32;
    // Smooth content: decoders differ mainly in chroma upsampling, which shows only at sharp colour edges.
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        rgb[o] = 40 + x * 3;
        rgb[o + 1] = 60 + y * 4;
        rgb[o + 2] = 200 - x - y;
      }
    const jpg = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    const gray = await sharp(rgb.subarray(0, w * h), { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer();
    for (const [name, bytes, planes] of [['c.jpg', jpg, 3], ['g.JPEG', gray, 1]] as const) {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      const a = await readImageFile(file);
      setSharpEnabled(false);
      const b = await readImageFile(file);
      setSharpEnabled(true);
      expect([a.planes, b.planes, a.bitDepth, b.bitDepth, a.width, a.height]).toEqual([planes, planes, 8, 8, w, h]);
      let maxDiff = 0;
      let sum = 0;
      for (let i = 0; i < a.data.length; i++) {
        const d = Math.abs(a.data[i] - b.data[i]);
        maxDiff = Math.max(maxDiff, d);
        sum += d;
      }
      expect(maxDiff, name).toBeLessThanOrEqual(8);
      expect(sum / a.data.length, name).toBeLessThan(2); // jpeg-js upsamples chroma without smoothing
    }
  });

  it('non-images and corrupt images give one-line InputErrors naming the file', async () => {
    const txt = path.join(dir, 'notes.png');
    await writeFile(txt, 'hello, this is text');
    await expect(readImageFile(txt)).rejects.toThrow(InputError);
    await expect(readImageFile(txt)).rejects.toThrow(`${txt}: not a supported image (the .png file has no PNG signature)`);
    const other = path.join(dir, 'data.bin');
    await writeFile(other, 'xyz');
    await expect(readImageFile(other)).rejects.toThrow(/data\.bin: not a supported image \(unknown format/);
    const empty = path.join(dir, 'empty.fits');
    await writeFile(empty, '');
    await expect(readImageHeader(empty)).rejects.toThrow(`${empty}: not a supported image (empty file)`);
    await expect(readImageFile(path.join(dir, 'missing.png'))).rejects.toThrow(/missing\.png: file not found/);
    // A truncated PNG: valid signature and IHDR, no data.
    const good = await readFile(path.join(dir, 'p8-gray.png'));
    const trunc = path.join(dir, 'trunc.png');
    await writeFile(trunc, good.subarray(0, 40));
    const err = await readImageFile(trunc).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message.startsWith(`${trunc}: `)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('content decides over a misleading extension', async () => {
    const img = testImage(6, 4, 1);
    const file = path.join(dir, 'really-fits.png');
    await writeImage(file, img, { format: 'fits' });
    const back = await readImageFile(file);
    expect(back.format).toBe('fits');
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
  });
});
