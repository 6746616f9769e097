import { describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../src/graph/registry.ts';
import { GraphError, type NodeDefinition } from '../../src/graph/types.ts';
import { TestBlur, TestRank, TestSource, testRegistry } from './fixtures.ts';

describe('NodeRegistry', () => {
  it('registers, gets, lists and suggests', () => {
    const r = testRegistry();
    expect(r.has('TestRank')).toBe(true);
    expect(r.get('TestRank')).toBe(TestRank);
    expect(r.get('Nope')).toBeUndefined();
    expect(r.list().map((d) => d.type)).toEqual(['TestSource', 'TestRank', 'TestMean', 'TestBlur', 'TestCombine', 'TestSave']);
    expect(r.suggest('TestRnak')).toBe('TestRank');
    expect(r.suggest('CompletelyDifferent')).toBeUndefined();
  });

  it('refuses duplicates and inconsistent definitions', () => {
    const r = new NodeRegistry([TestSource]);
    expect(() => r.register(TestSource)).toThrow(/already registered/);
    const bad: NodeDefinition = {
      ...TestRank,
      type: 'Bad',
      params: { method: { kind: 'choice', choices: ['A'], default: 'B', doc: '' } },
      outputs: { x: { type: 'nonsense' as never, doc: '' } },
    };
    const e = (() => {
      try {
        r.register(bad);
      } catch (err) {
        return err as GraphError;
      }
    })();
    expect(e).toBeInstanceOf(GraphError);
    expect(e!.message).toContain("default of param 'method' is invalid: expected one of A; found 'B'");
    expect(e!.message).toContain("output 'x' has unknown port type 'nonsense'");
  });

  it('produces a JSON-able catalogue with ranges, units, choices and docs', () => {
    const cat = testRegistry().catalogue();
    const json = JSON.parse(JSON.stringify(cat));
    expect(json).toEqual(cat);
    expect(cat.format).toBe('luckygraph/1');
    expect(cat.portTypes.frames).toMatch(/frame/i);
    const src = cat.nodes.find((n) => n.type === 'TestSource')!;
    expect(src).toMatchObject({ version: 1, category: 'test', doc: 'Synthetic frames' });
    expect(src.params.count).toEqual({ kind: 'int', default: 5, doc: 'number of frames', unit: 'frames', min: 1, max: 10 });
    expect(src.params.noise).toMatchObject({ kind: 'float', min: 0, max: 100, unit: 'DN' });
    expect(src.params.path).toMatchObject({ kind: 'path', mustExist: false, role: 'input' });
    expect(src.outputs.frames).toEqual({ type: 'frames', doc: 'the frames' });
    const rank = cat.nodes.find((n) => n.type === 'TestRank')!;
    expect(rank.params.method.choices).toEqual(['Laplace', 'Sobel']);
    const mean = cat.nodes.find((n) => n.type === 'TestMean')!;
    expect(mean.inputs.ranking).toEqual({ type: 'ranking', doc: 'optional ranking', optional: true });
    expect(mean.params.crop).toMatchObject({ kind: 'intlist', length: 4, min: 0, default: [] });
    expect(cat.nodes.find((n) => n.type === 'TestBlur')!.version).toBe(TestBlur.version);
    expect(cat.nodes.find((n) => n.type === 'TestSave')!.sideEffect).toBe(true);
    expect(JSON.stringify(cat)).not.toContain('function');
  });
});
