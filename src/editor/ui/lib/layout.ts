/**
 * Automatic layered layout for documents without positions: columns by longest path from the
 * sources, rows ordered by the mean row of each node's predecessors (barycentre), columns centred.
 */
import type { NodeCatalogueEntry } from '../../../graph/registry.ts';
import type { GraphDoc } from '../../../graph/types.ts';
import { parseRef } from '../../../graph/util.ts';

export const NODE_WIDTH = 220;
const COLUMN_GAP = 70;
const ROW_GAP = 36;

/** Height the node component will roughly have (ports, status line, thumbnail). */
export function estimateNodeHeight(entry: NodeCatalogueEntry | undefined): number {
  if (!entry) return 90;
  const ports = Object.keys(entry.inputs).length + Object.keys(entry.outputs).length;
  const thumb = Object.values(entry.outputs).some((p) => p.type === 'image' || p.type === 'frames') ? 130 : 0;
  return 70 + ports * 22 + thumb;
}

export function autoLayout(doc: GraphDoc, catalogue: Map<string, NodeCatalogueEntry>): Record<string, [number, number]> {
  const ids = Object.keys(doc.nodes);
  const preds = new Map<string, string[]>();
  for (const id of ids) {
    const ps: string[] = [];
    for (const ref of Object.values(doc.nodes[id].inputs ?? {})) {
      const r = parseRef(ref);
      if (r && r.node in doc.nodes && !ps.includes(r.node)) ps.push(r.node);
    }
    preds.set(id, ps);
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle: validation reports it
    visiting.add(id);
    const d = Math.max(-1, ...preds.get(id)!.map(depthOf)) + 1;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const columns: string[][] = [];
  for (const id of ids) (columns[depthOf(id)] ??= []).push(id);
  const row = new Map<string, number>();
  const out: Record<string, [number, number]> = {};
  columns.forEach((col, c) => {
    if (!col) return;
    if (c > 0) {
      const bary = (id: string) => {
        const ps = preds.get(id)!.filter((p) => row.has(p));
        return ps.length ? ps.reduce((s, p) => s + row.get(p)!, 0) / ps.length : Infinity;
      };
      col.sort((a, b) => bary(a) - bary(b));
    }
    const heights = col.map((id) => estimateNodeHeight(catalogue.get(doc.nodes[id].type)));
    const total = heights.reduce((s, h) => s + h, 0) + ROW_GAP * (col.length - 1);
    let y = -total / 2;
    col.forEach((id, i) => {
      row.set(id, y + heights[i] / 2);
      out[id] = [c * (NODE_WIDTH + COLUMN_GAP), Math.round(y)];
      y += heights[i] + ROW_GAP;
    });
  });
  return out;
}

/** Positions for nodes the document has none for (all of them when the layout is empty). */
export function missingPositions(doc: GraphDoc, catalogue: Map<string, NodeCatalogueEntry>): Record<string, [number, number]> {
  const layout = doc.layout ?? {};
  const missing = Object.keys(doc.nodes).filter((id) => !Array.isArray(layout[id]));
  if (!missing.length) return {};
  const all = autoLayout(doc, catalogue);
  const placedCount = Object.keys(doc.nodes).length - missing.length;
  if (placedCount === 0) return all;
  // Some nodes have positions: put the new ones below everything, in layered order.
  const maxY = Math.max(...Object.keys(doc.nodes).filter((id) => Array.isArray(layout[id])).map((id) => layout[id][1]));
  const minY = Math.min(...missing.map((id) => all[id][1]));
  const out: Record<string, [number, number]> = {};
  for (const id of missing) out[id] = [all[id][0], all[id][1] - minY + maxY + 260];
  return out;
}
