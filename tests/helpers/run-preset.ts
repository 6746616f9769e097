/** Runs a preset in-process on an input and returns the report and the stacked image. */
import { loadGraphFile } from '../../src/graph/yaml.ts';
import { migrateGraph } from '../../src/graph/migrate.ts';
import { createRegistry } from '../../src/nodes/index.ts';
import { runGraph } from '../../src/runtime/executor.ts';
import { ResultCache } from '../../src/runtime/result-cache.ts';
import { applyOverrides, jobServices } from '../../src/runtime/job.ts';
import { FrameSet, type BufferingLevel } from '../../src/runtime/frame-store.ts';
import type { Image } from '../../src/image/image.ts';
import { join } from 'node:path';

export const registry = createRegistry();
export const presetPath = (name: string) => join(__dirname, '../../presets', name);

export async function runPreset(preset: string, input: string, opts: { sets?: string[]; buffering?: 'auto' | BufferingLevel; out?: string; targets?: string[] } = {}) {
  const { doc } = migrateGraph(await loadGraphFile(presetPath(preset)), registry);
  const job = applyOverrides(doc, registry, { input, sets: opts.sets, out: opts.out });
  const cache = new ResultCache({ budgetBytes: 4 * 2 ** 30, onEvict: (o) => { for (const v of Object.values(o)) if (v instanceof FrameSet) void v.close(); } });
  try {
    const report = await runGraph(job, { registry, cache, buffering: opts.buffering ?? 'auto', services: jobServices(job), targets: opts.targets ?? ['blend'] });
    if (report.error) throw report.error;
    return { report, image: report.results.get('blend')?.image as Image | undefined };
  } finally {
    cache.clear();
  }
}
