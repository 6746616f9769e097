import { describe, it, expect } from 'vitest';
import { GpuBlur, gpuBackendMode, HARDWARE_MODES } from '../../src/image/gpu/gpu-blur.ts';
import { referenceKernels } from '../../src/image/kernels.ts';
import type { Image } from '../../src/image/image.ts';

function texture(w: number, h: number): Image {
  const d = new Float32Array(w * h);
  let s = 7;
  for (let i = 0; i < d.length; i++) { s = (s * 1103515245 + 12345) >>> 0; d[i] = (s >>> 8) % 65536; }
  return { width: w, height: h, channels: 1, data: d };
}

describe('gpu.js blur backend', () => {
  for (const mode of ['cpu', 'gpu'] as const) {
    it(`matches the reference Gaussian blur within 2e-3 (requested mode ${mode})`, () => {
      const img = texture(37, 29);
      const g = new GpuBlur(mode);
      for (const k of [3, 5, 7, 9, 11]) {
        const a = g.blur(img, k), b = referenceKernels.gaussianBlur(img, k);
        let max = 0;
        for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
        expect(max, `ksize ${k}`).toBeLessThan(0.02); // on the 0..65535 scale (float32 summation order)
      }
      // which mode really ran: 'cpu' when asked; without a GPU device 'gpu' silently means WebAssembly
      if (mode === 'cpu') expect(g.mode).toBe('cpu');
      else expect(['webasm', ...HARDWARE_MODES]).toContain(g.mode);
      g.destroy();
    });
  }

  it('reports the mode gpu.js picks on this machine', () => {
    const m = gpuBackendMode();
    console.log(`gpu.js 'gpu' mode runs as: ${m}`);
    expect(typeof m).toBe('string');
    expect(m).not.toBe('unknown');
  });
});
