// Lexer: tokens, offsets, strings and escapes, dollar quoting, operators, comments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../src/sql/lexer.js';
import { exprOf, noPos, assertSyntaxError, sqlErrorOf } from './helpers.js';

function kindsAndValues(sql: string): [string, string][] {
  return tokenize(sql).map((t) => [t.kind, t.value]);
}

test('tokens carry kind, value and offsets', () => {
  assert.deepEqual(tokenize('SELECT "A", b1 FROM t'), [
    { kind: 'word', value: 'select', start: 0, end: 6 },
    { kind: 'quotedIdent', value: 'A', start: 7, end: 10 },
    { kind: 'punct', value: ',', start: 10, end: 11 },
    { kind: 'word', value: 'b1', start: 12, end: 14 },
    { kind: 'word', value: 'from', start: 15, end: 19 },
    { kind: 'word', value: 't', start: 20, end: 21 },
    { kind: 'eof', value: '', start: 21, end: 21 },
  ]);
});

test('numbers', () => {
  assert.deepEqual(kindsAndValues('42 1.5 .5 1e10 2.5E-3 1. 7'), [
    ['number', '42'],
    ['number', '1.5'],
    ['number', '.5'],
    ['number', '1e10'],
    ['number', '2.5E-3'],
    ['number', '1.'],
    ['number', '7'],
    ['eof', ''],
  ]);
  // `1..2` is not a decimal number; `..` is one token, as in PostgreSQL
  assert.deepEqual(kindsAndValues('1..2').slice(0, 2), [
    ['number', '1'],
    ['punct', '..'],
  ]);
  assertSyntaxError('SELECT 1..2', 'syntax error at or near ".."', 9);
});

test('identifier characters right after a number are rejected', () => {
  assertSyntaxError('SELECT 1_000', 'trailing junk after numeric literal at or near "1_000"', 8);
  assertSyntaxError('SELECT 123abc', 'trailing junk after numeric literal at or near "123abc"', 8);
  assertSyntaxError('SELECT 1e', 'trailing junk after numeric literal at or near "1e"', 8);
  assertSyntaxError('SELECT $1x', 'trailing junk after parameter at or near "$1x"', 8);
});

test('multi-character operators', () => {
  const ops = tokenize(':: -> ->> #> #>> @> <@ ? ?| ?& || <> != <= >= => ~ ~* !~ !~* && << >> ~~ !~~*')
    .filter((t) => t.kind !== 'eof')
    .map((t) => t.value);
  assert.deepEqual(ops, ['::', '->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '||', '<>', '!=', '<=', '>=', '=>', '~', '~*', '!~', '!~*', '&&', '<<', '>>', '~~', '!~~*']);
  // A trailing + or - is split off unless the operator has one of ~!@#%^&|`?
  assert.deepEqual(tokenize('a=-1').map((t) => t.value), ['a', '=', '-', '1', '']);
  assert.deepEqual(tokenize('a*-b').map((t) => t.value), ['a', '*', '-', 'b', '']);
  assert.deepEqual(tokenize('a @- b').map((t) => t.value), ['a', '@-', 'b', '']);
  // A comment start ends an operator.
  assert.deepEqual(tokenize('1 +-- c\n2').map((t) => t.value), ['1', '+', '2', '']);
});

test('comments, including nested block comments', () => {
  assert.deepEqual(kindsAndValues('a -- line\n/* block /* nested */ still */ b'), [
    ['word', 'a'],
    ['word', 'b'],
    ['eof', ''],
  ]);
  assertSyntaxError('SELECT 1 /* never /* closed */', 'unterminated /* comment at or near "/* never /* closed */"', 10);
});

test('standard strings with doubled quotes and continuation across newlines', () => {
  assert.deepEqual(kindsAndValues("'it''s'"), [
    ['string', "it's"],
    ['eof', ''],
  ]);
  assert.deepEqual(kindsAndValues("'a\\n'"), [
    ['string', 'a\\n'],
    ['eof', ''],
  ]);
  assert.deepEqual(kindsAndValues("'foo'\n  'bar'"), [
    ['string', 'foobar'],
    ['eof', ''],
  ]);
  // A -- comment in the gap ends its line, so it also continues the string.
  assert.deepEqual(kindsAndValues("'a' -- c\n'b'"), [
    ['string', 'ab'],
    ['eof', ''],
  ]);
  // Without a newline between them, two strings are two tokens (and a syntax error in SQL).
  assert.equal(tokenize("'foo' 'bar'").length, 3);
  assertSyntaxError("SELECT 'foo' 'bar'", 'syntax error at or near "\'bar\'"', 14);
  assertSyntaxError("SELECT 'abc", 'unterminated quoted string at or near "\'abc"', 8);
});

test('escape strings', () => {
  const [t] = tokenize("E'a\\nb\\t\\x41\\101\\u00e9\\U0001F600\\\\\\'c'''");
  assert.equal(t.kind, 'string');
  assert.equal(t.value, "a\nb\tAAé😀\\'c'");
  assert.equal(tokenize("e'\\q'")[0].value, 'q');
  // Bytes from \x and octal escapes are UTF-8; surrogate pairs combine.
  assert.equal(tokenize("E'\\xc3\\xa9\\303\\251'")[0].value, 'éé');
  assert.equal(tokenize("E'\\uD83D\\uDE00'")[0].value, '😀');
  assertSyntaxError("SELECT E'\\u0000'", 'invalid Unicode escape value at or near "\\u0000"', 10);
  assertSyntaxError("SELECT E'\\U00110000'", 'invalid Unicode escape value at or near "\\U00110000"', 10);
  assertSyntaxError("SELECT E'\\uD800'", 'invalid Unicode surrogate pair at or near "\'"', 16);
  assertSyntaxError("SELECT E'\\u12'", 'invalid Unicode escape', 10, '22025');
  const nul = sqlErrorOf(() => tokenize("E'\\x00'"));
  assert.deepEqual([nul.code, nul.message], ['22021', 'invalid byte sequence for encoding "UTF8": 0x00']);
  const badUtf8 = sqlErrorOf(() => tokenize("E'\\xc3('"));
  assert.deepEqual([badUtf8.code, badUtf8.message], ['22021', 'invalid byte sequence for encoding "UTF8": 0xc3 0x28']);
  assertSyntaxError("SELECT E'abc\\'", "unterminated quoted string at or near \"E'abc\\'\"", 8);
  assertSyntaxError("SELECT E'abc\\", "unterminated quoted string at or near \"E'abc\\\"", 8);
});

test('dollar-quoted strings', () => {
  assert.deepEqual(kindsAndValues("$$it's $ fine$$"), [
    ['string', "it's $ fine"],
    ['eof', ''],
  ]);
  assert.deepEqual(kindsAndValues('$fn$ a $$ b $fn$'), [
    ['string', ' a $$ b '],
    ['eof', ''],
  ]);
  assertSyntaxError('SELECT $x$ abc', 'unterminated dollar-quoted string at or near "$x$ abc"', 8);
});

test('Unicode escape strings U&\'...\'', () => {
  assert.equal(tokenize("U&'d\\0061t'")[0].value, 'dat');
  assert.equal(tokenize("u&'\\+000061\\\\'")[0].value, 'a\\');
  assert.deepEqual(kindsAndValues("U&'d!0061t' UESCAPE '!'"), [
    ['string', 'dat'],
    ['eof', ''],
  ]);
  assertSyntaxError("SELECT U&'\\006'", 'invalid Unicode escape', 11);
  assertSyntaxError("SELECT U&'x' UESCAPE 'a'", 'invalid Unicode escape character at or near "\'a\'"', 22);
});

test('hex strings and parameters', () => {
  assert.deepEqual(kindsAndValues("X'DEAD' x'01' $1 $23"), [
    ['hexString', 'DEAD'],
    ['hexString', '01'],
    ['param', '1'],
    ['param', '23'],
    ['eof', ''],
  ]);
  assertSyntaxError("SELECT X'1F", 'unterminated hexadecimal string literal at or near "X\'1F"', 8);
});

test('quoted identifiers', () => {
  assert.deepEqual(kindsAndValues('"Mixed Case" "with ""quote"""'), [
    ['quotedIdent', 'Mixed Case'],
    ['quotedIdent', 'with "quote"'],
    ['eof', ''],
  ]);
  assertSyntaxError('SELECT "abc', 'unterminated quoted identifier at or near ""abc"', 8);
  assertSyntaxError('SELECT ""', 'zero-length delimited identifier at or near """"', 8);
});

test('string literals reach the AST with escapes processed', () => {
  assert.deepEqual(noPos(exprOf("E'\\x41'")), { kind: 'literal', value: { type: 'string', value: 'A' } });
  assert.deepEqual(noPos(exprOf('$$x$$')), { kind: 'literal', value: { type: 'string', value: 'x' } });
  assert.deepEqual(noPos(exprOf("N'n'")), { kind: 'literal', value: { type: 'string', value: 'n' } });
});
