import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatText, parseText } from '../../src/repr/text.js';
import { T, type SqlType } from '../../src/repr/types.js';
import { parseError, roundTrip } from './helpers.js';

test('date input forms and output', () => {
  const cases: Array<[string, string]> = [
    ['2020-01-05', '2020-01-05'],
    ['2020-1-5', '2020-01-05'],
    ['Jan 5 2020', '2020-01-05'],
    ['January 5, 2020', '2020-01-05'],
    ['5 Jan 2020', '2020-01-05'],
    ['2020 Jan 5', '2020-01-05'],
    ['05-Jan-2020', '2020-01-05'],
    ['20200105', '2020-01-05'],
    ['01/02/2020', '2020-01-02'],
    ['2020/01/02', '2020-01-02'],
    ['2020.01.02', '2020-01-02'],
    ['1/8/99', '1999-01-08'],
    ['Sat Jan 04 2020', '2020-01-04'],
    ['J2451187', '1999-01-08'],
    ['2020-01-05 13:45:00', '2020-01-05'],
    ['0001-01-01 BC', '0001-01-01 BC'],
    ['Mar 15 44 BC', '0044-03-15 BC'],
    ['10000-01-01', '10000-01-01'],
    ['2024-02-29', '2024-02-29'],
    ['epoch', '1970-01-01'],
    ['infinity', 'infinity'],
    ['-infinity', '-infinity'],
    [' 2020-01-05 ', '2020-01-05'],
  ];
  for (const [input, expected] of cases) roundTrip(T.date, input, expected);
  assert.equal(parseText('1970-01-02', T.date), 1);
  parseError(T.date, 'x', '22007', 'invalid input syntax for type date: "x"');
  parseError(T.date, '', '22007', 'invalid input syntax for type date: ""');
  parseError(T.date, '2020-13-01', '22008', 'date/time field value out of range: "2020-13-01"');
  parseError(T.date, '2021-02-29', '22008', 'date/time field value out of range: "2021-02-29"');
  parseError(T.date, '0000-01-01', '22008', 'date/time field value out of range: "0000-01-01"');
  parseError(T.date, '5874898-01-01', '22008', 'date out of range: "5874898-01-01"');
});

test('time input and output', () => {
  const t = (p?: number): SqlType => (p === undefined ? T.time : { kind: 'time', precision: p });
  roundTrip(t(), '04:05:06.789', '04:05:06.789');
  roundTrip(t(), '04:05', '04:05:00');
  roundTrip(t(), '4:05 PM', '16:05:00');
  roundTrip(t(), '12:00 AM', '00:00:00');
  roundTrip(t(), '12:30 pm', '12:30:00');
  roundTrip(t(), '24:00:00', '24:00:00');
  roundTrip(t(), 'allballs', '00:00:00');
  roundTrip(t(), '040506', '04:05:06');
  roundTrip(t(), '04:05:06+05', '04:05:06');
  roundTrip(t(), '2020-01-01 04:05:06', '04:05:06');
  // Fractions round as PostgreSQL's rint(double * 1e6) does.
  roundTrip(t(), '00:00:00.0000005', '00:00:00');
  roundTrip(t(), '00:00:00.0000015', '00:00:00.000002');
  roundTrip(t(), '23:59:59.9999999', '24:00:00');
  roundTrip(t(), '04:05:06 PST', '04:05:06');
  parseError(t(), '04:05:06 America/New_York', '22007', 'invalid input syntax for type time: "04:05:06 America/New_York"');
  roundTrip(t(2), '01:02:03.456', '01:02:03.46');
  roundTrip(t(0), '23:59:59.5', '24:00:00');
  parseError(t(), '25:00', '22008', 'date/time field value out of range: "25:00"');
  parseError(t(), '12:60', '22008', 'date/time field value out of range: "12:60"');
  parseError(t(), '13:00 PM', '22008', 'date/time field value out of range: "13:00 PM"');
  parseError(t(), 'noon', '22007', 'invalid input syntax for type time: "noon"');
});

test('timestamp input and output', () => {
  roundTrip(T.timestamp, '2020-01-01 00:00:00', '2020-01-01 00:00:00');
  roundTrip(T.timestamp, '2020-01-01T10:20:30.123456', '2020-01-01 10:20:30.123456');
  roundTrip(T.timestamp, '2020-01-01 10:20:30+05', '2020-01-01 10:20:30');
  roundTrip(T.timestamp, '2020-01-01', '2020-01-01 00:00:00');
  roundTrip(T.timestamp, 'Jan 5 2020 4:05:06 PM', '2020-01-05 16:05:06');
  roundTrip(T.timestamp, '20200105 040506', '2020-01-05 04:05:06');
  roundTrip(T.timestamp, '2020-01-01 12:00:00.1234567', '2020-01-01 12:00:00.123457');
  roundTrip(T.timestamp, '0001-01-01 00:00:00 BC', '0001-01-01 00:00:00 BC');
  roundTrip(T.timestamp, '1999-12-31 23:59:60', '2000-01-01 00:00:00');
  roundTrip(T.timestamp, 'infinity', 'infinity');
  roundTrip(T.timestamp, '-infinity', '-infinity');
  roundTrip(T.timestamp, 'epoch', '1970-01-01 00:00:00');
  roundTrip({ kind: 'timestamp', precision: 0 }, '2020-01-01 00:00:00.5', '2020-01-01 00:00:01');
  // Ties round away from PostgreSQL's epoch (2000-01-01).
  roundTrip({ kind: 'timestamp', precision: 3 }, '1969-12-31 23:59:59.9995', '1969-12-31 23:59:59.999');
  roundTrip({ kind: 'timestamp', precision: 3 }, '1985-06-01 00:00:00.0005', '1985-06-01 00:00:00');
  roundTrip({ kind: 'timestamp', precision: 3 }, '2020-06-01 00:00:00.0005', '2020-06-01 00:00:00.001');
  assert.equal(parseText('1970-01-01 00:00:01', T.timestamp), 1_000_000n);
  parseError(T.timestamp, '2020-01-01 25:00', '22008', 'date/time field value out of range: "2020-01-01 25:00"');
  parseError(T.timestamp, 'garbage', '22007', 'invalid input syntax for type timestamp: "garbage"');
  parseError(T.timestamp, '294277-01-01 00:00:00', '22008', 'timestamp out of range: "294277-01-01 00:00:00"');
});

test('timestamptz input with zones, output in the session zone', () => {
  const utc = { timeZone: 'UTC' };
  roundTrip(T.timestamptz, '2020-01-01T12:00:00Z', '2020-01-01 12:00:00+00', utc);
  roundTrip(T.timestamptz, '2020-01-01 12:00:00+05:30', '2020-01-01 06:30:00+00', utc);
  roundTrip(T.timestamptz, '2020-01-01 12:00:00-0800', '2020-01-01 20:00:00+00', utc);
  roundTrip(T.timestamptz, '2020-01-01 12:00:00 -08', '2020-01-01 20:00:00+00', utc);
  roundTrip(T.timestamptz, '2020-01-01 00:00:00 PST', '2020-01-01 08:00:00+00', utc);
  roundTrip(T.timestamptz, '2020-01-01 00:00:00 UTC', '2020-01-01 00:00:00+00', utc);
  roundTrip(T.timestamptz, '2020-07-01 12:00 America/New_York', '2020-07-01 16:00:00+00', utc);
  // A gap time is read with the offset before the transition (03:30 EDT).
  roundTrip(T.timestamptz, '2018-03-11 02:30 America/New_York', '2018-03-11 07:30:00+00', utc);
  // Without a zone the session zone applies, and output uses it.
  const ny = { timeZone: 'America/New_York' };
  roundTrip(T.timestamptz, '2020-07-01 12:00', '2020-07-01 12:00:00-04', ny);
  roundTrip(T.timestamptz, '2020-01-01 12:00', '2020-01-01 12:00:00-05', ny);
  assert.equal(formatText(0n, T.timestamptz, { timeZone: 'Asia/Kolkata' }), '1970-01-01 05:30:00+05:30');
  // POSIX-style zone setting: '+05:30' is 5:30 west of Greenwich, as in PostgreSQL.
  assert.equal(formatText(0n, T.timestamptz, { timeZone: '+05:30' }), '1969-12-31 18:30:00-05:30');
  assert.equal(formatText(0n, T.timestamptz, { timeZone: 'Europe/Amsterdam' }), '1970-01-01 01:00:00+01');
  assert.equal(formatText(-62135596800000000n - 1n, T.timestamptz), '0001-12-31 23:59:59.999999+00 BC');
  assert.equal(formatText(9223372036854775807n, T.timestamptz), 'infinity');
  parseError(T.timestamptz, 'soon', '22007', 'invalid input syntax for type timestamp with time zone: "soon"');
  parseError(T.timestamptz, '2020-01-01 12:00 Mars/Base', '22023', 'time zone "mars/base" not recognized');
  parseError(T.timestamptz, '2020-01-01 12:00 foo', '22007', 'invalid input syntax for type timestamp with time zone: "2020-01-01 12:00 foo"');
  parseError(T.timestamptz, '2020-01-01 12:00:00+16', '22009', 'time zone displacement out of range: "2020-01-01 12:00:00+16"');
  roundTrip(T.timestamptz, '2020-01-01 12:00:00+15:59', '2019-12-31 20:01:00+00', utc);
  // In literals CET/EET/WET/MET are fixed-offset abbreviations; full names follow their rules.
  roundTrip(T.timestamptz, '2020-07-01 00:00:00 CET', '2020-06-30 23:00:00+00', utc);
  roundTrip(T.timestamptz, '2020-07-01 00:00:00 europe/paris', '2020-06-30 22:00:00+00', utc);
  roundTrip(T.timestamptz, '1999-12-31 23:59:59.9999995', '2000-01-01 00:00:00+00', utc);
});

test('interval input forms and postgres-style output', () => {
  const cases: Array<[string, string]> = [
    ['1 day', '1 day'],
    ['2 days', '2 days'],
    ['2 hours 30 minutes', '02:30:00'],
    ['1 yr', '1 year'],
    ['3 years 1 mon', '3 years 1 mon'],
    ['2 months', '2 mons'],
    ['@ 1 day ago', '-1 days'],
    ['@ 1 hour 30 mins ago', '-01:30:00'],
    ['1-2', '1 year 2 mons'],
    ['-1-2', '-1 years -2 mons'],
    ['1 12:00:00', '1 day 12:00:00'],
    ['P1Y2M3DT4H5M6S', '1 year 2 mons 3 days 04:05:06'],
    ['PT1.5S', '00:00:01.5'],
    ['P1W', '7 days'],
    ['PT36H', '36:00:00'],
    ['P0001-02-03T04:05:06', '1 year 2 mons 3 days 04:05:06'],
    ['1.5 years', '1 year 6 mons'],
    ['1.5 months', '1 mon 15 days'],
    ['1.5 days', '1 day 12:00:00'],
    ['1.5 weeks', '10 days 12:00:00'],
    ['1 week', '7 days'],
    ['-1 days +02:00:00', '-1 days +02:00:00'],
    ['-1 day 1 hour', '-1 days +01:00:00'],
    ['1 mon -1 days', '1 mon -1 days'],
    ['-1 year -2 mons +3 days', '-1 years -2 mons +3 days'],
    ['0', '00:00:00'],
    ['10', '00:00:10'],
    ['1 year 2 mons 3 days 04:05:06.5', '1 year 2 mons 3 days 04:05:06.5'],
    ['-00:00:01', '-00:00:01'],
    ['10:20.5', '00:10:20.5'],
    ['100 hours', '100:00:00'],
    ['1 millisecond', '00:00:00.001'],
    ['1 microsecond', '00:00:00.000001'],
    ['3 decades', '30 years'],
    ['1 century', '100 years'],
    ['1 millennium', '1000 years'],
    ['1day', '1 day'],
    ['5m', '00:05:00'],
    ['  2 DAYS  ', '2 days'],
    ['1 day 00:00:00.000001', '1 day 00:00:00.000001'],
  ];
  for (const [input, expected] of cases) roundTrip(T.interval, input, expected);
  assert.deepEqual(parseText('1 mon 2 days 3 seconds', T.interval), { months: 1, days: 2, micros: 3_000_000n });
  parseError(T.interval, 'abc', '22007', 'invalid input syntax for type interval: "abc"');
  parseError(T.interval, '1 fortnight', '22007', 'invalid input syntax for type interval: "1 fortnight"');
  parseError(T.interval, '1 day 2 days', '22007', 'invalid input syntax for type interval: "1 day 2 days"');
  parseError(T.interval, '', '22007', 'invalid input syntax for type interval: ""');
  parseError(T.interval, '2147483648 months', '22015', 'interval field value out of range: "2147483648 months"');
  // Checked against PostgreSQL 15:
  parseError(T.interval, '2147483647 months 1 year', '22008', 'interval out of range');
  parseError(T.interval, '1-13', '22015', 'interval field value out of range: "1-13"');
  parseError(T.interval, '12:60:00', '22015', 'interval field value out of range: "12:60:00"');
  roundTrip(T.interval, '9223372036854775807 microseconds', '2562047788:00:54.775807');
  roundTrip(T.interval, 'PT', '00:00:00');
  roundTrip(T.interval, 'P1DT', '1 day');
  roundTrip(T.interval, '- 1 day', '-1 days');
  roundTrip(T.interval, '1 day @', '1 day');
  roundTrip(T.interval, '1.125 years', '1 year 2 mons');
  roundTrip(T.interval, '0.04 years', '00:00:00');
  roundTrip(T.interval, '-1.5 weeks', '-10 days -12:00:00');
});
