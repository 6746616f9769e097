/** Small test-only node types for runtime tests: a synthetic frame source and consumers of its products. */
import type { NodeDefinition } from '../../src/graph/types.ts';
import { NodeRegistry } from '../../src/graph/registry.ts';
import { FrameSet, type BufferingLevel } from '../../src/runtime/frame-store.ts';
import { memorySource } from '../helpers/frames.ts';

/** Deterministic textured frames, each shifted and with its own blur-free noise. */
export function syntheticFrames(n: number, w: number, h: number, seed = 1): Uint16Array[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const out: Uint16Array[] = [];
  for (let k = 0; k < n; k++) {
    const f = new Uint16Array(w * h);
    const ox = k % 5, oy = (k * 3) % 4;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const v = 20000 + 10000 * Math.sin((x + ox) / 3.1) * Math.cos((y + oy) / 4.7) + 3000 * rnd();
      f[y * w + x] = Math.max(0, Math.min(65535, Math.round(v)));
    }
    out.push(f);
  }
  return out;
}

export const counters = { sourceRuns: 0, sumRuns: 0, scaleRuns: 0, sumActive: 0, sumMaxActive: 0, slowActive: 0, slowMaxActive: 0 };

export const testSource: NodeDefinition<{ frames: number; size: number; seed: number; noise: number }> = {
  type: 'TestSource', version: 1, category: 'test', doc: 'synthetic frames', inputs: {},
  outputs: { frames: { type: 'frames', doc: 'frames' } },
  params: {
    frames: { kind: 'int', min: 1, max: 100000, default: 8, doc: 'frame count' },
    size: { kind: 'int', min: 8, max: 4096, default: 32, unit: 'px', doc: 'width = height' },
    seed: { kind: 'int', min: 0, max: 1000, default: 1, doc: 'seed' },
    noise: { kind: 'int', min: 1, max: 11, default: 3, doc: 'blur kernel' },
  },
  async frameGeometry(p) { return { frames: p.frames, width: p.size, height: p.size, channels: 1, originalBytesPerSample: 2 }; },
  async run(ctx, _in, p) {
    counters.sourceRuns++;
    const frames = syntheticFrames(p.frames, p.size, p.size, p.seed);
    const level = ctx.services.bufferingLevel as BufferingLevel;
    return { frames: new FrameSet(memorySource(frames, p.size, p.size), { convert: { debayer: 'auto', scale: 1 }, noise: p.noise, blackCutoff: 3840, level }, 1) };
  },
};

/** Sums every product of every frame, in several passes like the real pipeline (ranking, alignment, stacking). */
export const testSum: NodeDefinition<{ passes: number }> = {
  type: 'TestSum', version: 1, category: 'test', doc: 'sum of products', inputs: { frames: { type: 'frames', doc: 'frames' } },
  outputs: { image: { type: 'image', doc: 'image' } },
  params: { passes: { kind: 'int', min: 1, max: 4, default: 3, doc: 'passes' } },
  async run(ctx, inputs, p) {
    counters.sumRuns++;
    counters.sumMaxActive = Math.max(counters.sumMaxActive, ++counters.sumActive);
    try { return await sumFrames(ctx, inputs, p); } finally { counters.sumActive--; }
  },
};

async function sumFrames(ctx: Parameters<typeof testSum.run>[0], inputs: Record<string, unknown>, p: { passes: number }) {
    const fs = inputs.frames as FrameSet;
    const acc = new Float32Array(fs.width * fs.height);
    for (let pass = 0; pass < p.passes; pass++) {
      for (let i = 0; i < fs.count; i++) {
        if (ctx.signal.aborted) throw new Error('aborted');
        const l = await fs.laplacian(i);
        const g = await fs.blurred(i);
        const o = await fs.original(i);
        const b = await fs.brightness(i);
        for (let k = 0; k < acc.length; k++) acc[k] += o.data[k] * 1e-3 + g.data[k] * 1e-3 + (l.data[k >> 2] ?? 0) + b * 1e-6;
        ctx.progress(i + 1, fs.count);
        await new Promise((r) => setImmediate(r));
      }
    }
    return { image: { width: fs.width, height: fs.height, channels: 1 as const, data: acc } };
}

/** An image node that takes a while without computing (like a Save waiting for its compression). */
export const testSlow: NodeDefinition<{ ms: number; fail: boolean }> = {
  type: 'TestSlow', version: 1, category: 'test', doc: 'waits, then passes the image on', inputs: { image: { type: 'image', doc: 'in' } },
  outputs: { image: { type: 'image', doc: 'out' } },
  params: {
    ms: { kind: 'int', min: 0, max: 10000, default: 30, unit: 'ms', doc: 'wait' },
    fail: { kind: 'bool', default: false, doc: 'throw after the wait' },
  },
  async run(_ctx, inputs, p) {
    counters.slowMaxActive = Math.max(counters.slowMaxActive, ++counters.slowActive);
    try {
      await new Promise((r) => setTimeout(r, p.ms));
      if (p.fail) throw new Error('TestSlow failed as asked');
      return { image: inputs.image };
    } finally { counters.slowActive--; }
  },
};

export const testScale: NodeDefinition<{ factor: number }> = {
  type: 'TestScale', version: 2, category: 'test', doc: 'scales an image', inputs: { image: { type: 'image', doc: 'in' } },
  outputs: { image: { type: 'image', doc: 'out' } },
  params: { factor: { kind: 'float', min: 0, max: 100, default: 2, doc: 'factor' } },
  migrate: { 1: (p) => ({ factor: p.gain ?? 2 }) },
  async run(_ctx, inputs, p) {
    counters.scaleRuns++;
    const img = inputs.image as { width: number; height: number; channels: 1; data: Float32Array };
    return { image: { ...img, data: img.data.map((v) => v * p.factor) } };
  },
};

export function testRegistry(): NodeRegistry {
  return new NodeRegistry([testSource, testSum, testScale, testSlow].map((d) => d as unknown as NodeDefinition));
}
