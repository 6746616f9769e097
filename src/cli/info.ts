/** `luckygraph info <input> [--json]`: what a capture holds. */
import { openFrameSource } from '../io/open-source.js';
import type { FrameSourceInfo } from '../io/frame-source.js';

export function describeInfo(info: FrameSourceInfo): Record<string, unknown> {
  const ts = info.timestamps;
  const span = ts && ts.length ? { first: new Date(ts[0]).toISOString(), last: new Date(ts[ts.length - 1]).toISOString(), seconds: (ts[ts.length - 1] - ts[0]) / 1000 } : null;
  return {
    path: info.path,
    format: info.format,
    container: info.container,
    frames: info.frameCount,
    width: info.width,
    height: info.height,
    bitDepth: info.bitDepth,
    colour: info.colorLayout === 'mono' ? 'mono' : info.colorLayout === 'RGB' || info.colorLayout === 'BGR' ? info.colorLayout : `Bayer ${info.colorLayout}`,
    colorLayout: info.colorLayout,
    ...(info.ser ? { ser: info.ser } : {}),
    ...(span ? { timestamps: span } : {}),
    ...(info.files ? { files: info.files.length } : {}),
    truncated: info.warnings.some((w) => w.startsWith('truncated')),
    warnings: info.warnings,
  };
}

export async function infoCommand(args: string[], out: (s: string) => void): Promise<number> {
  const json = args.includes('--json');
  const inputs = args.filter((a) => !a.startsWith('--'));
  if (inputs.length === 0) throw new UsageError('info needs an input path');
  let status = 0;
  for (const input of inputs) {
    const src = await openFrameSource(input);
    try {
      const d = describeInfo(src.info);
      if (json) out(JSON.stringify(d, null, 2));
      else {
        out(`${input}`);
        out(`  format     ${d.container}`);
        out(`  frames     ${d.frames}`);
        out(`  size       ${d.width} x ${d.height}`);
        out(`  bit depth  ${d.bitDepth}`);
        out(`  colour     ${d.colour}`);
        if (src.info.ser) {
          const s = src.info.ser;
          out(`  observer   ${s.observer}`);
          out(`  instrument ${s.instrument}`);
          out(`  telescope  ${s.telescope}`);
          out(`  start      ${s.dateTimeUtc ?? '(not set)'} UTC, byte order ${s.byteOrder}`);
        }
        const span = d.timestamps as { first: string; last: string; seconds: number } | undefined;
        if (span) out(`  timestamps ${span.first} … ${span.last} (${span.seconds.toFixed(3)} s)`);
        for (const w of src.info.warnings) out(`  warning    ${w}`);
      }
      if (src.info.warnings.length) status = 0;
    } finally {
      await src.close();
    }
  }
  return status;
}

export class UsageError extends Error {}
