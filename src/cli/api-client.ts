// The operator commands' way to the REST API: one request at a time, with failures turned into
// errors that say what to do and carry the process exit code.
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { operatorApiBase } from '../api-address.js';
import { fetchFailure } from '../fetch-failure.js';

/** Exit codes of the operator commands (docs/OPERATOR.md). */
export const Exit = {
  ok: 0,
  /** The API refused the request (400, 409, 5xx), the charge point refused the command, or an answer was cut off midway. */
  failed: 1,
  usage: 2,
  /** Nothing answered at the address, or something that is not the Tomada API did. */
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

/** The operator address as the requests are made from it (operatorApiBase); anything else is a usage error. */
export function apiBase(url: string): string {
  const base = operatorApiBase(url);
  if (base === undefined) {
    throw new CliError(`--url (or TOMADA_API_URL) must be an http:// or https:// address, such as http://127.0.0.1:8080; got "${url}"`, Exit.usage);
  }
  return base;
}

export class ApiClient {
  private readonly base: string;

  constructor(private readonly target: ApiTarget) {
    this.base = apiBase(target.url);
  }

  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    const url = `${this.base}/api/v1${path}`;
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
    const text = await this.bodyOf(method, path, response);
    let parsed: { error?: unknown; message?: unknown } | undefined;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = undefined;
    }
    // Every error the Tomada API answers is JSON, {error, message}: another shape came from
    // something else (a proxy's 502 page while the node is down, another server at that address),
    // and its 404 or 401 says nothing of charge points or tokens.
    if (typeof parsed?.error !== 'string' || typeof parsed.message !== 'string') throw this.notTomada(method, path, response);
    const detail = `${parsed.error}: ${parsed.message}`;
    const hint = response.status === 401 ? ' (check --token or TOMADA_API_TOKEN)' : '';
    throw new CliError(`${method} ${path} answered ${response.status} ${detail}${hint}`, exitFor(response.status));
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(method, path, body);
    if (response.status === 204) return undefined as T;
    const text = await this.bodyOf(method, path, response);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.notTomada(method, path, response);
    }
  }

  /** A list's answer, `{items: [...]}`: anything else is not the Tomada API answering. */
  async list<T = Record<string, unknown>>(path: string): Promise<{ items: T[] }> {
    const page = await this.request<{ items?: unknown }>('GET', path);
    if (!Array.isArray(page?.items)) throw new CliError(`GET ${path} answered 200 without a list of items: ${this.isItTomada()}`, Exit.unreachable);
    return page as { items: T[] };
  }

  /**
   * Streams an answer's body to a file, or to `out`, without holding it whole. The file is written
   * under another name and renamed once the answer has ended whole, so a cut download (the node
   * stopped, the database failed midway) leaves no file that looks complete (a CSV cut at a line
   * end reads as a shorter export), and the file of an earlier run is not overwritten by it.
   * `expected` is the media type the route answers with: another (a login page of a proxy, a
   * different server at that address) is not written at all.
   */
  async download(path: string, file: string | undefined, out: Writable, expected: string): Promise<void> {
    const response = await this.fetch('GET', path);
    if (mediaType(response) !== expected) {
      await response.body?.cancel();
      throw this.notTomada('GET', path, response);
    }
    if (!response.body) return;
    const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    // A device or a pipe (`--output /dev/null`, a FIFO) is written to as it is: renamed over, it
    // was replaced by a regular file, and as root /dev/null itself was (found on 2026-12-07).
    const asItIs = file !== undefined && !regularOrAbsent(file);
    const partial = file === undefined || asItIs ? undefined : `${file}.part-${process.pid}`;
    // The file's own failure (no such folder, no space left) is not the answer's.
    let unwritable: NodeJS.ErrnoException | undefined;
    try {
      if (asItIs) {
        await pipeline(source, createWriteStream(file).on('error', (error) => (unwritable = error)));
      } else if (partial === undefined) {
        await pipeline(source, out, { end: false });
        if (out.writableNeedDrain) await once(out, 'drain');
      } else {
        const sink = createWriteStream(partial).on('error', (error) => (unwritable = error));
        await pipeline(source, sink);
        renameSync(partial, file!);
      }
    } catch (error) {
      if (partial !== undefined) rmSync(partial, { force: true });
      if (unwritable) throw new CliError(`cannot write ${file} (${unwritable.code ?? unwritable.message}): check --output`, Exit.failed);
      const kept = file === undefined ? 'what was printed is incomplete' : `${file} was left as it was`;
      throw new CliError(`GET ${path} was cut off midway (${fetchFailure(error)}): ${kept}; run it again`, Exit.failed);
    }
  }

  private async bodyOf(method: string, path: string, response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw new CliError(`${method} ${path}: the answer was cut off midway (${fetchFailure(error)}); run it again`, Exit.failed);
    }
  }

  /** A 2xx that is not what the Tomada API answers: another server is at that address. */
  private notTomada(method: string, path: string, response: Response): CliError {
    const type = mediaType(response) || 'no content type';
    return new CliError(`${method} ${path} answered ${response.status} with ${type}, not the Tomada API's answer (another server at that address, or a proxy's own page while Tomada is down): ${this.isItTomada()}`, Exit.unreachable);
  }

  private isItTomada(): string {
    return `is ${this.target.url} Tomada's operator address (its HTTP port, without /api/v1)? Set --url or TOMADA_API_URL`;
  }
}

/** The answer's media type, lower case, without its parameters (`text/csv; charset=utf-8` is `text/csv`). */
function mediaType(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether `file` is a regular file or not there: one a download may write beside and rename over. */
function regularOrAbsent(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return true;
  }
}
