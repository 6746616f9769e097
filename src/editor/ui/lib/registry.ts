/**
 * A NodeRegistry rebuilt in the browser from the server's catalogue, so the editor can use the graph
 * model's own checks (connectionProblem) without the node implementations (which run on the server).
 */
import { NodeRegistry, type Catalogue, type NodeCatalogueEntry, type ParamCatalogueEntry } from '../../../graph/registry.ts';
import type { NodeDefinition, ParamSpec } from '../../../graph/types.ts';

function specOf(p: ParamCatalogueEntry): ParamSpec {
  const base = { default: p.default, doc: p.doc, ...(p.unit !== undefined ? { unit: p.unit } : {}) };
  switch (p.kind) {
    case 'int':
    case 'float':
      return { ...base, kind: p.kind, min: p.min ?? -Infinity, max: p.max ?? Infinity, ...(p.step !== undefined ? { step: p.step } : {}) } as ParamSpec;
    case 'choice':
      return { ...base, kind: 'choice', choices: p.choices ?? [] } as ParamSpec;
    case 'path':
      return { ...base, kind: 'path', mustExist: !!p.mustExist, role: p.role ?? 'input' } as ParamSpec;
    case 'intlist':
      return { ...base, kind: 'intlist', ...(p.length !== undefined ? { length: p.length } : {}), ...(p.min !== undefined ? { min: p.min } : {}) } as ParamSpec;
    default:
      return { ...base, kind: p.kind } as ParamSpec;
  }
}

export function definitionOf(e: NodeCatalogueEntry): NodeDefinition {
  const params: Record<string, ParamSpec> = {};
  for (const [k, p] of Object.entries(e.params)) params[k] = specOf(p);
  return {
    type: e.type,
    version: e.version,
    category: e.category,
    doc: e.doc,
    inputs: e.inputs,
    outputs: e.outputs,
    params,
    ...(e.sideEffect ? { sideEffect: true } : {}),
    run: async () => {
      throw new Error('nodes run on the server');
    },
  };
}

export function registryFromCatalogue(cat: Catalogue): NodeRegistry {
  const r = new NodeRegistry();
  for (const e of cat.nodes) {
    try {
      r.register(definitionOf(e));
    } catch (err) {
      console.warn(`catalogue entry ${e.type} not usable in the browser:`, err);
    }
  }
  return r;
}
