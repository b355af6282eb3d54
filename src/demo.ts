// `tomada demo`: a central system on its own demo database with simulated charge points charging,
// so a newcomer sees sessions, energy and commands work within a minute.
import { parseArgs } from 'node:util';
import { startTomada } from './app.js';
import { loadConfig } from './config.js';
import { newTokenSecret } from './domain/api-tokens.js';
import { createLogger } from './log.js';
import { runFleet, type FleetHandle } from './sim/fleet.js';

// Three tags per charge point: with two connectors charging at once, a tag is never reused while
// its previous session runs (that would rightly be refused as ConcurrentTx).
const tagsFor = (index: number) => [1, 2, 3].map((n) => `DEMO${index + 1}-TAG${n}`);

export async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'session-seconds': { type: 'string', default: '30' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('tomada demo [--session-seconds N]\n  Starts Tomada on ./data/demo.db (TOMADA_DATABASE_URL overrides) with 3 simulated charge points.\n');
    return 0;
  }
  const sessionSeconds = Number(values['session-seconds']);
  if (!Number.isFinite(sessionSeconds) || sessionSeconds < 1) {
    process.stderr.write('--session-seconds must be a number of at least 1\n');
    return 2;
  }
  const env: Record<string, string | undefined> = { TOMADA_HOST: '127.0.0.1', TOMADA_DATABASE_URL: 'sqlite:./data/demo.db', TOMADA_LOG_LEVEL: 'warn', ...process.env };
  const config = { ...loadConfig(env), adminToken: env.TOMADA_ADMIN_TOKEN || `demo-${newTokenSecret()}` };
  const log = createLogger(env.TOMADA_LOG_LEVEL);
  const tomada = await startTomada(config, log);
  const { domain } = tomada;

  // Three kinds of meter a real network sees: a Wh register, a kWh register, interval readings.
  const kinds = [
    { id: 'DEMO-WH-', meter: { mode: 'register', unit: 'Wh' } },
    { id: 'DEMO-KWH-', meter: { mode: 'register', unit: 'kWh' } },
    { id: 'DEMO-INT-', meter: { mode: 'interval', unit: 'Wh' } },
  ] as const;
  const baseUrl = `ws://127.0.0.1:${tomada.ocppPort}/ocpp`;
  const fleets: FleetHandle[] = [];
  for (const [index, kind] of kinds.entries()) {
    const id = `${kind.id}0001`;
    await domain.registry.configure(id, { registrationStatus: 'Accepted' });
    for (const idTag of tagsFor(index)) await domain.idTags.put({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
    fleets.push(
      runFleet({
        baseUrl,
        count: 1,
        prefix: kind.id,
        connectors: 2,
        sessionMs: sessionSeconds * 1000,
        pauseMs: 5000,
        forever: true,
        idTags: tagsFor(index),
        chargePoint: { meter: { ...kind.meter, powerW: 22_000, sampleIntervalMs: 5000, initialRegisterWh: 1_250_000 * (index + 1) }, minIntervalMs: 1000 },
      }),
    );
  }

  const api = `http://127.0.0.1:${tomada.httpPort}`;
  process.stdout.write(
    [
      '',
      'Tomada demo is running.',
      `  OCPP endpoint : ${baseUrl}/{chargePointId}`,
      `  Operator API  : ${api}/api/v1   (OpenAPI: ${api}/api/openapi.json)`,
      `  Admin token   : ${config.adminToken}`,
      '',
      'Try:',
      `  curl -s -H 'Authorization: Bearer ${config.adminToken}' ${api}/api/v1/charge-points`,
      `  curl -s -H 'Authorization: Bearer ${config.adminToken}' '${api}/api/v1/transactions?active=true'`,
      `  curl -s -X POST -H 'Authorization: Bearer ${config.adminToken}' -H 'content-type: application/json' \\`,
      `       -d '{"type":"Soft"}' ${api}/api/v1/charge-points/DEMO-WH-0001/commands/reset`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  return new Promise<number>((resolve) => {
    const stop = async () => {
      process.stdout.write('\nStopping the demo: ending sessions…\n');
      await Promise.all(fleets.map((f) => f.stop()));
      await tomada.stop();
      resolve(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}
