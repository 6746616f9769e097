/** The `luckygraph` command line: info | run | nodes | validate | score | serve. */
import { infoCommand, UsageError } from './info.js';

const USAGE = `luckygraph — lucky-imaging stacker as a node graph

usage:
  luckygraph info <input> [--json]                 frame count, size, depth, colour of a capture
  luckygraph run <graph.yaml> [--input PATH]... [--out PATH] [--set NODE.PARAM=VALUE]...
                 [--buffering auto|0|1|2|3|4] [--workers N] [--cache-dir DIR] [--json]
  luckygraph nodes [--json]                        the node catalogue
  luckygraph validate <graph.yaml>                 check a graph without running it
  luckygraph score --truth T --result R [--json]   PSNR / SSIM of a result against a sharp truth
  luckygraph serve [graph.yaml] [--port N] [--rebuild|--no-build]
                                                   the editor in the browser (127.0.0.1; open the printed URL)
`;

type Command = (args: string[], out: (s: string) => void) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  info: async () => infoCommand,
  run: async () => (await import('./run.js')).runCommand,
  nodes: async () => (await import('./nodes.js')).nodesCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  score: async () => (await import('./score.js')).scoreCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
};

export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n')): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { out(USAGE); return cmd ? 0 : 2; }
  const load = commands[cmd];
  if (!load) { process.stderr.write(`luckygraph: unknown command '${cmd}'\n${USAGE}`); return 2; }
  try {
    return await (await load())(args, out);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`luckygraph ${cmd}: ${e.message}\n`); return 2; }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${msg.split('\n')[0]}\n`);
    if (process.env.LUCKYGRAPH_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
