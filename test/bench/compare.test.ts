// bench/compare.sh: how it runs the throughput scenario on each side and reads its line. A run
// whose server answered calls with errors must stop it with a message, not go into the medians (a
// revision that refuses calls quickly would read as faster). Run against a stand-in `npm` that
// prints a table, in a scratch repository: no benchmark is run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repositoryRoot } from '../../scripts/repository-root.js';

const ROOT = repositoryRoot(import.meta.url);
/** What compare.sh copies from its tree into the earlier revision's. */
const COPIED = ['bench/run.ts', 'scripts/dist-freshness.ts', 'bench/scenarios/throughput.ts', ...['charge-point-script', 'load-protocol', 'load-worker', 'load', 'measure', 'bench-client', 'lean-websocket'].map((f) => `bench/lib/${f}.ts`)];

/** Runs compare.sh for 1 round in a scratch repository, the bench replaced by `bench` (a shell script body). */
function compare(t: { after(fn: () => void): void }, bench: string, extra: string[] = []) {
  const scratch = mkdtempSync(join(tmpdir(), 'tomada-compare-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const repo = join(scratch, 'repo');
  for (const file of ['bench/compare.sh', ...COPIED]) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    if (file === 'bench/compare.sh') copyFileSync(join(ROOT, file), join(repo, file));
    else writeFileSync(join(repo, file), '');
  }
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'scratch');
  const short = git('rev-parse', '--short', 'HEAD').stdout.trim();
  // The earlier revision's tree, there already (so neither worktree nor npm ci is made).
  for (const dir of ['bench/lib', 'bench/scenarios', 'scripts']) mkdirSync(join(scratch, `tomada-${short}`, dir), { recursive: true });
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npm'), `#!/usr/bin/env bash\n${bench}\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  return spawnSync('bash', [join(repo, 'bench/compare.sh'), 'HEAD', '1', '--', ...extra], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
}

const table = (line: string) => `
throughput, 100 charge points, 8 s measured after 2 s warm-up
server  mode    cps  calls/s  p50 ms  p99 ms  p999 ms  cpu %  cpu µs/call  rss MiB  errors  units/batch
------  ------  ---  -------  ------  ------  -------  -----  -----------  -------  ------  -----------
${line}

results: /nonexistent/throughput-100.json`;

test('a clean pair of closed-loop runs gives the medians', (t) => {
  const run = compare(t, `cat <<'EOF'${table('tomada  closed  100  5000     4.00    9.00    20.00    100    200          150      0       98')}\nEOF`);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /median calls\/s: \S+ 5000, work tree 5000 \(x1\.00\)/);
});

test('a run with errors stops compare.sh with a message, whatever the bench exits with', (t) => {
  const erroring = table('tomada  closed  100  9000     1.00    2.00    3.00     100    110          150      37      98');
  for (const exit of [0, 1]) {
    const run = compare(t, `cat <<'EOF'${erroring}\nFAIL (the bench exits 1): ...\n  tomada closed: 37 errors\nEOF\nexit ${exit}`);
    assert.equal(run.status, 1, `bench exit ${exit}: ${run.stdout}`);
    assert.match(run.stderr, /stopped: .* answered calls with errors in its measured run \(the errors column is 37, not 0\)/);
    assert.doesNotMatch(run.stdout, /median/);
  }
  // At a fixed rate the mode takes two words, and the errors column is one further.
  const rate = compare(t, `cat <<'EOF'${table('tomada  rate 2000/s  100  1990  3.00  8.00  12.00  60  300  150  4  40')}\nEOF`, ['--rate', '2000']);
  assert.equal(rate.status, 1, rate.stdout);
  assert.match(rate.stderr, /the errors column is 4, not 0/);
});

test('compare.sh --rate warms up 5 s, the closed loop 2 s', (t) => {
  const args = (extra: string[]) => compare(t, `echo "ARGS: $*" >&2; cat <<'EOF'${table(`tomada  ${extra.length ? 'rate 2000/s' : 'closed'}  100  2000  3.00  8.00  12.00  60  300  150  0  40`)}\nEOF`, extra).stderr;
  assert.match(args(['--rate', '2000']), /--warmup 5 --rate 2000/);
  assert.match(args([]), /--closed-only --duration 8 --warmup 2/);
});
