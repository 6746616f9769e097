import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, readFile, writeFile, readdir, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, assertNotInput } from '../../src/io/atomic-write.js';
import { naturalCompare, naturalSort } from '../../src/io/natural-sort.js';
import { InputError } from '../../src/io/frame-source.js';
import { writeImage } from '../../src/io/image-file.js';
import { createImage } from '../../src/image/image.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lg-atomic-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing parent folders and leaves no temp files', async () => {
    const file = path.join(dir, 'a', 'b', 'c', 'out.bin');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(file))).toEqual([1, 2, 3]);
    expect(await readdir(path.dirname(file))).toEqual(['out.bin']);
  });

  it('replaces an existing file in one step', async () => {
    const file = path.join(dir, 'replace.bin');
    await writeFile(file, 'old');
    await writeFileAtomic(file, new TextEncoder().encode('new contents'));
    expect(await readFile(file, 'utf8')).toBe('new contents');
    expect((await readdir(dir)).filter((n) => n.includes('replace'))).toEqual(['replace.bin']);
  });

  it('a write that fails half-way leaves the old file intact and removes the temp file', async () => {
    const sub = path.join(dir, 'fail');
    await mkdir(sub);
    const file = path.join(sub, 'keep.txt');
    await writeFile(file, 'precious old data');
    async function* failing() {
      yield new TextEncoder().encode('partial new data…');
      throw new Error('disk on fire');
    }
    await expect(writeFileAtomic(file, failing())).rejects.toThrow('disk on fire');
    expect(await readFile(file, 'utf8')).toBe('precious old data');
    expect(await readdir(sub)).toEqual(['keep.txt']);
  });

  it('a failing image encode never touches the old file', async () => {
    const file = path.join(dir, 'img.png');
    await writeFile(file, 'old image');
    await expect(writeImage(file, createImage(2, 2, 1), { provenance: { '': 'bad key' } })).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe('old image');
  });

  it('accepts chunk iterables', async () => {
    const file = path.join(dir, 'chunks.bin');
    await writeFileAtomic(file, [new Uint8Array([1]), new Uint8Array([2, 3])]);
    expect(Array.from(await readFile(file))).toEqual([1, 2, 3]);
  });

  it('refuses to overwrite an input, also through a relative path, a symlink or the inputs option', async () => {
    const input = path.join(dir, 'input.ser');
    await writeFile(input, 'frames');
    await expect(assertNotInput(input, [input])).rejects.toThrow(InputError);
    const rel = path.relative(process.cwd(), input);
    await expect(assertNotInput(rel, [input])).rejects.toThrow(/refusing to overwrite an input/);
    const link = path.join(dir, 'link.ser');
    await symlink(input, link);
    await expect(assertNotInput(link, [input])).rejects.toThrow(/refusing/);
    await expect(assertNotInput(path.join(dir, 'other.png'), [input])).resolves.toBeUndefined();
    await expect(writeFileAtomic(input, new Uint8Array([0]), { inputs: [input] })).rejects.toThrow(/refusing/);
    expect(await readFile(input, 'utf8')).toBe('frames');
    await expect(writeImage(input, createImage(1, 1, 1), { format: 'png', inputs: [input] })).rejects.toThrow(/refusing/);
    expect(await readFile(input, 'utf8')).toBe('frames');
  });
});

describe('natural sort', () => {
  it('orders numbers by value and ignores case', () => {
    expect(naturalSort(['f10.png', 'f2.png', 'F1.png', 'f100.png', 'f20.png'])).toEqual(['F1.png', 'f2.png', 'f10.png', 'f20.png', 'f100.png']);
    expect(naturalCompare('f2', 'f10')).toBeLessThan(0);
    expect(naturalCompare('IMG_9', 'img_10')).toBeLessThan(0);
    expect(naturalCompare('a', 'B')).toBeLessThan(0);
    expect(naturalCompare('B', 'a')).toBeGreaterThan(0);
  });

  it('handles leading zeros, huge numbers and ties deterministically', () => {
    expect(naturalSort(['x007', 'x7', 'x06', 'x8'])).toEqual(['x06', 'x007', 'x7', 'x8']);
    expect(naturalCompare('n99999999999999999999999', 'n100000000000000000000000')).toBeLessThan(0);
    expect(naturalCompare('same', 'same')).toBe(0);
    expect(naturalCompare('Same', 'same')).not.toBe(0);
    expect(naturalSort(['b', 'a1', 'a', 'a01b', 'a1a'])).toEqual(['a', 'a1', 'a1a', 'a01b', 'b']);
  });

  it('frame names with several numbers', () => {
    const names = ['cap_2023-10-29_s12.fits', 'cap_2023-10-29_s2.fits', 'cap_2023-9-30_s1.fits'];
    expect(naturalSort(names)).toEqual(['cap_2023-9-30_s1.fits', 'cap_2023-10-29_s2.fits', 'cap_2023-10-29_s12.fits']);
  });
});
