// Times every SQLite statement a Tomada server runs, by its SQL text, and writes the costliest to
// bench/results/statements-PID.txt when the server exits: how many times each ran, its total and
// its mean. Loaded into the servers a bench starts (each run's own figures, with the timing's own
// cost in them, so compare texts within one file):
//
//   npm run bench -- storm --count 19000 --node-args=--import=./bench/statement-times.mjs
//
// How the bound LIMITs were found (docs/PERFORMANCE-LOG.md, "A bound LIMIT"): a statement whose
// mean is far above that of a like one stands out.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const ROWS = 30;

// Only Tomada itself (dist/cli.js); the bench's own processes load this too, and read no SQLite.
if (process.argv.some((arg) => arg.endsWith('cli.js'))) {
  /** SQL text → runs and microseconds. */
  const times = new Map();
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function timedPrepare(text) {
    const statement = prepare.call(this, text);
    for (const method of ['run', 'all', 'get']) {
      const untimed = statement[method];
      statement[method] = function timed(...args) {
        const start = process.hrtime.bigint();
        try {
          return untimed.apply(this, args);
        } finally {
          const entry = times.get(text) ?? { runs: 0, us: 0 };
          entry.runs++;
          entry.us += Number(process.hrtime.bigint() - start) / 1000;
          times.set(text, entry);
        }
      };
    }
    return statement;
  };
  process.on('exit', () => {
    const lines = [...times.entries()]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, ROWS)
      .map(([text, { runs, us }]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${String(runs).padStart(9)} × ${(us / runs).toFixed(1).padStart(8)} µs  ${text.replace(/\s+/g, ' ')}`);
    writeFileSync(new URL(`./results/statements-${process.pid}.txt`, import.meta.url), `total ms, runs × mean, SQL text\n${lines.join('\n')}\n`);
  });
}
