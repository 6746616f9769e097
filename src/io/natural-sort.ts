/**
 * Natural ("human") sort order for file names: digit runs compare by numeric value, so "f2" < "f10";
 * other text compares case-insensitively. Ties (e.g. "a" vs "A", "f01" vs "f1") are broken by a plain
 * code-unit comparison, so the order is total and deterministic on every platform.
 */

const CHUNK = /(\d+)|(\D+)/g;

function chunks(s: string): string[] {
  return s.match(CHUNK) ?? [];
}

function isDigitChunk(c: string): boolean {
  const ch = c.charCodeAt(0);
  return ch >= 48 && ch <= 57;
}

/** Compares two runs of ASCII digits by value without converting to numbers (no overflow). */
function compareDigits(a: string, b: string): number {
  let i = 0;
  while (i < a.length - 1 && a[i] === '0') i++;
  let j = 0;
  while (j < b.length - 1 && b[j] === '0') j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  for (; i < a.length; i++, j++) {
    if (a[i] !== b[j]) return a[i] < b[j] ? -1 : 1;
  }
  return 0;
}

function compareText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Natural, case-insensitive comparison, usable as an `Array.prototype.sort` comparator. */
export function naturalCompare(a: string, b: string): number {
  const ca = chunks(a);
  const cb = chunks(b);
  const n = Math.min(ca.length, cb.length);
  for (let k = 0; k < n; k++) {
    const x = ca[k];
    const y = cb[k];
    const dx = isDigitChunk(x);
    const dy = isDigitChunk(y);
    let r: number;
    if (dx && dy) r = compareDigits(x, y);
    else if (dx !== dy) r = dx ? -1 : 1; // digits sort before letters, as in plain ASCII order
    else r = compareText(x, y);
    if (r !== 0) return r;
  }
  if (ca.length !== cb.length) return ca.length < cb.length ? -1 : 1;
  // Equal up to case and leading zeros: fall back to a plain comparison for a total order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Returns a new array sorted in natural order. */
export function naturalSort(names: readonly string[]): string[] {
  return [...names].sort(naturalCompare);
}
