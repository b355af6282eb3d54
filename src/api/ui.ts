// The operator dashboard: the static files of ui/ served by the API's own listener, so there is
// no second server to run. `/` is the page; its scripts and styles are under `/ui/`. The files
// are plain ES modules and CSS, served as written: there is no build step to forget.
import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** ui/ at the repository root: the same two levels up from src/api/ and from dist/api/. */
export const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Only our own scripts and styles run; the page talks only to this origin and cannot be framed.
 * Data shown by the page is inserted as text, never as markup.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const notFound = { error: 'NotFound', message: 'No such dashboard file' };

/**
 * Resolves a request path inside ui/, or undefined when it would leave it or names a kind of file
 * the dashboard does not have (tsconfig.json, dot files…).
 */
export function uiFile(relative: string, root = UI_DIR): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).some((part) => part.startsWith('.'))) return undefined;
  if (!(extname(decoded) in contentTypes)) return undefined;
  const file = resolve(root, decoded);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

async function send(reply: FastifyReply, file: string | undefined) {
  if (!file) return reply.status(404).send(notFound);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return reply.status(404).send(notFound);
  }
  // no-cache: the browser revalidates, so an upgraded Tomada never runs yesterday's dashboard.
  return reply
    .headers({ ...SECURITY_HEADERS, 'content-type': contentTypes[extname(file)]!, 'cache-control': 'no-cache' })
    .send(body);
}

export async function uiRoutes(app: FastifyInstance, { root = UI_DIR }: { root?: string } = {}) {
  app.get('/', { schema: { hide: true } }, (_request, reply) => send(reply, uiFile('index.html', root)));
  app.get<{ Params: { '*': string } }>('/ui/*', { schema: { hide: true } }, (request, reply) => send(reply, uiFile(request.params['*'], root)));
}
