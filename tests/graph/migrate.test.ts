import { describe, expect, it } from 'vitest';
import { migrateGraph, migrateParams } from '../../src/graph/migrate.ts';
import { NodeRegistry } from '../../src/graph/registry.ts';
import { GraphError, type GraphDoc, type NodeDefinition } from '../../src/graph/types.ts';
import { validateGraph } from '../../src/graph/validate.ts';
import { parseGraphYaml, stringifyGraph } from '../../src/graph/yaml.ts';
import { TestBlur, testRegistry } from './fixtures.ts';

const V1_YAML = `format: luckygraph/1
nodes:
  s: { type: TestSource }
  m: { type: TestMean, inputs: { frames: s.frames } }
  blur:
    type: TestBlur
    version: 1
    inputs: { image: m.image }
    params: { sigma: 2.5 }
    note: keep me
`;

describe('migrateGraph', () => {
  it('migrates a v1 node with sigma to v2 radius and records the step', () => {
    const registry = testRegistry();
    const doc = parseGraphYaml(V1_YAML);
    const before = structuredClone(doc);
    const { doc: out, applied } = migrateGraph(doc, registry);
    expect(applied).toEqual([{ node: 'blur', type: 'TestBlur', from: 1, to: 2 }]);
    expect(out.nodes.blur).toEqual({ type: 'TestBlur', version: 2, inputs: { image: 'm.image' }, params: { radius: 2.5 }, note: 'keep me' });
    expect(doc).toEqual(before); // input untouched
    expect(validateGraph(out, registry)).toEqual([]);
    expect(parseGraphYaml(stringifyGraph(out)).nodes.blur.version).toBe(2);
  });

  it('returns the same document when nothing is old (missing version = current)', () => {
    const registry = testRegistry();
    const doc = parseGraphYaml(V1_YAML.replace('    version: 1\n', '').replace('sigma', 'radius'));
    const r = migrateGraph(doc, registry);
    expect(r.doc).toBe(doc);
    expect(r.applied).toEqual([]);
  });

  it('applies several steps in sequence', () => {
    const v3: NodeDefinition = {
      ...TestBlur,
      type: 'Multi',
      version: 3,
      params: { size: { kind: 'int', min: 1, max: 50, default: 2, doc: 'size in px' } },
      migrate: {
        1: (p) => ({ radius: p.sigma }),
        2: (p) => ({ size: Math.round((p.radius as number) * 2) }),
      },
    };
    const registry = new NodeRegistry([v3]);
    const doc: GraphDoc = { format: 'luckygraph/1', nodes: { a: { type: 'Multi', version: 1, params: { sigma: 1.6 } }, b: { type: 'Multi', version: 2, params: { radius: 3 } } } };
    const { doc: out, applied } = migrateGraph(doc, registry);
    expect(out.nodes.a).toEqual({ type: 'Multi', version: 3, params: { size: 3 } });
    expect(out.nodes.b).toEqual({ type: 'Multi', version: 3, params: { size: 6 } });
    expect(applied.map((a) => `${a.node}:${a.from}->${a.to}`)).toEqual(['a:1->2', 'a:2->3', 'b:2->3']);
  });

  it('leaves unknown types and future versions to validation and fails clearly on a missing step', () => {
    const registry = testRegistry();
    const doc: GraphDoc = { format: 'luckygraph/1', nodes: { x: { type: 'Nope', version: 1 }, f: { type: 'TestBlur', version: 7 } } };
    expect(migrateGraph(doc, registry).doc).toBe(doc);
    const noStep: NodeDefinition = { ...TestBlur, type: 'NoStep', version: 3, migrate: { 2: (p) => p } };
    expect(() => migrateParams(noStep, {}, 1, 'n')).toThrow(GraphError);
    expect(() => migrateParams(noStep, {}, 1, 'n')).toThrow("node 'n' (NoStep): no migration from version 1 to 2");
  });
});
