// @ts-check
// Talking to Tomada's operator API: the token kept for this browser tab (sessionStorage: it is
// gone when the tab closes), JSON requests with `Authorization: Bearer`, and the live stream.

const TOKEN_KEY = 'tomada.token';

export class ApiError extends Error {
  /** @param {number} status @param {string} error @param {string} message */
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  /** @param {string} value */
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when the server refuses the token (revoked, or the server's database changed). */
let onUnauthorized = () => {};
/** @param {() => void} handler */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** @param {string} [value] */
function headers(value = token.get() ?? '') {
  return { authorization: `Bearer ${value}` };
}

/**
 * A request to /api/v1; resolves to the parsed answer, throws ApiError with the server's own
 * `{error, message}`.
 * @param {string} path like "/charge-points"
 * @param {{ method?: string, body?: unknown, token?: string }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const init = /** @type {RequestInit & { headers: Record<string, string> }} */ ({ method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers: headers(options.token) });
  if (options.body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, 'Unreachable', 'Tomada does not answer: is it running?');
  }
  if (response.status === 401 && options.token === undefined) onUnauthorized();
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const error = body && typeof body === 'object' ? body : { error: response.statusText, message: String(body || response.statusText) };
    throw new ApiError(response.status, error.error ?? 'Error', error.message ?? response.statusText);
  }
  return body;
}

/** The text of a non-JSON answer (the printable validation report). @param {string} path */
export async function apiText(path) {
  const response = await fetch(`/api/v1${path}`, { headers: headers() });
  if (response.status === 401) onUnauthorized();
  if (!response.ok) throw new ApiError(response.status, response.statusText, `${response.status} ${response.statusText}`);
  return response.text();
}

/** A query string from the values that are set. @param {Record<string, string | number | boolean | undefined | null>} params */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Follows GET /api/v1/stream (server-sent events) with fetch, which, unlike EventSource, sends
 * the Authorization header. Reconnects by itself after a lost connection; each (re)connection
 * starts with the full current state, so nothing missed while away stays missed.
 * @param {(type: string, data: any) => void} onEvent
 * @param {(connected: boolean) => void} onConnection
 * @returns {() => void} stops following
 */
export function follow(onEvent, onConnection) {
  let stopped = false;
  let controller = new AbortController();
  let retryMs = 1000;

  async function connect() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch('/api/v1/stream', { headers: headers(), signal: controller.signal });
        if (response.status === 401) {
          onUnauthorized();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
        onConnection(true);
        retryMs = 1000;
        await read(response.body, onEvent);
      } catch {
        // Lost or refused: try again below.
      }
      if (stopped) return;
      onConnection(false);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, 15000);
    }
  }
  void connect();
  return () => {
    stopped = true;
    controller.abort();
  };
}

/** Splits a text/event-stream into events (blank-line separated `event:` and `data:` lines). @param {ReadableStream<Uint8Array>} body @param {(type: string, data: any) => void} onEvent */
async function read(body, onEvent) {
  const reader = body.pipeThrough(/** @type {TransformStream<Uint8Array, string>} */ (new TextDecoderStream())).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      try {
        onEvent(type, JSON.parse(data.join('\n')));
      } catch {
        // Not JSON: not one of ours.
      }
    }
  }
}

/**
 * An error in words; a route this server does not have (an older Tomada) is named as such.
 * @param {unknown} error @param {string} route like "GET /api/v1/events"
 */
export function describeError(error, route) {
  if (error instanceof ApiError && error.status === 404 && /^No route/.test(error.message)) return `This Tomada does not offer ${route}.`;
  return /** @type {Error} */ (error).message;
}
