/** Upgrades nodes saved with an older node-definition version by applying the definition's migrations in sequence. */
import type { NodeRegistry } from './registry.ts';
import { GraphError, type GraphDoc, type NodeDefinition, type NodeDoc } from './types.ts';
import { isRecord } from './util.ts';

export interface AppliedMigration {
  node: string;
  type: string;
  from: number;
  to: number;
}

/**
 * Params of version `fromVersion` brought to `def.version` (applies migrate[from], migrate[from+1], …).
 * Throws a GraphError naming the step when a migration is missing or fails. Does not mutate `params`.
 */
export function migrateParams(
  def: NodeDefinition,
  params: Record<string, unknown> | undefined,
  fromVersion: number,
  nodeId?: string,
): Record<string, unknown> {
  const who = nodeId !== undefined ? `node '${nodeId}' (${def.type})` : def.type;
  let p: Record<string, unknown> = structuredClone(params ?? {});
  for (let v = fromVersion; v < def.version; v++) {
    const step = def.migrate?.[v];
    if (!step) throw new GraphError(`${who}: no migration from version ${v} to ${v + 1}`);
    let next: unknown;
    try {
      next = step(p);
    } catch (e) {
      throw new GraphError(`${who}: migration from version ${v} to ${v + 1} failed: ${(e as Error).message}`);
    }
    if (!isRecord(next)) throw new GraphError(`${who}: migration from version ${v} to ${v + 1} did not return a params mapping`);
    p = next;
  }
  return p;
}

/**
 * Upgrades every node whose `version` is below its definition's version. A missing version means current;
 * unknown types and versions newer than the registry are left alone (validateGraph reports them).
 * Returns the input document itself when nothing needed migrating, otherwise a new (deep-copied) document
 * whose migrated nodes carry the current version. Throws a GraphError when a migration is missing or fails.
 */
export function migrateGraph(doc: GraphDoc, registry: NodeRegistry): { doc: GraphDoc; applied: AppliedMigration[] } {
  const applied: AppliedMigration[] = [];
  if (!isRecord(doc.nodes)) return { doc, applied };
  const updates = new Map<string, NodeDoc>();
  for (const [id, node] of Object.entries(doc.nodes)) {
    if (!isRecord(node) || typeof node.type !== 'string') continue;
    const def = registry.get(node.type);
    const v = node.version;
    if (!def || v === undefined || typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v >= def.version) continue;
    const params = migrateParams(def, isRecord(node.params) ? node.params : {}, v, id);
    for (let s = v; s < def.version; s++) applied.push({ node: id, type: node.type, from: s, to: s + 1 });
    updates.set(id, { ...structuredClone(node), version: def.version, params });
  }
  if (!updates.size) return { doc, applied };
  const out = structuredClone(doc) as GraphDoc;
  for (const [id, node] of updates) out.nodes[id] = node;
  return { doc: out, applied };
}
