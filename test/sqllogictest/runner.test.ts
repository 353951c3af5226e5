// Runs every .slt file under test/sqllogictest/ (read from the source tree,
// relative to the repository root) as its own test on a fresh coordinator.
// SLT_FILTER=substring limits the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSlt } from './slt-file.js';
import { runSltFile } from './slt-run.js';

const root = join(process.cwd(), 'test', 'sqllogictest');

function sltFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sltFiles(path));
    else if (name.endsWith('.slt')) out.push(path);
  }
  return out;
}

const filter = process.env.SLT_FILTER;
const files = sltFiles(root).filter((f) => !filter || f.includes(filter));

test('sqllogictest files are present', () => {
  assert.ok(files.length > 0, `no .slt files under ${root}${filter ? ` match SLT_FILTER=${filter}` : ''}`);
});

for (const path of files) {
  const display = relative(process.cwd(), path);
  test(display, async () => {
    const outcome = await runSltFile(readFileSync(path, 'utf8'), display);
    assert.ok(outcome.records > 0, `${display} has no records`);
    if (outcome.failures.length > 0) {
      assert.fail(`${outcome.failures.length} of ${outcome.records} records failed:\n\n${outcome.failures.join('\n\n')}`);
    }
  });
}

test('the .slt parser reports file:line for malformed records', () => {
  assert.throws(() => parseSlt('statement maybe\nSELECT 1\n', 'x.slt'), /x\.slt:1: unknown statement expectation "maybe"/);
  const records = parseSlt('query IT rowsort\nSELECT 1, 2\n----\n1 2\n\nstatement error boom\nSELECT x\n', 'y.slt');
  assert.equal(records.length, 2);
  assert.deepEqual(records[0]!.kind === 'query' && records[0]!.expected, ['1 2']);
});

test('the runner compares sorted modes as multisets and reports mismatches with file:line', async () => {
  const ok = await runSltFile('query IT rowsort\nVALUES (10, \'b\'), (2, \'a\')\n----\n2 a\n10 b\n\nquery I valuesort\nVALUES (3), (1)\n----\n3\n1\n', 'inline.slt');
  assert.deepEqual(ok.failures, []);
  const bad = await runSltFile('statement ok\nCREATE TABLE x (a int)\n\nquery I\nSELECT count(*) FROM x\n----\n1\n', 'bad.slt');
  assert.equal(bad.failures.length, 1);
  assert.match(bad.failures[0]!, /^bad\.slt:4: query result differs[\s\S]*expected:\n {2}1\nactual:\n {2}0$/);
});
