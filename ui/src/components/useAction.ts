import { useCallback, useState } from 'react';

/**
 * A change the user asked for: {@code run} clears the last error, marks the action busy, runs it, and keeps its
 * failure for a {@code ProblemAlert}; it resolves to whether the action succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (what: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await what();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
