/** Calls to the editor server's JSON API and its event stream. */
import type {
  AnalyzeResult,
  BufferingChoice,
  Catalogue,
  FsListing,
  GraphDoc,
  OpenResult,
  OutputData,
  RunStarted,
  ServerEvent,
  SessionInfo,
  ValidationIssue,
} from '../shared/protocol.ts';

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly issues?: ValidationIssue[]) {
    super(message);
  }
}

async function call<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`api/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    throw new ApiError(`${res.status} ${res.statusText}`, res.status);
  }
  if (!res.ok) {
    const e = data as { error?: string; issues?: ValidationIssue[] };
    throw new ApiError(e.error ?? `${res.status} ${res.statusText}`, res.status, e.issues);
  }
  return data as T;
}

const q = encodeURIComponent;

export const api = {
  session: () => call<SessionInfo>('session'),
  catalogue: () => call<Catalogue>('catalogue'),
  openPath: (path: string) => call<OpenResult>(`open?path=${q(path)}`),
  openPreset: (file: string) => call<OpenResult>(`open?preset=${q(file)}`),
  save: (path: string, doc: GraphDoc) => call<{ path: string }>('save', { path, doc }),
  listDir: (dir: string, ext: string[] = []) => call<FsListing>(`fs?dir=${q(dir)}&ext=${q(ext.join(','))}`),
  analyze: (doc: GraphDoc, buffering: BufferingChoice) => call<AnalyzeResult>('analyze', { doc, buffering }),
  run: (doc: GraphDoc, buffering: BufferingChoice) => call<RunStarted>('run', { doc, buffering }),
  cancel: () => call<{ cancelled: number | null }>('cancel', {}),
  outputData: (node: string, port: string) => call<OutputData>(`output/${q(node)}/${q(port)}/data`),
};

/** URL of an output rendered as PNG. */
export function imageUrl(node: string, port: string, opts: { size?: 'thumb' | 'full'; stretch?: 'percentile' | 'linear'; frame?: number; rev?: number } = {}): string {
  const p = new URLSearchParams();
  if (opts.size === 'thumb') p.set('size', 'thumb');
  if (opts.stretch === 'linear') p.set('stretch', 'linear');
  if (opts.frame !== undefined) p.set('frame', String(opts.frame));
  if (opts.rev !== undefined) p.set('r', String(opts.rev));
  return `api/output/${q(node)}/${q(port)}/image?${p.toString()}`;
}

/** Subscribes to the server's event stream (reconnects by itself). */
export function subscribeEvents(onEvent: (e: ServerEvent) => void, onState: (connected: boolean) => void): () => void {
  const es = new EventSource('api/events');
  es.onmessage = (m) => {
    try {
      onEvent(JSON.parse(m.data as string) as ServerEvent);
    } catch (err) {
      console.error('bad event', err);
    }
  };
  es.onopen = () => onState(true);
  es.onerror = () => onState(false);
  return () => es.close();
}
