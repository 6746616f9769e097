/**
 * PatchSelect: the stabilisation patch for surface-mode global alignment (PSS §5).
 *
 * Auto: on the blurred best frame `G_best`, with keep-out margin `m = 10 + Sg` and scale
 * `f = 100 / sizePercent` (the PSS CLI's `--stab_size 33` → 3.03), candidate patches of
 * `⌊(H − 2m)/f⌋ × ⌊(W − 2m)/f⌋` pixels are placed on a half-overlapping grid and scored by
 * `min(horizontal, vertical)` sums of |F(p + 4) − F(p)| at pixels whose midpoint is brighter than
 * 10240 (40·256), divided by the bright fraction φ when φ > 0.7. Sorted best first (ties: descending
 * (y0, y1, x0, x1) tuples); the others are fallbacks for Align.
 *
 * Deviation from PSS (bug P1, §16): PSS takes the differences in uint16 arithmetic, so a negative
 * difference wraps to 65536 + d and the score mostly counts falling edges. Here the differences are
 * TRUE absolute differences (the intended measure). The chosen patch can therefore differ from PSS's.
 *
 * Manual: `manualRect` = [y0, y1, x0, x1] in frame coordinates. As in PSS the height and width must
 * be 20–70 % of the frame and the rectangle must keep `searchWidth` pixels from every border (PSS
 * lets the user draw only on the frame with Sg cropped from each side). A manual patch has no
 * fallbacks. (PSS silently falls back to automatic for a bad manual patch; here it is an error.)
 *
 * `searchWidth` (Sg) sets the keep-out margin; Align has its own `searchWidth` that must match it
 * (PSS uses one value for both) — a larger Align.searchWidth than here can push search windows out
 * of the frame.
 */
import type { NodeDefinition } from '../graph/types.js';
import type { Frames, PatchCandidates, Ranking } from './data.js';
import type { Image, Rect } from '../image/image.js';
import { throwIfAborted } from './lib/global-util.js';

export interface PatchSelectParams extends Record<string, string | number | boolean | number[]> {
  mode: string;
  sizePercent: number;
  searchWidth: number;
  manualRect: number[];
}

/** `align_frames_border_width` (PSS hidden constant). */
export const PATCH_BORDER_WIDTH = 10;
/** Brightness mask threshold of the patch score (40·256). */
export const PATCH_BLACK_THRESHOLD = 10240;
/** Minimum bright fraction above which the score is compensated for masked pixels. */
export const PATCH_MIN_FRACTION = 0.7;
/** Score difference stride (differences over 2·stride = 4 px, mask at the midpoint). */
export const PATCH_STRIDE = 2;
export const MANUAL_MIN_FRACTION = 0.2;
export const MANUAL_MAX_FRACTION = 0.7;

/**
 * PSS §5 patch score of `G[rect]` with TRUE absolute differences (not PSS's uint16 wrap, P1):
 * `min(Σ_h, Σ_v)` where `Σ_h = Σ_{x+4<w, mask(y,x+2)} |F(y,x+4) − F(y,x)|` (likewise along y),
 * both divided by the bright fraction φ when φ > 0.7.
 */
export function patchScore(G: Image, rect: Rect): number {
  const W = G.width;
  const d = G.data;
  const h = rect.y1 - rect.y0;
  const w = rect.x1 - rect.x0;
  const D = 2 * PATCH_STRIDE;
  const M = PATCH_STRIDE;
  let bright = 0;
  let sh = 0;
  let sv = 0;
  for (let y = 0; y < h; y++) {
    const row = (rect.y0 + y) * W + rect.x0;
    for (let x = 0; x < w; x++) {
      const v = d[row + x];
      if (v > PATCH_BLACK_THRESHOLD) bright++;
      if (x + D < w && d[row + x + M] > PATCH_BLACK_THRESHOLD) sh += Math.abs(d[row + x + D] - v);
      if (y + D < h && d[row + M * W + x] > PATCH_BLACK_THRESHOLD) sv += Math.abs(d[row + D * W + x] - v);
    }
  }
  const phi = bright / (h * w);
  if (phi > PATCH_MIN_FRACTION) {
    sh /= phi;
    sv /= phi;
  }
  return Math.min(sh, sv);
}

/**
 * `patchScore` of every rect in one pass over the rows of G: per row, prefix sums of the three
 * per-pixel terms (bright, horizontal and vertical differences), from which each rect covering the row
 * takes its segment. The terms are integers (G holds integers) and so are all the sums, exactly, in any
 * order: the scores equal `patchScore`'s.
 */
export function patchScores(G: { width: number; height: number; data: ArrayLike<number> }, rects: readonly Rect[]): number[] {
  const W = G.width;
  const H = G.height;
  const d = G.data;
  const D = 2 * PATCH_STRIDE;
  const M = PATCH_STRIDE;
  const T = PATCH_BLACK_THRESHOLD;
  const bright = new Float64Array(rects.length);
  const sh = new Float64Array(rects.length);
  const sv = new Float64Array(rects.length);
  const pb = new Float64Array(W + 1);
  const ph = new Float64Array(W + 1);
  const pv = new Float64Array(W + 1);
  let y0 = H;
  let y1 = 0;
  for (const r of rects) { if (r.y0 < y0) y0 = r.y0; if (r.y1 > y1) y1 = r.y1; }
  for (let y = y0; y < y1; y++) {
    prefixRow(d, W, H, y, D, M, T, pb, ph, pv);
    for (let k = 0; k < rects.length; k++) {
      const r = rects[k];
      if (y < r.y0 || y >= r.y1) continue;
      bright[k] += pb[r.x1] - pb[r.x0];
      // horizontal: x + D < w, i.e. columns x0 … x1 − D − 1; vertical: rows y + D < y1
      if (r.x1 - D > r.x0) sh[k] += ph[r.x1 - D] - ph[r.x0];
      if (y + D < r.y1) sv[k] += pv[r.x1] - pv[r.x0];
    }
  }
  return rects.map((r, k) => {
    const phi = bright[k] / ((r.y1 - r.y0) * (r.x1 - r.x0));
    let h = sh[k];
    let v = sv[k];
    if (phi > PATCH_MIN_FRACTION) {
      h /= phi;
      v /= phi;
    }
    return Math.min(h, v);
  });
}

/** Prefix sums over row y of: v > T; mask(y, x+M)·|F(y, x+D) − F(y, x)|; mask(y+M, x)·|F(y+D, x) − F(y, x)| (0 off the frame). */
function prefixRow(
  d: ArrayLike<number>, W: number, H: number, y: number, D: number, M: number, T: number, pb: Float64Array, ph: Float64Array, pv: Float64Array,
): void {
  const row = y * W;
  const below = y + D < H;
  let b = 0, h = 0, v = 0;
  for (let x = 0; x < W; x++) {
    const c = d[row + x];
    if (c > T) b++;
    if (x + D < W && d[row + x + M] > T) h += Math.abs(d[row + x + D] - c);
    if (below && d[row + M * W + x] > T) v += Math.abs(d[row + D * W + x] - c);
    pb[x + 1] = b;
    ph[x + 1] = h;
    pv[x + 1] = v;
  }
}

/** The §5 candidate grid for a frame size, scale factor f and search width (may be empty). */
export function patchCandidateRects(height: number, width: number, scale: number, searchWidth: number): Rect[] {
  const m = PATCH_BORDER_WIDTH + searchWidth;
  const ry = Math.floor((height - 2 * m) / scale);
  const rx = Math.floor((width - 2 * m) / scale);
  const stepY = Math.floor(ry / 2);
  const stepX = Math.floor(rx / 2);
  const out: Rect[] = [];
  if (stepY < 1 || stepX < 1) return out;
  for (let x0 = m; x0 + rx <= width - m; x0 += stepX) {
    for (let y0 = m; y0 + ry <= height - m; y0 += stepY) out.push({ y0, y1: y0 + ry, x0, x1: x0 + rx });
  }
  return out;
}

function manualRectProblem(r: number[], H: number, W: number, sg: number): string | null {
  if (r.length !== 4) return `PatchSelect.manualRect: mode 'manual' needs [y0, y1, x0, x1]; found ${r.length ? `[${r.join(', ')}]` : 'an empty list'}`;
  const [y0, y1, x0, x1] = r;
  if (!(y1 > y0 && x1 > x0)) return `PatchSelect.manualRect: [${r.join(', ')}] must have y0 < y1 and x0 < x1`;
  const fy = (y1 - y0) / H;
  const fx = (x1 - x0) / W;
  const lo = MANUAL_MIN_FRACTION;
  const hi = MANUAL_MAX_FRACTION;
  if (fy < lo || fy > hi || fx < lo || fx > hi) {
    return `PatchSelect.manualRect: [${r.join(', ')}] is ${(fy * 100).toFixed(0)} % of the frame height and ` +
      `${(fx * 100).toFixed(0)} % of its width (${W}x${H}); both must be ${lo * 100}–${hi * 100} %`;
  }
  if (y0 < sg || x0 < sg || y1 > H - sg || x1 > W - sg) {
    return `PatchSelect.manualRect: [${r.join(', ')}] must keep PatchSelect.searchWidth = ${sg} px from every border ` +
      `of the ${W}x${H} frame (rows ${sg}..${H - sg}, columns ${sg}..${W - sg})`;
  }
  return null;
}

export const patchSelectNode: NodeDefinition<PatchSelectParams> = {
  type: 'PatchSelect',
  version: 1,
  category: 'alignment',
  doc:
    'Chooses the stabilisation patch for surface-mode alignment (PSS §5): candidate rectangles on the best ' +
    'frame scored by their structure (true absolute differences over 4 px on bright pixels), best first; ' +
    'or a manual rectangle.',
  inputs: {
    frames: { type: 'frames', doc: 'The frame sequence' },
    ranking: { type: 'ranking', doc: 'Frame ranking (the patch is chosen on the best frame)' },
  },
  outputs: { patch: { type: 'patch', doc: 'Stabilisation patch candidates, best first' } },
  params: {
    mode: { kind: 'choice', choices: ['auto', 'manual'], default: 'auto', doc: 'auto = score candidate patches; manual = use manualRect' },
    sizePercent: {
      kind: 'int', min: 5, max: 80, step: 5, default: 33, unit: '%',
      doc: 'Patch size as a percentage of the frame (inside the keep-out margin); scale factor 100/percent (PSS --stab_size)',
    },
    searchWidth: {
      kind: 'int', min: 5, max: 150, default: 34, unit: 'px',
      doc: 'Global search width Sg: candidates keep 10 + Sg px from the border. Should equal Align.searchWidth',
    },
    manualRect: {
      kind: 'intlist', length: 4, min: 0, default: [], unit: 'px',
      doc: 'Manual patch [y0, y1, x0, x1] (mode manual): 20–70 % of the frame per axis, at least searchWidth from the border',
    },
  },
  check(p) {
    const issues: string[] = [];
    if (p.mode === 'manual' && p.manualRect.length !== 4) issues.push(`param 'manualRect': mode 'manual' needs [y0, y1, x0, x1]`);
    if (p.manualRect.length === 4) {
      const [y0, y1, x0, x1] = p.manualRect;
      if (!(y1 > y0 && x1 > x0)) issues.push(`param 'manualRect': expected y0 < y1 and x0 < x1; found [${p.manualRect.join(', ')}]`);
    }
    return issues;
  },
  async run(ctx, inputs, p) {
    const frames = inputs.frames as Frames;
    const ranking = inputs.ranking as Ranking;
    if (ranking.order.length !== frames.count) {
      throw new Error(`PatchSelect: the ranking has ${ranking.order.length} frames, the frame set ${frames.count}`);
    }
    const H = frames.height;
    const W = frames.width;
    if (p.mode === 'manual') {
      const problem = manualRectProblem(p.manualRect, H, W, p.searchWidth);
      if (problem) throw new Error(problem);
      const [y0, y1, x0, x1] = p.manualRect;
      const out: PatchCandidates = { rects: [{ y0, y1, x0, x1 }], scores: [0], manual: true };
      return { patch: out };
    }
    const scale = 100 / p.sizePercent;
    const rects = patchCandidateRects(H, W, scale, p.searchWidth);
    if (rects.length === 0) {
      throw new Error(
        `PatchSelect.sizePercent: the ${W}x${H} frame is too small for a stabilisation patch of ${p.sizePercent} % with ` +
        `searchWidth ${p.searchWidth} (keep-out margin ${PATCH_BORDER_WIDTH + p.searchWidth} px); raise sizePercent or lower searchWidth`,
      );
    }
    throwIfAborted(ctx);
    const G = await frames.blurred(ranking.order[0]);
    const scores = patchScores(G, rects);
    ctx.progress(rects.length, rects.length);
    const scored = rects.map((r, i) => ({ r, s: scores[i] }));
    scored.sort((a, b) =>
      b.s - a.s || b.r.y0 - a.r.y0 || b.r.y1 - a.r.y1 || b.r.x0 - a.r.x0 || b.r.x1 - a.r.x1);
    const out: PatchCandidates = { rects: scored.map((c) => c.r), scores: scored.map((c) => c.s), manual: false };
    return { patch: out };
  },
};
