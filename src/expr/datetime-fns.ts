// Date/time functions: extract / date_part, date_trunc, age, make_*,
// to_timestamp, to_char, date_bin, timezone (AT TIME ZONE), justify_*,
// isfinite and the current-time functions. Calendar and zone arithmetic come
// from repr/datetime.ts. Functions of timestamptz that PostgreSQL computes in
// the session's TimeZone (STABLE ones) take it from the SessionContext their
// evaluator is built with; a UTC session takes the zone-free path.
import type { Datum, Interval, SqlType } from '../repr/types.js';
import { T, TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import {
  dayOfWeek,
  dayOfYear,
  daysInMonth,
  floorDiv,
  floorMod,
  isoYearAndWeek,
  isValidDate,
  isValidTimestamp,
  justifyDays,
  justifyHours,
  justifyInterval,
  localToUtc,
  MICROS_PER_DAY,
  MICROS_PER_HOUR,
  MICROS_PER_MINUTE,
  MICROS_PER_SECOND,
  timestampFromParts,
  timestampOutOfRange,
  timestampToParts,
  utcToLocal,
  ymdToDays,
  zoneOffsetSeconds,
  type TimestampParts,
} from '../repr/datetime.js';
import { define, nonUtcZone, type Evaluator, type SessionContext } from './registry.js';
import { zoneAbbreviation } from './zone-abbreviation.js';
import { defineFunction as fn, DATE, TIME, TS, TSTZ, IV, TEXT, I4, F8, NUM } from './signatures.js';
import { Decimal, numericDivide, withDisplayScale } from './decimal.js';
import { displayType } from './type-info.js';
import { dateOutOfRange } from './datetime-ops.js';
import { compileToChar } from './to-char.js';
import { compileNumberFormat } from './to-char-number.js';
import { toTimestamp } from './to-timestamp.js';

/** Caches the last compiled value of a text argument (units, formats): literals compile once. */
function lastCompiled<R>(compile: (key: string) => R): (key: string) => R {
  let lastKey: string | undefined;
  let last: R | undefined;
  return (key) => {
    if (key !== lastKey || last === undefined) {
      last = compile(key);
      lastKey = key;
    }
    return last;
  };
}

function isInfinite(t: bigint): boolean {
  return t === TIMESTAMP_INFINITY || t === TIMESTAMP_NEG_INFINITY;
}

// ---- units ----

type Unit =
  | 'microseconds' | 'milliseconds' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year'
  | 'decade' | 'century' | 'millennium' | 'epoch' | 'dow' | 'isodow' | 'doy' | 'isoyear' | 'julian'
  | 'timezone' | 'timezone_hour' | 'timezone_minute';

const UNIT_ALIASES: Record<string, Unit> = {};
for (const [unit, aliases] of [
  ['microseconds', ['microsecond', 'microseconds', 'us', 'usec', 'usecs', 'useconds']],
  ['milliseconds', ['millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'mseconds']],
  ['second', ['second', 'seconds', 's', 'sec', 'secs']],
  ['minute', ['minute', 'minutes', 'm', 'min', 'mins']],
  ['hour', ['hour', 'hours', 'h', 'hr', 'hrs']],
  ['day', ['day', 'days', 'd']],
  ['week', ['week', 'weeks', 'w']],
  ['month', ['month', 'months', 'mon', 'mons']],
  ['quarter', ['quarter', 'qtr']],
  ['year', ['year', 'years', 'y', 'yr', 'yrs']],
  ['decade', ['decade', 'decades', 'dec', 'decs']],
  ['century', ['century', 'centuries', 'c', 'cent']],
  ['millennium', ['millennium', 'millennia', 'millenniums', 'mil', 'mils']],
  ['epoch', ['epoch']],
  ['dow', ['dow']],
  ['isodow', ['isodow']],
  ['doy', ['doy']],
  ['isoyear', ['isoyear']],
  ['julian', ['julian', 'j']],
  ['timezone', ['timezone']],
  ['timezone_hour', ['timezone_h', 'timezone_hour']],
  ['timezone_minute', ['timezone_m', 'timezone_minute']],
] as const) {
  for (const a of aliases) UNIT_ALIASES[a] = unit;
}

function unitNotRecognized(unit: string, type: SqlType): SqlError {
  return new SqlError(SqlState.invalidParameterValue, `unit "${unit}" not recognized for type ${displayType(type)}`);
}
function unitNotSupported(unit: string, type: SqlType): SqlError {
  return new SqlError(SqlState.featureNotSupported, `unit "${unit}" not supported for type ${displayType(type)}`);
}
function parseUnit(text: string, type: SqlType): Unit {
  const unit = UNIT_ALIASES[text.toLowerCase()];
  if (unit === undefined) throw unitNotRecognized(text, type);
  return unit;
}

// ---- extract / date_part ----

const MICROS_PER_SECOND_DEC = new Decimal(1_000_000);

function century(year: number): number {
  return year > 0 ? Math.floor((year + 99) / 100) : -Math.floor((99 - (year - 1)) / 100);
}
function millennium(year: number): number {
  return year > 0 ? Math.floor((year + 999) / 1000) : -Math.floor((999 - (year - 1)) / 1000);
}
function decade(year: number): number {
  return year >= 0 ? Math.floor(year / 10) : -Math.floor((8 - (year - 1)) / 10);
}
/** Year as extract reports it: no year 0 (1 BC is -1). */
function extractYear(year: number): number {
  return year > 0 ? year : year - 1;
}

type Extractor = (v: Datum) => Decimal | null;

/** Fields of a calendar date (shared by date and timestamp). */
function dateField(unit: Unit, p: TimestampParts, days: number): Decimal | undefined {
  switch (unit) {
    case 'day':
      return new Decimal(p.day);
    case 'month':
      return new Decimal(p.month);
    case 'year':
      return new Decimal(extractYear(p.year));
    case 'quarter':
      return new Decimal(Math.floor((p.month - 1) / 3) + 1);
    case 'week':
      return new Decimal(isoYearAndWeek(days).week);
    case 'isoyear':
      return new Decimal(extractYear(isoYearAndWeek(days).isoYear));
    case 'dow':
      return new Decimal(dayOfWeek(days));
    case 'isodow':
      return new Decimal(dayOfWeek(days) || 7);
    case 'doy':
      return new Decimal(dayOfYear(days));
    case 'decade':
      return new Decimal(decade(p.year));
    case 'century':
      return new Decimal(century(p.year));
    case 'millennium':
      return new Decimal(millennium(p.year));
    default:
      return undefined;
  }
}

/** Fields of a time of day (microseconds since midnight). */
function timeField(unit: Unit, micros: bigint): Decimal | undefined {
  const secondMicros = micros % (60n * MICROS_PER_SECOND);
  switch (unit) {
    case 'microseconds':
      return new Decimal(secondMicros.toString());
    case 'milliseconds':
      return new Decimal(secondMicros.toString()).div(1000);
    case 'second':
      return new Decimal(secondMicros.toString()).div(MICROS_PER_SECOND_DEC);
    case 'minute':
      return new Decimal(((micros / MICROS_PER_MINUTE) % 60n).toString());
    case 'hour':
      return new Decimal((micros / MICROS_PER_HOUR).toString());
    default:
      return undefined;
  }
}

/** Units whose value for an infinite timestamp is ±infinity (the others are NULL). */
const MONOTONIC_UNITS = new Set<Unit>(['year', 'isoyear', 'decade', 'century', 'millennium', 'epoch', 'julian']);

function timestampExtractor(unit: Unit, type: SqlType): Extractor {
  const withZone = type.kind === 'timestamptz';
  if (!withZone && (unit === 'timezone' || unit === 'timezone_hour' || unit === 'timezone_minute')) throw unitNotSupported(unit, type);
  return (v) => {
    const t = v as bigint;
    if (isInfinite(t)) return MONOTONIC_UNITS.has(unit) ? new Decimal(t > 0n ? Infinity : -Infinity) : null;
    switch (unit) {
      case 'epoch':
        return new Decimal(t.toString()).div(MICROS_PER_SECOND_DEC);
      case 'julian':
        return numericDivide(new Decimal((t + 2440588n * MICROS_PER_DAY).toString()), new Decimal(MICROS_PER_DAY.toString()));
      case 'timezone':
      case 'timezone_hour':
      case 'timezone_minute':
        return new Decimal(0);
      default: {
        const days = floorDiv(t, MICROS_PER_DAY);
        const p = timestampToParts(t);
        return dateField(unit, p, Number(days)) ?? timeField(unit, t - days * MICROS_PER_DAY)!;
      }
    }
  };
}

function dateExtractor(unit: Unit, type: SqlType): Extractor {
  if (unit === 'epoch') {
    return (v) => (Number.isFinite(v) ? new Decimal(v as number).times(86400) : new Decimal(v as number));
  }
  if (unit === 'julian') return (v) => new Decimal((v as number) + 2440588);
  const probe = dateField(unit, timestampToParts(0n), 0);
  if (probe === undefined) throw unitNotSupported(unit, type);
  return (v) => {
    const d = v as number;
    if (!Number.isFinite(d)) return MONOTONIC_UNITS.has(unit) ? new Decimal(d) : null;
    return dateField(unit, timestampToParts(BigInt(d) * MICROS_PER_DAY), d)!;
  };
}

function timeExtractor(unit: Unit, type: SqlType): Extractor {
  if (unit === 'epoch') return (v) => new Decimal((v as bigint).toString()).div(MICROS_PER_SECOND_DEC);
  if (timeField(unit, 0n) === undefined) throw unitNotSupported(unit, type);
  return (v) => timeField(unit, v as bigint)!;
}

function intervalExtractor(unit: Unit, type: SqlType): Extractor {
  const trunc = (x: bigint, d: bigint) => x / d;
  return (v) => {
    const iv = v as Interval;
    const years = Math.trunc(iv.months / 12);
    switch (unit) {
      case 'microseconds':
        return new Decimal((iv.micros % (60n * MICROS_PER_SECOND)).toString());
      case 'milliseconds':
        return new Decimal((iv.micros % (60n * MICROS_PER_SECOND)).toString()).div(1000);
      case 'second':
        return new Decimal((iv.micros % (60n * MICROS_PER_SECOND)).toString()).div(MICROS_PER_SECOND_DEC);
      case 'minute':
        return new Decimal((trunc(iv.micros, MICROS_PER_MINUTE) % 60n).toString());
      case 'hour':
        return new Decimal(trunc(iv.micros, MICROS_PER_HOUR).toString());
      case 'day':
        return new Decimal(iv.days);
      case 'month':
        return new Decimal(iv.months % 12);
      case 'quarter':
        return new Decimal(Math.trunc((iv.months % 12) / 3) + 1);
      case 'year':
        return new Decimal(years);
      case 'decade':
        return new Decimal(Math.trunc(years / 10));
      case 'century':
        return new Decimal(Math.trunc(years / 100));
      case 'millennium':
        return new Decimal(Math.trunc(years / 1000));
      case 'epoch': {
        // 365.25-day years, 30-day months, as PostgreSQL's interval_part.
        const dayCount = new Decimal(years).times('365.25').plus((iv.months % 12) * 30).plus(iv.days);
        return dayCount.times(86400).plus(new Decimal(iv.micros.toString()).div(MICROS_PER_SECOND_DEC));
      }
      default:
        throw unitNotSupported(unit, type);
    }
  };
}

/** Fixed display scales of extract's fractional fields on time-of-day types (PostgreSQL 15 prints 9.000000 seconds). */
const FIELD_SCALES: Partial<Record<Unit, number>> = { second: 6, milliseconds: 3, epoch: 6 };

function withFieldScale(unit: Unit, extract: Extractor): Extractor {
  const scale = FIELD_SCALES[unit];
  if (scale === undefined) return extract;
  return (v) => {
    const r = extract(v);
    return r === null || !r.isFinite() ? r : withDisplayScale(r, scale);
  };
}

/** The timezone fields of extract: the session zone's offset east of UTC (seconds, or its hours / minutes part). */
function zoneField(unit: Unit, offsetSeconds: number): Decimal | undefined {
  switch (unit) {
    case 'timezone':
      return new Decimal(offsetSeconds);
    case 'timezone_hour':
      return new Decimal(Math.trunc(offsetSeconds / 3600));
    case 'timezone_minute':
      return new Decimal(Math.trunc(offsetSeconds / 60) % 60);
    default:
      return undefined;
  }
}

/**
 * A timestamptz field (not epoch) read in the session's time zone: the local
 * wall-clock time's field; the timezone fields are the zone's offset then.
 */
function inZone(unit: Unit, zone: string, extract: Extractor): Extractor {
  if (zone.toUpperCase() === 'UTC' || unit === 'epoch') return extract;
  if (zoneField(unit, 0) !== undefined) {
    return (v) => (isInfinite(v as bigint) ? null : zoneField(unit, zoneOffsetSeconds(zone, v as bigint))!);
  }
  return (v) => extract(isInfinite(v as bigint) ? v : utcToLocal(v as bigint, zone));
}

function extractorFor(type: SqlType, zone = 'UTC'): (unitText: string) => Extractor {
  return lastCompiled((unitText) => {
    const unit = parseUnit(unitText, type);
    switch (type.kind) {
      case 'date':
        return dateExtractor(unit, type);
      case 'time':
        return withFieldScale(unit, timeExtractor(unit, type));
      case 'interval':
        return withFieldScale(unit, intervalExtractor(unit, type));
      case 'timestamptz':
        return withFieldScale(unit, inZone(unit, zone, timestampExtractor(unit, type)));
      default:
        return withFieldScale(unit, timestampExtractor(unit, type));
    }
  });
}

for (const t of [TS, TSTZ, DATE, TIME, IV]) {
  for (const name of ['extract', 'date_part']) {
    const asFloat = name === 'date_part';
    define(name, {
      name: `${name}_${t.kind}`,
      params: [TEXT, t],
      returns: asFloat ? F8 : NUM,
      build: (_args, _returns, session) => {
        const get = extractorFor(t, session.timeZone);
        return asFloat
          ? (a) => {
              const r = get(a[0] as string)(a[1]!);
              return r === null ? null : r.toNumber();
            }
          : (a) => get(a[0] as string)(a[1]!);
      },
    });
  }
}

// ---- date_trunc ----

function truncParts(unit: Unit, p: TimestampParts, days: number): TimestampParts | undefined {
  const zeroTime = { hour: 0, minute: 0, second: 0, microsecond: 0 };
  switch (unit) {
    case 'microseconds':
      return p;
    case 'milliseconds':
      return { ...p, microsecond: p.microsecond - (p.microsecond % 1000) };
    case 'second':
      return { ...p, microsecond: 0 };
    case 'minute':
      return { ...p, second: 0, microsecond: 0 };
    case 'hour':
      return { ...p, minute: 0, second: 0, microsecond: 0 };
    case 'day':
      return { ...p, ...zeroTime };
    case 'week': {
      const monday = days - ((dayOfWeek(days) + 6) % 7);
      return { ...timestampToParts(BigInt(monday) * MICROS_PER_DAY) };
    }
    case 'month':
      return { ...p, day: 1, ...zeroTime };
    case 'quarter':
      return { ...p, month: Math.floor((p.month - 1) / 3) * 3 + 1, day: 1, ...zeroTime };
    case 'year':
      return { ...p, month: 1, day: 1, ...zeroTime };
    case 'decade':
      return { ...p, year: p.year > 0 ? Math.floor(p.year / 10) * 10 : -Math.floor((8 - (p.year - 1)) / 10) * 10, month: 1, day: 1, ...zeroTime };
    case 'century':
      return { ...p, year: p.year > 0 ? century(p.year) * 100 - 99 : century(p.year) * 100 + 1, month: 1, day: 1, ...zeroTime };
    case 'millennium':
      return { ...p, year: p.year > 0 ? millennium(p.year) * 1000 - 999 : millennium(p.year) * 1000 + 1, month: 1, day: 1, ...zeroTime };
    default:
      return undefined;
  }
}

function timestampTruncator(type: SqlType): (unitText: string) => (t: bigint) => bigint {
  return lastCompiled((unitText) => {
    const unit = parseUnit(unitText, type);
    if (truncParts(unit, timestampToParts(0n), 0) === undefined) throw unitNotRecognized(unitText, type);
    return (t) => {
      if (isInfinite(t)) return t;
      const days = Number(floorDiv(t, MICROS_PER_DAY));
      return timestampFromParts(truncParts(unit, timestampToParts(t), days)!);
    };
  });
}

for (const t of [TS, TSTZ]) {
  define('date_trunc', {
    name: `date_trunc_${t.kind}`,
    params: [TEXT, t],
    returns: t,
    build: (_args, _returns, session) => {
      const trunc = timestampTruncator(t);
      const zone = session.timeZone;
      if (t.kind === 'timestamp' || zone.toUpperCase() === 'UTC') return (a) => trunc(a[0] as string)(a[1] as bigint);
      // timestamptz truncates the wall-clock time in the session's time zone, as PostgreSQL does.
      return (a) => {
        const ts = a[1] as bigint;
        return isInfinite(ts) ? ts : localToUtc(trunc(a[0] as string)(utcToLocal(ts, zone)), zone);
      };
    },
  });
}
define('date_trunc', {
  name: 'date_trunc_timestamptz_zone',
  params: [TEXT, TSTZ, TEXT],
  returns: TSTZ,
  build: () => {
    const trunc = timestampTruncator(TSTZ);
    return (a) => {
      const t = a[1] as bigint;
      if (isInfinite(t)) return t;
      const zone = a[2] as string;
      return localToUtc(trunc(a[0] as string)(utcToLocal(t, zone)), zone);
    };
  },
});
define('date_trunc', {
  name: 'date_trunc_interval',
  params: [TEXT, IV],
  returns: IV,
  build: () => {
    const get = lastCompiled((unitText) => {
      const unit = parseUnit(unitText, IV);
      if (unit === 'week') {
        throw new SqlError(SqlState.featureNotSupported, `unit "${unitText}" not supported for type interval`, {
          detail: 'Months usually have fractional weeks.',
        });
      }
      return unit;
    });
    return (a) => truncInterval(get(a[0] as string), a[1] as Interval);
  },
});

function truncInterval(unit: Unit, iv: Interval): Interval {
  const keepMicros = (unitMicros: bigint) => (iv.micros / unitMicros) * unitMicros;
  const years = Math.trunc(iv.months / 12);
  switch (unit) {
    case 'microseconds':
      return iv;
    case 'milliseconds':
      return { ...iv, micros: keepMicros(1000n) };
    case 'second':
      return { ...iv, micros: keepMicros(MICROS_PER_SECOND) };
    case 'minute':
      return { ...iv, micros: keepMicros(MICROS_PER_MINUTE) };
    case 'hour':
      return { ...iv, micros: keepMicros(MICROS_PER_HOUR) };
    case 'day':
      return { ...iv, micros: 0n };
    case 'month':
      return { months: iv.months, days: 0, micros: 0n };
    case 'quarter':
      return { months: years * 12 + Math.trunc((iv.months % 12) / 3) * 3, days: 0, micros: 0n };
    case 'year':
      return { months: years * 12, days: 0, micros: 0n };
    case 'decade':
      return { months: Math.trunc(years / 10) * 120, days: 0, micros: 0n };
    case 'century':
      return { months: Math.trunc(years / 100) * 1200, days: 0, micros: 0n };
    case 'millennium':
      return { months: Math.trunc(years / 1000) * 12000, days: 0, micros: 0n };
    default:
      throw unitNotRecognized(unit, IV);
  }
}

// ---- age ----

/**
 * PostgreSQL's age(): field-wise difference with borrowing from the calendar.
 * With `zone` (timestamptz in a non-UTC session) the fields are the
 * wall-clock times' in that zone; the sign still follows the instants.
 */
export function age(a: bigint, b: bigint, zone?: string): Interval {
  if (isInfinite(a) || isInfinite(b)) throw new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
  const p1 = timestampToParts(zone === undefined ? a : utcToLocal(a, zone));
  const p2 = timestampToParts(zone === undefined ? b : utcToLocal(b, zone));
  const sign = a < b ? -1 : 1;
  let usec = sign * (p1.microsecond - p2.microsecond);
  let sec = sign * (p1.second - p2.second);
  let min = sign * (p1.minute - p2.minute);
  let hour = sign * (p1.hour - p2.hour);
  let day = sign * (p1.day - p2.day);
  let mon = sign * (p1.month - p2.month);
  let year = sign * (p1.year - p2.year);
  while (usec < 0) { usec += 1_000_000; sec--; }
  while (sec < 0) { sec += 60; min--; }
  while (min < 0) { min += 60; hour--; }
  while (hour < 0) { hour += 24; day--; }
  const borrowFrom = a < b ? p1 : p2;
  while (day < 0) { day += daysInMonth(borrowFrom.year, borrowFrom.month); mon--; }
  while (mon < 0) { mon += 12; year--; }
  const micros = BigInt(((hour * 60 + min) * 60 + sec) * 1_000_000 + usec);
  return { months: sign * (year * 12 + mon), days: sign * day, micros: BigInt(sign) * micros };
}

function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}
/** Wall-clock time now in `zone` (UTC when undefined). */
function localNow(zone: string | undefined): bigint {
  return zone === undefined ? nowMicros() : utcToLocal(nowMicros(), zone);
}
/** Midnight starting today's date in `zone`, as a local timestamp. */
function todayMidnight(zone: string | undefined): bigint {
  return floorDiv(localNow(zone), MICROS_PER_DAY) * MICROS_PER_DAY;
}

/** Registers a function of the session's TimeZone: `make` gets the zone, undefined in a UTC session. */
function defineZoned(key: string, name: string, params: SqlType[], returns: SqlType, make: (zone: string | undefined) => Evaluator, volatile = false): void {
  define(key, { name, params, returns, volatile, build: (_args, _returns, session: SessionContext) => make(nonUtcZone(session)) });
}

fn('age', 'age', [TS, TS], IV, (a) => age(a[0] as bigint, a[1] as bigint));
defineZoned('age', 'age_tz', [TSTZ, TSTZ], IV, (zone) => (a) => age(a[0] as bigint, a[1] as bigint, zone));
defineZoned('age', 'age_today', [TS], IV, (zone) => (a) => age(todayMidnight(zone), a[0] as bigint), true);
// age(timestamptz) is age(current_date::timestamptz, t): today's local midnight in the session's zone.
defineZoned('age', 'age_today_tz', [TSTZ], IV, (zone) => (a) => {
  const midnight = zone === undefined ? todayMidnight(undefined) : localToUtc(todayMidnight(zone), zone);
  return age(midnight, a[0] as bigint, zone);
}, true);

// ---- current time ----

for (const name of ['now', 'current_timestamp', 'transaction_timestamp', 'statement_timestamp', 'clock_timestamp']) {
  fn(name, name, [], TSTZ, () => nowMicros(), true);
}
// The session's wall clock and date.
defineZoned('localtimestamp', 'localtimestamp', [], TS, (zone) => () => localNow(zone), true);
defineZoned('current_date', 'current_date', [], DATE, (zone) => () => Number(floorDiv(localNow(zone), MICROS_PER_DAY)), true);

// ---- constructors ----

function fieldOverflow(what: 'date' | 'time', text: string): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, `${what} field value out of range: ${text}`);
}

/** make_date's year: negative years are BC (-1 is 1 BC), 0 does not exist. */
function makeDays(year: number, month: number, day: number): number {
  const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (year === 0 || month < 1 || month > 12) throw fieldOverflow('date', text);
  const astronomical = year < 0 ? year + 1 : year;
  if (day < 1 || day > daysInMonth(astronomical, month)) throw fieldOverflow('date', text);
  const days = ymdToDays(astronomical, month, day);
  if (!isValidDate(days)) throw dateOutOfRange();
  return days;
}
function timeMicros(hour: number, minute: number, seconds: number): bigint {
  const text = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:${seconds < 10 ? '0' : ''}${seconds}`;
  if (hour < 0 || hour > 24 || minute < 0 || minute > 59 || !(seconds >= 0) || seconds > 60) throw fieldOverflow('time', text);
  const micros = BigInt(hour * 3600 + minute * 60) * MICROS_PER_SECOND + BigInt(Math.round(seconds * 1e6));
  if (micros > MICROS_PER_DAY) throw fieldOverflow('time', text);
  return micros;
}

fn('make_date', 'make_date', [I4, I4, I4], DATE, (a) => makeDays(a[0] as number, a[1] as number, a[2] as number));
fn('make_time', 'make_time', [I4, I4, F8], TIME, (a) => timeMicros(a[0] as number, a[1] as number, a[2] as number));
const makeTimestamp: Evaluator = (a) => {
  const t = BigInt(makeDays(a[0] as number, a[1] as number, a[2] as number)) * MICROS_PER_DAY + timeMicros(a[3] as number, a[4] as number, a[5] as number);
  if (!isValidTimestamp(t)) throw timestampOutOfRange();
  return t;
};
fn('make_timestamp', 'make_timestamp', [I4, I4, I4, I4, I4, F8], TS, makeTimestamp);
// Without a zone argument the fields are wall-clock time in the session's zone.
defineZoned('make_timestamptz', 'make_timestamptz', [I4, I4, I4, I4, I4, F8], TSTZ, (zone) =>
  zone === undefined ? makeTimestamp : (a) => localToUtc(makeTimestamp(a) as bigint, zone),
);
fn('make_timestamptz', 'make_timestamptz_zone', [I4, I4, I4, I4, I4, F8, TEXT], TSTZ, (a) =>
  localToUtc(makeTimestamp(a) as bigint, a[6] as string),
);

/** make_interval(years, months, weeks, days, hours, mins, secs), every argument optional from the right. */
const MAKE_INTERVAL_PARAMS: SqlType[] = [I4, I4, I4, I4, I4, I4, F8];
for (let n = 0; n <= MAKE_INTERVAL_PARAMS.length; n++) {
  fn('make_interval', 'make_interval', MAKE_INTERVAL_PARAMS.slice(0, n), IV, (a) => {
    const [years = 0, months = 0, weeks = 0, days = 0, hours = 0, mins = 0, secs = 0] = a as number[];
    if (!Number.isFinite(secs)) throw new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
    const micros = BigInt(hours) * MICROS_PER_HOUR + BigInt(mins) * MICROS_PER_MINUTE + BigInt(Math.round(secs * 1e6));
    return { months: years * 12 + months, days: weeks * 7 + days, micros };
  });
}

fn('to_timestamp', 'to_timestamp', [F8], TSTZ, (a) => {
  const s = a[0] as number;
  if (Number.isNaN(s)) throw new SqlError(SqlState.datetimeFieldOverflow, 'timestamp cannot be NaN');
  if (s === Infinity) return TIMESTAMP_INFINITY;
  if (s === -Infinity) return TIMESTAMP_NEG_INFINITY;
  const micros = Math.round(s * 1e6);
  const t = Number.isFinite(micros) ? BigInt(micros) : TIMESTAMP_INFINITY;
  if (!isValidTimestamp(t)) throw new SqlError(SqlState.datetimeFieldOverflow, `timestamp out of range: "${s}"`);
  return t;
});

// The parsed fields are wall-clock time in the session's zone.
defineZoned('to_timestamp', 'to_timestamp_format', [TEXT, TEXT], TSTZ, (zone) =>
  zone === undefined ? (a) => toTimestamp(a[0] as string, a[1] as string) : (a) => localToUtc(toTimestamp(a[0] as string, a[1] as string), zone),
);
fn('to_date', 'to_date', [TEXT, TEXT], DATE, (a) => Number(floorDiv(toTimestamp(a[0] as string, a[1] as string), MICROS_PER_DAY)));

// ---- to_char ----

for (const t of [TS, TSTZ]) {
  define('to_char', {
    name: `to_char_${t.kind}`,
    params: [t, TEXT],
    returns: TEXT,
    build: (_args, _returns, session) => {
      const compile = lastCompiled(compileToChar);
      const zone = t.kind === 'timestamptz' ? nonUtcZone(session) : undefined;
      if (zone === undefined) {
        const abbreviation = t.kind === 'timestamptz' ? 'UTC' : '';
        return (a) => {
          const ts = a[0] as bigint;
          if (isInfinite(ts)) return null;
          return compile(a[1] as string)({ ...timestampToParts(ts), zone: abbreviation, offsetSeconds: 0 });
        };
      }
      // timestamptz is formatted as wall-clock time in the session's zone, TZ/OF its abbreviation/offset there.
      // The abbreviation changes only with the offset (EST/EDT): the last one is kept.
      let lastOffset = Number.NaN;
      let abbreviation = '';
      return (a) => {
        const ts = a[0] as bigint;
        if (isInfinite(ts)) return null;
        const offsetSeconds = zoneOffsetSeconds(zone, ts);
        if (offsetSeconds !== lastOffset) {
          abbreviation = zoneAbbreviation(zone, ts, offsetSeconds);
          lastOffset = offsetSeconds;
        }
        const local = ts + BigInt(offsetSeconds) * MICROS_PER_SECOND;
        return compile(a[1] as string)({ ...timestampToParts(local), zone: abbreviation, offsetSeconds });
      };
    },
  });
}

// to_char(interval): the fields as interval_to_char splits them (hours are not wrapped at 24).
define('to_char', {
  name: 'to_char_interval',
  params: [IV, TEXT],
  returns: TEXT,
  build: () => {
    const compile = lastCompiled(compileToChar);
    return (a) => {
      const iv = a[0] as Interval;
      const sign = iv.micros < 0n ? -1 : 1;
      const micros = iv.micros < 0n ? -iv.micros : iv.micros;
      const parts = {
        year: Math.trunc(iv.months / 12),
        month: iv.months % 12,
        day: iv.days,
        hour: sign * Number(micros / MICROS_PER_HOUR),
        minute: sign * Number((micros / MICROS_PER_MINUTE) % 60n),
        second: sign * Number((micros / MICROS_PER_SECOND) % 60n),
        microsecond: sign * Number(micros % MICROS_PER_SECOND),
      };
      return compile(a[1] as string)({ ...parts, zone: '', offsetSeconds: 0 });
    };
  },
});

define('to_char', {
  name: 'to_char_numeric',
  params: [NUM, TEXT],
  returns: TEXT,
  build: () => {
    const compile = lastCompiled(compileNumberFormat);
    return (a) => compile(a[1] as string)(a[0] as Decimal);
  },
});
define('to_char', {
  name: 'to_char_float8',
  params: [F8, TEXT],
  returns: TEXT,
  build: () => {
    const compile = lastCompiled(compileNumberFormat);
    return (a) => {
      const v = a[0] as number;
      return compile(a[1] as string)(Number.isFinite(v) ? new Decimal(v.toPrecision(15)) : new Decimal(v));
    };
  },
});

// ---- date_bin ----

function dateBin(stride: Interval, source: bigint, origin: bigint): bigint {
  if (stride.months !== 0) {
    throw new SqlError(SqlState.featureNotSupported, 'timestamps cannot be binned into intervals containing months or years');
  }
  const strideMicros = BigInt(stride.days) * MICROS_PER_DAY + stride.micros;
  if (strideMicros <= 0n) throw new SqlError(SqlState.datetimeFieldOverflow, 'stride must be greater than zero');
  if (isInfinite(source)) return source;
  const diff = source - origin;
  return origin + diff - floorMod(diff, strideMicros);
}
for (const t of [TS, TSTZ]) {
  fn('date_bin', `date_bin_${t.kind}`, [IV, t, t], t, (a) => dateBin(a[0] as Interval, a[1] as bigint, a[2] as bigint));
  fn('date_bin', `date_bin_${t.kind}`, [IV, t], t, (a) => dateBin(a[0] as Interval, a[1] as bigint, 0n));
}

// ---- AT TIME ZONE ----

function intervalZoneOffset(iv: Interval): bigint {
  if (iv.months !== 0 || iv.days !== 0) {
    throw new SqlError(SqlState.invalidParameterValue, 'interval time zone must not include months or days');
  }
  return iv.micros;
}
fn('timezone', 'timezone_timestamp', [TEXT, TS], TSTZ, (a) => {
  const t = a[1] as bigint;
  return isInfinite(t) ? t : localToUtc(t, a[0] as string);
});
fn('timezone', 'timezone_timestamptz', [TEXT, TSTZ], TS, (a) => {
  const t = a[1] as bigint;
  return isInfinite(t) ? t : utcToLocal(t, a[0] as string);
});
fn('timezone', 'timezone_interval_timestamp', [IV, TS], TSTZ, (a) => {
  const t = a[1] as bigint;
  return isInfinite(t) ? t : t - intervalZoneOffset(a[0] as Interval);
});
fn('timezone', 'timezone_interval_timestamptz', [IV, TSTZ], TS, (a) => {
  const t = a[1] as bigint;
  return isInfinite(t) ? t : t + intervalZoneOffset(a[0] as Interval);
});

// ---- interval normalization and finiteness ----

fn('justify_days', 'justify_days', [IV], IV, (a) => justifyDays(a[0] as Interval));
fn('justify_hours', 'justify_hours', [IV], IV, (a) => justifyHours(a[0] as Interval));
fn('justify_interval', 'justify_interval', [IV], IV, (a) => justifyInterval(a[0] as Interval));
fn('isfinite', 'isfinite_date', [DATE], T.bool, (a) => Number.isFinite(a[0] as number));
fn('isfinite', 'isfinite_timestamp', [TS], T.bool, (a) => !isInfinite(a[0] as bigint));
fn('isfinite', 'isfinite_timestamptz', [TSTZ], T.bool, (a) => !isInfinite(a[0] as bigint));
fn('isfinite', 'isfinite_interval', [IV], T.bool, () => true);
