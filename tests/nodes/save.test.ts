import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { saveNode, resolveOutput, expandTemplate, type SaveParams, type SavedFile } from '../../src/nodes/save.ts';
import { NodeRegistry } from '../../src/graph/registry.ts';
import { resolveParams } from '../../src/graph/params.ts';
import { readImage, readImageFile, readProvenance } from '../../src/io/image-file.ts';
import { createImage, type Image } from '../../src/image/image.ts';
import { testContext } from '../helpers/frames.ts';
import { makeImage } from '../image/helpers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'luckygraph-save-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function params(over: Record<string, unknown> = {}): SaveParams {
  const { values, issues } = resolveParams(saveNode as never, over);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return values as SaveParams;
}

function services(extra: Record<string, unknown> = {}) {
  return {
    vars: { input_dir: dir, input_stem: 'moon' },
    provenance: { Software: 'luckygraph 0.1.0', graph: 'format: luckygraph/1\nnodes: {}\n' },
    inputPaths: [] as string[],
    ...extra,
  };
}

async function save(img: Image, over: Record<string, unknown> = {}, svc: Record<string, unknown> = services()): Promise<SavedFile> {
  const out = await saveNode.run(testContext(svc), { image: img }, params(over));
  return out.file as SavedFile;
}

const mono = makeImage(23, 17, (y, x) => (y * 23 + x) * 150.4 - 100); // includes a negative and fractional values
const rgb = makeImage(19, 11, (y, x, c) => 1000 * c + y * 300 + x * 7 + 0.25, 3);
const rounded = (v: number) => Math.min(65535, Math.max(0, Math.round(v)));

describe('Save node definition', () => {
  it('registers as a side-effect output node with documented params', () => {
    const entry = new NodeRegistry([saveNode as never]).catalogue().nodes[0];
    expect(entry).toMatchObject({ type: 'Save', sideEffect: true, category: 'output' });
    expect(entry.params.path).toMatchObject({ kind: 'path', role: 'output', mustExist: false, default: '${input_dir}/${input_stem}_lucky.png' });
    expect(entry.params.suffix).toMatchObject({ kind: 'string', default: '' });
    expect(entry.params.format).toMatchObject({ choices: ['auto', 'png', 'tiff', 'fits'], default: 'auto' });
    expect(entry.params.bitDepth).toMatchObject({ choices: ['16', 'float32'], default: '16' });
    expect(entry.outputs.file.type).toBe('file');
  });

  it('check() flags float32 for PNG/TIFF and path separators in the suffix', () => {
    const bad = resolveParams(saveNode as never, { bitDepth: 'float32' });
    expect(bad.issues.map((i) => i.message).join('\n')).toMatch(/'bitDepth'.*float32 needs FITS/);
    expect(resolveParams(saveNode as never, { bitDepth: 'float32', path: 'x.fits' }).issues).toEqual([]);
    expect(resolveParams(saveNode as never, { suffix: 'a/b' }).issues.map((i) => i.message).join()).toMatch(/'suffix'/);
  });
});

describe('Save writes files', () => {
  it('writes a 16-bit PNG from the template path that reads back with the right size and values', async () => {
    const f = await save(mono);
    expect(f.path).toBe(path.join(dir, 'moon_lucky.png'));
    const st = await stat(f.path);
    expect(f).toMatchObject({ size: st.size, mtimeMs: st.mtimeMs, width: 23, height: 17, channels: 1, format: 'png', bitDepth: 16 });
    const back = await readImageFile(f.path);
    expect(back).toMatchObject({ format: 'png', width: 23, height: 17, planes: 1, bitDepth: 16 });
    for (let i = 0; i < mono.data.length; i++) expect(back.data[i]).toBe(rounded(mono.data[i]));
    // no temporary files left behind
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('applies the suffix to the stem', async () => {
    const f = await save(mono, { suffix: '_sharpened' });
    expect(path.basename(f.path)).toBe('moon_lucky_sharpened.png');
    expect((await stat(f.path)).size).toBe(f.size);
  });

  it('writes RGB TIFF and FITS (16-bit and float32) that read back', async () => {
    const tif = await save(rgb, { path: '${input_dir}/${input_stem}.tiff' });
    const t = await readImageFile(tif.path);
    expect(t).toMatchObject({ format: 'tiff', width: 19, height: 11, planes: 3, bitDepth: 16 });
    for (let i = 0; i < rgb.data.length; i++) expect(t.data[i]).toBe(rounded(rgb.data[i]));

    const fits = await save(rgb, { path: path.join(dir, 'c.fits') });
    const f = await readImage(fits.path);
    expect([f.width, f.height, f.channels]).toEqual([19, 11, 3]);
    for (let i = 0; i < rgb.data.length; i++) expect(f.data[i]).toBe(rounded(rgb.data[i]));

    const big = createImage(4, 3, 1, Float32Array.from({ length: 12 }, (_v, i) => i * 7000.5 - 3)); // beyond 65535 too
    const ff = await save(big, { path: path.join(dir, 'float.fits'), bitDepth: 'float32' });
    expect(ff.bitDepth).toBe(32);
    const fb = await readImageFile(ff.path);
    expect(fb).toMatchObject({ format: 'fits', width: 4, height: 3, bitDepth: 32 });
    for (let i = 0; i < 12; i++) expect(fb.data[i]).toBeCloseTo(big.data[i], 1);
  });

  it('replaces the extension when an explicit format disagrees with it', async () => {
    const f = await save(mono, { format: 'fits' });
    expect(path.basename(f.path)).toBe('moon_lucky.fits');
    expect((await readImageFile(f.path)).format).toBe('fits');
    expect(resolveOutput(params({ path: 'out/stack', format: 'tiff' }), undefined, '/w').path).toBe('/w/out/stack.tiff');
  });

  it('embeds the run provenance and its own params', async () => {
    for (const p of ['prov.png', 'prov.tiff', 'prov.fits']) {
      const f = await save(mono, { path: path.join(dir, p), suffix: '_x' });
      const prov = await readProvenance(f.path);
      expect(prov.Software).toBe('luckygraph 0.1.0');
      expect(prov.graph).toBe('format: luckygraph/1\nnodes: {}\n');
      const own = JSON.parse(prov['Save params']);
      expect(own).toMatchObject({ node: 'test', suffix: '_x', format: 'auto', bitDepth: '16', resolvedPath: f.path });
    }
  });

  it('resolves relative paths against the working folder', () => {
    const r = resolveOutput(params({ path: 'sub/out.png', suffix: '_s' }), undefined, '/some/cwd');
    expect(r).toEqual({ path: '/some/cwd/sub/out_s.png', format: 'png', bitDepth: 16 });
    expect(resolveOutput(params({ path: 'x.png' }), undefined).path).toBe(path.join(process.cwd(), 'x.png'));
  });
});

describe('Save refuses', () => {
  it('to overwrite an input file of the run', async () => {
    const input = path.join(dir, 'input.png');
    await writeFile(input, 'original bytes');
    const svc = services({ inputPaths: [input] });
    await expect(save(mono, { path: '${input_dir}/input.png' }, svc)).rejects.toThrow(/Save\.path: refusing to overwrite .*input\.png/);
    // via a relative path and a different spelling of the same file
    await expect(save(mono, { path: path.relative(process.cwd(), path.join(dir, '.', 'input.png')) }, svc)).rejects.toThrow(/input\.png/);
    expect(await readFile(input, 'utf8')).toBe('original bytes');
  });

  it('float32 PNG or TIFF, naming Save.bitDepth', async () => {
    // check() already reports it when the graph is validated; run() refuses too (e.g. when a variable hides the extension)
    const floatPng = { ...params(), path: path.join(dir, 'f.png'), bitDepth: 'float32', format: 'png' };
    await expect(saveNode.run(testContext(services()), { image: mono }, floatPng)).rejects.toThrow(/Save\.bitDepth: float32 output needs FITS/);
    await expect(saveNode.run(testContext(services()), { image: mono }, { ...params(), path: path.join(dir, 'f.tiff'), bitDepth: 'float32' }))
      .rejects.toThrow(/Save\.bitDepth/);
  });

  it('a template whose variables the run does not define, naming Save.path', async () => {
    await expect(save(mono, {}, { provenance: {} })).rejects.toThrow(/Save\.path: .*\$\{input_dir\}.*no input file/);
    expect(() => expandTemplate('${input_dir}/${nope}.png', { input_dir: '/d' })).toThrow(/Save\.path: .*\$\{nope\}.*defined: \$\{input_dir\}/);
    expect(expandTemplate('${input_dir}/${input_stem}_lucky.png', { input_dir: '/d', input_stem: 's' })).toBe('/d/s_lucky.png');
  });

  it('an unknown extension with format auto, and an empty path', async () => {
    await expect(save(mono, { path: path.join(dir, 'x.jpg') })).rejects.toThrow(/Save\.format: .*\.png, \.tiff or \.fits/);
    await expect(save(mono, { path: '' })).rejects.toThrow(/Save\.path: no output path/);
  });
});
