/**
 * APGrid: places the alignment points (APs) on the reference image (PSS §8).
 *
 * Sizes: half box hb = round(B/2), half patch hp = round(1.5·hb), step = round(1.5·hp) (Python
 * round-half-even); the centres keep mbd = max(hb + S, hp) from the border. The automatic grid is
 * staggered: rows at the "even" y-locations, alternating even/odd x-locations (1920x1080 with the
 * defaults: 20 rows of 36/35 points = 710 candidates). Patches of the outermost rows/columns are
 * extended to the image border. Every test uses Rb = GaussBlur(uint16(R), gw):
 *   - dim test: keep only if max(box) > 256·minBrightness (and max − min > 0);
 *   - re-centring: when more than 60 % of the box is below that threshold, the AP moves by the
 *     intensity-weighted centre of mass of the box (⌊c⌋ − hb), clamped to [mbd, n − mbd];
 *   - structure = min(mean |horizontal difference|, mean |vertical difference|) over the box,
 *     normalised by the largest kept value; APs below minStructure are dropped.
 *
 * Deliberate deviation from PSS (pitfall P6): PSS extends only the top patch edge when the grid has
 * a single row (and only the left edge for a row with a single point); here a single row/point is
 * extended to both borders, so no uncovered strip is left at the bottom/right.
 *
 * Manual APs (`points`) are placed as given (no dim/structure drop, no border extension, as PSS's
 * manual AP editor); each must keep its box `searchWidth` away from the border and its patch inside.
 */
import type { NodeDefinition } from '../graph/types.js';
import type { Image } from '../image/image.js';
import { getKernels } from '../image/kernels.js';
import type { FrameSet } from '../runtime/frame-store.js';
import type { AlignmentPoint, APGrid } from './data.js';
import { apSizes, gridLocations, minBorderDistance, monoImage } from './lib/ap-common.js';

export interface APGridParams extends Record<string, number | boolean | string | number[]> {
  boxWidth: number;
  searchWidth: number;
  minStructure: number;
  minBrightness: number;
  points: number[];
}

/** PSS hidden constants (§1.3). */
const CONTRAST_THRESHOLD = 0;
const DIM_FRACTION = 0.6;

interface Candidate {
  y: number;
  x: number;
  top: boolean;
  bottom: boolean;
  left: boolean;
  right: boolean;
  structure: number;
}

function makePoint(c: Candidate, hb: number, hp: number, h: number, w: number, structure: number): AlignmentPoint {
  return {
    y: c.y,
    x: c.x,
    box: { y0: c.y - hb, y1: c.y + hb, x0: c.x - hb, x1: c.x + hb },
    patch: {
      y0: c.top ? 0 : c.y - hp,
      y1: c.bottom ? h : c.y + hp,
      x0: c.left ? 0 : c.x - hp,
      x1: c.right ? w : c.x + hp,
    },
    structure,
  };
}

/** Box statistics on the blurred reference (integer-valued floats). */
function boxStats(rb: Image, y: number, x: number, hb: number, tb: number) {
  const w = rb.width;
  const d = rb.data;
  let max = -Infinity;
  let min = Infinity;
  let below = 0;
  let sum = 0;
  let sy = 0;
  let sx = 0;
  for (let yy = 0; yy < 2 * hb; yy++) {
    const rbase = (y - hb + yy) * w + x - hb;
    for (let xx = 0; xx < 2 * hb; xx++) {
      const v = d[rbase + xx];
      if (v > max) max = v;
      if (v < min) min = v;
      if (v < tb) below++;
      sum += v;
      sy += yy * v;
      sx += xx * v;
    }
  }
  return { max, min, below, sum, cy: sum > 0 ? sy / sum : 0, cx: sum > 0 ? sx / sum : 0 };
}

/** min(mean |Rb(y, x+1) − Rb(y, x)|, mean |Rb(y+1, x) − Rb(y, x)|) over the box. */
function structureOf(rb: Image, y: number, x: number, hb: number): number {
  const w = rb.width;
  const d = rb.data;
  const n = 2 * hb;
  let sh = 0;
  let sv = 0;
  for (let yy = 0; yy < n; yy++) {
    const r = (y - hb + yy) * w + x - hb;
    for (let xx = 0; xx + 1 < n; xx++) sh += Math.abs(d[r + xx + 1] - d[r + xx]);
    if (yy + 1 < n) for (let xx = 0; xx < n; xx++) sv += Math.abs(d[r + w + xx] - d[r + xx]);
  }
  const cnt = n * (n - 1);
  return Math.min(sh / cnt, sv / cnt);
}

export const apGridNode: NodeDefinition<APGridParams> = {
  type: 'APGrid',
  version: 1,
  category: 'alignment',
  doc:
    'Places alignment points on the reference image: a staggered grid of boxes (shift measurement) and ' +
    'overlapping patches (stacking); drops APs on dark sky or without structure (PSS §8).',
  inputs: {
    image: { type: 'image', doc: 'The reference (mean) image in intersection coordinates' },
    frames: { type: 'frames', doc: 'The frame set (its noise blur width is used for the AP tests)' },
  },
  outputs: { apgrid: { type: 'apgrid', doc: 'The alignment points' } },
  params: {
    boxWidth: { kind: 'int', min: 20, max: 140, step: 4, default: 48, unit: 'px', doc: 'Alignment box width B (half box = round(B/2)); patches are 1.5× the box' },
    searchWidth: { kind: 'int', min: 6, max: 30, step: 2, default: 14, unit: 'px', doc: 'Local search width S; boxes keep this distance from the border (match Shift.searchWidth)' },
    minStructure: { kind: 'float', min: 0.01, max: 0.3, default: 0.04, doc: 'Drop APs whose normalised structure is below this' },
    minBrightness: { kind: 'int', min: 2, max: 50, default: 10, unit: '8-bit levels', doc: 'Drop APs whose box is never brighter than this (×256 on the 16-bit scale)' },
    points: { kind: 'intlist', min: 0, default: [], unit: 'px', doc: 'Manual AP centres [y0, x0, y1, x1, …] in reference coordinates; empty for the automatic grid' },
  },
  check(p) {
    const issues: string[] = [];
    if (p.points.length % 2 !== 0) issues.push(`param 'points': expected pairs [y, x, …]; found ${p.points.length} numbers`);
    return issues;
  },
  preflight(p, frames) {
    // The reference is at most the frame size (the intersection of aligned frames is smaller).
    const { halfBox: hb, halfPatch: hp } = apSizes(p.boxWidth);
    const mbd = minBorderDistance(hb, hp, p.searchWidth);
    if (p.points.length === 0 && (2 * mbd >= frames.width || 2 * mbd >= frames.height)) {
      return [`APGrid.boxWidth: ${p.boxWidth} px boxes (patch ${2 * hp} px, search ${p.searchWidth} px) need frames larger than ${2 * mbd}x${2 * mbd} px; the frames are ${frames.width}x${frames.height} — lower APGrid.boxWidth`];
    }
    return [];
  },
  async run(ctx, inputs, p) {
    const image = inputs.image as Image;
    const frames = inputs.frames as FrameSet;
    const k = getKernels();
    const ref = monoImage(image);
    const h = ref.height;
    const w = ref.width;
    const S = p.searchWidth;
    const { halfBox: hb, halfPatch: hp, step } = apSizes(p.boxWidth);
    const mbd = minBorderDistance(hb, hp, S);
    const tb = 256 * p.minBrightness;
    const blurred = k.gaussianBlur(k.quantizeU16(ref), frames.noise);
    const rb = k.quantizeU16(blurred, blurred.data); // in place: the blurred copy is ours

    const points: AlignmentPoint[] = [];
    const dropped = { dim: 0, structure: 0 };

    if (p.points.length > 0) {
      if (p.points.length % 2 !== 0) throw new Error(`APGrid.points: expected pairs [y, x, …]; found ${p.points.length} numbers`);
      const cands: Candidate[] = [];
      for (let i = 0; i < p.points.length; i += 2) {
        const y = p.points[i];
        const x = p.points[i + 1];
        if (y < mbd || y > h - mbd || x < mbd || x > w - mbd) {
          throw new Error(
            `APGrid.points: AP ${i / 2} at (y ${y}, x ${x}) must lie in [${mbd}, ${h - mbd}] x [${mbd}, ${w - mbd}] ` +
            `(box ${2 * hb} px kept ${S} px from the border, patch ${2 * hp} px inside the ${w}x${h} image)`,
          );
        }
        cands.push({ y, x, top: false, bottom: false, left: false, right: false, structure: structureOf(rb, y, x, hb) });
      }
      const maxS = Math.max(...cands.map((c) => c.structure));
      for (const c of cands) points.push(makePoint(c, hb, hp, h, w, maxS > 0 ? c.structure / maxS : 0));
    } else {
      const ys = gridLocations(h, mbd, step).even;
      const xs = gridLocations(w, mbd, step);
      if (ys.length === 0 || xs.even.length === 0 || xs.odd.length === 0) {
        throw new Error(
          `APGrid.boxWidth: ${p.boxWidth} px boxes (patch ${2 * hp} px, search ${S} px) need an image larger than ` +
          `${2 * mbd}x${2 * mbd} px; the reference is ${w}x${h} — lower APGrid.boxWidth (or APGrid.searchWidth)`,
        );
      }
      const kept: Candidate[] = [];
      let flatBoxes = 0;
      for (let r = 0; r < ys.length; r++) {
        const row = r % 2 === 0 ? xs.even : xs.odd;
        for (let c = 0; c < row.length; c++) {
          let y = ys[r];
          let x = row[c];
          if (y < mbd || y > h - mbd || x < mbd || x > w - mbd) continue;
          const st = boxStats(rb, y, x, hb, tb);
          if (!(st.max > tb && st.max - st.min > CONTRAST_THRESHOLD * 256)) {
            dropped.dim++;
            if (st.max > tb) flatBoxes++;
            continue;
          }
          if (st.below / (4 * hb * hb) > DIM_FRACTION) {
            y = Math.min(Math.max(y + Math.floor(st.cy) - hb, mbd), h - mbd);
            x = Math.min(Math.max(x + Math.floor(st.cx) - hb, mbd), w - mbd);
          }
          kept.push({
            y, x,
            // P6 fixed: the first and the last row (column) are extended independently.
            top: r === 0, bottom: r === ys.length - 1, left: c === 0, right: c === row.length - 1,
            structure: structureOf(rb, y, x, hb),
          });
        }
      }
      if (kept.length === 0) {
        throw new Error(
          flatBoxes === dropped.dim
            ? `APGrid: the reference image has no structure (all ${flatBoxes} boxes are flat); no alignment point can be placed`
            : `APGrid: all ${dropped.dim} alignment points were dropped as too dim (${dropped.dim - flatBoxes} boxes never ` +
              `brighter than ${p.minBrightness}·256 = ${tb}${flatBoxes ? `, ${flatBoxes} flat` : ''}); lower APGrid.minBrightness`,
        );
      }
      let maxS = 0;
      for (const c of kept) if (c.structure > maxS) maxS = c.structure;
      for (const c of kept) {
        const s = maxS > 0 ? c.structure / maxS : 0;
        if (s < p.minStructure) {
          dropped.structure++;
          continue;
        }
        points.push(makePoint(c, hb, hp, h, w, s));
      }
      if (points.length === 0) {
        throw new Error(
          maxS > 0
            ? `APGrid: all alignment points were dropped (${dropped.dim} too dim, ${dropped.structure} below ` +
              `minStructure ${p.minStructure}); lower APGrid.minStructure`
            : `APGrid: the reference image has no structure (all ${kept.length} bright boxes are flat); ` +
              'no alignment point can be placed (lower APGrid.minStructure does not help; check the input)',
        );
      }
    }
    ctx.progress(1, 1);
    const grid: APGrid = { width: w, height: h, halfBox: hb, halfPatch: hp, searchWidth: S, points, dropped };
    return { apgrid: grid };
  },
};
