import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { readImageFile, readImageHeader, readProvenance } from '../../src/io/image-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lg-tiff-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Tag = [tag: number, type: 2 | 3 | 4, values: number[] | string];

/** A minimal one-strip TIFF built by hand (to test files our writer never produces). */
function tiff(le: boolean, tags: Tag[], pixelBytes: Uint8Array): Uint8Array {
  const sorted = [...tags, [273, 4, [0]] as Tag, [279, 4, [pixelBytes.length]] as Tag].sort((a, b) => a[0] - b[0]);
  const ifdSize = 2 + sorted.length * 12 + 4;
  let extra = 8 + ifdSize;
  const extras: [number, Uint8Array][] = [];
  const enc = (t: Tag): Uint8Array => {
    if (t[1] === 2) return new TextEncoder().encode((t[2] as string) + '\0');
    const size = t[1] === 3 ? 2 : 4;
    const vals = t[2] as number[];
    const b = new Uint8Array(vals.length * size);
    const dv = new DataView(b.buffer);
    vals.forEach((v, i) => (size === 2 ? dv.setUint16(i * 2, v, le) : dv.setUint32(i * 4, v, le)));
    return b;
  };
  const encoded = sorted.map(enc);
  encoded.forEach((b) => {
    if (b.length > 4) {
      extras.push([extra, b]);
      extra += b.length + (b.length & 1);
    }
  });
  const dataAt = extra;
  const out = new Uint8Array(dataAt + pixelBytes.length);
  const dv = new DataView(out.buffer);
  out.set(le ? [0x49, 0x49] : [0x4d, 0x4d]);
  dv.setUint16(2, 42, le);
  dv.setUint32(4, 8, le);
  dv.setUint16(8, sorted.length, le);
  let ei = 0;
  sorted.forEach((t, i) => {
    const e = 10 + i * 12;
    let b = encoded[i];
    if (t[0] === 273) b = enc([273, 4, [dataAt]]);
    dv.setUint16(e, t[0], le);
    dv.setUint16(e + 2, t[1], le);
    dv.setUint32(e + 4, t[1] === 2 ? b.length : (t[2] as number[]).length, le);
    if (b.length > 4) {
      const [at, bytes] = extras[ei++];
      dv.setUint32(e + 8, at, le);
      out.set(bytes, at);
    } else out.set(b, e + 8);
  });
  out.set(pixelBytes, dataAt);
  return out;
}

function u16bytes(values: number[], le: boolean): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setUint16(i * 2, v, le));
  return b;
}

describe('TIFF reader', () => {
  const rgba = [0, 1, 2, 9999, 32767, 32768, 65535, 9999, 4, 5, 6, 9999, 7, 8, 9, 9999]; // 2x2 RGBA
  const rgb = rgba.filter((_, i) => i % 4 !== 3);
  const common = (extra: Tag[]): Tag[] => [
    [256, 4, [2]],
    [257, 4, [2]],
    [258, 3, [16, 16, 16, 16]],
    [259, 3, [1]],
    [262, 3, [2]],
    [277, 3, [4]],
    [278, 4, [2]],
    [338, 3, [2]],
    ...extra,
  ];

  it('big-endian 16-bit RGBA: alpha dropped, values exact (fast path)', async () => {
    const file = path.join(dir, 'be-rgba.tif');
    await writeFile(file, tiff(false, common([]), u16bytes(rgba, false)));
    const img = await readImageFile(file);
    expect([img.width, img.height, img.planes, img.bitDepth]).toEqual([2, 2, 3, 16]);
    expect(Array.from(img.data)).toEqual(rgb);
    expect(await readImageHeader(file)).toEqual({ format: 'tiff', width: 2, height: 2, planes: 3, bitDepth: 16 });
  });

  it('deflate-compressed little-endian (geotiff path) gives the same values', async () => {
    const file = path.join(dir, 'deflate.tif');
    const packed = new Uint8Array(deflateSync(u16bytes(rgba, true)));
    const tags = common([]).map((t): Tag => (t[0] === 259 ? [259, 3, [8]] : t));
    await writeFile(file, tiff(true, tags, packed));
    const img = await readImageFile(file);
    expect(Array.from(img.data)).toEqual(rgb);
  });

  it('WhiteIsZero 8-bit gray is inverted; Software tag is provenance', async () => {
    const file = path.join(dir, 'wiz.tif');
    const tags: Tag[] = [
      [256, 4, [3]],
      [257, 4, [1]],
      [258, 3, [8]],
      [259, 3, [1]],
      [262, 3, [0]],
      [270, 2, 'plain description, not JSON'],
      [277, 3, [1]],
      [305, 2, 'FireCapture v2.7'],
    ];
    await writeFile(file, tiff(true, tags, new Uint8Array([0, 100, 255])));
    const img = await readImageFile(file);
    expect([img.planes, img.bitDepth]).toEqual([1, 8]);
    expect(Array.from(img.data)).toEqual([255, 155, 0]);
    expect(await readProvenance(file)).toEqual({ ImageDescription: 'plain description, not JSON', Software: 'FireCapture v2.7' });
  });

  it('palette TIFF expands to 16-bit RGB', async () => {
    const file = path.join(dir, 'pal.tif');
    const cmap = new Array(3 * 256).fill(0);
    cmap[1] = 65535; // R of index 1
    cmap[256 + 2] = 30000; // G of index 2
    const tags: Tag[] = [
      [256, 4, [3]],
      [257, 4, [1]],
      [258, 3, [8]],
      [259, 3, [1]],
      [262, 3, [3]],
      [277, 3, [1]],
      [320, 3, cmap],
    ];
    await writeFile(file, tiff(true, tags, new Uint8Array([0, 1, 2])));
    const img = await readImageFile(file);
    expect([img.planes, img.bitDepth]).toEqual([3, 16]);
    expect(Array.from(img.data)).toEqual([0, 0, 0, 65535, 0, 0, 0, 30000, 0]);
  });

  it('unsupported layouts name the file and the reason', async () => {
    const file = path.join(dir, 'bits12.tif');
    const tags: Tag[] = [
      [256, 4, [2]],
      [257, 4, [1]],
      [258, 3, [12]],
      [262, 3, [1]],
      [277, 3, [1]],
    ];
    await writeFile(file, tiff(true, tags, new Uint8Array(3)));
    await expect(readImageFile(file)).rejects.toThrow(`${file}: unsupported TIFF (12 bits per sample)`);
    await expect(readImageHeader(file)).rejects.toThrow(/bits12\.tif: unsupported TIFF/);
  });
});
