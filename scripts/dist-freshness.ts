// Whether dist/ was built from the sources as they are now: dist/cli.js is at least as new as
// every file under src/. The bench measures the built server and rebuilds a stale one; the tests
// start the built command when it is fresh (it starts without compiling TypeScript) and the
// sources through tsx otherwise, so a stale build is never what they test.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestIn(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
    const path = join(dir, entry.name);
    return Math.max(max, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }, 0);
}

export function builtFromCurrentSources(root: string): boolean {
  const cli = join(root, 'dist', 'cli.js');
  return existsSync(cli) && statSync(cli).mtimeMs >= newestIn(join(root, 'src'));
}
