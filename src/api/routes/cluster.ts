// The cluster as the node asked sees it: which nodes it hears from, how many charge points each
// holds, and whether it reaches them through NATS. The administrator's: nodes are the network's
// own machinery, not any operator's.
import type { FastifyInstance } from 'fastify';
import type { Domain } from '../../domain/index.js';
import { ClusterStatus } from '../schemas.js';

export async function clusterRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get('/cluster', {
    config: { access: { level: 'admin' } },
    schema: {
      tags: ['cluster'],
      summary: 'The nodes this node hears from, and the charge points each holds',
      description:
        'With several nodes (TOMADA_NATS_URL), this node first, then every other node it hears from and has not judged lost, each with the charge points whose connection is on it and how long ago it was last heard. While NATS is unreachable from this node, only itself. On a node running alone: clustered false, and nothing else.',
      response: { 200: ClusterStatus },
    },
    handler: async () => {
      const status = domain.views.cluster();
      return status ? { clustered: true, ...status } : { clustered: false, node: null, natsUp: null, nodes: [] };
    },
  });
}
