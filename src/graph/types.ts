/**
 * Core types of the graph model: port types, parameter declarations, node definitions and the
 * graph document. Pure data + types; knows nothing of the runtime internals, React or Electron.
 */

/** Types that flow along edges. A connection is allowed only between equal port types. */
export const PORT_TYPES = {
  frames: 'A lazy frame sequence with its per-frame products (original, mono, blurred, Laplacian, brightness)',
  ranking: 'Global frame quality: per-frame scores and the order best-first',
  patch: 'Stabilisation patch candidates (rectangles in frame coordinates), best first',
  alignment: 'Per-frame global shifts and the intersection all frames cover',
  image: 'A float32 image (16-bit scale)',
  apgrid: 'Alignment points: boxes, patches and reference boxes',
  selection: 'Per-AP local frame qualities and the best frames chosen for each AP',
  localshifts: 'Per-AP per-frame local shifts of the selected frames',
  stackparts: 'Per-AP accumulated patches, weights and background, ready to blend',
  file: 'A written file path',
} as const;
export type PortType = keyof typeof PORT_TYPES;

export interface PortSpec {
  type: PortType;
  doc: string;
  /** Inputs only: when true the node runs without it. */
  optional?: boolean;
}

interface ParamBase<T> {
  default: T;
  doc: string;
  unit?: string;
}
export interface IntParam extends ParamBase<number> { kind: 'int'; min: number; max: number; step?: number }
export interface FloatParam extends ParamBase<number> { kind: 'float'; min: number; max: number; step?: number }
export interface BoolParam extends ParamBase<boolean> { kind: 'bool' }
export interface ChoiceParam extends ParamBase<string> { kind: 'choice'; choices: readonly string[] }
export interface StringParam extends ParamBase<string> { kind: 'string' }
/** A file or folder path; `mustExist` inputs are fingerprinted (size, mtime) for cache signatures. */
export interface PathParam extends ParamBase<string> { kind: 'path'; mustExist: boolean; role: 'input' | 'output' }
/** A list of integers, e.g. excluded frame indices, or a rectangle [y0, y1, x0, x1] (empty = unset). */
export interface IntListParam extends ParamBase<number[]> { kind: 'intlist'; length?: number; min?: number }
export type ParamSpec = IntParam | FloatParam | BoolParam | ChoiceParam | StringParam | PathParam | IntListParam;
export type ParamValue = number | boolean | string | number[];

/** What a node's run function may use from the runtime. */
export interface RunContext {
  nodeId: string;
  signal: AbortSignal;
  /** Report progress: done of total units. */
  progress(done: number, total: number): void;
  /** Emit a warning attached to this node. */
  warn(message: string): void;
  /** Services supplied by the runtime (frame store factory, kernels, provenance …). */
  services: RuntimeServices;
}

/** Runtime services, declared here so nodes can type them; implemented in src/runtime. */
export interface RuntimeServices {
  [name: string]: unknown;
}

export interface FrameGeometry {
  frames: number;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Bytes per sample of the stored originals (1 for 8-bit uncalibrated, else 2). */
  originalBytesPerSample: 1 | 2;
  /** The originals are re-read from the file rather than kept at levels 3–4 (see frame-store.ts). */
  originalsReread?: boolean;
}

export interface NodeDefinition<P extends Record<string, ParamValue> = Record<string, ParamValue>> {
  type: string;
  version: number;
  category: 'input' | 'analysis' | 'alignment' | 'stacking' | 'postprocess' | 'output' | 'test';
  doc: string;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  params: Record<string, ParamSpec>;
  /** Migrations: key = version the params are in, function returns params of version key+1. */
  migrate?: Record<number, (params: Record<string, unknown>) => Record<string, unknown>>;
  /** Side-effect nodes (Save) are never served from the cache when their output file is missing. */
  sideEffect?: boolean;
  /** Cross-parameter checks beyond ranges; return messages naming the parameter. */
  check?(params: P): string[];
  run(ctx: RunContext, inputs: Record<string, unknown>, params: P): Promise<Record<string, unknown>>;
  /**
   * Frame-reading nodes: the geometry of the frames they will hold, found without reading them, so the
   * runtime can predict memory per buffering level before any work. `forRun`: a run follows at once
   * (the node may open its input for it now, e.g. start decoding a video while the others plan).
   */
  frameGeometry?(params: P, options?: { forRun?: boolean }): Promise<FrameGeometry>;
  /** Called once at the end of every run, whether the node ran or not (releases what `frameGeometry` kept for the run). */
  endRun?(params: P): Promise<void>;
  /**
   * Checks that need only the frame geometry (count, size), run before any node does work, so a graph
   * that cannot work on the given frames fails at once. Messages name the parameter (Node.param).
   */
  preflight?(params: P, frames: FrameGeometry): string[];
}

/** One node in a graph document. `inputs` maps an input port to "nodeId.port". */
export interface NodeDoc {
  type: string;
  version?: number;
  params?: Record<string, unknown>;
  inputs?: Record<string, string>;
  /** Unknown keys are preserved. */
  [extra: string]: unknown;
}

export interface GraphDoc {
  format: string;
  name?: string;
  description?: string;
  nodes: Record<string, NodeDoc>;
  /** Editor layout: node id → [x, y]. Ignored by headless runs. */
  layout?: Record<string, [number, number]>;
  [extra: string]: unknown;
}

export const GRAPH_FORMAT = 'luckygraph/1';

export interface Edge {
  from: { node: string; port: string };
  to: { node: string; port: string };
}

/** One problem found in a graph document. Messages name the node, the port/param, what was expected and found. */
export interface ValidationIssue {
  severity: 'error' | 'warning';
  node?: string;
  port?: string;
  param?: string;
  message: string;
}

/** A problem that stops loading or editing a graph (YAML syntax, unsupported format, refused edit …). */
export class GraphError extends Error {
  /** All issues when several problems were found at once (the message lists them one per line). */
  readonly issues: ValidationIssue[];
  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message);
    this.name = 'GraphError';
    this.issues = issues;
  }
}
