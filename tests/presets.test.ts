/** Every preset loads, validates and round-trips; each runs on the bundled sample (or a generated planet). */
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseGraphYaml, stringifyGraph } from '../src/graph/yaml.ts';
import { validateGraph } from '../src/graph/validate.ts';
import { registry, runPreset } from './helpers/run-preset.ts';
import { simulateSequence, writeSequence } from '../src/synth/simulate.ts';

const root = resolve(__dirname, '..');
const sample = join(root, 'samples/moon-small/frames.ser');
const presets = readdirSync(join(root, 'presets')).filter((f) => f.endsWith('.yaml'));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/luckygraph.js'), ...args], { encoding: 'utf8', cwd: root });

describe('presets', () => {
  it('include the three documented presets', () => {
    expect(presets).toEqual(expect.arrayContaining(['default.yaml', 'planet.yaml', 'compare-stack-sizes.yaml']));
  });

  for (const p of presets) {
    it(`${p} loads, validates without errors and round-trips`, () => {
      const text = readFileSync(join(root, 'presets', p), 'utf8');
      const doc = parseGraphYaml(text, p);
      expect(validateGraph(doc, registry).filter((i) => i.severity === 'error')).toEqual([]);
      const again = parseGraphYaml(stringifyGraph(doc), p);
      expect(again).toEqual(doc);
    });
  }

  it('default.yaml has the documented node ids and stacks the bundled sample', async () => {
    const doc = parseGraphYaml(readFileSync(join(root, 'presets/default.yaml'), 'utf8'));
    expect(Object.keys(doc.nodes)).toEqual(['source', 'rank', 'patch', 'align', 'mean', 'apgrid', 'localrank', 'shift', 'stack', 'blend', 'save', 'sharpen', 'save_sharpened']);
    const { image } = await runPreset('default.yaml', sample);
    expect(image!.width).toBeGreaterThan(280);
    expect(image!.height).toBeGreaterThan(200);
  });

  it('compare-stack-sizes.yaml reads the input once and writes three results from one shared Shift', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lg-cmp-')), 'cmp.png');
    const r = cli('run', 'presets/compare-stack-sizes.yaml', '--input', sample, '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const ran = j.nodes.filter((n: { status: string }) => n.status === 'ran').map((n: { id: string }) => n.id);
    expect(ran.filter((id: string) => id.startsWith('shift'))).toEqual(['shift']);
    expect(ran.filter((id: string) => id.startsWith('source'))).toEqual(['source']);
    for (const s of ['_p05', '_p10', '_p25']) expect(existsSync(out.replace('.png', `${s}.png`))).toBe(true);
  });

  it('planet.yaml stacks a planet on black sky', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-planet-'));
    const seq = simulateSequence({ kind: 'planet', width: 256, height: 192, frames: 30, seed: 5 });
    writeSequence(dir, seq);
    const { image } = await runPreset('planet.yaml', join(dir, 'frames.ser'));
    expect(image!.width).toBeGreaterThan(200);
  });

  it('a second run with the same --cache-dir re-runs only the changed node and its Save', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-cachedir-'));
    const out = join(dir, 'r.png');
    const first = cli('run', 'presets/default.yaml', '--input', sample, '--out', out, '--cache-dir', join(dir, 'cache'), '--json');
    expect(first.status, first.stderr).toBe(0);
    const second = cli('run', 'presets/default.yaml', '--input', sample, '--out', out, '--cache-dir', join(dir, 'cache'), '--json', '--set', 'sharpen.amount1=2.5');
    expect(second.status, second.stderr).toBe(0);
    const j = JSON.parse(second.stdout);
    const status = Object.fromEntries(j.nodes.map((n: { id: string; status: string }) => [n.id, n.status]));
    expect(status).toEqual({
      source: 'cached', rank: 'cached', patch: 'cached', align: 'cached', mean: 'cached', apgrid: 'cached', localrank: 'cached',
      shift: 'cached', stack: 'cached', blend: 'cached', save: 'cached', sharpen: 'ran', save_sharpened: 'ran',
    });
    expect(j.nodes.find((n: { id: string }) => n.id === 'sharpen').reason).toBe('sharpen.amount1 changed 3 → 2.5');
  });

  it('invalid graphs exit non-zero naming node and parameter, all errors at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-invalid-'));
    const bad = readFileSync(join(root, 'presets/default.yaml'), 'utf8')
      .replace('type: Rank', 'type: Rnak')
      .replace('params: { noise: 7 }', 'params: { noise: 99 }')
      .replace('inputs: { stackparts: stack.stackparts }', 'inputs: { stackparts: mean.image }');
    const p = join(dir, 'bad.yaml');
    require('node:fs').writeFileSync(p, bad);
    const v = cli('validate', p);
    expect(v.status).toBe(1);
    expect(v.stderr).toMatch(/node 'rank'.*known node type; found 'Rnak' \(did you mean 'Rank'\?\)/);
    expect(v.stderr).toMatch(/node 'source' param 'noise'.*1\.\.11.*99/);
    expect(v.stderr).toMatch(/node 'blend' port 'stackparts'.*expects stackparts but mean\.image gives image/);
    const r = cli('run', p, '--input', sample);
    expect(r.status).toBe(1);
    require('node:fs').writeFileSync(p, 'format: luckygraph/1\nnodes: [ unclosed');
    const y = cli('validate', p);
    expect(y.status).toBe(1);
    expect(y.stderr).toMatch(/bad\.yaml:\d+:\d+/);
  });
});
