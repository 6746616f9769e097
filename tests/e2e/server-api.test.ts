/**
 * The editor server's JSON API at the HTTP level (no browser): guards, errors, runs, previews.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdtempSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEditorServer, type EditorServer } from '../../src/editor/server/server.ts';
import type { GraphDoc } from '../../src/graph/types.ts';
import type { ServerEvent } from '../../src/editor/shared/protocol.ts';
import { ROOT, sampleSer } from './helpers.ts';

let server: EditorServer;
let tmp: string;
let ser: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'luckygraph-api-'));
  ser = sampleSer(tmp);
  // A stand-in UI folder: these tests are about the API.
  const ui = join(tmp, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><div id="root"></div>');
  server = await startEditorServer({ port: 0, build: false, uiDir: ui, cwd: tmp });
});

afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** API URL and authorised fetch (the access token as a header). */
const at = (path: string) => `${server.origin}/${path}`;
const get = (path: string, init: RequestInit = {}) => fetch(at(path), { ...init, headers: { 'x-luckygraph-token': server.token, ...(init.headers as Record<string, string> | undefined) } });
const auth = () => ({ host: `127.0.0.1:${server.port}`, 'x-luckygraph-token': server.token });

function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const post = (route: string, body: unknown) =>
  get(`api/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function preset(name: string): Promise<GraphDoc> {
  const r = await get(`api/open?preset=${name}`);
  return ((await r.json()) as { doc: GraphDoc }).doc;
}

function withInputs(doc: GraphDoc): GraphDoc {
  const d = structuredClone(doc);
  d.nodes.source.params = { ...(d.nodes.source.params ?? {}), path: ser };
  for (const [id, n] of Object.entries(d.nodes)) if (n.type === 'Save') d.nodes[id].params = { ...(n.params ?? {}), path: join(tmp, 'out.png') };
  return d;
}

/** Collects SSE events until run-finish. */
async function runAndCollect(doc: GraphDoc): Promise<ServerEvent[]> {
  const ctrl = new AbortController();
  const res = await get(`api/events`, { signal: ctrl.signal });
  const reader = res.body!.getReader();
  const events: ServerEvent[] = [];
  const started = await post('run', { doc, buffering: 'auto' });
  expect(started.status).toBe(202);
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
    let i;
    let finished = false;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const line = frame.split('\n').find((l) => l.startsWith('data: '));
      if (!line) continue;
      const e = JSON.parse(line.slice(6)) as ServerEvent;
      events.push(e);
      if (e.type === 'run-finish') finished = true;
    }
    if (finished) break;
  }
  ctrl.abort();
  return events;
}

describe('editor server API', () => {
  it('needs the access token: the printed URL sets a cookie, the API refuses requests without it', async () => {
    expect(server.url).toBe(`${server.origin}/?token=${server.token}`);
    expect((await raw('/api/presets')).status).toBe(401);
    expect((await raw('/api/presets', { headers: { cookie: `luckygraph_${server.port}=wrong` } })).status).toBe(401);
    expect((await raw('/?token=wrong')).status).toBe(401);
    const first = await raw(`/?token=${server.token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']).split(';')[0];
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await raw('/api/presets', { headers: { cookie } })).status).toBe(200);
    expect((await raw('/api/presets', { headers: auth() })).status).toBe(200);
  });

  it('refuses foreign Host headers (DNS rebinding) and cross-origin writes', async () => {
    expect((await raw('/api/presets', { headers: { ...auth(), host: 'evil.example:80' } })).status).toBe(403);
    expect((await raw('/api/presets', { headers: { ...auth(), host: `localhost:${server.port}` } })).status).toBe(200);
    const cross = await raw('/api/validate', {
      method: 'POST',
      headers: { ...auth(), origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{"doc":{}}',
    });
    expect(cross.status).toBe(403);
    const notJson = await raw('/api/validate', { method: 'POST', headers: { ...auth(), 'content-type': 'text/plain' }, body: '{}' });
    expect(notJson.status).toBe(415);
  });

  it('keeps static files inside the UI folder and preset names plain', async () => {
    // Dot segments are resolved by the URL parser (nothing outside is reachable) …
    const dots = await raw('/%2e%2e/%2e%2e/package.json');
    expect(dots.status).toBe(404);
    expect(dots.body).not.toContain('"name"');
    // … and encoded slashes that decode to ../ are refused.
    expect((await raw('/..%2f..%2fpackage.json')).status).toBe(403);
    expect((await raw('/')).body).toContain('<div id="root">');
    expect((await get(`api/open?preset=..%2Fpackage.json`)).status).toBe(400);
  });

  it('lists presets and folders, opens presets as untitled copies', async () => {
    const presets = (await (await get(`api/presets`)).json()) as { file: string }[];
    expect(presets.map((p) => p.file)).toEqual(expect.arrayContaining(['default.yaml', 'planet.yaml', 'compare-stack-sizes.yaml']));
    expect(presets[0].file).toBe('default.yaml');
    const open = (await (await get(`api/open?preset=planet.yaml`)).json()) as { path: string | null; source: string };
    expect(open.path).toBeNull();
    expect(open.source).toBe(join(ROOT, 'presets', 'planet.yaml'));
    const ls = (await (await get(`api/fs?dir=${encodeURIComponent(join(ROOT, 'presets'))}&ext=yaml`)).json()) as { entries: { name: string }[]; parent: string };
    expect(ls.entries.map((e) => e.name)).toContain('default.yaml');
    expect(ls.parent).toBe(ROOT);
    expect((await get(`api/fs?dir=/no/such/folder`)).status).toBe(404);
    expect((await get(`api/open?path=missing.yaml`)).status).toBe(404);
  });

  it('saves only graph documents, into existing folders', async () => {
    const doc = await preset('default.yaml');
    expect((await post('save', { path: join(tmp, 'nope', 'g.yaml'), doc })).status).toBe(404);
    expect((await post('save', { path: join(tmp, 'g.yaml'), doc: { hello: 1 } })).status).toBe(400);
    const ok = await post('save', { path: 'relative-name', doc });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { path: string }).path).toBe(join(tmp, 'relative-name.yaml'));
    expect(existsSync(join(tmp, 'relative-name.yaml'))).toBe(true);
  });

  it('analyzes: validation issues, forecast per level, cache state', async () => {
    const bad = structuredClone(await preset('default.yaml'));
    bad.nodes.rank.type = 'Rnak';
    const a1 = (await (await post('analyze', { doc: bad, buffering: 'auto' })).json()) as { issues: { node?: string; message: string }[]; keys: unknown };
    expect(a1.keys).toBeNull();
    expect(a1.issues.some((i) => i.node === 'rank' && /Rank/.test(i.message))).toBe(true);

    const noInput = (await (await post('analyze', { doc: await preset('default.yaml'), buffering: 'auto' })).json()) as { forecast: unknown; forecastError: string };
    expect(noInput.forecast).toBeNull();
    expect(noInput.forecastError).toMatch(/source/);

    const doc = withInputs(await preset('default.yaml'));
    const a2 = (await (await post('analyze', { doc, buffering: 2 })).json()) as { forecast: { predicted: Record<string, number>; level: number }; cache: Record<string, string> };
    expect(Object.keys(a2.forecast.predicted)).toEqual(['0', '1', '2', '3', '4']);
    expect(a2.forecast.predicted['4']).toBeGreaterThanOrEqual(a2.forecast.predicted['0']);
    expect(a2.forecast.level).toBe(2);
    expect(new Set(Object.values(a2.cache))).toEqual(new Set(['dirty']));
    expect((await post('analyze', { doc, buffering: 9 })).status).toBe(400);
  });

  it('runs with streamed events, refuses a second concurrent run, serves previews', async () => {
    const doc = withInputs(await preset('default.yaml'));
    const collecting = runAndCollect(doc);
    // A second run while the first is going is refused.
    await new Promise((r) => setTimeout(r, 30));
    const second = await post('run', { doc, buffering: 'auto' });
    expect([409, 202]).toContain(second.status);
    const events = await collecting;
    const types = new Set(events.map((e) => e.type));
    for (const t of ['run-start', 'node-start', 'progress', 'node-finish', 'run-finish']) expect(types, t).toContain(t);
    const fin = events.find((e) => e.type === 'run-finish') as Extract<ServerEvent, { type: 'run-finish' }>;
    expect(fin.ok).toBe(true);
    expect(fin.outputs.blend.ports.image.image).toMatchObject({ channels: 1 });
    expect(Object.keys(fin.keys).sort()).toEqual(Object.keys(doc.nodes).sort());
    await server.session.idle();

    const thumb = await get(`api/output/blend/image/image?size=thumb`);
    expect(thumb.headers.get('content-type')).toBe('image/png');
    const png = new Uint8Array(await thumb.arrayBuffer());
    expect([...png.slice(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
    expect(width).toBeLessThanOrEqual(200);
    const full = new Uint8Array(await (await get(`api/output/blend/image/image`)).arrayBuffer());
    expect((full[16] << 24) | (full[17] << 16) | (full[18] << 8) | full[19]).toBe(fin.outputs.blend.ports.image.image!.width);

    const rank = (await (await get(`api/output/rank/ranking/data`)).json()) as { kind: string; quality: number[]; order: number[] };
    expect(rank.kind).toBe('ranking');
    expect(rank.order).toHaveLength(rank.quality.length);
    const ap = (await (await get(`api/output/apgrid/apgrid/data`)).json()) as { kind: string; background: { node: string } };
    expect(ap.background.node).toBe('mean');
    const patch = (await (await get(`api/output/patch/patch/data`)).json()) as { background: { node: string; frame: number } };
    expect(patch.background).toEqual({ node: 'source', port: 'frames', frame: rank.order[0] });
    expect((await get(`api/output/source/frames/image?frame=${rank.order[0]}`)).status).toBe(200);
    expect((await get(`api/output/rank/ranking/image`)).status).toBe(415);
    expect((await get(`api/output/nosuch/image/image`)).status).toBe(404);

    // Everything is in the long-lived cache now.
    const a = (await (await post('analyze', { doc, buffering: 'auto' })).json()) as { cache: Record<string, string> };
    expect(new Set(Object.values(a.cache))).toEqual(new Set(['cached']));
  });

  it('reports a run refused before any node ran (invalid graph) as a failed run', async () => {
    const doc = await preset('default.yaml');
    doc.nodes.apgrid.params = { boxWidth: 5 };
    const events = await runAndCollect(doc);
    const fin = events.find((e) => e.type === 'run-finish') as Extract<ServerEvent, { type: 'run-finish' }>;
    expect(fin.ok).toBe(false);
    expect(fin.error).toMatch(/boxWidth/);
  });
});
