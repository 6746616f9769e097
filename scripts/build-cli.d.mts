// Types of build-cli.mjs (for the tests).
export const CLI_ENTRY: string;
export const CLI_BUNDLE: string;
export function sourceLocationPlugin(opts: { srcDir: string; outDir: string }): { name: string; setup(build: unknown): void };
export function buildCli(opts?: { outfile?: string; logLevel?: 'silent' | 'error' | 'warning' | 'info' | 'debug' | 'verbose' }): Promise<{
  outfile: string;
  ms: number;
  bytes: number;
  /** False when the bundle was stamped stale (see `note`). */
  fresh: boolean;
  note: string;
}>;
