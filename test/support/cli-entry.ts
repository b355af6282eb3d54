// The arguments that start the `tomada` command in a process of its own. Run by
// scripts/run-tests.mjs, the tests start the command compiled beside them (.build/main/src/cli.js):
// the sources as they are, loading the test build's bundled packages, on about two thirds of the
// CPU dist/cli.js takes to start (a suite starts some sixty). Otherwise (a test file run through
// tsx) dist/cli.js when it was built from the sources as they are (npm ci builds it), else
// src/cli.ts through tsx; a stale build is never used (scripts/dist-freshness.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtFromCurrentSources } from '../../scripts/dist-freshness.js';
import { repositoryRoot } from '../../scripts/repository-root.js';

export const ROOT = repositoryRoot(import.meta.url);

/** The command compiled with this file, when this file is compiled (beside it, src/cli.ts is not). */
const compiledCli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** Node's arguments that start the command, before its own: chosen once per test process. */
const command = existsSync(compiledCli) ? [compiledCli] : builtFromCurrentSources(ROOT) ? ['dist/cli.js'] : ['--import', 'tsx', 'src/cli.ts'];

/** Node's arguments for `tomada ARGS`, relative to ROOT. */
export function tomadaArgs(...args: string[]): string[] {
  return [...command, ...args];
}
