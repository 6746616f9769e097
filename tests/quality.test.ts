/**
 * Image quality on simulated sequences with known truth: the default (or planet) preset must beat the
 * best single frame and the best 25 % of frames aligned with the TRUE global shifts.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateSequence, writeSequence, type SynthOptions } from '../src/synth/simulate.ts';
import { scoreResult } from '../src/score/score.ts';
import { bestFrameScore, oracleGlobalStackScore } from './helpers/baselines.ts';
import { runPreset } from './helpers/run-preset.ts';

const cases: [string, string, Partial<SynthOptions>][] = [
  ['moon, seed 11', 'default.yaml', { kind: 'moon', width: 320, height: 240, frames: 50, seed: 11 }],
  ['moon, seed 12', 'default.yaml', { kind: 'moon', width: 320, height: 240, frames: 50, seed: 12 }],
  ['moon, strong local warps', 'default.yaml', { kind: 'moon', width: 320, height: 240, frames: 50, seed: 13, warp: 2.5, warpScale: 30 }],
  ['planet on black sky', 'planet.yaml', { kind: 'planet', width: 320, height: 240, frames: 50, seed: 14 }],
];

describe('stacking quality against known truth', () => {
  for (const [name, preset, opts] of cases) {
    it(`${name}: ${preset} beats the best frame and the oracle best-25 % global stack`, async () => {
      const seq = simulateSequence(opts);
      const dir = mkdtempSync(join(tmpdir(), 'lg-q-'));
      writeSequence(dir, seq);
      const { image } = await runPreset(preset, join(dir, 'frames.ser'));
      const ours = scoreResult(seq.truth, image!);
      const best = bestFrameScore(seq);
      const oracle = oracleGlobalStackScore(seq, 25);
      console.log(`${name}: ours ${ours.psnr.toFixed(2)} dB / ${ours.ssim.toFixed(4)}; best frame ${best.psnr.toFixed(2)} / ${best.ssim.toFixed(4)}; oracle 25 % ${oracle.psnr.toFixed(2)} / ${oracle.ssim.toFixed(4)}`);
      expect(ours.psnr).toBeGreaterThan(best.psnr);
      expect(ours.psnr).toBeGreaterThan(oracle.psnr);
      expect(ours.ssim).toBeGreaterThan(oracle.ssim);
    });
  }
});

import { existsSync } from 'node:fs';
import { loadImageGray } from '../src/score/score.ts';
import { SHARED_DATA } from './helpers/shared-data.ts';

const MOON512 = join(SHARED_DATA, 'synthetic/moon-512');
describe.skipIf(!existsSync(MOON512))('moon-512 (../shared/data/synthetic)', () => {
  it('the default preset beats PlanetarySystemStacker\'s 42.59 dB PSNR / 0.970 SSIM', async () => {
    const { image } = await runPreset('default.yaml', join(MOON512, 'frames.ser'));
    const s = scoreResult(await loadImageGray(join(MOON512, 'truth.png')), image!);
    console.log(`moon-512 default preset: ${s.psnr.toFixed(2)} dB / ${s.ssim.toFixed(4)}`);
    expect(s.psnr).toBeGreaterThan(42.59);
    expect(s.ssim).toBeGreaterThan(0.970);
  });
});
