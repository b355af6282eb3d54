// A session's energy over time (the dashboard's chart), computed by the same rules as its total.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { energySeries } from '../../domain/energy-series.js';
import { missing } from '../errors.js';
import { ErrorBody, TransactionId } from '../schemas.js';

const EnergySeries = Type.Object({
  transactionId: Type.Integer(),
  active: Type.Boolean(),
  points: Type.Array(Type.Object({ at: Type.String({ format: 'date-time' }), energyWh: Type.Integer() })),
});

export async function energyRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Params: { id: number } }>('/transactions/:id/energy', {
    config: { access: { level: 'read', resource: { kind: 'transaction', param: 'id' } } },
    schema: {
      tags: ['transactions'],
      summary: "A transaction's delivered energy (Wh) at each instant it was sampled",
      params: Type.Object({ id: TransactionId }),
      response: { 200: EnergySeries, 404: ErrorBody },
    },
    handler: async (request) => {
      const tx = await domain.views.transaction(request.params.id);
      if (!tx) throw missing('transaction', request.params.id);
      return { transactionId: tx.id, active: tx.stoppedAt === null, points: energySeries(tx, tx.meterValues) };
    },
  });
}
