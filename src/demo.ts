// `tomada demo`: a central system on its own demo database with simulated charge points charging,
// so a newcomer sees the dashboard, sessions, energy and commands work within a minute.
import { parseArgs } from 'node:util';
import { startTomada, type RunningTomada } from './app.js';
import { explainListenError, loadConfig, type Config } from './config.js';
import { newTokenSecret } from './domain/api-tokens.js';
import { createLogger } from './log.js';
import { SimulatedChargePoint } from './sim/charge-point.js';
import { runFleet, type FleetHandle } from './sim/fleet.js';
import { actAsPerson } from './sim/person.js';

// Three tags per charge point: with two connectors charging at once, a tag is never reused while
// its previous session runs (that would rightly be refused as ConcurrentTx).
const tagsFor = (index: number) => [1, 2, 3].map((n) => `DEMO${index + 1}-TAG${n}`);
const VALIDATION_CP = 'DEMO-VALIDATE-0001';
const VALIDATION_TAG = 'DEMO-VAL-TAG';

// The three protocols the network accepts, and the kinds of meter it sees: Wh and kWh registers,
// interval readings.
const kinds = [
  { id: 'DEMO-16-WH-', protocol: 'ocpp1.6-json', meter: { mode: 'register', unit: 'Wh' }, vendor: 'Tomada Sim', model: 'AC22-W' },
  { id: 'DEMO-16-KWH-', protocol: 'ocpp1.6-json', meter: { mode: 'register', unit: 'kWh' }, vendor: 'Tomada Sim', model: 'AC22-K' },
  { id: 'DEMO-15J-INT-', protocol: 'ocpp1.5-json', meter: { mode: 'interval', unit: 'Wh' }, vendor: 'Tomada Sim', model: 'AC22-I' },
  { id: 'DEMO-15S-WH-', protocol: 'ocpp1.5-soap', meter: { mode: 'register', unit: 'Wh' }, vendor: 'Tomada Sim', model: 'AC22-S' },
] as const;

export interface DemoOptions {
  config: Config;
  sessionSeconds: number;
  pauseSeconds?: number;
  /** Meter samples every this many ms (the energy chart's resolution). */
  sampleIntervalMs?: number;
  logLevel?: string;
}

export interface RunningDemo {
  tomada: RunningTomada;
  adminToken: string;
  /** A token of operator OPC-LISBOA: it sees and commands only that operator's charge points. */
  operatorToken: string;
  chargePointIds: string[];
  /** http://host:port of the dashboard and API. */
  httpUrl: string;
  stop(): Promise<void>;
}

/** Starts Tomada with the demo's charge points registered and charging in a loop. */
export async function startDemo({ config, sessionSeconds, pauseSeconds = 5, sampleIntervalMs = 5000, logLevel = 'warn' }: DemoOptions): Promise<RunningDemo> {
  const adminToken = config.adminToken || `demo-${newTokenSecret()}`;
  // The demo's SOAP charge point takes commands on this machine, whose addresses a From may not
  // name by default (docs/SECURITY.md): unless told otherwise the demo allows that one address.
  const soapEndpointNetworks = config.soapEndpointNetworks.allowed.length === 0 && config.soapEndpointNetworks.denied.length > 0 ? { allowed: ['127.0.0.1'], denied: [] } : config.soapEndpointNetworks;
  const tomada = await startTomada({ ...config, adminToken, soapEndpointNetworks }, createLogger(logLevel));
  const { domain } = tomada;
  const baseUrl = `ws://127.0.0.1:${tomada.ocppPort}/ocpp`;
  const soapUrl = `http://127.0.0.1:${tomada.ocppPort}/ocpp/soap`;
  const fleets: FleetHandle[] = [];
  // Two public operators (OPC), each seeing only its own charge points with its own token.
  await domain.operators.put('OPC-LISBOA', { name: 'Lisboa Charging', kind: 'OPC' });
  await domain.operators.put('OPC-PORTO', { name: 'Porto Plugs', kind: 'OPC' });
  const admin = { tokenId: 'demo', tokenName: 'demo', role: 'admin' as const, operator: null, expiresAt: null };
  const operatorToken = (await domain.apiTokens.create(admin, { name: 'demo: OPC-LISBOA', role: 'operator', operator: 'OPC-LISBOA' })).secret;
  for (const [index, kind] of kinds.entries()) {
    const id = `${kind.id}0001`;
    await domain.registry.configure(id, { registrationStatus: 'Accepted', declaredOcppVersion: kind.protocol.startsWith('ocpp1.6') ? '1.6' : '1.5', declaredTransport: kind.protocol.endsWith('soap') ? 'soap' : 'json', operator: index < 2 ? 'OPC-LISBOA' : 'OPC-PORTO' });
    for (const idTag of tagsFor(index)) await domain.idTags.put({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
    fleets.push(
      runFleet({
        baseUrl: kind.protocol === 'ocpp1.5-soap' ? soapUrl : baseUrl,
        protocol: kind.protocol,
        count: 1,
        prefix: kind.id,
        connectors: 2,
        sessionMs: sessionSeconds * 1000,
        pauseMs: pauseSeconds * 1000,
        // Connectors start apart, so the list shows charge points in different states.
        staggerMs: 1500,
        forever: true,
        idTags: tagsFor(index),
        chargePoint: {
          vendor: kind.vendor,
          model: kind.model,
          firmwareVersion: `${index + 1}.${index + 2}.0`,
          meter: { ...kind.meter, powerW: 22_000, sampleIntervalMs, initialRegisterWh: 1_250_000 * (index + 1) },
          minIntervalMs: 1000,
        },
      }),
    );
  }
  // One charge point stands idle for validation campaigns started from the dashboard, with a
  // simulated person at it who acts out the manual steps (present a card, plug in).
  const bench = new SimulatedChargePoint({ id: VALIDATION_CP, baseUrl, connectors: 2, vendor: 'Tomada Sim', model: 'AC22-V', firmwareVersion: '2.0.0', minIntervalMs: 1000, meter: { powerW: 11_000, sampleIntervalMs } });
  await domain.registry.configure(VALIDATION_CP, { registrationStatus: 'Accepted', declaredOcppVersion: '1.6', declaredTransport: 'json', operator: 'OPC-LISBOA' });
  await domain.idTags.put({ idTag: VALIDATION_TAG, status: 'Accepted', expiryDate: null, parentIdTag: null });
  bench.start();
  const stopPerson = actAsPerson({ apiUrl: `http://127.0.0.1:${tomada.httpPort}`, token: adminToken, chargePoints: [bench], pollMs: 500 });
  let stopping: Promise<void> | undefined;
  return {
    tomada,
    adminToken,
    operatorToken,
    chargePointIds: [...kinds.map((k) => `${k.id}0001`), VALIDATION_CP],
    httpUrl: `http://127.0.0.1:${tomada.httpPort}`,
    stop() {
      stopping ??= (async () => {
        stopPerson();
        await Promise.all([...fleets.map((f) => f.stop()), bench.stop()]);
        await tomada.stop();
      })();
      return stopping;
    },
  };
}

const DEMO_USAGE = `Usage: tomada demo [--session-seconds N] [--database URL]

Starts Tomada with 4 simulated charge points (OCPP 1.6 JSON, 1.5 JSON and 1.5 SOAP) charging in a
loop and a fifth standing idle for a validation campaign, and prints the dashboard link.
  --session-seconds N   length of each session (default 30)
  --database URL        the demo's own database (default sqlite:./data/demo.db); never
                        TOMADA_DATABASE_URL, which may be a real network's
The ports, the address and the log level come from TOMADA_OCPP_PORT, TOMADA_HTTP_PORT, TOMADA_HOST
(default 127.0.0.1) and TOMADA_LOG_LEVEL (default warn); TOMADA_NATS_URL is ignored.
`;

/**
 * The demo's settings: the environment's, but for the database and the cluster. A shell set up
 * for a real node (TOMADA_DATABASE_URL, TOMADA_NATS_URL exported) must not have the demo migrate
 * that network's database and write made-up operators, tokens, charge points and sessions into
 * it, nor join its cluster.
 */
export function demoEnvironment(env: Record<string, string | undefined>, databaseUrl = 'sqlite:./data/demo.db'): Record<string, string | undefined> {
  // An empty variable is unset (as config.ts reads them): TOMADA_HOST= left the demo, and the
  // tokens it prints, on every address of the machine (config's 0.0.0.0) instead of its own 127.0.0.1.
  return { ...env, TOMADA_HOST: env.TOMADA_HOST || '127.0.0.1', TOMADA_LOG_LEVEL: env.TOMADA_LOG_LEVEL || 'warn', TOMADA_DATABASE_URL: databaseUrl, TOMADA_NATS_URL: undefined };
}

export async function demo(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'session-seconds': { type: 'string', default: '30' },
        database: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`tomada demo: ${(error as Error).message}\n\n${DEMO_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  const sessionSeconds = Number(values['session-seconds']);
  if (!Number.isFinite(sessionSeconds) || sessionSeconds < 1) {
    process.stderr.write('--session-seconds must be a number of at least 1\n');
    return 2;
  }
  const env = demoEnvironment(process.env, values.database || undefined);
  const config = loadConfig(env);
  const running = await startDemo({ config, sessionSeconds, logLevel: env.TOMADA_LOG_LEVEL }).catch((error: unknown) => {
    throw explainListenError(error, config);
  });
  const { tomada, adminToken, operatorToken, httpUrl: api } = running;
  const baseUrl = `ws://127.0.0.1:${tomada.ocppPort}/ocpp`;
  const soapUrl = `http://127.0.0.1:${tomada.ocppPort}/ocpp/soap`;
  process.stdout.write(
    [
      '',
      'Tomada demo is running.',
      '',
      `  Dashboard     : ${api}/#token=${encodeURIComponent(adminToken)}`,
      `                  (the link signs you in; or open ${api}/ and paste the admin token)`,
      `  Admin token   : ${adminToken}`,
      `  Operator view : ${api}/#token=${encodeURIComponent(operatorToken)}`,
      `                  (operator OPC-LISBOA: sees and commands only its own charge points)`,
      `  Metrics       : ${api}/metrics   Health: ${api}/health, ${api}/ready`,
      `  Charge points : ${kinds.map((k) => `${k.id}0001 (${k.protocol})`).join(', ')}`,
      `  Validation    : ${VALIDATION_CP} stands idle for a validation campaign (dashboard: Validations,`,
      `                  connector 1, id tag ${VALIDATION_TAG}); a simulated person does its manual steps`,
      `  OCPP endpoint : ${baseUrl}/{chargePointId} (ocpp1.6, ocpp1.5)   SOAP: ${soapUrl}`,
      `  Operator API  : ${api}/api/v1   (OpenAPI: ${api}/api/openapi.json)`,
      '',
      'Try:',
      `  curl -s -H 'Authorization: Bearer ${adminToken}' ${api}/api/v1/charge-points`,
      `  curl -s -H 'Authorization: Bearer ${adminToken}' '${api}/api/v1/transactions?active=true'`,
      `  curl -s -X POST -H 'Authorization: Bearer ${adminToken}' -H 'content-type: application/json' \\`,
      `       -d '{"type":"Soft"}' ${api}/api/v1/charge-points/DEMO-15S-WH-0001/commands/reset`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  return new Promise<number>((resolve) => {
    const stop = async () => {
      process.stdout.write('\nStopping the demo: ending sessions…\n');
      await running.stop();
      resolve(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}
