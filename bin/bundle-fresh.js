// Is the CLI bundle (dist/cli/main.mjs, built by scripts/build-cli.mjs) up to date with src/?
// Used by bin/luckygraph.js on every start, so it must stay cheap: one readdir per directory and one
// stat per entry under src/ (~150: about 4 ms in a fresh process); no file is read.
//
// The rule compares file-system times with file-system times only (never with the local clock):
// scripts/build-cli.mjs stamps the bundle's mtime with the newest change time among its inputs as
// they were when it read them (`newestInputTime`), and the bundle is fresh while no input is newer.
// An input's time is the later of its mtime and ctime: ctime cannot be set back, so a file put in
// place with an old mtime (cp -p, tar, touch -d) still counts as changed.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Extensions of the files under src/ the bundle is built from. */
const SOURCE_RE = /\.(?:[mc]?ts|tsx|[mc]?js|jsx|json)$/;

const toPath = (p) => (p instanceof URL ? fileURLToPath(p) : String(p)).replace(/[\\/]+$/, '');

/**
 * The CLI bundle of the package at `root` (a path or file: URL) and the inputs it is checked against:
 * everything under src/ plus the files that shape the build.
 */
export function cliBundleInputs(root) {
  const r = toPath(root);
  return {
    bundle: `${r}/dist/cli/main.mjs`,
    srcDir: `${r}/src`,
    // package-lock.json: the bundle includes a few packages (scripts/build-cli.mjs BUNDLED_PACKAGES)
    extraFiles: [`${r}/tsconfig.json`, `${r}/package.json`, `${r}/package-lock.json`, `${r}/scripts/build-cli.mjs`],
  };
}

/**
 * The newest change time (ms; the later of mtime and ctime) among `srcDir` itself, every directory
 * under it (a directory changes when an entry is added, removed or renamed), every source file under
 * it (.ts .tsx .mts .cts .js .mjs .cjs .jsx .json) and the `extraFiles` that exist.
 * Stops early, returning the first time found above `stopAbove`. Throws if `srcDir` is unreadable.
 */
export function newestInputTime(srcDir, extraFiles = [], stopAbove = Infinity) {
  let newest = -Infinity;
  for (const f of extraFiles) {
    const st = statSync(toPath(f), { throwIfNoEntry: false }); // a missing extra file is no input
    if (st && changed(st) > newest) {
      newest = changed(st);
      if (newest > stopAbove) return newest;
    }
  }
  // readdir names + one stat per entry: cheaper than Dirent objects in a fresh process (and
  // follows symbolic links). A dangling link is skipped.
  const walk = (dir, st) => {
    if (changed(st) > newest) {
      newest = changed(st);
      if (newest > stopAbove) return true;
    }
    for (const name of readdirSync(dir)) {
      const p = dir + '/' + name; // not path.join: in a fresh process it costs more than the stats
      const s = statSync(p, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) {
        if (walk(p, s)) return true;
      } else if (changed(s) > newest && SOURCE_RE.test(name)) {
        newest = changed(s);
        if (newest > stopAbove) return true;
      }
    }
    return false;
  };
  const src = toPath(srcDir);
  walk(src, statSync(src));
  return newest;
}

const changed = (st) => (st.ctimeMs > st.mtimeMs ? st.ctimeMs : st.mtimeMs);

/**
 * True when `bundle` exists and no input (see `newestInputTime`) has changed after the bundle's
 * mtime. Any error (bundle or src/ missing, unreadable entry) gives false. Paths or file: URLs.
 */
export function bundleFresh(bundle, srcDir, extraFiles = []) {
  try {
    const limit = statSync(toPath(bundle)).mtimeMs;
    return newestInputTime(srcDir, extraFiles, limit) <= limit;
  } catch {
    return false;
  }
}

/** `bundleFresh` for the CLI bundle of the package at `root`. */
export function cliBundleFresh(root) {
  const { bundle, srcDir, extraFiles } = cliBundleInputs(root);
  return bundleFresh(bundle, srcDir, extraFiles);
}
