// A small run of the bench's fuzz scenario (npm run bench -- fuzz sends a million frames): a real
// Tomada process gets 5,000 generated frames — framing mutations and every OCPP 1.6 and 1.5
// action's schema, valid and with one defect — and must answer each frame due an answer exactly
// once with its message id, answer no stray answer, drop no connection and stay up. Its journal
// must then still verify: every frame, good or bad, was recorded in an unbroken chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from '../../bench/scenarios/fuzz.js';
import { removeDir } from '../../bench/lib/servers.js';
import { tomadaArgs } from '../support/cli-entry.js';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

const FRAMES = 5000;

test(`${FRAMES} fuzz frames: no crash, every CALL answered once, journal intact`, async () => {
  const result = await fuzz({ frames: FRAMES, connections: 8, workers: 1, perAction: 25, command: tomadaArgs(), keepServer: true, quiet: true });
  const server = result.server!;
  try {
    assert.ok(result.sent >= FRAMES, `sent ${result.sent}`);
    // Every kind of frame was actually tried.
    for (const [kind, count] of Object.entries(result.byKind)) assert.ok(count > 0, `no ${kind} frame was sent`);
    assert.equal(result.serverAlive, true, `server exited with ${result.serverExitCode}`);
    assert.equal(result.healthAfter, true);
    assert.equal(result.unanswered, 0, 'frames due an answer got none');
    assert.equal(result.unexpected, 0, 'answers nobody was waiting for (a stray answer answered, or a wrong id)');
    assert.equal(result.closes, 0, 'the server dropped a connection');
    assert.equal(result.answered, result.due);
    // Valid payloads were accepted and invalid ones refused with the codes of their defects.
    assert.ok((result.answers.CALLRESULT ?? 0) > 0);
    for (const code of ['FormationViolation', 'TypeConstraintViolation', 'OccurenceConstraintViolation', 'PropertyConstraintViolation', 'NotImplemented', 'NotSupported']) {
      assert.ok((result.answers[code] ?? 0) > 0, `no ${code} answer`);
    }
    assert.equal(result.answers.InternalError ?? 0, 0, 'a generated frame broke the central system');
  } finally {
    await server.stop();
  }
  const store = await openSqliteStore(server.dbPath);
  try {
    const report = await verifyJournal(store);
    assert.equal(report.firstBrokenLink, undefined);
    assert.ok(report.rowsChecked >= result.sent, `journal has ${report.rowsChecked} rows for ${result.sent} frames sent`);
  } finally {
    await store.close();
    removeDir(server.dir);
  }
});
