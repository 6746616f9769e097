// Types of bundle-fresh.js (plain JavaScript: bin/luckygraph.js loads it before any TypeScript support).
type PathLike = string | URL;
export function cliBundleInputs(root: PathLike): { bundle: string; srcDir: string; extraFiles: string[] };
export function newestInputTime(srcDir: PathLike, extraFiles?: PathLike[], stopAbove?: number): number;
export function bundleFresh(bundle: PathLike, srcDir: PathLike, extraFiles?: PathLike[]): boolean;
export function cliBundleFresh(root: PathLike): boolean;
