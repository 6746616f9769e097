import { describe, expect, it } from 'vitest';
import type { GraphDoc, ValidationIssue } from '../../src/graph/types.ts';
import { assertValid, formatIssues, hasErrors, validateGraph } from '../../src/graph/validate.ts';
import { parseGraphYaml } from '../../src/graph/yaml.ts';
import { SAMPLE_YAML, testRegistry } from './fixtures.ts';

const registry = testRegistry();

function graph(nodes: GraphDoc['nodes'], extra: Partial<GraphDoc> = {}): GraphDoc {
  return { format: 'luckygraph/1', nodes, ...extra };
}

function errorsOf(doc: unknown): ValidationIssue[] {
  return validateGraph(doc, registry).filter((i) => i.severity === 'error');
}

/** The only error of `doc`. */
function onlyError(doc: unknown): ValidationIssue {
  const errs = errorsOf(doc);
  expect(errs, JSON.stringify(errs, null, 1)).toHaveLength(1);
  return errs[0];
}

const src = { type: 'TestSource' };

describe('validateGraph', () => {
  it('accepts the sample graph without issues', () => {
    expect(validateGraph(parseGraphYaml(SAMPLE_YAML), registry)).toEqual([]);
  });

  it('reports a wrong or missing format tag', () => {
    expect(onlyError({ nodes: { s: src } }).message).toBe("graph: missing format tag; expected 'format: luckygraph/1'");
    expect(onlyError({ format: 'luckygraph/9', nodes: { s: src } }).message).toBe(
      "graph: expected format 'luckygraph/1'; found 'luckygraph/9'",
    );
  });

  it('reports an unknown node type with the closest known name', () => {
    const e = onlyError(graph({ s: src, r: { type: 'TestRnak', inputs: { frames: 's.frames' } } }));
    expect(e).toMatchObject({ node: 'r' });
    expect(e.message).toBe("node 'r': expected a known node type; found 'TestRnak' (did you mean 'TestRank'?)");
  });

  it('reports an unknown parameter as an error with a suggestion', () => {
    const e = onlyError(graph({ s: { type: 'TestSource', params: { cuont: 3 } } }));
    expect(e).toMatchObject({ severity: 'error', node: 's', param: 'cuont' });
    expect(e.message).toBe(
      "node 's' param 'cuont': unknown parameter of TestSource; expected one of count, noise, path (did you mean 'count'?)",
    );
  });

  it('reports a wrong parameter type', () => {
    const e = onlyError(graph({ s: src, m: { type: 'TestMean', inputs: { frames: 's.frames' }, params: { normalize: 'yes' } } }));
    expect(e).toMatchObject({ node: 'm', param: 'normalize' });
    expect(e.message).toBe("node 'm' param 'normalize': expected true or false; found string 'yes'");
  });

  it('reports an out-of-range number with the range and unit', () => {
    const e = onlyError(graph({ s: { type: 'TestSource', params: { count: 12 } } }));
    expect(e).toMatchObject({ node: 's', param: 'count' });
    expect(e.message).toBe("node 's' param 'count': expected an integer in 1..10 frames; found 12 frames");
    const f = onlyError(graph({ s: { type: 'TestSource', params: { noise: -0.5 } } }));
    expect(f.message).toBe("node 's' param 'noise': expected a number in 0..100 DN; found -0.5 DN");
  });

  it('reports a value not among the choices, listing them', () => {
    const e = onlyError(graph({ s: src, rank: { type: 'TestRank', inputs: { frames: 's.frames' }, params: { method: 'Lapl' } } }));
    expect(e).toMatchObject({ node: 'rank', param: 'method' });
    expect(formatIssues([e])).toEqual(["node 'rank' param 'method': expected one of Laplace, Sobel; found 'Lapl'"]);
  });

  it('reports an intlist of the wrong length', () => {
    const e = onlyError(graph({ s: src, m: { type: 'TestMean', inputs: { frames: 's.frames' }, params: { crop: [1, 2, 3] } } }));
    expect(e).toMatchObject({ node: 'm', param: 'crop' });
    expect(e.message).toContain('expected a list of 4 integers');
    expect(e.message).toContain('found 3 items [1,2,3]');
  });

  it('reports an input port the node type does not have', () => {
    const e = onlyError(graph({ s: src, r: { type: 'TestRank', inputs: { frames: 's.frames', frame: 's.frames' } } }));
    expect(e).toMatchObject({ node: 'r', port: 'frame' });
    expect(e.message).toBe("node 'r' port 'frame': unknown input of TestRank; expected one of frames (did you mean 'frames'?)");
  });

  it('reports a reference to an unknown node or an unknown output port', () => {
    const n = onlyError(graph({ source: src, r: { type: 'TestRank', inputs: { frames: 'sourc.frames' } } }));
    expect(n).toMatchObject({ node: 'r', port: 'frames' });
    expect(n.message).toBe("node 'r' port 'frames': expected an existing node; found 'sourc' in 'sourc.frames' (did you mean 'source'?)");
    const p = onlyError(graph({ source: src, r: { type: 'TestRank', inputs: { frames: 'source.frame' } } }));
    expect(p).toMatchObject({ node: 'r', port: 'frames' });
    expect(p.message).toBe(
      "node 'r' port 'frames': 'source' (TestSource) has no output 'frame'; expected one of frames (did you mean 'frames'?)",
    );
    const m = onlyError(graph({ source: src, r: { type: 'TestRank', inputs: { frames: 'source' } } }));
    expect(m.message).toBe(
      "node 'r' port 'frames': expected a reference 'node.port' to a frames output; found 'source' (did you mean 'source.frames'?)",
    );
  });

  it('reports a port type mismatch naming both ends and both types', () => {
    const e = onlyError(
      graph({
        s: src,
        source: { type: 'TestMean', inputs: { frames: 's.frames' } },
        rank: { type: 'TestRank', inputs: { frames: 'source.image' } },
      }),
    );
    expect(e).toMatchObject({ node: 'rank', port: 'frames' });
    expect(e.message).toBe("node 'rank' port 'frames': rank.frames expects frames but source.image gives image");
  });

  it('reports a required input that is not connected, suggesting candidates; optional inputs may stay open', () => {
    const e = onlyError(graph({ s: src, m: { type: 'TestMean' } }));
    expect(e).toMatchObject({ node: 'm', port: 'frames' });
    expect(e.message).toBe("node 'm' port 'frames': required input is not connected; expected a frames output, e.g. s.frames; found none");
  });

  it('reports a cycle naming its nodes', () => {
    const doc = graph({
      s: src,
      m: { type: 'TestMean', inputs: { frames: 's.frames' } },
      a: { type: 'TestCombine', inputs: { a: 'm.image', b: 'c.image' } },
      b: { type: 'TestBlur', inputs: { image: 'a.image' } },
      c: { type: 'TestBlur', inputs: { image: 'b.image' } },
    });
    const e = onlyError(doc);
    expect(e.node).toBe('a');
    expect(e.message).toBe("node 'a': expected no cycles; found nodes 'a', 'b', 'c' forming a cycle a → b → c → a");
    const self = onlyError(graph({ s: src, m: { type: 'TestMean', inputs: { frames: 's.frames' } }, b: { type: 'TestBlur', inputs: { image: 'b.image' } } }));
    expect(self.message).toContain("found the node feeding its own input (b → b)");
  });

  it('reports node versions newer than the registry knows', () => {
    const e = onlyError(graph({ s: { type: 'TestSource', version: 3 } }));
    expect(e).toMatchObject({ node: 's' });
    expect(e.message).toBe(
      "node 's': expected TestSource version <= 1 (the newest this build knows); found version 3 (saved by a newer luckygraph?)",
    );
  });

  it('checks old nodes after migrating their params, with a warning', () => {
    const doc = graph({ s: src, m: { type: 'TestMean', inputs: { frames: 's.frames' } }, b: { type: 'TestBlur', version: 1, inputs: { image: 'm.image' }, params: { sigma: 2 } } });
    const issues = validateGraph(doc, registry);
    expect(issues).toEqual([
      { severity: 'warning', node: 'b', message: "node 'b': TestBlur version 1 is older than the current version 2; it will be migrated" },
    ]);
    const bad = { ...doc, nodes: { ...doc.nodes, b: { ...doc.nodes.b, params: { sigma: 9 } } } };
    expect(onlyError(bad)).toMatchObject({ node: 'b', param: 'radius' });
  });

  it('reports all problems at once, not only the first', () => {
    const doc = {
      format: 'luckygraph/0',
      nodes: {
        s: { type: 'TestSource', params: { count: 0, nois: 1 } },
        r: { type: 'TestRank', inputs: { frames: 'x.frames' }, params: { method: 'Canny' } },
        m: { type: 'TestMean', params: { crop: [1] } },
        z: { type: 'Zzz' },
        'bad.id': { type: 'TestSource' },
      },
    };
    const errs = errorsOf(doc);
    const keys = errs.map((e) => [e.node ?? '-', e.port ?? e.param ?? '-']);
    expect(keys).toEqual([
      ['-', '-'],
      ['s', 'count'],
      ['s', 'nois'],
      ['r', 'method'],
      ['m', 'crop'],
      ['z', '-'],
      ['bad.id', '-'],
      ['r', 'frames'],
      ['m', 'frames'],
    ]);
    expect(hasErrors(errs)).toBe(true);
    expect(() => assertValid(doc as GraphDoc, registry)).toThrow(/node 's' param 'count'[\s\S]*node 'm' port 'frames'/);
  });

  it('warns about layout entries of missing nodes and likely misspelt node keys', () => {
    const issues = validateGraph(graph({ s: { type: 'TestSource', param: { count: 2 } } }, { layout: { s: [0, 0], gone: [1, 2] } }), registry);
    expect(issues.map((i) => i.severity)).toEqual(['warning', 'warning']);
    expect(issues[0].message).toBe("node 's': unknown key 'param' is kept but ignored (did you mean 'params'?)");
    expect(issues[1].message).toContain("layout: entry 'gone' names no node");
  });

  it('formats issues with file:line:col when the document came from YAML', () => {
    const text = SAMPLE_YAML.replace('method: Sobel', 'method: Lapl');
    const doc = parseGraphYaml(text, 'w.yaml');
    const issues = validateGraph(doc, registry);
    expect(formatIssues(issues, doc)).toEqual(["w.yaml:12:15: node 'rank' param 'method': expected one of Laplace, Sobel; found 'Lapl'"]);
    expect(formatIssues([{ severity: 'warning', message: 'x' }])).toEqual(['warning: x']);
  });
});
