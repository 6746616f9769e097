/**
 * Atomic file output: write to a temporary file in the destination directory, fsync it, then rename it
 * over the destination. Readers never see a half-written file, and a failed write leaves an existing
 * destination untouched and no temporary file behind.
 */
import { mkdir, open, rename, unlink, stat, realpath } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { InputError } from './frame-source.js';

export type WriteData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

export interface AtomicWriteOptions {
  /** Input files of the run: writing over any of them is refused (see `assertNotInput`). */
  inputs?: readonly string[];
  /** File mode of a newly created file (default 0o644, subject to the umask). */
  mode?: number;
}

async function identity(p: string): Promise<{ real: string; dev?: number; ino?: number }> {
  const abs = path.resolve(p);
  try {
    const st = await stat(abs);
    return { real: await realpath(abs), dev: st.dev, ino: st.ino };
  } catch {
    // Not there (yet): resolve the parent directory's real path, if it exists.
    try {
      return { real: path.join(await realpath(path.dirname(abs)), path.basename(abs)) };
    } catch {
      return { real: abs };
    }
  }
}

/**
 * Throws an InputError when `outPath` names one of `inputPaths` (after resolving relative paths and symlinks,
 * and comparing device/inode so hard links and case-insensitive file systems are caught too). An input may
 * be a folder: then writing anywhere inside it is allowed, only the folder path itself is refused.
 */
export async function assertNotInput(outPath: string, inputPaths: readonly string[]): Promise<void> {
  if (inputPaths.length === 0) return;
  const out = await identity(outPath);
  for (const input of inputPaths) {
    const inp = await identity(input);
    const same =
      out.real === inp.real ||
      (out.ino !== undefined && inp.ino !== undefined && out.dev === inp.dev && out.ino === inp.ino);
    if (same) {
      throw new InputError(outPath, `refusing to overwrite an input of this run (${input})`);
    }
  }
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return x != null && typeof (x as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function';
}

/**
 * Writes `data` (bytes, or chunks from a sync/async iterable) to `filePath` atomically. Parent directories
 * are created. If the data source throws, or writing fails, the temporary file is removed and the error is
 * re-thrown; an existing file at `filePath` is then left as it was.
 */
export async function writeFileAtomic(filePath: string, data: WriteData, opts: AtomicWriteOptions = {}): Promise<void> {
  const target = path.resolve(filePath);
  if (opts.inputs) await assertNotInput(target, opts.inputs);
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', opts.mode ?? 0o644);
  let closed = false;
  try {
    if (data instanceof Uint8Array) {
      await writeAll(fh, data);
    } else if (isAsyncIterable(data)) {
      for await (const chunk of data) await writeAll(fh, chunk);
    } else {
      for (const chunk of data) await writeAll(fh, chunk);
    }
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, target);
  } catch (err) {
    if (!closed) await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  // Make the rename itself durable (best effort: not every platform can fsync a directory).
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    /* ignore */
  }
}

async function writeAll(fh: import('node:fs/promises').FileHandle, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}
