import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads {@code load()} when {@code deps} change (aborting the previous load), and every {@code refreshMs} when
 * given, keeping the last data on screen while refreshing.
 */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], refreshMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    loadRef.current(ctl.signal)
      .then((d) => {
        if (!ctl.signal.aborted) {
          setData(d);
          setError(undefined);
        }
      })
      .catch((e) => {
        if (!ctl.signal.aborted) {
          setError(e);
        }
      })
      .finally(() => {
        if (!ctl.signal.aborted) {
          setLoading(false);
        }
      });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);

  useEffect(() => {
    if (!refreshMs) {
      return;
    }
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') {
        setTick((x) => x + 1);
      }
    }, refreshMs);
    return () => window.clearInterval(t);
  }, [refreshMs]);

  const reload = useCallback(() => setTick((x) => x + 1), []);
  return { data, error, loading, reload };
}
