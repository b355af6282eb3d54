// How long a node takes to start: `node dist/cli.js serve` on a fresh SQLite file, from the spawn
// until /health answers, and the CPU the process spent by then. A restart after a crash, a rolling
// deploy and the test suite (which starts hundreds of nodes) all wait for it. With --against DIR,
// the build in DIR (a checkout of an earlier revision, with node_modules and dist/) is started in
// turns with this one, so both see the same machine.
//
//   node --import tsx bench/node-start.ts [--rounds 10] [--against DIR]
//
// Bounded: each start gets 60 s, and the node is stopped as soon as it answers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable, saveResult } from './lib/report.js';
import { sampleProcess } from './lib/proc-stats.js';
import { freePort, ROOT } from './lib/servers.js';
import { median } from './lib/turns.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, against: { type: 'string' } } });
const rounds = Number(values.rounds);
const trees: Record<string, string> = { this: ROOT, ...(values.against ? { against: resolve(values.against) } : {}) };

interface Start {
  /** From the spawn until /health answered. */
  readyMs: number;
  /** CPU the node's process had used by then (all its threads). */
  cpuMs: number;
}

async function startOnce(tree: string): Promise<Start> {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-start-'));
  const httpPort = await freePort();
  const spawned = performance.now();
  const child = spawn(process.execPath, ['dist/cli.js', 'serve'], {
    cwd: tree,
    env: {
      ...process.env,
      TOMADA_HOST: '127.0.0.1',
      TOMADA_OCPP_PORT: String(await freePort()),
      TOMADA_HTTP_PORT: String(httpPort),
      TOMADA_DATABASE_URL: `sqlite:${join(dir, 'tomada.db')}`,
      TOMADA_ADMIN_TOKEN: 'bench-admin-token-0123456789',
      TOMADA_LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the node in ${tree} exited (${child.exitCode}) before it answered`);
      if (performance.now() - spawned > 60_000) throw new Error(`the node in ${tree} did not answer within 60 s`);
      const ok = await fetch(`http://127.0.0.1:${httpPort}/health`).then((r) => r.ok, () => false);
      if (ok) {
        const readyMs = performance.now() - spawned;
        return { readyMs, cpuMs: sampleProcess(child.pid!).cpuSeconds * 1000 };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

const starts: Record<string, Start[]> = Object.fromEntries(Object.keys(trees).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, tree] of Object.entries(trees)) starts[name]!.push(await startOnce(tree));
}

const summary = Object.fromEntries(
  Object.entries(starts).map(([name, list]) => [name, { readyMs: Math.round(median(list.map((s) => s.readyMs))), cpuMs: Math.round(median(list.map((s) => s.cpuMs))) }]),
);
printTable(
  `a node's start on a fresh SQLite file, median of ${rounds} (CPU at 10 ms resolution)`,
  Object.entries(summary).map(([name, s]) => ({ tree: name === 'this' ? ROOT : trees[name], 'ready ms': s.readyMs, 'CPU ms': s.cpuMs })),
);
if (summary.against) {
  console.log(`this / against: ready ${(summary.this!.readyMs / summary.against.readyMs).toFixed(2)} ×, CPU ${(summary.this!.cpuMs / summary.against.cpuMs).toFixed(2)} ×`);
}
saveResult('node-start', { rounds, trees, starts, summary });
