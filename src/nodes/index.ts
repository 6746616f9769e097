/** The node catalogue: every node type luckygraph knows. */
import type { NodeDefinition } from '../graph/types.js';
import { NodeRegistry } from '../graph/registry.js';
import { sourceNode } from './source.js';
import { rankNode } from './rank.js';
import { patchSelectNode } from './patch-select.js';
import { alignNode } from './align.js';
import { meanNode } from './mean.js';
import { apGridNode } from './apgrid.js';
import { localRankNode } from './local-rank.js';
import { shiftNode } from './shift.js';
import { stackNode } from './stack.js';
import { blendNode } from './blend.js';
import { sharpenNode } from './sharpen.js';
import { saveNode } from './save.js';

export const ALL_NODES: NodeDefinition[] = [
  sourceNode, rankNode, patchSelectNode, alignNode, meanNode, apGridNode, localRankNode,
  shiftNode, stackNode, blendNode, sharpenNode, saveNode,
] as unknown as NodeDefinition[];

export function createRegistry(): NodeRegistry {
  return new NodeRegistry(ALL_NODES);
}
