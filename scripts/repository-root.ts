// The repository's folder, found from a module's own address. Tests and the benches they call run
// as TypeScript through tsx, or compiled into .build/main/ by scripts/run-tests.mjs, one folder
// deeper: a fixed '../../' would name a different folder in each.
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above the module that holds package.json, ending in a separator. */
export function repositoryRoot(moduleUrl: string): string {
  for (let dir = dirname(fileURLToPath(moduleUrl)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir + sep;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${fileURLToPath(moduleUrl)}`);
  }
}
