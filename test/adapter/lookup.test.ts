// Index lookups: which reads are lookups (the planner part, on hand-built
// plans), what EXPLAIN shows for them, and that their results equal the
// scan's (the same query on an unindexed copy of the data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecuteResult, Session } from '../../src/adapter/api.js';
import type { Datum, Row, SqlType } from '../../src/repr/types.js';
import { SqlError } from '../../src/repr/errors.js';
import { formatText } from '../../src/repr/text.js';
import type { RelExpr, ScalarExpr, ScalarFunc } from '../../src/plan/mir.js';
import { AND, OR } from '../../src/plan/builtins.js';
import { equalityFuncs } from '../../src/plan/expr.js';
import { findLookups, substituteLookups, readsOnlyLookups, MAX_LOOKUP_VALUES, type IndexesOf } from '../../src/adapter/lookup.js';
import { runSql, startTestCoordinator } from '../helpers/coordinator.js';

// ---- the planner part, on hand-built plans ----

const INT4: SqlType = { kind: 'int4' };
const INT8: SqlType = { kind: 'int8' };
const TEXT: SqlType = { kind: 'text' };
const BOOL: SqlType = { kind: 'bool' };

const eq: ScalarFunc = { name: 'eq', strict: true, eval: ([a, b]) => a === b };
equalityFuncs.add(eq);
const lt: ScalarFunc = { name: 'lt', strict: true, eval: ([a, b]) => (a as number) < (b as number) };
const widen: ScalarFunc = { name: 'cast_int4_to_int8', strict: true, eval: ([a]) => BigInt(a as number) };
const lower: ScalarFunc = { name: 'lower', strict: true, eval: ([a]) => (a as string).toLowerCase() };

const col = (index: number, type: SqlType = INT4): ScalarExpr => ({ kind: 'column', index, type });
const lit = (value: Datum, type: SqlType = INT4): ScalarExpr => ({ kind: 'literal', value, type });
const call = (func: ScalarFunc, args: ScalarExpr[], type: SqlType = BOOL): ScalarExpr => ({ kind: 'call', func, args, type });
const equals = (a: ScalarExpr, b: ScalarExpr): ScalarExpr => call(eq, [a, b]);

const desc = { columns: [{ name: 'id', type: INT4, nullable: true }, { name: 'name', type: TEXT, nullable: true }, { name: 'k', type: INT4, nullable: true }] };
const get = (): Extract<RelExpr, { op: 'get' }> => ({ op: 'get', id: 'u1', desc });
const filter = (input: RelExpr, ...predicates: ScalarExpr[]): RelExpr => ({ op: 'filter', input, predicates });

/** u1 has an index on (id), one on (lower(name)) and one on (id, k). */
const indexes: IndexesOf = (id) =>
  id === 'u1'
    ? {
        on: 'materialize.public.t',
        indexes: [
          { id: 'i1', name: 'materialize.public.t_id', shortName: 't_id', keys: [col(0)] },
          { id: 'i2', name: 'materialize.public.t_lname', shortName: 't_lname', keys: [call(lower, [col(1, TEXT)], TEXT)] },
          { id: 'i3', name: 'materialize.public.t_id_k', shortName: 't_id_k', keys: [col(0), col(2)] },
        ],
      }
    : undefined;

const lookupsOf = (plan: RelExpr): Array<[string, Datum[][]]> => findLookups(plan, indexes).sites.map((s) => [s.index.id, s.values]);

test('equality with a literal on an index key is a lookup; other predicates are not', () => {
  assert.deepEqual(lookupsOf(filter(get(), equals(col(0), lit(7)))), [['i1', [[7]]]]);
  assert.deepEqual(lookupsOf(filter(get(), equals(lit(7), col(0)))), [['i1', [[7]]]]);
  assert.deepEqual(lookupsOf(filter(get(), call(lt, [col(0), lit(7)]))), []);
  assert.deepEqual(lookupsOf(get()), []);
  // k alone is a prefix of (id, k): hash arrangements need every key column.
  assert.deepEqual(lookupsOf(filter(get(), equals(col(2), lit(1)))), []);
});

test('NULL matches nothing; IN lists (ORs) union their values, duplicates once; AND picks a constraint', () => {
  assert.deepEqual(lookupsOf(filter(get(), equals(col(0), lit(null)))), [['i1', []]]);
  const inList = call(OR, [equals(col(0), lit(1)), equals(col(0), lit(2)), equals(col(0), lit(1)), equals(col(0), lit(null))]);
  assert.deepEqual(lookupsOf(filter(get(), inList)), [['i1', [[1], [2]]]]);
  // An OR with a branch not on the key reads everything.
  assert.deepEqual(lookupsOf(filter(get(), call(OR, [equals(col(0), lit(1)), equals(col(2), lit(2))]))), []);
  assert.deepEqual(lookupsOf(filter(get(), call(AND, [equals(col(0), lit(3)), call(lt, [col(2), lit(9)])]))), [['i1', [[3]]]]);
});

test('multi-column keys look up the product of their values; the fewest lookups win', () => {
  const plan = filter(get(), call(OR, [equals(col(2), lit(1)), equals(col(2), lit(2))]), equals(col(0), lit(5)));
  // (id) needs one lookup, (id, k) two: the index on id is used.
  assert.deepEqual(lookupsOf(plan), [['i1', [[5]]]]);
  const only = (id: string): IndexesOf => (x) => {
    const found = indexes(x);
    return found && { ...found, indexes: found.indexes.filter((i) => i.id === id) };
  };
  assert.deepEqual(findLookups(plan, only('i3')).sites.map((s) => s.values), [[[5, 1], [5, 2]]]);
});

test('casts: an int4 key compared as int8 is looked up as int4, out-of-range values find nothing', () => {
  const asInt8 = (v: bigint): ScalarExpr => equals(call(widen, [col(0)], INT8), lit(v, INT8));
  assert.deepEqual(lookupsOf(filter(get(), asInt8(7n))), [['i1', [[7]]]]);
  assert.deepEqual(lookupsOf(filter(get(), asInt8(5_000_000_000n))), [['i1', []]]);
  // A literal of another representation than the key is never looked up as is.
  assert.deepEqual(lookupsOf(filter(get(), equals(col(0), lit(7n, INT8)))), []);
});

test('key expressions match structurally, through projections and maps', () => {
  assert.deepEqual(lookupsOf(filter(get(), equals(call(lower, [col(1, TEXT)], TEXT), lit('x', TEXT)))), [['i2', [['x']]]]);
  // Project (#1, #0) then Filter (#1 = 4): #1 is id.
  const projected: RelExpr = filter({ op: 'project', input: get(), outputs: [1, 0] }, equals(col(1), lit(4)));
  assert.deepEqual(lookupsOf(projected), [['i1', [[4]]]]);
  // Map (lower(#1)) then Filter (#3 = 'y').
  const mapped: RelExpr = filter({ op: 'map', input: get(), scalars: [call(lower, [col(1, TEXT)], TEXT)] }, equals(col(3, TEXT), lit('y', TEXT)));
  assert.deepEqual(lookupsOf(mapped), [['i2', [['y']]]]);
});

test('a join with a constant relation on the key probes the index (NULL too: equivalences match it)', () => {
  const constant: RelExpr = { op: 'constant', rows: [[[1], 1], [[2], 1], [[2], 1], [[null], 1]], desc: { columns: [{ name: 'x', type: INT4, nullable: true }] } };
  const join: RelExpr = { op: 'join', inputs: [get(), constant], equivalences: [[col(0), col(3)]] };
  const found = findLookups(join, indexes);
  assert.deepEqual(found.sites.map((s) => [s.index.id, s.values]), [['i1', [[1], [2], [null]]]]);
  assert.ok(readsOnlyLookups(found.plan, found.sites));
  const rows = new Map([[found.sites[0]!.get, [[[1, 'a', 0], 1] as [Row, number]]]]);
  const replaced = substituteLookups(found.plan, rows);
  assert.equal(replaced.op === 'join' && replaced.inputs[0]!.op, 'constant');
  // Two unconstrained inputs: nothing to look up.
  const cross: RelExpr = { op: 'join', inputs: [get(), get()], equivalences: [[col(0), col(3)]] };
  assert.deepEqual(lookupsOf(cross), []);
});

test('shared subtrees: only the constrained occurrence of a get is replaced', () => {
  const shared = get();
  const plan: RelExpr = { op: 'join', inputs: [shared, filter(shared, equals(col(0), lit(3)))], equivalences: [] };
  const found = findLookups(plan, indexes);
  assert.equal(found.sites.length, 1);
  assert.ok(!readsOnlyLookups(found.plan, found.sites));
  const replaced = substituteLookups(found.plan, new Map([[found.sites[0]!.get, []]]));
  assert.ok(replaced.op === 'join' && replaced.inputs[0]!.op === 'get');
});

test('too many key combinations fall back to a scan', () => {
  const many = call(OR, Array.from({ length: MAX_LOOKUP_VALUES + 1 }, (_, i) => equals(col(0), lit(i))));
  assert.deepEqual(lookupsOf(filter(get(), many)), []);
});

// ---- through SQL: EXPLAIN and results ----

async function rowsOf(result: ExecuteResult | undefined): Promise<Row[]> {
  if (result === undefined) throw new Error('no result');
  if (result.kind === 'rows') return result.rows;
  const r = result as { kind: string; stream?: { next(): Promise<Row[] | null> } };
  if (r.stream === undefined) throw new Error(`expected rows, got ${result.kind}`);
  const out: Row[] = [];
  for (;;) {
    const batch = await r.stream.next();
    if (batch === null) return out;
    out.push(...batch);
  }
}

async function query(s: Session, sql: string): Promise<string[]> {
  const results = await runSql(s, sql);
  const last = results[results.length - 1];
  const rows = await rowsOf(last);
  const columns = last !== undefined && 'columns' in last ? last.columns : [];
  return rows.map((row) => row.map((v, i) => (v === null ? 'NULL' : formatText(v, columns[i]!.type))).join(' ')).sort();
}

async function explain(s: Session, sql: string): Promise<string> {
  const [plan] = await query(s, `EXPLAIN ${sql}`);
  return plan!;
}

const SETUP = `
CREATE TABLE t (id int, name text, v int8, code varchar, k int);
INSERT INTO t SELECT g, 'Name' || g, g * 10, 'c' || (g % 7), g % 3 FROM generate_series(1, 300) g;
INSERT INTO t VALUES (NULL, 'nobody', NULL, NULL, NULL), (5, 'Name5', 50, 'c5', 2);
CREATE VIEW v AS SELECT id, name, v, code, k FROM t;
CREATE INDEX v_id ON v (id);
CREATE INDEX v_lower_name ON v (lower(name));
CREATE INDEX v_code ON v (code);
CREATE MATERIALIZED VIEW mv AS SELECT id, k, name FROM t;
CREATE INDEX mv_id_k ON mv (id, k);
CREATE TABLE u (id int, name text);
INSERT INTO u SELECT g, 'u' || g FROM generate_series(1, 50) g;
CREATE DEFAULT INDEX ON u;
CREATE INDEX u_id ON u (id);
CREATE VIEW scan AS SELECT id, name, v, code, k FROM t;
`;

/** [query over the indexed relations, the same query over unindexed ones] */
const CASES: Array<[string, string]> = [
  ['SELECT * FROM v WHERE id = 77', 'SELECT * FROM scan WHERE id = 77'],
  ['SELECT * FROM v WHERE id = 5', 'SELECT * FROM scan WHERE id = 5'],
  ['SELECT * FROM v WHERE id = 1000', 'SELECT * FROM scan WHERE id = 1000'],
  ['SELECT * FROM v WHERE id = NULL', 'SELECT * FROM scan WHERE id = NULL'],
  ['SELECT * FROM v WHERE id IN (1, 2, 2, 3, NULL)', 'SELECT * FROM scan WHERE id IN (1, 2, 2, 3, NULL)'],
  ['SELECT * FROM v WHERE id = ANY(ARRAY[4, 4, 6])', 'SELECT * FROM scan WHERE id = ANY(ARRAY[4, 4, 6])'],
  ['SELECT * FROM v WHERE id = 7::int8', 'SELECT * FROM scan WHERE id = 7::int8'],
  ['SELECT * FROM v WHERE id = 5000000000', 'SELECT * FROM scan WHERE id = 5000000000'],
  ["SELECT * FROM v WHERE code = 'c3'::varchar", "SELECT * FROM scan WHERE code = 'c3'::varchar"],
  ["SELECT * FROM v WHERE code = 'c3'::text AND k = 1", "SELECT * FROM scan WHERE code = 'c3'::text AND k = 1"],
  ["SELECT * FROM v WHERE lower(name) = 'name12'", "SELECT * FROM scan WHERE lower(name) = 'name12'"],
  ['SELECT name, v * 2 FROM v WHERE id = 9 AND v > 10', 'SELECT name, v * 2 FROM scan WHERE id = 9 AND v > 10'],
  ['SELECT count(*), sum(v) FROM v WHERE id IN (5, 6)', 'SELECT count(*), sum(v) FROM scan WHERE id IN (5, 6)'],
  ['SELECT count(*) FROM v WHERE id = -1', 'SELECT count(*) FROM scan WHERE id = -1'],
  ['SELECT id FROM v WHERE id IN (9, 8, 7) ORDER BY id DESC LIMIT 2', 'SELECT id FROM scan WHERE id IN (9, 8, 7) ORDER BY id DESC LIMIT 2'],
  ['SELECT * FROM mv WHERE id = 10 AND k = 1', 'SELECT id, k, name FROM scan WHERE id = 10 AND k = 1'],
  ['SELECT * FROM mv WHERE id IN (10, 11) AND k IN (1, 2)', 'SELECT id, k, name FROM scan WHERE id IN (10, 11) AND k IN (1, 2)'],
  ['SELECT * FROM u WHERE id = 3', "SELECT g, 'u' || g FROM generate_series(1, 50) g WHERE g = 3"],
  ["SELECT * FROM u WHERE id = 4 AND name = 'u4'", "SELECT g, 'u' || g FROM generate_series(1, 50) g WHERE g = 4"],
  ['SELECT v.id, v.name FROM v JOIN (VALUES (1), (3), (3)) x(k) ON v.id = x.k', 'SELECT s.id, s.name FROM scan s JOIN (VALUES (1), (3), (3)) x(k) ON s.id = x.k'],
  ['SELECT v.id, u.name FROM v JOIN u ON u.id = v.id WHERE v.id = 4', 'SELECT s.id, u.name FROM scan s JOIN u ON u.id = s.id WHERE s.id = 4'],
];

test('lookups return what the scan returns', async () => {
  const t = await startTestCoordinator();
  try {
    await runSql(t.session, SETUP);
    for (const [indexed, unindexed] of CASES) {
      assert.deepEqual(await query(t.session, indexed), await query(t.session, unindexed), indexed);
    }
    // Changes are seen by the next lookup.
    await runSql(t.session, "UPDATE t SET name = 'changed' WHERE id = 77");
    assert.deepEqual(await query(t.session, 'SELECT name FROM v WHERE id = 77'), ['changed']);
    await runSql(t.session, 'DELETE FROM t WHERE id = 77');
    assert.deepEqual(await query(t.session, 'SELECT name FROM v WHERE id = 77'), []);
  } finally {
    await t.stop();
  }
});

test('EXPLAIN shows lookups as Materialize fast paths, and scans as before', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, SETUP);
    assert.equal(
      await explain(s, 'SELECT * FROM v WHERE id = 77'),
      [
        'Explained Query (fast path):',
        '  Filter (#0 = 77)',
        '    ReadIndex on=materialize.public.v v_id=[lookup value=(77)]',
        '',
        'Used Indexes:',
        '  - materialize.public.v_id (lookup)',
        '',
      ].join('\n'),
    );
    assert.match(await explain(s, 'SELECT * FROM v WHERE id IN (1, 2, 2)'), /v_id=\[lookup values=\[\(1\); \(2\)\]\]/);
    assert.match(await explain(s, 'SELECT * FROM v WHERE id = 7::int8'), /Filter \(cast_int4_to_int8\(#0\) = 7\)\n {4}ReadIndex on=materialize\.public\.v v_id=\[lookup value=\(7\)\]/);
    assert.match(await explain(s, "SELECT * FROM v WHERE lower(name) = 'x'"), /ReadIndex on=materialize\.public\.v v_lower_name=\[lookup value=\("x"\)\]/);
    assert.match(await explain(s, "SELECT * FROM v WHERE code = 'c1'::varchar"), /v_code=\[lookup value=\("c1"\)\]/);
    assert.match(await explain(s, 'SELECT * FROM mv WHERE id = 1 AND k IN (1, 2)'), /ReadIndex on=materialize\.public\.mv mv_id_k=\[lookup values=\[\(1, 1\); \(1, 2\)\]\]/);
    assert.match(await explain(s, 'SELECT * FROM u WHERE id = 1'), /ReadIndex on=materialize\.public\.u u_id=\[lookup value=\(1\)\]/);
    assert.match(await explain(s, "SELECT * FROM u WHERE id = 1 AND name = 'u1'"), /ReadIndex on=materialize\.public\.u u_(id|primary_idx)=\[lookup value=/);
    assert.match(await explain(s, 'SELECT count(*) FROM v WHERE id = 3'), /^Explained Query \(fast path\):\n/);
    const join = await explain(s, 'SELECT v.* FROM v JOIN (VALUES (1), (2)) x(k) ON v.id = x.k');
    assert.match(join, /^Explained Query \(fast path\):\n/);
    assert.match(join, /ReadIndex on=materialize\.public\.v v_id=\[lookup values=\[\(1\); \(2\)\]\]/);
    // A join with a scanned input: the lookup shows, without the fast-path heading.
    const mixed = await explain(s, 'SELECT * FROM v JOIN t ON t.id = v.id WHERE v.id = 4');
    assert.doesNotMatch(mixed, /fast path/);
    assert.match(mixed, /ReadIndex on=materialize\.public\.v v_id=\[lookup value=\(4\)\]/);
    assert.match(mixed, /Get materialize\.public\.t\n/);
    // Not lookups: ranges, a key prefix, no index, = NULL (folded to nothing).
    assert.equal(await explain(s, 'SELECT * FROM v WHERE id > 3'), 'Filter (#0 > 3)\n  Get materialize.public.v_id\n');
    assert.doesNotMatch(await explain(s, 'SELECT * FROM mv WHERE id = 1'), /ReadIndex/);
    assert.doesNotMatch(await explain(s, 'SELECT * FROM t WHERE id = 1'), /ReadIndex/);
    assert.doesNotMatch(await explain(s, 'SELECT * FROM v WHERE id = NULL'), /ReadIndex/);
  } finally {
    await t.stop();
  }
});

test('a lookup in an index with errors fails the query as the scan does', async () => {
  const t = await startTestCoordinator();
  try {
    const s = t.session;
    await runSql(s, 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2), (5)');
    await runSql(s, 'CREATE VIEW e AS SELECT id, 10 / (id - 5) AS x FROM t; CREATE INDEX e_id ON e (id)');
    assert.match(await explain(s, 'SELECT * FROM e WHERE id = 1'), /lookup value=\(1\)/);
    for (const sql of ['SELECT * FROM e WHERE id = 1', 'SELECT * FROM e WHERE id > 0']) {
      await assert.rejects(query(s, sql), (err: unknown) => err instanceof SqlError && /division by zero/.test(err.message), sql);
    }
    await runSql(s, 'DELETE FROM t WHERE id = 5');
    assert.deepEqual(await query(s, 'SELECT * FROM e WHERE id = 1'), ['1 -2']);
  } finally {
    await t.stop();
  }
});
