// docs/VALIDATION.md is the operator's list of cases and faults: it must name every one there is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cases } from '../../src/validation/cases.js';
import { SIM_FAULTS } from '../../src/sim/faults.js';

const doc = readFileSync(new URL('../../docs/VALIDATION.md', import.meta.url), 'utf8');

test('docs/VALIDATION.md lists every case, in order, with its messages', () => {
  const rows = [...doc.matchAll(/^\| (\d+) \| `([a-z0-9.]+)` \| ([^|]+) \|/gm)];
  assert.deepEqual(rows.map((r) => r[2]), cases.map((c) => c.id));
  for (const [i, row] of rows.entries()) {
    assert.equal(Number(row[1]), i + 1);
    assert.deepEqual(row[3]!.trim().split(', '), cases[i]!.messages, cases[i]!.id);
  }
});

test('docs/VALIDATION.md lists every simulator fault', () => {
  for (const fault of Object.keys(SIM_FAULTS)) assert.match(doc, new RegExp(`^\\| \`${fault}\` \\|`, 'm'), fault);
});
