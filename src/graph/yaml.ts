/** Reading and writing graph documents as YAML (the same object in memory as in the file). */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, stat, unlink, chmod } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import YAML, { isMap, isPair, isScalar, isSeq, LineCounter, type Node as YamlNode, YAMLMap, YAMLSeq } from 'yaml';
import { attachSourceMap, pathKey, type SourceLocation } from './source-map.ts';
import { GRAPH_FORMAT, GraphError, type GraphDoc, type ValidationIssue } from './types.ts';
import { describeValue, isRecord } from './util.ts';

function kindOf(node: unknown): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return describeValue(node.value);
  return 'nothing';
}

/**
 * Parses graph YAML. Throws a GraphError listing every syntax or structural problem as "sourceName:line:col: message"
 * (YAML syntax, non-mapping root, missing or unsupported `format`, `nodes` not a mapping of mappings).
 * Semantic checks (types, params, connections) are validateGraph's job.
 */
export function parseGraphYaml(text: string, sourceName = '<graph>'): GraphDoc {
  const lc = new LineCounter();
  const ydoc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string => {
    const p = lc.linePos(offset ?? 0);
    return `${sourceName}:${p.line}:${p.col}`;
  };
  const posOf = (n: unknown): number | undefined =>
    n && typeof n === 'object' && 'range' in n && Array.isArray((n as YamlNode).range) ? (n as YamlNode).range![0] : undefined;

  if (ydoc.errors.length) {
    const lines = ydoc.errors.map((e) => `${at(e.pos[0])}: ${e.message.split('\n')[0]}`);
    throw new GraphError(lines.join('\n'), lines.map((message) => ({ severity: 'error', message })));
  }
  const problems: string[] = [];
  const root = ydoc.contents;
  if (!isMap(root)) {
    const found = root === null || (isScalar(root) && root.value === null) ? 'an empty document' : kindOf(root);
    throw new GraphError(`${at(posOf(root))}: expected a mapping with 'format: ${GRAPH_FORMAT}' and 'nodes'; found ${found}`);
  }
  const formatNode: unknown = root.get('format', true);
  const formatValue: unknown = isScalar(formatNode) ? formatNode.value : undefined;
  if (formatNode === undefined) {
    problems.push(`${at(posOf(root))}: missing format tag; expected 'format: ${GRAPH_FORMAT}' at the top`);
  } else if (formatValue !== GRAPH_FORMAT) {
    const m = typeof formatValue === 'string' ? /^luckygraph\/(\d+)$/.exec(formatValue) : null;
    const newer = m !== null && Number(m[1]) > Number(GRAPH_FORMAT.split('/')[1]);
    problems.push(
      `${at(posOf(formatNode))}: unsupported format; expected '${GRAPH_FORMAT}'; found ${kindOf(formatNode)}` +
        (newer ? ' (written by a newer luckygraph)' : ''),
    );
  }
  const nodesNode = root.get('nodes', true);
  if (nodesNode === undefined) {
    problems.push(`${at(posOf(root))}: missing 'nodes'; expected a mapping of node id → node (may be empty: nodes: {})`);
  } else if (!isMap(nodesNode)) {
    const empty = isScalar(nodesNode) && nodesNode.value === null;
    if (!empty) problems.push(`${at(posOf(nodesNode))}: expected 'nodes' to be a mapping of node id → node; found ${kindOf(nodesNode)}`);
  } else {
    for (const pair of nodesNode.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!isMap(pair.value)) {
        problems.push(`${at(posOf(pair.value) ?? posOf(pair.key))}: node '${key}': expected a mapping with 'type'; found ${kindOf(pair.value)}`);
      }
    }
  }
  if (problems.length) {
    throw new GraphError(problems.join('\n'), problems.map((message): ValidationIssue => ({ severity: 'error', message })));
  }

  const doc = ydoc.toJS() as GraphDoc;
  if (doc.nodes === null || doc.nodes === undefined) doc.nodes = {};

  // Positions of every mapping key, for issue locations.
  const positions = new Map<string, SourceLocation>();
  const walk = (n: unknown, path: string[]) => {
    if (isMap(n)) {
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const p = [...path, k];
        const off = posOf(pair.key);
        if (off !== undefined) positions.set(pathKey(p), lc.linePos(off));
        if (path.length < 4) walk(pair.value, p);
      }
    }
  };
  walk(root, []);
  attachSourceMap(doc, { sourceName, positions });
  return doc;
}

const TOP_ORDER = ['format', 'name', 'description'];
const NODE_ORDER = ['type', 'version', 'inputs', 'params'];
/** Longest line a params/inputs mapping may take in flow style `{ a: 1, b: 2 }`. */
const FLOW_WIDTH = 100;

function ordered(obj: Record<string, unknown>, first: string[], last: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of first) if (k in obj && obj[k] !== undefined) out[k] = obj[k];
  for (const k of Object.keys(obj)) if (!(k in out) && !last.includes(k) && obj[k] !== undefined) out[k] = obj[k];
  for (const k of last) if (k in obj && obj[k] !== undefined) out[k] = obj[k];
  return out;
}

function isScalarValue(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !v.includes('\n'));
}

function flowFits(obj: unknown, key: string, indent: number): boolean {
  if (!isRecord(obj)) return false;
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  for (const [, v] of entries) {
    if (!(isScalarValue(v) || (Array.isArray(v) && v.every(isScalarValue)))) return false;
  }
  const width = indent + key.length + 4 + entries.reduce((s, [k, v]) => s + k.length + 4 + JSON.stringify(v).length, 0);
  return width <= FLOW_WIDTH;
}

/**
 * Stable, readable YAML: top keys format, name, description, (unknown keys), nodes, layout; node keys type, version,
 * inputs, params, (unknown keys). Short params/inputs mappings and all lists of scalars (layout positions, int lists)
 * use flow style. Unknown keys anywhere are kept.
 */
export function stringifyGraph(doc: GraphDoc): string {
  const top = ordered(doc as Record<string, unknown>, TOP_ORDER, ['nodes', 'layout']);
  if (isRecord(doc.nodes)) {
    const nodes: Record<string, unknown> = {};
    for (const [id, n] of Object.entries(doc.nodes)) nodes[id] = isRecord(n) ? ordered(n, NODE_ORDER) : n;
    top.nodes = nodes;
  }
  const ydoc = new YAML.Document();
  const root = ydoc.createNode(top) as YAMLMap;
  const nodesMap = root.get('nodes', true);
  if (isMap(nodesMap)) {
    for (const pair of nodesMap.items) {
      if (!isMap(pair.value)) continue;
      const id = isScalar(pair.key) ? String(pair.key.value) : '';
      for (const key of ['inputs', 'params']) {
        const m = pair.value.get(key, true);
        const src = (doc.nodes[id] as Record<string, unknown> | undefined)?.[key];
        if (isMap(m)) m.flow = m.items.length === 0 || flowFits(src, key, 4);
      }
    }
  }
  YAML.visit(root, {
    Seq(_, seq: YAMLSeq) {
      if (seq.items.every((i) => isScalar(i))) seq.flow = true;
    },
  });
  ydoc.contents = root;
  return ydoc.toString({ lineWidth: 0, indent: 2 });
}

/** Reads and parses a graph file (messages name the path). */
export async function loadGraphFile(path: string): Promise<GraphDoc> {
  let text: string;
  try {
    // (synchronous: a graph file is small, and the thread pool may be busy with a video's spool writes)
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.message;
    throw new GraphError(`cannot read graph file '${path}': ${why}`);
  }
  return parseGraphYaml(text, path);
}

/** Writes a graph file atomically: a temp file in the same folder, flushed, then renamed over the target. */
export async function saveGraphFile(path: string, doc: GraphDoc): Promise<void> {
  const text = stringifyGraph(doc);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let mode: number | undefined;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new GraphError(`cannot write graph file '${path}': ${(e as Error).message}`);
  }
}
