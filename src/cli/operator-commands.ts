// `tomada charge-points|id-tags|command|sessions|tokens|operators|whoami`: the operator's tasks
// through the REST API (--url and --token, or TOMADA_API_URL and TOMADA_API_TOKEN). Lists print
// as tables (--json: the API's JSON); failures print one line saying what to do, with an exit
// code per kind of failure (api-client.ts).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiClient, CliError, Exit } from './api-client.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface Context {
  api: ApiClient;
  json: boolean;
  print(text: string): void;
  /** To standard error: what a reader should know, outside what a script parses. */
  warn(text: string): void;
  stdout: NodeJS.WritableStream;
}

interface Subcommand {
  /** Positional arguments, by name, all required. */
  args: string[];
  options?: Options;
  help: string;
  run(ctx: Context, args: string[], values: Values): Promise<number>;
}

const enc = encodeURIComponent;
const str = (values: Values, name: string) => values[name] as string | undefined;

/**
 * Control characters, and those that reorder text, as escapes: a table's cells hold what charge
 * points and card holders chose (an id tag, a stop reason), and an ESC sequence printed raw would
 * drive the operator's terminal (clear it, retitle it, hide lines), a newline break the table.
 */
function printable(text: string): string {
  return text.replace(CONTROLS, escaped).replace(BEYOND_JSON, escaped);
}

/** The C0 controls, which JSON.stringify escapes in strings. */
const CONTROLS = /[\u0000-\u001f]/g;
/** DEL, the C1 controls and the characters that reorder text or break lines, which it does not. */
const BEYOND_JSON = /[\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON as printed: its strings' C0 controls are escaped already. */
function printableJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(BEYOND_JSON, escaped);
}

function escaped(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cell = (v: unknown) => printable(v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(';') || '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n') + '\n';
}

function show(ctx: Context, body: unknown, columns?: string[]): number {
  if (ctx.json || !columns) ctx.print(`${printableJson(body, 2)}\n`);
  else ctx.print(table((body as { items: Record<string, unknown>[] }).items, columns));
  return Exit.ok;
}

const list = (path: string, columns: string[], query: (values: Values) => string = () => ''): Subcommand => ({
  args: [],
  help: '',
  run: async (ctx, _args, values) => show(ctx, await ctx.api.list(`${path}${query(values)}`), columns),
});

/**
 * The options given, under their query names; those in `integers` are checked here first, so a
 * mistyped number is a usage error (exit 2) rather than the API's 400.
 */
function queryOf(values: Values, names: Record<string, string>, integers: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [option, param] of Object.entries(names)) {
    const value = values[option];
    if (value !== undefined) params.set(param, String(value));
  }
  for (const [option, param] of Object.entries(integers)) if (values[option] !== undefined) params.set(param, String(integer(values, option)));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The charge point's answer to a command: printed; a refusal is a failure for scripts. */
async function command(ctx: Context, chargePointId: string, path: string, body: unknown): Promise<number> {
  const answer = await ctx.api.request<{ status: string }>('POST', `/charge-points/${enc(chargePointId)}/commands/${path}`, body);
  ctx.print(ctx.json ? `${printableJson(answer)}\n` : `${printable(`${chargePointId}: ${answer.status}`)}\n`);
  return ['Accepted', 'Unlocked'].includes(answer.status) ? Exit.ok : Exit.failed;
}

function integer(values: Values, name: string): number {
  const raw = str(values, name);
  // Digits only: Number() would also take "" (0), "0x10" (16) and "1e3".
  const value = Number(raw);
  if (raw === undefined || !/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new CliError(`--${name} must be an integer`, Exit.usage);
  return value;
}

function required(values: Values, name: string): string {
  const value = str(values, name);
  if (value === undefined) throw new CliError(`--${name} is required`, Exit.usage);
  return value;
}

const SESSION_FILTERS = { operator: 'operator', 'charge-point': 'chargePointId', from: 'from', to: 'to' };
const sessionFilterOptions: Options = { operator: { type: 'string' }, 'charge-point': { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } };

/**
 * Items per request for the lists read whole: a network of thousands of charge points, or hundreds
 * of thousands of id tags, is read in pages, so no request holds the node long.
 */
const PAGE = 500;

/** Sessions `tomada sessions list` shows without --limit: the API's own default page. */
const SESSIONS_SHOWN = 1000;

/** Every item of a list paged by `afterId` (the `cursor` field of the page's last item) that the token may see. */
async function allPages(ctx: Context, path: string, cursor: string): Promise<{ items: Record<string, unknown>[] }> {
  const items: Record<string, unknown>[] = [];
  for (let afterId = ''; ; ) {
    const query = new URLSearchParams({ limit: String(PAGE), ...(afterId ? { afterId } : {}) });
    const page = await ctx.api.list(`${path}?${query}`);
    items.push(...page.items);
    if (page.items.length < PAGE) return { items };
    afterId = String(page.items[page.items.length - 1]![cursor]);
  }
}

export const GROUPS: Record<string, Record<string, Subcommand>> = {
  'charge-points': {
    list: {
      args: [],
      help: 'list charge points',
      run: async (ctx) => show(ctx, await allPages(ctx, '/charge-points', 'id'), ['id', 'operator', 'connection', 'connected', 'ocppVersion', 'transport', 'registrationStatus', 'lastSeenAt']),
    },
    show: { args: ['id'], help: 'a charge point with its connectors', run: async (ctx, [id]) => show(ctx, await ctx.api.request('GET', `/charge-points/${enc(id!)}`)) },
    history: {
      args: ['id'],
      help: "its connectors' status reports, newest first: [--connector N] [--limit N (1-500, default 50)] [--before ID (the last id of the previous page)]",
      options: { connector: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' } },
      run: async (ctx, [id], values) => {
        const query = queryOf(values, {}, { connector: 'connectorId', limit: 'limit', before: 'beforeId' });
        const page = await ctx.api.list(`/charge-points/${enc(id!)}/status-history${query}`);
        return show(ctx, page, ['id', 'receivedAt', 'connectorId', 'status', 'errorCode', 'reportedAt', 'info', 'vendorErrorCode']);
      },
    },
    'meter-values': {
      args: ['id'],
      help: 'its meter readings outside any session (a grid meter, an idle connector), oldest first by their time: [--newest (the latest first)] [--connector N] [--measurand M] [--from T] [--to T] [--limit N (1-1000, default 100)] [--after ID (the last id of the previous page)]',
      options: { newest: { type: 'boolean' }, connector: { type: 'string' }, measurand: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } },
      run: async (ctx, [id], values) => {
        const query = queryOf({ ...values, order: values.newest ? 'newest' : undefined }, { measurand: 'measurand', from: 'from', to: 'to', order: 'order' }, { connector: 'connectorId', limit: 'limit', after: 'afterId' });
        const page = await ctx.api.list(`/charge-points/${enc(id!)}/meter-values${query}`);
        return show(ctx, page, ['id', 'timestamp', 'connectorId', 'measurand', 'value', 'unit', 'phase', 'location', 'context', 'format']);
      },
    },
    register: {
      args: ['id'],
      help: 'register a charge point, or change it: [--operator OP] [--connection direct|platform] [--password PW] [--declared-version 1.5|1.6] [--declared-transport json|soap] [--status Accepted|Pending|Rejected]',
      options: {
        operator: { type: 'string' },
        connection: { type: 'string' },
        password: { type: 'string' },
        'declared-version': { type: 'string' },
        'declared-transport': { type: 'string' },
        status: { type: 'string' },
      },
      run: async (ctx, [id], values) => {
        const body = Object.fromEntries(
          Object.entries({ operator: values.operator, connection: values.connection, password: values.password, declaredOcppVersion: values['declared-version'], declaredTransport: values['declared-transport'], registrationStatus: values.status }).filter(
            ([, v]) => v !== undefined,
          ),
        );
        return show(ctx, await ctx.api.request('PUT', `/charge-points/${enc(id!)}`, body));
      },
    },
  },
  'id-tags': {
    list: {
      args: [],
      help: 'list id tags',
      run: async (ctx) => show(ctx, await allPages(ctx, '/id-tags', 'idTag'), ['idTag', 'status', 'expiryDate', 'parentIdTag', 'operator']),
    },
    show: { args: ['idTag'], help: 'one id tag', run: async (ctx, [tag]) => show(ctx, await ctx.api.request('GET', `/id-tags/${enc(tag!)}`)) },
    set: {
      args: ['idTag'],
      help: 'create or replace an id tag: --status Accepted|Blocked|Expired|Invalid [--expiry TIME] [--parent TAG] [--operator OP]',
      options: { status: { type: 'string' }, expiry: { type: 'string' }, parent: { type: 'string' }, operator: { type: 'string' } },
      run: async (ctx, [tag], values) => {
        const body = { status: required(values, 'status'), expiryDate: str(values, 'expiry'), parentIdTag: str(values, 'parent'), operator: str(values, 'operator') };
        return show(ctx, await ctx.api.request('PUT', `/id-tags/${enc(tag!)}`, JSON.parse(JSON.stringify(body))));
      },
    },
    block: {
      args: ['idTag'],
      help: 'block an id tag (keeps its other fields)',
      run: async (ctx, [tag]) => {
        const current = await ctx.api.request<{ expiryDate: string | null; parentIdTag: string | null }>('GET', `/id-tags/${enc(tag!)}`);
        return show(ctx, await ctx.api.request('PUT', `/id-tags/${enc(tag!)}`, { status: 'Blocked', expiryDate: current.expiryDate, parentIdTag: current.parentIdTag }));
      },
    },
  },
  command: {
    'remote-start': {
      args: ['chargePointId'],
      help: 'RemoteStartTransaction: --id-tag TAG [--connector N]',
      options: { 'id-tag': { type: 'string' }, connector: { type: 'string' } },
      run: (ctx, [id], values) =>
        command(ctx, id!, 'remote-start', { idTag: required(values, 'id-tag'), ...(values.connector === undefined ? {} : { connectorId: integer(values, 'connector') }) }),
    },
    'remote-stop': {
      args: ['chargePointId'],
      help: 'RemoteStopTransaction: --transaction ID',
      options: { transaction: { type: 'string' } },
      run: (ctx, [id], values) => command(ctx, id!, 'remote-stop', { transactionId: integer(values, 'transaction') }),
    },
    reset: {
      args: ['chargePointId'],
      help: 'Reset: [--type Soft|Hard] (Soft by default)',
      options: { type: { type: 'string', default: 'Soft' } },
      run: (ctx, [id], values) => command(ctx, id!, 'reset', { type: values.type }),
    },
    unlock: {
      args: ['chargePointId'],
      help: 'UnlockConnector: --connector N',
      options: { connector: { type: 'string' } },
      run: (ctx, [id], values) => command(ctx, id!, 'unlock', { connectorId: integer(values, 'connector') }),
    },
  },
  sessions: {
    list: {
      args: [],
      options: { ...sessionFilterOptions, 'id-tag': { type: 'string' }, active: { type: 'string' }, limit: { type: 'string' } },
      help: `list sessions, newest first: [--operator OP] [--charge-point ID] [--id-tag TAG] [--from TIME] [--to TIME] [--active true|false] [--limit N (1-10000, default ${SESSIONS_SHOWN})]`,
      run: async (ctx, _args, values) => {
        const limit = values.limit === undefined ? SESSIONS_SHOWN : integer(values, 'limit');
        const page = await ctx.api.list(`/transactions${queryOf({ ...values, limit: String(limit) }, { ...SESSION_FILTERS, 'id-tag': 'idTag', active: 'active', limit: 'limit' })}`);
        const code = show(ctx, page, ['id', 'chargePointId', 'connectorId', 'idTag', 'startedAt', 'stoppedAt', 'energyWh', 'energySource', 'signedMeterStatus', 'anomalies']);
        // A full page may not be all: say so where a script's parser of stdout does not read.
        if (page.items.length === limit) ctx.warn(`tomada: the newest ${limit === 1 ? 'session' : `${limit} sessions`} only; there may be more: narrow --from/--to, raise --limit (up to 10000), or read them all with tomada sessions export\n`);
        return code;
      },
    },
    show: { args: ['id'], help: 'a session with its meter values', run: async (ctx, [id]) => show(ctx, await ctx.api.request('GET', `/transactions/${enc(id!)}`)) },
    export: {
      args: [],
      help: 'export sessions, oldest first: [--format csv|json] [--output FILE] [--operator OP] [--charge-point ID] [--from TIME] [--to TIME]',
      options: { ...sessionFilterOptions, format: { type: 'string', default: 'csv' }, output: { type: 'string' } },
      run: async (ctx, _args, values) => {
        const mediaType = values.format === 'json' ? 'application/json' : 'text/csv';
        await ctx.api.download(`/exports/sessions${queryOf(values, { ...SESSION_FILTERS, format: 'format' })}`, str(values, 'output'), ctx.stdout as never, mediaType);
        return Exit.ok;
      },
    },
  },
  tokens: {
    list: { ...list('/tokens', ['id', 'name', 'role', 'operator', 'createdAt', 'revokedAt', 'expiresAt']), help: 'list API tokens (never their secrets)' },
    create: {
      args: [],
      help: 'make a token, printed once: --name NAME --role admin|operator|readonly [--operator OP] [--expires TIME (refused from then on)]',
      options: { name: { type: 'string' }, role: { type: 'string' }, operator: { type: 'string' }, expires: { type: 'string' } },
      run: async (ctx, _args, values) => {
        const made = await ctx.api.request<{ id: string; token: string }>('POST', '/tokens', {
          name: required(values, 'name'),
          role: required(values, 'role'),
          ...(values.operator === undefined ? {} : { operator: values.operator }),
          ...(values.expires === undefined ? {} : { expiresAt: values.expires }),
        });
        ctx.print(ctx.json ? `${JSON.stringify(made, null, 2)}\n` : `token ${made.id} (shown once, store it now):\n${made.token}\n`);
        return Exit.ok;
      },
    },
    revoke: { args: ['id'], help: 'revoke a token at once', run: async (ctx, [id]) => show(ctx, await ctx.api.request('DELETE', `/tokens/${enc(id!)}`)) },
  },
  operators: {
    list: { ...list('/operators', ['id', 'name', 'kind', 'createdAt']), help: 'list operators' },
    set: {
      args: ['id'],
      help: 'create or change an operator: --name NAME --kind OPC|DPC',
      options: { name: { type: 'string' }, kind: { type: 'string' } },
      run: async (ctx, [id], values) => show(ctx, await ctx.api.request('PUT', `/operators/${enc(id!)}`, { name: required(values, 'name'), kind: required(values, 'kind') })),
    },
    remove: {
      args: ['id'],
      help: 'remove an operator that owns nothing',
      run: async (ctx, [id]) => {
        await ctx.api.request('DELETE', `/operators/${enc(id!)}`);
        ctx.print(`operator ${id} removed\n`);
        return Exit.ok;
      },
    },
  },
};

const COMMON: Options = { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } };

/** `tomada whoami`: a group of its own, with no subcommand. */
const WHOAMI: Subcommand = { args: [], help: "the token's role and operator", run: async (ctx) => show(ctx, await ctx.api.request('GET', '/me')) };

/** How a subcommand is written: `whoami`, or its group, its name and its arguments. */
const commandLine = (group: string, name: string, sub: Subcommand) =>
  group === 'whoami' ? 'whoami' : [group, name, ...sub.args.map((a) => a.toUpperCase())].join(' ');

export function operatorUsage(): string {
  const lines = ['Operator commands (through the REST API; --url/TOMADA_API_URL, --token/TOMADA_API_TOKEN, --json):'];
  const all: [string, string, Subcommand][] = [['whoami', 'whoami', WHOAMI], ...Object.entries(GROUPS).flatMap(([group, subs]) => Object.entries(subs).map(([name, sub]) => [group, name, sub] as [string, string, Subcommand]))];
  for (const [group, name, sub] of all) lines.push(`  tomada ${commandLine(group, name, sub).padEnd(40)} ${sub.help}`);
  return `${lines.join('\n')}\n`;
}

export async function operatorCommand(group: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const out = (text: string) => void process.stdout.write(text);
  try {
    const [name, ...rest] = group === 'whoami' ? ['whoami', ...argv] : argv;
    const sub: Subcommand | undefined = group === 'whoami' ? WHOAMI : name === undefined ? undefined : GROUPS[group]?.[name];
    if (!sub || name === '--help' || name === 'help') {
      process.stdout.write(operatorUsage());
      return sub || name === '--help' || name === 'help' ? Exit.ok : Exit.usage;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: { ...COMMON, ...sub.options }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n${operatorUsage()}`, Exit.usage);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      out(`tomada ${commandLine(group, name ?? group, sub)}\n  ${sub.help}\n`);
      return Exit.ok;
    }
    if (positionals.length !== sub.args.length) {
      throw new CliError(`tomada ${group} ${name} takes ${sub.args.length ? sub.args.map((a) => a.toUpperCase()).join(' ') : 'no arguments'}: ${sub.help}`, Exit.usage);
    }
    const url = (values.url as string | undefined) ?? env.TOMADA_API_URL ?? 'http://127.0.0.1:8080';
    const token = (values.token as string | undefined) ?? env.TOMADA_API_TOKEN;
    if (!token) throw new CliError('no API token: give --token TOKEN or set TOMADA_API_TOKEN', Exit.usage);
    const ctx: Context = { api: new ApiClient({ url, token }), json: values.json === true, print: out, warn: (text) => void process.stderr.write(text), stdout: process.stdout };
    return await sub.run(ctx, positionals, values as Values);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    process.stderr.write(`tomada: ${error.message}\n`);
    return error.exitCode;
  }
}
