/**
 * Source: opens a SER file, a video, an image folder or a single image and yields the lazy frame
 * sequence with its per-frame products (the frame store applies the buffering level).
 */
import type { NodeDefinition, FrameGeometry } from '../graph/types.js';
import { openFrameSource } from '../io/open-source.js';
import { DEBAYER_CHOICES, outputChannels, valueScaleOf, type Calibration, type DebayerChoice } from '../io/convert.js';
import { InputError, type FrameSource } from '../io/frame-source.js';
import { readImageFile } from '../io/image-file.js';
import { FrameSet, rereadsOriginals, type BufferingLevel } from '../runtime/frame-store.js';
import type { SerByteOrderOption } from '../io/ser.js';
import { freshFloat32 } from '../image/fresh-memory.js';

export interface SourceParams extends Record<string, string | number | boolean | number[]> {
  path: string;
  debayer: string;
  byteOrder: string;
  dark: string;
  flat: string;
  roi: number[];
  exclude: number[];
  noise: number;
  normalize: boolean;
  blackCutoff: number;
}

async function loadMaster(path: string, what: string, scale: number, source: FrameSource): Promise<Float32Array> {
  const img = await readImageFile(path);
  const { info } = source;
  if (img.width !== info.width || img.height !== info.height || img.planes !== info.planes) {
    throw new InputError(path, `${what} is ${img.width}x${img.height}x${img.planes}, the frames are ${info.width}x${info.height}x${info.planes}`);
  }
  const s = img.bitDepth === 8 ? 256 : img.bitDepth === 32 ? 1 : scale;
  const out = freshFloat32(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] * s;
  return out;
}

function includedFrames(count: number, exclude: number[], path: string): number[] {
  const ex = new Set(exclude);
  for (const e of ex) if (e >= count) throw new InputError(path, `Source.exclude names frame ${e}, the input has frames 0..${count - 1}`);
  const inc: number[] = [];
  for (let i = 0; i < count; i++) if (!ex.has(i)) inc.push(i);
  if (inc.length === 0) throw new InputError(path, `Source.exclude leaves no frames (all ${count} excluded)`);
  return inc;
}

function checkRoi(roi: number[], w: number, h: number, path: string): void {
  if (roi.length !== 4) return;
  const [y0, y1, x0, x1] = roi;
  if (!(y0 >= 0 && x0 >= 0 && y1 <= h && x1 <= w && y1 - y0 >= 32 && x1 - x0 >= 32)) {
    throw new InputError(path, `Source.roi [${roi.join(', ')}] must lie inside the ${w}x${h} frame and be at least 32x32`);
  }
}

/**
 * Sources opened by `frameGeometry(…, { forRun: true })` for the run that follows, by path and byte
 * order. `run` takes its source from here (or opens the file itself); one nobody took is closed by
 * `endRun` at the end of the run (or after PARK_MS, should a caller never end the run).
 */
const parked = new Map<string, { src: FrameSource; timer: NodeJS.Timeout }>();
const PARK_MS = 30_000;

function parkKey(p: { path: string; byteOrder: string }): string {
  return `${p.path}\0${p.byteOrder}`;
}

function park(key: string, src: FrameSource): void {
  const old = parked.get(key);
  if (old) { clearTimeout(old.timer); void old.src.close(); }
  const timer = setTimeout(() => {
    if (parked.get(key)?.src === src) parked.delete(key);
    void src.close();
  }, PARK_MS);
  timer.unref();
  parked.set(key, { src, timer });
}

function unpark(key: string): FrameSource | undefined {
  const e = parked.get(key);
  if (!e) return undefined;
  parked.delete(key);
  clearTimeout(e.timer);
  return e.src;
}

export const sourceNode: NodeDefinition<SourceParams> = {
  type: 'Source',
  version: 1,
  category: 'input',
  doc: 'Reads frames from a SER file, a video (AVI/MP4/MOV/MKV via ffmpeg), a folder of images or one image.',
  inputs: {},
  outputs: { frames: { type: 'frames', doc: 'The frame sequence with its per-frame products' } },
  params: {
    path: { kind: 'path', role: 'input', mustExist: true, default: '', doc: 'Input file or image folder (set by `luckygraph run --input`)' },
    debayer: { kind: 'choice', choices: DEBAYER_CHOICES as string[], default: 'auto', doc: 'Colour handling: auto (from the file), grayscale, a Bayer pattern to force, or RGB/BGR order' },
    byteOrder: { kind: 'choice', choices: ['compat', 'spec', 'little', 'big'], default: 'compat', doc: 'SER 16-bit byte order: compat reads the LittleEndian flag as most capture programs write it (0 = little)' },
    dark: { kind: 'path', role: 'input', mustExist: false, default: '', doc: 'Master dark image (same size and layout as the frames), empty for none' },
    flat: { kind: 'path', role: 'input', mustExist: false, default: '', doc: 'Master flat image (dark-subtracted), empty for none' },
    roi: { kind: 'intlist', length: 4, min: 0, default: [], unit: 'px', doc: 'Region of interest [y0, y1, x0, x1] cut from every frame; empty for the whole frame' },
    exclude: { kind: 'intlist', min: 0, default: [], doc: 'Frame indices (0-based, as in the file) to leave out' },
    noise: { kind: 'int', min: 1, max: 11, step: 2, default: 7, unit: 'px', doc: 'Noise level: Gaussian kernel size (odd) of the blurred frames used for ranking and alignment' },
    normalize: { kind: 'bool', default: false, doc: 'Normalise frame brightness (ranking and stacking divide by the mean brightness above the black cut-off)' },
    blackCutoff: { kind: 'int', min: 0, max: 40, default: 15, unit: '8-bit levels', doc: 'Pixels at or below this level count as black in the brightness measure' },
  },
  check(p) {
    const issues: string[] = [];
    if (p.noise % 2 === 0) issues.push(`param 'noise': expected an odd kernel size 1..11; found ${p.noise}`);
    return issues;
  },
  preflight(p, frames) {
    return frames.frames <= 0 ? [`Source.exclude leaves no frames to work on (${p.exclude.length} excluded)`] : [];
  },
  async frameGeometry(p, options): Promise<FrameGeometry> {
    if (!p.path) throw new InputError('(Source.path)', 'no input given: set Source.path or use --input');
    const src = await openFrameSource(p.path, { serByteOrder: p.byteOrder as SerByteOrderOption, prefetch: options?.forRun });
    let keep = false;
    try {
      const { info } = src;
      const excluded = new Set(p.exclude.filter((e) => e < info.frameCount)).size;
      const channels = outputChannels(info.colorLayout, info.planes, p.debayer as DebayerChoice);
      const roi = p.roi.length === 4 ? p.roi : null;
      const plain8 = info.bytesPerSample === 1 && !p.dark && !p.flat && (info.colorLayout === 'mono' || info.planes === 3);
      const geometry: FrameGeometry = {
        frames: info.frameCount - excluded,
        width: roi ? roi[3] - roi[2] : info.width,
        height: roi ? roi[1] - roi[0] : info.height,
        channels,
        originalBytesPerSample: plain8 ? 1 : 2,
        // as the frame set will decide (the 16-bit sample scale is not known yet: counted as kept)
        originalsReread: rereadsOriginals(info, !!src.readsInPlace, { roi: !!roi, dark: !!p.dark, flat: !!p.flat, debayer: p.debayer }),
      };
      if (options?.forRun) {
        // The run follows at once: keep the source open for it and let it start reading (a video
        // starts decoding into its spool while the runtime plans and the Source node is reached).
        src.prefetch?.();
        park(parkKey(p), src);
        keep = true;
      }
      return geometry;
    } finally {
      if (!keep) await src.close();
    }
  },
  async endRun(p) {
    // The run did not take the source kept for it (its result came from the cache, or the run failed
    // before this node): stop its decoding now.
    await unpark(parkKey(p))?.close();
  },
  async run(ctx, _inputs, p) {
    if (!p.path) throw new InputError('(Source.path)', 'no input given: set Source.path or use --input');
    const src = unpark(parkKey(p)) ?? await openFrameSource(p.path, { serByteOrder: p.byteOrder as SerByteOrderOption });
    try {
      for (const w of src.info.warnings) ctx.warn(`${p.path}: ${w}`);
      const scale = await valueScaleOf(src);
      const calibration: Calibration = {};
      if (p.dark) calibration.dark = await loadMaster(p.dark, 'master dark', scale, src);
      if (p.flat) calibration.flat = await loadMaster(p.flat, 'master flat', scale, src);
      checkRoi(p.roi, src.info.width, src.info.height, p.path);
      const include = includedFrames(src.info.frameCount, p.exclude, p.path);
      const channels = outputChannels(src.info.colorLayout, src.info.planes, p.debayer as DebayerChoice);
      const level = (ctx.services.bufferingLevel ?? 0) as BufferingLevel;
      const frames = new FrameSet(src, {
        convert: { debayer: p.debayer as DebayerChoice, scale, calibration },
        noise: p.noise,
        blackCutoff: p.blackCutoff * 256,
        include,
        roi: p.roi,
        level,
        normalize: p.normalize,
      }, channels);
      return { frames };
    } catch (e) {
      await src.close();
      throw e;
    }
  },
};
