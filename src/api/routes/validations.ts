// Validation campaigns: start one against a connected charge point, follow it, answer its manual
// steps, cancel it, read its report (JSON, or a printable HTML page).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { cases } from '../../validation/cases.js';
import type { Campaigns } from '../../validation/campaign.js';
import type { SoftwareRegistry } from '../../validation/software.js';
import { missing } from '../errors.js';
import { ChargePointId, ErrorBody } from '../schemas.js';
import { CaseCatalog, Confirmation, ValidationList, ValidationStart } from '../validation-schemas.js';

const Validation = Type.Ref('Validation');
import { reportHtml } from '../validation-report.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) });
const CaseParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }), caseId: Type.String({ minLength: 1, maxLength: 60 }) });
const tags = ['validation'];

export async function validationRoutes(app: FastifyInstance, { campaigns, software }: { campaigns: Campaigns; software: SoftwareRegistry }) {
  app.get('/validations/cases', {
    config: { access: { level: 'read' } },
    schema: { tags, summary: 'The campaign’s cases, in the order they run, with their pass criteria', response: { 200: CaseCatalog } },
    handler: async () => ({ items: cases.map(({ id, title, messages, stimulus, expected }) => ({ id, title, messages, stimulus, expected })) }),
  });

  app.post<{ Body: ValidationStart }>('/validations', {
    config: { access: { level: 'admin', resource: { kind: 'chargePoint', body: 'chargePointId' } } },
    schema: {
      tags,
      summary: 'Start a validation campaign against a connected charge point',
      description:
        'Answers 202 with the campaign, running. 400: an unknown case id. 404: no such charge point. 409: the charge point is not reachable from any node; a campaign already runs for it, on any node (the message names it and its node: a charge point runs one campaign at a time, held by the database); the idTag is not Accepted; the connector is not one the charge point reported; blockedIdTag exists and is not Blocked. 503: the node holding the charge point cannot be asked (docs/VALIDATION.md).',
      body: ValidationStart,
      response: { 202: Validation, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => reply.status(202).send(await campaigns.start(request.body)),
  });

  app.get<{ Querystring: { chargePointId?: string; limit?: number } }>('/validations', {
    config: { access: { level: 'read', items: { kind: 'chargePoint', field: 'chargePointId' } } },
    schema: {
      tags,
      summary: 'List campaigns, newest first',
      querystring: Type.Object({ chargePointId: Type.Optional(ChargePointId), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false }),
      response: { 200: ValidationList },
    },
    // Narrowed in the query, as events are: thinned on the way out, an operator's page held fewer
    // campaigns than it asked for, or none, while its own older ones existed.
    handler: async (request) => ({ items: await campaigns.list({ ...request.query, operator: request.scope.operator }) }),
  });

  app.get<{ Params: { id: string } }>('/validations/:id', {
    config: { access: { level: 'read', resource: { kind: 'validation', param: 'id' } } },
    schema: { tags, summary: 'A campaign as it stands (poll it to follow a running one)', params: IdParams, response: { 200: Validation, 404: ErrorBody } },
    handler: async (request) => (await campaigns.get(request.params.id)) ?? Promise.reject(missing('validation', request.params.id)),
  });

  app.get<{ Params: { id: string } }>('/validations/:id/report.html', {
    config: { access: { level: 'read', resource: { kind: 'validation', param: 'id' } } },
    schema: {
      tags,
      summary: 'The campaign’s report as a printable HTML page',
      params: IdParams,
      // Its errors are JSON, as every route's: only the page itself is HTML.
      response: { 200: { description: 'The report, a printable HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
    handler: async (request, reply) => {
      const validation = await campaigns.get(request.params.id);
      if (!validation) throw missing('validation', request.params.id);
      // A campaign that validated nothing may have tested software the registry holds: its page says so.
      const inRegistry = validation.registry?.validated === false && (await software.holds(validation.software));
      return reply.type('text/html; charset=utf-8').send(reportHtml(validation, inRegistry));
    },
  });

  app.post<{ Params: { id: string; caseId: string }; Body: Confirmation }>('/validations/:id/cases/:caseId/confirm', {
    config: { access: { level: 'admin', resource: { kind: 'validation', param: 'id' } } },
    schema: {
      tags,
      summary: 'Answer a manual step: done, or cannot be done (the case is then not run)',
      params: CaseParams,
      body: Confirmation,
      response: { 200: Validation, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
    },
    handler: async (request) => campaigns.confirm(request.params.id, request.params.caseId, request.body),
  });

  app.post<{ Params: { id: string }; Body: { reason?: string } }>('/validations/:id/cancel', {
    config: { access: { level: 'admin', resource: { kind: 'validation', param: 'id' } } },
    schema: {
      tags,
      summary: 'Cancel a running campaign (body {} or {reason})',
      description:
        'During its cases: answered at once, 202, the campaign still running with `cancelling` while its wrap-up stops its sessions (poll it). During its wrap-up, or a second cancel: cuts the wrap-up short, answered 200 once the campaign has ended. An ended campaign: 200, as it is.',
      params: IdParams,
      body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 200: Validation, 202: Validation, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
    },
    handler: async (request, reply) => {
      const validation = await campaigns.cancel(request.params.id, request.body.reason);
      return reply.status(validation.status === 'running' ? 202 : 200).send(validation);
    },
  });
}
