import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createImage, type Image } from '../../src/image/image.js';
import { writeImage, setSharpEnabled, readImageHeader } from '../../src/io/image-file.js';
import { openImageFolder, openSingleImage, listImageFiles } from '../../src/io/image-folder-source.js';
import { InputError, type RawFrame } from '../../src/io/frame-source.js';
import { SHARED_DATA } from '../helpers/shared-data.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lg-folder-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const sharpByDefault = process.env.LUCKYGRAPH_NO_SHARP !== '1';
afterEach(() => setSharpEnabled(sharpByDefault));

function frame(w: number, h: number, channels: 1 | 3, seed: number): Image {
  const img = createImage(w, h, channels);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 131 + seed * 1000) % 65536;
  return img;
}

async function folder(name: string): Promise<string> {
  const d = path.join(dir, name);
  await mkdir(d, { recursive: true });
  return d;
}

describe('openImageFolder', () => {
  it('opens image files in natural order, ignores hidden and non-image files, reads frames lazily', async () => {
    const d = await folder('good');
    for (const i of [10, 2, 1]) await writeImage(path.join(d, `f${i}.png`), frame(16, 8, 1, i));
    await writeImage(path.join(d, 'F3.TIF'), frame(16, 8, 1, 3)); // upper-case extension counts
    await writeFile(path.join(d, 'notes.txt'), 'not an image');
    await writeFile(path.join(d, '.hidden.png'), 'not an image either, but hidden');
    await writeFile(path.join(d, 'Thumbs.db'), 'x');
    const src = await openImageFolder(d);
    expect(src.info.files).toEqual(['f1.png', 'f2.png', 'F3.TIF', 'f10.png']);
    expect(src.info).toMatchObject({
      path: d,
      format: 'image-folder',
      container: 'mixed folder (png, tiff)',
      frameCount: 4,
      width: 16,
      height: 8,
      bitDepth: 16,
      bytesPerSample: 2,
      colorLayout: 'mono',
      planes: 1,
      warnings: [],
    });
    const f = await src.read(3);
    expect(f.index).toBe(3);
    expect(f.data).toBeInstanceOf(Uint16Array);
    const expected = frame(16, 8, 1, 10);
    expect(Array.from(f.data)).toEqual(Array.from(expected.data));
    const seen: RawFrame[] = [];
    for await (const fr of src.frames(1, 3)) seen.push(fr);
    expect(seen.map((x) => x.index)).toEqual([1, 2]);
    expect(seen[1].data[0]).toBe(frame(16, 8, 1, 3).data[0]);
    await expect(src.read(4)).rejects.toThrow(RangeError);
    await src.close();
    await expect(src.read(0)).rejects.toThrow(/closed/);
  });

  it('errors on the first file whose size differs, naming it and the first file', async () => {
    const d = await folder('mixed-size');
    await writeImage(path.join(d, 'a1.png'), frame(648, 486, 1, 1));
    await writeImage(path.join(d, 'a2.png'), frame(648, 486, 1, 2));
    await writeImage(path.join(d, 'a3.png'), frame(640, 480, 1, 3));
    await writeImage(path.join(d, 'a4.png'), frame(320, 240, 1, 4));
    const err = await openImageFolder(d).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${path.join(d, 'a3.png')}: size 640x480 differs from 648x486 of a1.png`);
  });

  it('errors on a colour-mode or bit-depth mismatch', async () => {
    const d = await folder('mixed-mode');
    await writeImage(path.join(d, 'm1.fits'), frame(8, 8, 1, 1));
    await writeImage(path.join(d, 'm2.fits'), frame(8, 8, 3, 2));
    await expect(openImageFolder(d)).rejects.toThrow(`${path.join(d, 'm2.fits')}: colour mode RGB differs from mono of m1.fits`);
    const d2 = await folder('mixed-depth');
    await writeImage(path.join(d2, 'b1.fits'), frame(8, 8, 1, 1));
    await writeImage(path.join(d2, 'b2.fits'), frame(8, 8, 1, 2), { bitDepth: 32 });
    await expect(openImageFolder(d2)).rejects.toThrow(/b2\.fits: bit depth 32 differs from 16 of b1\.fits/);
  });

  it('a file with an image extension that is not an image fails the open, naming that file', async () => {
    const d = await folder('bad-file');
    await writeImage(path.join(d, 'img1.png'), frame(8, 8, 1, 1));
    await writeFile(path.join(d, 'img2.png'), 'this is not a PNG');
    await writeImage(path.join(d, 'img3.png'), frame(8, 8, 1, 3));
    await expect(openImageFolder(d)).rejects.toThrow(`${path.join(d, 'img2.png')}: not a supported image (the .png file has no PNG signature)`);
    const d2 = await folder('bad-jpeg');
    await writeFile(path.join(d2, 'x.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a]));
    await expect(openImageFolder(d2)).rejects.toThrow(/x\.jpg: truncated JPEG/);
  });

  it('empty folders and missing folders', async () => {
    const d = await folder('empty');
    await writeFile(path.join(d, 'readme.md'), '# nothing');
    await expect(openImageFolder(d)).rejects.toThrow(/empty: no image files \(\.png .*\) in this folder/);
    await expect(openImageFolder(path.join(dir, 'nope'))).rejects.toThrow(/nope: folder not found/);
    expect(await listImageFiles(d)).toEqual([]);
  });

  it('openSingleImage gives a 1-frame source', async () => {
    const file = path.join(dir, 'single.fits');
    await writeImage(file, frame(12, 7, 3, 5));
    const src = await openSingleImage(file);
    expect(src.info).toMatchObject({ format: 'image', container: 'fits', frameCount: 1, width: 12, height: 7, planes: 3, colorLayout: 'RGB', files: ['single.fits'] });
    const frames: RawFrame[] = [];
    for await (const f of src.frames()) frames.push(f);
    expect(frames).toHaveLength(1);
    expect(Array.from(frames[0].data)).toEqual(Array.from(frame(12, 7, 3, 5).data));
    await expect(openSingleImage(path.join(dir, 'missing.tif'))).rejects.toThrow(/missing\.tif: file not found/);
  });
});

const BURST = SHARED_DATA + '/real/moon_fullmoon_burst_finepix_2023-10-29';
const haveBurst = existsSync(BURST);

describe.skipIf(!haveBurst)(`real JPEG burst ${BURST} (skipped: folder not present)`, () => {
  it('opens with 9 RGB frames of 4608x3456 and decodes frame 0', async () => {
    const src = await openImageFolder(BURST);
    expect(src.info.frameCount).toBe(9);
    expect(src.info).toMatchObject({ width: 4608, height: 3456, planes: 3, colorLayout: 'RGB', bitDepth: 8, bytesPerSample: 1, container: 'jpeg folder' });
    expect(src.info.files![0]).toBe('S0060144.JPG');
    const f0 = await src.read(0);
    expect([f0.width, f0.height, f0.planes, f0.bitDepth]).toEqual([4608, 3456, 3, 8]);
    expect(f0.data).toBeInstanceOf(Uint8Array);
    expect(f0.data.length).toBe(4608 * 3456 * 3);
    let max = 0;
    for (let i = 0; i < f0.data.length; i += 97) if (f0.data[i] > max) max = f0.data[i];
    expect(max).toBeGreaterThan(100); // the moon is in there
    await src.close();
  });

  it('the pure-JS decoder (jpeg-js) gives the same geometry', async () => {
    const d = await folder('burst-copy');
    const name = readdirSync(BURST).sort()[0];
    await copyFile(path.join(BURST, name), path.join(d, name));
    setSharpEnabled(false);
    const src = await openImageFolder(d);
    const f = await src.read(0);
    expect([f.width, f.height, f.planes]).toEqual([4608, 3456, 3]);
    expect((await readImageHeader(path.join(d, name))).format).toBe('jpeg');
  });
});
