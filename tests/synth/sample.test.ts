/**
 * The bundled sample samples/moon-small: present, small, reproducible from the command in
 * samples/README.md, and hard enough that stacking pays (an oracle stack beats the best frame).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateSequence, sequenceSerBytes, truthPngBytes } from '../../src/synth/simulate.ts';
import { parseGenerateArgs } from '../../src/synth/generate.ts';
import { openSer } from '../../src/io/ser.ts';
import { loadImageGray, scoreResult, shiftCubic } from '../../src/score/score.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'samples/moon-small');
const files = ['frames.ser', 'truth.png', 'meta.json'].map((f) => join(dir, f));

/** The generate.ts arguments given in samples/README.md. */
function readmeArgs(): string[] {
  const md = readFileSync(join(root, 'samples/README.md'), 'utf8');
  const m = md.match(/npx tsx src\/synth\/generate\.ts([^`]*)```/);
  if (!m) throw new Error('no generate command in samples/README.md');
  return m[1].replace(/\\\n/g, ' ').trim().split(/\s+/);
}

describe('samples/moon-small', () => {
  it('exists and is at most 10 MB', () => {
    let total = 0;
    for (const f of files) { expect(existsSync(f)).toBe(true); total += statSync(f).size; }
    expect(total).toBeLessThanOrEqual(10_000_000);
  });

  it('is reproduced byte for byte by the command in samples/README.md', () => {
    const { out, options } = parseGenerateArgs(readmeArgs());
    expect(out).toBe('samples/moon-small');
    const seq = simulateSequence(options);
    expect(Buffer.compare(sequenceSerBytes(seq), readFileSync(files[0]))).toBe(0);
    expect(Buffer.compare(Buffer.from(truthPngBytes(seq)), readFileSync(files[1]))).toBe(0);
    expect(readFileSync(files[2], 'utf8')).toBe(JSON.stringify(seq.meta, null, 1) + '\n');
  });

  it('an oracle stack (best 10 % by true quality, true global shifts) clearly beats the best frame', async () => {
    const meta = JSON.parse(readFileSync(files[2], 'utf8')) as { frames: { quality: number; global_dy: number; global_dx: number }[] };
    const truth = await loadImageGray(files[1]);
    const src = await openSer(files[0]);
    const { width: W, height: H } = src.info;
    const order = meta.frames.map((f, i) => [f.quality, i]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
    const n = Math.round(0.1 * order.length);
    const acc = new Float64Array(W * H);
    let best: Float32Array | undefined;
    try {
      for (const k of order.slice(0, n)) {
        const f = Float64Array.from((await src.read(k)).data);
        if (!best) best = Float32Array.from(f);
        const sh = shiftCubic({ width: W, height: H, data: f }, meta.frames[k].global_dy, meta.frames[k].global_dx);
        for (let i = 0; i < acc.length; i++) acc[i] += sh.data[i] / n;
      }
    } finally {
      await src.close();
    }
    const c = 12, cw = W - 2 * c, ch = H - 2 * c;
    const crop = new Float32Array(cw * ch);
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) crop[y * cw + x] = acc[(y + c) * W + x + c];
    const single = scoreResult(truth, { width: W, height: H, channels: 1, data: best! });
    const stack = scoreResult(truth, { width: cw, height: ch, channels: 1, data: crop });
    expect(single.psnr).toBeGreaterThan(30);
    expect(stack.psnr).toBeGreaterThan(single.psnr + 2.5);
    expect(stack.ssim).toBeGreaterThan(single.ssim);
  });
});
