/** Test-only node definitions (never registered by the application). */
import { NodeRegistry } from '../../src/graph/registry.ts';
import type { NodeDefinition } from '../../src/graph/types.ts';

const run = async () => ({});

export const TestSource: NodeDefinition = {
  type: 'TestSource',
  version: 1,
  category: 'test',
  doc: 'Synthetic frames',
  inputs: {},
  outputs: { frames: { type: 'frames', doc: 'the frames' } },
  params: {
    count: { kind: 'int', min: 1, max: 10, default: 5, unit: 'frames', doc: 'number of frames' },
    noise: { kind: 'float', min: 0, max: 100, default: 0, unit: 'DN', doc: 'noise sigma' },
    path: { kind: 'path', mustExist: false, role: 'input', default: '', doc: 'optional input file' },
  },
  run,
};

export const TestRank: NodeDefinition = {
  type: 'TestRank',
  version: 1,
  category: 'test',
  doc: 'Ranks frames',
  inputs: { frames: { type: 'frames', doc: 'frames to rank' } },
  outputs: { ranking: { type: 'ranking', doc: 'the ranking' } },
  params: { method: { kind: 'choice', choices: ['Laplace', 'Sobel'], default: 'Laplace', doc: 'sharpness measure' } },
  run,
};

export const TestMean: NodeDefinition = {
  type: 'TestMean',
  version: 1,
  category: 'test',
  doc: 'Mean of frames',
  inputs: {
    frames: { type: 'frames', doc: 'frames' },
    ranking: { type: 'ranking', doc: 'optional ranking', optional: true },
  },
  outputs: { image: { type: 'image', doc: 'the mean' } },
  params: {
    crop: { kind: 'intlist', length: 4, min: 0, default: [], unit: 'px', doc: 'rectangle [y0, y1, x0, x1]' },
    normalize: { kind: 'bool', default: false, doc: 'scale to 16 bit' },
    label: { kind: 'string', default: '', doc: 'free text' },
  },
  run,
};

export const TestBlur: NodeDefinition = {
  type: 'TestBlur',
  version: 2,
  category: 'test',
  doc: 'Gaussian blur',
  inputs: { image: { type: 'image', doc: 'input' } },
  outputs: { image: { type: 'image', doc: 'blurred' } },
  params: { radius: { kind: 'float', min: 0.5, max: 5, default: 1, unit: 'px', doc: 'blur radius' } },
  migrate: {
    1: (p) => {
      const { sigma, ...rest } = p;
      return sigma === undefined ? rest : { ...rest, radius: sigma };
    },
  },
  run,
};

export const TestCombine: NodeDefinition = {
  type: 'TestCombine',
  version: 1,
  category: 'test',
  doc: 'Adds two images',
  inputs: { a: { type: 'image', doc: 'first' }, b: { type: 'image', doc: 'second' } },
  outputs: { image: { type: 'image', doc: 'sum' } },
  params: {},
  check: (p) => (Object.keys(p).length ? ['unexpected'] : []),
  run,
};

export const TestSave: NodeDefinition = {
  type: 'TestSave',
  version: 1,
  category: 'test',
  doc: 'Writes an image',
  sideEffect: true,
  inputs: { image: { type: 'image', doc: 'image to save' } },
  outputs: { file: { type: 'file', doc: 'written path' } },
  params: { path: { kind: 'path', mustExist: false, role: 'output', default: 'out.png', doc: 'output file' } },
  run,
};

export function testRegistry(): NodeRegistry {
  return new NodeRegistry([TestSource, TestRank, TestMean, TestBlur, TestCombine, TestSave]);
}

export const SAMPLE_YAML = `format: luckygraph/1
name: Test workflow
description: A small graph for tests
nodes:
  source:
    type: TestSource
    version: 1
    params: { count: 7, noise: 2.5 }
  rank:
    type: TestRank
    inputs: { frames: source.frames }
    params: { method: Sobel }
  mean:
    type: TestMean
    inputs: { frames: source.frames, ranking: rank.ranking }
  save:
    type: TestSave
    inputs: { image: mean.image }
    params: { path: out/result.png }
layout:
  source: [0, 0]
  rank: [240, 0]
  mean: [480, 0]
  save: [720, 0]
`;
