import { describe, expect, it } from 'vitest';
import { sharpenNode, type SharpenParams } from '../../src/nodes/sharpen.ts';
import { applyLayers, layerSum, sharpenImage, type SharpenLayer } from '../../src/nodes/lib/sharpen-layers.ts';
import { bilateralFilter, bilateralRadius } from '../../src/nodes/lib/sharpen-bilateral.ts';
import { alignRgbChannels, RgbAlignError } from '../../src/nodes/lib/rgb-align.ts';
import { NodeRegistry } from '../../src/graph/registry.ts';
import { resolveParams } from '../../src/graph/params.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { createImage, type Image } from '../../src/image/image.ts';
import { testContext } from '../helpers/frames.ts';
import { makeImage, randomImage } from '../image/helpers.ts';

function params(over: Record<string, unknown> = {}): SharpenParams {
  const { values, issues } = resolveParams(sharpenNode as never, over);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return values as SharpenParams;
}

async function run(img: Image, over: Record<string, unknown> = {}): Promise<Image> {
  const out = await sharpenNode.run(testContext(), { image: img }, params(over));
  return out.image as Image;
}

/** Smooth random texture in 5000..60000 (mono), `blur` = σ of the noise smoothing. */
function texture(w: number, h: number, seed: number, blur = 1.2): Image {
  const K = getKernels();
  const S = K.gaussianBlurSigma(randomImage(w, h, seed, 1), blur);
  const { min, max } = K.minMax(S);
  for (let i = 0; i < S.data.length; i++) S.data[i] = 5000 + ((S.data[i] - min) / (max - min)) * 55000;
  return S;
}

function rgbOf(r: Image, g: Image, b: Image): Image {
  const P = g.width * g.height;
  const o = new Float32Array(P * 3);
  for (let p = 0; p < P; p++) {
    o[3 * p] = r.data[p];
    o[3 * p + 1] = g.data[p];
    o[3 * p + 2] = b.data[p];
  }
  return createImage(g.width, g.height, 3, o);
}

function plane(img: Image, c: number): Image {
  const P = img.width * img.height;
  const o = new Float32Array(P);
  for (let p = 0; p < P; p++) o[p] = img.data[p * img.channels + c];
  return createImage(img.width, img.height, 1, o);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** RMSE over the interior (margin m), mono. */
function rmse(a: Image, b: Image, m = 8): number {
  let s = 0;
  let n = 0;
  for (let y = m; y < a.height - m; y++)
    for (let x = m; x < a.width - m; x++) {
      const d = a.data[y * a.width + x] - b.data[y * b.width + x];
      s += d * d;
      n++;
    }
  return Math.sqrt(s / n);
}

function laplacianVariance(img: Image): number {
  const L = getKernels().laplacian3x3(img).data;
  let s = 0;
  let s2 = 0;
  for (const v of L) {
    s += v;
    s2 += v * v;
  }
  return s2 / L.length - (s / L.length) ** 2;
}

const ALL_NEUTRAL = { layers: 4, amount1: 1, amount2: 1, amount3: 1, amount4: 1 };

describe('Sharpen node definition', () => {
  it('registers with valid defaults, units and docs', () => {
    const reg = new NodeRegistry([sharpenNode as never]);
    const entry = reg.catalogue().nodes[0];
    expect(entry.type).toBe('Sharpen');
    expect(entry.params.radius1).toMatchObject({ kind: 'float', min: 0.1, max: 9.9, default: 1, unit: 'px' });
    expect(entry.params.radius4.default).toBe(3.4);
    expect(entry.params.amount1).toMatchObject({ min: -2, max: 200, default: 3 });
    expect(entry.params.amount2.default).toBe(1);
    expect(entry.params.amount1.doc).toMatch(/1 is neutral/);
    expect(entry.params.bilateralRange3).toMatchObject({ min: 0, max: 255, default: 13 });
    expect(entry.params.rgbAlign).toMatchObject({ kind: 'choice', choices: ['off', 'auto'], default: 'off' });
    expect(entry.params.rgbAlignResolution).toMatchObject({ kind: 'int', min: 0, max: 2, default: 1 });
    for (const [name, p] of Object.entries(entry.params)) expect(p.doc.length, name).toBeGreaterThan(10);
  });
});

describe('Sharpen layers', () => {
  it('is the identity when every amount is 1 (mono, RGB, luminance-only, with bilateral layers)', async () => {
    const mono = texture(64, 48, 1);
    const out = await run(mono, ALL_NEUTRAL);
    expect(maxAbsDiff(out.data, mono.data)).toBeLessThan(1e-2);

    const rgb = rgbOf(texture(64, 48, 2), texture(64, 48, 3), texture(64, 48, 4));
    const withBilateral = { ...ALL_NEUTRAL, bilateral2: 0.5, bilateral3: 1, radius4: 7 };
    expect(maxAbsDiff((await run(rgb, withBilateral)).data, rgb.data)).toBeLessThan(1e-2);
    expect(maxAbsDiff((await run(rgb, { ...withBilateral, luminanceOnly: true })).data, rgb.data)).toBeLessThan(1e-2);
    // layers = 0: nothing to do
    expect(maxAbsDiff((await run(mono, { layers: 0 })).data, mono.data)).toBe(0);
  });

  it('raises high-frequency energy and brings a blurred texture closer to the sharp original', async () => {
    const sharp = texture(96, 96, 7);
    const blurred = getKernels().gaussianBlurSigma(sharp, 1.0);
    const before = rmse(blurred, sharp);
    const lapBefore = laplacianVariance(blurred);

    const dflt = await run(blurred); // default: r = 1, amount 3 — a mild sharpening
    expect(laplacianVariance(dflt)).toBeGreaterThan(lapBefore);
    expect(rmse(dflt, sharp)).toBeLessThan(before);

    const strong = await run(blurred, { radius1: 3, amount1: 3 });
    expect(laplacianVariance(strong)).toBeGreaterThan(2 * lapBefore);
    expect(rmse(strong, sharp)).toBeLessThan(0.5 * before);

    // Two layers sharpen more than the first alone; a negative-going amount (< 1) softens.
    const two = await run(blurred, { layers: 2, radius1: 1.5, amount1: 2, radius2: 3, amount2: 2 });
    const one = await run(blurred, { layers: 1, radius1: 1.5, amount1: 2 });
    expect(laplacianVariance(two)).toBeGreaterThan(laplacianVariance(one));
    const soft = await run(blurred, { radius1: 3, amount1: 0 });
    expect(laplacianVariance(soft)).toBeLessThan(lapBefore);
  });

  it('clips the result to 0..65535', async () => {
    const step = makeImage(40, 40, (_y, x) => (x < 20 ? 500 : 65000));
    const out = await run(step, { radius1: 3, amount1: 20 });
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of out.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBe(65535);
    expect(out.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('denoise reduces the noise the layer would amplify', async () => {
    const noisy = randomImage(64, 64, 11, 1, 2000);
    for (let i = 0; i < noisy.data.length; i++) noisy.data[i] += 30000;
    const plain = await run(noisy, { radius1: 2, amount1: 4 });
    const denoised = await run(noisy, { radius1: 2, amount1: 4, denoise1: 1 });
    expect(laplacianVariance(denoised)).toBeLessThan(0.5 * laplacianVariance(plain));
  });

  it('luminance-only keeps the colour ratios', async () => {
    const g = texture(48, 48, 5);
    const rgb = rgbOf(
      createImage(48, 48, 1, g.data.map((v) => v * 0.5)),
      g,
      createImage(48, 48, 1, g.data.map((v) => v * 0.25)),
    );
    const out = await run(rgb, { radius1: 2, amount1: 2, luminanceOnly: true });
    let worst = 0;
    for (let p = 0; p < 48 * 48; p++) {
      const G = out.data[3 * p + 1];
      if (G <= 0 || G >= 65535) continue;
      worst = Math.max(worst, Math.abs(out.data[3 * p] / G - 0.5), Math.abs(out.data[3 * p + 2] / G - 0.25));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(maxAbsDiff(out.data, rgb.data)).toBeGreaterThan(100); // it did sharpen
  });
});

describe('Sharpen layers without denoise: one fused pass', () => {
  it('equals clipping the float64 layer sum, for 1 to 4 layers, with and without bilateral levels, mono and RGB', () => {
    const layer = (radius: number, amount: number, bilateral = 0): SharpenLayer => ({ radius, amount, bilateral, bilateralRange: 20, denoise: 0 });
    const cases: SharpenLayer[][] = [
      [layer(1.5, 2.3)], [layer(0.8, 3), layer(2.5, 1.4)], [layer(1, 5, 0.5), layer(2, 0.6), layer(3.3, 1.8, 1)],
      [layer(0.5, 1.2), layer(1, 7), layer(2, 0.3), layer(4, 2)],
    ];
    for (const C of [1, 3] as const) {
      const img = randomImage(37, 29, 5 + C, C);
      for (const layers of cases) {
        const fused = applyLayers(img, layers).data;
        const sum = layerSum(img, layers);
        const clipped = Float32Array.from(sum, (v) => (v > 0 ? (v < 65535 ? v : 65535) : 0));
        expect(Buffer.from(fused.buffer).equals(Buffer.from(clipped.buffer)), `${layers.length} layers, C=${C}`).toBe(true);
        expect(fused.some((v, i) => v !== img.data[i]), 'the layers change the image').toBe(true);
      }
      {
        // amplifying layers overshoot: the clip is exercised
        const sum = layerSum(img, cases[3]);
        expect(sum.some((v) => v < 0 || v > 65535)).toBe(true);
      }
    }
  });
});

describe('bilateral filter', () => {
  it('uses OpenCV\'s support radius and leaves flat images alone', () => {
    expect(bilateralRadius(1 / 3)).toBe(1);
    expect(bilateralRadius(2)).toBe(3);
    expect(bilateralRadius(3.3)).toBe(5);
    const flat = makeImage(10, 10, () => 1234);
    expect(Array.from(bilateralFilter(flat, { sigmaSpace: 2, sigmaColor: 3000 }).data).every((v) => v === 1234)).toBe(true);
  });

  it('with β = 1 preserves a step edge better than the Gaussian', async () => {
    const step = makeImage(48, 32, (y, x) => (x < 24 ? 10000 : 50000) + ((x * 7 + y * 13) % 5) * 20);
    // amount 0 → the output is the layer's low-pass image itself.
    const gauss = await run(step, { radius1: 6, amount1: 0, bilateral1: 0 });
    const bilat = await run(step, { radius1: 6, amount1: 0, bilateral1: 1 });
    const err = (img: Image) => rmse(img, step, 0);
    expect(err(bilat)).toBeLessThan(0.05 * err(gauss));
    // the Gaussian smears the edge over several pixels; the bilateral keeps the two sides apart
    expect(Math.abs(bilat.data[10 * 48 + 23] - 10000)).toBeLessThan(200);
    expect(Math.abs(bilat.data[10 * 48 + 24] - 50000)).toBeLessThan(200);
    expect(Math.abs(gauss.data[10 * 48 + 23] - 10000)).toBeGreaterThan(5000);
    // RGB: the range distance is the L1 sum over channels; equal channels stay equal and the edge survives
    const rgbStep = rgbOf(step, step, step);
    const rgbBilat = await run(rgbStep, { radius1: 6, amount1: 0, bilateral1: 1 });
    expect(maxAbsDiff(plane(rgbBilat, 0).data, plane(rgbBilat, 2).data)).toBe(0);
    expect(rmse(plane(rgbBilat, 1), step, 0)).toBeLessThan(0.05 * err(gauss));
  });
});

describe('RGB alignment', () => {
  const K = getKernels();

  it('recovers a known R shift of (1, −1) px at resolution index 1 and lines the channels up', async () => {
    const G = texture(80, 72, 5, 2);
    const R = K.shiftImage(G, 1, -1); // R content moved by (+1, −1)
    const img = rgbOf(R, G, G);
    const r = alignRgbChannels(img, 1);
    expect(r.factor).toBe(2);
    expect(Math.abs(r.red.dy - -1)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(r.red.dx - 1)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(r.blue.dy) + Math.abs(r.blue.dx)).toBe(0);

    const out = await run(img, { layers: 0, rgbAlign: 'auto', rgbAlignResolution: 1 });
    expect(out.width).toBeLessThan(80);
    expect(out.height).toBeLessThan(72);
    expect(out.width).toBeGreaterThanOrEqual(78);
    // after alignment R matches G closely (before: RMSE of a 1.4 px offset)
    const beforeRmse = rmse(plane(img, 0), plane(img, 1), 4);
    const afterRmse = rmse(plane(out, 0), plane(out, 1), 4);
    expect(afterRmse).toBeLessThan(0.1 * beforeRmse);
  });

  it('measures sub-pixel shifts at resolution index 2 and whole pixels at 0', () => {
    const G = texture(80, 80, 9, 2);
    const img = rgbOf(K.shiftImage(G, 0.5, -0.25, 'cubic'), G, K.shiftImage(G, -2, 1.5, 'cubic'));
    const r2 = alignRgbChannels(img, 2);
    expect(r2.red.dy).toBeCloseTo(-0.5, 5);
    expect(r2.red.dx).toBeCloseTo(0.25, 5);
    expect(r2.blue.dy).toBeCloseTo(2, 5);
    expect(r2.blue.dx).toBeCloseTo(-1.5, 5);
    const r0 = alignRgbChannels(img, 0);
    for (const v of [r0.red.dy, r0.red.dx, r0.blue.dy, r0.blue.dx]) expect(Number.isInteger(v)).toBe(true);
    expect(Math.abs(r0.blue.dy - 2)).toBeLessThanOrEqual(0.5);
  });

  it('fails with an error naming Sharpen.rgbAlign when the shift reaches the search rim', async () => {
    const G = texture(80, 80, 3, 2);
    const img = rgbOf(G, G, K.shiftImage(G, 0, 8));
    expect(() => alignRgbChannels(img, 1)).toThrow(RgbAlignError);
    await expect(run(img, { rgbAlign: 'auto' })).rejects.toThrow(/Sharpen\.rgbAlign: .*B channel.*search limit/);
    // too small an image
    await expect(run(rgbOf(...[0, 0, 0].map(() => texture(12, 12, 1)) as [Image, Image, Image]), { rgbAlign: 'auto' }))
      .rejects.toThrow(/Sharpen\.rgbAlign: .*too small/);
  });

  it('skips mono images', async () => {
    const mono = texture(40, 40, 4);
    const out = await run(mono, { ...ALL_NEUTRAL, rgbAlign: 'auto' });
    expect(out.width).toBe(40);
    expect(maxAbsDiff(out.data, mono.data)).toBeLessThan(1e-2);
  });
});
