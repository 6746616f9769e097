/** `luckygraph validate <graph.yaml>`: checks a graph without running it; every problem at once. */
import { loadGraphFile } from '../graph/yaml.js';
import { migrateGraph } from '../graph/migrate.js';
import { validateGraph, formatIssues } from '../graph/validate.js';
import { createRegistry } from '../nodes/index.js';
import { UsageError } from './info.js';

export async function validateCommand(args: string[], out: (s: string) => void): Promise<number> {
  const files = args.filter((x) => !x.startsWith('--'));
  if (!files.length) throw new UsageError('validate needs a graph file');
  const registry = createRegistry();
  let bad = 0;
  for (const f of files) {
    const { doc } = migrateGraph(await loadGraphFile(f), registry);
    const issues = validateGraph(doc, registry);
    const errors = issues.filter((i) => i.severity === 'error');
    for (const line of formatIssues(issues, doc)) (errors.length ? process.stderr : process.stdout).write(`${line.includes(f) ? '' : f + ': '}${line}\n`);
    if (errors.length) bad++;
    else out(`${f}: ok (${Object.keys(doc.nodes).length} nodes)`);
  }
  return bad ? 1 : 0;
}
