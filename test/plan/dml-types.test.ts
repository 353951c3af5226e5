import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeCatalog, int4, text, numeric, parseQuery, sampleCatalog } from './harness.js';
import { bindParameters, explainPlan, planConstantExpr, typeFromAst } from '../../src/plan/planner.js';
import type { DataType } from '../../src/sql/ast.js';
import { SqlError } from '../../src/repr/errors.js';
import { parse } from '../../src/sql/parser.js';

function catalog(): FakeCatalog {
  return sampleCatalog().table('items', {
    columns: [['id', int4, true], ['name', text], ['price', { kind: 'numeric', precision: 10, scale: 2 }], ['qty', int4]],
    defaults: [undefined, "'unnamed'", undefined, '1 + 1'],
    rows: [[1, 'apple', null, 3], [2, 'pear', null, 5]],
  });
}

test('INSERT VALUES: column lists, defaults, assignment casts', () => {
  const db = catalog();
  const p = db.insertPlan("INSERT INTO items (id, price) VALUES (7, '3.456'), (8, 2)");
  assert.equal(p.target, db.items.get('items')!.id);
  const desc = db.items.get('items')!.desc!;
  assert.deepEqual(db.rowsOf(p.plan, desc), [['7', 'unnamed', '3.46', '2'], ['8', 'unnamed', '2.00', '2']]);
  const d = db.insertPlan('INSERT INTO items VALUES (9, DEFAULT, 1.5, DEFAULT)');
  assert.deepEqual(db.rowsOf(d.plan, desc), [['9', 'unnamed', '1.50', '2']]);
});

test('INSERT ... SELECT and RETURNING', () => {
  const db = catalog();
  const p = db.insertPlan('INSERT INTO items (id, name) SELECT a, b FROM t WHERE a IS NOT NULL RETURNING id, upper(name) AS n');
  const desc = db.items.get('items')!.desc!;
  assert.deepEqual(db.rowsOf(p.plan, desc), [['1', 'x', null, '2'], ['2', 'y', null, '2'], ['3', null, null, '2']]);
  assert.deepEqual(p.returning!.desc.columns.map((c) => c.name), ['id', 'n']);
  const untyped = db.insertPlan("INSERT INTO items (id, price, qty) SELECT '5', '1.234', NULL");
  assert.deepEqual(db.rowsOf(untyped.plan, desc), [['5', 'unnamed', '1.23', null]]);
  const union = db.insertPlan("INSERT INTO items (id, price) SELECT '5', 1.5 UNION ALL SELECT 6, 7");
  assert.deepEqual(db.rowsOf(union.plan, desc), [['5', 'unnamed', '1.50', '2'], ['6', 'unnamed', '7.00', '2']]);
});

test('NOT NULL is enforced when the rows are computed', () => {
  const db = catalog();
  const p = db.insertPlan('INSERT INTO items (name) VALUES (\'x\')');
  assert.throws(() => db.peek(p.plan), (err: SqlError) => {
    assert.equal(err.code, '23502');
    assert.equal(err.message, 'null value in column "id" of relation "items" violates not-null constraint');
    return true;
  });
});

test('UPDATE produces old and new rows; DELETE the rows to remove', () => {
  const db = catalog();
  const u = db.updatePlan('UPDATE items SET qty = qty * 2, name = DEFAULT WHERE id = 2');
  const desc = db.items.get('items')!.desc!;
  assert.deepEqual(db.rowsOf(u.plan, desc), [['2', 'pear', null, '5', '2', 'unnamed', null, '10']]);
  const d = db.deletePlan('DELETE FROM items WHERE qty > (SELECT min(qty) FROM items) RETURNING *');
  assert.deepEqual(db.rowsOf(d.plan, desc), [['2', 'pear', null, '5']]);
  assert.equal(d.returning!.exprs.length, 4);
  const du = db.deletePlan('DELETE FROM t USING s WHERE t.a = s.a');
  assert.deepEqual(db.rowsOf(du.plan, db.items.get('t')!.desc!), [['1', 'x'], ['2', 'y']]);
});

test('typeFromAst', () => {
  const named = (name: string, modifiers: number[] = []): DataType => ({ kind: 'named', name, modifiers, pos: 0 });
  assert.deepEqual(typeFromAst(named('numeric', [10, 2])), { kind: 'numeric', precision: 10, scale: 2 });
  assert.deepEqual(typeFromAst(named('varchar', [5])), { kind: 'varchar', length: 5 });
  assert.deepEqual(typeFromAst(named('timestamptz', [3])), { kind: 'timestamptz', precision: 3 });
  assert.deepEqual(typeFromAst({ kind: 'array', element: named('int4'), pos: 0 }), { kind: 'array', element: int4 });
  assert.deepEqual(typeFromAst({ kind: 'list', element: named('text'), pos: 0 }), { kind: 'list', element: text });
  assert.deepEqual(typeFromAst({ kind: 'map', key: named('text'), value: named('numeric'), pos: 0 }), { kind: 'map', value: numeric });
  for (const n of ['int2', 'int8', 'float4', 'float8', 'bool', 'bytea', 'jsonb', 'date', 'interval', 'uuid', 'oid', 'regclass', 'regtype', 'regproc', 'name', 'char', 'mz_timestamp', 'uint2', 'uint4', 'uint8']) {
    assert.equal(typeFromAst(named(n)).kind, n);
  }
  assert.throws(() => typeFromAst(named('foo')), (e: SqlError) => e.code === '42704' && e.message === 'type "foo" does not exist');
});

test('parameters: inferred types, binding', () => {
  const db = sampleCatalog();
  const p = db.plan('SELECT a FROM t WHERE a = $1 AND b = $2 OR $3 IS NULL');
  assert.deepEqual(p.paramTypes.map((t) => t.kind), ['int4', 'text', 'text']);
  const bound = bindParameters(p.plan, [2, 'y', 'x']);
  assert.deepEqual(db.peek(bound), [[2]]);
  const given = db.plan('SELECT $1 + 1', [{ kind: 'int8' }]);
  assert.deepEqual(given.paramTypes, [{ kind: 'int8' }]);
});

test('expressions: CASE, COALESCE, NULLIF, GREATEST, BETWEEN, LIKE, IS DISTINCT FROM, arrays, lists, records', () => {
  const db = sampleCatalog();
  assert.deepEqual(db.check("SELECT a, CASE WHEN a = 1 THEN 'one' WHEN a > 1 THEN 'many' ELSE 'none' END FROM t"), [
    ['1', 'one'], ['2', 'many'], ['3', 'many'], [null, 'none'],
  ]);
  assert.deepEqual(db.check('SELECT coalesce(a, 0), nullif(a, 2), greatest(a, 2), least(a, 2) FROM t'), [
    ['0', null, '2', '2'], ['1', '1', '2', '1'], ['2', null, '2', '2'], ['3', '3', '3', '2'],
  ]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a BETWEEN 2 AND 3'), [['2'], ['3']]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a BETWEEN SYMMETRIC 3 AND 2'), [['2'], ['3']]);
  assert.deepEqual(db.check("SELECT b FROM t WHERE b LIKE 'x%' OR b ILIKE 'Y'"), [['x'], ['y']]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a IS DISTINCT FROM 1'), [['2'], ['3'], [null]]);
  assert.deepEqual(db.check('SELECT a FROM t WHERE a IS NOT DISTINCT FROM NULL'), [[null]]);
  assert.deepEqual(db.check('SELECT (ARRAY[10, 20, 30])[2], (LIST[1, 2, 3])[3], (ROW(1, \'x\')).f2'), [['20', '3', 'x']]);
  assert.deepEqual(db.check("SELECT current_user, current_database(), current_setting('application_name')"), [['materialize', 'materialize', 'test']]);
});

test('whole-row references', () => {
  const db = sampleCatalog();
  assert.deepEqual(db.check('SELECT t FROM t WHERE a = 1'), [['(1,x)']]);
  assert.deepEqual(db.check('SELECT (t).b FROM t WHERE a = 2'), [['y']]);
  assert.deepEqual(db.check('SELECT (ROW(1, 2)).*'), [['1', '2']]);
  assert.deepEqual(db.check('SELECT to_jsonb(t) FROM t WHERE a = 1'), [['{"a": 1, "b": "x"}']]);
});

test('record lists: headers[1].key', () => {
  const header = { kind: 'record' as const, fields: [{ name: 'key', type: text }, { name: 'value', type: { kind: 'bytea' as const } }] };
  const db = new FakeCatalog().table('src', { columns: [['headers', { kind: 'list', element: header }]] });
  const p = db.plan('SELECT headers[1].key FROM src');
  assert.equal(p.desc.columns[0]!.type.kind, 'text');
});

test('EXPLAIN text and constant expressions', () => {
  const db = sampleCatalog();
  const text = explainPlan(db.plan('SELECT a FROM t WHERE a > 1').plan);
  assert.match(text, /^Project \(#0\)\n {2}Map|^Project|Filter/m);
  assert.match(text, /Get u1/);
  const parsed = parse("CREATE SECRET s AS 'abc'")[0]!.statement;
  assert.equal(parsed.kind, 'createSecret');
  if (parsed.kind === 'createSecret') {
    const e = planConstantExpr(parsed.value, db.context());
    assert.deepEqual(e, { kind: 'literal', value: 'abc', type: { kind: 'text' } });
  }
  assert.ok(parseQuery('SELECT 1'));
  assert.deepEqual(
    db.plan("SELECT a::text, 1::int8, DATE '2020-01-01', (SELECT max(c) AS m FROM s), -a, b || 'x' FROM t").desc.columns.map((c) => c.name),
    ['a', 'int8', 'date', 'm', '?column?', '?column?'],
  );
});
