// Runs test files with node's test runner, each in a process of its own, in the order given:
// `node --test FILES` sorts its files by name, which started the longest ones (test/validation/)
// last, so that each pass ended with one or two of them running alone on an idle core
// (docs/PERFORMANCE-LOG.md, "The test suite's processes, again"). Reports as `node --test` does
// (the spec reporter on stdout) and writes each file's time (scripts/test-durations.mjs) to a file.
// Node's flags (--enable-source-maps) reach the test processes as they reach this one. The timeout
// is a file's: one that has not ended by then fails, named, and the run goes on.
// Usage: node scripts/test-files.mjs --concurrency=N --timeout=MS --durations=FILE FILES...
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import durations from './test-durations.mjs';

const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')));
const files = process.argv.slice(2).filter((a) => !a.startsWith('--')).map((file) => resolve(file));

const stream = run({ files, concurrency: Number(options.concurrency ?? 1), timeout: Number(options.timeout ?? Infinity) });
let failed = 0;
// A todo test that fails is reported, not counted, as with node --test.
stream.on('test:fail', (data) => {
  if (!data.todo) failed++;
});
stream.compose(new spec()).pipe(process.stdout);
if (options.durations) stream.compose(durations).pipe(createWriteStream(options.durations));
stream.on('end', () => {
  process.exitCode = failed > 0 ? 1 : 0;
});
