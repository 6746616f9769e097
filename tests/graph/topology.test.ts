import { describe, expect, it } from 'vitest';
import { downstreamOf, edgesOf, findCycles, topologicalOrder, upstreamOf } from '../../src/graph/topology.ts';
import { GraphError, type GraphDoc } from '../../src/graph/types.ts';
import { parseGraphYaml } from '../../src/graph/yaml.ts';
import { SAMPLE_YAML } from './fixtures.ts';

const doc = parseGraphYaml(SAMPLE_YAML);

describe('topology', () => {
  it('lists edges from inputs', () => {
    expect(edgesOf(doc)).toEqual([
      { from: { node: 'source', port: 'frames' }, to: { node: 'rank', port: 'frames' } },
      { from: { node: 'source', port: 'frames' }, to: { node: 'mean', port: 'frames' } },
      { from: { node: 'rank', port: 'ranking' }, to: { node: 'mean', port: 'ranking' } },
      { from: { node: 'mean', port: 'image' }, to: { node: 'save', port: 'image' } },
    ]);
  });

  it('orders nodes after their inputs, keeping document order for ties', () => {
    const reordered: GraphDoc = { format: 'luckygraph/1', nodes: { save: doc.nodes.save, mean: doc.nodes.mean, rank: doc.nodes.rank, source: doc.nodes.source, other: { type: 'X' } } };
    expect(topologicalOrder(doc)).toEqual(['source', 'rank', 'mean', 'save']);
    expect(topologicalOrder(reordered)).toEqual(['source', 'rank', 'mean', 'save', 'other']);
  });

  it('computes upstream and downstream sets', () => {
    expect(upstreamOf(doc, 'mean')).toEqual(['source', 'rank']);
    expect(upstreamOf(doc, 'source')).toEqual([]);
    expect(downstreamOf(doc, 'rank')).toEqual(['mean', 'save']);
    expect(downstreamOf(doc, 'source')).toEqual(['rank', 'mean', 'save']);
    expect(() => upstreamOf(doc, 'nope')).toThrow(GraphError);
  });

  it('detects cycles and names the nodes', () => {
    const cyc: GraphDoc = {
      format: 'luckygraph/1',
      nodes: {
        a: { type: 'T', inputs: { x: 'c.out' } },
        b: { type: 'T', inputs: { x: 'a.out' } },
        c: { type: 'T', inputs: { x: 'b.out', y: 'd.out' } },
        d: { type: 'T' },
        e: { type: 'T', inputs: { x: 'e.out' } },
      },
    };
    expect(findCycles(cyc)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(() => topologicalOrder(cyc)).toThrow(/cycle: a → b → c → a; e → e/);
    expect(findCycles(doc)).toEqual([]);
  });
});
