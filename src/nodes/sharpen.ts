/**
 * Sharpen: PSS post-processing (reference §13) — optional RGB channel alignment, then up to four layers of
 * Gaussian (optionally bilateral) unsharp masking in the Registax-6 style, optional per-layer denoise, on all
 * channels or on the luminance only. Output clipped to [0, 65535].
 */
import type { NodeDefinition, ParamSpec } from '../graph/types.js';
import type { Image } from '../image/image.js';
import { sharpenImage, type SharpenLayer } from './lib/sharpen-layers.js';
import { alignRgbChannels, RgbAlignError, RGB_MAX_SHIFT } from './lib/rgb-align.js';

export const SHARPEN_MAX_LAYERS = 4;
const DEFAULT_RADII = [1, 1.5, 2.25, 3.4];

export interface SharpenParams extends Record<string, string | number | boolean | number[]> {
  layers: number;
  luminanceOnly: boolean;
  rgbAlign: string;
  rgbAlignResolution: number;
}

function layerParams(): Record<string, ParamSpec> {
  const out: Record<string, ParamSpec> = {};
  for (let k = 1; k <= SHARPEN_MAX_LAYERS; k++) {
    const which = `layer ${k}`;
    out[`radius${k}`] = {
      kind: 'float', min: 0.1, max: 9.9, step: 0.1, default: DEFAULT_RADII[k - 1], unit: 'px',
      doc: `${which}: radius r of the Gaussian (σ = r/3); larger radii act on coarser detail`,
    };
    out[`amount${k}`] = {
      kind: 'float', min: -2, max: 200, step: 0.05, default: k === 1 ? 3 : 1,
      doc: `${which}: amount α applied to the layer's detail; 1 is neutral (no change), > 1 sharpens, < 1 softens` +
        (k === 1 ? ' (default 3 for a visible sharpening; PSS starts at 1)' : ''),
    };
    out[`bilateral${k}`] = {
      kind: 'float', min: 0, max: 1, step: 0.05, default: 0,
      doc: `${which}: bilateral fraction β: 0 = pure Gaussian, 1 = pure edge-preserving bilateral filter`,
    };
    out[`bilateralRange${k}`] = {
      kind: 'float', min: 0, max: 255, step: 1, default: 13, unit: '8-bit levels',
      doc: `${which}: bilateral range ρ: brightness differences well above ρ count as edges (used as 256·ρ on the 16-bit scale)`,
    };
    out[`denoise${k}`] = {
      kind: 'float', min: 0, max: 1, step: 0.05, default: 0,
      doc: `${which}: denoise δ: blends the layer's detail with a blurred copy of itself (0 = off)`,
    };
  }
  return out;
}

function layersOf(p: Record<string, unknown>): SharpenLayer[] {
  const n = Math.max(0, Math.min(SHARPEN_MAX_LAYERS, Number(p.layers ?? 1)));
  const num = (name: string, k: number, def: number) => {
    const v = p[`${name}${k}`];
    return typeof v === 'number' ? v : def;
  };
  const out: SharpenLayer[] = [];
  for (let k = 1; k <= n; k++) {
    out.push({
      radius: num('radius', k, DEFAULT_RADII[k - 1]),
      amount: num('amount', k, k === 1 ? 3 : 1),
      bilateral: num('bilateral', k, 0),
      bilateralRange: num('bilateralRange', k, 13),
      denoise: num('denoise', k, 0),
    });
  }
  return out;
}

function requireImage(v: unknown): Image {
  const img = v as Image | undefined;
  if (!img || !(img.data instanceof Float32Array) || img.data.length !== img.width * img.height * img.channels) {
    throw new Error('Sharpen.image: expected an image on the input port');
  }
  return img;
}

export const sharpenNode: NodeDefinition<SharpenParams> = {
  type: 'Sharpen',
  version: 1,
  category: 'postprocess',
  doc:
    'Multi-scale unsharp masking as PSS post-processing: up to 4 layers of Gaussian (optionally bilateral) ' +
    'detail enhancement with per-layer amount and denoise, on all channels or the luminance only; optional ' +
    'automatic RGB channel alignment first (colour images). With every amount at 1 the image is unchanged.',
  inputs: { image: { type: 'image', doc: 'The image to sharpen (e.g. the stack)' } },
  outputs: { image: { type: 'image', doc: 'The sharpened image, clipped to 0..65535 (smaller when RGB-aligned)' } },
  params: {
    layers: { kind: 'int', min: 0, max: SHARPEN_MAX_LAYERS, default: 1, doc: 'Number of layers used (layer k uses radiusk, amountk, …); 0 = none' },
    ...layerParams(),
    luminanceOnly: {
      kind: 'bool', default: false,
      doc: 'Colour images: sharpen only the brightness V = max(R, G, B) and keep the colour ratios (less colour noise)',
    },
    rgbAlign: {
      kind: 'choice', choices: ['off', 'auto'], default: 'off',
      doc: `Colour images: auto measures the R and B offsets against G (up to ±${RGB_MAX_SHIFT} px) and aligns the channels before sharpening; the image shrinks by the shifts. Ignored for mono images`,
    },
    rgbAlignResolution: {
      kind: 'int', min: 0, max: 2, default: 1,
      doc: 'RGB alignment precision: 0 = 1 px, 1 = 0.5 px, 2 = 0.25 px steps (cubic interpolation by 1, 2 or 4)',
    },
  },
  async run(ctx, inputs, p) {
    let img = requireImage(inputs.image);
    const layers = layersOf(p);
    const steps = layers.length + (p.rgbAlign === 'auto' && img.channels === 3 ? 1 : 0);
    let done = 0;
    ctx.progress(0, Math.max(1, steps));
    if (p.rgbAlign === 'auto' && img.channels === 3) {
      try {
        const r = alignRgbChannels(img, p.rgbAlignResolution, { signal: ctx.signal });
        img = r.image;
      } catch (e) {
        if (e instanceof RgbAlignError) throw new Error(`Sharpen.rgbAlign: ${e.message}`);
        throw e;
      }
      ctx.progress(++done, steps);
    }
    ctx.signal.throwIfAborted();
    const out = sharpenImage(img, layers, p.luminanceOnly, ctx.signal);
    ctx.progress(Math.max(1, steps), Math.max(1, steps));
    return { image: out };
  },
};
