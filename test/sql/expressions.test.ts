// Parser: expression precedence (PostgreSQL's table) and every expression form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr, FunctionCallExpr } from '../../src/sql/ast.js';
import { exprOf, noPos, show } from './helpers.js';

function shown(sqlExpr: string): string {
  return show(exprOf(sqlExpr));
}

test('arithmetic and logical precedence', () => {
  const cases: [string, string][] = [
    ['1 + 2 * 3', '(1 + (2 * 3))'],
    ['1 * 2 + 3', '((1 * 2) + 3)'],
    ['1 - 2 - 3', '((1 - 2) - 3)'],
    ['2 ^ 3 ^ 2', '((2 ^ 3) ^ 2)'],
    ['2 * 3 ^ 2', '(2 * (3 ^ 2))'],
    ['a % b / c', '((a % b) / c)'],
    ['a OR b AND c', '(a or (b and c))'],
    ['a AND b OR c', '((a and b) or c)'],
    ['NOT a AND b', '((not a) and b)'],
    ['NOT a = b', '(not (a = b))'],
    ['NOT NOT a', '(not (not a))'],
    ['a = b AND c <> d', '((a = b) and (c <> d))'],
    ['a != b', '(a <> b)'],
    ['a < b + 1', '(a < (b + 1))'],
    ["a || b = 'x'", "((a || b) = 'x')"],
    ["a || 1 + 2", '(a || (1 + 2))'],
    ["j -> 'a' ->> 'b'", "((j -> 'a') ->> 'b')"],
    ["j ->> 'a' = 'b'", "((j ->> 'a') = 'b')"],
    ["j @> '{}' AND j ? 'k'", "((j @> '{}') and (j ? 'k'))"],
    ["j ?| k", '(j ?| k)'],
    ["j #>> '{a}'", "(j #>> '{a}')"],
    ['a ~ b', '(a ~ b)'],
    ['a !~* b', '(a !~* b)'],
    ['a && b', '(a && b)'],
    ['1 << 2 + 1', '(1 << (2 + 1))'],
    ["c.relname OPERATOR(pg_catalog.~) '^t$' AND x", "((c.relname ~ '^t$') and x)"],
    ['a OPERATOR(+) 1 * 2', '(a + (1 * 2))'],
  ];
  for (const [input, expected] of cases) assert.equal(shown(input), expected, input);
});

test('IS, ISNULL, NOTNULL and IS DISTINCT FROM bind looser than comparison', () => {
  assert.equal(shown('a = b IS NULL'), '((a = b) is null)');
  assert.equal(shown('NOT a IS NULL'), '(not (a is null))');
  assert.equal(shown('a IS NOT NULL AND b'), '((a is not null) and b)');
  assert.equal(shown('a ISNULL'), '(a is null)');
  assert.equal(shown('a NOTNULL'), '(a is not null)');
  assert.equal(shown('a IS TRUE'), '(a is true)');
  assert.equal(shown('a IS NOT FALSE'), '(a is not false)');
  assert.equal(shown('a IS UNKNOWN'), '(a is unknown)');
  assert.equal(shown('a IS DISTINCT FROM b + 1'), '(a is distinct from (b + 1))');
  assert.equal(shown('a IS NOT DISTINCT FROM b'), '(a is not distinct from b)');
});

test('unary operators: minus binds tighter than ^, looser than :: and []', () => {
  assert.equal(shown('-2 ^ 2'), '((- 2) ^ 2)');
  assert.equal(shown('- x ^ 2'), '((- x) ^ 2)');
  assert.equal(shown('-a::int'), '(- a::int4)');
  assert.equal(shown('-a[1]'), '(- a[1])');
  assert.equal(shown('2 * -3'), '(2 * (- 3))');
  assert.equal(shown('- - 1'), '(- (- 1))');
  assert.equal(shown('- (- a)'), '(- (- a))');
  assert.equal(shown('+a'), '(+ a)');
  assert.equal(shown('~ 1 + 2'), '(~ (1 + 2))');
  assert.equal(shown('@ a'), '(@ a)');
  assert.equal(shown('1-1'), '(1 - 1)');
  assert.equal(shown('a>=-1'), '(a >= (- 1))');
  assert.deepEqual(exprOf('-1.5'), {
    kind: 'unary',
    op: '-',
    expr: { kind: 'literal', value: { type: 'number', text: '1.5' }, pos: 8 },
    pos: 7,
  });
});

test('BETWEEN, IN, LIKE', () => {
  assert.equal(shown('x BETWEEN 1 AND 2 AND y'), '((x between 1 and 2) and y)');
  assert.equal(shown('x NOT BETWEEN a + 1 AND b'), '(x not between (a + 1) and b)');
  const symmetric = exprOf('x BETWEEN SYMMETRIC 2 AND 1');
  assert.ok(symmetric.kind === 'between' && symmetric.symmetric && !symmetric.negated);
  assert.equal(shown('x IN (1, 2) = true'), '((x in [1, 2]) = true)');
  assert.equal(shown('x NOT IN (1)'), '(x not in [1])');
  assert.equal(shown("a LIKE 'x%' OR b"), "((a like 'x%') or b)");
  assert.equal(shown("a NOT ILIKE 'x' || 'y'"), "(a not ilike ('x' || 'y'))");
  assert.deepEqual(noPos(exprOf("a LIKE 'x!%' ESCAPE '!'")), {
    kind: 'like',
    expr: { kind: 'identifier', parts: ['a'] },
    pattern: { kind: 'literal', value: { type: 'string', value: 'x!%' } },
    negated: false,
    caseInsensitive: false,
    escape: { kind: 'literal', value: { type: 'string', value: '!' } },
  });
  assert.equal(shown("a ~~ 'x'"), "(a like 'x')");
  assert.equal(shown("a !~~* 'x'"), "(a not ilike 'x')");
  const sub = exprOf('a IN (SELECT b FROM t)');
  assert.ok(sub.kind === 'inSubquery' && !sub.negated && sub.query.body.kind === 'select');
  const notSub = exprOf('a NOT IN (VALUES (1))');
  assert.ok(notSub.kind === 'inSubquery' && notSub.negated);
});

test('AT TIME ZONE and COLLATE', () => {
  assert.equal(shown("ts AT TIME ZONE 'UTC'"), "(ts at time zone 'UTC')");
  assert.equal(shown("ts AT TIME ZONE 'UTC' + i"), "((ts at time zone 'UTC') + i)");
  assert.equal(shown('s COLLATE "C" || t'), '((s collate C) || t)');
});

test('casts, subscripts, slices and field access', () => {
  assert.equal(shown("'1'::int + 1"), "('1'::int4 + 1)");
  assert.equal(shown('a::text::int'), 'a::text::int4');
  assert.equal(shown('a[1][2]'), 'a[1][2]');
  assert.equal(shown('headers[1].key'), 'headers[1].key');
  assert.equal(shown('(x).field'), 'x.field');
  assert.equal(shown('(x).a.b'), 'x.a.b');
  assert.equal(shown('f(x).a'), 'f(x).a');
  assert.deepEqual(noPos(exprOf('(t).*')), { kind: 'wildcardAccess', expr: { kind: 'identifier', parts: ['t'] } });
  assert.deepEqual(noPos(exprOf('a[1:2]')), {
    kind: 'subscript',
    expr: { kind: 'identifier', parts: ['a'] },
    slice: { start: { kind: 'literal', value: { type: 'number', text: '1' } }, end: { kind: 'literal', value: { type: 'number', text: '2' } } },
  });
  assert.deepEqual(noPos(exprOf('a[:2]')), {
    kind: 'subscript',
    expr: { kind: 'identifier', parts: ['a'] },
    slice: { end: { kind: 'literal', value: { type: 'number', text: '2' } } },
  });
  const cast = exprOf('CAST(a AS numeric(10, 2))');
  assert.deepEqual(noPos(cast), { kind: 'cast', expr: { kind: 'identifier', parts: ['a'] }, dataType: { kind: 'named', name: 'numeric', modifiers: [10, 2] } });
});

test('literals', () => {
  assert.deepEqual(noPos(exprOf('42')), { kind: 'literal', value: { type: 'number', text: '42' } });
  assert.deepEqual(noPos(exprOf('1.5e10')), { kind: 'literal', value: { type: 'number', text: '1.5e10' } });
  assert.deepEqual(noPos(exprOf('.5')), { kind: 'literal', value: { type: 'number', text: '.5' } });
  assert.deepEqual(noPos(exprOf('TRUE')), { kind: 'literal', value: { type: 'boolean', value: true } });
  assert.deepEqual(noPos(exprOf('null')), { kind: 'literal', value: { type: 'null' } });
  assert.deepEqual(noPos(exprOf("X'1F'")), { kind: 'literal', value: { type: 'hexString', value: '1F' } });
  assert.deepEqual(noPos(exprOf('$2')), { kind: 'parameter', index: 2 });
});

test('typed literals', () => {
  const typed = (sqlExpr: string) => noPos(exprOf(sqlExpr));
  assert.deepEqual(typed("DATE '2020-01-01'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'date', modifiers: [] }, value: '2020-01-01' },
  });
  assert.deepEqual(typed("TIMESTAMP WITH TIME ZONE '2020-01-01 00:00:00+00'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'timestamptz', modifiers: [] }, value: '2020-01-01 00:00:00+00' },
  });
  assert.deepEqual(typed("TIMESTAMPTZ 'x'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'timestamptz', modifiers: [] }, value: 'x' },
  });
  assert.deepEqual(typed("TIME '12:00'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'time', modifiers: [] }, value: '12:00' },
  });
  assert.deepEqual(typed("INTERVAL '1' DAY"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'interval', modifiers: [] }, value: '1', intervalQualifier: { leading: 'day' } },
  });
  assert.deepEqual(typed("INTERVAL '1:30' HOUR TO MINUTE"), {
    kind: 'literal',
    value: {
      type: 'typedString',
      dataType: { kind: 'named', name: 'interval', modifiers: [] },
      value: '1:30',
      intervalQualifier: { leading: 'hour', trailing: 'minute' },
    },
  });
  assert.deepEqual(typed("INTERVAL '1 day'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'interval', modifiers: [] }, value: '1 day' },
  });
  assert.deepEqual(typed("UUID 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'uuid', modifiers: [] }, value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
  });
  assert.deepEqual(typed("JSONB '{}'"), {
    kind: 'literal',
    value: { type: 'typedString', dataType: { kind: 'named', name: 'jsonb', modifiers: [] }, value: '{}' },
  });
  // Type names not followed by a string are ordinary names and calls.
  assert.deepEqual(typed('date(x)').kind, 'function');
  assert.deepEqual(typed('interval'), { kind: 'identifier', parts: ['interval'] });
  assert.deepEqual(typed('time'), { kind: 'identifier', parts: ['time'] });
});

test('CASE, EXISTS, subqueries and quantified comparisons', () => {
  assert.deepEqual(noPos(exprOf("CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' ELSE 'z' END")), {
    kind: 'case',
    operand: { kind: 'identifier', parts: ['a'] },
    whens: [
      { condition: { kind: 'literal', value: { type: 'number', text: '1' } }, result: { kind: 'literal', value: { type: 'string', value: 'x' } } },
      { condition: { kind: 'literal', value: { type: 'number', text: '2' } }, result: { kind: 'literal', value: { type: 'string', value: 'y' } } },
    ],
    elseResult: { kind: 'literal', value: { type: 'string', value: 'z' } },
  });
  const searched = exprOf('CASE WHEN a > 1 THEN 1 END');
  assert.ok(searched.kind === 'case' && searched.operand === undefined && searched.elseResult === undefined);
  assert.equal(exprOf('EXISTS (SELECT 1)').kind, 'exists');
  assert.equal(shown('NOT EXISTS (SELECT 1)'), '(not exists)');
  const scalar = exprOf('(SELECT max(a) FROM t) + 1');
  assert.ok(scalar.kind === 'binary' && scalar.left.kind === 'subquery');
  const doubled = exprOf('((SELECT 1) + 1)');
  assert.ok(doubled.kind === 'binary' && doubled.left.kind === 'subquery');
  const inWithSubquery = exprOf('a IN ((SELECT 1), 2)');
  assert.ok(inWithSubquery.kind === 'inList' && inWithSubquery.list[0].kind === 'subquery' && inWithSubquery.list.length === 2);
  const anyOfSubquery = exprOf('a = ANY ((SELECT b FROM t))');
  assert.ok(anyOfSubquery.kind === 'quantifiedSubquery');
  const rowWithSubquery = exprOf('((SELECT 1), 2)');
  assert.ok(rowWithSubquery.kind === 'row' && rowWithSubquery.elements[0].kind === 'subquery');
  const unioned = exprOf('((SELECT 1) UNION (SELECT 2))');
  assert.ok(unioned.kind === 'subquery' && unioned.query.body.kind === 'setOperation');
  const any = exprOf('a = ANY (SELECT b FROM t)');
  assert.ok(any.kind === 'quantifiedSubquery' && any.quantifier === 'any' && any.op === '=');
  const some = exprOf('a < SOME (SELECT 1)');
  assert.ok(some.kind === 'quantifiedSubquery' && some.quantifier === 'any' && some.op === '<');
  const all = exprOf("a <> ALL (ARRAY[1, 2])");
  assert.ok(all.kind === 'quantifiedArray' && all.quantifier === 'all' && all.array.kind === 'array');
  const likeAny = exprOf('a = any(b)');
  assert.ok(likeAny.kind === 'quantifiedArray' && likeAny.array.kind === 'identifier');
});

test('ARRAY, LIST, MAP and ROW constructors', () => {
  assert.deepEqual(noPos(exprOf('ARRAY[[1, 2], [3]]')), {
    kind: 'array',
    elements: [
      { kind: 'array', elements: [{ kind: 'literal', value: { type: 'number', text: '1' } }, { kind: 'literal', value: { type: 'number', text: '2' } }] },
      { kind: 'array', elements: [{ kind: 'literal', value: { type: 'number', text: '3' } }] },
    ],
  });
  assert.deepEqual(noPos(exprOf('ARRAY[]')), { kind: 'array', elements: [] });
  assert.equal(exprOf('ARRAY(SELECT 1)').kind, 'arraySubquery');
  assert.deepEqual(noPos(exprOf('LIST[1]')), { kind: 'list', elements: [{ kind: 'literal', value: { type: 'number', text: '1' } }] });
  assert.equal(exprOf('LIST(SELECT 1)').kind, 'listSubquery');
  assert.deepEqual(noPos(exprOf("MAP['a' => 1, 'b' => 2]")), {
    kind: 'map',
    entries: [
      { key: { kind: 'literal', value: { type: 'string', value: 'a' } }, value: { kind: 'literal', value: { type: 'number', text: '1' } } },
      { key: { kind: 'literal', value: { type: 'string', value: 'b' } }, value: { kind: 'literal', value: { type: 'number', text: '2' } } },
    ],
  });
  assert.deepEqual(noPos(exprOf('ROW(1, a)')), {
    kind: 'row',
    elements: [{ kind: 'literal', value: { type: 'number', text: '1' } }, { kind: 'identifier', parts: ['a'] }],
    explicit: true,
  });
  assert.deepEqual(noPos(exprOf('ROW()')), { kind: 'row', elements: [], explicit: true });
  const implicit = exprOf('(1, 2)');
  assert.ok(implicit.kind === 'row' && !implicit.explicit && implicit.elements.length === 2 && implicit.pos === 7);
  assert.equal(shown('ARRAY[1, 2][1]'), 'array[1]');
});

function callOf(sqlExpr: string): FunctionCallExpr {
  const e: Expr = exprOf(sqlExpr);
  assert.equal(e.kind, 'function');
  return e as FunctionCallExpr;
}

test('function calls: star, DISTINCT, ORDER BY, FILTER, OVER', () => {
  const count = callOf('count(*)');
  assert.ok(count.star && count.args.length === 0 && !count.distinct);
  const agg = callOf("string_agg(DISTINCT a, ',' ORDER BY a DESC) FILTER (WHERE a > 1)");
  assert.ok(agg.distinct);
  assert.equal(agg.args.length, 2);
  assert.deepEqual(noPos(agg.orderBy), [{ expr: { kind: 'identifier', parts: ['a'] }, desc: true }]);
  assert.equal(agg.filter?.kind, 'binary');
  const win = callOf('sum(x) OVER (PARTITION BY a, b ORDER BY c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)');
  assert.deepEqual(noPos(win.over), {
    partitionBy: [
      { kind: 'identifier', parts: ['a'] },
      { kind: 'identifier', parts: ['b'] },
    ],
    orderBy: [{ expr: { kind: 'identifier', parts: ['c'] }, desc: false }],
    frame: { units: 'rows', start: { kind: 'unboundedPreceding' }, end: { kind: 'currentRow' } },
  });
  const range = callOf('sum(x) OVER (ORDER BY c RANGE 2 PRECEDING)');
  assert.deepEqual(noPos(range.over?.frame), {
    units: 'range',
    start: { kind: 'preceding', offset: { kind: 'literal', value: { type: 'number', text: '2' } } },
  });
  assert.deepEqual(callOf('rank() OVER w').over, { partitionBy: [], orderBy: [], name: 'w' });
  assert.equal(callOf('lag(x) OVER (w ORDER BY y)').over?.name, 'w');
  assert.deepEqual(callOf('pg_catalog.now()').name.parts, ['pg_catalog', 'now']);
  assert.equal(callOf('f()').args.length, 0);
  assert.deepEqual(callOf("left('abc', 2)").name.parts, ['left']);
  assert.equal(callOf('count(ALL x)').args.length, 1);
});

test('special call syntax becomes ordinary calls', () => {
  const call = (sqlExpr: string) => show(exprOf(sqlExpr));
  assert.equal(call('EXTRACT(YEAR FROM d)'), "extract('year', d)");
  assert.equal(call("EXTRACT('epoch' FROM d)"), "extract('epoch', d)");
  assert.equal(call('SUBSTRING(s FROM 2 FOR 3)'), 'substring(s, 2, 3)');
  assert.equal(call('SUBSTRING(s FROM 2)'), 'substring(s, 2)');
  assert.equal(call('SUBSTRING(s FOR 3)'), 'substring(s, 1, 3)');
  assert.equal(call('SUBSTRING(s, 2, 3)'), 'substring(s, 2, 3)');
  assert.equal(call("POSITION('a' IN s)"), "position('a', s)");
  assert.equal(call("TRIM(BOTH 'x' FROM s)"), "btrim(s, 'x')");
  assert.equal(call("TRIM(LEADING 'x' FROM s)"), "ltrim(s, 'x')");
  assert.equal(call('TRIM(TRAILING FROM s)'), 'rtrim(s)');
  assert.equal(call('TRIM(s)'), 'btrim(s)');
  assert.equal(call("TRIM('x' FROM s)"), "btrim(s, 'x')");
  assert.equal(call("OVERLAY(s PLACING 'x' FROM 2 FOR 1)"), "overlay(s, 'x', 2, 1)");
  assert.equal(call("OVERLAY(s PLACING 'x' FROM 2)"), "overlay(s, 'x', 2)");
  assert.equal(call('COALESCE(a, b)'), 'coalesce(a, b)');
  assert.equal(call('NULLIF(a, b)'), 'nullif(a, b)');
  assert.equal(call('GREATEST(a, b, c)'), 'greatest(a, b, c)');
  assert.equal(call('LEAST(a, b)'), 'least(a, b)');
  assert.equal(call('CURRENT_DATE'), 'current_date()');
  assert.equal(call('CURRENT_TIMESTAMP'), 'current_timestamp()');
  assert.equal(call('CURRENT_TIMESTAMP(3)'), 'current_timestamp(3)');
  assert.equal(call('LOCALTIMESTAMP'), 'localtimestamp()');
  assert.equal(call('CURRENT_TIME'), 'current_time()');
  assert.equal(call('CURRENT_USER'), 'current_user()');
  assert.equal(call('SESSION_USER'), 'session_user()');
  assert.equal(call('CURRENT_ROLE'), 'current_role()');
  assert.equal(call('CURRENT_SCHEMA'), 'current_schema()');
  assert.equal(call('CURRENT_SCHEMA()'), 'current_schema()');
  assert.equal(call('CURRENT_DATABASE()'), 'current_database()');
  assert.equal(call('USER'), 'current_user()');
});

test('data types', () => {
  const typeOf = (t: string) => {
    const e = exprOf(`x::${t}`);
    assert.equal(e.kind, 'cast');
    return noPos((e as { dataType: unknown }).dataType);
  };
  const named = (name: string, modifiers: number[] = []) => ({ kind: 'named', name, modifiers });
  const cases: [string, unknown][] = [
    ['int', named('int4')],
    ['integer', named('int4')],
    ['INT4', named('int4')],
    ['smallint', named('int2')],
    ['bigint', named('int8')],
    ['int8', named('int8')],
    ['real', named('float4')],
    ['float4', named('float4')],
    ['double precision', named('float8')],
    ['float', named('float8')],
    ['float(10)', named('float4')],
    ['float(53)', named('float8')],
    ['decimal(10, 2)', named('numeric', [10, 2])],
    ['numeric', named('numeric')],
    ['boolean', named('bool')],
    ['character varying(10)', named('varchar', [10])],
    ['varchar', named('varchar')],
    ['char(3)', named('bpchar', [3])],
    ['character', named('bpchar')],
    ['"char"', named('char')],
    ['text', named('text')],
    ['bytea', named('bytea')],
    ['json', named('jsonb')],
    ['jsonb', named('jsonb')],
    ['date', named('date')],
    ['time', named('time')],
    ['time without time zone', named('time')],
    ['time with time zone', named('timetz')],
    ['timestamp', named('timestamp')],
    ['timestamp(3) without time zone', named('timestamp', [3])],
    ['timestamp with time zone', named('timestamptz')],
    ['timestamptz', named('timestamptz')],
    ['interval', named('interval')],
    ['interval day to second', named('interval')],
    ['uuid', named('uuid')],
    ['oid', named('oid')],
    ['regclass', named('regclass')],
    ['mz_timestamp', named('mz_timestamp')],
    ['uint8', named('uint8')],
    ['record', named('record')],
    ['pg_catalog.int4', named('int4')],
    ['pg_catalog.text', named('text')],
    ['"MyType"', named('MyType')],
    ['int[]', { kind: 'array', element: named('int4') }],
    ['int[3][]', { kind: 'array', element: { kind: 'array', element: named('int4') } }],
    ['text ARRAY', { kind: 'array', element: named('text') }],
    ['int list', { kind: 'list', element: named('int4') }],
    ['int list list', { kind: 'list', element: { kind: 'list', element: named('int4') } }],
    ['map[text=>int]', { kind: 'map', key: named('text'), value: named('int4') }],
    ['map[text => int list]', { kind: 'map', key: named('text'), value: { kind: 'list', element: named('int4') } }],
  ];
  for (const [written, expected] of cases) assert.deepEqual(typeOf(written), expected, written);
});

test('parameters, identifiers and positions inside expressions', () => {
  const e = exprOf('a + $1 * t.b');
  assert.deepEqual(e, {
    kind: 'binary',
    op: '+',
    left: { kind: 'identifier', parts: ['a'], pos: 7 },
    right: {
      kind: 'binary',
      op: '*',
      left: { kind: 'parameter', index: 1, pos: 11 },
      right: { kind: 'identifier', parts: ['t', 'b'], pos: 16 },
      pos: 11,
      opPos: 14,
    },
    pos: 7,
    opPos: 9,
  });
  // Operator positions for the keyword forms.
  const opPosOf = (sqlExpr: string) => (exprOf(sqlExpr) as { opPos?: number }).opPos;
  assert.equal(opPosOf("a NOT LIKE 'x'"), 9);
  assert.equal(opPosOf('a IS DISTINCT FROM b'), 9);
  assert.equal(opPosOf('a = ANY (b)'), 9);
  assert.equal(opPosOf('a BETWEEN 1 AND 2'), 9);
  assert.equal(opPosOf('a IS NULL'), 9);
  assert.deepEqual(noPos(exprOf('count(t.*)')), {
    kind: 'function',
    name: { parts: ['count'] },
    args: [{ kind: 'wildcardAccess', expr: { kind: 'identifier', parts: ['t'] } }],
    star: false,
    distinct: false,
    orderBy: [],
  });
});
