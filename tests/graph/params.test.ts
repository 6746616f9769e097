import { describe, expect, it } from 'vitest';
import { canonicalParams, parseParamValue, resolveParams } from '../../src/graph/params.ts';
import { GraphError, type ParamSpec } from '../../src/graph/types.ts';
import { TestMean, TestRank, TestSource } from './fixtures.ts';

describe('resolveParams', () => {
  it('fills defaults for missing params', () => {
    const r = resolveParams(TestSource, { count: 3 });
    expect(r.issues).toEqual([]);
    expect(r.values).toEqual({ count: 3, noise: 0, path: '' });
    expect(resolveParams(TestSource, undefined).values).toEqual({ count: 5, noise: 0, path: '' });
  });

  it('requires integers for int params and numbers (not strings) for numbers', () => {
    const r = resolveParams(TestSource, { count: 2.5, noise: '7' }, 'src');
    expect(r.issues.map((i) => [i.severity, i.node, i.param, i.message])).toEqual([
      ['error', 'src', 'count', "node 'src' param 'count': expected an integer in 1..10 frames; found non-integer 2.5"],
      ['error', 'src', 'noise', "node 'src' param 'noise': expected a number in 0..100 DN; found string '7'"],
    ]);
    // invalid values keep their default
    expect(r.values.count).toBe(5);
    expect(r.values.noise).toBe(0);
  });

  it('coerces YAML numbers given for string/path params with a warning', () => {
    const r = resolveParams(TestSource, { path: 2024 });
    expect(r.values.path).toBe('2024');
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].severity).toBe('warning');
    expect(r.issues[0].message).toContain('quote it');
  });

  it('checks intlists (length, integer items, minimum); empty means unset', () => {
    expect(resolveParams(TestMean, { crop: [] }).issues).toEqual([]);
    expect(resolveParams(TestMean, { crop: [0, 1, 2, 3] }).values.crop).toEqual([0, 1, 2, 3]);
    const [len] = resolveParams(TestMean, { crop: [1, 2] }, 'm').issues;
    expect(len.message).toBe("node 'm' param 'crop': expected a list of 4 integers >= 0 px or an empty list; found 2 items [1,2]");
    expect(resolveParams(TestMean, { crop: [1, 2, -3, 4] }).issues[0].message).toContain('found item 2 = -3');
    expect(resolveParams(TestMean, { crop: [1, 'a', 3, 4] }).issues[0].message).toContain("found item 1 = string 'a'");
  });

  it('runs cross-parameter checks only when the params are otherwise valid', () => {
    const def = { ...TestSource, check: (p: Record<string, unknown>) => ((p.count as number) > 8 ? ['count must be <= 8 with noise'] : []) };
    expect(resolveParams(def, { count: 9 }, 'n').issues).toEqual([
      { severity: 'error', node: 'n', message: "node 'n': count must be <= 8 with noise" },
    ]);
    expect(resolveParams(def, { count: 9, noise: -1 }).issues.map((i) => i.param)).toEqual(['noise']);
  });
});

describe('parseParamValue', () => {
  const spec = (s: Partial<ParamSpec> & Pick<ParamSpec, 'kind'>) => ({ default: 0, doc: '', ...s }) as ParamSpec;
  it('parses each kind from CLI text', () => {
    expect(parseParamValue(TestSource.params.count, '7')).toBe(7);
    expect(parseParamValue(TestSource.params.noise, '2.5')).toBe(2.5);
    expect(parseParamValue(TestSource.params.noise, '-1e-3')).toBe(-0.001);
    expect(parseParamValue(spec({ kind: 'bool' }), 'yes')).toBe(true);
    expect(parseParamValue(spec({ kind: 'bool' }), 'False')).toBe(false);
    expect(parseParamValue(TestRank.params.method, 'sobel')).toBe('Sobel');
    expect(parseParamValue(TestRank.params.method, 'Lapl')).toBe('Lapl'); // left for validation to report
    expect(parseParamValue(TestSource.params.path, ' a b ')).toBe(' a b ');
    expect(parseParamValue(TestMean.params.crop, '1,2, 3 4')).toEqual([1, 2, 3, 4]);
    expect(parseParamValue(TestMean.params.crop, '[5, 6]')).toEqual([5, 6]);
    expect(parseParamValue(TestMean.params.crop, '')).toEqual([]);
  });

  it('throws a GraphError saying what was expected', () => {
    expect(() => parseParamValue(TestSource.params.count, '7.5')).toThrow(GraphError);
    expect(() => parseParamValue(TestSource.params.count, '7.5')).toThrow("expected an integer in 1..10 frames; found '7.5'");
    expect(() => parseParamValue(TestSource.params.noise, 'abc')).toThrow('expected a number in 0..100 DN');
    expect(() => parseParamValue(spec({ kind: 'bool' }), 'maybe')).toThrow('expected true or false');
    expect(() => parseParamValue(TestMean.params.crop, '1,x')).toThrow('expected a list of 4 integers');
  });
});

describe('canonicalParams', () => {
  it('is the key-sorted, fully defaulted JSON regardless of order or explicit defaults', () => {
    const a = canonicalParams(TestSource, { noise: 1, count: 5 });
    const b = canonicalParams(TestSource, { count: 5, noise: 1, path: '' });
    const c = canonicalParams(TestSource, { noise: 1 });
    expect(a).toBe('{"count":5,"noise":1,"path":""}');
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(canonicalParams(TestSource, { noise: 2 })).not.toBe(a);
  });

  it('fails closed on invalid params', () => {
    expect(() => canonicalParams(TestSource, { count: 99 })).toThrow(GraphError);
  });
});
