// The operator commands when what answers is not a whole answer of the Tomada API: an export cut
// off midway (the node stopped, its database failed, the link dropped), and another server at the
// address (a proxy's page, a captive portal, the wrong port). A script reads the exit code and the
// file: neither may say "done" for what is not a whole export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, tomadaArgs } from '../support/cli-entry.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { runningSession } from '../support/sessions.js';
import { ADMIN_TOKEN, startTestTomada } from '../support/tomada.js';

function tomada(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, tomadaArgs(...args), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('an export cut off midway fails and leaves the earlier file as it was', async () => {
  const t = await startTestTomada();
  const dir = mkdtempSync(join(tmpdir(), 'tomada-cli-cut-'));
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(t.httpUrl).port) });
  try {
    assert.equal((await t.api('/api/v1/charge-points/CUT-CP', { method: 'PUT', body: {} })).status, 201);
    await t.store.transact(async (tx) => {
      for (let i = 0; i < 1500; i++) {
        await tx.insertTransaction(runningSession({ chargePointId: 'CUT-CP', connectorId: 1, idTag: 'CUT-TAG', startedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), meterStartWh: i }));
      }
    });
    const env = { TOMADA_API_URL: `http://127.0.0.1:${proxy.port}`, TOMADA_API_TOKEN: ADMIN_TOKEN };
    const file = join(dir, 'sessions.csv');
    const whole = await tomada(['sessions', 'export', '--output', file], env);
    assert.equal(whole.code, 0, whole.stderr);
    const full = readFileSync(file, 'utf8');
    assert.equal(full.trimEnd().split('\r\n').length, 1501);

    // About a third of the export goes through, cut at a line end or not: a CSV cut at a line end
    // reads as a shorter, whole export.
    proxy.truncateAfter(Math.floor(full.length / 3));
    const cut = await tomada(['sessions', 'export', '--output', file], env);
    assert.equal(cut.code, 1, 'a cut export is a failure');
    assert.match(cut.stderr, new RegExp(`^tomada: GET /exports/sessions\\?format=csv was cut off midway \\([^)]+\\): ${file.replace(/[.\\/]/g, '\\$&')} was left as it was; run it again\n$`));
    assert.equal(readFileSync(file, 'utf8'), full, 'the earlier whole file is kept, not overwritten by part of a new one');
    assert.deepEqual(readdirSync(dir), ['sessions.csv'], 'no partial file is left behind');

    proxy.restore();
    proxy.truncateAfter(Math.floor(full.length / 3));
    const fresh = join(dir, 'fresh.csv');
    const cutFresh = await tomada(['sessions', 'export', '--output', fresh], env);
    assert.equal(cutFresh.code, 1);
    assert.equal(existsSync(fresh), false, 'a cut export makes no file that looks like an export');

    // A file that cannot be written is said to be that, not a cut answer.
    proxy.restore();
    const nowhere = join(dir, 'no-such-folder', 'sessions.csv');
    const unwritable = await tomada(['sessions', 'export', '--output', nowhere], env);
    assert.deepEqual([unwritable.code, unwritable.stderr], [1, `tomada: cannot write ${nowhere} (ENOENT): check --output\n`]);

    proxy.restore();
    proxy.truncateAfter(Math.floor(full.length / 3));
    const printed = await tomada(['sessions', 'export'], env);
    assert.equal(printed.code, 1);
    assert.match(printed.stderr, /was cut off midway \([^)]+\): what was printed is incomplete; run it again\n$/);
  } finally {
    await proxy.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an export to a pipe or a device is written into it, never renamed over it', async () => {
  // Written beside and renamed, `--output /dev/null` replaced /dev/null with a regular file (as root).
  // A FIFO stands for the device here: the test reads what reaches it, and nothing of the system's is at stake.
  const t = await startTestTomada();
  const dir = mkdtempSync(join(tmpdir(), 'tomada-cli-fifo-'));
  const fifo = join(dir, 'sessions.fifo');
  let fd: number | undefined;
  try {
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    // Open at both ends (Linux), so that the export's open does not wait for a reader.
    fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    assert.equal((await t.api('/api/v1/charge-points/FIFO-CP', { method: 'PUT', body: {} })).status, 201);
    await t.store.transact((tx) => tx.insertTransaction(runningSession({ chargePointId: 'FIFO-CP', connectorId: 1, idTag: 'FIFO-TAG', startedAt: '2025-01-01T00:00:00.000Z', meterStartWh: 7 })));
    const exported = await tomada(['sessions', 'export', '--format', 'json', '--output', fifo], { TOMADA_API_URL: t.httpUrl, TOMADA_API_TOKEN: ADMIN_TOKEN });
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(statSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
    const buffer = Buffer.alloc(64 * 1024);
    let read = 0;
    try {
      read = readSync(fd, buffer);
    } catch {
      read = 0; // EAGAIN: nothing reached the pipe
    }
    assert.match(buffer.subarray(0, read).toString(), /FIFO-TAG/);
    assert.deepEqual(readdirSync(dir), ['sessions.fifo'], 'no partial file left beside it');
  } finally {
    if (fd !== undefined) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  }
});

test('another server at the address is told apart from the Tomada API, and nothing is written', async (s) => {
  // A web server that is not Tomada: a proxy's or portal's page for every path.
  let status = 200;
  const other: Server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>Sign in to the network</title>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  const env = { TOMADA_API_URL: url, TOMADA_API_TOKEN: ADMIN_TOKEN };
  const dir = mkdtempSync(join(tmpdir(), 'tomada-cli-other-'));
  const notTomada = (path: string, answered: number) =>
    `tomada: GET ${path} answered ${answered} with text/html, not the Tomada API's answer (another server at that address, or a proxy's own page while Tomada is down): is ${url} Tomada's operator address (its HTTP port, without /api/v1)? Set --url or TOMADA_API_URL\n`;
  try {
    await s.test('an export answered with a web page writes no file and exits 3', async () => {
      const file = join(dir, 'sessions.csv');
      const exported = await tomada(['sessions', 'export', '--output', file], env);
      assert.deepEqual([exported.code, exported.stderr], [3, notTomada('/exports/sessions?format=csv', 200)]);
      assert.equal(existsSync(file), false);
      const printed = await tomada(['sessions', 'export', '--format', 'json'], env);
      assert.deepEqual([printed.code, printed.stdout], [3, ''], 'nothing printed as if it were the export');
    });

    await s.test('a list or a record answered with a web page exits 3 and names the address', async () => {
      const listed = await tomada(['charge-points', 'list'], env);
      assert.deepEqual([listed.code, listed.stderr], [3, notTomada('/charge-points?limit=500', 200)]);
      const who = await tomada(['whoami'], env);
      assert.deepEqual([who.code, who.stderr], [3, notTomada('/me', 200)]);
    });

    await s.test("its 404 or 502 is not taken for Tomada's (not found, refused)", async () => {
      status = 404;
      const missing = await tomada(['charge-points', 'show', 'CP-1'], env);
      assert.deepEqual([missing.code, missing.stderr], [3, notTomada('/charge-points/CP-1', 404)]);
      status = 502;
      const gateway = await tomada(['sessions', 'list'], env);
      assert.deepEqual([gateway.code, gateway.stderr], [3, notTomada('/transactions?limit=1000', 502)]);
    });
  } finally {
    await new Promise((resolve) => other.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the address as an operator may copy it: with the API's /api/v1, or without its scheme", async () => {
  const t = await startTestTomada();
  try {
    const withPath = await tomada(['whoami', '--json', '--url', `${t.httpUrl}/api/v1/`], { TOMADA_API_TOKEN: ADMIN_TOKEN });
    assert.equal(withPath.code, 0, withPath.stderr);
    assert.equal(JSON.parse(withPath.stdout).role, 'admin');
    const bare = new URL(t.httpUrl).host;
    const noScheme = await tomada(['whoami', '--url', bare], { TOMADA_API_TOKEN: ADMIN_TOKEN });
    assert.deepEqual(
      [noScheme.code, noScheme.stderr],
      [2, `tomada: --url (or TOMADA_API_URL) must be an http:// or https:// address, such as http://127.0.0.1:8080; got "${bare}"\n`],
    );
  } finally {
    await t.close();
  }
});
