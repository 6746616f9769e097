/**
 * LocalRank: per alignment point, rates every frame by the local sharpness of the AP's patch and
 * picks the best K frames (PSS §9).
 *
 * q[a][i] = Std(L_i over the AP's stacking patch shifted by the frame's integer offsets, both ends
 * halved for the decimated Laplacian), divided by b_i when the frame set normalises brightness.
 * best[a] = the first K frames of a stable descending sort of q[a][·] (ties keep frame order).
 * K = number when > 0, else max(⌈N·percent/100⌉, 1), N = frames not dropped by the alignment.
 *
 * Deliberate deviation from PSS (pitfall P7): K is clamped to the number of usable frames (with a
 * warning); PSS lets K exceed N, which darkens the stack. Frames whose global alignment failed
 * (Alignment.failed) are never selected.
 */
import type { NodeDefinition } from '../graph/types.js';
import { meanStdFromSums } from '../image/stats.js';
import { getKernels } from '../image/kernels.js';
import type { FrameSet } from '../runtime/frame-store.js';
import type { Alignment, APGrid, Selection } from './data.js';
import { checkAbort, checkConsistency, integerOffsets, stackSizeOf, usableFrameCount } from './lib/ap-common.js';

export interface LocalRankParams extends Record<string, number | boolean | string | number[]> {
  percent: number;
  number: number;
}

export const localRankNode: NodeDefinition<LocalRankParams> = {
  type: 'LocalRank',
  version: 1,
  category: 'analysis',
  doc: 'Rates every frame per alignment point by local sharpness (Laplacian std over the AP patch) and selects the best K frames for each AP (PSS §9).',
  inputs: {
    frames: { type: 'frames', doc: 'The frame set (Laplacians and brightness are used)' },
    alignment: { type: 'alignment', doc: 'Global frame offsets' },
    apgrid: { type: 'apgrid', doc: 'The alignment points' },
  },
  outputs: { selection: { type: 'selection', doc: 'Local qualities and the best K frames per AP' } },
  params: {
    percent: { kind: 'int', min: 1, max: 100, default: 10, unit: '%', doc: 'Stack size as a percentage of all frames (used when number is 0)' },
    number: { kind: 'int', min: 0, max: 1000000, default: 0, unit: 'frames', doc: 'Stack size as a frame count; 0 = use percent' },
  },
  async run(ctx, inputs, p) {
    const frames = inputs.frames as FrameSet;
    const al = inputs.alignment as Alignment;
    const grid = inputs.apgrid as APGrid;
    checkConsistency('LocalRank', frames, al, grid);
    const N = frames.count;
    const A = grid.points.length;
    const H = frames.height;
    const W = frames.width;
    const failed = new Set(al.failed);
    const usable = usableFrameCount(al, N);
    if (usable <= 0) throw new Error('LocalRank: every frame failed global alignment; nothing to select');
    let K = stackSizeOf(usable, p.percent, p.number);
    if (K > usable) {
      ctx.warn(
        `LocalRank: stack size ${K} (${p.number > 0 ? `number ${p.number}` : `${p.percent} % of ${usable}`}) exceeds the ` +
        `${usable} usable frames; clamped to ${usable}`,
      );
      K = usable;
    }
    const { dy, dx } = integerOffsets(al);
    const q = new Float64Array(A * N);
    const k = getKernels();
    const rects = new Int32Array(4 * A);
    const which = new Int32Array(A);
    for (let i = 0; i < N; i++) {
      checkAbort(ctx.signal);
      if (!failed.has(i)) {
        const lap = await frames.laplacian(i);
        const b = frames.normalize ? await frames.brightness(i) : 1;
        // every AP's patch in L (half resolution), one kernel call per frame; empty ones keep q = 0
        let n = 0;
        for (let a = 0; a < A; a++) {
          const pt = grid.points[a].patch;
          const y0 = Math.floor(Math.max(0, pt.y0 + dy[i]) / 2);
          const y1 = Math.floor(Math.min(H, pt.y1 + dy[i]) / 2);
          const x0 = Math.floor(Math.max(0, pt.x0 + dx[i]) / 2);
          const x1 = Math.floor(Math.min(W, pt.x1 + dx[i]) / 2);
          if (y1 > y0 && x1 > x0) {
            rects[4 * n] = y0; rects[4 * n + 1] = y1; rects[4 * n + 2] = x0; rects[4 * n + 3] = x1;
            which[n++] = a;
          }
        }
        const sums = k.rectSums8(lap, rects.subarray(0, 4 * n));
        for (let j = 0; j < n; j++) {
          const count = (rects[4 * j + 1] - rects[4 * j]) * (rects[4 * j + 3] - rects[4 * j + 2]);
          q[which[j] * N + i] = meanStdFromSums(sums[2 * j], sums[2 * j + 1], count).std / b;
        }
      }
      ctx.progress(i + 1, N);
    }
    const eligible: number[] = [];
    for (let i = 0; i < N; i++) if (!failed.has(i)) eligible.push(i);
    const best = new Int32Array(A * K);
    for (let a = 0; a < A; a++) {
      const base = a * N;
      // Array.prototype.sort is stable; ties keep chronological order.
      const order = eligible.slice().sort((u, v) => q[base + v] - q[base + u]);
      for (let j = 0; j < K; j++) best[a * K + j] = order[j];
    }
    const selection: Selection = { apCount: A, frameCount: N, quality: Float32Array.from(q), k: K, best };
    return { selection };
  },
};
