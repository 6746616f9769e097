/**
 * Save: writes an image as 16-bit PNG / TIFF / FITS or float32 FITS, atomically, with provenance embedded.
 * Never writes over an input file of the run.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { NodeDefinition, RunContext } from '../graph/types.js';
import type { Image } from '../image/image.js';
import { assertNotInput } from '../io/atomic-write.js';
import { InputError } from '../io/frame-source.js';
import { formatFromExtension, writeImage, type OutputFormat } from '../io/image-file.js';

export interface SaveParams extends Record<string, string | number | boolean | number[]> {
  path: string;
  suffix: string;
  format: string;
  bitDepth: string;
}

/** Output value of Save (port type `file`). */
export interface SavedFile {
  /** Absolute path written. */
  path: string;
  /** Size in bytes and modification time after writing (the runtime checks the file is still there). */
  size: number;
  mtimeMs: number;
  width: number;
  height: number;
  channels: 1 | 3;
  format: OutputFormat;
  bitDepth: 16 | 32;
}

export const SAVE_DEFAULT_PATH = '${input_dir}/${input_stem}_lucky.png';
const CANONICAL_EXT: Record<OutputFormat, string> = { png: '.png', tiff: '.tiff', fits: '.fits' };
const VAR = /\$\{([^}]*)\}/g;

/** Replaces ${name} with vars[name]; a missing variable is an error naming Save.path. */
export function expandTemplate(template: string, vars: Record<string, string> | undefined): string {
  return template.replace(VAR, (_m, name: string) => {
    const v = vars?.[name];
    if (typeof v !== 'string') {
      const known = vars ? Object.keys(vars) : [];
      throw new Error(
        `Save.path: '${template}' uses \${${name}}, which this run does not define` +
          (known.length ? ` (defined: ${known.map((k) => `\${${k}}`).join(', ')})` : ' (no input file is known; give an explicit output path)'),
      );
    }
    return v;
  });
}

export interface ResolvedOutput {
  path: string;
  format: OutputFormat;
  bitDepth: 16 | 32;
}

/**
 * The file Save will write: template expanded, suffix appended to the stem, extension matched to an explicit
 * format (a different image extension is replaced, a missing/unknown one gets .png/.tiff/.fits appended),
 * resolved against `cwd`. Throws errors naming the parameter at fault.
 */
export function resolveOutput(p: SaveParams, vars: Record<string, string> | undefined, cwd = process.cwd()): ResolvedOutput {
  if (!p.path || !p.path.trim()) throw new Error('Save.path: no output path given');
  if (/[\\/]/.test(p.suffix) || p.suffix.includes('\0')) {
    throw new Error(`Save.suffix: '${p.suffix}' must not contain path separators`);
  }
  let file = expandTemplate(p.path, vars);
  if (!file.trim()) throw new Error(`Save.path: '${p.path}' expands to an empty path`);
  const parsed = path.parse(file);
  if (!parsed.base) throw new Error(`Save.path: '${file}' names a folder, not a file`);
  const extFormat = formatFromExtension(file);
  let ext = parsed.ext;
  let stem = parsed.name;
  let format: OutputFormat;
  if (p.format === 'auto') {
    if (extFormat === 'png' || extFormat === 'tiff' || extFormat === 'fits') {
      format = extFormat;
    } else {
      throw new Error(
        `Save.format: cannot tell the format of '${file}' from its extension; use .png, .tiff or .fits, or set format`,
      );
    }
  } else if (p.format === 'png' || p.format === 'tiff' || p.format === 'fits') {
    format = p.format;
    if (extFormat !== format) {
      if (extFormat === undefined) {
        stem = parsed.base; // unknown or no extension: keep it, append the format's
      }
      ext = CANONICAL_EXT[format];
    }
  } else {
    throw new Error(`Save.format: expected auto, png, tiff or fits; found '${p.format}'`);
  }
  let bitDepth: 16 | 32;
  if (p.bitDepth === '16') bitDepth = 16;
  else if (p.bitDepth === 'float32') {
    if (format !== 'fits') {
      throw new Error(`Save.bitDepth: float32 output needs FITS; '${stem}${p.suffix}${ext}' is ${format.toUpperCase()} (16-bit only)`);
    }
    bitDepth = 32;
  } else {
    throw new Error(`Save.bitDepth: expected 16 or float32; found '${p.bitDepth}'`);
  }
  file = path.join(parsed.dir, `${stem}${p.suffix}${ext}`);
  return { path: path.resolve(cwd, file), format, bitDepth };
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!v || typeof v !== 'object') return out;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    out[k] = typeof x === 'string' ? x : JSON.stringify(x);
  }
  return out;
}

function requireImage(v: unknown): Image {
  const img = v as Image | undefined;
  if (!img || !(img.data instanceof Float32Array) || img.data.length !== img.width * img.height * img.channels) {
    throw new Error('Save.image: expected an image on the input port');
  }
  return img;
}

function vars(ctx: RunContext): Record<string, string> | undefined {
  const v = ctx.services.vars;
  return v && typeof v === 'object' ? (v as Record<string, string>) : undefined;
}

export const saveNode: NodeDefinition<SaveParams> = {
  type: 'Save',
  version: 1,
  category: 'output',
  sideEffect: true,
  doc:
    'Writes the image to a file: 16-bit PNG, TIFF or FITS, or float32 FITS. The write is atomic (no half-written ' +
    'files) and embeds the provenance (program version, graph, parameters). Refuses to overwrite an input file.',
  inputs: { image: { type: 'image', doc: 'The image to write (values are clipped to 0..65535 and rounded for 16-bit output)' } },
  outputs: { file: { type: 'file', doc: 'The written file: path, size, mtime and image size' } },
  params: {
    path: {
      kind: 'path', role: 'output', mustExist: false, default: SAVE_DEFAULT_PATH,
      doc: 'Output file. ${input_dir} and ${input_stem} stand for the input\'s folder and file name without extension; relative paths are taken from the working folder',
    },
    suffix: {
      kind: 'string', default: '',
      doc: "Text appended to the file name's stem, e.g. '_sharpened' turns moon_lucky.png into moon_lucky_sharpened.png",
    },
    format: {
      kind: 'choice', choices: ['auto', 'png', 'tiff', 'fits'], default: 'auto',
      doc: 'File format; auto = from the extension (.png, .tif/.tiff, .fit/.fits/.fts). An explicit format replaces a different image extension',
    },
    bitDepth: {
      kind: 'choice', choices: ['16', 'float32'], default: '16', unit: 'bits',
      doc: "Sample format: 16-bit integers (rounded, clipped to 0..65535) or float32 (FITS only; unclipped, stored as value/65535)",
    },
  },
  check(p) {
    const issues: string[] = [];
    if (p.bitDepth === 'float32') {
      // With format auto the extension decides (a template variable in the extension leaves it to run time).
      const f = p.format === 'auto' ? formatFromExtension(p.path) : p.format;
      if (f !== undefined && f !== 'fits') {
        issues.push(`param 'bitDepth': expected 16 for ${f.toUpperCase()} output (float32 needs FITS); found float32`);
      }
    }
    if (/[\\/]/.test(p.suffix)) issues.push(`param 'suffix': expected text without path separators; found '${p.suffix}'`);
    return issues;
  },
  async run(ctx, inputs, p) {
    const img = requireImage(inputs.image);
    const out = resolveOutput(p, vars(ctx));
    const inputPaths = Array.isArray(ctx.services.inputPaths) ? (ctx.services.inputPaths as unknown[]).filter((x): x is string => typeof x === 'string') : [];
    try {
      await assertNotInput(out.path, inputPaths);
    } catch (e) {
      if (e instanceof InputError) throw new Error(`Save.path: refusing to overwrite ${out.path}: it is an input of this run`);
      throw e;
    }
    ctx.signal.throwIfAborted();
    ctx.progress(0, 1);
    const provenance = {
      ...stringRecord(ctx.services.provenance),
      'Save params': JSON.stringify({ node: ctx.nodeId, ...p, resolvedPath: out.path }),
    };
    await writeImage(out.path, img, { format: out.format, bitDepth: out.bitDepth, provenance, inputs: inputPaths });
    const st = await stat(out.path);
    ctx.progress(1, 1);
    const file: SavedFile = {
      path: out.path, size: st.size, mtimeMs: st.mtimeMs,
      width: img.width, height: img.height, channels: img.channels,
      format: out.format, bitDepth: out.bitDepth,
    };
    return { file };
  },
};
