// The pgwire server as the real psql binary sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPsql, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let scratch: string;

before(async () => {
  server = await startTestServer();
  scratch = mkdtempSync(join(tmpdir(), 'freshet-psql-'));
});

after(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('psql -c prints rows (after declining SSL)', async () => {
  const aligned = await runPsql(server.port, ['-c', 'select many 2']);
  assert.equal(aligned.code, 0, aligned.stderr);
  assert.equal(aligned.stdout, ' n | label \n---+-------\n 1 | row 1\n 2 | row 2\n(2 rows)\n\n');
  const unaligned = await runPsql(server.port, ['-At', '-c', 'select many 3']);
  assert.equal(unaligned.stdout, '1|row 1\n2|row 2\n3|row 3\n');
});

test('psql shows errors with their position, notices, and -v ON_ERROR_STOP stops a script', async () => {
  const script = join(scratch, 'script.sql');
  writeFileSync(script, 'select one;\nwarn;\nfail;\nselect many 1;\n');
  const continuing = await runPsql(server.port, ['-At', '-f', script]);
  assert.equal(continuing.code, 0);
  assert.equal(continuing.stdout, '1\nDO\n1|row 1\n');
  assert.match(continuing.stderr, /NOTICE: {2}this is a notice\nHINT: {2}a hint/);
  assert.match(continuing.stderr, /ERROR: {2}column "fail" does not exist\nLINE 1: fail;\n {8}\^/);

  const stopping = join(scratch, 'stop.sql');
  writeFileSync(stopping, '\\set ON_ERROR_STOP on\nselect one;\nfail;\nselect many 1;\n');
  const stopped = await runPsql(server.port, ['-At', '-f', stopping]);
  assert.equal(stopped.code, 3);
  assert.equal(stopped.stdout, '1\n');
});

test('psql COPY TO STDOUT writes the copy data', async () => {
  const result = await runPsql(server.port, ['-c', 'copy out 2']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '\\N\tx\\ty\\n"z",\\\\\n'.repeat(2));
});

test('psql COPY FROM STDIN sends its input', async () => {
  const result = await runPsql(server.port, ['-c', 'copy in'], 'one\ntwo\n');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'COPY 2\n');
  assert.deepEqual(server.sessions.last().copiedIn, ['one', 'two']);
});

test('psql reports a refused connection', async () => {
  const result = await runPsql(server.port, ['-d', 'missing', '-c', 'select one']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /FATAL: {2}database "missing" does not exist/);
});
