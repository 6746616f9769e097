/**
 * FrameSources over still images: a folder of image files (one frame per file, natural sort order) and a
 * single image file (one frame).
 *
 * Opening a folder reads only each file's header (PNG IHDR, TIFF IFD, FITS header, JPEG SOF) and fails on the
 * first file — in frame order — that is not a readable image or whose size, colour mode or bit depth differs
 * from the first file's. Pixels are decoded lazily, one file per `read`. Hidden files (".name") and files
 * without an image extension are ignored. Unlike PSS (unsorted listing) the order is natural sort
 * ("f2" before "f10", case-insensitive). No debayering is implied: mono files are 'mono', colour files 'RGB'.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from './frame-source.js';
import type { FrameSource, FrameSourceInfo, RawFrame } from './frame-source.js';
import { naturalCompare } from './natural-sort.js';
import { hasImageExtension, readImageHeader, readImageFile, IMAGE_EXTENSIONS } from './image-file.js';
import type { ImageHeader } from './image-file.js';

const HEADER_CONCURRENCY = 16;

/** Image file names (not paths) in a folder, natural-sorted; hidden files and other extensions left out. */
export async function listImageFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(dir, 'folder not found');
    if (code === 'ENOTDIR') throw new InputError(dir, 'not a folder');
    throw new InputError(dir, (e as Error).message);
  }
  const names: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || !hasImageExtension(e.name)) continue;
    if (e.isFile()) names.push(e.name);
    else if (e.isSymbolicLink()) {
      const st = await stat(path.join(dir, e.name)).catch(() => undefined);
      if (st?.isFile()) names.push(e.name);
    }
  }
  return names.sort(naturalCompare);
}

function mode(planes: 1 | 3): string {
  return planes === 3 ? 'RGB' : 'mono';
}

function mismatch(h: ImageHeader, first: ImageHeader): string | undefined {
  if (h.width !== first.width || h.height !== first.height) {
    return `size ${h.width}x${h.height} differs from ${first.width}x${first.height}`;
  }
  if (h.planes !== first.planes) return `colour mode ${mode(h.planes)} differs from ${mode(first.planes)}`;
  if (h.bitDepth !== first.bitDepth) return `bit depth ${h.bitDepth} differs from ${first.bitDepth}`;
  return undefined;
}

function bytesPerSample(bitDepth: number): 1 | 2 | 4 {
  return bitDepth <= 8 ? 1 : bitDepth <= 16 ? 2 : 4;
}

class StillImageSource implements FrameSource {
  private closed = false;

  constructor(
    readonly info: FrameSourceInfo,
    private readonly paths: string[],
    private readonly expected: ImageHeader,
    private readonly firstName: string,
  ) {}

  async read(index: number): Promise<RawFrame> {
    if (this.closed) throw new Error(`${this.info.path}: frame source is closed`);
    if (!Number.isInteger(index) || index < 0 || index >= this.paths.length) {
      throw new RangeError(`${this.info.path}: frame index ${index} out of range 0..${this.paths.length - 1}`);
    }
    const file = this.paths[index];
    const img = await readImageFile(file);
    const bad = mismatch(img, this.expected);
    if (bad) throw new InputError(file, `${bad} of ${this.firstName} (file changed after opening?)`);
    return { index, width: img.width, height: img.height, planes: img.planes, bitDepth: img.bitDepth, data: img.data };
  }

  async *frames(start = 0, end = this.paths.length): AsyncIterable<RawFrame> {
    const s = Math.max(0, start);
    const e = Math.min(this.paths.length, end);
    for (let i = s; i < e; i++) yield await this.read(i);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function container(headers: ImageHeader[], folder: boolean): string {
  const formats = [...new Set(headers.map((h) => h.format))];
  const name = formats.join(', ');
  if (!folder) return name;
  return formats.length === 1 ? `${name} folder` : `mixed folder (${name})`;
}

/**
 * Opens a folder of still images as a FrameSource. Throws InputError for an empty folder, an undecodable file
 * (naming it), or the first file whose size / colour mode / bit depth differs from the first file.
 */
export async function openImageFolder(dir: string): Promise<FrameSource> {
  const names = await listImageFiles(dir);
  if (names.length === 0) {
    throw new InputError(dir, `no image files (${Object.keys(IMAGE_EXTENSIONS).join(' ')}) in this folder`);
  }
  const paths = names.map((n) => path.join(dir, n));
  const headers: ImageHeader[] = [];
  for (let i = 0; i < paths.length; i += HEADER_CONCURRENCY) {
    const batch = paths.slice(i, i + HEADER_CONCURRENCY);
    const results = await Promise.allSettled(batch.map((p) => readImageHeader(p)));
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      if (r.status === 'rejected') throw r.reason;
      const h = r.value;
      if (headers.length > 0) {
        const bad = mismatch(h, headers[0]);
        if (bad) throw new InputError(batch[k], `${bad} of ${names[0]}`);
      }
      headers.push(h);
    }
  }
  const first = headers[0];
  const info: FrameSourceInfo = {
    path: dir,
    format: 'image-folder',
    container: container(headers, true),
    frameCount: paths.length,
    width: first.width,
    height: first.height,
    bitDepth: first.bitDepth,
    bytesPerSample: bytesPerSample(first.bitDepth),
    colorLayout: first.planes === 3 ? 'RGB' : 'mono',
    planes: first.planes,
    files: names,
    warnings: [],
  };
  return new StillImageSource(info, paths, first, names[0]);
}

/** Opens one image file as a 1-frame FrameSource (header checked now, pixels decoded on read). */
export async function openSingleImage(filePath: string): Promise<FrameSource> {
  const h = await readImageHeader(filePath);
  const name = path.basename(filePath);
  const info: FrameSourceInfo = {
    path: filePath,
    format: 'image',
    container: container([h], false),
    frameCount: 1,
    width: h.width,
    height: h.height,
    bitDepth: h.bitDepth,
    bytesPerSample: bytesPerSample(h.bitDepth),
    colorLayout: h.planes === 3 ? 'RGB' : 'mono',
    planes: h.planes,
    files: [name],
    warnings: [],
  };
  return new StillImageSource(info, [filePath], h, name);
}
