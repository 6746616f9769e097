/**
 * Committing memory ahead of use (src/runtime/populate.ts): arenas hand out distinct slots, the
 * background thread commits them with the native module when it was built (else by touching), and
 * data written before, during or after population is never changed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FrameArena, MemoryPopulator, nativePopulateBuilt } from '../../src/runtime/populate.ts';

const populator = new MemoryPopulator();
afterAll(() => populator.close());

describe('MemoryPopulator', () => {
  it('commits a shared buffer without changing what is in it, natively when the module is built', async () => {
    const sab = new SharedArrayBuffer(24 << 20);
    const u = new Uint8Array(sab);
    for (let k = 0; k < u.length; k += 4093) u[k] = (k * 7) & 255; // data already there
    const done = populator.request(new Uint8Array(sab, 12_345)); // unaligned start
    for (let k = 1; k < u.length; k += 8191) u[k] = 201; // written while it runs
    const how = await done;
    expect(how).toBe(nativePopulateBuilt() ? 'native' : 'touch');
    for (let k = 0; k < u.length; k += 4093) if (k % 8191 !== 1) expect(u[k]).toBe((k * 7) & 255);
    for (let k = 1; k < u.length; k += 8191) expect(u[k]).toBe(201);
    expect(populator.requestedBytes).toBe((24 << 20) - 12_345);
  });

  it('refuses memory that is not shared', async () => {
    await expect(populator.request(new Uint8Array(16))).rejects.toThrow(/SharedArrayBuffer/);
  });
});

describe('FrameArena', () => {
  it('gives each frame its own slot, in chunks, committing one chunk ahead', async () => {
    const a = new FrameArena(1000, 10, populator, 4096); // 4 slots of 1000 (+ padding to 1000) per chunk
    expect(a.perChunk).toBe(4);
    const views = Array.from({ length: 10 }, (_, i) => a.view(i));
    views.forEach((v, i) => { expect(v.byteLength).toBe(1000); v.fill(i + 1); });
    views.forEach((v, i) => expect(v.every((x) => x === i + 1)).toBe(true));
    expect(a.allocatedBytes()).toBe((4 + 4 + 2) * 1000);
    const fresh = new FrameArena(1000, 10, null, 4096);
    fresh.view(0);
    expect(fresh.allocatedBytes()).toBe(8000); // frame 0's chunk and the next one
    expect(() => a.view(10)).toThrow(/out of range/);
    expect(a.view(3).byteOffset % 8).toBe(0);
  });
});
