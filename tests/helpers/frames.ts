/** Test helpers: an in-memory FrameSource / FrameSet and a RunContext for calling node.run directly. */
import type { FrameSource, FrameSourceInfo, RawFrame, ColorLayout } from '../../src/io/frame-source.ts';
import { FrameSet, type BufferingLevel } from '../../src/runtime/frame-store.ts';
import type { RunContext } from '../../src/graph/types.ts';
import { createImage, type Image } from '../../src/image/image.ts';
import { getKernels } from '../../src/image/kernels.ts';
import { rng } from '../image/helpers.ts';

export function memorySource(frames: Uint16Array[], width: number, height: number, layout: ColorLayout = 'mono'): FrameSource {
  const planes = layout === 'RGB' || layout === 'BGR' ? 3 : 1;
  const info: FrameSourceInfo = {
    path: '(memory)', format: 'ser', container: 'memory', frameCount: frames.length, width, height,
    bitDepth: 16, bytesPerSample: 2, colorLayout: layout, planes, warnings: [],
  };
  return {
    info,
    async read(i: number): Promise<RawFrame> { return { index: i, width, height, planes, bitDepth: 16, data: frames[i] }; },
    async *frames(s = 0, e = frames.length) { for (let i = s; i < e; i++) yield await this.read(i); },
    async close() {},
  };
}

export interface TestFrameSetOptions { level?: BufferingLevel; noise?: number; normalize?: boolean; layout?: ColorLayout }

/** A FrameSet over 16-bit frames (values already on the 16-bit scale). */
export function memoryFrameSet(frames: Uint16Array[], width: number, height: number, o: TestFrameSetOptions = {}): FrameSet {
  const layout = o.layout ?? 'mono';
  const channels = layout === 'mono' ? 1 : 3;
  return new FrameSet(memorySource(frames, width, height, layout), {
    convert: { debayer: 'auto', scale: 1 },
    noise: o.noise ?? 7, blackCutoff: 15 * 256, level: o.level ?? 2, normalize: o.normalize ?? false,
  }, channels);
}

export function testContext(services: Record<string, unknown> = {}): RunContext & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    nodeId: 'test', signal: new AbortController().signal, progress() {}, warn(m) { warnings.push(m); },
    services: { bufferingLevel: 2, ...services }, warnings,
  };
}

/** A smooth random texture (Gaussian-blurred noise, σ 2 px) with mean 30000 and std 6000 on the 16-bit scale. */
export function smoothTexture(w: number, h: number, seed: number): Image {
  const K = getKernels();
  const r = rng(seed);
  const raw = createImage(w, h, 1);
  for (let i = 0; i < raw.data.length; i++) raw.data[i] = r();
  const sm = K.gaussianBlurSigma(raw, 2);
  const s = K.meanStd(sm);
  for (let i = 0; i < sm.data.length; i++) sm.data[i] = 30000 + ((sm.data[i] - s.mean) / s.std) * 6000;
  return sm;
}
