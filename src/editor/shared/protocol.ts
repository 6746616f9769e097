/**
 * The JSON protocol between the editor server (Node) and the editor UI (browser).
 * Types only (plus a few constants): imported by both sides, never imports Node or DOM APIs.
 */
import type { Catalogue } from '../../graph/registry.ts';
import type { GraphDoc, ValidationIssue } from '../../graph/types.ts';

export type BufferingChoice = 'auto' | 0 | 1 | 2 | 3 | 4;
export const BUFFERING_LEVELS = [0, 1, 2, 3, 4] as const;

export interface SessionInfo {
  version: string;
  cwd: string;
  /** Graph given on the command line (`luckygraph serve graph.yaml`), already opened. */
  initial: OpenResult | null;
  presets: PresetInfo[];
}

export interface PresetInfo {
  /** File name, e.g. "default.yaml". */
  file: string;
  path: string;
  name: string;
  description: string;
}

export interface OpenResult {
  /** Absolute path of the file (null for a preset opened as an untitled copy). */
  path: string | null;
  /** Where it came from (the preset's path when `path` is null). */
  source: string;
  doc: GraphDoc;
  /** Node migrations applied while opening ("node 'x' from version 1 to 2"). */
  migrated: string[];
}

export interface FsEntry {
  name: string;
  kind: 'dir' | 'file';
  size?: number;
}

export interface FsListing {
  dir: string;
  parent: string | null;
  entries: FsEntry[];
}

export interface MemoryForecast {
  /** Predicted bytes per buffering level 0..4. */
  predicted: Record<string, number>;
  available: number;
  /** The level a run would use with the requested choice (null when it does not fit). */
  level: number | null;
  /** Why the requested level cannot be used (explicit level too large, no level fits). */
  error?: string;
}

export type CacheState = 'cached' | 'dirty';

export interface AnalyzeResult {
  issues: ValidationIssue[];
  forecast: MemoryForecast | null;
  /** Why no forecast could be made (e.g. the input file is missing). */
  forecastError?: string;
  /** Cache key of every node for the document as it is now (absent when the graph cannot run). */
  keys: Record<string, string> | null;
  /** Whether a run now would serve the node from the cache. */
  cache: Record<string, CacheState> | null;
  /** Outputs the server holds for nodes whose key is unchanged (previews without running again). */
  outputs?: Record<string, StoredOutputInfo>;
}

export interface StoredOutputInfo {
  ports: Record<string, OutputInfo>;
  /** Server-side revision of this node's stored output (changes whenever it is replaced). */
  rev: number;
  key: string;
}

/** What a node output holds, for previews (summary only; the data is fetched separately). */
export interface OutputInfo {
  type: string;
  /** Short human summary, e.g. "320×240 mono" or "60 frames ranked". */
  summary: string;
  /** Present for outputs that can be shown as an image (image outputs, frames, overlays on a background). */
  image?: { width: number; height: number; channels: number };
}

export type NodeRunStatus = 'ran' | 'cached' | 'error' | 'not-run';

export interface RunNodeResult {
  id: string;
  status: NodeRunStatus;
  ms: number;
  reason?: string;
  error?: string;
}

/** Events on the SSE stream (`GET /api/events`). Runtime events carry the run id. */
export type ServerEvent =
  | { type: 'hello'; running: number | null }
  | { type: 'run-start'; runId: number; level: number; predictedBytes: number; nodes: string[]; keys: Record<string, string> }
  | { type: 'node-start'; runId: number; node: string; nodeType: string; reason: string }
  | { type: 'progress'; runId: number; node: string; done: number; total: number; etaMs: number | null }
  | { type: 'node-finish'; runId: number; node: string; nodeType: string; ms: number }
  | { type: 'node-cached'; runId: number; node: string; nodeType: string }
  | { type: 'node-error'; runId: number; node: string; nodeType: string; message: string }
  | { type: 'warning'; runId: number; node: string; message: string }
  | {
      type: 'run-finish';
      runId: number;
      ok: boolean;
      cancelled: boolean;
      error?: string;
      ms: number;
      level: number | null;
      nodes: RunNodeResult[];
      keys: Record<string, string>;
      outputs: Record<string, StoredOutputInfo>;
    };

export interface RunRequest {
  doc: GraphDoc;
  buffering: BufferingChoice;
}

export interface RunStarted {
  runId: number;
}

/** JSON preview of a non-image output (`GET /api/output/<node>/<port>/data`). */
export type OutputData =
  | {
      kind: 'ranking';
      method: string;
      /** Quality per frame, in frame order. */
      quality: number[];
      /** Frame indices best first. */
      order: number[];
    }
  | {
      kind: 'patch';
      rects: { y0: number; y1: number; x0: number; x1: number }[];
      scores: number[];
      manual: boolean;
      /** Image the rectangles are drawn over (the best frame). */
      background: ImageRef | null;
    }
  | {
      kind: 'apgrid';
      width: number;
      height: number;
      points: { y: number; x: number; box: Rect; patch: Rect; structure: number }[];
      dropped: { dim: number; structure: number };
      background: ImageRef | null;
    }
  | {
      kind: 'localshifts';
      histogram: number[];
      failures: number;
      pairs: number;
      apCount: number;
      k: number;
    }
  | {
      kind: 'alignment';
      mode: string;
      reference: number;
      dy: number[];
      dx: number[];
      intersection: Rect;
      failed: number[];
    }
  | { kind: 'frames'; count: number; width: number; height: number; channels: number; info: Record<string, unknown> }
  | { kind: 'image'; width: number; height: number; channels: number; min: number; max: number; mean: number }
  | { kind: 'summary'; type: string; value: unknown };

export interface Rect {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** An image the server can render: an output port, optionally one frame of a frames output. */
export interface ImageRef {
  node: string;
  port: string;
  frame?: number;
}

export interface ApiError {
  error: string;
  issues?: ValidationIssue[];
}

export type { Catalogue, GraphDoc, ValidationIssue };
