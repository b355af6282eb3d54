// The hot statements' names on PostgreSQL (src/store/statement-names.ts): one name per text, the
// same every time it is asked for, none for a text never marked hot, and no more than the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatementNames } from '../../src/store/statement-names.js';

test('a hot text keeps one name; other texts and non-texts have none; the bound holds', () => {
  const names = new StatementNames(3);
  names.add('select 1');
  names.add('select 2');
  names.add('select 1');
  assert.equal(names.of('select 1'), 'tomada_0');
  assert.equal(names.of('select 2'), 'tomada_1');
  assert.equal(names.of('select 1'), 'tomada_0', 'asked again, the same name');
  assert.equal(names.of('select 9'), undefined, 'never marked hot: sent as text');
  assert.equal(names.of({ text: 'select 1' }), undefined, 'a query object (a cursor) is left alone');
  names.add('select 3');
  names.add('select 4');
  assert.equal(names.of('select 3'), 'tomada_2');
  assert.equal(names.of('select 4'), undefined, 'past the bound: sent as text');
});
