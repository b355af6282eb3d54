// A charge point's recent frames from the journal, raw as they travelled: what the dashboard's
// charge point page shows to explain what a charge point said and what it was told.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { missing } from '../errors.js';
import { ChargePointId, ErrorBody } from '../schemas.js';

const FrameList = Type.Object({
  items: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      at: Type.String({ format: 'date-time' }),
      direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
      protocol: Type.String(),
      encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
      frame: Type.String(),
    }),
  ),
});
const FrameQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false });

export async function frameRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Params: { id: string }; Querystring: Static<typeof FrameQuery> }>('/charge-points/:id/frames', {
    config: { access: { level: 'read', resource: { kind: 'chargePoint', param: 'id' } } },
    schema: {
      tags: ['charge points'],
      summary: "A charge point's latest journaled frames, newest first",
      params: Type.Object({ id: ChargePointId }),
      querystring: FrameQuery,
      response: { 200: FrameList, 400: ErrorBody, 404: ErrorBody },
    },
    handler: async (request) => {
      const cp = await domain.views.chargePoint(request.params.id);
      if (!cp) throw missing('chargePoint', request.params.id);
      return { items: await domain.views.recentFrames(cp.id, request.query.limit ?? 50) };
    },
  });
}
