// What every page implements, and the overview poll pages share.
import { overview, type Overview } from './api.js';

export interface Page {
  /** Renders into `root`; returns a function that stops timers and streams. */
  mount(root: HTMLElement, params: URLSearchParams): () => void;
}

/** Calls `onData` with a fresh overview now and every `everyMs` until stopped (skips while the tab is hidden). */
export function pollOverview(onData: (o: Overview) => void, onError: (err: Error) => void, everyMs = 2000): () => void {
  let stopped = false;
  let timer = 0;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    if (document.visibilityState !== 'hidden') {
      try {
        const o = await overview();
        if (!stopped) onData(o);
      } catch (err) {
        if (!stopped) onError(err as Error);
      }
    }
    if (!stopped) timer = window.setTimeout(() => void tick(), everyMs);
  };
  void tick();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}

export function navigate(hash: string): void {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}
