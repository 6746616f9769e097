import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createImage } from '../../src/image/image.js';
import { writeImage, readProvenance, readImageFile, setSharpEnabled } from '../../src/io/image-file.js';
import { pngChunks, readPngText, insertPngText, encodePng } from '../../src/io/png.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lg-prov-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const sharpByDefault = process.env.LUCKYGRAPH_NO_SHARP !== '1';
afterEach(() => setSharpEnabled(sharpByDefault));

const graph = JSON.stringify({
  nodes: Array.from({ length: 60 }, (_, i) => ({ id: `n${i}`, type: 'stack', params: { 'it\'s': "quote ' and \" and \\ backslash", unicode: 'Mond 🌕 ñ' } })),
});
const provenance: Record<string, string> = {
  Software: 'luckygraph 0.1.0',
  'luckygraph:graph': graph, // long (> 2 KiB), non-Latin-1: iTXt compressed / many FITS cards
  'luckygraph:input': '/data/moon – burst/S0060144.JPG', // en dash: not Latin-1
  'Short note': 'ascii only, ends with spaces   ',
  Empty: '',
};

describe('provenance survives write → read', () => {
  for (const [ext, bitDepth] of [['png', 16], ['tiff', 16], ['tiff', 32], ['fits', 16], ['fits', 32]] as const) {
    it(`${ext} ${bitDepth}-bit`, async () => {
      const img = createImage(4, 3, 3);
      img.data.fill(1000);
      const file = path.join(dir, `prov-${bitDepth}.${ext}`);
      await writeImage(file, img, { provenance, bitDepth });
      expect(await readProvenance(file)).toEqual(provenance);
      // Pixels are still fine.
      const back = await readImageFile(file);
      expect(back.data[0]).toBeCloseTo(1000, 2);
    });
  }

  it('PNG uses tEXt for short Latin-1 values and iTXt otherwise, with valid CRCs, before IDAT', async () => {
    setSharpEnabled(false);
    const file = path.join(dir, 'chunks.png');
    await writeImage(file, createImage(2, 2, 1), { provenance });
    const bytes = new Uint8Array(await readFile(file));
    const types = [...pngChunks(bytes)].map((c) => c.type);
    expect(types[0]).toBe('IHDR');
    expect(types.indexOf('tEXt')).toBeGreaterThan(0);
    expect(types.indexOf('iTXt')).toBeGreaterThan(0);
    expect(types.lastIndexOf('iTXt')).toBeLessThan(types.indexOf('IDAT'));
    // fast-png checks CRCs when decoding: the file must decode with the inserted chunks.
    expect((await readImageFile(file)).width).toBe(2);
    const text = [...pngChunks(bytes)].find((c) => c.type === 'tEXt')!;
    expect(new TextDecoder('latin1').decode(text.data)).toBe('Software\0luckygraph 0.1.0');
  });

  it('invalid PNG keywords are refused before anything is written', async () => {
    const file = path.join(dir, 'badkey.png');
    await expect(writeImage(file, createImage(2, 2, 1), { provenance: { ' bad': 'x' } })).rejects.toThrow(/not a valid PNG keyword/);
    await expect(readFile(file)).rejects.toThrow();
    expect(() => insertPngText(encodePng(1, 1, 1, new Uint16Array(1)), { ['k'.repeat(80)]: 'v' })).toThrow(/keyword/);
  });

  it('FITS headers carry CREATOR and readable HISTORY lines', async () => {
    const file = path.join(dir, 'hist.fits');
    await writeImage(file, createImage(2, 2, 1), { provenance: { Software: 'luckygraph 0.1.0', preset: 'default.yaml' } });
    const header = (await readFile(file)).subarray(0, 2880).toString('latin1');
    const cards = header.match(/.{80}/g)!;
    expect(cards).toContain("CREATOR = 'luckygraph 0.1.0'".padEnd(80));
    expect(cards).toContain('HISTORY preset: default.yaml'.padEnd(80));
    expect(cards.some((c) => c.startsWith('COMMENT LGPROV {'))).toBe(true);
    expect(cards.every((c) => /^[\x20-\x7e]{80}$/.test(c))).toBe(true);
  });

  it('files from other software: PNG zTXt/tEXt, FITS CREATOR/HISTORY, JPEG → {}', async () => {
    const { deflateSync } = await import('node:zlib');
    const png = encodePng(1, 1, 1, new Uint8Array([5]));
    // Build a zTXt chunk by hand.
    const kw = new TextEncoder().encode('Comment');
    const z = new Uint8Array(deflateSync(Buffer.from('compressed words', 'latin1')));
    const body = new Uint8Array(kw.length + 2 + z.length);
    body.set(kw);
    body.set(z, kw.length + 2);
    const { makeChunk } = await import('../../src/io/png.js');
    const chunk = makeChunk('zTXt', body);
    const withZ = new Uint8Array(png.length + chunk.length);
    withZ.set(png.subarray(0, 33));
    withZ.set(chunk, 33);
    withZ.set(png.subarray(33), 33 + chunk.length);
    expect(readPngText(withZ)).toEqual({ Comment: 'compressed words' });

    const cards = ['SIMPLE  =                    T', 'BITPIX  =                    8', 'NAXIS   =                    2', 'NAXIS1  =                    1', 'NAXIS2  =                    1', "CREATOR = 'SharpCap 4.1'", 'HISTORY first', 'HISTORY second', 'END'];
    const fits = new Uint8Array(5760).fill(32);
    fits.set(new TextEncoder().encode(cards.map((c) => c.padEnd(80)).join('')));
    fits.fill(0, 2880);
    const f = path.join(dir, 'foreign.fits');
    await writeFile(f, fits);
    expect(await readProvenance(f)).toEqual({ Software: 'SharpCap 4.1', HISTORY: 'first\nsecond' });

    const j = path.join(dir, 'x.jpg');
    await writeFile(j, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    expect(await readProvenance(j)).toEqual({});
  });
});
