#!/usr/bin/env node
// Entry point. Runs the prebuilt bundle dist/cli/main.mjs (scripts/build-cli.mjs; built by `npm ci`
// via `prepare`, or `npm run build:cli`) when it is up to date with src/ — it starts about twice as
// fast — and otherwise the TypeScript sources through tsx's loader (no build step needed).
// A stale bundle (anything under src/ changed after it was built; see bundle-fresh.js) is never used.
//   LUCKYGRAPH_START=tsx      always use tsx
//   LUCKYGRAPH_DEBUG_START=1  print the path taken (and the cost of the freshness check) to stderr
import { statSync } from 'node:fs';
import { cliBundleFresh } from './bundle-fresh.js';

const root = new URL('../', import.meta.url);
const forceTsx = process.env.LUCKYGRAPH_START === 'tsx';
const t0 = performance.now();
const useBundle = !forceTsx && cliBundleFresh(root);
if (process.env.LUCKYGRAPH_DEBUG_START === '1') {
  const ms = (performance.now() - t0).toFixed(2); // before touching process.stderr (slow to set up)
  const how = useBundle ? 'bundle dist/cli/main.mjs' : `tsx (${forceTsx ? 'LUCKYGRAPH_START=tsx' : 'bundle missing or older than src/'})`;
  process.stderr.write(`luckygraph: start via ${how}; freshness check ${ms} ms\n`);
}

let main;
if (useBundle) {
  await prelaunchVideoInput(process.argv.slice(2));
  // Source maps (dist/cli/main.mjs.map) only when stack traces are wanted: loading them costs time.
  if (process.env.LUCKYGRAPH_DEBUG) process.setSourceMapsEnabled(true);
  ({ main } = await import(new URL('dist/cli/main.mjs', root).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));

/**
 * `run … --input video`: starts the video's probes and decode (src/io/video-source.ts
 * `prelaunchVideo`, from the small bundle dist/cli/video-prelaunch.mjs built with the CLI bundle)
 * before the CLI bundle loads, so that ffmpeg works while this process compiles the program
 * (~0.1 s). Only the first --input (a batch opens the others in turn); skipped when the small
 * bundle is missing or was not built with the CLI bundle (different stamps), or on any error.
 */
async function prelaunchVideoInput(args) {
  if (args[0] !== 'run') return;
  const at = args.indexOf('--input');
  const input = at > 0 ? args[at + 1] : undefined;
  if (!input) return;
  try {
    const small = new URL('dist/cli/video-prelaunch.mjs', root);
    if (statSync(small).mtimeMs !== statSync(new URL('dist/cli/main.mjs', root)).mtimeMs) return;
    (await import(small.href)).prelaunchVideo(input); // does nothing for inputs that are not videos
  } catch {
    /* the run opens the video itself */
  }
}
