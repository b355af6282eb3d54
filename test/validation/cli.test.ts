// `tomada validate` as an operator runs it: against a live charge point, answering the manual steps
// at the terminal, with the report saved and the exit code telling the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SimulatedChargePoint } from '../../src/sim/charge-point.js';
import { validateCommand } from '../../src/validation/validate-cli.js';
import { ADMIN_TOKEN, startTestTomada, type TestTomada } from '../support/tomada.js';

async function chargePoint(t: TestTomada, id: string, faults: ('remote-stop-ignored')[] = []) {
  await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { registrationStatus: 'Accepted', declaredOcppVersion: '1.6', declaredTransport: 'json' } });
  await t.api(`/api/v1/id-tags/TAG-${id}`, { method: 'PUT', body: { status: 'Accepted' } });
  const cp = new SimulatedChargePoint({ id, baseUrl: t.wsUrl, connectors: 1, faults, reconnectDelayMs: 200, minIntervalMs: 200, meter: { sampleIntervalMs: 300, powerW: 50_000 } });
  cp.start();
  await cp.ready();
  return cp;
}

const CASES = ['ocpp.version', 'authorize.valid', 'remote.start', 'meter.values', 'remote.stop'];

test('the operator answers the manual step at the terminal; a pass exits 0 and saves the report', async () => {
  const t = await startTestTomada();
  const cp = await chargePoint(t, 'CLI-1');
  const dir = mkdtempSync(join(tmpdir(), 'tomada-validate-'));
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  try {
    const code = await validateCommand(
      ['CLI-1', '--id-tag', 'TAG-CLI-1', ...CASES.flatMap((c) => ['--case', c]), '--case-timeout', '5', '--report', join(dir, 'r.html'), '--url', t.httpUrl, '--token', ADMIN_TOKEN],
      {
        out: (text) => void out.push(text),
        err: (text) => void err.push(text),
        // The operator reads the prompt, walks to the charge point, presents the card, presses Enter.
        ask: async (question) => {
          questions.push(question);
          const tag = /"([^"]+)"/.exec(question)?.[1];
          if (tag) await cp.presentCard(tag);
          return '';
        },
      },
    );
    assert.equal(code, 0, err.join(''));
    assert.equal(questions.length, 1);
    assert.match(questions[0]!, /Present the card "TAG-CLI-1"/);
    assert.match(out.join(''), /^PASS: 5 passed, 0 failed/m);
    // A partial campaign says it validates nothing, of itself: the software is not in the registry.
    assert.match(out.join(''), /^software: Tomada \/ Simulator \/ [^\n]+ — this campaign validates no software: a partial campaign \(5 of 22 cases\) validates no software$/m);
    assert.doesNotMatch(err.join(''), /a trial run/, 'the default limits are a validating campaign\'s');
    for (const c of CASES) assert.match(err.join(''), new RegExp(`PASS +${c.replace('.', '\\.')} — `));
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    assert.match(html, /PASSED/);
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('a campaign that validates nothing, of software the registry holds, says so of itself and not "not validated"', async () => {
  const t = await startTestTomada();
  const cp = await chargePoint(t, 'CLI-4');
  const dir = mkdtempSync(join(tmpdir(), 'tomada-validate-'));
  const out: string[] = [];
  const err: string[] = [];
  try {
    const { vendor, model, firmwareVersion, ocppVersion, transport } = (await t.api('/api/v1/charge-points/CLI-4')).body;
    const approved = await t.api('/api/v1/software', { method: 'POST', body: { vendor, model, firmwareVersion, ocppVersion, transport, reference: 'bench report 42' } });
    assert.equal(approved.status, 201, JSON.stringify(approved.body));
    assert.equal((await t.api('/api/v1/charge-points/CLI-4')).body.softwareValidated, true);
    const code = await validateCommand(['CLI-4', '--id-tag', 'TAG-CLI-4', '--case', 'ocpp.version', '--report', join(dir, 'r.html'), '--url', t.httpUrl, '--token', ADMIN_TOKEN], {
      out: (text) => void out.push(text),
      err: (text) => void err.push(text),
      ask: async () => '',
    });
    assert.equal(code, 0, err.join(''));
    const line = `software: ${[vendor, model, firmwareVersion, ocppVersion, transport].join(' / ')} — this campaign validates no software: a partial campaign (1 of 22 cases) validates no software (already validated in the registry)`;
    assert.ok(out.join('').split('\n').includes(line), out.join(''));
    assert.doesNotMatch(out.join(''), /not validated/);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    assert.match(html, /<th>Registry<\/th><td>this campaign validates no software: a partial campaign \(1 of 22 cases\) validates no software \(already validated in the registry\)<\/td>/);
    assert.match(html, /<strong>Its cases passed, but this campaign validates no software: a partial campaign \(1 of 22 cases\) validates no software \(the software is already validated in the registry\)\.<\/strong>/);
    assert.doesNotMatch(html, /not validated/);
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('the built command: a failing charge point exits 1 and names the failed case; bad options exit 2', async () => {
  const t = await startTestTomada();
  const cp = await chargePoint(t, 'CLI-2', ['remote-stop-ignored']);
  const dir = mkdtempSync(join(tmpdir(), 'tomada-validate-'));
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['dist/cli.js', 'validate', ...args], { env: { ...process.env, TOMADA_API_TOKEN: ADMIN_TOKEN, TOMADA_API_URL: t.httpUrl } }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  try {
    const failed = await run(['CLI-2', '--id-tag', 'TAG-CLI-2', '--case', 'remote.start', '--case', 'remote.stop', '--case', 'meter.consistency', '--case-timeout', '3', '--heartbeat', '5', '--report', join(dir, 'f.html')]);
    assert.equal(failed.code, 1, failed.stderr);
    // meter.consistency had no stopped transaction to judge: not run, which is not "not applicable".
    assert.match(failed.stdout, /^FAIL: 1 passed, 1 failed, 0 not applicable, 1 skipped \(not run\), 0 manual steps not run$/m);
    assert.match(failed.stderr, /FAIL +remote\.stop — no StopTransaction for transaction \d+ within 3 s/);
    assert.match(failed.stderr, /^a trial run: limits below what a validating campaign needs: heartbeatIntervalS 5 < 10; it will validate no software$/m);
    assert.match(readFileSync(join(dir, 'f.html'), 'utf8'), /FAILED/);

    const missing = await run(['CLI-2']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--id-tag is required/);
    const unknown = await run(['NOBODY', '--id-tag', 'X']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /answered 404 NotFound: Charge point "NOBODY" not found/);
    // Not 2, the usage's code, and not 1, a failed campaign's: 3, as for the operator commands, with what to set.
    const unreachable = await run(['CLI-2', '--id-tag', 'X', '--url', 'http://127.0.0.1:1']);
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.match(unreachable.stderr, /cannot reach the Tomada API at http:\/\/127\.0\.0\.1:1 .*Set --url or TOMADA_API_URL/);
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('Ctrl-C cancels the campaign at Tomada, withdraws the question at the terminal and follows the wrap-up to the end', async () => {
  const t = await startTestTomada();
  const cp = await chargePoint(t, 'CLI-3');
  const dir = mkdtempSync(join(tmpdir(), 'tomada-validate-'));
  const out: string[] = [];
  const err: string[] = [];
  let interrupt: () => void = () => assert.fail('tomada validate listens for no Ctrl-C');
  try {
    const code = await validateCommand(
      ['CLI-3', '--id-tag', 'TAG-CLI-3', '--case', 'ocpp.version', '--case', 'authorize.valid', '--case', 'remote.start', '--report', join(dir, 'r.html'), '--url', t.httpUrl, '--token', ADMIN_TOKEN],
      {
        out: (text) => void out.push(text),
        err: (text) => void err.push(text),
        onInterrupt: (handler) => {
          interrupt = handler;
          return () => (interrupt = () => assert.fail('Ctrl-C after the command ended'));
        },
        // The engineer is asked to present the card, and presses Ctrl-C instead.
        ask: (_question, signal) => {
          setImmediate(() => interrupt());
          return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
        },
      },
    );
    assert.equal(code, 1, err.join(''));
    assert.match(err.join(''), /^cancelling campaign val-[\w-]+: it stops the sessions it started \(up to about 120 s\); Ctrl-C again to stop following it$/m);
    assert.match(out.join(''), /^INCOMPLETE: 1 passed, 0 failed, 0 not applicable, 2 skipped \(not run\), 0 manual steps not run$/m);
    const [{ id }] = (await t.api('/api/v1/validations?chargePointId=CLI-3')).body.items;
    const campaign = (await t.api(`/api/v1/validations/${id}`)).body;
    assert.equal(campaign.status, 'cancelled', 'cancelled at Tomada, not left running there');
    assert.equal(campaign.cases[2].reason, 'cancelled at the terminal (tomada validate)');
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('a node restarting under the campaign: the command asks again and reports the campaign its restart closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-validate-restart-'));
  const first = await startTestTomada({}, dir);
  const httpPort = Number(new URL(first.httpUrl).port);
  // Ignores the remote stop: the remote.stop case waits out its limit, while the node restarts.
  const cp = await chargePoint(first, 'CLI-R', ['remote-stop-ignored']);
  const err: string[] = [];
  const out: string[] = [];
  let second: TestTomada | undefined;
  try {
    const command = validateCommand(
      ['CLI-R', '--id-tag', 'TAG-CLI-R', '--case', 'remote.start', '--case', 'remote.stop', '--case-timeout', '20', '--report', join(dir, 'r.html'), '--url', first.httpUrl, '--token', ADMIN_TOKEN],
      { out: (text) => void out.push(text), err: (text) => void err.push(text), ask: async () => '' },
    );
    for (let i = 0; i < 300 && !/PASS +remote\.start/.test(err.join('')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(err.join(''), /PASS +remote\.start/);
    await first.close();
    // Down for a few of the command's reads, then back on the same address and database.
    await new Promise((r) => setTimeout(r, 3000));
    second = await startTestTomada({ httpPort }, dir);
    const code = await command;
    const said = err.join('');
    assert.match(said, /cannot reach the Tomada API .*; asking again for up to 120 s/);
    assert.match(said, /Tomada answers again; following the campaign on/);
    assert.equal(code, 1, said);
    assert.match(out.join(''), /^INCOMPLETE: 1 passed/m, 'the campaign its restart closed, reported');
    assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /the node stopped during the campaign/);
  } finally {
    await cp.stop();
    await second?.close();
  }
});
