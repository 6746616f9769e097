/** Opens any supported input (SER, video, image folder, single image) as a FrameSource. */
import { statSync } from 'node:fs';
import type { FrameSource } from './frame-source.js';
import { InputError } from './frame-source.js';
import { openSer, isSerPath, type SerByteOrderOption } from './ser.js';
import { openVideo, isVideoPath } from './video-source.js';
import { openImageFolder, openSingleImage } from './image-folder-source.js';

export interface OpenOptions {
  serByteOrder?: SerByteOrderOption;
  /** Frames will be read soon: sources that can start early work (a video's decode) do. */
  prefetch?: boolean;
}

export async function openFrameSource(path: string, options: OpenOptions = {}): Promise<FrameSource> {
  let st;
  try { st = statSync(path); } catch { throw new InputError(path, 'no such file or folder'); }
  if (st.isDirectory()) return openImageFolder(path);
  if (isSerPath(path)) return openSer(path, { byteOrder: options.serByteOrder });
  if (isVideoPath(path)) return openVideo(path, { prefetch: options.prefetch });
  if (/\.(png|tiff?|fits?|fts|jpe?g)$/i.test(path)) return openSingleImage(path);
  if (st.size === 0) throw new InputError(path, 'empty file');
  // Unknown extension: try SER magic, then ffmpeg.
  const fd = await import('node:fs/promises').then((m) => m.open(path, 'r'));
  const head = Buffer.alloc(14);
  await fd.read(head, 0, 14, 0);
  await fd.close();
  if (head.toString('latin1') === 'LUCAM-RECORDER') return openSer(path, { byteOrder: options.serByteOrder });
  return openVideo(path);
}
