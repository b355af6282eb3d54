// Passwords inside the URLs of settings never reach the output: TOMADA_NATS_URL and
// TOMADA_DATABASE_URL may carry NATS's and PostgreSQL's passwords (`nats://user:pass@host`,
// `postgres://user:pass@host/db`, libpq's `?password=`). Until 2026-12-06 a real `tomada serve`
// wrote the NATS password twice at start ('joining the cluster over NATS', 'NATS unreachable'),
// a database or NATS URL with a scheme typo whole in its error, and kept the part of a database password
// after an '@' and a `?password=` in 'Tomada is running'.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { urlForLog, urlListForLog } from '../../src/url-for-log.js';
import { ROOT, tomadaArgs } from '../support/cli-entry.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

/** A port of this helper's range where nothing listens: NATS is unreachable there. */
const NO_NATS_PORT = 19403;

/** `tomada serve`'s output (stdout and stderr) until every line in `until` is seen, or it exits; then it is stopped. */
async function serveOutput(env: Record<string, string>, until: string[]): Promise<string> {
  const child = spawn(process.execPath, tomadaArgs('serve'), {
    cwd: ROOT,
    env: { ...process.env, TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (until.every((text) => output.includes(text))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  child.kill('SIGTERM');
  await exited;
  return output;
}

describe('passwords in the URLs of settings', () => {
  test('the NATS password is not written at start, nor while NATS is unreachable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tomada-secret-urls-'));
    try {
      const output = await serveOutput(
        { TOMADA_DATABASE_URL: `sqlite:${join(dir, 'tomada.db')}`, TOMADA_NATS_URL: `nats://natsuser:NatsSecret1@127.0.0.1:${NO_NATS_PORT},nats://other:NatsSecret2@127.0.0.1:${NO_NATS_PORT + 1}` },
        ['joining the cluster over NATS', 'NATS unreachable', 'Tomada is running'],
      );
      assert.match(output, /Tomada is running/, output.slice(0, 2000));
      assert.doesNotMatch(output, /NatsSecret/, 'no NATS password');
      assert.match(output, new RegExp(`nats://\\*\\*\\*@127\\.0\\.0\\.1:${NO_NATS_PORT},nats://\\*\\*\\*@127\\.0\\.0\\.1:${NO_NATS_PORT + 1}`), 'the servers, without their users and passwords');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a TOMADA_NATS_URL refused at start (no scheme, a space after a comma) is not printed with its password', () => {
    for (const natsUrl of ['natsuser:NatsSecret4@127.0.0.1:4222', 'nats://natsuser:NatsSecret5@127.0.0.1:4222, nats://127.0.0.1:4223']) {
      const run = spawnSync(process.execPath, tomadaArgs('serve'), {
        cwd: ROOT,
        env: { ...process.env, TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_NATS_URL: natsUrl },
        encoding: 'utf8',
        timeout: 60_000,
      });
      const output = `${run.stdout}${run.stderr}`;
      assert.notEqual(run.status, 0, output);
      assert.match(output, /TOMADA_NATS_URL must be nats:\/\/HOST:PORT/, output);
      assert.doesNotMatch(output, /NatsSecret/, output);
      assert.match(output, /natsuser:\*\*\*@127\.0\.0\.1:4222|nats:\/\/\*\*\*@127\.0\.0\.1:4222/, 'the servers are named, without the password');
    }
  });

  test('a database URL that is not one Tomada reads is not printed with its password', () => {
    const run = spawnSync(process.execPath, tomadaArgs('serve'), {
      cwd: ROOT,
      env: { ...process.env, TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_DATABASE_URL: 'postgre://tomada:DbSecret3@db.example:5432/tomada' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.notEqual(run.status, 0, output);
    assert.match(output, /TOMADA_DATABASE_URL "postgre:\/\/\*\*\*@db\.example:5432\/tomada" names no database Tomada opens/, output);
    assert.doesNotMatch(output, /DbSecret/);
  });

  test('a NATS URL that is not one Tomada reads is not printed with its password', () => {
    assert.throws(
      () => loadConfig({ TOMADA_NATS_URL: 'http://natsuser:NatsSecret6@10.0.0.5:4222' }),
      (error: Error) => error instanceof ConfigError && error.message === 'TOMADA_NATS_URL must be nats://HOST:PORT (several separated by commas), got "http://***@10.0.0.5:4222/"',
    );
  });

  test("a PostgreSQL password with an '@' in it, or given as ?password=, is not written at start", async (context) => {
    const { skip } = await needsPostgres();
    if (skip) return context.skip(skip);
    const schema = await createTestSchema();
    try {
      // Trust authentication (the test server's) takes any password.
      const url = new URL(schema.url);
      const withPasswords = `${url.protocol}//${url.username}:Db@Secret4@${url.host}${url.pathname}${url.search}&password=DbSecret5`;
      const output = await serveOutput({ TOMADA_DATABASE_URL: withPasswords }, ['Tomada is running']);
      assert.match(output, /Tomada is running/, output.slice(0, 2000));
      assert.doesNotMatch(output, /Secret4|DbSecret5/);
      assert.match(output, /"database":"postgres:\/\/\*\*\*@127\.0\.0\.1:5432\/test\?schema=[^"]*&password=\*\*\*"/);
    } finally {
      await schema.drop();
    }
  });

  test('what is kept of a URL', () => {
    assert.equal(urlForLog('postgres://u:p@ss@h:5432/db?schema=s&sslpassword=x&application_name=a'), 'postgres://***@h:5432/db?schema=s&sslpassword=***&application_name=a');
    assert.equal(urlForLog('postgres://u@h/db'), 'postgres://***@h/db', 'a user alone is not kept either: some put a token there');
    assert.equal(urlForLog('sqlite:./data/tomada.db'), 'sqlite:./data/tomada.db');
    assert.equal(urlForLog('https://hooks.example/in?token=abc&x=1'), 'https://hooks.example/in?token=***&x=1');
    assert.equal(urlForLog('postgres://u:secret@[bad/db'), '(unreadable URL)', 'a URL that cannot be read is not written');
    assert.equal(urlListForLog('nats://a:b@n1:4222, nats://n2:4222'), 'nats://***@n1:4222,nats://n2:4222');
    assert.equal(urlListForLog('a:b@n1:4222,n2:4222'), 'a:***@n1:4222,n2:4222', 'without a scheme: what comes before the @ may be a password');
    assert.equal(urlForLog('postgresql:u:DbSecret@h/db'), 'postgresql:***@h/db', "a URL without '//' holding an '@': what comes before it may be a password");
  });
});
