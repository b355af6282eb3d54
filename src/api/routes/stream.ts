// GET /api/v1/stream: the dashboard's live updates as server-sent events (text/event-stream).
// It is an ordinary API route behind the same bearer token: the dashboard reads it with fetch()
// and a stream reader, which can send the Authorization header that EventSource cannot, so the
// token never has to travel in a URL (where proxies and browser history would keep it).
//
// Events: `chargePoint` (a charge point as GET /charge-points/{id} returns it) and `transaction`
// (a transaction as listed by GET /transactions), first one for everything current, then one per
// change; `ready` once that first state is sent. A comment line every 15 s keeps proxies from
// closing an idle stream. A stream lasts no longer than its token: it is checked again while the
// stream runs, and a revoked one ends it with an `error` event.
import type { FastifyInstance } from 'fastify';
import { inScope } from '../../domain/access.js';
import { bearerToken } from '../access.js';
import type { ApiTokens } from '../../domain/api-tokens.js';
import type { FeedListener, FeedMessage, LiveFeed } from '../live-feed.js';

const KEEPALIVE_MS = 15_000;
/**
 * How often the token is checked again, at most: with each change sent (at most once this often)
 * and each keepalive. A revoked token's stream (on any node) ends within this of its next change,
 * and within KEEPALIVE_MS when nothing changes.
 */
const TOKEN_CHECK_MS = 1_000;

export async function streamRoutes(app: FastifyInstance, { feed, apiTokens }: { feed: LiveFeed; apiTokens: ApiTokens }) {
  const open = new Set<() => void>();
  // Streams never end by themselves: end them, or closing the server would wait forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    feed.stop();
  });

  app.get('/stream', {
    config: { access: { level: 'read' } },
    schema: {
      tags: ['dashboard'],
      summary: 'Live changes of charge points and transactions (text/event-stream)',
      description: 'Server-sent events `chargePoint`, `transaction` and `ready`; send Authorization: Bearer TOKEN like every route.',
    },
    handler: async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.write('retry: 3000\n\n');
      // Present: the access hook let the request through with it.
      const token = bearerToken(request) ?? '';
      let checkedAt = Date.now();
      let checking = false;
      // Revoked meanwhile: the stream ends. A failed read (the database away) leaves it open.
      const checkToken = () => {
        if (checking || Date.now() - checkedAt < TOKEN_CHECK_MS) return;
        checking = true;
        apiTokens
          .verify(token)
          .then(
            (principal) => {
              checkedAt = Date.now();
              if (principal) return;
              res.write(`event: error\ndata: ${JSON.stringify({ error: 'Unauthorized', message: 'The token was revoked' })}\n\n`);
              end();
            },
            () => undefined,
          )
          .finally(() => (checking = false));
      };
      const listener: FeedListener = {
        // The token's scope, as on every list: an operator sees its own charge points' changes.
        visible: (_id, operator) => inScope(request.scope, operator),
        send: (message: FeedMessage, json: string) => {
          res.write(`event: ${message.type}\ndata: ${json}\n\n`);
          checkToken();
        },
      };
      let unsubscribe: (() => void) | undefined;
      let ended = false;
      const keepalive = setInterval(() => {
        res.write(': keepalive\n\n');
        checkToken();
      }, KEEPALIVE_MS);
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(keepalive);
        unsubscribe?.();
        open.delete(end);
        res.end();
      };
      open.add(end);
      // The response's close, not the request's: a request closes once it is read.
      res.once('close', end);
      try {
        const remove = await feed.subscribe(listener);
        if (ended) remove();
        else unsubscribe = remove;
      } catch (error) {
        request.log.error({ err: error }, 'live stream could not start');
        res.write(`event: error\ndata: ${JSON.stringify({ error: 'InternalError', message: 'The live stream could not start' })}\n\n`);
        end();
        return;
      }
      if (!ended) res.write('event: ready\ndata: {}\n\n');
    },
  });
}
