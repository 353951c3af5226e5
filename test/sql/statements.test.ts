// Parser: DROP/ALTER/CREATE SCHEMA, SHOW, SET/RESET, EXPLAIN, cursors, COPY,
// transactions and prepared statements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../src/sql/parser.js';
import type { CopyStatement, ExplainStatement, Statement } from '../../src/sql/ast.js';
import { noPos, one } from './helpers.js';

function all(sql: string): Statement[] {
  return parse(sql).map((s) => noPos(s.statement));
}

test('DROP of every object type', () => {
  assert.deepEqual(noPos(one('DROP MATERIALIZED VIEW IF EXISTS a, b.c CASCADE')), {
    kind: 'drop',
    objectType: 'materialized view',
    names: [{ parts: ['a'] }, { parts: ['b', 'c'] }],
    ifExists: true,
    cascade: true,
  });
  const types = ['TABLE', 'VIEW', 'SOURCE', 'INDEX', 'SECRET', 'CONNECTION', 'SCHEMA', 'DATABASE', 'CLUSTER', 'TYPE', 'SINK'];
  for (const type of types) {
    const stmt = one(`DROP ${type} x RESTRICT`);
    assert.ok(stmt.kind === 'drop' && stmt.objectType === type.toLowerCase() && !stmt.cascade && !stmt.ifExists, type);
  }
});

test('ALTER ... RENAME TO, CREATE SCHEMA and DATABASE', () => {
  assert.deepEqual(noPos(one('ALTER MATERIALIZED VIEW IF EXISTS s.v RENAME TO w')), {
    kind: 'alterRename',
    objectType: 'materialized view',
    name: { parts: ['s', 'v'] },
    newName: 'w',
    ifExists: true,
  });
  assert.deepEqual(all('CREATE SCHEMA IF NOT EXISTS d.s; CREATE DATABASE d'), [
    { kind: 'createSchema', name: { parts: ['d', 's'] }, ifNotExists: true },
    { kind: 'createDatabase', name: 'd', ifNotExists: false },
  ]);
});

test('SHOW object lists with FROM, ON, IN CLUSTER, LIKE and WHERE', () => {
  assert.deepEqual(all("SHOW TABLES FROM s LIKE 'p%'; SHOW INDEXES ON t; SHOW INDEXES IN CLUSTER c; SHOW MATERIALIZED VIEWS WHERE name = 'x'; SHOW SUBSOURCES ON src"), [
    { kind: 'show', show: 'objects', objectType: 'tables', from: { parts: ['s'] }, filter: { like: 'p%' } },
    { kind: 'show', show: 'objects', objectType: 'indexes', on: { parts: ['t'] } },
    { kind: 'show', show: 'objects', objectType: 'indexes', inCluster: 'c' },
    {
      kind: 'show',
      show: 'objects',
      objectType: 'materialized views',
      filter: {
        where: {
          kind: 'binary',
          op: '=',
          left: { kind: 'identifier', parts: ['name'] },
          right: { kind: 'literal', value: { type: 'string', value: 'x' } },
        },
      },
    },
    { kind: 'show', show: 'objects', objectType: 'subsources', on: { parts: ['src'] } },
  ]);
  const kinds = ['SOURCES', 'VIEWS', 'SECRETS', 'CONNECTIONS', 'SCHEMAS', 'DATABASES', 'CLUSTERS', 'OBJECTS', 'SINKS', 'TYPES'];
  for (const kind of kinds) {
    const stmt = one(`SHOW ${kind}`);
    assert.ok(stmt.kind === 'show' && stmt.show === 'objects' && stmt.objectType === kind.toLowerCase(), kind);
  }
});

test('SHOW COLUMNS, SHOW CREATE, SHOW variables', () => {
  assert.deepEqual(all("SHOW COLUMNS FROM s.t LIKE 'a%'; SHOW CREATE MATERIALIZED VIEW v; SHOW CREATE SOURCE src; SHOW CREATE INDEX i"), [
    { kind: 'show', show: 'columns', table: { parts: ['s', 't'] }, filter: { like: 'a%' } },
    { kind: 'show', show: 'create', objectType: 'materialized view', name: { parts: ['v'] } },
    { kind: 'show', show: 'create', objectType: 'source', name: { parts: ['src'] } },
    { kind: 'show', show: 'create', objectType: 'index', name: { parts: ['i'] } },
  ]);
  assert.deepEqual(all('SHOW search_path; SHOW ALL; SHOW TIME ZONE; SHOW TRANSACTION ISOLATION LEVEL; SHOW "DateStyle"'), [
    { kind: 'show', show: 'variable', name: 'search_path' },
    { kind: 'show', show: 'variable', name: 'all' },
    { kind: 'show', show: 'variable', name: 'timezone' },
    { kind: 'show', show: 'variable', name: 'transaction_isolation' },
    { kind: 'show', show: 'variable', name: 'datestyle' },
  ]);
});

test('SET and RESET', () => {
  assert.deepEqual(
    all("SET search_path = a, \"B\"; SET LOCAL x TO DEFAULT; SET SESSION x = 'v'; SET x = on; SET extra_float_digits = -3; SET TIME ZONE 'UTC'; SET TIME ZONE LOCAL; SET NAMES 'UTF8'; RESET x; RESET ALL"),
    [
      { kind: 'setVariable', name: 'search_path', local: false, values: [{ kind: 'ident', name: 'a' }, { kind: 'ident', name: 'B' }] },
      { kind: 'setVariable', name: 'x', local: true, values: [{ kind: 'default' }] },
      { kind: 'setVariable', name: 'x', local: false, values: [{ kind: 'literal', value: { type: 'string', value: 'v' } }] },
      { kind: 'setVariable', name: 'x', local: false, values: [{ kind: 'ident', name: 'on' }] },
      { kind: 'setVariable', name: 'extra_float_digits', local: false, values: [{ kind: 'literal', value: { type: 'number', text: '-3' } }] },
      { kind: 'setVariable', name: 'timezone', local: false, values: [{ kind: 'literal', value: { type: 'string', value: 'UTC' } }] },
      { kind: 'setVariable', name: 'timezone', local: false, values: [{ kind: 'default' }] },
      { kind: 'setVariable', name: 'client_encoding', local: false, values: [{ kind: 'literal', value: { type: 'string', value: 'UTF8' } }] },
      { kind: 'resetVariable', name: 'x' },
      { kind: 'resetVariable', name: 'all' },
    ],
  );
  assert.deepEqual(all('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE; SET TRANSACTION READ ONLY'), [
    {
      kind: 'setVariable',
      name: 'default_transaction_isolation',
      local: false,
      values: [{ kind: 'literal', value: { type: 'string', value: 'serializable' } }],
    },
    { kind: 'setVariable', name: 'transaction_read_only', local: false, values: [{ kind: 'literal', value: { type: 'string', value: 'on' } }] },
  ]);
  const interval = one("SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE");
  assert.ok(interval.kind === 'setVariable' && interval.values[0].kind === 'literal');
});

test('EXPLAIN forms', () => {
  const plain = one('EXPLAIN SELECT 1') as ExplainStatement;
  assert.equal(plain.stage, 'optimized');
  assert.ok(plain.target.kind === 'statement' && plain.target.statement.kind === 'select');
  const full = one('EXPLAIN RAW PLAN WITH (types, arity) AS TEXT FOR SELECT 1') as ExplainStatement;
  assert.equal(full.stage, 'raw');
  assert.deepEqual(full.options, ['types', 'arity']);
  assert.equal(full.format, 'text');
  assert.equal((one('EXPLAIN DECORRELATED PLAN FOR SELECT 1') as ExplainStatement).stage, 'decorrelated');
  assert.equal((one('EXPLAIN PLAN FOR SELECT 1') as ExplainStatement).stage, 'optimized');
  const physical = one('EXPLAIN PHYSICAL PLAN FOR MATERIALIZED VIEW v') as ExplainStatement;
  assert.equal(physical.stage, 'physical');
  assert.deepEqual(noPos(physical.target), { kind: 'object', objectType: 'materialized view', name: { parts: ['v'] } });
  assert.deepEqual(noPos((one('EXPLAIN OPTIMIZED PLAN FOR INDEX i') as ExplainStatement).target), { kind: 'object', objectType: 'index', name: { parts: ['i'] } });
  assert.deepEqual(noPos((one('EXPLAIN PLAN FOR VIEW v') as ExplainStatement).target), { kind: 'object', objectType: 'view', name: { parts: ['v'] } });
  const mv = one('EXPLAIN PLAN FOR CREATE MATERIALIZED VIEW v AS SELECT 1') as ExplainStatement;
  assert.ok(mv.target.kind === 'statement' && mv.target.statement.kind === 'createView');
  const withoutPlan = one('EXPLAIN WITH (arity) AS JSON FOR SELECT 1') as ExplainStatement;
  assert.ok(withoutPlan.stage === 'optimized' && withoutPlan.format === 'json' && withoutPlan.options[0] === 'arity');
  const verbose = one('EXPLAIN LOCALLY OPTIMIZED PLAN AS VERBOSE TEXT FOR SELECT 1') as ExplainStatement;
  assert.ok(verbose.stage === 'optimized' && verbose.format === 'text');
  const cte = one('EXPLAIN WITH x AS (SELECT 1) SELECT * FROM x') as ExplainStatement;
  assert.ok(cte.target.kind === 'statement' && cte.target.statement.kind === 'select');
  const index = one('EXPLAIN CREATE INDEX i ON t (a)') as ExplainStatement;
  assert.ok(index.target.kind === 'statement' && index.target.statement.kind === 'createIndex');
});

test('cursors: DECLARE, FETCH, CLOSE', () => {
  assert.deepEqual(all("DECLARE c CURSOR WITHOUT HOLD FOR SUBSCRIBE t; FETCH FORWARD 10 FROM c WITH (TIMEOUT = '1s'); FETCH ALL c; FETCH c; FETCH 5 IN c; CLOSE c; CLOSE ALL"), [
    { kind: 'declare', name: 'c', statement: { kind: 'subscribe', target: { kind: 'object', name: { parts: ['t'] } }, options: [] } },
    { kind: 'fetch', name: 'c', count: 10, options: [{ name: 'TIMEOUT', value: { kind: 'value', expr: { kind: 'literal', value: { type: 'string', value: '1s' } } } }] },
    { kind: 'fetch', name: 'c', count: 'all', options: [] },
    { kind: 'fetch', name: 'c', options: [] },
    { kind: 'fetch', name: 'c', count: 5, options: [] },
    { kind: 'close', name: 'c' },
    { kind: 'close', name: 'all' },
  ]);
  const select = one('DECLARE c CURSOR FOR SELECT 1');
  assert.ok(select.kind === 'declare' && select.statement.kind === 'select');
});

test('COPY forms', () => {
  const from = one("COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER, DELIMITER ',')") as CopyStatement;
  assert.deepEqual(noPos(from), {
    kind: 'copy',
    source: { kind: 'table', name: { parts: ['t'] }, columns: ['a', 'b'] },
    direction: 'from',
    target: 'stdin',
    options: [
      { name: 'FORMAT', value: { kind: 'ident', name: 'csv' } },
      { name: 'HEADER' },
      { name: 'DELIMITER', value: { kind: 'value', expr: { kind: 'literal', value: { type: 'string', value: ',' } } } },
    ],
  });
  assert.deepEqual(noPos(one('COPY t TO STDOUT')), { kind: 'copy', source: { kind: 'table', name: { parts: ['t'] }, columns: [] }, direction: 'to', target: 'stdout', options: [] });
  const query = one('COPY (SELECT 1) TO STDOUT (FORMAT binary)') as CopyStatement;
  assert.equal(query.source.kind, 'query');
  assert.deepEqual(noPos(query.options), [{ name: 'FORMAT', value: { kind: 'ident', name: 'binary' } }]);
  const subscribe = one('COPY (SUBSCRIBE t WITH (SNAPSHOT = false)) TO STDOUT') as CopyStatement;
  assert.ok(subscribe.source.kind === 'subscribe' && subscribe.source.subscribe.options.length === 1);
  const nullOption = one("COPY t FROM STDIN (FORMAT text, NULL 'x', HEADER true)") as CopyStatement;
  assert.deepEqual(noPos(nullOption.options), [
    { name: 'FORMAT', value: { kind: 'ident', name: 'text' } },
    { name: 'NULL', value: { kind: 'value', expr: { kind: 'literal', value: { type: 'string', value: 'x' } } } },
    { name: 'HEADER', value: { kind: 'value', expr: { kind: 'literal', value: { type: 'boolean', value: true } } } },
  ]);
  const legacy = one("COPY t FROM STDIN WITH CSV HEADER DELIMITER AS ';'") as CopyStatement;
  assert.deepEqual(legacy.options.map((o) => o.name), ['FORMAT', 'HEADER', 'DELIMITER']);
});

test('transactions', () => {
  assert.deepEqual(all('BEGIN; BEGIN TRANSACTION READ ONLY, ISOLATION LEVEL READ COMMITTED; START TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN WORK; COMMIT; END; COMMIT WORK; ROLLBACK; ABORT'), [
    { kind: 'transaction', action: 'begin', modes: [] },
    { kind: 'transaction', action: 'begin', modes: ['read only', 'isolation level read committed'] },
    { kind: 'transaction', action: 'begin', modes: ['isolation level serializable'] },
    { kind: 'transaction', action: 'begin', modes: [] },
    { kind: 'transaction', action: 'commit', modes: [] },
    { kind: 'transaction', action: 'commit', modes: [] },
    { kind: 'transaction', action: 'commit', modes: [] },
    { kind: 'transaction', action: 'rollback', modes: [] },
    { kind: 'transaction', action: 'rollback', modes: [] },
  ]);
});

test('DISCARD, PREPARE, EXECUTE, DEALLOCATE', () => {
  assert.deepEqual(all('DISCARD ALL; DISCARD PLANS; DISCARD TEMP; DISCARD TEMPORARY'), [
    { kind: 'discard', target: 'all' },
    { kind: 'discard', target: 'plans' },
    { kind: 'discard', target: 'temp' },
    { kind: 'discard', target: 'temp' },
  ]);
  const [prepare, execute, deallocate, deallocateAll, bare] = all("PREPARE p (int, text) AS INSERT INTO t VALUES ($1, $2); EXECUTE p (1, 'a'); DEALLOCATE PREPARE p; DEALLOCATE ALL; EXECUTE q");
  assert.ok(prepare.kind === 'prepare' && prepare.name === 'p' && prepare.statement.kind === 'insert');
  assert.deepEqual(prepare.kind === 'prepare' ? prepare.paramTypes : null, [
    { kind: 'named', name: 'int4', modifiers: [] },
    { kind: 'named', name: 'text', modifiers: [] },
  ]);
  assert.deepEqual(execute, {
    kind: 'execute',
    name: 'p',
    params: [
      { kind: 'literal', value: { type: 'number', text: '1' } },
      { kind: 'literal', value: { type: 'string', value: 'a' } },
    ],
  });
  assert.deepEqual(deallocate, { kind: 'deallocate', name: 'p' });
  assert.deepEqual(deallocateAll, { kind: 'deallocate', name: 'all' });
  assert.deepEqual(bare, { kind: 'execute', name: 'q', params: [] });
});
