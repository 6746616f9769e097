/**
 * Finds an ffmpeg binary, in this order: FFMPEG_PATH, ffmpeg-static's binary (when it exists — its
 * install script is denied here, so usually it does not), @ffmpeg-installer/ffmpeg, `ffmpeg` on PATH.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

export interface FfmpegLocation {
  path: string;
  via: 'FFMPEG_PATH' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';
}

let cached: FfmpegLocation | null | undefined;

export function findFfmpeg(): FfmpegLocation | null {
  if (cached !== undefined) return cached;
  cached = locate();
  return cached;
}

function locate(): FfmpegLocation | null {
  const env = process.env.FFMPEG_PATH;
  if (env) {
    if (existsSync(env)) return { path: env, via: 'FFMPEG_PATH' };
    throw new Error(`FFMPEG_PATH is set to '${env}', which does not exist`);
  }
  const require = createRequire(import.meta.url);
  try {
    const p = require('ffmpeg-static') as string | null;
    if (p && existsSync(p)) return { path: p, via: 'ffmpeg-static' };
  } catch { /* not installed */ }
  try {
    const p = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    if (p && existsSync(p)) return { path: p, via: '@ffmpeg-installer/ffmpeg' };
  } catch { /* not installed */ }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'ffmpeg');
    if (existsSync(p)) return { path: p, via: 'PATH' };
  }
  return null;
}

export const FFMPEG_MISSING_HELP =
  'no ffmpeg found: set FFMPEG_PATH to an ffmpeg binary, run `npm ci` (installs @ffmpeg-installer/ffmpeg), or install ffmpeg (apt-get install ffmpeg)';

export function requireFfmpeg(file: string): FfmpegLocation {
  const loc = findFfmpeg();
  if (!loc) throw new Error(`${file}: cannot decode video, ${FFMPEG_MISSING_HELP}`);
  return loc;
}
