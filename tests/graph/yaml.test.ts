import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphError } from '../../src/graph/types.ts';
import { loadGraphFile, parseGraphYaml, saveGraphFile, stringifyGraph } from '../../src/graph/yaml.ts';
import { SAMPLE_YAML } from './fixtures.ts';

function parseError(text: string, name = 'g.yaml'): GraphError {
  try {
    parseGraphYaml(text, name);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphError);
    return e as GraphError;
  }
  throw new Error('expected a GraphError');
}

describe('parseGraphYaml', () => {
  it('reads the document as plain objects', () => {
    const doc = parseGraphYaml(SAMPLE_YAML, 'sample.yaml');
    expect(doc.format).toBe('luckygraph/1');
    expect(doc.name).toBe('Test workflow');
    expect(doc.nodes.source).toEqual({ type: 'TestSource', version: 1, params: { count: 7, noise: 2.5 } });
    expect(doc.nodes.mean.inputs).toEqual({ frames: 'source.frames', ranking: 'rank.ranking' });
    expect(doc.layout).toEqual({ source: [0, 0], rank: [240, 0], mean: [480, 0], save: [720, 0] });
  });

  it('reports YAML syntax errors as source:line:col: message', () => {
    const e = parseError('format: luckygraph/1\nnodes:\n  a: { type: X\n  b: 1\n', 'bad.yaml');
    expect(e.message).toMatch(/^bad\.yaml:\d+:\d+: \S/);
    const dup = parseError('format: luckygraph/1\nnodes: {}\nnodes: {}\n', 'dup.yaml');
    expect(dup.message).toMatch(/^dup\.yaml:3:1: .*unique/i);
  });

  it('rejects a non-mapping root, an empty document, missing and unknown formats', () => {
    expect(parseError('- a\n- b\n').message).toMatch(/g\.yaml:1:1: expected a mapping .*found a list/);
    expect(parseError('').message).toMatch(/found an empty document/);
    expect(parseError('nodes: {}\n').message).toMatch(/g\.yaml:1:1: missing format tag; expected 'format: luckygraph\/1'/);
    const e = parseError('format: luckygraph/2\nnodes: {}\n');
    expect(e.message).toContain("g.yaml:1:9: unsupported format; expected 'luckygraph/1'; found 'luckygraph/2'");
    expect(e.message).toContain('newer');
    expect(parseError('format: pss/1\nnodes: {}\n').message).toContain("found 'pss/1'");
  });

  it('rejects structural problems of nodes, all at once', () => {
    const e = parseError('format: lg\nnodes:\n  a: 3\n  b: [1]\n');
    expect(e.issues).toHaveLength(3);
    expect(e.message).toContain("g.yaml:3:6: node 'a': expected a mapping with 'type'; found 3");
    expect(e.message).toContain("node 'b': expected a mapping with 'type'; found a list");
    expect(parseError('format: luckygraph/1\n').message).toContain("missing 'nodes'");
    expect(parseError('format: luckygraph/1\nnodes: [a]\n').message).toContain("expected 'nodes' to be a mapping");
  });
});

describe('stringifyGraph', () => {
  it('round-trips, keeping unknown keys at every level and the layout', () => {
    const text = `format: luckygraph/1
name: Unknowns
app: { version: 0.1.0 }
nodes:
  source:
    type: TestSource
    ui: { color: red, collapsed: true }
    params: { count: 3, futureParam: [1, 2] }
  mean:
    type: TestMean
    inputs: { frames: source.frames }
    params:
      crop: [0, 10, 0, 20]
      nested: { deep: { list: [a, b] } }
layout:
  source: [10, 20.5]
  mean: [-30, 40]
viewport: { zoom: 1.5 }
`;
    const doc = parseGraphYaml(text);
    const out = stringifyGraph(doc);
    const again = parseGraphYaml(out);
    expect(again).toEqual(doc);
    expect(again.app).toEqual({ version: '0.1.0' });
    expect(again.viewport).toEqual({ zoom: 1.5 });
    expect(again.nodes.source.ui).toEqual({ color: 'red', collapsed: true });
    expect((again.nodes.mean.params as Record<string, unknown>).nested).toEqual({ deep: { list: ['a', 'b'] } });
    // stable: stringify of the re-parsed document is identical
    expect(stringifyGraph(again)).toBe(out);
  });

  it('writes a stable, readable layout: ordered keys, flow-style positions and short params', () => {
    const doc = parseGraphYaml(SAMPLE_YAML);
    const out = stringifyGraph(doc);
    expect(out).toContain('  source: [ 0, 0 ]\n');
    expect(out).toContain('    params: { count: 7, noise: 2.5 }\n');
    expect(out).toContain('    inputs: { frames: source.frames }\n');
    expect(out.indexOf('format:')).toBe(0);
    expect(out.indexOf('nodes:')).toBeLessThan(out.indexOf('layout:'));
    // key order is canonical whatever the insertion order
    const shuffled = {
      layout: doc.layout,
      nodes: Object.fromEntries(
        Object.entries(doc.nodes).map(([k, n]) => [k, Object.fromEntries(Object.entries(n).reverse())]),
      ),
      description: doc.description,
      name: doc.name,
      format: doc.format,
    };
    expect(stringifyGraph(shuffled as typeof doc)).toBe(out);
  });

  it('quotes strings that would read back as other types and keeps multi-line text', () => {
    const doc = parseGraphYaml('format: luckygraph/1\nnodes: {}\n');
    const withTricky = {
      ...doc,
      description: 'line one\nline two: with colon',
      nodes: { a: { type: 'TestMean', params: { label: '007', other: 'true', empty: '' } } },
    };
    const back = parseGraphYaml(stringifyGraph(withTricky));
    expect(back).toEqual(withTricky);
  });

  it('uses block style for params too long for one line', () => {
    const long = 'x'.repeat(90);
    const out = stringifyGraph({ format: 'luckygraph/1', nodes: { a: { type: 'T', params: { path: long, n: 1 } } } });
    expect(out).toContain(`    params:\n      path: ${long}\n      n: 1\n`);
  });
});

describe('loadGraphFile / saveGraphFile', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('saves atomically (no temp file left) and loads back the same document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lg-graph-'));
    dirs.push(dir);
    const path = join(dir, 'g.yaml');
    await writeFile(path, 'old content');
    const doc = parseGraphYaml(SAMPLE_YAML);
    await saveGraphFile(path, doc);
    expect(await readdir(dir)).toEqual(['g.yaml']);
    expect(await readFile(path, 'utf8')).toBe(stringifyGraph(doc));
    expect(await loadGraphFile(path)).toEqual(doc);
  });

  it('names the file in load errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lg-graph-'));
    dirs.push(dir);
    await expect(loadGraphFile(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml': no such file/);
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'format: luckygraph/1\nnodes: [\n');
    await expect(loadGraphFile(bad)).rejects.toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `));
  });

  it('leaves the old file intact when writing fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lg-graph-'));
    dirs.push(dir);
    await expect(saveGraphFile(join(dir, 'no-such-dir', 'g.yaml'), parseGraphYaml(SAMPLE_YAML))).rejects.toThrow(GraphError);
    expect(await readdir(dir)).toEqual([]);
  });
});
