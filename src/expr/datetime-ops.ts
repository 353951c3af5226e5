// Date/time arithmetic operators (PostgreSQL's date_pli, timestamp_pl_interval,
// timestamp_mi, interval_mul, ...). timestamptz ± interval adds days and
// months in the session's TimeZone (the zone is fixed when the call is planned).
import type { Interval } from '../repr/types.js';
import { TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import {
  addIntervals,
  addIntervalToTimestamp,
  isValidDate,
  MICROS_PER_DAY,
  multiplyInterval,
  negateInterval,
  subtractIntervalFromTimestamp,
  subtractIntervals,
  subtractTimestamps,
} from '../repr/datetime.js';
import { define, nonUtcZone, type SessionContext } from './registry.js';
import { defineBinaryOperator as op2, DATE, TIME, TS, TSTZ, IV, I4, F8 } from './signatures.js';
import { divisionByZero } from './errors.js';

export function dateOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, 'date out of range');
}

function checkedDate(days: number): number {
  if (!Number.isFinite(days)) return days;
  if (!isValidDate(days)) throw dateOutOfRange();
  return days;
}

/** date -> timestamp (midnight), keeping infinities. */
export function dateToMicros(days: number): bigint {
  if (days === Infinity) return TIMESTAMP_INFINITY;
  if (days === -Infinity) return TIMESTAMP_NEG_INFINITY;
  return BigInt(days) * MICROS_PER_DAY;
}

function wrapTime(t: bigint): bigint {
  const r = t % MICROS_PER_DAY;
  return r < 0n ? r + MICROS_PER_DAY : r;
}

function isInfinite(t: bigint): boolean {
  return t === TIMESTAMP_INFINITY || t === TIMESTAMP_NEG_INFINITY;
}

// date +/- integer days, date - date
op2('+', 'date_add_days', DATE, I4, DATE, (a) => checkedDate((a[0] as number) + (a[1] as number)));
op2('+', 'days_add_date', I4, DATE, DATE, (a) => checkedDate((a[0] as number) + (a[1] as number)));
op2('-', 'date_sub_days', DATE, I4, DATE, (a) => checkedDate((a[0] as number) - (a[1] as number)));
op2('-', 'date_sub_date', DATE, DATE, I4, (a) => {
  const d = (a[0] as number) - (a[1] as number);
  if (!Number.isFinite(d)) throw new SqlError(SqlState.datetimeFieldOverflow, 'cannot subtract infinite dates');
  return d;
});

// date/time combinations
op2('+', 'date_add_time', DATE, TIME, TS, (a) => dateToMicros(a[0] as number) + (a[1] as bigint));
op2('+', 'time_add_date', TIME, DATE, TS, (a) => dateToMicros(a[1] as number) + (a[0] as bigint));
op2('+', 'date_add_interval', DATE, IV, TS, (a) => addIntervalToTimestamp(dateToMicros(a[0] as number), a[1] as Interval));
op2('+', 'interval_add_date', IV, DATE, TS, (a) => addIntervalToTimestamp(dateToMicros(a[1] as number), a[0] as Interval));
op2('-', 'date_sub_interval', DATE, IV, TS, (a) => subtractIntervalFromTimestamp(dateToMicros(a[0] as number), a[1] as Interval));

// timestamp(tz) +/- interval, timestamp - timestamp
for (const [t, name] of [
  [TS, 'timestamp'],
  [TSTZ, 'timestamptz'],
] as const) {
  // timestamptz adds days and months in the session's time zone (across a DST change '1 day' is not 24 hours).
  const zoneOf = (session: SessionContext): string | undefined => (t.kind === 'timestamptz' ? nonUtcZone(session) : undefined);
  define('op +', {
    name: `${name}_add_interval`,
    params: [t, IV],
    returns: t,
    build: (_a, _r, session) => {
      const zone = zoneOf(session);
      return (a) => addIntervalToTimestamp(a[0] as bigint, a[1] as Interval, zone);
    },
  });
  define('op +', {
    name: `interval_add_${name}`,
    params: [IV, t],
    returns: t,
    build: (_a, _r, session) => {
      const zone = zoneOf(session);
      return (a) => addIntervalToTimestamp(a[1] as bigint, a[0] as Interval, zone);
    },
  });
  define('op -', {
    name: `${name}_sub_interval`,
    params: [t, IV],
    returns: t,
    build: (_a, _r, session) => {
      const zone = zoneOf(session);
      return (a) => subtractIntervalFromTimestamp(a[0] as bigint, a[1] as Interval, zone);
    },
  });
  op2('-', `${name}_sub_${name}`, t, t, IV, (a) => {
    const l = a[0] as bigint;
    const r = a[1] as bigint;
    if (isInfinite(l) || isInfinite(r)) throw new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
    return subtractTimestamps(l, r);
  });
}

// time +/- interval wraps around midnight; time - time is an interval
op2('+', 'time_add_interval', TIME, IV, TIME, (a) => wrapTime((a[0] as bigint) + (a[1] as Interval).micros));
op2('+', 'interval_add_time', IV, TIME, TIME, (a) => wrapTime((a[1] as bigint) + (a[0] as Interval).micros));
op2('-', 'time_sub_interval', TIME, IV, TIME, (a) => wrapTime((a[0] as bigint) - (a[1] as Interval).micros));
op2('-', 'time_sub_time', TIME, TIME, IV, (a) => ({ months: 0, days: 0, micros: (a[0] as bigint) - (a[1] as bigint) }));

// interval arithmetic
op2('+', 'interval_add', IV, IV, IV, (a) => addIntervals(a[0] as Interval, a[1] as Interval));
op2('-', 'interval_sub', IV, IV, IV, (a) => subtractIntervals(a[0] as Interval, a[1] as Interval));
op2('*', 'interval_mul', IV, F8, IV, (a) => multiplyInterval(a[0] as Interval, a[1] as number));
op2('*', 'mul_interval', F8, IV, IV, (a) => multiplyInterval(a[1] as Interval, a[0] as number));
op2('/', 'interval_div', IV, F8, IV, (a) => {
  const d = a[1] as number;
  if (d === 0) throw divisionByZero();
  return multiplyInterval(a[0] as Interval, 1 / d);
});
define('prefix -', { name: 'interval_neg', params: [IV], returns: IV, eval: (a) => negateInterval(a[0] as Interval) });
define('prefix +', { name: 'interval_pos', params: [IV], returns: IV, eval: (a) => a[0]! });
