/**
 * Content signatures of nodes: sig = H(type, version, canonical params, input-file fingerprints,
 * upstream signatures by input name). A node whose signature is unchanged is served from the cache;
 * going back to an earlier parameter value is a cache hit. The parts are kept so the runtime can say
 * why a node ran.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GraphDoc, NodeDefinition } from '../graph/types.js';
import type { NodeRegistry } from '../graph/registry.js';
import { resolveParams } from '../graph/params.js';
import { topologicalOrder } from '../graph/topology.js';
import { parseRef } from '../graph/util.js';

export interface SignatureParts {
  type: string;
  version: number;
  params: Record<string, unknown>;
  files: Record<string, string>;
  inputs: Record<string, string>;
}

export interface NodeSignature {
  sig: string;
  parts: SignatureParts;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** "path|size|mtime" of an input file or folder (a folder lists its entries' sizes and mtimes). */
export function fingerprintPath(path: string): string {
  try {
    const p = resolve(path);
    const st = statSync(p);
    return `${p}|${st.size}|${st.mtimeMs}`;
  } catch {
    return `${path}|missing`;
  }
}

export function computeSignatures(doc: GraphDoc, registry: NodeRegistry, resolvedParams: Map<string, Record<string, unknown>>): Map<string, NodeSignature> {
  const out = new Map<string, NodeSignature>();
  for (const id of topologicalOrder(doc)) {
    const node = doc.nodes[id];
    const def = registry.get(node.type) as NodeDefinition;
    const params = resolvedParams.get(id) ?? resolveParams(def, node.params, id).values;
    const files: Record<string, string> = {};
    for (const [name, spec] of Object.entries(def.params)) {
      if (spec.kind === 'path' && spec.role === 'input' && typeof params[name] === 'string' && params[name]) {
        files[name] = fingerprintPath(params[name] as string);
      }
    }
    const inputs: Record<string, string> = {};
    for (const [port, ref] of Object.entries(node.inputs ?? {})) {
      const r = parseRef(ref);
      if (r) inputs[port] = `${out.get(r.node)?.sig ?? '?'}.${r.port}`;
    }
    const parts: SignatureParts = { type: def.type, version: def.version, params, files, inputs };
    const sig = createHash('sha256').update(stable(parts)).digest('hex').slice(0, 32);
    out.set(id, { sig, parts });
  }
  return out;
}

/** Why a node runs, comparing with the parts of its last run (null = never ran). */
export function explainRun(id: string, now: SignatureParts, before: SignatureParts | null | undefined, upstreamIds: Record<string, string>): string {
  if (!before) return 'not in the cache';
  const reasons: string[] = [];
  if (before.type !== now.type || before.version !== now.version) reasons.push(`node type/version changed`);
  const keys = new Set([...Object.keys(before.params), ...Object.keys(now.params)]);
  for (const k of keys) {
    const a = stable(before.params[k]), b = stable(now.params[k]);
    if (a !== b) reasons.push(`${id}.${k} changed ${a} → ${b}`);
  }
  for (const k of Object.keys(now.files)) if (before.files[k] !== now.files[k]) reasons.push(`input file of ${id}.${k} changed`);
  for (const k of new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])) {
    if (before.inputs[k] !== now.inputs[k]) reasons.push(`input ${k} (from ${upstreamIds[k] ?? '?'}) changed`);
  }
  return reasons.length ? reasons.join('; ') : 'result was evicted from the cache';
}
