import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, get, onUnauthorized, storedSession, storeSession, type StoredSession } from '../api/client';
import type { Me } from '../api/types';

/** Who is signed in and what they may do; the dashboard offers only what {@link can} allows (the server enforces). */
export interface Session {
  me: Me;
  expiresAt: Date;
  /** Held in at least one organization (or a narrowed binding). */
  can: (permission: string) => boolean;
  /** Held for every organization (`*`): server-wide settings. */
  canEverywhere: (permission: string) => boolean;
  logout: () => Promise<void>;
}

export interface SessionState {
  session: Session | null;
  /** Why the last session ended (expired, signed out elsewhere), for the login page. */
  ended: string | null;
  loading: boolean;
  signIn: (s: StoredSession) => Promise<void>;
}

/** Exported for component tests, which provide a session without signing in. */
export const SessionContext = createContext<SessionState | null>(null);
const Ctx = SessionContext;

export function permissionCheck(permissions: Record<string, string[]>) {
  return {
    can: (p: string) => Object.values(permissions).some((list) => list.includes(p)),
    canEverywhere: (p: string) => (permissions['*'] ?? []).includes(p),
  };
}

/** Picks up a session handed over in the URL fragment by the SSO callback (#session=…&expiresAt=…). */
function takeFragmentSession(): StoredSession | null {
  if (!window.location.hash.startsWith('#session=')) {
    return null;
  }
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get('session');
  const expiresAt = params.get('expiresAt');
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return token && expiresAt ? { token, expiresAt } : null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [ended, setEnded] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  const end = useCallback((why: string | null) => {
    storeSession(null);
    setSession(null);
    setEnded(why);
  }, []);

  const load = useCallback(async (stored: StoredSession) => {
    storeSession(stored);
    const me = await get<Me>('/api/v1/auth/me');
    const checks = permissionCheck(me.permissions);
    setEnded(null);
    setSession({
      me,
      expiresAt: new Date(stored.expiresAt),
      ...checks,
      logout: async () => {
        try {
          const answer = await api<{ providerLogoutUrl?: string } | undefined>('POST', '/api/v1/auth/logout');
          end('You signed out.');
          if (answer?.providerLogoutUrl) {
            window.location.assign(answer.providerLogoutUrl);
          }
        } catch {
          end('You signed out.');
        }
      },
    });
  }, [end]);

  useEffect(() => {
    const stored = takeFragmentSession() ?? storedSession();
    if (!stored) {
      setLoading(false);
      return;
    }
    load(stored).catch(() => end(null)).finally(() => setLoading(false));
  }, [load, end]);

  useEffect(() => onUnauthorized(() => end('Your session has ended; sign in again.')), [end]);

  // The server's expiry is the truth; leave when it passes rather than on the next failing call.
  useEffect(() => {
    if (!session) {
      return;
    }
    const ms = session.expiresAt.getTime() - Date.now();
    const timer = window.setTimeout(() => end('Your session expired; sign in again.'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => window.clearTimeout(timer);
  }, [session, end]);

  const value = useMemo<SessionState>(() => ({ session, ended, loading, signIn: load }), [session, ended, loading, load]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSessionState(): SessionState {
  const v = useContext(Ctx);
  if (!v) {
    throw new Error('useSessionState outside SessionProvider');
  }
  return v;
}

/** The signed-in session; only for pages behind the login. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) {
    throw new Error('useSession without a session');
  }
  return session;
}
