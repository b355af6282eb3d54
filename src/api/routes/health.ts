// Probes and metrics, without a token: /health (the process answers), /ready (it can do its work:
// the store answers and the OCPP listeners accept connections) and /metrics (Prometheus text).
// Metrics carry counts only (no charge point, operator or tag names), which is why they may be
// scraped without a token; keep the operator port off the public internet all the same.
import type { FastifyInstance } from 'fastify';
import { EXPOSITION_CONTENT_TYPE } from '../../metrics/exposition.js';
import type { TomadaMetrics } from '../../metrics/tomada.js';

/** Named checks, each true when that part is ready. */
export type Readiness = () => Promise<Record<string, boolean>>;

export async function healthRoutes(app: FastifyInstance, { metrics, readiness }: { metrics: TomadaMetrics | undefined; readiness: Readiness | undefined }) {
  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const checks = readiness ? await readiness() : {};
    const ready = Object.values(checks).every(Boolean);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = metrics ? await metrics.registry.render() : '';
    return reply.header('content-type', EXPOSITION_CONTENT_TYPE).send(text);
  });
}
