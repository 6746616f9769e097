import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGraph } from '../../src/runtime/executor.ts';
import { ResultCache } from '../../src/runtime/result-cache.ts';
import { FrameSet } from '../../src/runtime/frame-store.ts';
import { chooseLevel, MemoryError } from '../../src/runtime/memory.ts';
import type { GraphDoc } from '../../src/graph/types.ts';
import { testRegistry, counters } from './test-nodes.ts';

function graph(factor = 2, frames = 8): GraphDoc {
  return {
    format: 'luckygraph/1',
    nodes: {
      src: { type: 'TestSource', params: { frames, size: 32 } },
      sum: { type: 'TestSum', inputs: { frames: 'src.frames' } },
      scale: { type: 'TestScale', inputs: { image: 'sum.image' }, params: { factor } },
    },
  };
}

const registry = testRegistry();
const cache = () => new ResultCache({ budgetBytes: 1 << 30, onEvict: (o) => { for (const v of Object.values(o)) if (v instanceof FrameSet) void v.close(); } });
const statusOf = (r: Awaited<ReturnType<typeof runGraph>>) => Object.fromEntries(r.nodes.map((n) => [n.id, n.status]));

beforeEach(() => { for (const k of Object.keys(counters) as (keyof typeof counters)[]) counters[k] = 0; });

describe('runtime', () => {
  it('gives bit-identical results at every buffering level, recomputing less at higher levels', async () => {
    const results: Float32Array[] = [];
    const stats: Record<number, { reads: number; blurs: number; laplacians: number; held: number }> = {};
    for (const level of [0, 1, 2, 3, 4] as const) {
      const c = cache();
      const r = await runGraph(graph(), { registry, cache: c, buffering: level, targets: ['src', 'scale'] });
      expect(r.ok).toBe(true);
      expect(r.level).toBe(level);
      results.push((r.results.get('scale')!.image as { data: Float32Array }).data);
      const fs = r.results.get('src')!.frames as FrameSet;
      stats[level] = { ...fs.stats, held: fs.heldBytes() };
      c.clear();
    }
    for (const r of results.slice(1)) expect(Buffer.from(r.buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
    // 8 frames, 3 passes: level 0 keeps nothing, so every pass re-reads and re-blurs every frame.
    expect(stats[0]).toMatchObject({ reads: 24, blurs: 24, laplacians: 24, held: 0 });
    // level 1 keeps Laplacians: computed once; blurred frames still recomputed each pass.
    expect(stats[1]).toMatchObject({ laplacians: 8, blurs: 24 });
    // level 2 keeps blurred frames: one blur per frame.
    expect(stats[2]).toMatchObject({ laplacians: 8, blurs: 8, reads: 24 });
    // level 3 keeps originals: one read per frame.
    expect(stats[3]).toMatchObject({ reads: 8, blurs: 8 });
    expect(stats[3].held).toBe(8 * (16 * 16 + 2 * 32 * 32 + 2 * 32 * 32));
  });

  it('re-runs only nodes whose signature changed; going back is a cache hit; explains why', async () => {
    const c = cache();
    const r1 = await runGraph(graph(2), { registry, cache: c });
    expect(statusOf(r1)).toEqual({ src: 'ran', sum: 'ran', scale: 'ran' });
    const r2 = await runGraph(graph(3), { registry, cache: c });
    expect(statusOf(r2)).toEqual({ src: 'cached', sum: 'cached', scale: 'ran' });
    expect(r2.nodes.find((n) => n.id === 'scale')!.reason).toBe('scale.factor changed 2 → 3');
    const r3 = await runGraph(graph(2), { registry, cache: c });
    expect(statusOf(r3)).toEqual({ src: 'cached', sum: 'cached', scale: 'cached' });
    expect(counters.scaleRuns).toBe(2);
    expect(counters.sumRuns).toBe(1);
  });

  it('persists results in a cache dir so a second process-like run re-uses them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-cache-'));
    const r1 = await runGraph(graph(2), { registry, cache: new ResultCache({ budgetBytes: 1 << 30, dir }) });
    expect(r1.ok).toBe(true);
    const r2 = await runGraph(graph(5), { registry, cache: new ResultCache({ budgetBytes: 1 << 30, dir }) });
    expect(statusOf(r2)).toEqual({ src: 'cached', sum: 'cached', scale: 'ran' });
    expect(r2.nodes.find((n) => n.id === 'scale')!.reason).toContain('scale.factor changed 2 → 5');
    const a = (r1.results.get('scale')!.image as { data: Float32Array }).data;
    const b = (r2.results.get('scale')!.image as { data: Float32Array }).data;
    expect(b[10]).toBeCloseTo(a[10] * 2.5, 1);
  });

  it('cancellation through AbortSignal stops work', async () => {
    const ac = new AbortController();
    const events: string[] = [];
    const p = runGraph(graph(2, 400), {
      registry, cache: cache(), signal: ac.signal,
      onEvent: (e) => { events.push(e.type); if (e.type === 'progress' && e.done === 3) ac.abort(); },
    });
    const r = await p;
    expect(r.ok).toBe(false);
    expect(r.error?.name).toBe('CancelledError');
    expect(events.filter((e) => e === 'progress').length).toBeLessThan(50);
  });

  it('errors carry the node id and type', async () => {
    const g = graph();
    g.nodes.src.params = { frames: 4, size: 32, noise: 4 };
    // noise 4 is valid for the test node's range but an even Gaussian kernel fails inside the kernels
    const r = await runGraph(g, { registry, cache: cache() });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/node 'sum' \(TestSum\)/);
    expect(r.nodes.find((n) => n.id === 'sum')!.status).toBe('error');
  });

  it('refuses an explicit level that does not fit, naming the figures and the highest level that fits', () => {
    const geom = [{ frames: 1000, width: 1000, height: 1000, channels: 1 as const, originalBytesPerSample: 2 as const }];
    const choice = chooseLevel(geom, 'auto', 3e9);
    expect(choice.level).toBe(2); // L 0.25 MB + G 2 MB per frame = 2.25 GB < 3 GB; + O 2 MB no
    expect(() => chooseLevel(geom, 4, 3e9)).toThrow(MemoryError);
    expect(() => chooseLevel(geom, 4, 3e9)).toThrow(/highest level that fits is 2/);
  });
});

describe('concurrent targets', () => {
  const g = (): GraphDoc => ({
    format: 'luckygraph/1',
    nodes: {
      src: { type: 'TestSource', params: { frames: 6, size: 32 } },
      a: { type: 'TestSum', inputs: { frames: 'src.frames' }, params: { passes: 2 } },
      b: { type: 'TestSum', inputs: { frames: 'src.frames' }, params: { passes: 3 } },
      slowA: { type: 'TestSlow', inputs: { image: 'a.image' }, params: { ms: 60 } },
      slowB: { type: 'TestSlow', inputs: { image: 'a.image' }, params: { ms: 60 } },
      outB: { type: 'TestScale', inputs: { image: 'b.image' }, params: { factor: 1 } },
    },
  });

  it('frame readers run one at a time (same results as alone); other nodes overlap', async () => {
    const r = await runGraph(g(), { registry, cache: cache(), buffering: 0 });
    expect(r.ok, r.error?.message).toBe(true);
    expect(counters.sumRuns).toBe(2);
    expect(counters.sumMaxActive).toBe(1);
    expect(counters.slowMaxActive).toBe(2);
    // each branch alone gives the same image
    for (const [node, target] of [['a', 'slowA'], ['b', 'outB']]) {
      const alone = await runGraph(g(), { registry, cache: cache(), buffering: 0, targets: [target] });
      const img = (o: Awaited<ReturnType<typeof runGraph>>) => (o.results.get(target)!.image as { data: Float32Array }).data;
      expect(Array.from(img(alone)), node).toEqual(Array.from(img(r)));
    }
  });

  it('the first failing target (in target order) is the error; the other targets still finish', async () => {
    const doc = g();
    doc.nodes.slowA = { type: 'TestSlow', inputs: { image: 'a.image' }, params: { ms: 10, fail: true } };
    const r = await runGraph(doc, { registry, cache: cache() });
    expect(r.ok).toBe(false);
    expect(r.error?.message).toMatch(/slowA[\s\S]*TestSlow failed as asked|TestSlow failed as asked/);
    const status = statusOf(r);
    expect(status.slowA).toBe('error');
    expect([status.slowB, status.outB]).toEqual(['ran', 'ran']);
  });
});
