import { afterEach, describe, expect, it } from 'vitest';
import { getKernels, referenceKernels, setKernels, type Kernels } from '../../src/image/kernels.ts';
import { absScaleU8, addScaled, quantizeU16, scaleInPlace } from '../../src/image/pointwise.ts';
import { createImage } from '../../src/image/image.ts';
import { fromRows, toRows } from './helpers.ts';

afterEach(() => setKernels(referenceKernels));

describe('kernel registry', () => {
  it('defaults to the reference implementation', () => {
    expect(getKernels()).toBe(referenceKernels);
    expect(toRows(getKernels().decimate2(fromRows([[1, 2, 3]])))).toEqual([[1, 3]]);
  });
  it('can swap single kernels and restore', () => {
    let calls = 0;
    const custom: Kernels = {
      ...referenceKernels,
      laplacian3x3: (img) => {
        calls++;
        return referenceKernels.laplacian3x3(img);
      },
    };
    setKernels(custom);
    getKernels().laplacian3x3(fromRows([[1, 2], [3, 4]]));
    expect(calls).toBe(1);
    setKernels(referenceKernels);
    expect(getKernels()).toBe(referenceKernels);
  });
  it('rejects an incomplete implementation', () => {
    const broken = { ...referenceKernels, nccMap: undefined } as unknown as Kernels;
    expect(() => setKernels(broken)).toThrow(/nccMap/);
    expect(getKernels()).toBe(referenceKernels);
  });
});

describe('pointwise', () => {
  it('quantizeU16 rounds half to even and saturates', () => {
    const out = quantizeU16(fromRows([[-3, 2.5, 3.5, 70000, 1.49, NaN]]));
    expect(Array.from(out.data)).toEqual([0, 2, 4, 65535, 1, 0]);
  });
  it('absScaleU8 = min(255, rint(|αx|))', () => {
    const out = absScaleU8(fromRows([[-640, 896, 1e6, 100]]), 1 / 256);
    expect(Array.from(out.data)).toEqual([2, 4, 255, 0]);
  });
  it('addScaled and scaleInPlace', () => {
    const a = fromRows([[1, 2]]);
    addScaled(a, fromRows([[10, 20]]), 0.5);
    expect(Array.from(a.data)).toEqual([6, 12]);
    scaleInPlace(a, 2);
    expect(Array.from(a.data)).toEqual([12, 24]);
    expect(() => addScaled(a, createImage(2, 2))).toThrow(/shape/);
  });
});
