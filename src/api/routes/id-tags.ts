// The id tag registry. A tag is managed by one operator (or by the network, operator null): an
// operator's token sees and changes only its own tags; any Accepted tag charges anywhere.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { canonicalTimeOrBadRequest, missing } from '../errors.js';
import { ErrorBody, IdTagList, IdTagParam, IdTagPut, IdTagQuery } from '../schemas.js';

const Params = Type.Object({ idTag: IdTagParam });

export async function idTagRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Querystring: IdTagQuery }>('/id-tags', {
    config: { access: { level: 'read', items: { kind: 'operator', field: 'operator' } } },
    schema: {
      tags: ['id tags'],
      summary: 'List id tags by tag (in any case): all, or a page (limit, afterId)',
      querystring: IdTagQuery,
      response: { 200: IdTagList, 400: ErrorBody },
    },
    handler: async (request) => {
      const { afterId, limit } = request.query;
      return { items: await domain.idTags.list({ ...request.scope, afterIdTag: afterId, limit }) };
    },
  });

  app.get<{ Params: { idTag: string } }>('/id-tags/:idTag', {
    config: { access: { level: 'read', resource: { kind: 'idTag', param: 'idTag' } } },
    schema: { tags: ['id tags'], summary: 'Read an id tag', params: Params, response: { 200: Type.Ref('IdTag'), 404: ErrorBody } },
    handler: async (request) => {
      const tag = await domain.idTags.get(request.params.idTag);
      if (!tag) throw missing('idTag', request.params.idTag);
      return tag;
    },
  });

  app.put<{ Params: { idTag: string }; Body: IdTagPut }>('/id-tags/:idTag', {
    config: { access: { level: 'write', resource: { kind: 'idTag', param: 'idTag' } } },
    schema: {
      tags: ['id tags'],
      summary: 'Create or change an id tag',
      params: Params,
      body: IdTagPut,
      response: { 200: Type.Ref('IdTag'), 201: Type.Ref('IdTag'), 400: ErrorBody },
    },
    handler: async (request, reply) => {
      const { idTag, created } = await domain.idTags.put(
        {
          idTag: request.params.idTag,
          status: request.body.status,
          expiryDate: request.body.expiryDate ? canonicalTimeOrBadRequest('expiryDate', request.body.expiryDate) : null,
          parentIdTag: request.body.parentIdTag ?? null,
          operator: await domain.access.ownerFor(request.principal, request.body.operator),
        },
        request.scope,
      );
      return reply.status(created ? 201 : 200).send(idTag);
    },
  });
}
