// API tokens: made (the secret shown once), listed and revoked. An administrator manages all of
// them; an operator the tokens of its own operator. GET /me says who a token is.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import { canonicalTimeOrBadRequest, missing } from '../errors.js';
import { ErrorBody, Me, TokenCreated, TokenList, TokenPost } from '../schemas.js';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export async function tokenRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get('/me', {
    config: { access: { level: 'read' } },
    schema: { tags: ['tokens'], summary: 'The token this request is made with: its role, operator and expiry', response: { 200: Me } },
    handler: async (request) => request.principal,
  });

  app.get('/tokens', {
    config: { access: { level: 'write', items: { kind: 'operator', field: 'operator' } } },
    schema: { tags: ['tokens'], summary: 'List API tokens (never their secrets)', response: { 200: TokenList } },
    handler: async (request) => ({ items: await domain.apiTokens.list(request.scope) }),
  });

  app.post<{ Body: TokenPost }>('/tokens', {
    config: { access: { level: 'write', resource: { kind: 'operator', body: 'operator' } } },
    schema: { tags: ['tokens'], summary: 'Make an API token; its secret is in the answer only', body: TokenPost, response: { 201: TokenCreated, 400: ErrorBody } },
    handler: async (request, reply) => {
      const { expiresAt, ...rest } = request.body;
      // Absent is not null: absent, a token that expires makes one that ends when it does.
      const expiry = expiresAt === undefined || expiresAt === null ? expiresAt : canonicalTimeOrBadRequest('expiresAt', expiresAt);
      const { token, secret } = await domain.apiTokens.create(request.principal, { ...rest, expiresAt: expiry });
      return reply.status(201).send({ ...token, token: secret });
    },
  });

  app.get<{ Params: { id: string } }>('/tokens/:id', {
    config: { access: { level: 'write', resource: { kind: 'token', param: 'id' } } },
    schema: { tags: ['tokens'], summary: 'Read an API token', params: Params, response: { 200: Type.Ref('Token'), 404: ErrorBody } },
    handler: async (request) => {
      const token = await domain.apiTokens.get(request.params.id);
      if (!token) throw missing('token', request.params.id);
      return token;
    },
  });

  app.delete<{ Params: { id: string } }>('/tokens/:id', {
    config: { access: { level: 'write', resource: { kind: 'token', param: 'id' } } },
    schema: { tags: ['tokens'], summary: 'Revoke an API token at once', params: Params, response: { 200: Type.Ref('Token'), 404: ErrorBody } },
    handler: async (request) => {
      const token = await domain.apiTokens.revoke(request.params.id);
      if (!token) throw missing('token', request.params.id);
      return token;
    },
  });
}
