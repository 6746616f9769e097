/**
 * Command line of the seeing simulator:
 *
 *   npx tsx src/synth/generate.ts --out DIR [--kind moon|planet] [--width 320] [--height 240]
 *       [--frames 60] [--seed 1] [--jitter 4] [--jitter-corr 0.85] [--warp 1.2] [--warp-scale 40]
 *       [--blur 1.6] [--spread 0.45] [--blur-local 0.35] [--well 4000] [--read 4]
 *       [--gain ADU/unit] [--offset ADU] [--bits 16|8] [--fps 30] [--limb] [--truth-sigma 1.0]
 *
 * Writes DIR/frames.ser, DIR/truth.png (16-bit) and DIR/meta.json (see simulate.ts).
 */
import { pathToFileURL } from 'node:url';
import { simulateSequence, writeSequence, type SynthOptions } from './simulate.js';

const NUMERIC: Record<string, keyof SynthOptions> = {
  width: 'width', height: 'height', frames: 'frames', seed: 'seed', jitter: 'jitter', 'jitter-corr': 'jitterCorr',
  warp: 'warp', 'warp-scale': 'warpScale', blur: 'blur', spread: 'spread', 'blur-local': 'blurLocal',
  well: 'well', read: 'read', gain: 'gain', offset: 'offset', bits: 'bitDepth', fps: 'fps', 'truth-sigma': 'truthSigma',
};

export const USAGE = `usage: generate.ts --out DIR [--kind moon|planet] [--width W] [--height H] [--frames N] [--seed S]
  [--jitter PX] [--jitter-corr R] [--warp PX] [--warp-scale PX] [--blur SIGMA] [--spread S]
  [--blur-local F] [--well E] [--read E] [--gain ADU] [--offset ADU] [--bits 16|8] [--fps F] [--limb]
  [--truth-sigma PX]`;

export function parseGenerateArgs(argv: string[]): { out: string; options: Partial<SynthOptions> } {
  const options: Partial<SynthOptions> = {};
  let out = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) { value = name.slice(eq + 1); name = name.slice(0, eq); }
    if (name === 'limb') { options.limb = value === undefined ? true : value !== 'false'; continue; }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
    }
    if (name === 'out') out = value;
    else if (name === 'kind') options.kind = value as SynthOptions['kind'];
    else if (NUMERIC[name]) {
      const v = Number(value);
      if (!Number.isFinite(v)) throw new Error(`--${name}: '${value}' is not a number`);
      (options as Record<string, number>)[NUMERIC[name]] = v;
    } else throw new Error(`unknown option --${name}\n${USAGE}`);
  }
  if (!out) throw new Error(`--out DIR is required\n${USAGE}`);
  return { out, options };
}

export function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let parsed;
  try {
    parsed = parseGenerateArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const t0 = performance.now();
  let seq;
  try {
    seq = simulateSequence(parsed.options);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const paths = writeSequence(parsed.out, seq);
  const o = seq.options;
  const q = seq.meta.frames.map((f) => f.quality).sort((a, b) => a - b);
  console.log(`${o.kind} ${o.width}x${o.height}, ${o.frames} frames, ${o.bitDepth}-bit, seed ${o.seed}: ` +
    `quality ${q[0].toFixed(2)}..${q[q.length - 1].toFixed(2)} (median ${q[q.length >> 1].toFixed(2)}), ` +
    `${((performance.now() - t0) / 1000).toFixed(2)} s → ${paths.ser}, ${paths.truth}, ${paths.meta}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
