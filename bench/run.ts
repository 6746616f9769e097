/**
 * `npm run bench`: runs the default preset on the shared inputs and on generated sequences, and prints
 * per-node wall time and frames/s, whole-process wall time and peak RSS next to PSS's figures (plus a
 * 500-frame colour video without a PSS figure); the
 * decode-only time of each input; wall time and peak RSS per buffering level and per worker count on
 * each input; peak RSS per buffering level (predicted vs measured) on a generated sequence; how peak
 * RSS at level 0 behaves when the frame count grows fourfold; and a 2000-frame 1280x960 run at level 0.
 *
 *   npm run bench [-- --only pipeline|sweep|memory|long] [--repeat N]
 * The main figures are the median of --repeat runs (default 3) in fresh processes; the level and
 * worker sweeps are one run per cell.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { openFrameSource } from '../src/io/open-source.js';
import { writeLongSer } from './long-ser.js';

const root = resolve(import.meta.dirname, '..');
const shared = resolve(root, '../shared/data');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const repeat = args.includes('--repeat') ? Number(args[args.indexOf('--repeat') + 1]) : 3;
const work = mkdtempSync(join(tmpdir(), 'lg-bench-'));

interface RunJson {
  ok: boolean;
  nodes: { id: string; type: string; status: string; ms: number }[];
  peakRssBytes: number;
  level: number;
  jobs: { predictedBytes?: number; error?: string }[];
  workers?: number;
  kernels?: { backend: string; detail: string };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const mib = (b: number) => (b / 2 ** 20).toFixed(0);

function runPreset(preset: string, input: string, extra: string[] = [], env: Record<string, string> = {}): { wallMs: number; json: RunJson } {
  const out = join(work, 'out.png');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin/luckygraph.js'), 'run', join(root, 'presets', preset), '--input', input, '--out', out, '--json', ...extra], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`run failed on ${input}: ${r.stderr.split('\n').filter(Boolean).slice(-3).join(' | ')}`);
  return { wallMs, json: JSON.parse(r.stdout) as RunJson };
}

async function decodeOnlyMs(input: string): Promise<number> {
  const t0 = performance.now();
  const src = await openFrameSource(input);
  const v = src as unknown as { decodeAll?: () => Promise<number> };
  if (typeof v.decodeAll === 'function') await v.decodeAll();
  else for await (const f of src.frames()) void f;
  await src.close();
  return performance.now() - t0;
}

function table(rows: (string | number)[][]): void {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log('| ' + r.map((x, c) => String(x).padEnd(w[c])).join(' | ') + ' |');
}

const PSS: Record<string, { s: number; rss: number }> = {
  'moon_pss_short_video_101f.avi': { s: 7.35, rss: 1171 },
  'moon_pss_another_short_video_45f.avi': { s: 4.58, rss: 725 },
  'frames.ser': { s: 2.96, rss: 353 },
};

const sharedInputs = () => [
  join(shared, 'synthetic/moon-512/frames.ser'),
  join(shared, 'real/moon_pss_short_video_101f.avi'),
  join(shared, 'real/moon_pss_another_short_video_45f.avi'),
].filter(existsSync);

/**
 * A longer colour capture (500 RGB frames, H.264) beside the three inputs of PSS's figures: the frame
 * count and colour path of a real planetary session, where per-frame costs outweigh start-up.
 */
const longColourInput = () => [join(shared, 'real/jupiter_planetaryflow_2023-11-30_500f.mp4')].filter(existsSync);

async function pipeline(): Promise<void> {
  const inputs = [...sharedInputs(), ...longColourInput()];
  if (!inputs.length) { console.log('pipeline: ../shared/data not found, skipped'); return; }
  console.log(`\n## Default preset, median of ${repeat} runs (fresh process each)\n`);
  const summary: (string | number)[][] = [['input', 'frames', 'ours s', 'PSS s', 'PSS/ours', 'decode-only s', 'ours/decode', 'peak RSS MiB', 'PSS RSS MiB', 'level']];
  // Round-robin over the inputs, each run next to a decode-only pass of the same file: this virtual
  // machine's speed drifts (±15 % and more over minutes), and a slow phase then hits every input and
  // both sides of the ours/decode ratio alike.
  const runsOf = new Map<string, { wallMs: number; json: RunJson }[]>(inputs.map((i) => [i, []]));
  const decodesOf = new Map<string, number[]>(inputs.map((i) => [i, []]));
  for (let k = 0; k < repeat; k++) {
    for (const input of inputs) {
      runsOf.get(input)!.push(runPreset('default.yaml', input));
      decodesOf.get(input)!.push(await decodeOnlyMs(input));
    }
  }
  for (const input of inputs) {
    const src = await openFrameSource(input);
    const n = src.info.frameCount;
    await src.close();
    const runs = runsOf.get(input)!;
    const decode = median(decodesOf.get(input)!);
    const wall = median(runs.map((r) => r.wallMs)) / 1000;
    const rss = median(runs.map((r) => r.json.peakRssBytes));
    const name = input.split('/').pop()!;
    const pss = PSS[name];
    summary.push([name, n, wall.toFixed(2), pss?.s ?? '-', pss ? (pss.s / wall).toFixed(2) : '-', (decode / 1000).toFixed(2), (wall / (decode / 1000)).toFixed(1), mib(rss), pss?.rss ?? '-', runs[0].json.level]);
    console.log(`\n### ${name} — per node (median ms, frames/s)\n`);
    const rows: (string | number)[][] = [['node', 'type', 'ms', 'frames/s']];
    for (const node of runs[0].json.nodes) {
      const ms = median(runs.map((r) => r.json.nodes.find((x) => x.id === node.id)!.ms));
      rows.push([node.id, node.type, ms.toFixed(0), ms > 0 ? (n / (ms / 1000)).toFixed(0) : '-']);
    }
    table(rows);
  }
  console.log('\n### Whole process\n');
  table(summary);
  console.log('\nPSS\'s times and RSS are from ../shared/data/peer-results (PSS cannot run on these machines);');
  console.log('decode-only = decoding or reading every frame of the file once, nothing else (median of as many');
  console.log('passes, each right after one of our runs).');
}

/** Wall time and peak RSS of every buffering level and of 0 / 1 / N workers, on each shared input. */
async function sweep(): Promise<void> {
  const inputs = sharedInputs();
  if (!inputs.length) { console.log('sweep: ../shared/data not found, skipped'); return; }
  const cores = availableParallelism();
  console.log('\n## Buffering levels and workers on each input (one run per cell)\n');
  console.log('Workers 0 = every kernel on the main thread; N = the read-ahead of first passes in N worker threads');
  console.log(`(the default is the cores beyond two: ${Math.max(0, cores - 2)} here).\n`);
  const rows: (string | number)[][] = [['input', 'level', 'workers', 'wall s', 'peak RSS MiB', 'PSS RSS MiB']];
  const speed: (string | number)[][] = [['input', 'level', 'wall s, 0 workers', 'wall s, 1 worker', `wall s, ${cores} workers`, `speed-up 0 → ${cores}`, `speed-up 1 → ${cores}`]];
  const threads: (string | number)[][] = [['input', 'wall s, 1 thread', 'wall s, 2 threads', 'speed-up 1 → 2']];
  for (const input of inputs) {
    const name = input.split('/').pop()!;
    for (const level of [0, 1, 2, 3, 4]) {
      const r = runPreset('default.yaml', input, ['--buffering', String(level)]);
      rows.push([name, level, r.json.workers ?? '-', (r.wallMs / 1000).toFixed(2), mib(r.json.peakRssBytes), PSS[name]?.rss ?? '-']);
    }
    const auto = runPreset('default.yaml', input).json.level;
    const w = [0, 1, cores].map((n) => runPreset('default.yaml', input, ['--workers', String(n)]).wallMs / 1000);
    speed.push([name, auto, ...w.map((x) => x.toFixed(2)), (w[0] / w[2]).toFixed(2), (w[1] / w[2]).toFixed(2)]);
    // one thread for every kernel vs the default (the helper thread splits first passes, big
    // correlations and each frame's AP correlations with the main thread), interleaved, median of 3
    const one: number[] = [];
    const two: number[] = [];
    for (let k = 0; k < 3; k++) {
      one.push(runPreset('default.yaml', input, ['--workers', '0'], { LUCKYGRAPH_ROW_HELPER: '0' }).wallMs / 1000);
      two.push(runPreset('default.yaml', input, ['--workers', '0']).wallMs / 1000);
    }
    threads.push([name, median(one).toFixed(2), median(two).toFixed(2), (median(one) / median(two)).toFixed(2)]);
  }
  table(rows);
  console.log('');
  table(speed);
  console.log('\nKernel threads: the main thread alone (LUCKYGRAPH_ROW_HELPER=0) vs with the helper thread (median of 3, interleaved):\n');
  table(threads);
}

/** A generated 2000-frame 1280x960 8-bit SER at level 0: peak RSS must not grow with the frame count. */
async function long(): Promise<void> {
  console.log('\n## Level 0 on a long capture (generated, 1280x960, 8 bit)\n');
  const rows: (string | number)[][] = [['frames', 'wall s', 'peak RSS MiB', 'target MiB']];
  for (const n of [250, 2000]) {
    const path = join(work, `long-${n}.ser`);
    writeLongSer(path, n);
    const r = runPreset('default.yaml', path, ['--buffering', '0']);
    rows.push([n, (r.wallMs / 1000).toFixed(1), mib(r.json.peakRssBytes), 500 * 1e6 / 2 ** 20 | 0]);
    rmSync(path, { force: true });
  }
  table(rows);
}

async function memory(): Promise<void> {
  console.log('\n## Memory: peak RSS per buffering level, predicted vs measured\n');
  const gen = (frames: number, dir: string) => {
    const r = spawnSync(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'src/synth/generate.ts'), '--out', dir, '--kind', 'moon', '--width', '640', '--height', '480', '--frames', String(frames), '--seed', '3'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`generator failed: ${r.stderr}`);
    return join(dir, 'frames.ser');
  };
  const small = gen(60, join(work, 'm60'));
  const large = gen(240, join(work, 'm240'));
  const rows: (string | number)[][] = [['frames', 'level', 'predicted frame store + workspace MiB', 'peak RSS MiB']];
  for (const level of [0, 1, 2, 3, 4]) {
    const runs = Array.from({ length: repeat }, () => runPreset('default.yaml', large, ['--buffering', String(level)]));
    rows.push([240, level, mib(runs[0].json.jobs[0].predictedBytes ?? 0), mib(median(runs.map((r) => r.json.peakRssBytes)))]);
  }
  table(rows);
  console.log('\n## Level 0 as the frame count grows fourfold (640x480, 16 bit)\n');
  const flat: (string | number)[][] = [['frames', 'peak RSS MiB']];
  for (const [n, p] of [[60, small], [240, large]] as const) {
    const runs = Array.from({ length: repeat }, () => runPreset('default.yaml', p, ['--buffering', '0']));
    flat.push([n, mib(median(runs.map((r) => r.json.peakRssBytes)))]);
  }
  table(flat);
}

try {
  if (!only || only === 'pipeline') await pipeline();
  if (!only || only === 'sweep') await sweep();
  if (!only || only === 'memory') await memory();
  if (!only || only === 'long') await long();
} finally {
  rmSync(work, { recursive: true, force: true });
}
