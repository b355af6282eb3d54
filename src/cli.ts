#!/usr/bin/env node
// The `tomada` command: serve, demo, sim, journal verify, migrate, and the operator tasks (src/cli/).
// The server is loaded only by the commands that run it: the operator commands start fast.
import { ConfigError, explainStoreError } from './config.js';
import type { Logger } from './log.js';
import { VERSION } from './version.js';

const USAGE = `tomada ${VERSION} — OCPP central system

Usage:
  tomada serve            start the central system (configuration from TOMADA_* variables)
  tomada demo             start it on a demo database with simulated charge points charging
  tomada sim [options]    run simulated charge points against a central system (tomada sim --help)
  tomada journal verify   check the frame journal's hash chain and the energy derived from it
  tomada migrate          bring the store that is there to this version's schema, say what was applied, and exit (--create: make one)
  tomada validate ID      run the network's validation campaign against a charge point (tomada validate --help)
  tomada --version

Operator tasks through the REST API (tomada help operators):
  tomada charge-points list|show|history|meter-values|register
  tomada id-tags list|show|set|block          tomada whoami
  tomada command remote-start|remote-stop|reset|unlock CHARGE_POINT_ID
  tomada sessions list|show|export            tomada tokens list|create|revoke
  tomada operators list|set|remove
`;

const SERVE_USAGE = `Usage: tomada serve

Starts the central system: the OCPP listener (TOMADA_OCPP_PORT, 9000), the operator API and
dashboard (TOMADA_HTTP_PORT, 8080) and the store (TOMADA_DATABASE_URL, sqlite:./data/tomada.db).
It takes no options: every setting is a TOMADA_* environment variable, listed with its default
in the README's "Configuration" table. It runs until SIGINT or SIGTERM, then stops cleanly.
`;

const OPERATOR_GROUPS = new Set(['charge-points', 'id-tags', 'command', 'sessions', 'tokens', 'operators', 'whoami']);

/** A bug anywhere must not take the network down: log it loudly and keep serving. */
function keepRunningOnErrors(log: Logger): void {
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => log.fatal({ err: error }, 'uncaught exception'));
}

/** Stops on SIGINT or SIGTERM, and exits once the log's last line is written: a clean stop's log ends at 'stopped'. */
function stopOnSignals(stop: () => Promise<void>, log: Logger, endLog: (log: Logger) => Promise<void>): void {
  const exitAfterLog = (code: number) => void endLog(log).then(() => process.exit(code));
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopping = true;
      log.info({ signal }, 'stopping');
      const started = performance.now();
      stop().then(
        () => {
          // A supervisor's log then shows the stop finished, and how long it took.
          log.info({ ms: Math.round(performance.now() - started) }, 'stopped');
          exitAfterLog(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'stop failed');
          exitAfterLog(1);
        },
      );
    });
  }
}

async function serve(): Promise<number> {
  const [{ startTomada }, { loadConfig, explainListenError }, { createLogger, endLog }] = await Promise.all([import('./app.js'), import('./config.js'), import('./log.js')]);
  // The configuration first: a wrong value stops here, named, before anything is logged or opened.
  const config = loadConfig();
  const log = createLogger();
  keepRunningOnErrors(log);
  if (config.cluster && config.databaseUrl.startsWith('sqlite:')) {
    // Allowed (a benchmark runs nodes so), but on a network it is a forgotten TOMADA_DATABASE_URL:
    // each node would keep what its charge points report where no other node sees it.
    log.warn(
      { database: config.databaseUrl },
      'TOMADA_NATS_URL is set but the store is a SQLite file of this node alone: the other nodes will not see what it stores. Several nodes share one PostgreSQL: set TOMADA_DATABASE_URL (docs/OPERATIONS.md)',
    );
  }
  const tomada = await startTomada(config, log).catch((error: unknown) => {
    throw explainListenError(error, config);
  });
  if (tomada.generatedAdminToken) {
    // Shown once, on stdout, never logged: only its hash is stored.
    process.stdout.write(`\nFirst administrator token (shown once, store it now): ${tomada.generatedAdminToken}\n\n`);
  }
  stopOnSignals(() => tomada.stop(), log, endLog);
  return new Promise<number>(() => undefined);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      if (rest.length === 0) return serve();
      // Anything after it is a question or a mistake (an option it does not take): never a start
      // that silently ignores it, or makes ./data/ where the operator only asked for help.
      if (rest.length === 1 && ['--help', '-h', 'help'].includes(rest[0]!)) {
        process.stdout.write(SERVE_USAGE);
        return 0;
      }
      process.stderr.write(`tomada serve takes no arguments (given: ${rest.join(' ')}); it is configured by environment variables\n\n${SERVE_USAGE}`);
      return 2;
    case 'demo': {
      const { demo } = await import('./demo.js');
      return demo(rest);
    }
    case 'journal': {
      const { journalCommand } = await import('./audit/journal-cli.js');
      return journalCommand(rest);
    }
    case 'migrate': {
      const { migrateCommand } = await import('./cli/migrate-command.js');
      return migrateCommand(rest);
    }
    case 'validate': {
      const { validateCommand } = await import('./validation/validate-cli.js');
      return validateCommand(rest);
    }
    case 'sim': {
      const { simCommand } = await import('./sim/cli.js');
      return simCommand(rest);
    }
    case 'help':
      if (rest[0] === 'operators') {
        const { operatorUsage } = await import('./cli/operator-commands.js');
        process.stdout.write(operatorUsage());
        return 0;
      }
      process.stdout.write(USAGE);
      return 0;
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      if (OPERATOR_GROUPS.has(command)) {
        const { operatorCommand } = await import('./cli/operator-commands.js');
        return operatorCommand(command, rest);
      }
      process.stderr.write(`Unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (thrown: unknown) => {
    // These commands open a store: the demo its own (--database), the others TOMADA_DATABASE_URL's.
    const command = process.argv[2] ?? '';
    const setting = command === 'demo' ? '--database' : 'TOMADA_DATABASE_URL';
    const error = ['serve', 'demo', 'migrate', 'journal'].includes(command) ? explainStoreError(thrown, setting) : thrown;
    if (error instanceof ConfigError) process.stderr.write(`Configuration error: ${error.message}\n`);
    else process.stderr.write(`tomada: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
