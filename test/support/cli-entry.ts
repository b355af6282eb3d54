// The arguments that start the `tomada` command in a process of its own: dist/cli.js when it was
// built from the sources as they are (npm ci builds it, as in CI), else src/cli.ts through tsx.
// The built one starts without compiling TypeScript, which a suite starting dozens of servers and
// commands feels; a stale build is never used (scripts/dist-freshness.ts).
import { builtFromCurrentSources } from '../../scripts/dist-freshness.js';
import { repositoryRoot } from '../../scripts/repository-root.js';

export const ROOT = repositoryRoot(import.meta.url);

/** Whether the built command is the sources as they are: checked once per test process. */
export const builtCliIsFresh = builtFromCurrentSources(ROOT);

/** Node's arguments for `tomada ARGS`, relative to ROOT. */
export function tomadaArgs(...args: string[]): string[] {
  return builtCliIsFresh ? ['dist/cli.js', ...args] : ['--import', 'tsx', 'src/cli.ts', ...args];
}
