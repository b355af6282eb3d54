// The four operator commands, answered with the charge point's own status word.
import type { FastifyInstance } from 'fastify';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import type { Command } from '../../domain/model.js';
import { ChargePointId, CommandAnswer, ErrorBody, RemoteStartBody, RemoteStopBody, ResetBody, UnlockBody } from '../schemas.js';

export async function commandRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  function route<B extends TSchema>(path: string, summary: string, body: B, toCommand: (body: Static<B>) => Command) {
    app.post<{ Params: { id: string }; Body: Static<B> }>(`/charge-points/:id/commands/${path}`, {
      config: { access: { level: 'write', resource: { kind: 'chargePoint', param: 'id' } } },
      schema: {
        tags: ['commands'],
        summary,
        params: Type.Object({ id: ChargePointId }),
        body,
        response: { 200: CommandAnswer, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 504: ErrorBody },
      },
      handler: async (request) => domain.commands.send(request.params.id, toCommand(request.body)),
    });
  }
  route('remote-start', 'RemoteStartTransaction', RemoteStartBody, (b) => ({ kind: 'remoteStart', idTag: b.idTag, connectorId: b.connectorId }));
  route('remote-stop', 'RemoteStopTransaction', RemoteStopBody, (b) => ({ kind: 'remoteStop', transactionId: b.transactionId }));
  route('reset', 'Reset', ResetBody, (b) => ({ kind: 'reset', type: b.type }));
  route('unlock', 'UnlockConnector', UnlockBody, (b) => ({ kind: 'unlock', connectorId: b.connectorId }));
}
