#!/usr/bin/env node
// Compiles native/populate.c (bulk page population, see that file) to native/build/populate.node
// with the system C compiler and Node's own headers. Run by `prepare` (so `npm ci` builds it from
// source) and by `npm run build:native`. Optional: without a compiler or headers it warns and exits
// 0, and the runtime touches memory from a worker thread instead (src/runtime/populate.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native/populate.c');
const out = join(root, 'native/build/populate.node');

function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'),
    join(dirname(process.execPath), '../include/node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

function skip(why) {
  console.warn(`build-native: ${why}; skipping — memory will be touched from a worker thread instead`);
  process.exit(0);
}

if (process.platform !== 'linux') skip(`madvise populate is Linux-only (platform ${process.platform})`);
const inc = headerDir();
if (!inc) skip("Node's headers (node_api.h) were not found");
mkdirSync(dirname(out), { recursive: true });
const cc = process.env.CC || 'cc';
const tmp = `${out}.tmp`;
const t0 = Date.now();
const r = spawnSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', `-I${inc}`, '-o', tmp, src], { encoding: 'utf8' });
if (r.error || r.status !== 0) {
  rmSync(tmp, { force: true });
  skip(`${cc} failed: ${(r.error?.message ?? r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
}
renameSync(tmp, out);
console.log(`build-native: native/build/populate.node (${Date.now() - t0} ms)`);
