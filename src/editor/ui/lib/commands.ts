/** Editor-level commands composed from the graph model's commands (one undo step each). */
import { addNode, moveNode, type Command, type Patch } from '../../../graph/edit.ts';
import type { GraphDoc } from '../../../graph/types.ts';
import { isValidId } from '../../../graph/util.ts';

/** Applies commands in order as one edit: patches concatenated, inverse patches in reverse order. */
export function sequence(commands: Command[]): Command {
  return (doc) => {
    let cur = doc;
    const patches: Patch[] = [];
    let inverse: Patch[] = [];
    for (const c of commands) {
      const r = c(cur);
      if (!r.ok) return r;
      cur = r.doc;
      patches.push(...r.patches);
      inverse = [...r.inverse, ...inverse];
    }
    return { ok: true, doc: cur, patches, inverse };
  };
}

/** Moves several nodes in one step (after a multi-node drag, or auto-arrange). */
export function moveNodes(positions: Record<string, [number, number]>): Command {
  return sequence(Object.entries(positions).map(([id, p]) => (d: GraphDoc) => moveNode(d, id, p)));
}

/** A fresh node id derived from the type: "apgrid", then "apgrid_2", … */
export function freshId(doc: GraphDoc, type: string): string {
  let base = type.replace(/[^A-Za-z0-9_-]/g, '').toLowerCase() || 'node';
  if (!isValidId(base)) base = `n_${base}`;
  if (!(base in doc.nodes)) return base;
  for (let i = 2; ; i++) if (!(`${base}_${i}` in doc.nodes)) return `${base}_${i}`;
}

export function addNodeCommand(id: string, type: string, version: number, position: [number, number]): Command {
  return (d) => addNode(d, id, type, undefined, position, version);
}
