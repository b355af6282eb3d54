// GET /api/v1/stream: the dashboard's live updates as server-sent events (text/event-stream).
// It is an ordinary API route behind the same bearer token: the dashboard reads it with fetch()
// and a stream reader, which can send the Authorization header that EventSource cannot, so the
// token never has to travel in a URL (where proxies and browser history would keep it).
//
// Events: `chargePoint` (a charge point as GET /charge-points/{id} returns it) and `transaction`
// (a transaction as listed by GET /transactions), first one for everything current, then one per
// change; `ready` once that first state is sent. A comment line every 15 s keeps proxies from
// closing an idle stream.
import type { FastifyInstance } from 'fastify';
import { inScope } from '../../domain/access.js';
import type { FeedListener, FeedMessage, LiveFeed } from '../live-feed.js';

const KEEPALIVE_MS = 15_000;

export async function streamRoutes(app: FastifyInstance, { feed }: { feed: LiveFeed }) {
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
      const listener: FeedListener = {
        // The token's scope, as on every list: an operator sees its own charge points' changes.
        visible: (_id, operator) => inScope(request.scope, operator),
        send: (message: FeedMessage, json: string) => res.write(`event: ${message.type}\ndata: ${json}\n\n`),
      };
      let unsubscribe: (() => void) | undefined;
      let ended = false;
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
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
