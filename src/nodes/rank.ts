/**
 * Rank: global frame quality (PSS §4).
 *
 * Laplace (default, PSS): `q_i = Std(L_i)` — the population standard deviation of the 8-bit
 * Laplacian of the decimated blurred frame (§2.10) — divided by the brightness `b_i` when the
 * frames were opened with brightness normalisation (§2.8).
 * Sobel: the mean Sobel gradient magnitude `mean(hypot(Sx, Sy))` over the interior of the decimated
 * blurred frame `G_i[0::2, 0::2]` (stride 2, as PSS's `rank_frames_pixel_stride`), also divided by
 * `b_i` when normalising. PSS's hidden Sobel measure returns a per-column vector instead of a scalar
 * (a bug, §4); this is the scalar it was meant to be.
 *
 * Then `q ← q / max q` (best = 1), a stable descending sort (ties keep chronological order), and
 * the rank of every frame by inverting the permutation in O(N) (PSS does this in O(N²), P21).
 */
import type { NodeDefinition } from '../graph/types.js';
import type { Frames, Ranking } from './data.js';
import type { Image } from '../image/image.js';
import { getKernels } from '../image/kernels.js';
import { throwIfAborted } from './lib/global-util.js';
import { meanStdOfPlane8 } from '../image/stats.js';

export interface RankParams extends Record<string, string | number | boolean | number[]> {
  method: string;
}

export const RANK_METHODS = ['Laplace', 'Sobel'] as const;

/** Mean Sobel gradient magnitude over the interior (pixels with a full 3×3 neighbourhood). */
export function sobelEnergy(img: Image): number {
  const { width: w, height: h, data: d } = img;
  if (w < 3 || h < 3) return 0;
  let sum = 0;
  for (let y = 1; y < h - 1; y++) {
    const r0 = (y - 1) * w;
    const r1 = y * w;
    const r2 = (y + 1) * w;
    for (let x = 1; x < w - 1; x++) {
      const gx = (d[r0 + x + 1] - d[r0 + x - 1]) + 2 * (d[r1 + x + 1] - d[r1 + x - 1]) + (d[r2 + x + 1] - d[r2 + x - 1]);
      const gy = (d[r2 + x - 1] - d[r0 + x - 1]) + 2 * (d[r2 + x] - d[r0 + x]) + (d[r2 + x + 1] - d[r0 + x + 1]);
      sum += Math.sqrt(gx * gx + gy * gy);
    }
  }
  return sum / ((w - 2) * (h - 2));
}

/**
 * Builds a Ranking from raw per-frame scores: normalise by the maximum, stable descending sort,
 * O(N) inverse permutation. All-zero scores give quality 0 everywhere and chronological order.
 */
export function rankingFromScores(method: string, scores: ArrayLike<number>): Ranking {
  const n = scores.length;
  let max = 0;
  for (let i = 0; i < n; i++) if (scores[i] > max) max = scores[i];
  const quality = new Float64Array(n);
  for (let i = 0; i < n; i++) quality[i] = max > 0 ? scores[i] / max : 0;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => quality[b] - quality[a] || a - b); // explicit tie-break: stable by index
  const order = Int32Array.from(idx);
  const rank = new Int32Array(n);
  for (let p = 0; p < n; p++) rank[order[p]] = p;
  return { method, quality, order, rank };
}

export const rankNode: NodeDefinition<RankParams> = {
  type: 'Rank',
  version: 1,
  category: 'analysis',
  doc:
    'Global frame ranking (PSS §4): quality = standard deviation of the Laplacian of the decimated blurred ' +
    'frame (Laplace) or the mean Sobel gradient magnitude (Sobel), divided by the frame brightness when the ' +
    'Source normalises brightness; normalised so the best frame is 1, sorted best first (stable).',
  inputs: { frames: { type: 'frames', doc: 'The frame sequence' } },
  outputs: { ranking: { type: 'ranking', doc: 'Per-frame quality (best = 1) and the order best first' } },
  params: {
    method: {
      kind: 'choice', choices: RANK_METHODS, default: 'Laplace',
      doc: 'Quality measure: Laplace = Std of the Laplacian of the 2x-decimated blurred frame (PSS default); ' +
        'Sobel = mean Sobel gradient magnitude of the 2x-decimated blurred frame',
    },
  },
  async run(ctx, inputs, p) {
    const frames = inputs.frames as Frames;
    const n = frames.count;
    if (!(n > 0)) throw new Error('Rank: the frame set is empty');
    const k = getKernels();
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      throwIfAborted(ctx);
      let q: number;
      if (p.method === 'Sobel') {
        q = sobelEnergy(k.decimate2(await frames.blurred(i)));
      } else if (p.method === 'Laplace') {
        q = meanStdOfPlane8(await frames.laplacian(i)).std;
      } else {
        throw new Error(`Rank.method: unknown method '${p.method}'; expected one of ${RANK_METHODS.join(', ')}`);
      }
      if (frames.normalize) q /= await frames.brightness(i);
      scores[i] = q;
      ctx.progress(i + 1, n);
    }
    const ranking = rankingFromScores(p.method, scores);
    if (scores.every((s) => !(s > 0))) ctx.warn('Rank: every frame has zero quality (flat frames?); the order is chronological');
    return { ranking };
  },
};
