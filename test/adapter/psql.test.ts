// The catalog queries psql 15 sends to a 9.5 server (as Freshet reports) for
// \dt and \l, run through a session: they must answer, not fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryText, runSql, startTestCoordinator } from '../helpers/coordinator.js';

const LIST_TABLES = `SELECT n.nspname as "Schema",
  c.relname as "Name",
  CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type",
  pg_catalog.pg_get_userbyid(c.relowner) as "Owner"
FROM pg_catalog.pg_class c
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m')
      AND n.nspname <> 'pg_catalog'
      AND n.nspname !~ '^pg_toast'
      AND n.nspname <> 'information_schema'
  AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 1,2;`;

const LIST_DATABASES = `SELECT d.datname as "Name",
       pg_catalog.pg_get_userbyid(d.datdba) as "Owner",
       pg_catalog.pg_encoding_to_char(d.encoding) as "Encoding",
       d.datcollate as "Collate",
       d.datctype as "Ctype",
       NULL as "ICU Locale",
       'libc' AS "Locale Provider",
       pg_catalog.array_to_string(d.datacl, E'\\n') AS "Access privileges"
FROM pg_catalog.pg_database d
ORDER BY 1;`;

const COLUMNS_OF = `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
WHERE c.relname = 'pt' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;`;

test("psql's \\dt, \\l and column queries answer from the catalog", async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE pt (a int NOT NULL, b varchar(10), c numeric(8,3))');
    await runSql(s, 'CREATE VIEW pv AS SELECT a FROM pt');
    await runSql(s, 'CREATE MATERIALIZED VIEW pm AS SELECT a FROM pt');
    assert.deepEqual(await queryText(s, LIST_TABLES), [
      ['public', 'pm', 'materialized view', 'materialize'],
      ['public', 'pt', 'table', 'materialize'],
      ['public', 'pv', 'view', 'materialize'],
    ]);
    assert.deepEqual(await queryText(s, LIST_DATABASES), [['materialize', 'materialize', 'UTF8', 'C', 'C', null, 'libc', null]]);
    assert.deepEqual(await queryText(s, COLUMNS_OF), [
      ['a', 'integer', 't'],
      ['b', 'character varying(10)', 'f'],
      ['c', 'numeric(8,3)', 'f'],
    ]);
  } finally {
    await t.stop();
  }
});

/** psql 15's column query of \d (the default column part). */
const DESCRIBE_COLUMNS = `SELECT a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
   FROM pg_catalog.pg_attrdef d
   WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
  a.attnotnull
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = (SELECT c.oid FROM pg_catalog.pg_class c WHERE c.relname = 'defaulted') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum;`;

test("psql's \\d shows column defaults as written, also after a restart", async () => {
  const first = await startTestCoordinator();
  await runSql(first.session, "CREATE TABLE defaulted (a int DEFAULT 5, b text NOT NULL DEFAULT 'x' || 'y', c timestamptz DEFAULT now(), d int)");
  const expected = [
    ['a', 'integer', '5', 'f'],
    ['b', 'text', "'x' || 'y'", 't'],
    ['c', 'timestamp with time zone', 'now()', 'f'],
    ['d', 'integer', null, 'f'],
  ];
  assert.deepEqual(await queryText(first.session, DESCRIBE_COLUMNS), expected);
  await first.stop(true);
  const second = await startTestCoordinator(first.dataDir);
  try {
    assert.deepEqual(await queryText(second.session, DESCRIBE_COLUMNS), expected);
  } finally {
    await second.stop();
  }
});

test("psql's \\dt lists the relations visible on the search_path, as PostgreSQL's pg_table_is_visible decides", async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE SCHEMA other; CREATE TABLE pt (a int); CREATE TABLE other.o (b int); CREATE TABLE other.pt (c int)');
    assert.deepEqual(await queryText(s, LIST_TABLES), [['public', 'pt', 'table', 'materialize']]);
    // other.pt is hidden behind public.pt, which comes first on the path.
    await runSql(s, 'SET search_path = public, other');
    assert.deepEqual(await queryText(s, LIST_TABLES), [
      ['other', 'o', 'table', 'materialize'],
      ['public', 'pt', 'table', 'materialize'],
    ]);
    await runSql(s, 'SET search_path = other, public');
    assert.deepEqual(await queryText(s, LIST_TABLES), [
      ['other', 'o', 'table', 'materialize'],
      ['other', 'pt', 'table', 'materialize'],
    ]);
  } finally {
    await t.stop();
  }
});
