// GET /api/v1/stream: the dashboard's live updates as server-sent events (text/event-stream).
// It is an ordinary API route behind the same bearer token: the dashboard reads it with fetch()
// and a stream reader, which can send the Authorization header that EventSource cannot, so the
// token never has to travel in a URL (where proxies and browser history would keep it).
//
// Events: `chargePoint` (a charge point as GET /charge-points/{id} returns it) and `transaction`
// (a transaction as listed by GET /transactions), first one for everything current, then one per
// change; `chargePointRemoved` ({id}) when a charge point this token could see is no longer its to
// see (given to another operator, or removed), with its transactions; `ready` once that first
// state is sent. A comment line every 15 s keeps proxies from closing an idle stream. A stream
// lasts no longer than its token: it is checked again while the stream runs, and a revoked or
// expired one ends it with an `error` event. A client that takes gzip gets the stream compressed,
// flushed as events are written (the first state of a large network is megabytes of JSON that
// compresses many times over).
import { pipeline } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { inScope } from '../../domain/access.js';
import { bearerToken } from '../access.js';
import { HttpError } from '../errors.js';
import type { ApiTokens } from '../../domain/api-tokens.js';
import type { FeedListener, FeedMessage, LiveFeed } from '../live-feed.js';
import { ErrorBody } from '../schemas.js';

const KEEPALIVE_MS = 15_000;
/**
 * How often the token is checked again, at most: with each change sent (at most once this often)
 * and each keepalive. A revoked or expired token's stream (on any node) ends within this of its
 * next change, and within KEEPALIVE_MS when nothing changes.
 */
const TOKEN_CHECK_MS = 1_000;

/**
 * How long a stopping node lets a stream's last bytes go out before it cuts the connection. The
 * server closes only the connections idle when it starts closing; a compressed stream ends a
 * moment later, and its connection would wait out its keep-alive (5 s), or for ever for a client
 * that does not read.
 */
const STOP_GRACE_MS = 500;

/**
 * How far behind a client may fall after its first state, in characters written and not yet
 * taken by it. Every event is written whether the client reads or not, so a client that stops
 * reading and keeps its connection open (a laptop asleep behind a NAT that keeps the socket, or a
 * token holder who means harm) had the node keep every change of the network for it, without
 * bound, until the node ran out of memory. Past this its stream is cut; a dashboard reconnects
 * (`retry`) and reads a fresh first state, which a client that far behind needs anyway.
 */
export const MAX_BEHIND = 16 * 1024 * 1024;

/**
 * Whether an Accept-Encoding header takes gzip: named (or as x-gzip) with a weight above 0, or
 * not named and `*` is, with a weight above 0 (RFC 9110, 12.5.3).
 */
export function acceptsGzip(header: string | undefined): boolean {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding === '') continue;
    const q = params.find((p) => p.startsWith('q='));
    weights.set(coding === 'x-gzip' ? 'gzip' : coding, q === undefined ? 1 : Number(q.slice(2)) || 0);
  }
  return (weights.get('gzip') ?? weights.get('*') ?? 0) > 0;
}

/**
 * Streams one token may hold open at once on a node. Each new stream is sent the whole state it
 * may see, the node's main thread busy for most of a second at 13,000 charge points (docs/DASHBOARD.md),
 * and a token could open them without end: the charge points of the node waited meanwhile. A
 * wall of dashboards shares a token; past this many, 429.
 */
export const MAX_STREAMS_PER_TOKEN = 20;

export interface StreamOptions {
  feed: Pick<LiveFeed, 'subscribe' | 'stop'>;
  apiTokens: Pick<ApiTokens, 'check'>;
  /** MAX_BEHIND, smaller in tests. */
  maxBehind?: number;
  /** MAX_STREAMS_PER_TOKEN, smaller in tests. */
  maxPerToken?: number;
}

export async function streamRoutes(app: FastifyInstance, { feed, apiTokens, maxBehind = MAX_BEHIND, maxPerToken = MAX_STREAMS_PER_TOKEN }: StreamOptions) {
  const open = new Set<(stopping?: boolean) => Promise<void>>();
  /** Streams open, by the id of their token. */
  const perToken = new Map<string, number>();
  // Streams never end by themselves: end them, or closing the server would wait forever.
  app.addHook('preClose', async () => {
    await Promise.all([...open].map((end) => end(true)));
    feed.stop();
  });

  app.get('/stream', {
    // A HEAD would subscribe and hold a stream whose headers never go out (nothing is written to
    // a HEAD's body, and they leave with the first write): it is a 405 instead.
    exposeHeadRoute: false,
    config: { access: { level: 'read' } },
    schema: {
      tags: ['dashboard'],
      summary: 'Live changes of charge points and transactions (text/event-stream)',
      description: 'Server-sent events `chargePoint`, `transaction`, `chargePointRemoved` ({id}: no longer yours to see) and `ready`; send Authorization: Bearer TOKEN like every route.',
      response: { 200: { description: 'The events, for as long as the stream lasts', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 429: ErrorBody },
    },
    handler: async (request, reply) => {
      const tokenId = request.apiToken?.id ?? '';
      const held = perToken.get(tokenId) ?? 0;
      if (held >= maxPerToken) throw new HttpError(429, 'TooManyRequests', `This token has ${maxPerToken} live streams open on this node already; close one first`);
      perToken.set(tokenId, held + 1);
      reply.hijack();
      const res = reply.raw;
      const gzip = acceptsGzip(request.headers['accept-encoding']) ? createGzip() : undefined;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
        ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
      });
      // A client gone, or a failure of either, destroys both and ends the stream.
      if (gzip) pipeline(gzip, res, () => void end());
      // What the current turn writes goes out in one write when it is done, compressed and
      // flushed: the first state is thousands of events, and a gzip write for each (flushed once a
      // turn) made a 13,000-charge-point first state cost the main thread about 0.2 s more than
      // plain text (docs/DASHBOARD.md, "What a new dashboard downloads").
      let queued: string[] = [];
      const write = (text: string) => {
        queued.push(text);
        if (queued.length === 1) setImmediate(send);
      };
      /** Characters of the first state, up to `ready`; then the limit is that and maxBehind more. */
      let firstState = 0;
      let limit = Infinity;
      /** What the client has not taken yet: in the response, and in gzip before it (compressed or not). */
      const unsent = () => res.writableLength + (gzip ? gzip.writableLength + gzip.readableLength : 0);
      const send = () => {
        const out = gzip ?? res;
        if (queued.length === 0 || out.destroyed || out.writableEnded) return;
        const text = queued.join('');
        queued = [];
        if (limit === Infinity) firstState += text.length;
        out.write(text);
        gzip?.flush(constants.Z_SYNC_FLUSH);
        if (unsent() > limit) {
          request.log.warn({ tokenId: request.apiToken?.id, unsent: unsent(), limit }, 'live stream cut: its client has stopped reading');
          res.destroy();
          gzip?.destroy();
          void end();
        }
      };
      write('retry: 3000\n\n');
      // Present: the access hook let the request through with it.
      const token = bearerToken(request) ?? '';
      let checkedAt = Date.now();
      let checking = false;
      // Revoked or expired meanwhile: the stream ends. A failed read (the database away) leaves it open.
      const checkToken = () => {
        if (checking || Date.now() - checkedAt < TOKEN_CHECK_MS) return;
        checking = true;
        apiTokens
          .check(token)
          .then(
            (checked) => {
              checkedAt = Date.now();
              if ('principal' in checked) return;
              write(`event: error\ndata: ${JSON.stringify({ error: 'Unauthorized', message: checked.refused === 'unknown' ? 'The token was revoked' : checked.message })}\n\n`);
              void end();
            },
            () => undefined,
          )
          .finally(() => (checking = false));
      };
      const listener: FeedListener = {
        // The token's scope, as on every list: an operator sees its own charge points' changes.
        visible: (_id, operator) => inScope(request.scope, operator),
        send: (message: FeedMessage, json: string) => {
          write(`event: ${message.type}\ndata: ${json}\n\n`);
          checkToken();
        },
      };
      let unsubscribe: (() => void) | undefined;
      let ended = false;
      const keepalive = setInterval(() => {
        write(': keepalive\n\n');
        checkToken();
      }, KEEPALIVE_MS);
      const end = async (stopping = false): Promise<void> => {
        if (!ended) {
          ended = true;
          const left = (perToken.get(tokenId) ?? 1) - 1;
          if (left === 0) perToken.delete(tokenId);
          else perToken.set(tokenId, left);
          clearInterval(keepalive);
          unsubscribe?.();
          open.delete(end);
          // What this turn wrote (a last error event) goes before the end.
          send();
          // Compressed, the end goes through gzip, which ends the response once it has written its
          // last block (pipeline); after a client has gone, both are destroyed already.
          if (!gzip) res.end();
          else if (!gzip.destroyed) gzip.end();
        }
        if (!stopping || res.destroyed) return;
        // The node stops: once the last bytes are out, or after a grace, the connection goes too.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(grace);
            res.destroy();
            resolve();
          };
          const grace = setTimeout(done, STOP_GRACE_MS);
          if (res.writableFinished) done();
          else res.once('finish', done).once('close', done);
        });
      };
      open.add(end);
      // The response's close, not the request's: a request closes once it is read.
      res.once('close', () => void end());
      try {
        const remove = await feed.subscribe(listener);
        if (ended) remove();
        else unsubscribe = remove;
      } catch (error) {
        request.log.error({ err: error }, 'live stream could not start');
        write(`event: error\ndata: ${JSON.stringify({ error: 'InternalError', message: 'The live stream could not start' })}\n\n`);
        void end();
        return;
      }
      if (!ended) {
        write('event: ready\ndata: {}\n\n');
        // Once the first state has gone into the response, with what was written before it.
        setImmediate(() => (limit = firstState + maxBehind));
      }
    },
  });
}
