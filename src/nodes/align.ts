/**
 * Align: global frame alignment (PSS §6) — one shift per frame and the intersection all frames cover.
 *
 * Shift convention (§0): `s_i` is the vector ADDED to frame-i coordinates to reach reference
 * (best-frame) coordinates; content displaced by +d in frame i has s_i = −d. `s_best = (0, 0)`.
 *
 * Surface mode (§6.3): the blurred best frame G_best is the reference and the first stabilisation
 * patch candidate the template. Frames are visited best−1 … 0, then best+1 … N−1; at the start of
 * each pass the cumulative shift c is (0, 0), and every frame's search box is the patch moved by −c
 * (so `searchWidth` limits frame-to-frame motion, not total drift, P11). Each frame is measured with
 * the two-phase correlation `mlc` (lib/mlc.ts, §6.2) and `c += sh1 + sh2`. After each frame:
 *  - "window does not fit": if H − |c_y| − 2·Sg − 10 < patch height (or the same in x) the run stops;
 *  - drift guard: while the box comes within Sg + 5 px of a border, the patch (in reference
 *    coordinates) moves by 5 px away from it and the templates are re-cut from G_best (the moved patch is
 *    not reset between the passes, as in PSS). The guard is also applied before the first frame of each
 *    pass, which only matters when Align.searchWidth exceeds PatchSelect.searchWidth (in PSS they are one
 *    parameter) — it keeps the search windows inside the frame.
 * Failure (§6.4), `onFailure`:
 *  - 'next-patch' (PSS): a failed correlation restarts the whole alignment with the next candidate patch;
 *    when all candidates have failed the node fails, advising to raise searchWidth;
 *  - 'drop-frame' (not in PSS): keep the first patch, record frames whose correlation fails in
 *    `alignment.failed` (later nodes leave them out) and continue from the previous frame's shift.
 *
 * Sub-pixel (`subpixel`, default on — an improvement over PSS, whose global shifts are integers): each
 * frame's phase-2 optimum is refined with the §10.3 paraboloid; the refined value is recorded as the
 * frame's shift, while the search chain (c and the next frame's box) stays on whole pixels exactly as in
 * PSS, so the same frames succeed or fail. `subpixel: false` reproduces PSS's integer shifts.
 *
 * Planet mode (§6.1): centre of gravity of every G_i above the threshold ⌊(min + max)/2⌋;
 * `s_i = cog_best − cog_i`, sub-pixel when `subpixel` is on, else each centre rounded half-to-even (PSS).
 * A flat frame (no object) or a centre outside the frame is an error.
 *
 * Intersection (§6.5): from the shifts rounded half-to-even, `Y0 = max round(s_y)`, `Y1 = H + min round(s_y)`
 * (likewise x); offsets `dy_i = Y0 − s_y,i`, `dx_i = X0 − s_x,i` (float with sub-pixel shifts):
 * intersection pixel (y, x) is frame i's pixel (y + dy_i, x + dx_i). `alignment.patch` is the candidate
 * rectangle that succeeded, as chosen (before any drift-guard moves).
 */
import type { NodeDefinition, RunContext } from '../graph/types.js';
import type { Alignment, Frames, PatchCandidates, Ranking } from './data.js';
import type { Image, Rect } from '../image/image.js';
import { getKernels } from '../image/kernels.js';
import { mlc, mlcReferences, maxMlcShift, type MlcFailure } from './lib/mlc.js';
import { roundHalfEven, throwIfAborted } from './lib/global-util.js';

export interface AlignParams extends Record<string, string | number | boolean | number[]> {
  mode: string;
  searchWidth: number;
  subpixel: boolean;
  onFailure: string;
}

/** `align_frames_border_width`: keep-out and drift-guard base (the guard moves by ⌈10/2⌉ = 5 px). */
export const ALIGN_BORDER_WIDTH = 10;

const FAILURE_TEXT: Record<MlcFailure, string> = {
  rim1: 'the best coarse match lay on the edge of the search range',
  rim2: 'the best fine match lay on the edge of the ±4 px range',
  bounds1: 'the coarse search window left the frame',
  bounds2: 'the fine search window left the frame',
};

interface SurfaceAttempt {
  ok: boolean;
  shifts: Float64Array;
  failed: number[];
  /** First failing frame and why (ok = false). */
  frame?: number;
  failure?: MlcFailure;
}

/** Builds the Alignment (intersection and offsets, §6.5) from per-frame shifts. */
export function finishAlignment(
  mode: 'surface' | 'planet', reference: number, shifts: Float64Array, H: number, W: number,
  failed: number[] = [], patch?: Rect,
): Alignment {
  const n = shifts.length / 2;
  const skip = new Set(failed);
  let Y0 = -Infinity, X0 = -Infinity, minY = Infinity, minX = Infinity;
  for (let i = 0; i < n; i++) {
    if (skip.has(i)) continue;
    const ry = roundHalfEven(shifts[2 * i]);
    const rx = roundHalfEven(shifts[2 * i + 1]);
    if (ry > Y0) Y0 = ry;
    if (rx > X0) X0 = rx;
    if (ry < minY) minY = ry;
    if (rx < minX) minX = rx;
  }
  const Y1 = H + minY;
  const X1 = W + minX;
  if (!(Y1 > Y0 && X1 > X0)) {
    throw new Error(
      `Align: the frames have no common area (shifts span y ${minY}..${Y0}, x ${minX}..${X0} px in a ${W}x${H} frame)`,
    );
  }
  const dy = new Float64Array(n);
  const dx = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    dy[i] = Y0 - shifts[2 * i];
    dx[i] = X0 - shifts[2 * i + 1];
  }
  const out: Alignment = {
    mode, reference, shifts, intersection: { y0: Y0, y1: Y1, x0: X0, x1: X1 }, dy, dx, failed: [...failed].sort((a, b) => a - b),
  };
  if (patch) out.patch = patch;
  return out;
}

async function alignSurfaceWithPatch(
  ctx: RunContext, frames: Frames, ref: Image, best: number, patch: Rect, p: AlignParams, dropFrames: boolean,
): Promise<SurfaceAttempt> {
  const n = frames.count;
  const H = frames.height;
  const W = frames.width;
  const Sg = p.searchWidth;
  const gw = frames.noise;
  const bw = ALIGN_BORDER_WIDTH;
  const half = bw / 2;
  const step = Math.ceil(bw / 2);
  const rh = patch.y1 - patch.y0;
  const rw = patch.x1 - patch.x0;
  let rect = { ...patch };
  let refs = mlcReferences(ref, rect);
  const shifts = new Float64Array(2 * n);
  const failed: number[] = [];
  let done = 1;

  /** Moves the patch (reference coordinates) away from the borders; re-cuts the templates if moved. */
  const guard = (cy: number, cx: number): void => {
    let moved = false;
    while (rect.y0 - cy < Sg + half && rect.y1 + step <= H) { rect = { ...rect, y0: rect.y0 + step, y1: rect.y1 + step }; moved = true; }
    while (rect.y1 - cy > H - Sg - half && rect.y0 - step >= 0) { rect = { ...rect, y0: rect.y0 - step, y1: rect.y1 - step }; moved = true; }
    while (rect.x0 - cx < Sg + half && rect.x1 + step <= W) { rect = { ...rect, x0: rect.x0 + step, x1: rect.x1 + step }; moved = true; }
    while (rect.x1 - cx > W - Sg - half && rect.x0 - step >= 0) { rect = { ...rect, x0: rect.x0 - step, x1: rect.x1 - step }; moved = true; }
    if (moved) refs = mlcReferences(ref, rect);
  };

  const passes = [
    Array.from({ length: best }, (_, j) => best - 1 - j),
    Array.from({ length: n - best - 1 }, (_, j) => best + 1 + j),
  ];
  for (const pass of passes) {
    let cy = 0;
    let cx = 0;
    guard(cy, cx);
    for (const i of pass) {
      throwIfAborted(ctx);
      const G = await frames.blurredSamplesView(i);
      const box = { y0: rect.y0 - cy, y1: rect.y1 - cy, x0: rect.x0 - cx, x1: rect.x1 - cx };
      const r = mlc(refs.refFull, refs.refHalf, G, box, Sg, gw, { subpixel: p.subpixel });
      if (!(r.ok1 && r.ok2)) {
        if (!dropFrames) return { ok: false, shifts, failed, frame: i, failure: r.failure };
        failed.push(i);
        shifts[2 * i] = cy;
        shifts[2 * i + 1] = cx;
        ctx.progress(++done, n);
        continue;
      }
      cy += r.sh1[0] + r.sh2Int[0];
      cx += r.sh1[1] + r.sh2Int[1];
      shifts[2 * i] = cy + (r.sh2[0] - r.sh2Int[0]);
      shifts[2 * i + 1] = cx + (r.sh2[1] - r.sh2Int[1]);
      if (H - Math.abs(cy) - 2 * Sg - bw < rh || W - Math.abs(cx) - 2 * Sg - bw < rw) {
        throw new Error(
          `Align.searchWidth: at frame ${i} the drift (${cy}, ${cx}) px leaves no room for the ${rw}x${rh} stabilisation ` +
          `patch plus 2·searchWidth + ${bw} px in the ${W}x${H} frame; lower searchWidth (now ${Sg}) or PatchSelect.sizePercent`,
        );
      }
      guard(cy, cx);
      ctx.progress(++done, n);
    }
  }
  return { ok: true, shifts, failed };
}

async function alignSurface(ctx: RunContext, frames: Frames, ranking: Ranking, patch: PatchCandidates | undefined, p: AlignParams): Promise<Alignment> {
  if (!patch || patch.rects.length === 0) {
    throw new Error("Align.mode: surface mode needs stabilisation patch candidates on the 'patch' input (connect a PatchSelect node)");
  }
  const best = ranking.order[0];
  const ref = await frames.blurred(best);
  const H = frames.height;
  const W = frames.width;
  const margin = ALIGN_BORDER_WIDTH + p.searchWidth;
  if (!patch.manual && patch.rects.some((r) => r.y0 < margin || r.x0 < margin || r.y1 > H - margin || r.x1 > W - margin)) {
    ctx.warn(
      `Align.searchWidth (${p.searchWidth}) is larger than the margin the patch candidates keep; ` +
      `set PatchSelect.searchWidth to the same value`,
    );
  }
  const dropFrames = p.onFailure === 'drop-frame';
  const candidates = dropFrames ? patch.rects.slice(0, 1) : patch.rects;
  let last: SurfaceAttempt | undefined;
  for (let c = 0; c < candidates.length; c++) {
    const rect = candidates[c];
    if (!(rect.y0 >= 0 && rect.x0 >= 0 && rect.y1 <= H && rect.x1 <= W && rect.y1 - rect.y0 >= 2 && rect.x1 - rect.x0 >= 2)) {
      throw new Error(`Align: stabilisation patch [${rect.y0}, ${rect.y1}, ${rect.x0}, ${rect.x1}] does not lie inside the ${W}x${H} frame`);
    }
    const attempt = await alignSurfaceWithPatch(ctx, frames, ref, best, rect, p, dropFrames);
    if (attempt.ok) {
      if (attempt.failed.length === frames.count - 1 && frames.count > 1) {
        throw new Error(
          `Align.searchWidth: every frame but the reference failed to align; raise searchWidth (now ${p.searchWidth})`,
        );
      }
      if (attempt.failed.length) {
        ctx.warn(`Align: ${attempt.failed.length} of ${frames.count} frames failed to align and are dropped (onFailure drop-frame): ${attempt.failed.join(', ')}`);
      }
      if (c > 0) ctx.warn(`Align: used stabilisation patch candidate ${c + 1} of ${candidates.length}`);
      return finishAlignment('surface', best, attempt.shifts, H, W, attempt.failed, rect);
    }
    last = attempt;
    if (c + 1 < candidates.length) {
      ctx.warn(
        `Align: stabilisation patch ${c + 1} [${rect.y0}, ${rect.y1}, ${rect.x0}, ${rect.x1}] failed at frame ${attempt.frame} ` +
        `(${FAILURE_TEXT[attempt.failure ?? 'rim1']}); trying the next candidate`,
      );
    }
  }
  const why = last ? ` (last: frame ${last.frame}, ${FAILURE_TEXT[last.failure ?? 'rim1']})` : '';
  const limit = maxMlcShift(p.searchWidth);
  const more = p.searchWidth >= 150 ? ' or pre-stabilise the video (e.g. with PIPP)' : '';
  if (patch.manual) {
    throw new Error(
      `Align.searchWidth: the manual stabilisation patch failed${why}; raise searchWidth (now ${p.searchWidth}, ` +
      `frame-to-frame motion up to ±${limit} px)${more} or choose another PatchSelect.manualRect`,
    );
  }
  throw new Error(
    `Align.searchWidth: all ${candidates.length} stabilisation patches failed${why}; raise searchWidth (now ${p.searchWidth}, ` +
    `frame-to-frame motion up to ±${limit} px)${more}`,
  );
}

async function alignPlanet(ctx: RunContext, frames: Frames, ranking: Ranking, p: AlignParams): Promise<Alignment> {
  const n = frames.count;
  const H = frames.height;
  const W = frames.width;
  const k = getKernels();
  const cog = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    throwIfAborted(ctx);
    const c = k.centreOfGravity(await frames.blurredView(i));
    if (!c) {
      throw new Error(
        `Align.mode: frame ${i} is flat (no object brighter than its background); planet mode needs a bright object ` +
        `on a dark sky — use mode 'surface' or leave the frame out (Source.exclude)`,
      );
    }
    const cy = p.subpixel ? c.cy : roundHalfEven(c.cy);
    const cx = p.subpixel ? c.cx : roundHalfEven(c.cx);
    if (!(cy > 0 && cy < H && cx > 0 && cx < W)) {
      throw new Error(
        `Align.mode: the centre of gravity of frame ${i} (${cy.toFixed(2)}, ${cx.toFixed(2)}) lies on or outside the ` +
        `${W}x${H} frame; planet mode needs the whole object in view — use mode 'surface'`,
      );
    }
    cog[2 * i] = cy;
    cog[2 * i + 1] = cx;
    ctx.progress(i + 1, n);
  }
  const best = ranking.order[0];
  const shifts = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    shifts[2 * i] = cog[2 * best] - cog[2 * i];
    shifts[2 * i + 1] = cog[2 * best + 1] - cog[2 * i + 1];
  }
  return finishAlignment('planet', best, shifts, H, W);
}

export const alignNode: NodeDefinition<AlignParams> = {
  type: 'Align',
  version: 1,
  category: 'alignment',
  doc:
    'Global alignment (PSS §6): surface mode correlates a stabilisation patch of the best frame with every frame ' +
    '(two-phase normalised correlation, sub-pixel refined by default); planet mode uses the centre of gravity. ' +
    'Outputs per-frame shifts and the intersection every frame covers.',
  inputs: {
    frames: { type: 'frames', doc: 'The frame sequence' },
    ranking: { type: 'ranking', doc: 'Frame ranking (the best frame is the reference)' },
    patch: { type: 'patch', doc: 'Stabilisation patch candidates (surface mode)', optional: true },
  },
  outputs: { alignment: { type: 'alignment', doc: 'Per-frame global shifts, offsets and the intersection' } },
  params: {
    mode: { kind: 'choice', choices: ['surface', 'planet'], default: 'surface', doc: 'surface = patch correlation (Moon, Sun, large planets); planet = centre of gravity of a small object on black' },
    searchWidth: {
      kind: 'int', min: 6, max: 150, default: 34, unit: 'px',
      doc: 'Global search width Sg (surface): frames may move up to about ±(Sg−3) px from one frame to the next. Should equal PatchSelect.searchWidth',
    },
    subpixel: { kind: 'bool', default: true, doc: 'Refine each shift to sub-pixel (paraboloid fit / float centre of gravity); off = integer shifts as PSS' },
    onFailure: {
      kind: 'choice', choices: ['next-patch', 'drop-frame'], default: 'next-patch',
      doc: 'When a frame cannot be correlated (surface): next-patch = restart with the next candidate patch (PSS); drop-frame = keep the patch and leave the frame out',
    },
  },
  async run(ctx, inputs, p) {
    const frames = inputs.frames as Frames;
    const ranking = inputs.ranking as Ranking;
    if (ranking.order.length !== frames.count) {
      throw new Error(`Align: the ranking has ${ranking.order.length} frames, the frame set ${frames.count}`);
    }
    const alignment = p.mode === 'planet'
      ? await alignPlanet(ctx, frames, ranking, p)
      : await alignSurface(ctx, frames, ranking, inputs.patch as PatchCandidates | undefined, p);
    return { alignment };
  },
};
