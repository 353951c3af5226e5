// Functions PostgreSQL computes in the session's TimeZone, built for a
// session in America/New_York against the same calls in a UTC session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonbNumber, T } from '../../src/repr/types.js';
import type { Datum, SqlType } from '../../src/repr/types.js';
import { parseTimestamptz } from '../../src/repr/datetime-text.js';
import { resolveFunction, resolveOperator, resolveTableFunction } from '../../src/expr/resolve.js';
import { UTC_SESSION, type SessionContext } from '../../src/expr/registry.js';
import { textOf } from '../../src/expr/string.js';
import { toJsonbConverter, toJsonbKeyConverter } from '../../src/expr/jsonb-value.js';
import { zoneAbbreviation } from '../../src/expr/zone-abbreviation.js';
import { jsonbConverter, jsonbKeyConverter } from '../../src/compute/jsonb.js';

const NEW_YORK: SessionContext = { timeZone: 'America/New_York' };
const tz = (text: string): bigint => parseTimestamptz(text);

function callIn(session: SessionContext, name: string, types: SqlType[], args: Datum[]): Datum {
  return resolveFunction(name, types, session).func.eval(args);
}

test('to_char writes timestamptz as wall-clock time in the session zone with its abbreviation and offset', () => {
  const noon = tz('2026-01-01 12:00:00+00');
  const format = 'YYYY-MM-DD HH24:MI TZ OF TZH:TZM';
  assert.equal(callIn(NEW_YORK, 'to_char', [T.timestamptz, T.text], [noon, format]), '2026-01-01 07:00 EST -05 -05:00');
  assert.equal(callIn(UTC_SESSION, 'to_char', [T.timestamptz, T.text], [noon, format]), '2026-01-01 12:00 UTC +00 +00:00');
  assert.equal(callIn(NEW_YORK, 'to_char', [T.timestamptz, T.text], [tz('2026-07-01 12:00:00+00'), 'HH24 TZ']), '08 EDT');
});

test('zone abbreviations follow the offset in force; zones without one show the offset', () => {
  assert.equal(zoneAbbreviation('Europe/Berlin', tz('2026-01-01 00:00:00+00'), 3600), 'CET');
  assert.equal(zoneAbbreviation('Europe/Berlin', tz('2026-07-01 00:00:00+00'), 7200), 'CEST');
  assert.equal(zoneAbbreviation('America/Sao_Paulo', tz('2026-01-01 00:00:00+00'), -10800), '-03');
  assert.equal(zoneAbbreviation('Asia/Kathmandu', tz('2026-01-01 00:00:00+00'), 20700), '+0545');
  assert.equal(zoneAbbreviation('<+05:30>-05:30', tz('2026-01-01 00:00:00+00'), 19800), '+05:30');
});

test('text || timestamptz and textOf use the session zone, also inside arrays', () => {
  const noon = tz('2026-01-01 12:00:00+00');
  assert.equal(resolveOperator('||', T.text, T.timestamptz, NEW_YORK).func.eval(['x', noon]), 'x2026-01-01 07:00:00-05');
  assert.equal(resolveOperator('||', T.text, T.timestamptz).func.eval(['x', noon]), 'x2026-01-01 12:00:00+00');
  assert.equal(textOf(T.timestamptz, NEW_YORK)(noon), '2026-01-01 07:00:00-05');
  assert.equal(textOf(T.text, NEW_YORK)('as is'), 'as is');
});

test('age of timestamptz compares wall-clock fields in the session zone (a DST day is 23 hours)', () => {
  const types = [T.timestamptz, T.timestamptz];
  const args = [tz('2026-03-09 00:00:00+00'), tz('2026-03-08 00:00:00+00')];
  assert.deepEqual(callIn(NEW_YORK, 'age', types, args), { months: 0, days: 1, micros: 3_600_000_000n });
  assert.deepEqual(callIn(UTC_SESSION, 'age', types, args), { months: 0, days: 1, micros: 0n });
});

test('generate_series over timestamptz adds days in the session zone', () => {
  const types = [T.timestamptz, T.timestamptz, T.interval];
  const args = [tz('2026-03-08 00:00:00-05'), tz('2026-03-09 00:00:00-05'), { months: 0, days: 1, micros: 0n }];
  const rows = (session: SessionContext) => [...resolveTableFunction('generate_series', types, session).func.eval(args)].map((r) => r[0]);
  assert.deepEqual(rows(NEW_YORK), [tz('2026-03-08 00:00:00-05'), tz('2026-03-09 00:00:00-04')]);
  assert.deepEqual(rows(UTC_SESSION), [tz('2026-03-08 00:00:00-05'), tz('2026-03-09 00:00:00-05')]);
});

test('to_jsonb and the aggregates write timestamptz in the zone they are given', () => {
  const t = tz('2023-11-14 22:13:20+00');
  assert.equal(toJsonbConverter(T.timestamptz, 'America/New_York')(t), '2023-11-14T17:13:20-05:00');
  assert.equal(toJsonbConverter(T.timestamptz)(t), '2023-11-14T22:13:20+00:00');
  assert.equal(jsonbConverter(T.timestamptz, 'America/New_York')(t), '2023-11-14T17:13:20-05:00');
  assert.equal(jsonbConverter(T.timestamptz)(null), null);
  assert.equal(jsonbKeyConverter(T.timestamptz, 'America/New_York')(t), '2023-11-14T17:13:20-05:00');
  assert.equal(toJsonbKeyConverter(T.bool)(true), 'true');
  assert.equal(toJsonbKeyConverter(T.float8)(1e20), '1e+20');
  assert.deepEqual(toJsonbConverter(T.int4)(7), new JsonbNumber('7'));
});

test('extract reads the timezone fields as the session zone offset', () => {
  const july = tz('2026-07-01 12:00:00+00');
  assert.equal(String(callIn(NEW_YORK, 'extract', [T.text, T.timestamptz], ['timezone', july])), '-14400');
  assert.equal(String(callIn(NEW_YORK, 'extract', [T.text, T.timestamptz], ['timezone_hour', july])), '-4');
  assert.equal(String(callIn(UTC_SESSION, 'extract', [T.text, T.timestamptz], ['timezone', july])), '0');
});

test('make_timestamptz and to_timestamp read their fields in the session zone', () => {
  const fields = [2026, 1, 1, 12, 0, 0];
  const types = [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8];
  assert.equal(callIn(NEW_YORK, 'make_timestamptz', types, fields), tz('2026-01-01 12:00:00-05'));
  assert.equal(callIn(UTC_SESSION, 'make_timestamptz', types, fields), tz('2026-01-01 12:00:00+00'));
  assert.equal(callIn(NEW_YORK, 'to_timestamp', [T.text, T.text], ['2026-07-01 12:00', 'YYYY-MM-DD HH24:MI']), tz('2026-07-01 12:00:00-04'));
});
