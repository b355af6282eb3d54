// Charging sessions with their energy, and one session's meter values.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { narrowOperator } from '../access.js';
import { missing, periodOrBadRequest } from '../errors.js';
import { ErrorBody, TransactionDetail, TransactionId, TransactionList, TransactionQuery } from '../schemas.js';

export async function transactionRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Querystring: TransactionQuery }>('/transactions', {
    config: { access: { level: 'read', items: { kind: 'chargePoint', field: 'chargePointId' } } },
    schema: { tags: ['transactions'], summary: 'List transactions, newest first (with from or to: by start time; with afterId: oldest first, by id, a page after that id)', querystring: TransactionQuery, response: { 200: TransactionList, 400: ErrorBody } },
    handler: async (request) => {
      const q = request.query;
      const operator = narrowOperator(request.scope, q.operator);
      const { from, to } = periodOrBadRequest(q.from, q.to);
      if (operator === null) return { items: [] };
      return {
        items: await domain.views.transactions({
          chargePointId: q.chargePointId,
          operator,
          idTag: q.idTag,
          active: q.active,
          from,
          to,
          afterId: q.afterId,
          settled: true,
          limit: q.limit,
        }),
      };
    },
  });

  app.get<{ Params: { id: number } }>('/transactions/:id', {
    config: { access: { level: 'read', resource: { kind: 'transaction', param: 'id' } } },
    schema: {
      tags: ['transactions'],
      summary: 'Read a transaction with its meter values',
      params: Type.Object({ id: TransactionId }),
      response: { 200: TransactionDetail, 404: ErrorBody },
    },
    handler: async (request) => {
      const tx = await domain.views.transaction(request.params.id);
      if (!tx) throw missing('transaction', request.params.id);
      return tx;
    },
  });
}
