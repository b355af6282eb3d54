// The validated-software registry: what may run on the network.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { SoftwareRegistry } from '../../validation/software.js';
import { ErrorBody } from '../schemas.js';
import { SoftwareApproval, ValidatedSoftware } from '../validation-schemas.js';

const tags = ['validation'];

export async function softwareRoutes(app: FastifyInstance, { software }: { software: SoftwareRegistry }) {
  app.get('/software', {
    config: { access: { level: 'read' } },
    schema: { tags, summary: 'The validated software', response: { 200: Type.Object({ items: Type.Array(ValidatedSoftware) }) } },
    handler: async () => ({ items: await software.list() }),
  });

  app.post<{ Body: SoftwareApproval }>('/software', {
    config: { access: { level: 'admin' } },
    schema: {
      tags,
      summary: 'Approve software by hand, referring to a bench report',
      body: SoftwareApproval,
      response: { 200: ValidatedSoftware, 201: ValidatedSoftware, 400: ErrorBody },
    },
    handler: async (request, reply) => {
      const { reference, ...identity } = request.body;
      const existing = await software.find(identity);
      if (existing) return reply.status(200).send(existing);
      return reply.status(201).send(await software.approve(identity, reference, request.apiToken?.name ?? null));
    },
  });

  app.delete<{ Params: { id: string } }>('/software/:id', {
    config: { access: { level: 'admin' } },
    schema: { tags, summary: 'Withdraw software from the registry', params: Type.Object({ id: Type.String({ maxLength: 80 }) }), response: { 204: Type.Null(), 404: ErrorBody } },
    handler: async (request, reply) => {
      await software.remove(request.params.id);
      return reply.status(204).send();
    },
  });
}
