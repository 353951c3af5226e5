import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Decimal } from 'decimal.js';
import { T } from '../../src/repr/types.js';
import type { Datum, Interval } from '../../src/repr/types.js';
import { timestampFromParts, ymdToDays } from '../../src/repr/datetime.js';
import { resolveFunction, resolveOperator, resolveTableFunction } from '../../src/expr/resolve.js';
import { call, op, sqlErrorOf } from './helpers.js';

const ts = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0, microsecond = 0) =>
  timestampFromParts({ year, month, day, hour, minute, second, microsecond });
const date = (y: number, m: number, d: number) => ymdToDays(y, m, d);
const iv = (months: number, days: number, micros: bigint): Interval => ({ months, days, micros });
const HOUR = 3_600_000_000n;
const dec = (v: Datum) => (v as Decimal).toString();

const sample = ts(2020, 3, 15, 10, 30, 45, 500000); // a Sunday

test('extract returns numeric for every field', () => {
  const ex = (field: string, v: Datum = sample) => dec(call('extract', [T.text, T.timestamp], [field, v]));
  assert.equal(ex('epoch', ts(2020, 1, 1)), '1577836800');
  assert.equal(ex('year'), '2020');
  assert.equal(ex('month'), '3');
  assert.equal(ex('day'), '15');
  assert.equal(ex('hour'), '10');
  assert.equal(ex('minute'), '30');
  assert.equal(ex('second'), '45.5');
  assert.equal(ex('milliseconds'), '45500');
  assert.equal(ex('microseconds'), '45500000');
  assert.equal(ex('dow'), '0');
  assert.equal(ex('isodow'), '7');
  assert.equal(ex('doy'), '75');
  assert.equal(ex('week'), '11');
  assert.equal(ex('quarter'), '1');
  assert.equal(ex('decade'), '202');
  assert.equal(ex('century'), '21');
  assert.equal(ex('millennium'), '3');
  assert.equal(ex('YEAR'), '2020');
  assert.equal(ex('isoyear', ts(2021, 1, 1)), '2020');
  assert.equal(dec(call('extract', [T.text, T.date], ['day', date(2020, 2, 29)])), '29');
  assert.equal(dec(call('extract', [T.text, T.date], ['epoch', date(1970, 1, 2)])), '86400');
  assert.equal(dec(call('extract', [T.text, T.time], ['minute', 3n * HOUR + 60_000_000n * 7n])), '7');
  assert.equal(dec(call('extract', [T.text, T.interval], ['epoch', iv(12, 0, 0n)])), '31557600');
  assert.equal(dec(call('extract', [T.text, T.interval], ['hour', iv(0, 0, 25n * HOUR)])), '25');
  assert.equal(dec(call('extract', [T.text, T.interval], ['month', iv(14, 0, 0n)])), '2');
  const e = sqlErrorOf(() => call('extract', [T.text, T.date], ['hour', date(2020, 1, 1)]));
  assert.equal(e.code, '0A000');
  assert.equal(e.message, 'unit "hour" not supported for type date');
  assert.equal(sqlErrorOf(() => call('extract', [T.text, T.timestamp], ['fortnight', sample])).code, '22023');
});

test('date_part returns float8', () => {
  assert.equal(call('date_part', [T.text, T.timestamp], ['second', sample]), 45.5);
  assert.equal(resolveFunction('date_part', [T.unknown, T.timestamp]).returnType.kind, 'float8');
  assert.equal(resolveFunction('extract', [T.unknown, T.timestamptz]).returnType.kind, 'numeric');
});

test('date_trunc on timestamps and intervals', () => {
  const tr = (unit: string) => call('date_trunc', [T.text, T.timestamp], [unit, sample]);
  assert.equal(tr('month'), ts(2020, 3, 1));
  assert.equal(tr('week'), ts(2020, 3, 9));
  assert.equal(tr('quarter'), ts(2020, 1, 1));
  assert.equal(tr('hour'), ts(2020, 3, 15, 10));
  assert.equal(tr('second'), ts(2020, 3, 15, 10, 30, 45));
  assert.equal(tr('milliseconds'), sample);
  assert.equal(tr('decade'), ts(2020, 1, 1));
  assert.equal(tr('century'), ts(2001, 1, 1));
  assert.equal(tr('millennium'), ts(2001, 1, 1));
  assert.equal(resolveFunction('date_trunc', [T.unknown, T.date]).returnType.kind, 'timestamptz');
  assert.deepEqual(call('date_trunc', [T.text, T.interval], ['hour', iv(0, 1, 2n * HOUR + 5n)]), iv(0, 1, 2n * HOUR));
  assert.equal(sqlErrorOf(() => tr('fortnight')).code, '22023');
});

test('date and timestamp arithmetic', () => {
  assert.equal(op('+', T.date, T.int4, date(2020, 2, 28), 2), date(2020, 3, 1));
  assert.equal(op('-', T.date, T.date, date(2020, 3, 1), date(2020, 2, 1)), 29);
  assert.equal(op('+', T.date, T.interval, date(2020, 1, 31), iv(1, 0, 0n)), ts(2020, 2, 29));
  assert.equal(op('+', T.date, T.time, date(2020, 1, 1), HOUR), ts(2020, 1, 1, 1));
  assert.equal(op('-', T.timestamp, T.interval, ts(2020, 3, 1), iv(0, 1, 0n)), ts(2020, 2, 29));
  assert.deepEqual(op('-', T.timestamp, T.timestamp, ts(2001, 9, 29, 3), ts(2001, 9, 27, 12)), iv(0, 1, 15n * HOUR));
  assert.deepEqual(op('*', T.interval, T.float8, iv(0, 1, 0n), 1.5), iv(0, 1, 12n * HOUR));
  assert.deepEqual(op('/', T.interval, T.float8, iv(0, 0, HOUR), 2), iv(0, 0, HOUR / 2n));
  assert.deepEqual(op('-', null, T.interval, null, iv(1, 2, 3n)), iv(-1, -2, -3n));
  assert.equal(op('+', T.time, T.interval, 23n * HOUR, iv(0, 0, 2n * HOUR)), HOUR);
  assert.equal(resolveOperator('+', T.date, T.int4).func.name, 'date_add_days');
  assert.equal(sqlErrorOf(() => resolveOperator('+', T.date, T.unknown)).code, '42725');
  assert.equal(resolveOperator('-', T.timestamptz, T.timestamptz).returnType.kind, 'interval');
  assert.equal(sqlErrorOf(() => op('/', T.interval, T.float8, iv(0, 1, 0n), 0)).code, '22012');
});

test('age follows the calendar', () => {
  assert.deepEqual(call('age', [T.timestamp, T.timestamp], [ts(2001, 4, 10), ts(1957, 6, 13)]), iv(43 * 12 + 9, 27, 0n));
  assert.deepEqual(call('age', [T.timestamp, T.timestamp], [ts(1957, 6, 13), ts(2001, 4, 10)]), iv(-(43 * 12 + 9), -27, 0n));
  assert.deepEqual(call('age', [T.timestamp, T.timestamp], [ts(2020, 3, 1, 1), ts(2020, 2, 29, 2)]), iv(0, 0, 23n * HOUR));
});

test('constructors', () => {
  assert.equal(call('make_date', [T.int4, T.int4, T.int4], [2013, 7, 15]), date(2013, 7, 15));
  assert.equal(call('make_date', [T.int4, T.int4, T.int4], [-44, 3, 15]), date(-43, 3, 15));
  const e = sqlErrorOf(() => call('make_date', [T.int4, T.int4, T.int4], [2013, 2, 30]));
  assert.deepEqual(e, { code: '22008', message: 'date field value out of range: 2013-02-30' });
  assert.equal(call('make_timestamp', [T.int4, T.int4, T.int4, T.int4, T.int4, T.float8], [2013, 7, 15, 8, 15, 23.5]), ts(2013, 7, 15, 8, 15, 23, 500000));
  assert.deepEqual(call('make_interval', [T.int4, T.int4, T.int4, T.int4], [1, 2, 1, 3]), iv(14, 10, 0n));
  assert.deepEqual(call('make_interval', [], []), iv(0, 0, 0n));
  assert.equal(call('to_timestamp', [T.float8], [1284352323.5]), 1284352323500000n);
  assert.equal(sqlErrorOf(() => call('to_timestamp', [T.float8], [NaN])).code, '22008');
});

test('to_timestamp and to_date with a format', () => {
  const parse = (text: string, format: string) => call('to_timestamp', [T.text, T.text], [text, format]);
  assert.equal(parse('05 Dec 2000', 'DD Mon YYYY'), ts(2000, 12, 5));
  assert.equal(parse('2020-03-15 14:30:05.25', 'YYYY-MM-DD HH24:MI:SS.MS'), ts(2020, 3, 15, 14, 30, 5, 250000));
  assert.equal(parse('03/15/2020 02:30 PM', 'MM/DD/YYYY HH12:MI AM'), ts(2020, 3, 15, 14, 30));
  assert.equal(parse('12 AM', 'HH12 AM'), ts(1, 1, 1));
  assert.equal(parse('2020 060', 'YYYY DDD'), ts(2020, 2, 29));
  assert.equal(parse('March 5, 2021', 'Month DD, YYYY'), ts(2021, 3, 5));
  assert.equal(call('to_date', [T.text, T.text], ['2000-12-05', 'YYYY-MM-DD']), date(2000, 12, 5));
  assert.equal(sqlErrorOf(() => call('to_date', [T.text, T.text], ['2020-13-01', 'YYYY-MM-DD'])).code, '22008');
  assert.equal(sqlErrorOf(() => call('to_date', [T.text, T.text], ['2020-01-45', 'YYYY-MM-DD'])).code, '22008');
  assert.deepEqual(sqlErrorOf(() => call('to_date', [T.text, T.text], ['abcd-01-01', 'YYYY-MM-DD'])), {
    code: '22007',
    message: 'invalid value "abcd" for "YYYY"',
  });
});

test('to_char patterns', () => {
  const t = ts(2002, 4, 20, 17, 31, 12, 660000);
  const fmt = (f: string) => call('to_char', [T.timestamp, T.text], [t, f]);
  assert.equal(fmt('HH12:MI:SS'), '05:31:12');
  assert.equal(fmt('HH24:MI:SS.MS'), '17:31:12.660');
  assert.equal(fmt('YYYY-MM-DD'), '2002-04-20');
  assert.equal(fmt('Day'), 'Saturday ');
  assert.equal(fmt('FMDay, FMDDth FMMonth YYYY'), 'Saturday, 20th April 2002');
  assert.equal(fmt('Mon DD, YYYY AM'), 'Apr 20, 2002 PM');
  assert.equal(fmt('"Quarter" Q, DDD'), 'Quarter 2, 110');
  assert.equal(fmt('US'), '660000');
  assert.equal(fmt('yyyy-mm-dd hh24:mi'), '2002-04-20 17:31');
  assert.equal(fmt('Dy DY dy IYYY-IW-ID'), 'Sat SAT sat 2002-16-6');
  assert.equal(call('to_char', [T.timestamptz, T.text], [t, 'HH24 TZ']), '17 UTC');
});

test('date_bin, AT TIME ZONE, justify, isfinite', () => {
  assert.equal(
    call('date_bin', [T.interval, T.timestamp, T.timestamp], [iv(0, 0, 15n * 60_000_000n), ts(2020, 2, 11, 15, 44, 17), ts(2001, 1, 1)]),
    ts(2020, 2, 11, 15, 30),
  );
  assert.equal(
    call('date_bin', [T.interval, T.timestamp, T.timestamp], [iv(0, 0, 15n * 60_000_000n), ts(1999, 12, 31, 23, 50), ts(2001, 1, 1)]),
    ts(1999, 12, 31, 23, 45),
  );
  assert.equal(sqlErrorOf(() => call('date_bin', [T.interval, T.timestamp, T.timestamp], [iv(1, 0, 0n), 0n, 0n])).code, '0A000');
  assert.equal(call('timezone', [T.text, T.timestamptz], ['America/New_York', ts(2020, 1, 1, 12)]), ts(2020, 1, 1, 7));
  assert.equal(call('timezone', [T.text, T.timestamp], ['America/New_York', ts(2020, 7, 1, 8)]), ts(2020, 7, 1, 12));
  assert.equal(call('timezone', [T.interval, T.timestamptz], [iv(0, 0, -8n * HOUR), ts(2020, 1, 1, 12)]), ts(2020, 1, 1, 4));
  assert.equal(sqlErrorOf(() => call('timezone', [T.text, T.timestamp], ['Mars/Base', 0n])).code, '22023');
  assert.deepEqual(call('justify_hours', [T.interval], [iv(0, 0, 27n * HOUR)]), iv(0, 1, 3n * HOUR));
  assert.deepEqual(call('justify_days', [T.interval], [iv(0, 35, 0n)]), iv(1, 5, 0n));
  assert.equal(call('isfinite', [T.date], [Infinity]), false);
});

test('current time functions are volatile', () => {
  const now = resolveFunction('now', []);
  assert.equal(now.func.volatile, true);
  assert.equal(now.returnType.kind, 'timestamptz');
  assert.equal(typeof now.func.eval([]), 'bigint');
  assert.equal(resolveFunction('current_date', []).returnType.kind, 'date');
});

test('generate_series over integers, numerics and timestamps', () => {
  const rows = (types: Parameters<typeof resolveTableFunction>[1], args: Datum[]) => [...resolveTableFunction('generate_series', types).func.eval(args)];
  assert.deepEqual(rows([T.int4, T.int4], [1, 3]), [[1], [2], [3]]);
  assert.deepEqual(rows([T.int4, T.int4, T.int4], [5, 1, -2]), [[5], [3], [1]]);
  assert.deepEqual(rows([T.int4, T.int4], [3, 1]), []);
  assert.deepEqual(rows([T.int8, T.int8], [1n, 2n]), [[1n], [2n]]);
  assert.deepEqual(rows([T.int4, T.int4], [null, 2]), []);
  assert.equal(sqlErrorOf(() => rows([T.int4, T.int4, T.int4], [1, 2, 0])).message, 'step size cannot equal zero');
  assert.deepEqual(
    rows([T.timestamp, T.timestamp, T.interval], [ts(2020, 1, 1), ts(2020, 1, 1, 2), iv(0, 0, HOUR)]),
    [[ts(2020, 1, 1)], [ts(2020, 1, 1, 1)], [ts(2020, 1, 1, 2)]],
  );
  const f = resolveTableFunction('generate_series', [T.int4, T.unknown]);
  assert.deepEqual(f.func.columns, [{ name: 'generate_series', type: T.int4, nullable: true }]);
  assert.equal(resolveTableFunction('generate_series', [T.int4, T.numeric]).func.columns[0]!.type.kind, 'numeric');
  assert.deepEqual([...resolveTableFunction('regexp_split_to_table', [T.text, T.text]).func.eval(['a,b', ','])], [['a'], ['b']]);
});
