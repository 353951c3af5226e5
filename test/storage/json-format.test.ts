import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalNumberText, JsonSyntaxError, parseJsonBytes, parseJsonDocument } from '../../src/storage/formats/json-parse.js';
import { parseJsonb } from '../../src/repr/jsonb.js';
import { datumHash, datumKeyEquals } from '../../src/repr/compare.js';
import { splitCsvRecord } from '../../src/storage/formats/csv.js';
import { decodeUtf8 } from '../../src/storage/formats/text.js';
import { JsonbNumber, JsonbObject } from '../../src/repr/types.js';

const parse = (s: string) => parseJsonBytes(Buffer.from(s));

test('JSON numbers keep their exact text (as numeric prints it)', () => {
  assert.deepEqual(parse('[1.50, -0, 12345678901234567890123, 1e3, 2.5E-3, -1.0e1, 0.0]'), [
    new JsonbNumber('1.50'),
    new JsonbNumber('0'),
    new JsonbNumber('12345678901234567890123'),
    new JsonbNumber('1000'),
    new JsonbNumber('0.0025'),
    new JsonbNumber('-10'),
    new JsonbNumber('0.0'),
  ]);
  assert.equal(canonicalNumberText('1.20e1'), '12.0');
});

test('JSON objects: keys sorted shorter-first then bytewise, duplicates keep the last', () => {
  assert.deepEqual(parse('{"bb": 1, "a": 2, "c": {"z": null, "y": true}, "a": "last", "ä": 0}'), new JsonbObject([
    ['a', 'last'],
    ['c', new JsonbObject([['y', true], ['z', null]])],
    ['bb', new JsonbNumber('1')],
    ['ä', new JsonbNumber('0')],
  ]));
});

test('JSON strings: escapes, surrogate pairs and UTF-8', () => {
  assert.equal(parse('"a\\n\\t\\"\\\\\\/\\u00e9\\ud83d\\ude00"'), 'a\n\t"\\/é😀');
  assert.equal(parse('"grüße ✓"'), 'grüße ✓');
  assert.equal(parse(' \n"x" '), 'x');
});

test('invalid JSON is a syntax error', () => {
  for (const bad of ['', '{', '{"a" 1}', '[1,]', '01', '1.', 'tru', '"abc', '"\\u0000"', '{"a":1} x', '"\u0001"', '-']) {
    assert.throws(() => parse(bad), JsonSyntaxError, bad);
  }
  assert.throws(() => parseJsonBytes(Buffer.from([0x22, 0xff, 0x22])), JsonSyntaxError);
});

test('CSV records: quoting, doubled quotes, empty fields, trailing newline', () => {
  assert.deepEqual(splitCsvRecord('a,"b,c","d""e",,\r\n', ','), ['a', 'b,c', 'd"e', '', '']);
  assert.deepEqual(splitCsvRecord('x|y', '|'), ['x', 'y']);
  assert.equal(splitCsvRecord('"open', ','), null);
  assert.equal(splitCsvRecord('"a"b', ','), null);
});

/**
 * Each document parses as it does inside an array with an exponent, which
 * only the exact parser takes; and its canonical text, key and hash are
 * those of the same document parsed by the SQL jsonb parser.
 */
function assertAgreesWithExactParser(docs: readonly string[]): void {
  for (const doc of docs) {
    const exact = parseJsonBytes(Buffer.from(`[${doc}, 1e0]`)) as unknown[];
    assert.deepEqual(parse(doc), exact[0], doc);
    const datum = parseJsonDocument(Buffer.from(doc));
    const sql = parseJsonb(doc);
    assert.equal(datum.text, sql.text, doc);
    assert.equal(datum.key, sql.key, doc);
    assert.ok(datumKeyEquals(datum, sql), doc);
    assert.equal(datumHash(datum), datumHash(sql), doc);
  }
}

test('the JSON.parse fast path and the exact parser agree', () => {
  const docs = [
    '{"id": 1, "user": "u1", "amount": 12.25, "ok": true, "n": null, "list": [1, -2, 0.5, "s\\"q"]}',
    '[0.000001, 0.0000001, 123456789012345, 1234567890123456, 1.10, 1e2, -0, 0]',
    '{"a": 1, "a": 2, "10": "x", "2": "y"}',
    '"\\u00e9\\ud83d\\ude00"',
  ];
  assertAgreesWithExactParser(docs);
  assert.deepEqual(parse('[0.0000001, 0.000001]'), [new JsonbNumber('0.0000001'), new JsonbNumber('0.000001')]);
  assert.throws(() => parse('{"a": "\\u0000"}'), JsonSyntaxError);
});

test('the flat-object fast path and the exact parser agree', () => {
  const docs = [
    '{"id": 1, "user": "u1", "amount": 12.25, "ok": true, "no": false, "n": null}',
    // Same shape again, then keys that share a prefix or length with the previous ones.
    '{"id": 2, "user": "u2", "amount": 0.5, "ok": false, "no": true, "n": null}',
    '{"ie": 2, "users": "u2", "amoun": 1}',
    ' \t{ "b" :-0 ,"a":0.0,"c":-0.0e0, "d": 1.50, "e": 1E+2, "f": -12e-1, "g": 0.000001 }\r\n',
    '{"a": 1, "a": 2, "10": "x", "2": "y", "ä": "grüße", "z": ""}',
    // The same shape again (its cached key order, duplicates included), then a prefix of it.
    '{"a": 3, "a": 4, "10": "x", "2": "y", "ä": "grüße", "z": "z"}',
    '{"a": 5, "a": 6}',
    '{}',
    '{"k": "v"}',
    '{"nested": {"a": 1}, "x": 1}',
    '{"esc": "a\\"b", "x": [1]}',
    // Numbers whose key text differs from their text (trailing fractional zeros), in the fast path's shape.
    '{"p": 1.50, "q": 2.0, "r": -0.0, "s": 10, "t": 1.05}',
    '{"p": 1.5, "q": 2, "r": 0, "s": 10, "t": 1.05}',
    '{"p": 1e1, "q": 2.50e1, "r": -0e5, "s": "1.50", "t": 0.10}',
  ];
  assertAgreesWithExactParser(docs);
  for (const bad of ['{"a": 01}', '{"a": 1.}', '{"a": -}', '{"a": 1,}', '{"a": truex}', '{"a" 1}', '{"a": 1} x', '{"a": "\u0001"}', '{"a": 1']) {
    assert.throws(() => parse(bad), JsonSyntaxError, bad);
  }
});

test('documents of the remembered flat shape, and ones that leave it part-way, parse like the exact parser', () => {
  const shape = (id: string, rest = '') => `{"id": ${id}, "user": "u", "dup": 1, "amount": 2.5, "dup": 2, "ok": true${rest}}`;
  const docs = [
    shape('1'),
    shape('2'), // the remembered shape: built straight into jsonb order, the later duplicate wins
    shape('3', ', "extra": null'), // one key more
    shape('4'),
    '{"id": 5, "user": "u", "dup": 1}', // fewer keys
    shape('6'),
    '{"id": 7, "usex": "u", "dup": 1, "amount": 2.5, "dup": 2, "ok": true}', // a key differs at the same length
    shape('8'),
    '{"id": 9, "user": {"n": 1}, "dup": 1, "amount": 2.5, "dup": 2, "ok": true}', // a nested value
    shape('10'),
    '{"id": 11, "user": "a\\"b", "dup": 1, "amount": 2.5, "dup": 2, "ok": true}', // an escape
    shape('12'),
    '{"id" : 13 , "user":"u","dup":1,"amount":2.5,"dup":2,"ok":true }  ', // other whitespace
    shape('14'),
    '{"idx": 15, "user": "u", "dup": 1, "amount": 2.5, "dup": 2, "ok": true}', // a longer key with the same prefix
  ];
  assertAgreesWithExactParser(docs);
  parse(shape('16'));
  for (const bad of [shape('01'), shape('1.'), `${shape('17')} x`, shape('18').slice(0, -1), shape('19').replace(', "ok"', ' "ok"'), shape('20').replace('"ok": true', '"ok": tru')]) {
    assert.throws(() => parse(bad), JsonSyntaxError, bad);
    parse(shape('21')); // the shape is remembered again before the next bad document
  }
});

test('equal documents written differently are one jsonb value: same text or key, same hash', () => {
  const a = parseJsonDocument(Buffer.from('{"b": 1.50, "a": "x"}'));
  const b = parseJsonDocument(Buffer.from('{ "a":"x","b":1.5 }'));
  const c = parseJsonDocument(Buffer.from('{"a": "x", "b": [1.5]}')); // nested: the general parser
  assert.equal(a.text, '{"a": "x", "b": 1.50}');
  assert.equal(b.text, '{"a": "x", "b": 1.5}');
  assert.equal(a.key, b.text);
  assert.ok(datumKeyEquals(a, b));
  assert.equal(datumHash(a), datumHash(b));
  assert.ok(!datumKeyEquals(a, c));
  assert.equal(c.text, '{"a": "x", "b": [1.5]}');
});

test('UTF-8 decoding: short ASCII by hand, the rest natively, invalid bytes rejected at any length', () => {
  for (const text of ['', 'k1', 'abcdefghijkl', 'abcdefghijklm', 'é', 'k\u00e9', '\u0000\u007f', '😀', 'x'.repeat(100)]) {
    assert.equal(decodeUtf8(Buffer.from(text)), text);
  }
  for (const bytes of [[0xff], [0x61, 0xc3], [0x61, 0x80, 0x62], [...Buffer.from('abcdefghijklmnop'), 0xfe]]) {
    assert.equal(decodeUtf8(Buffer.from(bytes)), null, JSON.stringify(bytes));
  }
  assert.equal(decodeUtf8(Buffer.from('\ufffd')), '\ufffd'); // a real U+FFFD is valid
});

/** A deterministic pseudo-random source (LCG), so a failure names a reproducible document. */
function lcg(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

test('randomized: the message parser and the SQL jsonb parser agree on text, key, hash and on what is an error', () => {
  const pick = lcg(20261125);
  const keys = ['a', 'b', 'id', 'user', 'ä', 'k\\"q', 'k\\\\b', 'long_key_name', '', '10', '2', 'é😀'];
  const numbers = ['0', '-0', '1', '-12', '1.50', '0.0', '-0.0', '3.25', '1e3', '1E-2', '-2.5e+1', '12345678901234567890', '0.000001', '7.10', '01', '1.', '-'];
  const strings = ['""', '"x"', '"with space"', '"esc\\n\\"q"', '"é"', '"\\u00e9"', '"\\u0000"', '"tab\\t"', '"😀"'];
  const ws = ['', ' ', '  ', '\n', '\t'];
  const value = (depth: number): string => {
    switch (pick(depth > 1 ? 6 : 8)) {
      case 0:
      case 1:
        return numbers[pick(numbers.length)]!;
      case 2:
      case 3:
        return strings[pick(strings.length)]!;
      case 4:
        return ['true', 'false', 'null', 'tru'][pick(4)]!;
      case 5:
        return ['[]', '{}', '[1, 2]'][pick(3)]!;
      case 6:
        return `[${value(depth + 1)}, ${value(depth + 1)}]`;
      default:
        return object(depth + 1);
    }
  };
  const object = (depth: number): string => {
    const n = pick(6);
    const entries: string[] = [];
    for (let i = 0; i < n; i++) entries.push(`"${keys[pick(keys.length)]!}"${ws[pick(ws.length)]}:${ws[pick(ws.length)]}${value(depth)}`);
    return `${ws[pick(ws.length)]}{${entries.join(`,${ws[pick(ws.length)]}`)}}${ws[pick(ws.length)]}`;
  };
  // Shapes repeat, as in a topic: the fast path's remembered shape is exercised too.
  const documents: string[] = [];
  for (let i = 0; i < 400; i++) documents.push(object(0));
  let parsed = 0;
  for (let i = 0; i < 2000; i++) {
    const doc = pick(3) === 0 ? documents[pick(documents.length)]! : object(0);
    let sql: { text: string; key: string } | Error;
    try {
      sql = parseJsonb(doc);
    } catch (err) {
      sql = err as Error;
    }
    let message: { text: string; key: string } | Error;
    try {
      message = parseJsonDocument(Buffer.from(doc));
    } catch (err) {
      message = err as Error;
    }
    if (sql instanceof Error || message instanceof Error) {
      assert.ok(sql instanceof Error && message instanceof Error, `one parser failed, the other did not: ${doc}`);
      continue;
    }
    assert.equal(message.text, sql.text, doc);
    assert.equal(message.key, sql.key, doc);
    parsed++;
  }
  // Most documents are valid: the comparison is not only of errors.
  assert.ok(parsed > 1000, `only ${parsed} documents parsed`);
});
