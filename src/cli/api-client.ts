// The operator commands' way to the REST API: one request at a time, with failures turned into
// errors that say what to do and carry the process exit code.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fetchFailure } from '../fetch-failure.js';

/** Exit codes of the operator commands (docs/OPERATOR.md). */
export const Exit = {
  ok: 0,
  /** The API refused the request (400, 409, 5xx), or the charge point refused the command. */
  failed: 1,
  usage: 2,
  unreachable: 3,
  /** 401 or 403: the token is unknown, revoked, expired, or may not do this. */
  denied: 4,
  notFound: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface ApiTarget {
  url: string;
  token: string;
}

function exitFor(status: number): number {
  if (status === 401 || status === 403) return Exit.denied;
  if (status === 404) return Exit.notFound;
  return Exit.failed;
}

export class ApiClient {
  constructor(private readonly target: ApiTarget) {}

  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    const url = `${this.target.url.replace(/\/+$/, '')}/api/v1${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the Tomada API at ${this.target.url} (${fetchFailure(error)}): is it running? Set --url or TOMADA_API_URL`,
        Exit.unreachable,
      );
    }
    if (response.ok) return response;
    const text = await response.text();
    let detail = text;
    try {
      const parsed = JSON.parse(text) as { error?: string; message?: string };
      detail = `${parsed.error ?? ''}: ${parsed.message ?? text}`;
    } catch {
      // not JSON: the text as it is
    }
    const hint = response.status === 401 ? ' (check --token or TOMADA_API_TOKEN)' : '';
    throw new CliError(`${method} ${path} answered ${response.status} ${detail}${hint}`, exitFor(response.status));
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** Streams an answer's body to a file, or to `out`, without holding it whole. */
  async download(path: string, file: string | undefined, out: Writable): Promise<void> {
    const response = await this.fetch('GET', path);
    if (!response.body) return;
    const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    if (file === undefined) {
      await pipeline(source, out, { end: false });
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    else await pipeline(source, createWriteStream(file));
  }
}
