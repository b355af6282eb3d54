// Charge point operators (OPC, DPC): the administrator keeps them; an operator's token sees its own.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { missing } from '../errors.js';
import { ErrorBody, OperatorId, OperatorList, OperatorPut, OperatorRef } from '../schemas.js';

export async function operatorRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get('/operators', {
    config: { access: { level: 'read', items: { kind: 'operator', field: 'id' } } },
    schema: { tags: ['operators'], summary: 'List operators', response: { 200: OperatorList } },
    handler: async (request) => {
      const all = await domain.operators.list();
      const { operator } = request.scope;
      return { items: operator === undefined ? all : all.filter((o) => o.id === operator) };
    },
  });

  app.get<{ Params: { id: string } }>('/operators/:id', {
    config: { access: { level: 'read', resource: { kind: 'operator', param: 'id' } } },
    schema: { tags: ['operators'], summary: 'Read an operator', params: Type.Object({ id: OperatorRef }), response: { 200: Type.Ref('Operator'), 404: ErrorBody } },
    handler: async (request) => {
      const operator = await domain.operators.get(request.params.id);
      if (!operator) throw missing('operator', request.params.id);
      return operator;
    },
  });

  app.put<{ Params: { id: string }; Body: OperatorPut }>('/operators/:id', {
    config: { access: { level: 'admin' } },
    schema: {
      tags: ['operators'],
      summary: 'Create or change an operator',
      params: Type.Object({ id: OperatorId }),
      body: OperatorPut,
      response: { 200: Type.Ref('Operator'), 201: Type.Ref('Operator'), 400: ErrorBody },
    },
    handler: async (request, reply) => {
      const { operator, created } = await domain.operators.put(request.params.id, request.body);
      return reply.status(created ? 201 : 200).send(operator);
    },
  });

  app.delete<{ Params: { id: string } }>('/operators/:id', {
    config: { access: { level: 'admin' } },
    schema: {
      tags: ['operators'],
      summary: 'Remove an operator that owns nothing',
      params: Type.Object({ id: OperatorRef }),
      response: { 204: Type.Null(), 404: ErrorBody, 409: ErrorBody },
    },
    handler: async (request, reply) => {
      if (!(await domain.operators.remove(request.params.id))) throw missing('operator', request.params.id);
      return reply.status(204).send();
    },
  });
}
