/**
 * Node results cached by signature: an in-memory LRU bounded in bytes, and optionally a disk tier
 * (`--cache-dir`) so later runs of the same or an edited graph re-use results. Results are written to
 * disk with v8.serialize (typed arrays stay binary). Outputs that cannot persist (open frame sets)
 * leave a marker on disk so a later run knows the node's result is reproducible at no cost.
 */
import { serialize, deserialize } from 'node:v8';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SignatureParts } from './signature.js';

export type Outputs = Record<string, unknown>;

/** Rough bytes held by a value: typed arrays by size, objects recursively (shared buffers counted once). */
export function estimateBytes(v: unknown, seen = new Set<unknown>()): number {
  if (v === null || typeof v !== 'object') return 8;
  if (seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) {
    if (seen.has(v.buffer)) return 0;
    seen.add(v.buffer);
    return v.byteLength;
  }
  if (typeof (v as { heldBytes?: () => number }).heldBytes === 'function') return (v as { heldBytes: () => number }).heldBytes();
  let sum = 16;
  if (Array.isArray(v)) for (const x of v) sum += estimateBytes(x, seen);
  else if (v instanceof Map) for (const [k, x] of v) sum += estimateBytes(k, seen) + estimateBytes(x, seen);
  else for (const k of Object.keys(v)) sum += estimateBytes((v as Record<string, unknown>)[k], seen);
  return sum;
}

interface Entry { outputs: Outputs; bytes: number }

export interface ResultCacheOptions {
  budgetBytes: number;
  dir?: string;
  /** Called when an entry is dropped from memory (e.g. to close frame sets). */
  onEvict?: (outputs: Outputs) => void;
}

export class ResultCache {
  private readonly mem = new Map<string, Entry>();
  private held = 0;
  /** Entries in use by a running graph: never evicted until unpinned. */
  private readonly pinned = new Set<string>();
  private readonly lastParts = new Map<string, SignatureParts>();
  readonly dir?: string;

  constructor(private readonly options: ResultCacheOptions) {
    this.dir = options.dir;
    if (this.dir) {
      mkdirSync(join(this.dir, 'results'), { recursive: true });
      const idx = join(this.dir, 'last-run.json');
      if (existsSync(idx)) {
        try {
          const o = JSON.parse(readFileSync(idx, 'utf8')) as Record<string, SignatureParts>;
          for (const [k, v] of Object.entries(o)) this.lastParts.set(k, v);
        } catch { /* a damaged index only loses the explanations */ }
      }
    }
  }

  private file(sig: string, kind: 'v8' | 'marker') { return join(this.dir!, 'results', `${sig}.${kind}`); }

  /** True when a result for sig is held in memory or on disk (or is marked reproducible). */
  has(sig: string): boolean {
    if (this.mem.has(sig)) return true;
    return !!this.dir && (existsSync(this.file(sig, 'v8')) || existsSync(this.file(sig, 'marker')));
  }

  /** The outputs for sig, from memory or disk; null when absent or not persistable. */
  get(sig: string): Outputs | null {
    const e = this.mem.get(sig);
    if (e) {
      this.mem.delete(sig);
      this.mem.set(sig, e); // LRU: most recent last
      return e.outputs;
    }
    if (this.dir && existsSync(this.file(sig, 'v8'))) {
      try {
        const outputs = deserialize(readFileSync(this.file(sig, 'v8'))) as Outputs;
        this.putMemory(sig, outputs);
        return outputs;
      } catch {
        rmSync(this.file(sig, 'v8'), { force: true });
      }
    }
    return null;
  }

  set(sig: string, outputs: Outputs, persistable: boolean): void {
    this.putMemory(sig, outputs);
    if (!this.dir) return;
    if (persistable) {
      try {
        const tmp = `${this.file(sig, 'v8')}.${process.pid}.tmp`;
        writeFileSync(tmp, serialize(outputs));
        renameSync(tmp, this.file(sig, 'v8'));
        return;
      } catch { /* not serialisable: fall through to a marker */ }
    }
    writeFileSync(this.file(sig, 'marker'), '');
  }

  private putMemory(sig: string, outputs: Outputs): void {
    const old = this.mem.get(sig);
    if (old) { this.held -= old.bytes; this.mem.delete(sig); }
    const bytes = estimateBytes(outputs);
    this.mem.set(sig, { outputs, bytes });
    this.held += bytes;
    this.evict(sig);
  }

  pin(sig: string): void { this.pinned.add(sig); }
  unpinAll(): void { this.pinned.clear(); this.evict(''); }

  private evict(keep: string): void {
    for (const [k, e] of this.mem) {
      if (this.held <= this.options.budgetBytes) break;
      if (k === keep || this.pinned.has(k)) continue;
      this.mem.delete(k);
      this.held -= e.bytes;
      this.options.onEvict?.(e.outputs);
    }
  }

  /** Re-measure held bytes (frame sets grow while nodes read frames) and evict beyond the budget. */
  refresh(keep: Set<string>): void {
    this.held = 0;
    for (const e of this.mem.values()) { e.bytes = estimateBytes(e.outputs); this.held += e.bytes; }
    for (const [k, e] of this.mem) {
      if (this.held <= this.options.budgetBytes) break;
      if (keep.has(k) || this.pinned.has(k)) continue;
      this.mem.delete(k);
      this.held -= e.bytes;
      this.options.onEvict?.(e.outputs);
    }
  }

  heldBytes(): number { return this.held; }

  partsOf(nodeId: string): SignatureParts | undefined { return this.lastParts.get(nodeId); }
  rememberParts(nodeId: string, parts: SignatureParts): void { this.lastParts.set(nodeId, parts); }

  /** Writes the last-run index (node id → signature parts) to the cache dir. */
  flush(): void {
    if (!this.dir) return;
    const tmp = join(this.dir, `last-run.json.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.lastParts)));
    renameSync(tmp, join(this.dir, 'last-run.json'));
  }

  /** Drops everything from memory (closing evicted outputs). */
  clear(): void {
    for (const e of this.mem.values()) this.options.onEvict?.(e.outputs);
    this.mem.clear();
    this.held = 0;
  }

  /** Disk bytes used (for reports). */
  diskBytes(): number {
    if (!this.dir) return 0;
    let sum = 0;
    for (const f of readdirSync(join(this.dir, 'results'))) sum += statSync(join(this.dir, 'results', f)).size;
    return sum;
  }
}
