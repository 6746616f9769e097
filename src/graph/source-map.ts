/** Where things were in the YAML text a GraphDoc was parsed from, so issue lines can start with "file:line:col:". */
import type { GraphDoc, ValidationIssue } from './types.ts';

export interface SourceLocation {
  line: number;
  col: number;
}

export interface SourceMap {
  sourceName: string;
  /** Key: path segments joined by '\u0000' (e.g. nodes, rank, params, method) → position of that key. */
  positions: Map<string, SourceLocation>;
}

const maps = new WeakMap<object, SourceMap>();

export function pathKey(path: readonly (string | number)[]): string {
  return path.map(String).join('\u0000');
}

export function attachSourceMap(doc: GraphDoc, map: SourceMap): void {
  maps.set(doc, map);
}

/** The source map of a document returned by parseGraphYaml / loadGraphFile (not of edited copies). */
export function sourceMapOf(doc: GraphDoc): SourceMap | undefined {
  return maps.get(doc);
}

/** "file:line:col" of the most specific known location of an issue, if the document came from YAML. */
export function locateIssue(doc: GraphDoc | undefined, issue: ValidationIssue): string | undefined {
  const map = doc ? maps.get(doc) : undefined;
  if (!map) return undefined;
  const candidates: string[][] = [];
  if (issue.node !== undefined) {
    if (issue.param !== undefined) candidates.push(['nodes', issue.node, 'params', issue.param], ['nodes', issue.node, 'params']);
    if (issue.port !== undefined) candidates.push(['nodes', issue.node, 'inputs', issue.port], ['nodes', issue.node, 'inputs']);
    candidates.push(['nodes', issue.node], ['layout', issue.node]);
  }
  for (const c of candidates) {
    const p = map.positions.get(pathKey(c));
    if (p) return `${map.sourceName}:${p.line}:${p.col}`;
  }
  return undefined;
}
