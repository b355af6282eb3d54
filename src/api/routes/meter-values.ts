// A charge point's meter readings that belong to no session: connector 0's grid meter, an idle
// connector's register, readings sent for a transaction nobody knows. They are stored as any
// other (MOBI.E: measurements reach the central system unaltered), and this is where an operator
// or an auditor reads them back. A session's own readings are read with the session
// (GET /transactions/{id}); docs/METERING.md says why this list holds only the others.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { missing, periodOrBadRequest } from '../errors.js';
import { ChargePointId, ErrorBody, MeterSample, StoredConnectorId } from '../schemas.js';

const SessionlessSamples = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer({ description: 'Arrival order among all readings; pass the last one of a page as afterId for the next' }),
      transactionId: Type.Null({ description: 'Always null: these readings belong to no session' }),
      ...MeterSample.properties,
    }),
  ),
});

const SessionlessSampleQuery = Type.Object(
  {
    connectorId: Type.Optional(StoredConnectorId),
    measurand: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'One measurand only, as stored (Energy.Active.Import.Register when the charge point named none)' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: "Readings stamped at or after this instant (the reading's own timestamp)" })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Readings stamped before this instant' })),
    // Bounded as the id column is (a 64-bit integer read as a number).
    afterId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'The id of the last reading of the previous page' })),
    order: Type.Optional(
      Type.Union([Type.Literal('oldest'), Type.Literal('newest')], {
        default: 'oldest',
        description: 'oldest: oldest first by their timestamp (a walk through a period); newest: the latest first (what the meter says now)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export async function meterValueRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Params: { id: string }; Querystring: Static<typeof SessionlessSampleQuery> }>('/charge-points/:id/meter-values', {
    config: { access: { level: 'read', resource: { kind: 'chargePoint', param: 'id' } } },
    schema: {
      tags: ['charge points'],
      summary: "A charge point's meter readings outside any session, as stored, oldest first by their timestamp (or newest first), a page at a time (connectorId, measurand, from, to, afterId, order, limit)",
      params: Type.Object({ id: ChargePointId }),
      querystring: SessionlessSampleQuery,
      response: { 200: SessionlessSamples, 400: ErrorBody, 404: ErrorBody },
    },
    handler: async (request) => {
      const cp = await domain.views.chargePoint(request.params.id);
      if (!cp) throw missing('chargePoint', request.params.id);
      const { connectorId, measurand, afterId, order, limit } = request.query;
      const { from, to } = periodOrBadRequest(request.query.from, request.query.to);
      return { items: await domain.views.sessionlessSamples(cp.id, { connectorId, measurand, from, to, afterId, newestFirst: order === 'newest', limit: limit ?? 100 }) };
    },
  });
}
