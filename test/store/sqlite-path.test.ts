// store: sqlite-only. A SQLite URL that names no file (`sqlite:`, a template whose variable was
// empty) is refused when the store opens, with the URL's variable named. SQLite takes an empty
// name for an anonymous temporary database, deleted when it is closed: the node started, every
// write was committed to it and then refused with "Commits can no longer be made durable (sync of
// -wal failed …); restart Tomada" (its WAL has no file to sync), and a restart changed nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';

test('a SQLite URL that names no file is refused at open, naming TOMADA_DATABASE_URL', async () => {
  for (const url of ['sqlite:', 'sqlite:   ']) {
    await assert.rejects(openStore(url), (error: Error) => {
      assert.match(error.message, /TOMADA_DATABASE_URL/);
      assert.match(error.message, /names no file/);
      assert.doesNotMatch(error.message, /durable/);
      return true;
    }, JSON.stringify(url));
  }
});
