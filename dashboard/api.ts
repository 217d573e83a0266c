// Talking to the admin listener: the token (kept in sessionStorage), JSON
// calls, and /api/events read with fetch and a stream reader — EventSource
// cannot send an Authorization header.
const TOKEN_KEY = 'fairway.adminToken';

export class Unauthorized extends Error {}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage may be off (private mode); the token then lasts for this page only.
  }
}

function headers(token: string | null, json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  if (token !== null) h['authorization'] = `Bearer ${token}`;
  return h;
}

/** A JSON call; throws Unauthorized on 401 and ApiError with the server's message otherwise. */
export async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(token, body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await res.text();
  let value: unknown = null;
  try {
    value = text === '' ? null : JSON.parse(text);
  } catch {
    value = { message: text };
  }
  if (res.status === 401) throw new Unauthorized('the admin token was refused');
  if (!res.ok) {
    const message = (value as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return value as T;
}

export interface StreamHandlers {
  onOpen(): void;
  onEvent(event: string, data: unknown): void;
}

/**
 * Reads Server-Sent Events from `path` until the stream ends, the signal
 * aborts, or nothing arrives for `staleMs` (the server sends a snapshot every
 * second). Resolves when the stream ends; rejects on errors.
 */
export async function readEvents(path: string, token: string | null, signal: AbortSignal, handlers: StreamHandlers, staleMs = 5_000): Promise<void> {
  const stale = new AbortController();
  const onAbort = () => stale.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let timer = setTimeout(() => stale.abort(), staleMs);
  try {
    const res = await fetch(path, { headers: { ...headers(token, false), accept: 'text/event-stream' }, signal: stale.signal, cache: 'no-store' });
    if (res.status === 401) throw new Unauthorized('the admin token was refused');
    if (!res.ok || res.body === null) throw new ApiError(res.status, `events: HTTP ${res.status}`);
    handlers.onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      clearTimeout(timer);
      timer = setTimeout(() => stale.abort(), staleMs);
      buffer += value.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length === 0) continue;
        try {
          handlers.onEvent(event, JSON.parse(data.join('\n')));
        } catch (err) {
          // A frame the page cannot read is skipped, not fatal.
          console.warn('fairway dashboard: skipped an event', event, err);
        }
      }
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
