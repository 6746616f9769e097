/**
 * `luckygraph serve [graph.yaml] [--port N] [--rebuild] [--no-build]`: the editor in the browser.
 * Binds 127.0.0.1 only, prints the URL, runs until interrupted. Builds the UI with Vite when
 * dist/editor is missing (--rebuild: always; --no-build: never).
 */
import { parseArgs } from './args.js';
import { UsageError } from './info.js';

export async function serveCommand(args: string[], out: (s: string) => void): Promise<number> {
  const a = parseArgs(args, ['port'], ['rebuild', 'no-build']);
  if (a.positional.length > 1) throw new UsageError('serve takes at most one graph file');
  const portText = a.values.get('port')?.[0] ?? '7411';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port: expected 0..65535; found '${portText}'`);
  if (a.flags.has('rebuild') && a.flags.has('no-build')) throw new UsageError('--rebuild and --no-build exclude each other');
  const { startEditorServer } = await import('../editor/server/server.ts');
  const log = (s: string) => process.stderr.write(s + '\n');
  let server;
  try {
    server = await startEditorServer({
      port: Number(portText),
      graphPath: a.positional[0],
      build: a.flags.has('rebuild') ? 'always' : !a.flags.has('no-build'),
      log,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${portText} is in use; choose another with --port N (0 = any free port)`);
    throw e;
  }
  out(`luckygraph editor: ${server.url}`);
  log('press Ctrl+C to stop');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
