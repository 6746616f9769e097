/**
 * The editor's runtime host: one long-lived result cache (so a re-run only runs the nodes whose
 * signature changed), one run at a time with cancellation, runtime events fanned out to the
 * connected UIs, and the latest output of every node kept for previews.
 */
import { statSync } from 'node:fs';
import type { GraphDoc, NodeDefinition, FrameGeometry } from '../../graph/types.ts';
import { NodeRegistry } from '../../graph/registry.ts';
import { validateGraph } from '../../graph/validate.ts';
import { topologicalOrder } from '../../graph/topology.ts';
import { parseRef } from '../../graph/util.ts';
import { createRegistry } from '../../nodes/index.ts';
import { installCpuKernels } from '../../image/backend.ts';
import { defaultWorkerCount, setKernelWorkers } from '../../image/workers/shared-pool.ts';
import { runGraph, checkedParams, cacheKeys } from '../../runtime/executor.ts';
import { ResultCache, type Outputs } from '../../runtime/result-cache.ts';
import { computeSignatures } from '../../runtime/signature.ts';
import { availableMemory, chooseLevel, predictBytes, LEVELS } from '../../runtime/memory.ts';
import { FrameSet, type BufferingLevel } from '../../runtime/frame-store.ts';
import { CancelledError, type RuntimeEvent } from '../../runtime/events.ts';
import { jobServices } from '../../runtime/job.ts';
import type { Ranking } from '../../nodes/data.ts';
import type {
  AnalyzeResult,
  BufferingChoice,
  CacheState,
  ImageRef,
  MemoryForecast,
  OutputInfo,
  RunNodeResult,
  ServerEvent,
  StoredOutputInfo,
} from '../shared/protocol.ts';
import { describeOutput } from './previews.ts';

/** Port types whose values are live handles; their cache key includes the buffering level (as the executor does). */

export class BusyError extends Error {}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * The node definitions with a yield to the event loop before each node runs. The runtime shares the
 * server's event loop, and nodes that only await resolved promises would otherwise keep it busy for the
 * whole run: a Cancel request (or a preview request) would not even be read until the run ends.
 * After the yield an aborted run stops before the node starts.
 */
export function editorRegistry(base: NodeRegistry): NodeRegistry {
  return new NodeRegistry(
    base.list().map(
      (def): NodeDefinition => ({
        ...def,
        run: async (ctx, inputs, params) => {
          await yieldToEventLoop();
          if (ctx.signal.aborted) throw new CancelledError();
          return def.run(ctx, inputs, params);
        },
      }),
    ),
  );
}

function closeFrameSets(outputs: Outputs): void {
  for (const v of Object.values(outputs)) if (v instanceof FrameSet) void v.close();
}

interface StoredOutput {
  nodeType: string;
  outputs: Outputs;
  rev: number;
  key: string;
  /** The node's inputs in the run that produced it (to find overlay backgrounds). */
  inputs: Record<string, string>;
}

export interface SessionOptions {
  registry?: NodeRegistry;
  /** Result cache budget in bytes (default a quarter of the available memory). */
  cacheBytes?: number;
}

export class EditorSession {
  readonly registry: NodeRegistry;
  private readonly cache: ResultCache;
  private readonly listeners = new Set<(e: ServerEvent) => void>();
  private running: { runId: number; abort: AbortController; done: Promise<void> } | null = null;
  private runSerial = 0;
  private revision = 0;
  private readonly store = new Map<string, StoredOutput>();

  constructor(options: SessionOptions = {}) {
    installCpuKernels();
    // Read-ahead of first passes in worker threads, as the CLI's default (bit-identical; the page never computes).
    setKernelWorkers(defaultWorkerCount());
    this.registry = options.registry ?? editorRegistry(createRegistry());
    this.cache = new ResultCache({
      budgetBytes: options.cacheBytes ?? Math.floor(availableMemory() * 0.25),
      onEvict: closeFrameSets,
    });
  }

  subscribe(listener: (e: ServerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ServerEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        /* a broken client must not stop the run */
      }
    }
  }

  get runningId(): number | null {
    return this.running?.runId ?? null;
  }

  /** Cache key of every node, as the executor derives them (signature, plus the level for frame outputs). */
  nodeKeys(doc: GraphDoc, params: Map<string, Record<string, unknown>>, level: number): Record<string, string> {
    return Object.fromEntries(cacheKeys(doc, this.registry, computeSignatures(doc, this.registry, params), level));
  }

  private cacheState(doc: GraphDoc, keys: Record<string, string>): Record<string, CacheState> {
    const out: Record<string, CacheState> = {};
    for (const [id, key] of Object.entries(keys)) {
      let ok = this.cache.has(key);
      const def = this.registry.get(doc.nodes[id].type);
      if (ok && def?.sideEffect) {
        // A side-effect node re-runs when the file it wrote has changed since (as the executor checks).
        const outs = this.cache.get(key);
        ok = !!outs && Object.values(outs).every((v) => {
          const f = v as { path?: unknown; size?: number; mtimeMs?: number } | null;
          if (!f || typeof f.path !== 'string') return true;
          try {
            const st = statSync(f.path);
            return st.size === f.size && st.mtimeMs === f.mtimeMs;
          } catch {
            return false;
          }
        });
      }
      out[id] = ok ? 'cached' : 'dirty';
    }
    return out;
  }

  private async geometries(doc: GraphDoc, params: Map<string, Record<string, unknown>>): Promise<FrameGeometry[]> {
    const geoms: FrameGeometry[] = [];
    for (const [id, node] of Object.entries(doc.nodes)) {
      const def = this.registry.get(node.type) as NodeDefinition;
      if (def.frameGeometry) {
        try {
          geoms.push(await def.frameGeometry(params.get(id) as never));
        } catch (e) {
          throw new Error(`${id}: ${(e as Error).message}`);
        }
      }
    }
    return geoms;
  }

  /** Validation issues, the memory forecast per buffering level, and which nodes a run would take from the cache. */
  async analyze(doc: GraphDoc, buffering: BufferingChoice): Promise<AnalyzeResult> {
    const issues = validateGraph(doc, this.registry);
    if (issues.some((i) => i.severity === 'error')) return { issues, forecast: null, keys: null, cache: null };
    const params = checkedParams(doc, this.registry);
    let forecast: MemoryForecast | null = null;
    let forecastError: string | undefined;
    try {
      const geoms = await this.geometries(doc, params);
      const available = availableMemory();
      const predicted: Record<string, number> = {};
      for (const l of LEVELS) predicted[l] = predictBytes(geoms, l);
      forecast = { predicted, available, level: null };
      try {
        forecast.level = chooseLevel(geoms, buffering, available).level;
      } catch (e) {
        forecast.error = (e as Error).message;
      }
    } catch (e) {
      forecastError = (e as Error).message;
    }
    const keys = this.nodeKeys(doc, params, forecast?.level ?? 0);
    const cache = this.cacheState(doc, keys);
    return { issues, forecast, ...(forecastError ? { forecastError } : {}), keys, cache, outputs: this.currentOutputs(doc, keys) };
  }

  private info(id: string, s: StoredOutput): StoredOutputInfo {
    const def = this.registry.get(s.nodeType)!;
    const ports: Record<string, OutputInfo> = {};
    for (const [port, spec] of Object.entries(def.outputs)) ports[port] = describeOutput(spec.type, s.outputs[port]);
    return { ports, rev: s.rev, key: s.key };
  }

  private remember(doc: GraphDoc, id: string, key: string, outputs: Outputs): StoredOutput {
    const node = doc.nodes[id];
    const s: StoredOutput = { nodeType: node.type, outputs, rev: ++this.revision, key, inputs: { ...(node.inputs ?? {}) } };
    this.store.set(id, s);
    return s;
  }

  /**
   * Outputs valid for the document as it is: the stored ones whose key matches, else the result the
   * cache still holds for the node's key (e.g. after an undo), which then becomes the node's preview.
   */
  private currentOutputs(doc: GraphDoc, keys: Record<string, string>): Record<string, StoredOutputInfo> {
    const out: Record<string, StoredOutputInfo> = {};
    for (const [id, key] of Object.entries(keys)) {
      let s = this.store.get(id);
      if (!s || s.key !== key || s.nodeType !== doc.nodes[id].type) {
        const cached = this.cache.has(key) ? this.cache.get(key) : null;
        if (!cached) continue;
        s = this.remember(doc, id, key, cached);
      }
      if (this.registry.get(s.nodeType)) out[id] = this.info(id, s);
    }
    return out;
  }

  /** Starts a run of every node (so every output can be previewed); events go to the subscribers. */
  startRun(doc: GraphDoc, buffering: BufferingChoice): number {
    if (this.running) throw new BusyError(`run ${this.running.runId} is still in progress`);
    const runId = ++this.runSerial;
    const abort = new AbortController();
    const done = this.execute(runId, doc, buffering, abort.signal).finally(() => {
      if (this.running?.runId === runId) this.running = null;
    });
    this.running = { runId, abort, done };
    return runId;
  }

  /** Cancels the current run; resolves when it has stopped. */
  async cancel(): Promise<boolean> {
    const r = this.running;
    if (!r) return false;
    r.abort.abort();
    await r.done;
    return true;
  }

  /** Waits for the current run (for shutdown and tests). */
  async idle(): Promise<void> {
    await this.running?.done;
  }

  private async execute(runId: number, doc: GraphDoc, buffering: BufferingChoice, signal: AbortSignal): Promise<void> {
    const t0 = performance.now();
    let keys: Record<string, string> = {};
    let level: number | null = null;
    const lastProgress = new Map<string, number>();
    const onEvent = (e: RuntimeEvent) => {
      switch (e.type) {
        case 'run-start': {
          level = e.level;
          try {
            keys = this.nodeKeys(doc, checkedParams(doc, this.registry), e.level);
          } catch {
            keys = {};
          }
          this.emit({ ...e, runId, keys });
          return;
        }
        case 'progress': {
          // At most ~12 progress events per second per node, and always the last one.
          const now = performance.now();
          if (e.done < e.total && now - (lastProgress.get(e.node) ?? -Infinity) < 80) return;
          lastProgress.set(e.node, now);
          this.emit({ ...e, runId });
          return;
        }
        case 'run-finish':
          return; // replaced by the richer event below
        default:
          this.emit({ ...e, runId });
      }
    };
    const targets = (() => {
      try {
        return topologicalOrder(doc);
      } catch {
        return undefined;
      }
    })();
    try {
      const report = await runGraph(doc, {
        registry: this.registry,
        cache: this.cache,
        buffering,
        targets,
        signal,
        onEvent,
        services: jobServices(doc),
      });
      const outputs: Record<string, StoredOutputInfo> = {};
      for (const [id, outs] of report.results) {
        if (!this.registry.get(doc.nodes[id].type)) continue;
        outputs[id] = this.info(id, this.remember(doc, id, keys[id] ?? '', outs));
      }
      for (const id of [...this.store.keys()]) if (!(id in doc.nodes)) this.store.delete(id);
      const cancelled = report.error instanceof CancelledError;
      const nodes: RunNodeResult[] = report.nodes.map((n) => ({
        id: n.id,
        status: n.status,
        ms: Math.round(n.ms),
        ...(n.reason ? { reason: n.reason } : {}),
        ...(n.error ? { error: n.error } : {}),
      }));
      this.emit({
        type: 'run-finish',
        runId,
        ok: report.ok,
        cancelled,
        ...(report.error && !cancelled ? { error: report.error.message } : {}),
        ms: Math.round(report.ms),
        level: report.level,
        nodes,
        keys,
        outputs,
      });
    } catch (e) {
      // Refused before any node ran: invalid graph, memory forecast, unreadable input.
      const cancelled = e instanceof CancelledError;
      this.emit({
        type: 'run-finish',
        runId,
        ok: false,
        cancelled,
        ...(cancelled ? {} : { error: (e as Error).message }),
        ms: Math.round(performance.now() - t0),
        level,
        nodes: [],
        keys,
        outputs: {},
      });
    }
  }

  /** The latest value of a node output, with its port type. */
  output(node: string, port: string): { portType: string; value: unknown; rev: number; inputs: Record<string, string> } | null {
    const s = this.store.get(node);
    if (!s) return null;
    const def = this.registry.get(s.nodeType);
    const spec = def?.outputs[port];
    if (!spec || !(port in s.outputs)) return null;
    return { portType: spec.type, value: s.outputs[port], rev: s.rev, inputs: s.inputs };
  }

  /** The image an overlay output is drawn on: APGrid → its image input; PatchSelect → the best frame. */
  backgroundOf(node: string, port: string): ImageRef | null {
    const o = this.output(node, port);
    if (!o) return null;
    if (o.portType === 'apgrid') {
      const r = parseRef(o.inputs.image);
      return r ? { node: r.node, port: r.port } : null;
    }
    if (o.portType === 'patch') {
      const f = parseRef(o.inputs.frames);
      if (!f) return null;
      const rk = parseRef(o.inputs.ranking);
      const ranking = rk ? (this.output(rk.node, rk.port)?.value as Ranking | undefined) : undefined;
      const best = ranking && ranking.order.length ? ranking.order[0] : 0;
      return { node: f.node, port: f.port, frame: best };
    }
    return null;
  }

  /** Stops any run and drops every cached result. */
  async close(): Promise<void> {
    await this.cancel();
    this.cache.clear();
    this.store.clear();
    this.listeners.clear();
  }
}

export type { BufferingLevel };
