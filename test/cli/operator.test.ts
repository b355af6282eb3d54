// The operator commands of the `tomada` CLI, run as a separate process against a real server
// over HTTP: register a charge point, manage id tags and tokens, send the four commands to a
// connected charge point, read a charge point's status history and its readings outside sessions,
// list and export sessions; and clear errors with their exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { boot, TestClient } from '../support/ocpp-client.js';
import { ROOT, tomadaArgs } from '../support/cli-entry.js';
import { ADMIN_TOKEN, startTestTomada } from '../support/tomada.js';
import { newChargePoint } from '../../src/domain/registry.js';


/** Runs `tomada ARGS` in its own process (never blocking this one, which serves the API). */
function tomada(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, tomadaArgs(...args), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('the tomada CLI does the operator tasks through the API', async (s) => {
  const t = await startTestTomada();
  const dir = mkdtempSync(join(tmpdir(), 'tomada-cli-'));
  const env = { TOMADA_API_URL: t.httpUrl, TOMADA_API_TOKEN: ADMIN_TOKEN };
  let client: TestClient | undefined;
  try {
    await s.test('operators, charge points, id tags and tokens', async () => {
      assert.equal((await tomada(['operators', 'set', 'OPC-CLI', '--name', 'CLI Operator', '--kind', 'OPC'], env)).code, 0);
      const registered = await tomada(
        ['charge-points', 'register', 'CLI-CP', '--operator', 'OPC-CLI', '--connection', 'platform', '--declared-version', '1.5', '--declared-transport', 'soap'],
        env,
      );
      assert.equal(registered.code, 0, registered.stderr);
      const { operator, connection, declaredOcppVersion, declaredTransport } = JSON.parse(registered.stdout);
      assert.deepEqual({ operator, connection, declaredOcppVersion, declaredTransport }, { operator: 'OPC-CLI', connection: 'platform', declaredOcppVersion: '1.5', declaredTransport: 'soap' });
      const listed = await tomada(['charge-points', 'list'], env);
      assert.match(listed.stdout, /^id\s+operator\s+connection/);
      assert.match(listed.stdout, /CLI-CP\s+OPC-CLI\s+platform\s+false/);

      assert.equal((await tomada(['id-tags', 'set', 'CLI-TAG', '--status', 'Accepted', '--parent', 'GROUP'], env)).code, 0);
      assert.equal((await tomada(['id-tags', 'block', 'CLI-TAG'], env)).code, 0);
      const tag = (await t.api('/api/v1/id-tags/CLI-TAG')).body;
      assert.deepEqual({ status: tag.status, parentIdTag: tag.parentIdTag }, { status: 'Blocked', parentIdTag: 'GROUP' });

      // What a card holder chose is printed, never obeyed: an ESC sequence would clear the terminal.
      const hostile = 'X\u001b[2J\n\u202eY';
      assert.equal((await t.api(`/api/v1/id-tags/${encodeURIComponent(hostile)}`, { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
      const tags = await tomada(['id-tags', 'list'], env);
      assert.doesNotMatch(tags.stdout, /[\u001b\u202e]/);
      assert.match(tags.stdout, /^X\\u001b\[2J\\u000a\\u202eY\s+Accepted/m, tags.stdout);

      const made = await tomada(['tokens', 'create', '--name', 'cli op', '--role', 'operator', '--operator', 'OPC-CLI', '--json'], env);
      assert.equal(made.code, 0, made.stderr);
      const { id, token } = JSON.parse(made.stdout);
      const who = await tomada(['whoami', '--json'], { ...env, TOMADA_API_TOKEN: token });
      assert.deepEqual({ role: JSON.parse(who.stdout).role, operator: JSON.parse(who.stdout).operator }, { role: 'operator', operator: 'OPC-CLI' });
      assert.match((await tomada(['tokens', 'list'], env)).stdout, new RegExp(`${id}\\s+cli op\\s+operator\\s+OPC-CLI`));
      const temporary = await tomada(['tokens', 'create', '--name', 'cli temp', '--role', 'readonly', '--expires', '2099-01-01T01:00:00+01:00', '--json'], env);
      assert.equal(temporary.code, 0, temporary.stderr);
      assert.equal(JSON.parse(temporary.stdout).expiresAt, '2099-01-01T00:00:00.000Z');
      assert.match((await tomada(['tokens', 'list'], env)).stdout, new RegExp(`${JSON.parse(temporary.stdout).id}\\s+cli temp\\s+readonly\\s+-\\s+\\S+\\s+-\\s+2099-01-01T00:00:00.000Z`));
      const expired = await tomada(['tokens', 'create', '--name', 'cli late', '--role', 'readonly', '--expires', '2020-01-01T00:00:00Z'], env);
      assert.equal(expired.code, 1);
      assert.match(expired.stderr, /answered 400 BadRequest: expiresAt: 2020-01-01T00:00:00.000Z is not in the future/);
      assert.equal((await tomada(['tokens', 'revoke', id], env)).code, 0);
      const revoked = await tomada(['whoami'], { ...env, TOMADA_API_TOKEN: token });
      assert.equal(revoked.code, 4, 'a revoked token: exit 4');
      assert.match(revoked.stderr, /401 Unauthorized: Unknown or revoked token \(check --token or TOMADA_API_TOKEN\)/);
    });

    await s.test('id-tags list reads a registry larger than one page, each tag once', async () => {
      // With CLI-TAG and the hostile one: 1,001 tags, two full pages of 500 and one of 1.
      const tags = Array.from({ length: 999 }, (_, i) => `BULK-TAG-${String(i).padStart(4, '0')}`);
      await t.store.transact(async (tx) => {
        for (const idTag of tags) await tx.putIdTag({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
      });
      const listed = await tomada(['id-tags', 'list'], env);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = listed.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0]!);
      assert.equal(rows.length, 1001, 'every tag, once');
      assert.deepEqual(rows.filter((tag) => tag.startsWith('BULK-TAG-')), tags);
    });

    await s.test('charge-points list reads a network larger than one page, each charge point once', async () => {
      // With CLI-CP, 1,000: two full pages of 500, then the empty page that ends the loop.
      const ids = Array.from({ length: 999 }, (_, i) => `BULK-${String(i).padStart(4, '0')}`);
      await t.store.transact(async (tx) => {
        for (const id of ids) await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
      });
      const listed = await tomada(['charge-points', 'list'], env);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = listed.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0]);
      assert.deepEqual(rows, [...ids, 'CLI-CP'].sort());
    });

    await s.test('the four commands reach a connected charge point; sessions list and export', async () => {
      client = await TestClient.connect(t.wsUrl, 'CLI-CP');
      const calls: string[] = [];
      client.onCall = (action) => {
        calls.push(action);
        return { status: action === 'UnlockConnector' ? 'Unlocked' : action === 'Reset' ? 'Rejected' : 'Accepted' };
      };
      await boot(client);
      assert.equal((await tomada(['id-tags', 'set', 'CLI-GO', '--status', 'Accepted'], env)).code, 0);
      const started = await tomada(['command', 'remote-start', 'CLI-CP', '--id-tag', 'CLI-GO', '--connector', '1'], env);
      assert.deepEqual([started.code, started.stdout], [0, 'CLI-CP: Accepted\n']);
      const tx = (await client.ok('StartTransaction', { connectorId: 1, idTag: 'CLI-GO', meterStart: 100, timestamp: '2024-07-01T10:00:00Z' })).transactionId;
      assert.equal((await tomada(['command', 'remote-stop', 'CLI-CP', '--transaction', String(tx)], env)).code, 0);
      await client.ok('StopTransaction', { transactionId: tx, meterStop: 2100, timestamp: '2024-07-01T10:30:00Z' });
      assert.equal((await tomada(['command', 'unlock', 'CLI-CP', '--connector', '1'], env)).stdout, 'CLI-CP: Unlocked\n');
      const reset = await tomada(['command', 'reset', 'CLI-CP', '--type', 'Hard'], env);
      assert.deepEqual([reset.code, reset.stdout], [1, 'CLI-CP: Rejected\n'], 'a refusal is printed and fails the script');
      assert.deepEqual(calls, ['RemoteStartTransaction', 'RemoteStopTransaction', 'UnlockConnector', 'Reset']);
      // A lenient charge point's answer is taken though it fails its schema: printed, never obeyed.
      assert.equal((await t.api('/api/v1/charge-points/CLI-CP', { method: 'PUT', body: { lenient: true } })).status, 200);
      client.onCall = () => ({ status: '\u001b]0;pwned\u0007\u001b[2J\u202e' });
      const hostile = await tomada(['command', 'reset', 'CLI-CP', '--type', 'Soft'], env);
      assert.equal(hostile.stdout, 'CLI-CP: \\u001b]0;pwned\\u0007\\u001b[2J\\u202e\n');
      const hostileJson = await tomada(['command', 'reset', 'CLI-CP', '--type', 'Soft', '--json'], env);
      assert.doesNotMatch(hostileJson.stdout, /[\u001b\u0007\u202e]/);
      assert.equal(JSON.parse(hostileJson.stdout).status, '\u001b]0;pwned\u0007\u001b[2J\u202e', 'the JSON still reads as sent');
      assert.equal((await t.api('/api/v1/charge-points/CLI-CP', { method: 'PUT', body: { lenient: false } })).status, 200);

      await client.ok('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
      await client.ok('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', vendorErrorCode: 'E-31' });
      await client.ok('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' });
      await client.ok('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
      const history = await tomada(['charge-points', 'history', 'CLI-CP', '--connector', '1', '--limit', '2'], env);
      assert.equal(history.code, 0, history.stderr);
      const [header, ...rows] = history.stdout.trimEnd().split('\n');
      assert.match(header!, /^id\s+receivedAt\s+connectorId\s+status\s+errorCode\s+reportedAt\s+info\s+vendorErrorCode$/);
      assert.equal(rows.length, 2, history.stdout);
      assert.match(rows[0]!, /\s1\s+Available\s+NoError\s/);
      assert.match(rows[1]!, /\s1\s+Faulted\s+GroundFailure\s.*E-31$/);
      const faulted = Number(rows[1]!.split(/\s+/)[0]);
      const older = await tomada(['charge-points', 'history', 'CLI-CP', '--before', String(faulted), '--json'], env);
      const olderItems = JSON.parse(older.stdout).items as { id: number; status: string }[];
      assert.equal(olderItems[0]?.status, 'Preparing', `the report just before the Faulted comes first: ${older.stdout}`);
      assert.ok(olderItems.every((item) => item.id < faulted), older.stdout);
      for (const bad of ['ten', '', '0x10', '1e3']) {
        const refused = await tomada(['charge-points', 'history', 'CLI-CP', '--limit', bad], env);
        assert.deepEqual([refused.code, refused.stderr], [2, 'tomada: --limit must be an integer\n'], `--limit ${JSON.stringify(bad)}`);
      }

      // The grid meter on connector 0, outside any session: read back as sent, by time.
      await client.ok('MeterValues', {
        connectorId: 0,
        meterValue: [
          { timestamp: '2024-07-01T11:00:00Z', sampledValue: [{ value: '5000.250', unit: 'kWh', context: 'Sample.Clock', location: 'Inlet' }] },
          { timestamp: '2024-07-01T10:45:00Z', sampledValue: [{ value: '231.4', unit: 'V', measurand: 'Voltage', phase: 'L1-N', location: 'Inlet' }] },
        ],
      });
      const readings = await tomada(['charge-points', 'meter-values', 'CLI-CP', '--connector', '0'], env);
      assert.equal(readings.code, 0, readings.stderr);
      const [readingsHeader, ...readingRows] = readings.stdout.trimEnd().split('\n');
      assert.match(readingsHeader!, /^id\s+timestamp\s+connectorId\s+measurand\s+value\s+unit\s+phase\s+location\s+context\s+format$/);
      assert.equal(readingRows.length, 2, readings.stdout);
      assert.match(readingRows[0]!, /\s2024-07-01T10:45:00.000Z\s+0\s+Voltage\s+231.4\s+V\s+L1-N\s+Inlet\s+Sample.Periodic\s+Raw$/);
      assert.match(readingRows[1]!, /\s2024-07-01T11:00:00.000Z\s+0\s+Energy.Active.Import.Register\s+5000.250\s+kWh\s+-\s+Inlet\s+Sample.Clock\s+Raw$/);
      const first = Number(readingRows[0]!.split(/\s+/)[0]);
      const after = await tomada(['charge-points', 'meter-values', 'CLI-CP', '--after', String(first), '--from', '2024-07-01T00:00:00Z', '--measurand', 'Energy.Active.Import.Register', '--json'], env);
      assert.deepEqual(JSON.parse(after.stdout).items.map((item: { value: string }) => item.value), ['5000.250'], after.stdout);
      const latest = await tomada(['charge-points', 'meter-values', 'CLI-CP', '--newest', '--limit', '1', '--json'], env);
      assert.deepEqual(JSON.parse(latest.stdout).items.map((item: { value: string }) => item.value), ['5000.250'], `--newest: the latest first: ${latest.stdout}`);
      const refused = await tomada(['charge-points', 'meter-values', 'CLI-CP', '--after', 'last'], env);
      assert.deepEqual([refused.code, refused.stderr], [2, 'tomada: --after must be an integer\n']);
      assert.equal((await tomada(['charge-points', 'meter-values', 'CLI-CP', '--from', 'yesterday'], env)).code, 1, "the API's 400");

      const sessions = await tomada(['sessions', 'list', '--charge-point', 'CLI-CP'], env);
      assert.match(sessions.stdout, new RegExp(`^${tx}\\s+CLI-CP\\s+1\\s+CLI-GO\\s+2024-07-01T10:00:00.000Z\\s+2024-07-01T10:30:00.000Z\\s+2000\\s+meterStop`, 'm'));
      assert.equal(sessions.stderr, '', 'all of them: nothing to add');
      // A full page may not be all of them: the reader is told, outside what a script parses.
      const full = await tomada(['sessions', 'list', '--limit', '1', '--json'], env);
      assert.equal(full.code, 0, full.stderr);
      assert.equal(JSON.parse(full.stdout).items.length, 1);
      assert.equal(full.stderr, 'tomada: the newest session only; there may be more: narrow --from/--to, raise --limit (up to 10000), or read them all with tomada sessions export\n');
      const byTag = await tomada(['sessions', 'list', '--id-tag', 'cli-go', '--json'], env);
      assert.deepEqual(JSON.parse(byTag.stdout).items.map((item: any) => item.id), [tx], 'a driver\'s card, asked in any case');
      const csv = await tomada(['sessions', 'export', '--operator', 'OPC-CLI'], env);
      assert.equal(csv.code, 0, csv.stderr);
      const lines = csv.stdout.trimEnd().split('\r\n');
      assert.equal(lines.length, 2);
      assert.match(lines[1]!, new RegExp(`^${tx},CLI-CP,OPC-CLI,1,CLI-GO,Accepted,`));
      const file = join(dir, 'sessions.json');
      assert.equal((await tomada(['sessions', 'export', '--format', 'json', '--from', '2024-07-01T00:00:00Z', '--output', file], env)).code, 0);
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).map((r: any) => [r.id, r.energyWh]), [[tx, 2000]]);
    });

    await s.test('tomada sim registers its fleet at TOMADA_API_URL with TOMADA_API_TOKEN, as the other commands reach the API', async () => {
      const sim = await tomada(['sim', '--url', t.wsUrl, '--prefix', 'CLI-SIM-', '--connectors', '1', '--session-seconds', '0.2', '--sample-seconds', '0.1'], env);
      assert.equal(sim.code, 0, sim.stderr);
      assert.match(sim.stderr, new RegExp(`registered 1 charge points and their id tags at ${t.httpUrl}\n`));
      assert.equal((await t.api('/api/v1/charge-points/CLI-SIM-0001')).body.registrationStatus, 'Accepted');
    });

    await s.test('clear errors and exit codes', async () => {
      const notFound = await tomada(['charge-points', 'show', 'NOPE'], env);
      assert.equal(notFound.code, 5);
      assert.match(notFound.stderr, /^tomada: GET \/charge-points\/NOPE answered 404 NotFound: Charge point "NOPE" not found\n$/);
      const conflict = await tomada(['command', 'reset', 'CLI-OFF'], env);
      assert.equal(conflict.code, 5, 'an unknown charge point');
      const badInput = await tomada(['id-tags', 'set', 'X', '--status', 'Maybe'], env);
      assert.equal(badInput.code, 1);
      assert.match(badInput.stderr, /answered 400 BadRequest/);
      const usage = await tomada(['command', 'unlock', 'CLI-CP'], env);
      assert.deepEqual([usage.code, usage.stderr], [2, 'tomada: --connector must be an integer\n']);
      assert.equal((await tomada(['charge-points', 'list', '--colour', 'red'], env)).code, 2);
      const noToken = await tomada(['charge-points', 'list'], { TOMADA_API_URL: t.httpUrl });
      assert.deepEqual([noToken.code, noToken.stderr], [2, 'tomada: no API token: give --token TOKEN or set TOMADA_API_TOKEN\n']);
      // A port nothing listens on: one the OS gave and took back.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const down = await tomada(['charge-points', 'list', '--url', `http://127.0.0.1:${port}`], env);
      assert.equal(down.code, 3);
      assert.equal(down.stderr, `tomada: cannot reach the Tomada API at http://127.0.0.1:${port} (ECONNREFUSED): is it running? Set --url or TOMADA_API_URL\n`);
    });
  } finally {
    await client?.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
