import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { formatNumeric, parseNumeric } from '../../src/repr/numeric.js';
import { decodeRow, encodeRow, ByteWriter, ByteReader, writeValue, readValue, skipRow } from '../../src/storage/codec.js';
import { ArrayValue, Jsonb, JsonbNumber, JsonbObject, ListValue, MapValue, RecordValue, type Datum, type Interval } from '../../src/repr/types.js';

const interval: Interval = { months: -14, days: 3, micros: 86_399_999_999n };

const datums: [string, Datum][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['small int', 42],
  ['negative int', -7],
  ['int4 max', 2147483647],
  ['large integer-valued number', 2 ** 53 - 1],
  ['float', 3.25],
  ['negative zero', -0],
  ['NaN', NaN],
  ['infinity', -Infinity],
  ['int8', 9223372036854775807n],
  ['int8 min', -9223372036854775808n],
  ['uint8 beyond int64', 18446744073709551615n],
  ['empty string', ''],
  ['ascii string', 'hello'],
  ['long unicode string', 'ünïcødé ✓ 😀 '.repeat(20)],
  ['short unicode string', '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀'],
  // Short strings are decoded by hand when ASCII: the limits and non-ASCII ones.
  ['12-byte ascii string', 'abcdefghijk~'],
  ['13-byte ascii string', 'abcdefghijkl\u007f'],
  ['short non-ascii strings', new ListValue(['ä', 'aé', '€', 'x😀', 'grüße', '\u0000'])],
  ['decimal', new Decimal('12345678901234567890.000123')],
  ['decimal NaN', new Decimal(NaN)],
  ['bytes', new Uint8Array([0, 1, 255, 128])],
  ['empty bytes', new Uint8Array(0)],
  ['jsonb', new Jsonb(new JsonbObject([['a', [new JsonbNumber('1.50'), null, true, false, 'x']], ['bb', new JsonbObject([])]]))],
  ['jsonb null', new Jsonb(null)],
  ['interval', interval],
  ['array', new ArrayValue([1, 2, null, 4], [2, 2], [1, 0])],
  ['empty array', new ArrayValue([], [])],
  ['list', new ListValue([new ListValue(['a', null]), new ListValue([])])],
  ['map', new MapValue([['k1', 1], ['k2', null]])],
  ['record', new RecordValue(['key', new Uint8Array([1, 2]), null])],
];

for (const [name, datum] of datums) {
  test(`codec round trip: ${name}`, () => {
    const bytes = Buffer.from(encodeRow([datum, 'after']));
    const decoded = decodeRow(bytes);
    const reader = new ByteReader(bytes);
    skipRow(reader);
    assert.equal(reader.pos, bytes.length, 'skipRow walks exactly over the row');
    assert.deepEqual(decoded, [datum, 'after']);
    if (typeof datum === 'number') assert.ok(Object.is(decoded[0], datum));
    if (datum instanceof Decimal) assert.ok((decoded[0] as Decimal).equals(datum) || datum.isNaN());
  });
}

test('codec round trip: metadata values (Map of bigints, objects, arrays, undefined)', () => {
  const meta = { offsets: new Map([[0, 17n], [3, 0n]]), list: [1, 'a', undefined], nested: { ok: true } };
  const w = new ByteWriter(4);
  writeValue(w, meta);
  assert.deepEqual(readValue(new ByteReader(Buffer.from(w.bytes()))), meta);
});

test('equal rows have equal encodings', () => {
  const a = encodeRow([new Decimal('1.50'), 'x', new MapValue([['a', 1]])]).toString('hex');
  const b = encodeRow([new Decimal('1.50'), 'x', new MapValue([['a', 1]])]).toString('hex');
  assert.equal(a, b);
});

test('truncated input is an error, not garbage', () => {
  const bytes = Buffer.from(encodeRow(['a long enough string value', 5n]));
  assert.throws(() => decodeRow(bytes.subarray(0, bytes.length - 3)), RangeError);
});

test('numeric keeps its display scale through the codec (1.50 prints 1.50 after a restart)', () => {
  const value = parseNumeric('1.50');
  const decoded = decodeRow(Buffer.from(encodeRow([value])))[0] as Decimal;
  assert.equal(formatNumeric(decoded), '1.50');
  assert.equal(formatNumeric(decodeRow(Buffer.from(encodeRow([parseNumeric('-0.000')])))[0] as Decimal), '0.000');
});

test('jsonb is stored as its canonical text; the older tree encoding still reads back', () => {
  const w = new ByteWriter(64);
  writeValue(w, Jsonb.fromCanonicalText('{"a": 1.50, "bb": [true, null]}'));
  const stored = readValue(new ByteReader(Buffer.from(w.bytes()))) as Jsonb;
  assert.equal(stored.text, '{"a": 1.50, "bb": [true, null]}');
  assert.equal(stored.key, '{"a": 1.5, "bb": [true, null]}');
  // Tag 10 (the tree encoding): an object of 2 entries, "a": 1.50 and "bb": [true].
  const old = Buffer.from([10, 6, 2, 1, 0x61, 4, 4, 0x31, 0x2e, 0x35, 0x30, 2, 0x62, 0x62, 5, 1, 2]);
  const r = new ByteReader(old);
  const read = readValue(r) as Jsonb;
  assert.equal(r.pos, old.length);
  assert.equal(read.text, '{"a": 1.50, "bb": [true]}');
});
