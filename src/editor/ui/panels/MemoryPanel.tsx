/** Memory forecast per buffering level (predicted before running) and the level choice for runs. */
import { BUFFERING_LEVELS, type BufferingChoice } from '../../shared/protocol.ts';
import { getStore, useStore } from '../store.ts';

const LEVEL_DOC = [
  'nothing kept per frame; frames stream through (memory independent of frame count)',
  'keeps the Laplacian of the blurred frame (¼ size, 8 bit)',
  '+ the blurred mono frame (16 bit)',
  '+ the originals',
  '+ the mono of colour frames',
];

function mib(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(0)} MiB`;
}

export function MemoryPanel() {
  const s = useStore((st) => ({ forecast: st.analysis?.forecast ?? null, error: st.analysis?.forecastError, buffering: st.buffering }));
  const store = getStore();
  const f = s.forecast;
  return (
    <div className="lg-memory" data-testid="memory-forecast">
      <h3>
        Memory
        <select
          data-testid="buffering"
          value={String(s.buffering)}
          onChange={(e) => store.setBuffering((e.target.value === 'auto' ? 'auto' : Number(e.target.value)) as BufferingChoice)}
          title="Buffering level: what is kept in RAM per frame"
        >
          <option value="auto">auto</option>
          {BUFFERING_LEVELS.map((l) => (
            <option key={l} value={l}>
              level {l}
            </option>
          ))}
        </select>
      </h3>
      {f ? (
        <>
          <table>
            <tbody>
              {BUFFERING_LEVELS.map((l) => {
                const bytes = f.predicted[l] ?? 0;
                const fits = bytes < f.available;
                return (
                  <tr
                    key={l}
                    data-testid={`mem-level-${l}`}
                    data-fits={fits}
                    className={`${f.level === l ? 'chosen' : ''}${fits ? '' : ' nofit'}`}
                    title={LEVEL_DOC[l]}
                    onClick={() => store.setBuffering(l)}
                  >
                    <td>{f.level === l ? '▶' : ''}</td>
                    <td>level {l}</td>
                    <td className="num">{mib(bytes)}</td>
                    <td>
                      <div className="lg-bar">
                        <div style={{ width: `${Math.min(100, (100 * bytes) / f.available)}%` }} />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="lg-mem-foot">
            available {mib(f.available)}
            {f.error && <div className="lg-issue error">{f.error}</div>}
          </div>
        </>
      ) : (
        <div className="lg-hint">{s.error ? `no forecast: ${s.error}` : 'forecast appears when the graph is valid'}</div>
      )}
    </div>
  );
}
