/**
 * Large arrays committed in bulk before they are written.
 *
 * On the virtual machines this project runs on, the first write to each fresh 4 KiB page costs ~4 µs
 * (~3.7 ms per MiB: ~18 ms for one 1280×960 float image, more than the arithmetic that fills it),
 * and a run makes dozens of such arrays. native/populate.c populates the range in one call
 * (MADV_POPULATE_WRITE): measured here, a fresh 4.9 MB Float32Array committed that way and then
 * filled costs ~7 ms instead of ~18 ms. Without huge pages here, on the main thread: asking for them
 * (MADV_HUGEPAGE) made the first writes cheaper still (45-frame run 1.44 vs 1.49 s, median of 4),
 * but with this machine's defrag=madvise the kernel compacts memory synchronously to find them, and
 * in one phase a run's commits took 150–220 ms instead of 30–40 ms. (The frame arenas are committed
 * with huge pages by a background thread, populate.ts, where such a stall costs the main thread
 * nothing: committing them on the main thread without huge pages made Rank ~100 ms slower.)
 * Contents are unaffected (the memory is zero either way); without the native module (not built,
 * not Linux, a browser) nothing is done.
 */

/** Below this many bytes the call costs more than it saves. */
const MIN_BYTES = 1 << 20;

type Native = { populate(view: Uint8Array, huge: boolean): number };
let native: Native | null | undefined;

function loadNative(): Native | null {
  if (native !== undefined) return native;
  native = null;
  try {
    // (no static node: import: this module is also bundled for the browser editor)
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; platform?: string; env?: Record<string, string | undefined> } }).process;
    if (proc?.platform !== 'linux' || proc.env?.LUCKYGRAPH_COMMIT === '0') return null;
    const mod = proc.getBuiltinModule?.('node:module') as { createRequire(u: string): (p: string) => unknown } | undefined;
    const url = proc.getBuiltinModule?.('node:url') as { fileURLToPath(u: URL): string } | undefined;
    if (!mod || !url) return null;
    const path = url.fileURLToPath(new URL('../../native/build/populate.node', import.meta.url));
    native = mod.createRequire(import.meta.url)(path) as Native;
  } catch {
    native = null;
  }
  return native;
}

/** Commits the memory of `view` now (one populate call) when it is large; a no-op otherwise. */
export function commitNow(view: ArrayBufferView): void {
  if (view.byteLength < MIN_BYTES) return;
  const n = loadNative();
  if (n) n.populate(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), false);
}

/** `new Float32Array(n)`, committed in bulk when large. */
export function freshFloat32(n: number): Float32Array {
  const a = new Float32Array(n);
  commitNow(a);
  return a;
}

/** `new Float64Array(n)`, committed in bulk when large. */
export function freshFloat64(n: number): Float64Array {
  const a = new Float64Array(n);
  commitNow(a);
  return a;
}

/** True when bulk commits are available (the native module loaded). */
export function bulkCommitAvailable(): boolean {
  return loadNative() !== null;
}
