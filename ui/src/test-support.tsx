import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import type { Me } from './api/types';
import { permissionCheck, SessionContext } from './auth/session';

/** Renders {@code children} as a signed-in user holding {@code permissions} in the default organization. */
export function AsUser({ permissions, children, route = '/' }: { permissions: string[]; children: ReactNode; route?: string }) {
  const me: Me = {
    user: {
      id: 'u1', username: 'ada', displayName: 'Ada', email: null, kind: 'human', source: null, disabled: false,
      createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null, roles: [],
    },
    permissions: { default: permissions },
  };
  const session = { me, expiresAt: new Date(Date.now() + 3_600_000), ...permissionCheck(me.permissions), logout: async () => {} };
  return (
    <SessionContext.Provider value={{ session, ended: null, loading: false, signIn: async () => {} }}>
      <MemoryRouter initialEntries={[route]}>{children}</MemoryRouter>
    </SessionContext.Provider>
  );
}

/** A stand-in for the server in component tests: answers by path, records every request. */
export function fakeServer(answer: (url: URL) => { status?: number; body: unknown }) {
  const requests: URL[] = [];
  const fetchStub = async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://localhost');
    requests.push(url);
    const { status = 200, body } = answer(url);
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
    });
  };
  return { fetchStub, requests };
}
