import { SseParser, type SseEvent } from './sse';

/** An RFC 9457 problem the server answered with (or one made up for a network failure). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail || title);
  }
}

/** What a person reads when a call fails: the server's own detail, framed by what the status means. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const lead: Record<number, string> = {
      0: 'The server could not be reached',
      400: 'The request was not accepted',
      401: 'Your session has ended; sign in again',
      403: 'You do not have permission for this',
      404: 'Not found',
      409: 'This conflicts with what exists',
      422: 'This cannot be done',
      429: 'Too many attempts; wait a little',
      503: 'The server is not ready',
    };
    const head = lead[e.status] ?? (e.status >= 500 ? 'The server failed' : e.title || 'Request failed');
    return e.detail && e.detail !== head ? `${head}: ${e.detail}` : head;
  }
  return e instanceof Error ? e.message : String(e);
}

const STORAGE_KEY = 'octofleet.session';

export interface StoredSession {
  token: string;
  expiresAt: string;
}

export function storedSession(): StoredSession | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) {
    return null;
  }
  try {
    const s = JSON.parse(raw) as StoredSession;
    return new Date(s.expiresAt).getTime() > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function storeSession(s: StoredSession | null) {
  if (s) {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  } else {
    sessionStorage.removeItem(STORAGE_KEY);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called whenever the server answers 401 to a signed-in call: the session is over. */
export function onUnauthorized(l: Listener): () => void {
  unauthorizedListeners.add(l);
  return () => unauthorizedListeners.delete(l);
}

function headers(json: boolean): Headers {
  const h = new Headers({ Accept: 'application/json' });
  if (json) {
    h.set('Content-Type', 'application/json');
  }
  const s = storedSession();
  if (s) {
    h.set('Authorization', `Bearer ${s.token}`);
  }
  return h;
}

async function problemOf(res: Response): Promise<ApiError> {
  let body: { type?: string; title?: string; detail?: string } = {};
  try {
    body = await res.json();
  } catch {
    // not a problem document
  }
  const type = (body.type ?? '').split('/').pop() ?? '';
  if (res.status === 401 && storedSession()) {
    unauthorizedListeners.forEach((l) => l());
  }
  return new ApiError(res.status, type, body.title ?? res.statusText, body.detail ?? '');
}

async function send(method: string, path: string, body?: unknown, signal?: AbortSignal, accept?: string): Promise<Response> {
  const h = headers(body !== undefined);
  if (accept) {
    h.set('Accept', accept);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') {
      throw e;
    }
    throw new ApiError(0, 'network', 'Network error', 'check that the server is running and reachable');
  }
  if (!res.ok) {
    throw await problemOf(res);
  }
  return res;
}

/** A JSON call; resolves to the parsed body (undefined for 204). */
export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await send(method, path, body, signal);
  if (res.status === 204) {
    return undefined as T;
  }
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T,>(path: string, signal?: AbortSignal) => api<T>('GET', path, undefined, signal);

/** A text/plain read, with its headers (job output). */
export async function getText(path: string, signal?: AbortSignal): Promise<{ text: string; headers: Headers }> {
  const res = await send('GET', path, undefined, signal, 'text/plain, application/problem+json');
  return { text: await res.text(), headers: res.headers };
}

/** Builds a query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') {
      p.set(k, String(v));
    }
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * Reads a text/event-stream with the bearer token (EventSource cannot send one) until the stream ends or
 * {@code signal} aborts; every event goes to {@code onEvent}.
 */
export async function streamEvents(path: string, onEvent: (e: SseEvent) => void, signal: AbortSignal): Promise<void> {
  const h = headers(false);
  h.set('Accept', 'text/event-stream');
  let res: Response;
  try {
    res = await fetch(path, { headers: h, signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') {
      return;
    }
    throw new ApiError(0, 'network', 'Network error', 'the live stream could not connect');
  }
  if (!res.ok || !res.body) {
    throw await problemOf(res);
  }
  const parser = new SseParser();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      parser.push(value).forEach(onEvent);
    }
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') {
      return;
    }
    throw e;
  }
}
