/** Turns runtime events into progress output: bars on a terminal, plain lines otherwise. */
import type { RuntimeEvent } from '../runtime/events.js';

export function progressPrinter(stream: NodeJS.WriteStream, quietPlain = false): (e: RuntimeEvent) => void {
  const tty = !!stream.isTTY;
  let lastPct = new Map<string, number>();
  const line = (s: string) => stream.write(s + '\n');
  return (e) => {
    switch (e.type) {
      case 'run-start':
        line(`buffering level ${e.level} (forecast ${(e.predictedBytes / 2 ** 20).toFixed(0)} MiB)`);
        break;
      case 'node-start':
        lastPct.set(e.node, -1);
        if (!tty && !quietPlain) line(`${e.node} (${e.nodeType}): running — ${e.reason}`);
        break;
      case 'progress': {
        const pct = e.total > 0 ? Math.floor((100 * e.done) / e.total) : 0;
        if (tty) {
          const w = 30, fill = Math.round((w * pct) / 100);
          const eta = e.etaMs !== null ? ` eta ${(e.etaMs / 1000).toFixed(1)} s` : '';
          stream.write(`\r${e.node.padEnd(16)} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${e.done}/${e.total}${eta}   `);
        } else if (pct >= (lastPct.get(e.node) ?? -1) + 25) {
          lastPct.set(e.node, pct);
          if (!quietPlain) line(`${e.node}: ${e.done}/${e.total}`);
        }
        break;
      }
      case 'node-finish':
        if (tty) stream.write('\r\x1b[K');
        line(`${e.node} (${e.nodeType}): done in ${(e.ms / 1000).toFixed(2)} s`);
        break;
      case 'node-cached':
        line(`${e.node} (${e.nodeType}): cached`);
        break;
      case 'node-error':
        if (tty) stream.write('\r\x1b[K');
        line(`${e.node} (${e.nodeType}): error: ${e.message}`);
        break;
      case 'warning':
        line(`${e.node}: warning: ${e.message}`);
        break;
      case 'run-finish':
        lastPct = new Map();
        break;
    }
  };
}
