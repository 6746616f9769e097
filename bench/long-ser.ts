/**
 * Writes a long SER for the level-0 memory benchmark without holding it in memory: `distinct`
 * simulated frames (src/synth) cycled to `frames` frames, streamed to disk one frame at a time.
 * The repeats do not matter for memory: level 0 keeps no per-frame image product whatever the content.
 *
 *   node bin/run-ts.js bench/long-ser.ts OUT.ser FRAMES [WIDTH HEIGHT DISTINCT]
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { encodeSer } from '../src/io/ser.js';
import { simulateSequence } from '../src/synth/simulate.js';

export function writeLongSer(path: string, frames: number, width = 1280, height = 960, distinct = 24): void {
  const seq = simulateSequence({ kind: 'moon', width, height, frames: distinct, seed: 5, bitDepth: 8 });
  const header = encodeSer({ width, height, colorLayout: 'mono', bitDepth: 8 }, []);
  header.writeInt32LE(frames, 38);
  const tmp = `${path}.part`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header);
    for (let i = 0; i < frames; i++) writeSync(fd, seq.frames[i % distinct] as Uint8Array);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [out, n, w, h, d] = process.argv.slice(2);
  const t0 = performance.now();
  writeLongSer(out, Number(n), w ? Number(w) : undefined, h ? Number(h) : undefined, d ? Number(d) : undefined);
  console.log(`${out}: ${n} frames in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
