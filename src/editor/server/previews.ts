/**
 * Previews of node outputs for the editor: 8-bit PNGs of float images (16-bit scale) with a display
 * stretch, thumbnails, and small JSON views of the non-image port values.
 */
import { encodePng } from '../../io/png.ts';
import type { Image } from '../../image/image.ts';
import type { APGrid, Alignment, LocalShifts, PatchCandidates, Ranking, Selection, StackParts } from '../../nodes/data.ts';
import { FrameSet } from '../../runtime/frame-store.ts';
import type { ImageRef, OutputData, OutputInfo } from '../shared/protocol.ts';

export type Stretch = 'percentile' | 'linear';

/** Low/high display limits: the 0.1 % and 99.9 % percentiles (a histogram over all channels), or 0..65535. */
export function stretchLimits(data: Float32Array, stretch: Stretch, lowPct = 0.1, highPct = 99.9): [number, number] {
  if (stretch === 'linear' || data.length === 0) return [0, 65535];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return [min, min + 1];
  const bins = 8192;
  const hist = new Uint32Array(bins);
  const scale = (bins - 1) / (max - min);
  for (let i = 0; i < data.length; i++) hist[Math.floor((data[i] - min) * scale)]++;
  const lowCount = (data.length * lowPct) / 100;
  const highCount = (data.length * highPct) / 100;
  let acc = 0;
  let lo = min;
  let hi = max;
  let loFound = false;
  for (let b = 0; b < bins; b++) {
    acc += hist[b];
    if (!loFound && acc > lowCount) {
      lo = min + b / scale;
      loFound = true;
    }
    if (acc >= highCount) {
      hi = min + (b + 1) / scale;
      break;
    }
  }
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi];
}

/** Box-averages an image down so that its longer side is at most `maxSide` (integer factor). */
export function downscale(img: Image, maxSide: number): Image {
  const f = Math.max(1, Math.ceil(Math.max(img.width, img.height) / maxSide));
  if (f === 1) return img;
  const w = Math.max(1, Math.floor(img.width / f));
  const h = Math.max(1, Math.floor(img.height / f));
  const c = img.channels;
  const out = new Float32Array(w * h * c);
  const inv = 1 / (f * f);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = 0;
        for (let yy = 0; yy < f; yy++) {
          const row = ((y * f + yy) * img.width + x * f) * c + ch;
          for (let xx = 0; xx < f; xx++) s += img.data[row + xx * c];
        }
        out[(y * w + x) * c + ch] = s * inv;
      }
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

/** 8-bit PNG of an image after the display stretch. */
export function imageToPng(img: Image, stretch: Stretch, maxSide?: number): Uint8Array {
  const src = maxSide ? downscale(img, maxSide) : img;
  const [lo, hi] = stretchLimits(src.data, stretch);
  const k = 255 / (hi - lo);
  const out = new Uint8Array(src.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = (src.data[i] - lo) * k;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return encodePng(src.width, src.height, src.channels, out);
}

function isImage(v: unknown): v is Image {
  const o = v as Image | null;
  return !!o && typeof o === 'object' && typeof o.width === 'number' && typeof o.height === 'number' && o.data instanceof Float32Array;
}

function imageStats(img: Image): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: img.data.length ? sum / img.data.length : 0 };
}

const colour = (c: number) => (c === 3 ? 'colour' : 'mono');

/** A short summary of an output value by its port type, for the node and the viewer. */
export function describeOutput(portType: string, value: unknown): OutputInfo {
  try {
    switch (portType) {
      case 'image': {
        if (!isImage(value)) break;
        return { type: portType, summary: `${value.width}×${value.height} ${colour(value.channels)}`, image: { width: value.width, height: value.height, channels: value.channels } };
      }
      case 'frames': {
        if (!(value instanceof FrameSet)) break;
        return {
          type: portType,
          summary: `${value.count} frames ${value.width}×${value.height} ${colour(value.channels)}`,
          image: { width: value.width, height: value.height, channels: value.channels },
        };
      }
      case 'ranking': {
        const r = value as Ranking;
        return { type: portType, summary: `${r.quality.length} frames ranked (${r.method})` };
      }
      case 'patch': {
        const p = value as PatchCandidates;
        return { type: portType, summary: `${p.rects.length} patch candidate${p.rects.length === 1 ? '' : 's'}${p.manual ? ' (manual)' : ''}` };
      }
      case 'alignment': {
        const a = value as Alignment;
        const r = a.intersection;
        return { type: portType, summary: `${a.mode}, reference frame ${a.reference}, intersection ${r.x1 - r.x0}×${r.y1 - r.y0}${a.failed.length ? `, ${a.failed.length} failed` : ''}` };
      }
      case 'apgrid': {
        const g = value as APGrid;
        return { type: portType, summary: `${g.points.length} alignment points (box ${2 * g.halfBox} px)` };
      }
      case 'selection': {
        const s = value as Selection;
        return { type: portType, summary: `${s.k} of ${s.frameCount} frames per AP, ${s.apCount} APs` };
      }
      case 'localshifts': {
        const l = value as LocalShifts;
        return { type: portType, summary: `${l.apCount * l.k} local shifts, ${l.failures} failed` };
      }
      case 'stackparts': {
        const s = value as StackParts;
        return { type: portType, summary: `${s.width}×${s.height}, ${s.k} frames per AP${s.drizzle > 1 ? `, drizzle ${s.drizzle}` : ''}` };
      }
      case 'file': {
        const f = value as { path?: string };
        return { type: portType, summary: f && typeof f.path === 'string' ? f.path : 'file' };
      }
    }
  } catch {
    /* fall through to the generic summary */
  }
  return { type: portType, summary: portType };
}

const rect = (r: { y0: number; y1: number; x0: number; x1: number }) => ({ y0: r.y0, y1: r.y1, x0: r.x0, x1: r.x1 });

/** Keeps a JSON view small: long arrays are cut, typed arrays summarised. */
function summarise(v: unknown, depth = 0): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  if (ArrayBuffer.isView(v)) {
    const a = v as unknown as ArrayLike<number>;
    return { typedArray: v.constructor.name, length: a.length, head: Array.from({ length: Math.min(8, a.length) }, (_, i) => a[i]) };
  }
  if (depth > 3) return '…';
  if (Array.isArray(v)) {
    const head = v.slice(0, 20).map((x) => summarise(x, depth + 1));
    return v.length > 20 ? [...head, `… ${v.length - 20} more`] : head;
  }
  if (v instanceof Map) return { map: v.size };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = summarise(x, depth + 1);
  return out;
}

/**
 * JSON view of an output. `background` finds the image that overlays are drawn on (the caller knows the graph).
 */
export function outputData(portType: string, value: unknown, background: () => ImageRef | null): OutputData {
  switch (portType) {
    case 'ranking': {
      const r = value as Ranking;
      return { kind: 'ranking', method: r.method, quality: Array.from(r.quality), order: Array.from(r.order) };
    }
    case 'patch': {
      const p = value as PatchCandidates;
      return { kind: 'patch', rects: p.rects.map(rect), scores: [...p.scores], manual: p.manual, background: background() };
    }
    case 'apgrid': {
      const g = value as APGrid;
      return {
        kind: 'apgrid',
        width: g.width,
        height: g.height,
        points: g.points.map((p) => ({ y: p.y, x: p.x, box: rect(p.box), patch: rect(p.patch), structure: p.structure })),
        dropped: g.dropped,
        background: background(),
      };
    }
    case 'localshifts': {
      const l = value as LocalShifts;
      return { kind: 'localshifts', histogram: [...l.histogram], failures: l.failures, pairs: l.apCount * l.k, apCount: l.apCount, k: l.k };
    }
    case 'alignment': {
      const a = value as Alignment;
      const n = a.shifts.length / 2;
      const dy: number[] = [];
      const dx: number[] = [];
      for (let i = 0; i < n; i++) {
        dy.push(a.shifts[2 * i]);
        dx.push(a.shifts[2 * i + 1]);
      }
      return { kind: 'alignment', mode: a.mode, reference: a.reference, dy, dx, intersection: rect(a.intersection), failed: [...a.failed] };
    }
    case 'frames': {
      const f = value as FrameSet;
      return { kind: 'frames', count: f.count, width: f.width, height: f.height, channels: f.channels, info: summarise(f.info) as Record<string, unknown> };
    }
    case 'image': {
      const img = value as Image;
      return { kind: 'image', width: img.width, height: img.height, channels: img.channels, ...imageStats(img) };
    }
  }
  return { kind: 'summary', type: portType, value: summarise(value) };
}

/** The image to render for an output: the image itself, or one frame of a frame set. */
export async function renderableImage(portType: string, value: unknown, frame: number | undefined): Promise<Image | null> {
  if (portType === 'image' && isImage(value)) return value;
  if (portType === 'frames' && value instanceof FrameSet) {
    const i = Math.min(Math.max(0, Math.floor(frame ?? 0)), value.count - 1);
    return await value.original(i);
  }
  return null;
}
