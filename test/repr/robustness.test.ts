// Bad input must surface as SqlError, never as a crash: random text and
// bytes are fed to every parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBinary } from '../../src/repr/binary.js';
import { SqlError } from '../../src/repr/errors.js';
import { formatText, parseText } from '../../src/repr/text.js';
import type { SqlType } from '../../src/repr/types.js';

const types: SqlType[] = [
  { kind: 'bool' }, { kind: 'int2' }, { kind: 'int4' }, { kind: 'int8' }, { kind: 'uint8' }, { kind: 'float4' },
  { kind: 'float8' }, { kind: 'numeric' }, { kind: 'bytea' }, { kind: 'jsonb' }, { kind: 'date' }, { kind: 'time' },
  { kind: 'timestamp' }, { kind: 'timestamptz' }, { kind: 'interval' }, { kind: 'uuid' }, { kind: 'oid' },
  { kind: 'mz_timestamp' }, { kind: 'varchar', length: 3 }, { kind: 'bpchar', length: 2 },
  { kind: 'array', element: { kind: 'int4' } }, { kind: 'array', element: { kind: 'text' } },
  { kind: 'list', element: { kind: 'list', element: { kind: 'int4' } } },
  { kind: 'map', value: { kind: 'map', value: { kind: 'text' } } },
  { kind: 'record', fields: [{ name: 'a', type: { kind: 'int4' } }, { name: 'b', type: { kind: 'text' } }] },
];
const pieces = [
  '0', '1', '9', '-', '+', ':', '.', ' ', 'T', 'Z', 'e', '{', '}', '[', ']', '(', ')', ',', '"', '\\', '=', '>', 'a', 'n',
  'p', 'm', 'y', 'd', 'h', 's', '@', '/', 'x', 'NULL', 'J', '2020', '-01', '24', '60', 'BC', 'jan', 'infinity', 'P', 'é',
  '😀', '\u0000', '1e999', 'true', 'null', '99999999999999999999',
];

let seed = 7;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}

function expectSqlErrorOnly(run: () => void, what: string): void {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof SqlError, `${what}: ${String(e)}`);
  }
}

test('random text input only ever raises SqlError', () => {
  for (let i = 0; i < 20000; i++) {
    const type = types[rand(types.length)]!;
    let text = '';
    for (let n = rand(8); n > 0; n--) text += pieces[rand(pieces.length)];
    expectSqlErrorOnly(() => formatText(parseText(text, type), type), `${type.kind} ${JSON.stringify(text)}`);
  }
});

test('random binary input only ever raises SqlError', () => {
  for (let i = 0; i < 10000; i++) {
    const type = types[rand(types.length)]!;
    const bytes = Uint8Array.from({ length: rand(30) }, () => (rand(4) === 0 ? 255 : rand(3)));
    expectSqlErrorOnly(() => formatText(decodeBinary(bytes, type), type), `${type.kind} ${Buffer.from(bytes).toString('hex')}`);
  }
});
