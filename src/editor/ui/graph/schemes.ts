/** Rete node and connection classes for graph documents (ids are the document's node ids). */
import { ClassicPreset, type GetSchemes } from 'rete';
import type { ReactArea2D } from 'rete-react-plugin';
import type { NodeCatalogueEntry } from '../../../graph/registry.ts';
import { NODE_WIDTH, estimateNodeHeight } from '../lib/layout.ts';

const sockets = new Map<string, ClassicPreset.Socket>();

/** One socket object per port type; its name is the type (used for colour and tooltips). */
export function socketOf(type: string): ClassicPreset.Socket {
  let s = sockets.get(type);
  if (!s) {
    s = new ClassicPreset.Socket(type);
    sockets.set(type, s);
  }
  return s;
}

export class GraphNode extends ClassicPreset.Node {
  width = NODE_WIDTH;
  height: number;
  constructor(id: string, readonly nodeType: string, readonly entry: NodeCatalogueEntry | undefined) {
    super(id);
    this.id = id;
    this.height = estimateNodeHeight(entry);
    if (entry) {
      for (const [port, spec] of Object.entries(entry.inputs)) {
        // Rete allows several connections per input: the document (one source per input) decides, and a
        // new connection replaces the old one through the model, not through Rete.
        this.addInput(port, new ClassicPreset.Input(socketOf(spec.type), port, true));
      }
      for (const [port, spec] of Object.entries(entry.outputs)) this.addOutput(port, new ClassicPreset.Output(socketOf(spec.type), port, true));
    }
  }
}

/**
 * Typed over the base node class: Rete's Connection is contravariant in its node types (keyof …['outputs']),
 * so a Connection<GraphNode, GraphNode> would not satisfy the plugins' ClassicScheme.
 */
export class GraphConnection extends ClassicPreset.Connection<ClassicPreset.Node, ClassicPreset.Node> {}

export type Schemes = GetSchemes<GraphNode, GraphConnection>;
export type AreaExtra = ReactArea2D<Schemes>;

/** Connection id derived from its ends (one connection per input and source). */
export function connectionId(source: string, output: string, target: string, input: string): string {
  return `${source}.${output}>${target}.${input}`;
}
