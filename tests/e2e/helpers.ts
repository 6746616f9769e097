/**
 * E2E helpers: build the editor UI, start `luckygraph serve` on a free port as a child process, and
 * drive headless Chromium through playwright-core (system /usr/bin/chromium).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'e2e');
export const CHROMIUM = process.env.LUCKYGRAPH_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Builds dist/editor from the current sources. */
export async function buildEditorUi(): Promise<void> {
  const vite = await import('vite');
  await vite.build({ configFile: join(ROOT, 'vite.editor.config.ts'), logLevel: 'error' });
}

/** The bundled sample, or a generated one when it is not there. */
export function sampleSer(tmp: string): string {
  const bundled = join(ROOT, 'samples', 'moon-small', 'frames.ser');
  if (existsSync(bundled)) return bundled;
  const out = join(tmp, 'sample');
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'bin', 'run-ts.js'), 'src/synth/generate.ts', '--out', out, '--width', '320', '--height', '240', '--frames', '40'], { cwd: ROOT, stdio: 'inherit' });
  return join(out, 'frames.ser');
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `luckygraph serve --port 0 --no-build` in a child process; resolves with the printed URL. */
export function startServe(cwd: string): Promise<ServeProcess> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'luckygraph.js'), 'serve', '--port', '0', '--no-build'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /luckygraph editor: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({
          url: m[1],
          child,
          output: () => out,
          stop: () =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Node id → data-status of every node in the view. */
export async function statuses(page: Page): Promise<Record<string, string>> {
  return page.$$eval('.lg-node[data-testid^="node-"]', (els) =>
    Object.fromEntries(els.map((e) => [e.getAttribute('data-testid')!.slice('node-'.length), e.getAttribute('data-status') ?? ''])),
  );
}

/** Selects a node by clicking its title bar. */
export async function selectNode(page: Page, id: string): Promise<void> {
  await page.click(`[data-testid="node-${id}"] .lg-node-title`);
  await page.waitForSelector(`[data-testid="inspector"][data-node="${id}"]`);
}

/** Types a parameter value into the inspector and commits it (Enter). */
export async function setParam(page: Page, node: string, param: string, value: string): Promise<void> {
  await selectNode(page, node);
  const input = page.locator(`[data-testid="param-${param}"]`);
  await input.fill(value);
  await input.press('Enter');
}

export async function runId(page: Page): Promise<number> {
  return page.evaluate(() => window.__luckygraph!.store.state.run.id ?? 0);
}

/** Clicks Run and waits for that run to finish; returns its final state. */
export async function runGraph(page: Page, timeout = 90_000): Promise<string> {
  const before = await runId(page);
  await page.click('[data-testid="run"]');
  await page.waitForFunction(
    (b) => {
      const r = window.__luckygraph!.store.state.run;
      return (r.id ?? 0) > b && ['done', 'error', 'cancelled'].includes(r.state);
    },
    before,
    { timeout },
  );
  // Let the post-run analysis (cache state) settle.
  await page.waitForFunction(() => !window.__luckygraph!.store.state.analysisPending);
  return page.evaluate(() => window.__luckygraph!.store.state.run.state);
}

/** Waits until the analysis of the current document has arrived. */
export async function analysisSettled(page: Page): Promise<void> {
  await page.waitForTimeout(50);
  await page.waitForFunction(() => !window.__luckygraph!.store.state.analysisPending);
}

export async function docOf(page: Page): Promise<unknown> {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.__luckygraph!.getDoc())));
}

/** Whether an <img> finished loading with pixels. */
export async function imageLoaded(page: Page, selector: string, timeout = 15_000): Promise<{ w: number; h: number }> {
  await page.waitForFunction(
    (sel) => {
      const img = document.querySelector(sel) as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    },
    selector,
    { timeout },
  );
  return page.$eval(selector, (img) => ({ w: (img as HTMLImageElement).naturalWidth, h: (img as HTMLImageElement).naturalHeight }));
}
