// A charge point's connector status history: every StatusNotification it sent, as stored, late
// (offline) ones included, newest first. What an operator reads to see when a connector went
// Faulted, with which error code and vendor code, and when it came back.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { missing } from '../errors.js';
import { ChargePointId, ConnectorStatusText, ErrorBody, NullableGivenTime, StoredConnectorId } from '../schemas.js';

const NullableText = Type.Union([Type.String(), Type.Null()]);

const StatusHistory = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer({ description: 'Arrival order; pass the last one as beforeId for the next page' }),
      connectorId: Type.Integer(),
      status: ConnectorStatusText,
      errorCode: Type.String(),
      info: NullableText,
      vendorId: NullableText,
      vendorErrorCode: NullableText,
      reportedAt: Type.Union(NullableGivenTime.anyOf, { description: "The charge point's own time of the status, if it gave one" }),
      receivedAt: Type.String({ format: 'date-time' }),
    }),
  ),
});

const StatusHistoryQuery = Type.Object(
  {
    // The id bounded as its column is (a 64-bit integer read as a number), as the connector is.
    connectorId: Type.Optional(StoredConnectorId),
    beforeId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Entries older than this id: the last id of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

export async function statusHistoryRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Params: { id: string }; Querystring: Static<typeof StatusHistoryQuery> }>('/charge-points/:id/status-history', {
    config: { access: { level: 'read', resource: { kind: 'chargePoint', param: 'id' } } },
    schema: {
      tags: ['charge points'],
      summary: "A charge point's connector status reports as they arrived, newest first, a page at a time (connectorId, beforeId, limit)",
      params: Type.Object({ id: ChargePointId }),
      querystring: StatusHistoryQuery,
      response: { 200: StatusHistory, 400: ErrorBody, 404: ErrorBody },
    },
    handler: async (request) => {
      const { connectorId, beforeId, limit } = request.query;
      const cp = await domain.views.chargePoint(request.params.id);
      if (!cp) throw missing('chargePoint', request.params.id);
      return { items: await domain.views.statusHistory(cp.id, { connectorId, beforeId, limit: limit ?? 50 }) };
    },
  });
}
