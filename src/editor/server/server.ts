/**
 * The editor's HTTP server (127.0.0.1 only): the built UI as static files and a JSON API over the
 * graph model and the runtime. Runtime events stream over Server-Sent Events. The runtime runs here,
 * in the server process, never in the browser.
 *
 *   GET  /api/session                         version, cwd, presets, the graph given on the command line
 *   GET  /api/catalogue                       node types with typed ports and parameter declarations
 *   GET  /api/presets                         bundled presets
 *   GET  /api/open?path=P | ?preset=F         a graph file (presets open as untitled copies)
 *   POST /api/save {path, doc}                writes YAML (atomic)
 *   GET  /api/fs?dir=D&ext=yaml,yml           folder listing for the file chooser
 *   POST /api/validate {doc}                  validation issues
 *   POST /api/analyze {doc, buffering}        issues + memory forecast per level + cached/dirty per node
 *   POST /api/run {doc, buffering}            starts a run → {runId}; 409 while one is running
 *   POST /api/cancel                          cancels the run
 *   GET  /api/events                          SSE: run-start, node-start, progress, node-finish, node-cached, node-error, run-finish
 *   GET  /api/output/N/P/image?size=thumb|full&stretch=percentile|linear&frame=i    PNG preview
 *   GET  /api/output/N/P/data                 JSON view of an output (ranking curve, rectangles, AP boxes, histogram …)
 */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { validateGraph } from '../../graph/validate.ts';
import type { GraphDoc } from '../../graph/types.ts';
import { VERSION } from '../../version.ts';
import type { BufferingChoice, OpenResult, ServerEvent, SessionInfo } from '../shared/protocol.ts';
import { EditorSession, BusyError } from './session.ts';
import { absPath, FileError, listDir, listPresets, openGraph, saveGraph } from './files.ts';
import { imageToPng, outputData, renderableImage, type Stretch } from './previews.ts';
import { PACKAGE_ROOT, UI_DIR, buildUi, uiBuilt } from './ui-build.ts';

export interface EditorServerOptions {
  /** 0 = any free port. */
  port?: number;
  /** A graph to open at start. */
  graphPath?: string;
  /** Folder of the built UI (default dist/editor). */
  uiDir?: string;
  /** Build the UI when it is missing (default true), or always (`'always'`). */
  build?: boolean | 'always';
  presetsDir?: string;
  cwd?: string;
  session?: EditorSession;
  log?: (s: string) => void;
  /** Access token for the API (default: random per start). */
  token?: string;
}

export interface EditorServer {
  /** The URL to open: origin + access token (the first visit turns it into a cookie). */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  token: string;
  port: number;
  session: EditorSession;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit = 20 * 2 ** 20): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpError(415, 'expected a JSON body (content-type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, 'request body too large');
    chunks.push(c as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new HttpError(400, `invalid JSON body: ${(e as Error).message}`);
  }
}

function parseBuffering(v: unknown): BufferingChoice {
  if (v === undefined || v === 'auto') return 'auto';
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4) return v as BufferingChoice;
  throw new HttpError(400, `buffering: expected 'auto' or 0..4; found ${JSON.stringify(v)}`);
}

function docOf(body: Record<string, unknown>): GraphDoc {
  const d = body.doc;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new HttpError(400, "missing 'doc' (the graph document as JSON)");
  return d as GraphDoc;
}

export async function startEditorServer(options: EditorServerOptions = {}): Promise<EditorServer> {
  const log = options.log ?? (() => {});
  const uiDir = options.uiDir ?? UI_DIR;
  const cwd = options.cwd ?? process.cwd();
  const presetsDir = options.presetsDir ?? join(PACKAGE_ROOT, 'presets');
  if (options.build === 'always' || (options.build !== false && !uiBuilt(uiDir))) await buildUi(log);
  const session = options.session ?? new EditorSession();
  const registry = session.registry;

  let initial: OpenResult | null = null;
  if (options.graphPath) initial = await openGraph(absPath(options.graphPath, cwd), registry);

  const sseClients = new Set<ServerResponse>();
  const unsubscribe = session.subscribe((e: ServerEvent) => {
    const frame = `data: ${JSON.stringify(e)}\n\n`;
    for (const c of sseClients) c.write(frame);
  });
  const heartbeat = setInterval(() => {
    for (const c of sseClients) c.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  // Access token: 127.0.0.1 keeps the network out, the token keeps other local users and pages out.
  // The printed URL carries it once; the server turns it into an HttpOnly cookie (named per port, as
  // cookies do not distinguish ports) and API calls must present the cookie or the x-luckygraph-token header.
  const token = options.token ?? randomBytes(18).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const cookieName = () => `luckygraph_${port}`;
  const sameToken = (v: string | undefined) => {
    if (!v) return false;
    const b = Buffer.from(v);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  const authorized = (req: IncomingMessage): boolean => {
    const h = req.headers['x-luckygraph-token'];
    if (typeof h === 'string' && sameToken(h)) return true;
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const i = part.indexOf('=');
      if (i > 0 && part.slice(0, i).trim() === cookieName() && sameToken(part.slice(i + 1).trim())) return true;
    }
    return false;
  };

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    let rel = decodeURIComponent(pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(uiDir, rel));
    if (!file.startsWith(resolve(uiDir) + sep)) throw new HttpError(403, 'outside the UI folder');
    let st;
    try {
      st = await stat(file);
    } catch {
      st = null;
    }
    if (!st || !st.isFile()) {
      if (!uiBuilt(uiDir)) throw new HttpError(404, `the editor UI is not built (${uiDir}); run 'npm run build:editor'`);
      throw new HttpError(404, `not found: ${pathname}`);
    }
    const body = await readFile(file);
    const immutable = rel.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(body);
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = url.pathname.slice('/api/'.length);
    const method = req.method ?? 'GET';
    const q = url.searchParams;

    if (method === 'GET' && route === 'session') {
      const info: SessionInfo = { version: VERSION, cwd, initial, presets: await listPresets(presetsDir, registry) };
      return sendJson(res, 200, info);
    }
    if (method === 'GET' && route === 'catalogue') return sendJson(res, 200, registry.catalogue());
    if (method === 'GET' && route === 'presets') return sendJson(res, 200, await listPresets(presetsDir, registry));
    if (method === 'GET' && route === 'open') {
      const preset = q.get('preset');
      if (preset !== null) {
        if (!/^[\w.-]+\.ya?ml$/i.test(preset)) throw new HttpError(400, `invalid preset name '${preset}'`);
        return sendJson(res, 200, await openGraph(join(presetsDir, preset), registry, true));
      }
      const p = q.get('path');
      if (!p) throw new HttpError(400, "missing 'path' or 'preset'");
      return sendJson(res, 200, await openGraph(absPath(p, cwd), registry));
    }
    if (method === 'POST' && route === 'save') {
      const body = await readJson(req);
      if (typeof body.path !== 'string' || !body.path) throw new HttpError(400, "missing 'path'");
      const path = await saveGraph(absPath(body.path, cwd), body.doc);
      return sendJson(res, 200, { path });
    }
    if (method === 'GET' && route === 'fs') {
      const dir = absPath(q.get('dir') || cwd, cwd);
      const ext = (q.get('ext') ?? '').split(',').filter(Boolean);
      return sendJson(res, 200, await listDir(dir, ext, q.get('hidden') === '1'));
    }
    if (method === 'POST' && route === 'validate') {
      const body = await readJson(req);
      return sendJson(res, 200, { issues: validateGraph(docOf(body), registry) });
    }
    if (method === 'POST' && route === 'analyze') {
      const body = await readJson(req);
      return sendJson(res, 200, await session.analyze(docOf(body), parseBuffering(body.buffering)));
    }
    if (method === 'POST' && route === 'run') {
      const body = await readJson(req);
      try {
        const runId = session.startRun(docOf(body), parseBuffering(body.buffering));
        return sendJson(res, 202, { runId });
      } catch (e) {
        if (e instanceof BusyError) throw new HttpError(409, e.message);
        throw e;
      }
    }
    if (method === 'POST' && route === 'cancel') {
      const was = session.runningId;
      await session.cancel();
      return sendJson(res, 200, { cancelled: was });
    }
    if (method === 'GET' && route === 'events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: 1000\ndata: ${JSON.stringify({ type: 'hello', running: session.runningId } satisfies ServerEvent)}\n\n`);
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    const m = /^output\/([^/]+)\/([^/]+)\/(image|data)$/.exec(route);
    if (method === 'GET' && m) {
      const [, node, port, what] = m.map((s) => decodeURIComponent(s));
      const o = session.output(node, port);
      if (!o) throw new HttpError(404, `no output ${node}.${port} yet: run the graph first`);
      if (what === 'data') return sendJson(res, 200, outputData(o.portType, o.value, () => session.backgroundOf(node, port)));
      const frameParam = q.get('frame');
      let img;
      try {
        img = await renderableImage(o.portType, o.value, frameParam !== null ? Number(frameParam) : undefined);
      } catch (e) {
        throw new HttpError(410, `${node}.${port} is no longer available (${(e as Error).message}); run the graph again`);
      }
      if (!img) throw new HttpError(415, `${node}.${port} (${o.portType}) is not an image`);
      const stretch: Stretch = q.get('stretch') === 'linear' ? 'linear' : 'percentile';
      const size = q.get('size');
      const maxSide = size === 'thumb' ? 200 : size && /^\d+$/.test(size) ? Math.max(16, Number(size)) : undefined;
      const png = imageToPng(img, stretch, maxSide);
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length, 'cache-control': 'no-store' });
      res.end(png);
      return;
    }
    throw new HttpError(404, `no API route ${method} /api/${route}`);
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        // DNS-rebinding guard: only our own host names; cross-site POSTs need JSON (a CORS preflight we never answer).
        if (!allowedHosts().has(req.headers.host ?? '')) throw new HttpError(403, `unexpected Host '${req.headers.host}'`);
        const origin = req.headers.origin;
        if (req.method !== 'GET' && origin && !allowedHosts().has(origin.replace(/^https?:\/\//, ''))) {
          throw new HttpError(403, `cross-origin request from ${origin} refused`);
        }
        const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
        const given = url.searchParams.get('token');
        if (req.method === 'GET' && given !== null && !url.pathname.startsWith('/api/')) {
          if (!sameToken(given)) throw new HttpError(401, 'wrong access token: open the URL that luckygraph serve printed');
          res.writeHead(302, {
            'set-cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
            location: url.pathname,
            'cache-control': 'no-store',
          });
          res.end();
          return;
        }
        if (url.pathname.startsWith('/api/')) {
          if (!authorized(req)) throw new HttpError(401, 'not authorised: open the URL that luckygraph serve printed (it carries the access token)');
          await handleApi(req, res, url);
        }
        else if (req.method === 'GET' || req.method === 'HEAD') await serveStatic(url.pathname, res);
        else throw new HttpError(405, 'method not allowed');
      } catch (e) {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message, ...e.extra });
        if (e instanceof FileError) return sendJson(res, e.status, { error: e.message });
        const err = e as Error & { issues?: unknown };
        sendJson(res, 400, { error: err.message ?? String(e), ...(err.issues ? { issues: err.issues } : {}) });
      }
    })();
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    session,
    async close() {
      clearInterval(heartbeat);
      unsubscribe();
      for (const c of sseClients) c.end();
      sseClients.clear();
      await session.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}

