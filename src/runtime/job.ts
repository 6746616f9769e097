/**
 * A job: one graph run on one input, with the CLI's overrides applied to the document
 * (--input → Source.path, --out → Save.path, --set node.param=value) and the services nodes need
 * (template variables for output names, the input paths never to overwrite, provenance).
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { produce } from 'immer';
import type { GraphDoc } from '../graph/types.js';
import { GraphError } from '../graph/types.js';
import type { NodeRegistry } from '../graph/registry.js';
import { parseParamValue } from '../graph/params.js';
import { stringifyGraph } from '../graph/yaml.js';
import { VERSION } from '../version.js';

export interface JobOverrides {
  input?: string;
  out?: string;
  sets?: string[];
}

export function nodesOfType(doc: GraphDoc, type: string): string[] {
  return Object.entries(doc.nodes).filter(([, n]) => n.type === type).map(([id]) => id);
}

export function applyOverrides(doc: GraphDoc, registry: NodeRegistry, o: JobOverrides): GraphDoc {
  return produce(doc, (d) => {
    if (o.input !== undefined) {
      const sources = nodesOfType(d as GraphDoc, 'Source');
      if (sources.length === 0) throw new GraphError('--input given but the graph has no Source node');
      for (const id of sources) d.nodes[id].params = { ...(d.nodes[id].params ?? {}), path: o.input };
    }
    if (o.out !== undefined) {
      const saves = nodesOfType(d as GraphDoc, 'Save');
      if (saves.length === 0) throw new GraphError('--out given but the graph has no Save node');
      for (const id of saves) d.nodes[id].params = { ...(d.nodes[id].params ?? {}), path: o.out };
    }
    for (const s of o.sets ?? []) {
      const m = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(s);
      if (!m) throw new GraphError(`--set '${s}': expected NODE.PARAM=VALUE`);
      const [, node, param, text] = m;
      const n = d.nodes[node];
      if (!n) throw new GraphError(`--set '${s}': no node '${node}' in the graph (nodes: ${Object.keys(d.nodes).join(', ')})`);
      const def = registry.get(n.type);
      const spec = def?.params[param];
      if (!spec) throw new GraphError(`--set '${s}': node '${node}' (${n.type}) has no parameter '${param}'${def ? ` (parameters: ${Object.keys(def.params).join(', ')})` : ''}`);
      n.params = { ...(n.params ?? {}), [param]: parseParamValue(spec, text) };
    }
  });
}

/** Services for nodes: output-name variables, input paths (never overwritten), provenance. */
export function jobServices(doc: GraphDoc): Record<string, unknown> {
  const inputs = nodesOfType(doc, 'Source').map((id) => String(doc.nodes[id].params?.path ?? '')).filter(Boolean);
  const first = inputs[0] ?? '';
  const abs = first ? resolve(first) : '';
  const stem = first ? basename(abs, extname(abs)) : 'result';
  return {
    vars: { input_dir: first ? dirname(abs) : process.cwd(), input_stem: stem, input_name: first ? basename(abs) : '' },
    inputPaths: inputs.map((p) => resolve(p)),
    provenance: { Software: `luckygraph ${VERSION}`, 'luckygraph:graph': stringifyGraph(doc) },
  };
}
