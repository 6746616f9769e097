/**
 * Mean: the reference ("mean") frame of PSS §7 — the average of the M best frames, aligned, on the
 * intersection.
 *
 * 1. `M = max(⌈N · percent / 100⌉, 1)`.
 * 2. Frames: the top M of the global ranking, or with `fastChanging` (PSS GUI default on, CLI off)
 *    the M best inside the window of `min(2M, N)` consecutive frames whose M best have the largest
 *    quality sum (strictly larger wins, so the earliest window wins ties).
 * 3. `R(y, x) = (1/M) Σ M_i(y + dy_i, x + dx_i)` over the intersection, using the un-blurred,
 *    un-normalised monochrome frames. When a frame's offsets are whole pixels this is PSS's plain
 *    crop-and-add; with sub-pixel offsets (Align.subpixel) the frame is sampled bilinearly at the float
 *    position (`shiftImage` by the fractional part, whole-pixel part as a crop; border replicate, which
 *    only touches the outermost half pixel of the intersection).
 * 4. Output: float32 on the 16-bit scale. PSS truncates `R` to integers (int32); here it is kept as a
 *    float (no truncation, so no −0.5 level bias).
 *
 * Frames listed in `alignment.failed` (Align.onFailure = drop-frame) are never chosen.
 */
import type { NodeDefinition } from '../graph/types.js';
import type { Alignment, Frames, Image, Ranking } from './data.js';
import { createImage } from '../image/image.js';
import { getKernels, type Interpolation, type StoredPlane } from '../image/kernels.js';
import { isIntegral, roundHalfEven, throwIfAborted } from './lib/global-util.js';

export interface MeanParams extends Record<string, string | number | boolean | number[]> {
  percent: number;
  fastChanging: boolean;
}

/** `align_frames_best_frames_window_extension`: the fast-changing window holds 2·M frames. */
export const MEAN_WINDOW_EXTENSION = 2;

/** M = max(⌈N·percent/100⌉, 1). */
export function meanFrameCount(n: number, percent: number): number {
  return Math.max(Math.ceil((n * percent) / 100), 1);
}

/**
 * The frames averaged into the reference (§7 step 2), best first. `usable[i]` false = never chosen
 * (failed alignment); N and M are taken over the usable frames.
 */
export function selectMeanFrames(ranking: Ranking, percent: number, fastChanging: boolean, usable?: (i: number) => boolean): number[] {
  const ok = usable ?? (() => true);
  const all = Array.from(ranking.order).filter(ok);
  const n = all.length;
  if (n === 0) return [];
  const m = meanFrameCount(n, percent);
  if (!fastChanging) return all.slice(0, m);
  // Chronological list of usable frames; slide a window of min(2M, N) of them.
  const chrono = Array.from({ length: ranking.quality.length }, (_, i) => i).filter(ok);
  const wn = Math.min(MEAN_WINDOW_EXTENSION * m, n);
  const q = ranking.quality;
  let bestSum = -Infinity;
  let bestSet: number[] = [];
  for (let t = 0; t + wn <= n; t++) {
    const win = chrono.slice(t, t + wn);
    // Best M inside the window; ties keep chronological order (stable sort by rank).
    win.sort((a, b) => ranking.rank[a] - ranking.rank[b]);
    const set = win.slice(0, m);
    let sum = 0;
    for (const i of set) sum += q[i];
    if (sum > bestSum) {
      bestSum = sum;
      bestSet = set;
    }
  }
  return bestSet;
}

/** A frame to average: a float image, or stored samples (`FrameSet.monoLease`), with its offset. */
export type AlignedFrame = { img: Image; dy: number; dx: number } | { stored: StoredPlane; dy: number; dx: number };

/**
 * Average of `frames` (mono images, with their offsets) over the intersection of size h × w:
 * whole-pixel offsets are cropped, fractional ones resampled (`interpolation`, default bilinear as the
 * Mean node uses; 'cubic' keeps slightly more fine detail but can ring).
 */
export function averageAligned(
  images: AsyncIterable<AlignedFrame> | Iterable<AlignedFrame>,
  h: number, w: number, count: number, interpolation: Interpolation = 'linear',
): Promise<Image> {
  return (async () => {
    const k = getKernels();
    const acc = createImage(w, h, 1);
    for await (const frame of images) {
      const { dy, dx } = frame;
      if ('stored' in frame) {
        // A stored frame (8/16-bit samples): the same sums without widening it first.
        const { stored } = frame;
        const iy = Math.min(Math.max(roundHalfEven(dy), 0), stored.height - h);
        const ix = Math.min(Math.max(roundHalfEven(dx), 0), stored.width - w);
        if (iy < 0 || ix < 0 || (isIntegral(dy - iy) && isIntegral(dx - ix) && (dy !== iy || dx !== ix))) {
          throw new Error(`Mean: a frame offset (${dy}, ${dx}) reaches outside the frame; the alignment does not match the frames`);
        }
        k.accumulateShiftedStored(acc, stored, iy, ix, -(dy - iy), -(dx - ix), interpolation);
        continue;
      }
      const { img } = frame;
      // Whole-pixel part, kept inside the frame (a half-pixel tie may round either way).
      const iy = Math.min(Math.max(roundHalfEven(dy), 0), img.height - h);
      const ix = Math.min(Math.max(roundHalfEven(dx), 0), img.width - w);
      const fy = dy - iy;
      const fx = dx - ix;
      // out(y) = in(y + f)  ⇔  shiftImage by −f (content moves by −f); only the window is resampled.
      if (!(isIntegral(fy) && isIntegral(fx)) && iy >= 0 && ix >= 0 && iy + h <= img.height && ix + w <= img.width) {
        k.accumulateShiftedWindow(acc, img, iy, ix, -fy, -fx, interpolation);
        continue;
      }
      const src = isIntegral(fy) && isIntegral(fx) ? img : k.shiftImage(img, -fy, -fx, interpolation);
      const clip = k.accumulateShifted(acc, src, iy, ix);
      if (clip.top || clip.bottom || clip.left || clip.right) {
        throw new Error(`Mean: a frame offset (${dy}, ${dx}) reaches outside the frame; the alignment does not match the frames`);
      }
    }
    k.scaleInPlace(acc, 1 / count);
    return acc;
  })();
}

export const meanNode: NodeDefinition<MeanParams> = {
  type: 'Mean',
  version: 1,
  category: 'alignment',
  doc:
    'Reference frame (PSS §7): the average of the best percent of the frames, globally aligned, over the ' +
    'intersection all frames cover (float, 16-bit scale; bilinear sampling for sub-pixel shifts).',
  inputs: {
    frames: { type: 'frames', doc: 'The frame sequence' },
    ranking: { type: 'ranking', doc: 'Frame ranking' },
    alignment: { type: 'alignment', doc: 'Global shifts and the intersection' },
  },
  outputs: { image: { type: 'image', doc: 'The mean of the best frames on the intersection (reference frame)' } },
  params: {
    percent: { kind: 'int', min: 1, max: 30, default: 5, unit: '%', doc: 'Percentage of the frames (best first) averaged into the reference; at least one frame' },
    fastChanging: {
      kind: 'bool', default: false,
      doc: 'Object changes fast (e.g. Jupiter rotation): take the best frames from the window of 2·M consecutive frames with the best total quality',
    },
  },
  async run(ctx, inputs, p) {
    const frames = inputs.frames as Frames;
    const ranking = inputs.ranking as Ranking;
    const al = inputs.alignment as Alignment;
    const n = frames.count;
    if (ranking.order.length !== n || al.shifts.length !== 2 * n) {
      throw new Error(`Mean: the ranking (${ranking.order.length}) and alignment (${al.shifts.length / 2}) do not match the ${n} frames`);
    }
    const failed = new Set(al.failed);
    const set = selectMeanFrames(ranking, p.percent, p.fastChanging, (i) => !failed.has(i));
    if (set.length === 0) throw new Error('Mean: no aligned frames to average');
    if (p.fastChanging) {
      const top = selectMeanFrames(ranking, p.percent, false, (i) => !failed.has(i));
      const sum = (s: number[]) => s.reduce((a, i) => a + ranking.quality[i], 0);
      const loss = sum(top) > 0 ? 1 - sum(set) / sum(top) : 0;
      if (loss > 0) ctx.warn(`Mean: fastChanging costs ${(loss * 100).toFixed(1)} % of the reference frames' total quality`);
    }
    const { y0, y1, x0, x1 } = al.intersection;
    const h = y1 - y0;
    const w = x1 - x0;
    let done = 0;
    async function* gen(): AsyncGenerator<AlignedFrame> {
      for (const i of set) {
        throwIfAborted(ctx);
        const { frame, release } = await frames.monoLease(i);
        try {
          yield { stored: frame, dy: al.dy[i], dx: al.dx[i] };
        } finally {
          release();
        }
        ctx.progress(++done, set.length);
      }
    }
    const image = await averageAligned(gen(), h, w, set.length);
    return { image };
  },
};
