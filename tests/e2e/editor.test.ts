/**
 * The editor end to end, in browser mode: `luckygraph serve` + headless Chromium.
 * One session walks through the workflow; screenshots go to test-artifacts/e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parseGraphYaml } from '../../src/graph/yaml.ts';
import { decodePng } from '../../src/io/png.ts';
import { spawnSync } from 'node:child_process';
import {
  ARTIFACTS,
  analysisSettled,
  buildEditorUi,
  docOf,
  imageLoaded,
  launchBrowser,
  runGraph,
  sampleSer,
  selectNode,
  setParam,
  shot,
  startServe,
  statuses,
  type ServeProcess,
} from './helpers.ts';

const UPSTREAM = ['source', 'rank', 'patch', 'align', 'mean'];
const DOWNSTREAM = ['apgrid', 'localrank', 'shift', 'stack', 'blend', 'save', 'sharpen', 'save_sharpened'];
const SAVES = ['save', 'save_sharpened'];

let tmp: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
let ser: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'luckygraph-e2e-'));
  ser = sampleSer(tmp);
  await buildEditorUi();
  serve = await startServe(tmp);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('console', (m) => {
    const loc = m.location();
    // Requests cut off by the deliberate page reload are not errors of the editor.
    if (m.type() === 'error' && !/favicon|net::ERR_ABORTED/.test(m.text())) pageErrors.push(`console: ${m.text()} (${loc.url}:${loc.lineNumber})`);
  });
  page.on('requestfailed', (r) => {
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) pageErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  // "Discard unsaved changes?" when switching documents: yes.
  page.on('dialog', (d) => void d.accept());
  await page.goto(serve.url);
  await page.waitForSelector('[data-testid="editor-ready"]');
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Records every data-status a node badge takes, and whether progress bars appeared (MutationObserver). */
async function watchStatuses(): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __seen: { statuses: Record<string, string[]>; progressBars: number } };
    w.__seen = { statuses: {}, progressBars: 0 };
    new MutationObserver((muts) => {
      for (const m of muts) {
        const el = m.target as HTMLElement;
        if (m.type === 'attributes' && el.classList.contains('lg-node')) {
          (w.__seen.statuses[el.dataset.testid!.slice('node-'.length)] ??= []).push(el.dataset.status ?? '');
        }
      }
      w.__seen.progressBars += document.querySelectorAll('[data-testid^="progress-"]').length;
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
}

async function seenStatuses(): Promise<{ statuses: Record<string, string[]>; progressBars: number }> {
  return page.evaluate(() => (window as unknown as { __seen: { statuses: Record<string, string[]>; progressBars: number } }).__seen);
}

/** Points the Source at the sample and every Save into the temp folder. */
async function prepareInputs(saves: string[]): Promise<void> {
  await setParam(page, 'source', 'path', ser);
  for (const s of saves) await setParam(page, s, 'path', join(tmp, 'out', 'result.png'));
  await analysisSettled(page);
}

describe('luckygraph editor (browser mode)', () => {
  it('opens the default preset from the presets menu', async () => {
    await page.click('[data-testid="menu-presets"]');
    await page.click('[data-testid="preset-default"]');
    await page.waitForSelector('[data-testid="node-save_sharpened"]');
    const st = await statuses(page);
    expect(Object.keys(st).sort()).toEqual([...UPSTREAM, ...DOWNSTREAM].sort());
    // One connection per connected input.
    const inputs = await page.evaluate(() => Object.values(window.__luckygraph!.getDoc().nodes).reduce((n, d) => n + Object.keys(d.inputs ?? {}).length, 0));
    expect(inputs).toBe(29);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="connection"]').length === n, inputs);
    expect(await page.textContent('[data-testid="file-name"]')).toContain('default.yaml');
    await shot(page, '01-default-preset');
  });

  it('runs the graph on the sample and shows thumbnails', async () => {
    rmSync(join(tmp, 'out'), { recursive: true, force: true });
    mkdirSync(join(tmp, 'out'));
    await prepareInputs(SAVES);
    const before = await statuses(page);
    expect(Object.values(before).every((s) => s === 'dirty')).toBe(true);
    // The memory forecast per buffering level is there once the input is known.
    await page.waitForSelector('[data-testid="mem-level-0"]');
    expect(await page.locator('[data-testid^="mem-level-"]').count()).toBe(5);

    await watchStatuses();
    expect(await runGraph(page)).toBe('done');
    const st = await statuses(page);
    for (const id of [...UPSTREAM, ...DOWNSTREAM]) expect(st[id], id).toBe('ran');
    // Badges went through "running" with a progress bar while the run streamed its events.
    const seen = await seenStatuses();
    expect(seen.statuses.rank).toContain('running');
    expect(seen.statuses.stack).toContain('running');
    expect(seen.progressBars).toBeGreaterThan(0);
    for (const id of ['source', 'mean', 'blend', 'sharpen']) {
      const size = await imageLoaded(page, `[data-testid="thumb-${id}"]`);
      expect(size.w, `thumbnail of ${id}`).toBeGreaterThan(50);
    }
    expect(existsSync(join(tmp, 'out', 'result.png'))).toBe(true);
    expect(existsSync(join(tmp, 'out', 'result_sharpened.png'))).toBe(true);
    expect(await page.textContent('[data-testid="status-blend"]')).toMatch(/done \d/);
    await shot(page, '02-first-run-thumbnails');
  });

  it('shows outputs in the viewer: full image, rank curve with cuts, AP boxes, patches, shift histogram', async () => {
    await selectNode(page, 'blend');
    await page.click('[data-testid="view-image"]');
    const full = await imageLoaded(page, '[data-testid="viewer-img"]');
    expect(full.w).toBeGreaterThan(200);
    await shot(page, '03a-viewer-blend');

    await page.selectOption('[data-testid="viewer-select"]', 'rank.ranking');
    await page.waitForSelector('[data-testid="ranking-chart"] polyline');
    expect(await page.locator('[data-testid="stack-cut"]').count()).toBeGreaterThanOrEqual(2);
    await shot(page, '03b-viewer-rank');

    await page.selectOption('[data-testid="viewer-select"]', 'apgrid.apgrid');
    await page.waitForSelector('[data-testid="overlay-apgrid"]');
    await imageLoaded(page, '[data-testid="viewer-img"]');
    expect(await page.locator('[data-testid="ap-box"]').count()).toBeGreaterThan(5);
    await shot(page, '03c-viewer-apgrid');

    await page.selectOption('[data-testid="viewer-select"]', 'patch.patch');
    await page.waitForSelector('[data-testid="overlay-patch"] rect.best');
    await imageLoaded(page, '[data-testid="viewer-img"]');
    await shot(page, '03d-viewer-patch');

    await page.selectOption('[data-testid="viewer-select"]', 'shift.localshifts');
    await page.waitForSelector('[data-testid="shift-histogram"] rect.bar');
    await shot(page, '03e-viewer-shift');
  });

  it('re-runs only the nodes downstream of a changed parameter', async () => {
    await setParam(page, 'apgrid', 'boxWidth', '60');
    await analysisSettled(page);
    let st = await statuses(page);
    for (const id of DOWNSTREAM) expect(st[id], `${id} after the edit`).toBe('dirty');
    for (const id of UPSTREAM) expect(st[id], `${id} after the edit`).not.toBe('dirty');
    await shot(page, '04-param-changed-dirty');

    expect(await runGraph(page)).toBe('done');
    st = await statuses(page);
    for (const id of DOWNSTREAM) expect(st[id], `${id} re-ran`).toBe('ran');
    for (const id of UPSTREAM) expect(st[id], `${id} stayed cached`).toBe('cached');
    // The inspector says why apgrid ran.
    await selectNode(page, 'apgrid');
    expect(await page.textContent('[data-testid="inspector-status"]')).toContain('boxWidth changed 48 → 60');
    await shot(page, '05-rerun-only-dirty');
  });

  it('undo restores the old value and the next run comes from the cache', async () => {
    await page.click('[data-testid="canvas"]', { position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => window.__luckygraph!.getDoc().nodes.apgrid.params === undefined);
    await selectNode(page, 'apgrid');
    expect(await page.inputValue('[data-testid="param-boxWidth"]')).toBe('48');
    await analysisSettled(page);
    let st = await statuses(page);
    // Compute nodes are cached again; the Save nodes will write again because the last run overwrote their files.
    for (const id of [...UPSTREAM, ...DOWNSTREAM].filter((i) => !SAVES.includes(i))) expect(st[id], `${id} after undo`).toBe('cached');
    for (const id of SAVES) expect(st[id], `${id} after undo`).toBe('dirty');

    expect(await runGraph(page)).toBe('done');
    st = await statuses(page);
    for (const id of [...UPSTREAM, ...DOWNSTREAM].filter((i) => !SAVES.includes(i))) expect(st[id], `${id} on the run after undo`).toBe('cached');
    for (const id of SAVES) expect(st[id], `${id} rewrote its file`).toBe('ran');
    // Redo and undo again via the keyboard shortcut pair.
    await page.keyboard.press('Control+Shift+z');
    await page.waitForFunction(() => (window.__luckygraph!.getDoc().nodes.apgrid.params as Record<string, unknown> | undefined)?.boxWidth === 60);
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => window.__luckygraph!.getDoc().nodes.apgrid.params === undefined);
    await shot(page, '06-after-undo-all-cached');
  });

  it('cancels a run', async () => {
    await selectNode(page, 'rank');
    await page.selectOption('[data-testid="param-method"]', 'Sobel');
    await analysisSettled(page);
    expect((await statuses(page)).rank).toBe('dirty');
    // Press Cancel the moment the first badge turns "running" (the sample runs in about a second).
    await page.evaluate(() => {
      const obs = new MutationObserver(() => {
        if (document.querySelector('.lg-node[data-status="running"]')) {
          obs.disconnect();
          (document.querySelector('[data-testid="cancel"]') as HTMLButtonElement).click();
        }
      });
      obs.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
    });
    await page.click('[data-testid="run"]');
    await page.waitForSelector('[data-testid="run-status"][data-state="cancelled"]', { timeout: 30_000 });
    await analysisSettled(page);
    const st = await statuses(page);
    expect(st.source).toBe('cached');
    expect(st.save_sharpened).toBe('dirty');
    await shot(page, '06b-cancelled');
    // Back to Laplace: everything but the Save nodes is in the cache again, previews included.
    await page.click('[data-testid="undo"]');
    await page.waitForFunction(() => window.__luckygraph!.getDoc().nodes.rank.params?.method === 'Laplace');
    await analysisSettled(page);
    expect((await statuses(page)).blend).toBe('cached');
    await page.selectOption('[data-testid="viewer-select"]', 'rank.ranking');
    await page.waitForSelector('[data-testid="ranking-chart"]');
    expect(await page.locator('[data-testid="viewer-stale"]').count()).toBe(0);
  });

  it('refuses a mismatched connection and says why', async () => {
    const before = await docOf(page);
    await page.click('[data-testid="fit"]');
    await page.waitForTimeout(200);
    const from = (await page.locator('[data-testid="socket-out-rank-ranking"]').boundingBox())!;
    const to = (await page.locator('[data-testid="socket-in-align-patch"]').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    const toast = page.locator('[data-testid="connection-refused"]');
    await toast.waitFor();
    expect(await toast.textContent()).toContain('align.patch expects patch but rank.ranking gives ranking');
    await shot(page, '07-connection-refused');
    expect(await docOf(page)).toEqual(before);
    expect(await page.locator('[data-testid="connection"]').count()).toBe(29);
  });

  it('saves the graph, reloads it and gets the same document', async () => {
    await selectNode(page, 'stack');
    await page.selectOption('[data-testid="param-drizzle"]', '1.5x');
    await page.waitForFunction(() => window.__luckygraph!.getDoc().nodes.stack.params?.drizzle === '1.5x');
    const doc = await docOf(page);
    await page.click('[data-testid="save-as"]');
    await page.waitForSelector('[data-testid="file-dialog"]');
    await page.fill('[data-testid="file-dialog-dir"]', tmp);
    await page.press('[data-testid="file-dialog-dir"]', 'Enter');
    await page.waitForSelector('[data-testid="fs-entry-out"]');
    await page.fill('[data-testid="file-dialog-name"]', 'my-graph.yaml');
    await shot(page, '08a-save-dialog');
    await page.click('[data-testid="file-dialog-ok"]');
    await page.waitForSelector('[data-testid="toast-info"]:has-text("saved")');
    const path = join(tmp, 'my-graph.yaml');
    expect(existsSync(path)).toBe(true);
    expect(parseGraphYaml(readFileSync(path, 'utf8'))).toEqual(doc);
    expect(await page.textContent('[data-testid="file-name"]')).toContain('my-graph.yaml');

    // A fresh page: open it again from the recent files.
    await page.reload();
    await page.waitForSelector('[data-testid="node-source"]');
    await page.click('[data-testid="menu-recent"]');
    await page.click(`[data-testid="recent-item"][title="${path}"]`);
    await page.waitForFunction((p) => window.__luckygraph!.store.state.filePath === p, path);
    expect(await docOf(page)).toEqual(doc);
    expect(await page.inputValue('[data-testid="buffering"]')).toBe('auto');
    // Nodes whose results the server still caches show their previews without running again.
    await analysisSettled(page);
    const st = await statuses(page);
    for (const id of ['source', 'rank', 'mean', 'apgrid']) expect(st[id], `${id} after reopening`).toBe('cached');
    expect(st.stack).toBe('dirty');
    await imageLoaded(page, '[data-testid="thumb-mean"]');
    await page.waitForSelector('[data-testid="node-stack"]');
    await shot(page, '08b-reloaded');

    // And through the Open dialog.
    await page.click('[data-testid="open"]');
    await page.waitForSelector('[data-testid="file-dialog"]');
    await page.fill('[data-testid="file-dialog-dir"]', tmp);
    await page.press('[data-testid="file-dialog-dir"]', 'Enter');
    await page.dblclick('[data-testid="fs-entry-my-graph.yaml"]');
    await page.waitForFunction(() => window.__luckygraph!.store.state.dialog === null);
    expect(await docOf(page)).toEqual(doc);
  });

  it('a graph saved in the editor runs headless with `luckygraph run` to the same image', async () => {
    // Run the saved graph (drizzle 1.5x) in the editor, then the same file from the CLI elsewhere.
    expect(await runGraph(page)).toBe('done');
    const editorOut = join(tmp, 'out', 'result.png');
    expect(existsSync(editorOut)).toBe(true);
    const cliOut = join(tmp, 'cli', 'result.png');
    const r = spawnSync(process.execPath, [join(__dirname, '../../bin/luckygraph.js'), 'run', join(tmp, 'my-graph.yaml'), '--out', cliOut], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const a = decodePng(readFileSync(editorOut)), b = decodePng(readFileSync(cliOut));
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength).equals(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength))).toBe(true);
  });

  it('adds, duplicates and deletes nodes; undo brings them back', async () => {
    const count = async () => page.locator('.lg-node[data-testid^="node-"]').count();
    const n0 = await count();
    await page.click('[data-testid="palette-Sharpen"]');
    await page.waitForSelector('[data-testid="node-sharpen_2"]');
    await page.click('[data-testid="node-sharpen_2"] .lg-node-title', { button: 'right' });
    await page.click('[data-testid="ctx-duplicate"]');
    await page.waitForSelector('[data-testid="node-sharpen_3"]');
    expect(await count()).toBe(n0 + 2);
    await page.click('[data-testid="node-sharpen_3"] .lg-node-title', { button: 'right' });
    await page.click('[data-testid="ctx-delete"]');
    await page.waitForSelector('[data-testid="node-sharpen_3"]', { state: 'detached' });
    await page.click('[data-testid="undo"]');
    await page.waitForSelector('[data-testid="node-sharpen_3"]');
    await page.click('[data-testid="undo"]');
    await page.click('[data-testid="undo"]');
    await page.waitForSelector('[data-testid="node-sharpen_2"]', { state: 'detached' });
    expect(await count()).toBe(n0);
  });

  it('edits through the view: drag a node, connect compatible ports, inline validation', async () => {
    // Drag a node: one moveNode in the document, undone by Ctrl+Z.
    const before = (await page.evaluate(() => window.__luckygraph!.getDoc().layout!.sharpen)) as [number, number];
    const head = (await page.locator('[data-testid="node-sharpen"] .lg-node-title').boundingBox())!;
    await page.mouse.move(head.x + head.width / 2, head.y + head.height / 2);
    await page.mouse.down();
    await page.mouse.move(head.x + head.width / 2, head.y + head.height / 2 + 60, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction((b) => window.__luckygraph!.getDoc().layout!.sharpen[1] > b[1], before);
    await page.keyboard.press('Control+z');
    await page.waitForFunction((b) => window.__luckygraph!.getDoc().layout!.sharpen[1] === b[1], before);

    // A compatible connection replaces the input's source.
    const from = (await page.locator('[data-testid="socket-out-mean-image"]').boundingBox())!;
    const to = (await page.locator('[data-testid="socket-in-sharpen-image"]').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(() => window.__luckygraph!.getDoc().nodes.sharpen.inputs?.image === 'mean.image');
    await page.waitForSelector('[data-testid="connection"][data-id="mean.image>sharpen.image"]');
    expect(await page.locator('[data-testid="connection"][data-id="blend.image>sharpen.image"]').count()).toBe(0);
    await shot(page, '10a-connected-mean-to-sharpen');
    await page.click('[data-testid="undo"]');
    await page.waitForSelector('[data-testid="connection"][data-id="blend.image>sharpen.image"]');

    // An out-of-range value is flagged inline and on the node; the reset button clears it.
    await setParam(page, 'apgrid', 'boxWidth', '500');
    const issue = page.locator('[data-testid="issue-boxWidth"]');
    await issue.waitFor();
    expect(await issue.textContent()).toMatch(/20\.\.140/);
    await page.waitForSelector('[data-testid="issues-apgrid"]');
    await shot(page, '10b-inline-validation');
    await page.click('[data-testid="reset-boxWidth"]');
    await issue.waitFor({ state: 'detached' });
    expect(await page.inputValue('[data-testid="param-boxWidth"]')).toBe('48');
  });

  it('compares two Stack/Blend branches of compare-stack-sizes.yaml (split and blink)', async () => {
    await page.click('[data-testid="menu-presets"]');
    await page.click('[data-testid="preset-compare-stack-sizes"]');
    await page.waitForSelector('[data-testid="node-blend_p25"]');
    await prepareInputs(['save_p05', 'save_p10', 'save_p25']);
    expect(await runGraph(page)).toBe('done');
    await page.click('[data-testid="tab-compare"]');
    await page.waitForSelector('[data-testid="compare-view"][data-mode="split"]');
    expect(await page.inputValue('[data-testid="compare-a"]')).toBe('blend_p05.image');
    expect(await page.inputValue('[data-testid="compare-b"]')).toBe('blend_p25.image');
    const a = await imageLoaded(page, '[data-testid="compare-img-a"]');
    const b = await imageLoaded(page, '[data-testid="compare-img-b"]');
    expect(a.w).toBeGreaterThan(200);
    expect(b).toEqual(a);
    await shot(page, '09a-compare-split');
    await page.click('[data-testid="compare-mode-blink"]');
    await page.waitForSelector('[data-testid="compare-view"][data-mode="blink"]');
    const seen = new Set<string>();
    for (let i = 0; i < 12 && seen.size < 2; i++) {
      seen.add((await page.textContent('[data-testid="compare-label"]')) ?? '');
      await page.waitForTimeout(250);
    }
    expect([...seen].some((s) => s.includes('A: blend_p05'))).toBe(true);
    expect([...seen].some((s) => s.includes('B: blend_p25'))).toBe(true);
    await shot(page, '09b-compare-blink');
  });

  it('had no errors in the page', () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'page-errors.log'), pageErrors.join('\n') + '\n');
    expect(pageErrors, pageErrors.join('\n')).toEqual([]);
  });
});
