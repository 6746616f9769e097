/** Boots the editor: session and catalogue from the server, the store, the event stream, the React app. */
import { createRoot } from 'react-dom/client';
import { api, subscribeEvents } from './api.ts';
import { App } from './App.tsx';
import { EditorStore, setStore } from './store.ts';
import './styles.css';

async function boot(): Promise<void> {
  const root = document.getElementById('root')!;
  try {
    const [session, catalogue] = await Promise.all([api.session(), api.catalogue()]);
    const store = new EditorStore(catalogue, { presets: session.presets, cwd: session.cwd });
    setStore(store);
    window.__luckygraph = { store, getDoc: () => store.doc };
    subscribeEvents(
      (e) => store.onServerEvent(e),
      (connected) => store.set({ connected }),
    );
    if (session.initial) store.load(session.initial);
    else if (session.presets.length) store.load(await api.openPreset(session.presets[0].file));
    createRoot(root).render(<App />);
  } catch (e) {
    root.innerHTML = '';
    const p = document.createElement('pre');
    p.className = 'lg-fatal';
    p.textContent = `luckygraph editor could not start: ${(e as Error).message}`;
    root.appendChild(p);
  }
}

void boot();
