// Charge point registry: list, read, register or edit.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import type { ChargePointView } from '../../domain/views.js';
import { missing } from '../errors.js';
import { ChargePointId, ChargePointList, ChargePointPut, ChargePointQuery, ErrorBody } from '../schemas.js';

export function chargePointBody(cp: ChargePointView) {
  return {
    id: cp.id,
    connected: cp.connected,
    ...(cp.node === undefined ? {} : { node: cp.node }),
    ocppVersion: cp.ocppVersion,
    transport: cp.transport,
    soapEndpoint: cp.soapEndpoint,
    soapEndpointSetByAdministrator: cp.soapEndpointSetByAdministrator,
    securityProfile: cp.securityProfile,
    allowedSources: cp.allowedSources,
    meterPublicKey: cp.meterPublicKey,
    declaredOcppVersion: cp.declaredOcppVersion,
    declaredTransport: cp.declaredTransport,
    softwareValidated: cp.softwareValidated,
    vendor: cp.vendor,
    model: cp.model,
    firmwareVersion: cp.firmwareVersion,
    serialNumber: cp.chargePointSerialNumber,
    chargeBoxSerialNumber: cp.chargeBoxSerialNumber,
    meterType: cp.meterType,
    meterSerialNumber: cp.meterSerialNumber,
    iccid: cp.iccid,
    imsi: cp.imsi,
    registrationStatus: cp.registrationStatus,
    operator: cp.operator,
    connection: cp.connection,
    lenient: cp.lenient,
    passwordSet: cp.passwordHash !== null,
    lastSeenAt: cp.lastSeenAt,
    lastBootAt: cp.lastBootAt,
    connectors: cp.connectors.map((c) => ({ connectorId: c.connectorId, status: c.status, errorCode: c.errorCode, info: c.info, updatedAt: c.updatedAt })),
  };
}

const IdParams = Type.Object({ id: ChargePointId });

export async function chargePointRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Querystring: ChargePointQuery }>('/charge-points', {
    config: { access: { level: 'read', items: { kind: 'chargePoint', field: 'id' } } },
    schema: {
      tags: ['charge points'],
      summary: 'List charge points by id: all, or a page (limit, afterId)',
      querystring: ChargePointQuery,
      response: { 200: ChargePointList, 400: ErrorBody },
    },
    handler: async (request) => {
      const { afterId, limit } = request.query;
      return { items: (await domain.views.chargePoints({ ...request.scope, afterId, limit })).map(chargePointBody) };
    },
  });

  app.get<{ Params: { id: string } }>('/charge-points/:id', {
    config: { access: { level: 'read', resource: { kind: 'chargePoint', param: 'id' } } },
    schema: { tags: ['charge points'], summary: 'Read a charge point', params: IdParams, response: { 200: Type.Ref('ChargePoint'), 404: ErrorBody } },
    handler: async (request) => {
      const cp = await domain.views.chargePoint(request.params.id);
      if (!cp) throw missing('chargePoint', request.params.id);
      return chargePointBody(cp);
    },
  });

  app.put<{ Params: { id: string }; Body: ChargePointPut }>('/charge-points/:id', {
    config: { access: { level: 'write', resource: { kind: 'chargePoint', param: 'id' } } },
    schema: {
      tags: ['charge points'],
      summary: 'Register a charge point or change its settings',
      params: IdParams,
      body: ChargePointPut,
      response: { 200: Type.Ref('ChargePoint'), 201: Type.Ref('ChargePoint'), 400: ErrorBody },
    },
    handler: async (request, reply) => {
      const operator = await domain.access.ownerFor(request.principal, request.body.operator);
      const { soapEndpoint, soapEndpointSetByAdministrator } = await domain.access.soapEndpointToSet(request.principal, request.params.id, request.body);
      const { created, readmit } = await domain.registry.configure(request.params.id, { ...request.body, operator, soapEndpoint, soapEndpointSetByAdministrator }, request.scope);
      // Its connection was admitted under the settings this edit changed: it must connect again.
      if (readmit) domain.commands.endConnection(request.params.id, 'its security settings changed: connect again');
      const cp = await domain.views.chargePoint(request.params.id);
      return reply.status(created ? 201 : 200).send(chargePointBody(cp!));
    },
  });
}
