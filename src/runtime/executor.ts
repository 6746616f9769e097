/**
 * Runs a graph: validation, memory forecast and buffering level, signatures, then lazy pull
 * evaluation of the requested nodes. A node whose signature is in the cache is not run; a node runs
 * only when a requested result needs it. Nodes run one at a time (parallelism lives inside nodes).
 */
import { statSync } from 'node:fs';
import type { GraphDoc, NodeDefinition, RunContext, FrameGeometry } from '../graph/types.js';
import { GraphError } from '../graph/types.js';
import type { NodeRegistry } from '../graph/registry.js';
import { resolveParams } from '../graph/params.js';
import { validateGraph, formatIssues } from '../graph/validate.js';
import { topologicalOrder, upstreamOf } from '../graph/topology.js';
import { parseRef } from '../graph/util.js';
import { computeSignatures, explainRun, type NodeSignature } from './signature.js';
import { ResultCache, type Outputs } from './result-cache.js';
import { chooseLevel, type LevelChoice } from './memory.js';
import type { BufferingLevel } from './frame-store.js';
import { CancelledError, NodeRunError, type EventSink, type RuntimeEvent } from './events.js';

export type NodeStatus = 'ran' | 'cached' | 'error' | 'not-run';

export interface NodeReport {
  id: string;
  type: string;
  status: NodeStatus;
  ms: number;
  reason?: string;
  error?: string;
}

export interface RunReport {
  ok: boolean;
  level: BufferingLevel;
  memory: LevelChoice;
  nodes: NodeReport[];
  /** Files written by side-effect nodes. */
  outputs: string[];
  ms: number;
  /** Results of the requested nodes. */
  results: Map<string, Outputs>;
  error?: Error;
}

export interface RunOptions {
  registry: NodeRegistry;
  cache: ResultCache;
  buffering?: 'auto' | BufferingLevel;
  /** Nodes whose outputs are wanted; default every node nobody consumes (the sinks). */
  targets?: string[];
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** Extra services passed to nodes (e.g. template variables). */
  services?: Record<string, unknown>;
  /** Memory available for the forecast (bytes); default MemAvailable. */
  availableBytes?: number;
}

/** Port types whose values cannot be stored on disk (live handles). */
const TRANSIENT_PORTS = new Set(['frames']);

/** True when a node's outputs are live handles (frame sets) that cannot be persisted. */
export function hasTransientOutputs(def: NodeDefinition): boolean {
  return Object.values(def.outputs).some((p) => TRANSIENT_PORTS.has(p.type));
}

/**
 * The cache key of every node: its signature, plus the buffering level for transient outputs
 * (a frame set holds per-frame products according to its level).
 */
export function cacheKeys(doc: GraphDoc, registry: NodeRegistry, sigs: Map<string, NodeSignature>, level: number): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [id, node] of Object.entries(doc.nodes)) {
    const def = registry.get(node.type) as NodeDefinition | undefined;
    const s = sigs.get(id);
    if (!def || !s) continue;
    keys.set(id, hasTransientOutputs(def) ? `${s.sig}-L${level}` : s.sig);
  }
  return keys;
}

export function sinksOf(doc: GraphDoc): string[] {
  const consumed = new Set<string>();
  for (const n of Object.values(doc.nodes)) for (const ref of Object.values(n.inputs ?? {})) { const r = parseRef(ref); if (r) consumed.add(r.node); }
  return Object.keys(doc.nodes).filter((id) => !consumed.has(id));
}

/** Resolved parameters of every node; throws a GraphError listing every validation error. */
export function checkedParams(doc: GraphDoc, registry: NodeRegistry): Map<string, Record<string, unknown>> {
  const issues = validateGraph(doc, registry).filter((i) => i.severity === 'error');
  if (issues.length) throw new GraphError(`invalid graph:\n${formatIssues(issues, doc).join("\n")}`, issues);
  const out = new Map<string, Record<string, unknown>>();
  for (const [id, node] of Object.entries(doc.nodes)) out.set(id, resolveParams(registry.get(node.type)!, node.params, id).values);
  return out;
}

/** Frame geometry of every frame-reading node (no frames are read). */
export async function frameGeometries(
  doc: GraphDoc, registry: NodeRegistry, params: Map<string, Record<string, unknown>>, forRun = false,
): Promise<Map<string, FrameGeometry>> {
  const out = new Map<string, FrameGeometry>();
  for (const [id, node] of Object.entries(doc.nodes)) {
    const def = registry.get(node.type) as NodeDefinition;
    if (def.frameGeometry) out.set(id, await def.frameGeometry(params.get(id) as never, { forRun }));
  }
  return out;
}

export async function forecast(doc: GraphDoc, registry: NodeRegistry, params: Map<string, Record<string, unknown>>, requested: 'auto' | BufferingLevel, available?: number): Promise<LevelChoice> {
  return chooseLevel([...(await frameGeometries(doc, registry, params)).values()], requested, available);
}

/** Runs every node's preflight check against the geometry of the frames upstream of it; throws listing all problems. */
export function preflight(doc: GraphDoc, registry: NodeRegistry, params: Map<string, Record<string, unknown>>, geoms: Map<string, FrameGeometry>): void {
  const problems: string[] = [];
  for (const [id, node] of Object.entries(doc.nodes)) {
    const def = registry.get(node.type) as NodeDefinition;
    if (!def.preflight) continue;
    const src = geoms.has(id) ? id : upstreamOf(doc, id).find((u) => geoms.has(u));
    if (!src) continue;
    for (const m of def.preflight(params.get(id) as never, geoms.get(src)!)) problems.push(`node '${id}' (${def.type}): ${m}`);
  }
  if (problems.length) throw new GraphError(`the graph cannot work on these frames:\n${problems.join('\n')}`);
}

export async function runGraph(doc: GraphDoc, options: RunOptions): Promise<RunReport> {
  const t0 = performance.now();
  const { registry, cache } = options;
  const emit = (e: RuntimeEvent) => options.onEvent?.(e);
  const params = checkedParams(doc, registry);
  const endRun = async () => {
    for (const [id, node] of Object.entries(doc.nodes)) {
      const def = registry.get(node.type);
      if (def?.endRun) {
        try { await def.endRun(params.get(id) as never); } catch { /* releasing only */ }
      }
    }
  };
  let geoms: Map<string, FrameGeometry>;
  let memory: ReturnType<typeof chooseLevel>;
  try {
    geoms = await frameGeometries(doc, registry, params, true);
    preflight(doc, registry, params, geoms);
    memory = chooseLevel([...geoms.values()], options.buffering ?? 'auto', options.availableBytes);
  } catch (e) {
    await endRun();
    throw e;
  }
  const level = memory.level;
  const sigs = computeSignatures(doc, registry, params);
  const keys = cacheKeys(doc, registry, sigs, level);
  const keyOf = (id: string) => keys.get(id)!;
  const order = topologicalOrder(doc);
  const targets = options.targets ?? sinksOf(doc);
  emit({ type: 'run-start', level, predictedBytes: memory.predicted[level], nodes: order });

  const reports = new Map<string, NodeReport>();
  for (const id of order) reports.set(id, { id, type: doc.nodes[id].type, status: 'not-run', ms: 0 });
  const results = new Map<string, Outputs>();
  const outputsWritten: string[] = [];
  const inFlight = new Map<string, Promise<Outputs>>();
  const services = { ...(options.services ?? {}), bufferingLevel: level };

  // Nodes that read frames share the frame store (its scratch views and single-entry memos are only
  // valid until the next read): they run one at a time. Other nodes (e.g. Sharpen and two Saves at the
  // end of the default graph) may overlap, so a Save's compression (zlib in the thread pool) and its
  // file write proceed while the next node computes.
  let framesTail: Promise<void> = Promise.resolve();
  const acquireFrames = (): Promise<() => void> => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const prev = framesTail;
    framesTail = prev.then(() => held);
    return prev.then(() => release);
  };
  const readsFrames = (def: NodeDefinition): boolean => Object.values(def.inputs).some((port) => port.type === 'frames');

  const evaluate = (id: string): Promise<Outputs> => {
    let p = inFlight.get(id);
    if (!p) { p = evaluateNode(id); inFlight.set(id, p); }
    return p;
  };

  const evaluateNode = async (id: string): Promise<Outputs> => {
    if (options.signal?.aborted) throw new CancelledError();
    const node = doc.nodes[id];
    const def = registry.get(node.type) as NodeDefinition;
    const key = keyOf(id);
    const rep = reports.get(id)!;
    cache.pin(key);
    const cached = cache.get(key);
    if (cached && (!def.sideEffect || sideEffectStillValid(cached))) {
      rep.status = 'cached';
      emit({ type: 'node-cached', node: id, nodeType: def.type });
      cache.rememberParts(id, sigs.get(id)!.parts);
      return cached;
    }
    const inputs: Record<string, unknown> = {};
    const upstreamIds: Record<string, string> = {};
    for (const [port, ref] of Object.entries(node.inputs ?? {})) {
      const r = parseRef(ref)!;
      upstreamIds[port] = r.node;
      const up = await evaluate(r.node);
      inputs[port] = up[r.port];
    }
    const releaseFrames = readsFrames(def) ? await acquireFrames() : null;
    try {
      return await runNode(id, def, key, rep, inputs, upstreamIds);
    } finally {
      releaseFrames?.();
    }
  };

  const runNode = async (
    id: string, def: NodeDefinition, key: string, rep: NodeReport, inputs: Record<string, unknown>, upstreamIds: Record<string, string>,
  ): Promise<Outputs> => {
    const reason = explainRun(id, sigs.get(id)!.parts, cache.partsOf(id), upstreamIds);
    rep.reason = reason;
    emit({ type: 'node-start', node: id, nodeType: def.type, reason });
    const started = performance.now();
    const ctx: RunContext = {
      nodeId: id,
      signal: options.signal ?? new AbortController().signal,
      progress: (done, total) => {
        const el = performance.now() - started;
        emit({ type: 'progress', node: id, done, total, etaMs: done > 0 ? (el / done) * (total - done) : null });
      },
      warn: (message) => emit({ type: 'warning', node: id, message }),
      services,
    };
    let out: Outputs;
    try {
      out = await def.run(ctx, inputs, params.get(id) as never);
    } catch (e) {
      if (options.signal?.aborted) throw new CancelledError();
      rep.status = 'error';
      rep.error = e instanceof Error ? e.message : String(e);
      emit({ type: 'node-error', node: id, nodeType: def.type, message: rep.error });
      throw e instanceof NodeRunError ? e : new NodeRunError(id, def.type, e);
    }
    if (options.signal?.aborted) throw new CancelledError();
    rep.ms = performance.now() - started;
    rep.status = 'ran';
    emit({ type: 'node-finish', node: id, nodeType: def.type, ms: rep.ms });
    for (const [port, spec] of Object.entries(def.outputs)) {
      if (spec.type === 'file' && typeof out[port] === 'object' && out[port]) outputsWritten.push((out[port] as { path: string }).path);
    }
    const persistable = !hasTransientOutputs(def);
    cache.set(key, out, persistable);
    cache.rememberParts(id, sigs.get(id)!.parts);
    // Frame sets grow while nodes read frames: re-measure so the byte budget holds (pinned entries stay).
    cache.refresh(new Set());
    return out;
  };

  let error: Error | undefined;
  try {
    for (const t of targets) if (!doc.nodes[t]) throw new GraphError(`unknown target node '${t}'`);
    // All targets at once (see acquireFrames); the first failure in target order is the run's error.
    const settled = await Promise.allSettled(targets.map(async (t) => { results.set(t, await evaluate(t)); }));
    const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  } catch (e) {
    error = e as Error;
  }
  // Nodes that were not needed but whose results are in the cache count as cached.
  for (const id of order) {
    const rep = reports.get(id)!;
    if (rep.status === 'not-run' && cache.has(keyOf(id))) {
      rep.status = 'cached';
      cache.rememberParts(id, sigs.get(id)!.parts);
    }
  }
  await endRun();
  cache.unpinAll();
  cache.flush();
  const ms = performance.now() - t0;
  emit({ type: 'run-finish', ms, ok: !error });
  return { ok: !error, level, memory, nodes: [...reports.values()], outputs: outputsWritten, ms, results, error };
}

function sideEffectStillValid(outputs: Outputs): boolean {
  for (const v of Object.values(outputs)) {
    const f = v as { path?: string; size?: number; mtimeMs?: number } | null;
    if (f && typeof f.path === 'string') {
      try {
        const st = statSyncSafe(f.path);
        if (!st || st.size !== f.size || st.mtimeMs !== f.mtimeMs) return false;
      } catch { return false; }
    }
  }
  return true;
}

function statSyncSafe(p: string) { try { return statSync(p); } catch { return null; } }

export type { NodeSignature };
