/** `luckygraph nodes [--json]`: the node catalogue with ports and parameters. */
import { createRegistry } from '../nodes/index.js';

export async function nodesCommand(args: string[], out: (s: string) => void): Promise<number> {
  const cat = createRegistry().catalogue();
  if (args.includes('--json')) { out(JSON.stringify(cat, null, 2)); return 0; }
  for (const n of cat.nodes) {
    out(`${n.type} (v${n.version}, ${n.category}) — ${n.doc}`);
    for (const [k, p] of Object.entries(n.inputs)) out(`  in  ${k}: ${p.type}${p.optional ? ' (optional)' : ''} — ${p.doc}`);
    for (const [k, p] of Object.entries(n.outputs)) out(`  out ${k}: ${p.type} — ${p.doc}`);
    for (const [k, p] of Object.entries(n.params)) {
      const range = p.min !== undefined ? ` ${p.min}..${p.max}` : p.choices ? ` {${p.choices.join('|')}}` : '';
      out(`  ${k} = ${JSON.stringify(p.default)}${range}${p.unit ? ' ' + p.unit : ''} — ${p.doc}`);
    }
    out('');
  }
  return 0;
}
