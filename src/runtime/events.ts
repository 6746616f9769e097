/** Events the runtime emits while a graph runs; consumed by the CLI and the editor. */
export type RuntimeEvent =
  | { type: 'run-start'; level: number; predictedBytes: number; nodes: string[] }
  | { type: 'node-start'; node: string; nodeType: string; reason: string }
  | { type: 'progress'; node: string; done: number; total: number; etaMs: number | null }
  | { type: 'node-finish'; node: string; nodeType: string; ms: number }
  | { type: 'node-cached'; node: string; nodeType: string }
  | { type: 'node-error'; node: string; nodeType: string; message: string }
  | { type: 'warning'; node: string; message: string }
  | { type: 'run-finish'; ms: number; ok: boolean };

export type EventSink = (e: RuntimeEvent) => void;

/** An error raised while running a node; names the node and its type. */
export class NodeRunError extends Error {
  constructor(readonly node: string, readonly nodeType: string, readonly cause: unknown) {
    super(`node '${node}' (${nodeType}): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'NodeRunError';
  }
}

export class CancelledError extends Error {
  constructor() { super('cancelled'); this.name = 'CancelledError'; }
}
