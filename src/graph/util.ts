/** Small helpers shared by the graph modules (no dependencies). */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Node ids and port names: letters, digits, '_' and '-', starting with a letter or '_' (never a '.'). */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** Parses "node.port" (split at the first '.'); null when malformed. */
export function parseRef(ref: unknown): { node: string; port: string } | null {
  if (typeof ref !== 'string') return null;
  const dot = ref.indexOf('.');
  if (dot <= 0 || dot === ref.length - 1) return null;
  const node = ref.slice(0, dot).trim();
  const port = ref.slice(dot + 1).trim();
  if (!node || !port || port.includes('.')) return null;
  return { node, port };
}

export function formatRef(node: string, port: string): string {
  return `${node}.${port}`;
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The candidate closest to `name` (case-insensitive edit distance, prefix matches preferred), or undefined if none is close. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const n = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    let score: number;
    if (lc === n) score = 0;
    else if (n.length >= 3 && (lc.startsWith(n) || n.startsWith(lc))) score = 0.5;
    else score = levenshtein(n, lc);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(name.length, best.length) / 3));
  return bestScore <= limit ? best : undefined;
}

/** " (did you mean 'X'?)" or "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c !== undefined && c !== name ? ` (did you mean '${c}'?)` : '';
}

/** Short, readable rendering of a found value for messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v.length > 60 ? v.slice(0, 57) + '...' : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const s = JSON.stringify(v);
    return s.length > 60 ? `a list of ${v.length} items` : s;
  }
  if (isRecord(v)) return 'a mapping';
  return typeof v;
}

/** The kind of a found value for messages: "string '7'", "number 3.5", "a list", ... */
export function describeTyped(v: unknown): string {
  if (typeof v === 'string') return `string ${describeValue(v)}`;
  if (typeof v === 'number') return `number ${describeValue(v)}`;
  if (typeof v === 'boolean') return `boolean ${v}`;
  return describeValue(v);
}

/** JSON with object keys sorted at every level (stable across insertion orders); -0 becomes 0. */
export function stableStringify(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = sortKeys(v[k]);
    return out;
  }
  if (typeof v === 'number' && Object.is(v, -0)) return 0;
  return v;
}
