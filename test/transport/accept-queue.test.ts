// After an outage a whole network reconnects within seconds. The kernel queues the connections
// Tomada has not accepted yet; a connection that finds that queue full is dropped and its charge
// point waits a TCP retransmission (1 s, then 3 s, 7 s). Tomada asks for the longest queue the
// kernel allows (net.core.somaxconn), not Node's default of 511.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startTestTomada } from '../support/tomada.js';

const SOMAXCONN = '/proc/sys/net/core/somaxconn';

/** The accept queue length of the socket listening on 127.0.0.1:port, as `ss` reports it (Send-Q of a listener). */
function acceptQueueOf(port: number): number {
  const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  const [, , sendQ] = line.trim().split(/\s+/);
  assert.ok(sendQ !== undefined && /^\d+$/.test(sendQ), `ss shows the listener on ${port}: ${JSON.stringify(line)}`);
  return Number(sendQ);
}

function ssMissing(): string | undefined {
  if (!existsSync(SOMAXCONN)) return `${SOMAXCONN} not found (not Linux)`;
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the ss command (iproute2) is not installed';
  }
}

test('the OCPP listener queues as many waiting connections as the kernel allows', { skip: ssMissing() }, async () => {
  const somaxconn = Number(readFileSync(SOMAXCONN, 'utf8').trim());
  const t = await startTestTomada();
  try {
    const port = Number(new URL(t.wsUrl).port);
    assert.equal(acceptQueueOf(port), Math.min(somaxconn, 65_535));
  } finally {
    await t.close();
  }
});
