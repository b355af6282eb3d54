// The id tag registry.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { canonicalTimeOrBadRequest } from '../errors.js';
import { ErrorBody, IdTagList, IdTagParam, IdTagPut } from '../schemas.js';

export async function idTagRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get('/id-tags', {
    schema: { tags: ['id tags'], summary: 'List id tags', response: { 200: IdTagList } },
    handler: async () => ({ items: await domain.idTags.list() }),
  });

  app.put<{ Params: { idTag: string }; Body: IdTagPut }>('/id-tags/:idTag', {
    schema: {
      tags: ['id tags'],
      summary: 'Create or change an id tag',
      params: Type.Object({ idTag: IdTagParam }),
      body: IdTagPut,
      response: { 200: Type.Ref('IdTag'), 201: Type.Ref('IdTag'), 400: ErrorBody },
    },
    handler: async (request, reply) => {
      const { idTag, created } = await domain.idTags.put({
        idTag: request.params.idTag,
        status: request.body.status,
        expiryDate: request.body.expiryDate ? canonicalTimeOrBadRequest('expiryDate', request.body.expiryDate) : null,
        parentIdTag: request.body.parentIdTag ?? null,
      });
      return reply.status(created ? 201 : 200).send(idTag);
    },
  });
}
