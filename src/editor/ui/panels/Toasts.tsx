/** Transient messages: refused connections, errors, saves. */
import { getStore, useStore } from '../store.ts';

export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  return (
    <div className="lg-toasts">
      {toasts.map((t) => (
        <div key={t.id} className={`lg-toast ${t.kind}`} data-testid={t.kind === 'refused' ? 'connection-refused' : `toast-${t.kind}`} onClick={() => getStore().dismissToast(t.id)}>
          {t.text}
        </div>
      ))}
    </div>
  );
}
