// An operator's page of id tags (GET /id-tags?limit=&afterId= with an operator's token) is read
// through the index of each operator's tags by key (migration 0021), on either store: without it,
// each page walked the registry's key index from the cursor on, past every other operator's tags.
// The SQL is the one the store runs (captured from SqlQueries); SQLite plans as Tomada runs it (no
// ANALYZE statistics), PostgreSQL after ANALYZE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const TAGS = 20_000;

/** A large operator's tags, and among them, one in 200 (TAG-100200, TAG-100400, …), a small one's. */
async function fillRegistry(database: TestDatabase): Promise<void> {
  await fillTables(database, ['id_tags'], async (db) => {
    await sql`insert into operators (id, name, kind, created_at) values ('OP-BIG', 'Big', 'OPC', '2025-01-01T00:00:00.000Z'), ('OP-SMALL', 'Small', 'DPC', '2025-01-01T00:00:00.000Z')`.execute(db);
    await sql`insert into id_tags (id_tag_key, id_tag, status, operator)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(TAGS)})
      select 'TAG-' || (100000 + i), 'tag-' || (100000 + i), 'Accepted', case when i % 200 = 0 then 'OP-SMALL' else 'OP-BIG' end from s`.execute(db);
  });
}

test("an operator's page of id tags reads its own tags' index, from the cursor", async (t) => {
  await withFilledDatabase(t, fillRegistry, async ({ database, queries, statements, db }) => {
    const page = await queries.listIdTags({ operator: 'OP-SMALL', afterIdTag: 'tag-100400', limit: 50 });
    assert.deepEqual(page.map((tag) => tag.idTag).slice(0, 3), ['tag-100600', 'tag-100800', 'tag-101000']);
    assert.equal(page.length, 50);
    const plan = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(plan, /id_tags_operator/, plan);
  });
});
