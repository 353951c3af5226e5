// createLogger: JSON lines or the compact pretty format, level filtering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatPrettyLine } from '../../src/cli/logger.js';

function capture(): { lines: string[]; destination: { write(line: string): void } } {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

test('json format writes one JSON object per line with level, time and fields', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ format: 'json', destination });
  logger.child({ component: 'pgwire' }).info({ address: '127.0.0.1:6875' }, 'listening');
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0]) as Record<string, unknown>;
  assert.equal(record.level, 30);
  assert.equal(record.msg, 'listening');
  assert.equal(record.component, 'pgwire');
  assert.equal(record.address, '127.0.0.1:6875');
  assert.match(String(record.time), /^\d{4}-\d\d-\d\dT/);
});

test('pretty format is one compact line per record', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ format: 'pretty', destination });
  logger.warn({ port: 6875, path: 'a b' }, 'something odd');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} WARN {2}something odd port=6875 path="a b"\n$/);
});

test('pretty format prints an error stack under its line', () => {
  const line = formatPrettyLine(JSON.stringify({ level: 50, time: '2026-01-01T10:00:00.000Z', msg: 'failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } }));
  assert.equal(line, '10:00:00.000 ERROR failed\n    Error: boom\n        at x\n');
});

test('records below the level are dropped', () => {
  const { lines, destination } = capture();
  const logger = createLogger({ level: 'warn', format: 'json', destination });
  logger.info('hidden');
  logger.error('shown');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /"msg":"shown"/);
});
