// Events (firmware and OCPP version changes, mismatches, unvalidated software, finished
// validations, ...) and each operator's webhook for them.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Events } from '../../events/events.js';
import { ErrorBody } from '../schemas.js';
import { Event, EventQuery, OperatorName, Webhook, WebhookPut } from '../validation-schemas.js';

const Params = Type.Object({ operator: OperatorName });

export async function eventRoutes(app: FastifyInstance, { events }: { events: Events }) {
  app.get<{ Querystring: EventQuery }>('/events', {
    config: { access: { level: 'read', items: { kind: 'chargePoint', field: 'chargePointId' } } },
    schema: { tags: ['events'], summary: 'List events', querystring: EventQuery, response: { 200: Type.Object({ items: Type.Array(Event) }) } },
    // Narrowed in the query, not only on the way out: a page of other operators' newest events
    // came back empty, and a client following afterId had no cursor to move past them.
    handler: async (request) => ({ items: await events.list({ ...request.query, operator: request.scope.operator }) }),
  });

  app.get<{ Params: { operator: string } }>('/operators/:operator/webhook', {
    config: { access: { level: 'write', resource: { kind: 'operator', param: 'operator' } } },
    schema: { tags: ['events'], summary: 'The operator’s webhook and its delivery state', params: Params, response: { 200: Webhook, 404: ErrorBody } },
    handler: async (request) => events.webhook(request.params.operator),
  });

  app.put<{ Params: { operator: string }; Body: WebhookPut }>('/operators/:operator/webhook', {
    config: { access: { level: 'write', resource: { kind: 'operator', param: 'operator' } } },
    schema: {
      tags: ['events'],
      summary: 'Deliver the operator’s events to a URL (signed with the secret)',
      params: Params,
      body: WebhookPut,
      response: { 200: Webhook, 201: Webhook, 400: ErrorBody },
    },
    handler: async (request, reply) => {
      const { webhook, created } = await events.setWebhook(request.params.operator, request.body);
      return reply.status(created ? 201 : 200).send(webhook);
    },
  });

  app.delete<{ Params: { operator: string } }>('/operators/:operator/webhook', {
    config: { access: { level: 'write', resource: { kind: 'operator', param: 'operator' } } },
    schema: { tags: ['events'], summary: 'Stop delivering the operator’s events', params: Params, response: { 204: Type.Null(), 404: ErrorBody } },
    handler: async (request, reply) => {
      await events.deleteWebhook(request.params.operator);
      return reply.status(204).send();
    },
  });
}
