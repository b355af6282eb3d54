// The spellings of an id tag the store's queries name (src/store/id-tag-spellings.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idTagSpellings, MAX_ID_TAG_SPELLINGS } from '../../src/store/id-tag-spellings.js';

test('a tag in ASCII has one spelling: upper() folds its letters on every store', () => {
  assert.deepEqual(idTagSpellings('abc-DEF_0123'), ['abc-DEF_0123']);
  assert.deepEqual(idTagSpellings(''), ['']);
});

test('each letter outside ASCII in both its cases, the tag as given first', () => {
  assert.deepEqual(idTagSpellings('zé'), ['zé', 'zÉ']);
  assert.deepEqual(idTagSpellings('ÇÃ1'), ['ÇÃ1', 'Çã1', 'çÃ1', 'çã1']);
  // Final sigma: its upper case, and that one's lower case.
  assert.deepEqual(idTagSpellings('ς').sort(), ['Σ', 'ς', 'σ'].sort());
  // And the other way: the letters that share an upper case, which no case of Σ or μ leads to
  // (PostgreSQL's upper() folds them alike; SQLite took them for other cards).
  assert.deepEqual(idTagSpellings('Σ').sort(), ['Σ', 'ς', 'σ'].sort());
  assert.deepEqual(idTagSpellings('μ').sort(), ['Μ', 'µ', 'μ'].sort());
  // A case mapping to several letters is not a spelling (PostgreSQL's upper() keeps ß too).
  assert.deepEqual(idTagSpellings('ß'), ['ß']);
  // Letters without case, and astral ones, as written.
  assert.deepEqual(idTagSpellings('€😀'), ['€😀']);
});

test('bounded: the letters past the bound stay as written', () => {
  const tag = 'éééééééééééééééééééé';
  const spellings = idTagSpellings(tag);
  assert.equal(spellings.length, MAX_ID_TAG_SPELLINGS);
  assert.equal(spellings[0], tag);
  assert.equal(new Set(spellings).size, spellings.length);
  assert.ok(spellings.every((s) => s.toUpperCase() === tag.toUpperCase()));
});
