/**
 * `luckygraph run <graph.yaml> [--input PATH]... [--out PATH] [--set NODE.PARAM=VALUE]...
 *                 [--buffering auto|0..4] [--workers N] [--cache-dir DIR] [--json]`
 * --workers: kernel worker threads for read-ahead (default: the cores beyond two; 0 = main thread only).
 * Kernels: LUCKYGRAPH_KERNELS=auto|reference|wasm|gpu (src/image/backend.ts); --json reports which ran.
 * Several --input values make a batch: one job each; a failed job is reported and the batch goes on.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadGraphFile } from '../graph/yaml.js';
import { migrateGraph } from '../graph/migrate.js';
import { createRegistry } from '../nodes/index.js';
import { runGraph, type RunReport } from '../runtime/executor.js';
import { ResultCache } from '../runtime/result-cache.js';
import { FrameSet, type BufferingLevel } from '../runtime/frame-store.js';
import { applyOverrides, jobServices } from '../runtime/job.js';
import { availableMemory } from '../runtime/memory.js';
import { parseArgs } from './args.js';
import { UsageError } from './info.js';
import { progressPrinter } from './progress.js';
import { installKernelBackend } from '../image/backend.js';
import { defaultWorkerCount, kernelWorkerCount, setKernelWorkers } from '../image/workers/shared-pool.js';
import { rowHelperActive } from '../image/wasm/node.js';

function parseWorkers(v: string | undefined): number {
  if (v === undefined || v === 'auto') return defaultWorkerCount();
  if (!/^\d+$/.test(v) || Number(v) > 256) throw new UsageError(`--workers: expected auto or 0..256; found '${v}'`);
  return Number(v);
}

function parseLevel(v: string | undefined): 'auto' | BufferingLevel {
  if (v === undefined || v === 'auto') return 'auto';
  if (/^[0-4]$/.test(v)) return Number(v) as BufferingLevel;
  throw new UsageError(`--buffering: expected auto or 0..4; found '${v}'`);
}

export function closeFrameSets(outputs: Record<string, unknown>): void {
  for (const v of Object.values(outputs)) if (v instanceof FrameSet) void v.close();
}

interface JobSummary {
  input: string | null;
  ok: boolean;
  error?: string;
  level?: number;
  predictedBytes?: number;
  ms?: number;
  nodes?: { id: string; type: string; status: string; ms: number; reason?: string }[];
  outputs?: string[];
}

export async function runCommand(args: string[], out: (s: string) => void): Promise<number> {
  const kernels = await installKernelBackend();
  const a = parseArgs(args, ['input', 'out', 'set', 'buffering', 'workers', 'cache-dir'], ['json']);
  setKernelWorkers(parseWorkers(a.values.get('workers')?.[0]));
  if (a.positional.length !== 1) throw new UsageError('run needs exactly one graph file');
  const graphPath = a.positional[0];
  const json = a.flags.has('json');
  const level = parseLevel(a.values.get('buffering')?.[0]);
  const inputs = a.values.get('input') ?? [];
  let outPath = a.values.get('out')?.[0];
  const sets = a.values.get('set') ?? [];
  const cacheDir = a.values.get('cache-dir')?.[0];
  if (inputs.length > 1 && outPath !== undefined) {
    if (!(existsSync(outPath) && statSync(outPath).isDirectory()) && !outPath.endsWith('/')) {
      throw new UsageError('with several --input values, --out must be a folder');
    }
    outPath = join(outPath, '${input_stem}_lucky.png');
  }
  const registry = createRegistry();
  const loaded = await loadGraphFile(graphPath);
  const { doc: base, applied } = migrateGraph(loaded, registry);
  const log = (s: string) => process.stderr.write(s + '\n');
  for (const m of applied) log(`migrated node '${m.node}' from version ${m.from} to ${m.to}`);
  const jobs: (string | undefined)[] = inputs.length ? inputs : [undefined];
  const summaries: JobSummary[] = [];
  const printer = progressPrinter(process.stderr);
  for (const input of jobs) {
    const cache = new ResultCache({ budgetBytes: Math.floor(availableMemory() * 0.25), dir: cacheDir, onEvict: closeFrameSets });
    const summary: JobSummary = { input: input ?? null, ok: false };
    summaries.push(summary);
    try {
      const doc = applyOverrides(base, registry, { input, out: outPath, sets });
      if (jobs.length > 1) log(`== ${input}`);
      const report: RunReport = await runGraph(doc, { registry, cache, buffering: level, onEvent: printer, services: jobServices(doc) });
      Object.assign(summary, {
        ok: report.ok, level: report.level, predictedBytes: report.memory.predicted[report.level], ms: Math.round(report.ms),
        nodes: report.nodes.map((n) => ({ id: n.id, type: n.type, status: n.status, ms: Math.round(n.ms), ...(n.reason && n.status === 'ran' ? { reason: n.reason } : {}) })),
        outputs: report.outputs,
      });
      if (report.error) throw report.error;
      for (const o of report.outputs) log(`wrote ${o}`);
    } catch (e) {
      summary.ok = false;
      summary.error = e instanceof Error ? e.message : String(e);
      log(`error${input ? ` (${input})` : ''}: ${summary.error}`);
    } finally {
      cache.clear();
    }
  }
  const failed = summaries.filter((s) => !s.ok).length;
  if (jobs.length > 1) log(`batch: ${summaries.length - failed} of ${summaries.length} jobs succeeded`);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  if (json) {
    const only = summaries.length === 1 ? summaries[0] : undefined;
    out(JSON.stringify({ ok: failed === 0, ...(only ? { nodes: only.nodes, outputs: only.outputs, level: only.level, error: only.error } : {}), jobs: summaries, peakRssBytes, kernels: { backend: kernels.backend, detail: kernels.detail }, workers: kernelWorkerCount(), correlationHelper: rowHelperActive() }, null, 2));
  }
  return failed ? 1 : 0;
}
