/** Edges, topological order, cycles and reachability of a graph document. */
import { GraphError, type Edge, type GraphDoc } from './types.ts';
import { isRecord, parseRef } from './util.ts';

function nodeIds(doc: GraphDoc): string[] {
  return isRecord(doc.nodes) ? Object.keys(doc.nodes) : [];
}

/**
 * All edges given by `inputs` whose reference is well formed ("node.port") and whose source node exists,
 * in document order (target node, then its input order). Port existence is checked by validateGraph, not here.
 */
export function edgesOf(doc: GraphDoc): Edge[] {
  const edges: Edge[] = [];
  if (!isRecord(doc.nodes)) return edges;
  for (const [id, node] of Object.entries(doc.nodes)) {
    if (!isRecord(node) || !isRecord(node.inputs)) continue;
    for (const [port, ref] of Object.entries(node.inputs)) {
      const from = parseRef(ref);
      if (!from || !Object.prototype.hasOwnProperty.call(doc.nodes, from.node)) continue;
      edges.push({ from, to: { node: id, port } });
    }
  }
  return edges;
}

/** Direct predecessors/successors per node (unique, document order of edges). */
export function adjacency(doc: GraphDoc): { preds: Map<string, string[]>; succs: Map<string, string[]> } {
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const id of nodeIds(doc)) {
    preds.set(id, []);
    succs.set(id, []);
  }
  for (const e of edgesOf(doc)) {
    const p = preds.get(e.to.node)!;
    if (!p.includes(e.from.node)) p.push(e.from.node);
    const s = succs.get(e.from.node)!;
    if (!s.includes(e.to.node)) s.push(e.to.node);
  }
  return { preds, succs };
}

/**
 * One cycle per strongly connected component that has one, each as a node path [a, b, c] meaning a → b → c → a
 * (a self-loop is [a]). Empty when the graph is acyclic.
 */
export function findCycles(doc: GraphDoc): string[][] {
  const { succs } = adjacency(doc);
  const ids = nodeIds(doc);
  // Tarjan's SCC (iterative).
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const next = succs.get(frame.v)!;
      if (frame.i < next.length) {
        const w = next[frame.i++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        }
      } else {
        work.pop();
        if (work.length) {
          const parent = work[work.length - 1].v;
          low.set(parent, Math.min(low.get(parent)!, low.get(frame.v)!));
        }
        if (low.get(frame.v) === index.get(frame.v)) {
          const comp: string[] = [];
          let w: string;
          do {
            w = stack.pop()!;
            onStack.delete(w);
            comp.push(w);
          } while (w !== frame.v);
          sccs.push(comp);
        }
      }
    }
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  const cycles: string[][] = [];
  for (const comp of sccs) {
    const members = new Set(comp);
    const start = comp.slice().sort((a, b) => order.get(a)! - order.get(b)!)[0];
    if (comp.length === 1 && !succs.get(start)!.includes(start)) continue;
    cycles.push(cycleThrough(start, members, succs));
  }
  cycles.sort((a, b) => order.get(a[0])! - order.get(b[0])!);
  return cycles;
}

/** A simple cycle starting and ending at `start` inside one strongly connected component (BFS: shortest). */
function cycleThrough(start: string, members: Set<string>, succs: Map<string, string[]>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of succs.get(v)!) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        let u = v;
        while (u !== start) {
          u = prev.get(u)!;
          path.push(u);
        }
        path.reverse();
        return path;
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

/** "a → b → a" */
export function formatCycle(cycle: string[]): string {
  return [...cycle, cycle[0]].join(' → ');
}

/** Node ids so that every node comes after all its inputs; ties keep document order. Throws a GraphError on a cycle. */
export function topologicalOrder(doc: GraphDoc): string[] {
  const ids = nodeIds(doc);
  const { preds, succs } = adjacency(doc);
  const pos = new Map(ids.map((id, i) => [id, i]));
  const remaining = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const ready = ids.filter((id) => remaining.get(id) === 0);
  const out: string[] = [];
  while (ready.length) {
    ready.sort((a, b) => pos.get(a)! - pos.get(b)!);
    const v = ready.shift()!;
    out.push(v);
    for (const w of succs.get(v)!) {
      const n = remaining.get(w)! - 1;
      remaining.set(w, n);
      if (n === 0) ready.push(w);
    }
  }
  if (out.length !== ids.length) {
    const cycles = findCycles(doc);
    throw new GraphError(`the graph has a cycle: ${cycles.map(formatCycle).join('; ')}`, cycles.map((c) => ({
      severity: 'error' as const,
      node: c[0],
      message: `cycle: ${formatCycle(c)}`,
    })));
  }
  return out;
}

function reach(doc: GraphDoc, nodeId: string, dir: 'preds' | 'succs'): string[] {
  const adj = adjacency(doc)[dir];
  if (!adj.has(nodeId)) throw new GraphError(`unknown node '${nodeId}'`);
  const seen = new Set<string>();
  const stack = [nodeId];
  while (stack.length) {
    for (const w of adj.get(stack.pop()!)!) {
      if (w !== nodeId && !seen.has(w)) {
        seen.add(w);
        stack.push(w);
      }
    }
  }
  return nodeIds(doc).filter((id) => seen.has(id));
}

/** All nodes `nodeId` depends on, transitively (not itself), in document order. */
export function upstreamOf(doc: GraphDoc, nodeId: string): string[] {
  return reach(doc, nodeId, 'preds');
}

/** All nodes that depend on `nodeId`, transitively (not itself), in document order. */
export function downstreamOf(doc: GraphDoc, nodeId: string): string[] {
  return reach(doc, nodeId, 'succs');
}
