// `tomada sim`: runs a fleet of simulated charge points against a central system, prints progress
// to stderr and the measured summary (JSON) to stdout. Exit code 0 when every session completed
// with a transactionId, 1 otherwise, 2 for invalid options.
import { parseArgs } from 'node:util';
import { operatorApiBase } from '../api-address.js';
import type { SimLogEntry } from './charge-point.js';
import { fleetMembers, runFleet, type FleetOptions } from './fleet.js';
import { registerFleet, RegistrationError } from './register.js';
import type { EnergyMode, EnergyUnit } from './meter.js';
import { SIM_PROTOCOLS, simProtocols, type SimProtocolName } from './protocols.js';
import { declaredProtocol, isSimFault, SIM_FAULTS, type SimFault } from './faults.js';
import { actAsPerson } from './person.js';

export const SIM_USAGE = `Usage: tomada sim [options]

Runs simulated charge points against a central system and prints what they measured.

Options:
  --protocol NAME         ocpp1.6-json (default), ocpp1.5-json (OCPP-J, subprotocol ocpp1.5)
                          or ocpp1.5-soap (OCPP 1.5 SOAP 1.2 over HTTP, WS-Addressing)
  --url URL               central system OCPP endpoint.
                          JSON protocols: a ws:// or wss:// base URL, each charge point
                          connects to URL/ID (default ws://127.0.0.1:9000/ocpp).
                          ocpp1.5-soap: the central system's SOAP endpoint, an http:// or
                          https:// URL every charge point posts to
                          (default http://127.0.0.1:9000/ocpp/soap).
                          wss:// or https:// with a private CA: NODE_EXTRA_CA_CERTS=FILE
  --listen-host HOST      ocpp1.5-soap: address the charge points' own SOAP command endpoints
                          listen on (default 127.0.0.1); each sends its endpoint's URL as the
                          WS-Addressing From of every message (for 0.0.0.0 or ::, the URL
                          names this machine's first external IPv4 address)
  --listen-port PORT      ocpp1.5-soap: port of the first charge point's command endpoint, the
                          next ones on PORT+1, PORT+2, ... (default 0: any free port)
  --count N               number of charge points (default 1)
  --prefix TEXT           charge point id prefix; ids are PREFIX0001, PREFIX0002, ... (default SIM-)
  --connectors N          connectors per charge point (default 2)
  --sessions N            sessions per charge point, spread over its connectors (default 1)
  --session-seconds S     length of a session (default 10)
  --sample-seconds S      MeterValues interval (default 2)
  --power-w W             charging power (default 11000)
  --unit Wh|kWh           unit of the energy readings (default Wh)
  --energy register|interval
                          Energy.Active.Import.Register or .Interval readings (default register)
  --password TEXT         HTTP Basic auth password (user = charge point id), sent in the
                          WebSocket handshake (SOAP: on every POST)
  --id-tag TAG[,TAG...]   id tags used in turn (repeatable; default: each charge point its own,
                          one more than it has connectors, made from its id: SIM-0001 uses
                          SIM0001T1, SIM0001T2, ...)
  --api-token TOKEN       register the charge points (Accepted) and their id tags through the
                          operator API before connecting (or TOMADA_API_TOKEN)
  --api-url URL           operator API used with --api-token (default TOMADA_API_URL, else
                          http://127.0.0.1:8080, as for the operator commands)
  --forever               keep charging until interrupted (Ctrl-C), then print the summary
  --idle                  start no sessions: stay connected and answer the central system's
                          commands until interrupted (a charge point to validate)
  --person                act as the person at the charge points during validation campaigns:
                          present the cards a campaign asks for and confirm (needs --api-token)
  --fault NAME            misbehave (repeatable), for validation campaigns to catch:
${Object.entries(SIM_FAULTS).map(([name, text]) => `                            ${name}: ${text}`).join('\n')}
  --help, -h              show this text

Exit code: 0 when every session completed with a transactionId, 1 otherwise, 2 for invalid options.
`;

export interface SimIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: SimIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  }
  return value;
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  }
  return value;
}

function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === text);
  if (!found) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${text}"`);
  return found;
}

function listenPort(text: string, count: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) throw new UsageError(`--listen-port must be a port number (0 to 65535), got "${text}"`);
  if (value !== 0 && value + count - 1 > 65_535) {
    throw new UsageError(`--listen-port ${value} leaves no room for ${count} charge points (ports ${value} to ${value + count - 1})`);
  }
  return value;
}

interface Parsed {
  help: boolean;
  fleet: FleetOptions;
  /** Register the fleet through the operator API first. */
  api?: { url: string; token: string };
  /** Act out validation campaigns' manual steps. */
  person?: boolean;
}

function parse(argv: string[]): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        count: { type: 'string', default: '1' },
        prefix: { type: 'string', default: 'SIM-' },
        protocol: { type: 'string', default: 'ocpp1.6-json' },
        'listen-host': { type: 'string' },
        'listen-port': { type: 'string' },
        connectors: { type: 'string', default: '2' },
        sessions: { type: 'string', default: '1' },
        'session-seconds': { type: 'string', default: '10' },
        'sample-seconds': { type: 'string', default: '2' },
        'power-w': { type: 'string', default: '11000' },
        unit: { type: 'string', default: 'Wh' },
        energy: { type: 'string', default: 'register' },
        password: { type: 'string' },
        'id-tag': { type: 'string', multiple: true },
        'api-url': { type: 'string' },
        'api-token': { type: 'string' },
        forever: { type: 'boolean', default: false },
        idle: { type: 'boolean', default: false },
        person: { type: 'boolean', default: false },
        fault: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true, fleet: { baseUrl: '', count: 1, sessionMs: 0 } };

  const protocol: SimProtocolName = oneOf('protocol', values.protocol, SIM_PROTOCOLS);
  const { transport, defaultUrl } = simProtocols[protocol];
  const url = values.url ?? defaultUrl;
  if (transport === 'websocket' && !/^wss?:\/\/[^/]+/.test(url)) {
    throw new UsageError(`--url must be a ws:// or wss:// URL for ${protocol}, got "${url}"`);
  }
  if (transport === 'soap' && !/^https?:\/\/[^/]+/.test(url)) {
    throw new UsageError(`--url must be the central system's http:// or https:// SOAP endpoint for ${protocol}, got "${url}"`);
  }
  const listenGiven = values['listen-host'] !== undefined || values['listen-port'] !== undefined;
  if (transport !== 'soap' && listenGiven) {
    throw new UsageError(`--listen-host and --listen-port apply to --protocol ocpp1.5-soap only`);
  }
  const count = positiveInteger('count', values.count);
  const listenHost = values['listen-host'] ?? '127.0.0.1';
  if (listenHost.trim() === '') throw new UsageError('--listen-host must not be empty');
  const idTags = values['id-tag']?.flatMap((list) => list.split(',')).map((tag) => tag.trim());
  const badTag = idTags?.find((tag) => tag.length === 0 || tag.length > 20);
  if (badTag !== undefined) throw new UsageError(`--id-tag values must be 1 to 20 characters, got "${badTag}"`);
  const unit: EnergyUnit = oneOf('unit', values.unit, ['Wh', 'kWh']);
  const mode: EnergyMode = oneOf('energy', values.energy, ['register', 'interval']);
  const password = values.password;
  const apiToken = values['api-token'] ?? process.env.TOMADA_API_TOKEN;
  const apiUrl = values['api-url'] ?? process.env.TOMADA_API_URL ?? 'http://127.0.0.1:8080';
  const faults = values.fault?.flatMap((list) => list.split(',')).map((f) => f.trim()) ?? [];
  const unknownFault = faults.find((f) => !isSimFault(f));
  if (unknownFault !== undefined) throw new UsageError(`unknown --fault "${unknownFault}"; the faults are ${Object.keys(SIM_FAULTS).join(', ')}`);
  if (values.person && apiToken === undefined) throw new UsageError('--person needs --api-token (it follows campaigns through the operator API)');
  if (values.idle && values.forever) throw new UsageError('--idle and --forever exclude each other');
  // The same address as the operator commands take, `/api/v1` included (it doubled every path).
  const apiBase = operatorApiBase(apiUrl);
  if (apiToken !== undefined && apiBase === undefined) {
    throw new UsageError(`--api-url (or TOMADA_API_URL) must be an http:// or https:// URL, got "${apiUrl}"`);
  }

  return {
    help: false,
    ...(apiToken === undefined || apiBase === undefined ? {} : { api: { url: apiBase, token: apiToken } }),
    person: values.person,
    fleet: {
      baseUrl: url,
      protocol,
      count,
      prefix: values.prefix,
      connectors: positiveInteger('connectors', values.connectors),
      sessionsPerChargePoint: positiveInteger('sessions', values.sessions),
      sessionMs: Math.round(positiveNumber('session-seconds', values['session-seconds']) * 1000),
      forever: values.forever,
      idle: values.idle,
      ...(idTags ? { idTags } : {}),
      chargePoint: {
        ...(password === undefined ? {} : { password }),
        faults: faults as SimFault[],
        ...(transport === 'soap' ? { soapListen: { host: listenHost, port: listenPort(values['listen-port'] ?? '0', count) } } : {}),
        meter: {
          mode,
          unit,
          powerW: positiveNumber('power-w', values['power-w']),
          sampleIntervalMs: Math.max(1, Math.round(positiveNumber('sample-seconds', values['sample-seconds']) * 1000)),
        },
      },
    },
  };
}

function progressLine(entry: SimLogEntry): string {
  return `${new Date().toISOString()} ${entry.chargePointId} ${entry.level === 'warn' ? 'WARN ' : ''}${entry.message}\n`;
}

export async function simCommand(argv: string[], io: SimIo = processIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`tomada sim: ${error.message}\n\n${SIM_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(SIM_USAGE);
    return 0;
  }

  if (parsed.api) {
    const members = fleetMembers(parsed.fleet);
    try {
      const declared = declaredProtocol(parsed.fleet.protocol ?? 'ocpp1.6-json', new Set(parsed.fleet.chargePoint?.faults ?? []));
      await registerFleet(parsed.api.url, parsed.api.token, members, parsed.fleet.chargePoint?.password, declared);
    } catch (error) {
      if (!(error instanceof RegistrationError)) throw error;
      io.err(`tomada sim: registration failed: ${error.message}\n`);
      return 1;
    }
    io.err(`registered ${members.length} charge points and their id tags at ${parsed.api.url}\n`);
  }

  const fleet = runFleet({
    ...parsed.fleet,
    logger: (entry) => {
      if (entry.level !== 'debug') io.err(progressLine(entry));
    },
  });
  const stopPerson = parsed.person && parsed.api
    ? actAsPerson({ apiUrl: parsed.api.url, token: parsed.api.token, chargePoints: fleet.chargePoints, log: (id, message) => io.err(progressLine({ chargePointId: id, level: 'info', message })) })
    : () => undefined;
  // Ctrl-C ends the run cleanly: sessions are stopped and the summary is still printed.
  const onSignal = (): void => {
    io.err('stopping: ending sessions\n');
    void fleet.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await fleet.summary;
    io.out(`${JSON.stringify(summary, null, 2)}\n`);
    io.err(
      `${summary.sessions.length} sessions, ${summary.totalDeliveredWh} Wh delivered` +
        `${summary.failures.length > 0 ? `, ${summary.failures.length} failures` : ''}\n`,
    );
    return summary.complete ? 0 : 1;
  } finally {
    stopPerson();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
