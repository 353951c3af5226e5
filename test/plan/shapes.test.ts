import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainPlan } from '../../src/plan/planner.js';
import { sampleCatalog } from './harness.js';

const db = sampleCatalog();
const raw = (sql: string) => explainPlan(db.plan(sql).plan);

test('a correlated scalar subquery is a reduce per binding with a run-time cardinality check', () => {
  const text = raw('SELECT a, (SELECT c FROM s WHERE s.a = t.a) FROM t');
  assert.match(text, /Distinct\n\s+Project \(#0\)\n\s+Get u1/); // the outer bindings: distinct t.a
  assert.match(text, /Reduce group_by=\[#0\] aggregates=\[count\(true\), max\(#1\)\]/);
  assert.match(text, /case when int8_gt_one\(#1\) then error\("more than one row returned by a subquery used as an expression"\)/);
  assert.doesNotMatch(text, /Get u2\n[\s\S]*Get u1\n[\s\S]*Get u2/); // no nested loop
});

test('a global aggregate adds its default row with negate over the unit relation', () => {
  const text = raw('SELECT count(*) FROM t');
  assert.match(text, /Reduce aggregates=\[count\(true\)\]/);
  assert.match(text, /Map \(0\)\n\s+Union\n\s+Constant\n\s+- \(\)\n\s+Negate/);
});

test('outer joins are an inner join plus the unmatched rows padded with NULLs', () => {
  const text = raw('SELECT * FROM t LEFT JOIN s ON t.a = s.a');
  assert.match(text, /Map \(null::int4, null::int4\)/);
  assert.match(text, /Negate\n\s+Distinct/);
});

test('set operations', () => {
  assert.match(raw('SELECT a FROM t EXCEPT ALL SELECT a FROM s'), /^Threshold\n\s+Union\n[\s\S]*Negate/);
  assert.match(raw('SELECT a FROM t UNION SELECT a FROM s'), /^Distinct\n\s+Union/);
});

test('LIMIT in a subquery is a top-k; at the top level it is finishing', () => {
  assert.match(raw('SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 2) x'), /TopK order_by=\[#0 asc nulls_last\] limit=2/);
  const top = db.plan('SELECT a FROM t ORDER BY a DESC LIMIT 2 OFFSET 1');
  assert.deepEqual(top.finishing, { order: [{ column: 0, desc: true, nullsFirst: true }], limit: 2, offset: 1, project: [0] });
});
