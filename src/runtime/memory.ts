/**
 * Memory forecast per buffering level (PSS §3.3 adapted): for every frame-reading node,
 * frames × bytes of the kept products at that level, plus a workspace allowance of
 * P · (53 mono | 111 colour) bytes for reference frames, AP and stacking buffers.
 */
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import type { FrameGeometry } from '../graph/types.js';
import { predictFrameStoreBytes, type BufferingLevel } from './frame-store.js';

export const LEVELS: readonly BufferingLevel[] = [0, 1, 2, 3, 4];

export function predictBytes(geoms: FrameGeometry[], level: BufferingLevel): number {
  let sum = 0;
  for (const g of geoms) {
    sum += predictFrameStoreBytes(g.frames, g.width, g.height, g.channels, g.originalBytesPerSample, level, g.originalsReread);
    sum += g.width * g.height * (g.channels === 3 ? 111 : 53);
  }
  return sum;
}

/** MemAvailable from /proc/meminfo (bytes), else os.freemem(). */
export function availableMemory(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch { /* not Linux */ }
  return freemem();
}

export interface LevelChoice {
  level: BufferingLevel;
  predicted: Record<BufferingLevel, number>;
  available: number;
}

export class MemoryError extends Error {}

/**
 * 'auto' picks the highest level whose prediction fits in the available memory; an explicit level that
 * does not fit is refused before any work, naming the figures and the highest level that fits.
 */
export function chooseLevel(geoms: FrameGeometry[], requested: 'auto' | BufferingLevel, available = availableMemory()): LevelChoice {
  const predicted = Object.fromEntries(LEVELS.map((l) => [l, predictBytes(geoms, l)])) as Record<BufferingLevel, number>;
  const fits = LEVELS.filter((l) => predicted[l] < available);
  const best = fits.length ? fits[fits.length - 1] : null;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  if (requested === 'auto') {
    if (best === null) throw new MemoryError(`too little memory: even buffering level 0 needs ${mib(predicted[0])}, ${mib(available)} available`);
    return { level: best, predicted, available };
  }
  if (predicted[requested] >= available) {
    throw new MemoryError(`buffering level ${requested} needs ${mib(predicted[requested])} but ${mib(available)} is available; ` +
      (best === null ? 'no level fits' : `the highest level that fits is ${best} (${mib(predicted[best])})`));
  }
  return { level: requested, predicted, available };
}
