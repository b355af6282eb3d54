// A client of the dashboard's live stream (GET /api/v1/stream) for tests: every event it was
// sent, parsed, and a wait for one that matches.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { ADMIN_TOKEN, type TestTomada } from './tomada.js';

/**
 * Reads server-sent events from GET /api/v1/stream, asking for gzip as browsers do. Over node:http,
 * not fetch: a fetch aborted mid-stream kept its socket for undici's keep-alive (4 s), and the
 * server's close waited for it, in every test that opened a stream.
 */
export function openStream(t: TestTomada, token = ADMIN_TOKEN) {
  const events: { type: string; data: any }[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  let request: ClientRequest | undefined;
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    request = httpRequest(`${t.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } }, resolve);
    request.once('error', reject);
    request.end();
  });
  const response = answer.then((res) => ({ status: res.statusCode ?? 0, headers: { get: (name: string) => (res.headers[name.toLowerCase()] as string | undefined) ?? null } }));
  const reading = (async () => {
    const res = await answer.catch(() => undefined);
    if (!res) return;
    const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, data: JSON.parse(data) });
          for (const w of [...waiters]) if (w.check()) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
        }
      }
    } catch {
      // closed
    }
  })();
  return {
    response,
    events,
    reading,
    /** Resolves with the first event (from the start of the stream) that matches. */
    waitFor(type: string, match: (data: any) => boolean = () => true, timeoutMs = 15_000): Promise<any> {
      const find = () => events.find((e) => e.type === type && match(e.data))?.data;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} event matched within ${timeoutMs} ms; got ${events.map((e) => e.type).join(',')}`)), timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve(find());
        };
        if (find() !== undefined) done();
        else waiters.push({ check: () => find() !== undefined, resolve: done });
      });
    },
    close: () => request?.destroy(),
  };
}
