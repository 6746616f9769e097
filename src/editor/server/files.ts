/**
 * Graph files for the editor: bundled presets, open and save by server-side path, and a small
 * directory listing for the in-browser file chooser (file paths are always chosen on the server side).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { loadGraphFile, parseGraphYaml, saveGraphFile } from '../../graph/yaml.ts';
import { migrateGraph } from '../../graph/migrate.ts';
import { GraphError, GRAPH_FORMAT, type GraphDoc } from '../../graph/types.ts';
import { isRecord } from '../../graph/util.ts';
import type { NodeRegistry } from '../../graph/registry.ts';
import type { FsEntry, FsListing, OpenResult, PresetInfo } from '../shared/protocol.ts';

export class FileError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** Absolute path of `p` (relative paths are taken from the server's working directory; "~" is the home folder). */
export function absPath(p: string, cwd: string): string {
  if (p === '~' || p.startsWith('~/')) return join(process.env.HOME ?? cwd, p.slice(1));
  return isAbsolute(p) ? resolve(p) : resolve(cwd, p);
}

export async function listPresets(presetsDir: string, registry: NodeRegistry): Promise<PresetInfo[]> {
  let files: string[];
  try {
    files = (await readdir(presetsDir)).filter((f) => /\.ya?ml$/i.test(f)).sort((a, b) => (a === 'default.yaml' ? -1 : b === 'default.yaml' ? 1 : a.localeCompare(b)));
  } catch {
    return [];
  }
  const out: PresetInfo[] = [];
  for (const file of files) {
    const path = join(presetsDir, file);
    try {
      const doc = migrateGraph(parseGraphYaml(await readFile(path, 'utf8'), path), registry).doc;
      out.push({ file, path, name: typeof doc.name === 'string' ? doc.name : file, description: typeof doc.description === 'string' ? doc.description : '' });
    } catch {
      out.push({ file, path, name: `${file} (unreadable)`, description: '' });
    }
  }
  return out;
}

/** Opens a graph file: parsed, migrated to the current node versions. */
export async function openGraph(path: string, registry: NodeRegistry, asUntitled = false): Promise<OpenResult> {
  if (!existsSync(path)) throw new FileError(`no such file: ${path}`, 404);
  const st = await stat(path);
  if (st.isDirectory()) throw new FileError(`${path} is a folder, not a graph file`);
  const loaded = await loadGraphFile(path);
  const { doc, applied } = migrateGraph(loaded, registry);
  // The document travels as JSON: a plain structured copy without the source map.
  const plain = JSON.parse(JSON.stringify(doc)) as GraphDoc;
  return {
    path: asUntitled ? null : path,
    source: path,
    doc: plain,
    migrated: applied.map((m) => `node '${m.node}' from version ${m.from} to ${m.to}`),
  };
}

/** Saves a document (atomic write); adds ".yaml" when the name has no extension. */
export async function saveGraph(path: string, doc: unknown): Promise<string> {
  if (!isRecord(doc) || doc.format !== GRAPH_FORMAT || !isRecord(doc.nodes)) {
    throw new FileError(`not a graph document: expected 'format: ${GRAPH_FORMAT}' and 'nodes'`);
  }
  const target = extname(path) ? path : `${path}.yaml`;
  if (!existsSync(dirname(target))) throw new FileError(`folder does not exist: ${dirname(target)}`, 404);
  if (existsSync(target) && (await stat(target)).isDirectory()) throw new FileError(`${target} is a folder`);
  try {
    await saveGraphFile(target, doc as GraphDoc);
  } catch (e) {
    throw new FileError(e instanceof GraphError ? e.message : String(e), 500);
  }
  return target;
}

/** Folder listing: folders first, then files (optionally only the given extensions); hidden entries skipped. */
export async function listDir(dir: string, extensions: string[] = [], hidden = false): Promise<FsListing> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new FileError(`no such folder: ${dir}`, 404);
  }
  if (!st.isDirectory()) throw new FileError(`${dir} is not a folder`);
  const names = await readdir(dir, { withFileTypes: true }).catch((e: Error) => {
    throw new FileError(`cannot list ${dir}: ${e.message}`, 403);
  });
  const exts = extensions.map((e) => e.toLowerCase().replace(/^\./, ''));
  const entries: FsEntry[] = [];
  for (const d of names) {
    if (!hidden && d.name.startsWith('.')) continue;
    let isDir = d.isDirectory();
    let size: number | undefined;
    if (d.isSymbolicLink() || d.isFile()) {
      try {
        const s = await stat(join(dir, d.name));
        isDir = s.isDirectory();
        if (!isDir) size = s.size;
      } catch {
        continue;
      }
    }
    if (!isDir && exts.length && !exts.includes(extname(d.name).slice(1).toLowerCase())) continue;
    entries.push({ name: d.name, kind: isDir ? 'dir' : 'file', ...(size !== undefined ? { size } : {}) });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name, undefined, { numeric: true }) : a.kind === 'dir' ? -1 : 1));
  const parent = dirname(dir) === dir ? null : dirname(dir);
  return { dir, parent, entries };
}
