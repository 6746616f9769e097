import { describe, expect, it } from 'vitest';
import { bulkCommitAvailable, commitNow, freshFloat32, freshFloat64 } from '../../src/image/fresh-memory.ts';
import { nativePopulateBuilt } from '../../src/runtime/populate.ts';

describe('fresh-memory (bulk commit of large arrays)', () => {
  it('uses the native module when it was built (Linux)', () => {
    expect(bulkCommitAvailable()).toBe(process.platform === 'linux' && nativePopulateBuilt());
  });
  it('fresh arrays are zero and keep what is written; committing a written array changes nothing', () => {
    const a = freshFloat32(3_000_000);
    const b = freshFloat64(400_000);
    expect(a.length).toBe(3_000_000);
    expect(a.every((v) => v === 0) && b.every((v) => v === 0)).toBe(true);
    for (let i = 0; i < a.length; i += 997) a[i] = i;
    commitNow(a);
    commitNow(a.subarray(12345, 2_500_000)); // unaligned view
    for (let i = 0; i < a.length; i += 997) expect(a[i]).toBe(i);
    expect(freshFloat32(10)).toHaveLength(10); // small: plain allocation
  });
});
