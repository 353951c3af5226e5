// Calendar, clock and time-zone arithmetic shared by text I/O, casts and
// date/time functions. Follows PostgreSQL's semantics:
// - proleptic Gregorian calendar, astronomical year numbering internally
//   (year 0 = 1 BC, year -1 = 2 BC; text I/O converts to "BC");
// - timestamps are bigint microseconds since 1970-01-01 00:00:00 (UTC for
//   timestamptz, wall clock for timestamp); dates are days since 1970-01-01;
// - intervals keep months, days and microseconds apart, and compare by
//   flattening with 30-day months and 24-hour days.
import { SqlError, SqlState } from './errors.js';
import type { Interval } from './types.js';

export const MICROS_PER_MILLI = 1_000n;
export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_MINUTE = 60_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;
export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_HOUR = 3_600;
/** PostgreSQL's interval arithmetic treats a month as 30 days. */
export const DAYS_PER_MONTH = 30;
export const MONTHS_PER_YEAR = 12;

/** Days from 1970-01-01 back to PostgreSQL's first valid date, 4714-11-24 BC (Julian day 0). */
export const MIN_DATE_DAYS = -2_440_588;
/** 5874897-12-31, PostgreSQL's last valid date. */
export const MAX_DATE_DAYS = 2_145_042_905;
/** 4714-11-24 00:00:00 BC, PostgreSQL's first valid timestamp. */
export const MIN_TIMESTAMP_MICROS = -210_866_803_200_000_000n;
/** 294277-01-01 00:00:00 (exclusive), PostgreSQL's end of timestamps. */
export const END_TIMESTAMP_MICROS = 9_224_318_016_000_000_000n;

export interface DateParts {
  /** Astronomical year: 0 is 1 BC. */
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
}

export interface TimestampParts extends DateParts {
  hour: number;
  minute: number;
  second: number;
  /** 0..999999 */
  microsecond: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (astronomical year). */
export function ymdToDays(year: number, month: number, day: number): number {
  // Shift the year to start in March so the leap day is the year's last day.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Inverse of ymdToDays. */
export function daysToYmd(days: number): DateParts {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Day of week, 0 = Sunday .. 6 = Saturday (PostgreSQL's `dow`). */
export function dayOfWeek(days: number): number {
  // 1970-01-01 was a Thursday.
  return (((days + 4) % 7) + 7) % 7;
}

/** Day of year, 1..366 (PostgreSQL's `doy`). */
export function dayOfYear(days: number): number {
  const { year } = daysToYmd(days);
  return days - ymdToDays(year, 1, 1) + 1;
}

/** ISO 8601 week-numbering year and week (PostgreSQL's `isoyear` and `week`). */
export function isoYearAndWeek(days: number): { isoYear: number; week: number } {
  const isoDow = dayOfWeek(days) || 7; // Monday 1 .. Sunday 7
  const thursday = days - isoDow + 4; // the Thursday of this ISO week decides its year
  const isoYear = daysToYmd(thursday).year;
  const week = Math.floor((thursday - ymdToDays(isoYear, 1, 1)) / 7) + 1;
  return { isoYear, week };
}

/** C's rint(): round half to even, as PostgreSQL rounds fractional seconds and months. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Floor division for bigints (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Floor modulo for bigints: result has the sign of the divisor. */
export function floorMod(a: bigint, b: bigint): bigint {
  const r = a % b;
  return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
}

export function timestampFromParts(p: TimestampParts): bigint {
  const days = ymdToDays(p.year, p.month, p.day);
  const secondsOfDay = p.hour * 3600 + p.minute * 60 + p.second;
  return BigInt(days) * MICROS_PER_DAY + BigInt(secondsOfDay) * MICROS_PER_SECOND + BigInt(p.microsecond);
}

/** Splits microseconds since the epoch into calendar fields (not for infinities). */
export function timestampToParts(micros: bigint): TimestampParts {
  const days = floorDiv(micros, MICROS_PER_DAY);
  const { year, month, day } = daysToYmd(Number(days));
  const t = timeToParts(micros - days * MICROS_PER_DAY);
  return { year, month, day, hour: t.hour, minute: t.minute, second: t.second, microsecond: t.microsecond };
}

/** Splits a time of day (microseconds since midnight, 0..86400000000) into fields. */
export function timeToParts(micros: bigint): { hour: number; minute: number; second: number; microsecond: number } {
  const totalSeconds = Number(micros / MICROS_PER_SECOND);
  return {
    hour: Math.floor(totalSeconds / 3600),
    minute: Math.floor(totalSeconds / 60) % 60,
    second: totalSeconds % 60,
    microsecond: Number(micros % MICROS_PER_SECOND),
  };
}

/** Days since the epoch of a timestamp (floor). */
export function timestampToDays(micros: bigint): number {
  return Number(floorDiv(micros, MICROS_PER_DAY));
}

export function daysToTimestamp(days: number): bigint {
  return BigInt(days) * MICROS_PER_DAY;
}

export function isValidDate(days: number): boolean {
  return days >= MIN_DATE_DAYS && days <= MAX_DATE_DAYS;
}

/** Whether a finite timestamp is inside PostgreSQL's range. */
export function isValidTimestamp(micros: bigint): boolean {
  return micros >= MIN_TIMESTAMP_MICROS && micros < END_TIMESTAMP_MICROS;
}

export function timestampOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
}

// ---------------------------------------------------------------------------
// Time zones

/**
 * A resolved time zone: either a fixed offset (seconds east of UTC) or an
 * IANA zone evaluated through Intl.
 */
type ResolvedZone = { fixed: number } | { iana: Intl.DateTimeFormat; offsets: Map<number, number> };

const zoneCache = new Map<string, ResolvedZone>();

/**
 * Common fixed-offset abbreviations from PostgreSQL's default set (seconds
 * east of UTC). CET, EET and WET are left to the IANA zones of those names
 * (with daylight saving), which is what a session TimeZone of 'CET' means.
 */
const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0, UT: 0, GMT: 0, Z: 0, ZULU: 0,
  PST: -8 * 3600, PDT: -7 * 3600, MST: -7 * 3600, MDT: -6 * 3600,
  CST: -6 * 3600, CDT: -5 * 3600, EST: -5 * 3600, EDT: -4 * 3600,
  AKST: -9 * 3600, AKDT: -8 * 3600, HST: -10 * 3600,
  BST: 3600, CEST: 2 * 3600, EEST: 3 * 3600, WEST: 3600,
  MSK: 3 * 3600, IST: 2 * 3600, JST: 9 * 3600, KST: 9 * 3600,
  AEST: 10 * 3600, AEDT: 11 * 3600, ACST: 9.5 * 3600, AWST: 8 * 3600, NZST: 12 * 3600, NZDT: 13 * 3600,
};

const OFFSET_PATTERN = /^([+-])?(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/;
/** A POSIX zone spec: STD name (letters, or <quoted> as '<+05>-05') and offset west of Greenwich. */
const POSIX_PATTERN = /^([A-Za-z]{3,}|<[A-Za-z0-9:+-]+>)([+-])?(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?$/;

function offsetFromParts(sign: string | undefined, h: string, m: string | undefined, s: string | undefined): number | undefined {
  const hours = Number(h);
  const minutes = m === undefined ? 0 : Number(m);
  const seconds = s === undefined ? 0 : Number(s);
  if (hours > 15 || minutes > 59 || seconds > 59) return undefined;
  const total = hours * 3600 + minutes * 60 + seconds;
  return sign === '-' ? -total : total;
}

/**
 * How a bare numeric zone such as '+05:30' is read. PostgreSQL reads zone
 * settings (SET TIME ZONE, AT TIME ZONE, timezone()) as POSIX specs, where a
 * positive offset is WEST of Greenwich ('+05:30' is UTC-05:30); inside a
 * timestamptz literal ('2020-01-01 00:00+05:30') offsets are ISO 8601, east.
 */
export type ZoneSpec = 'posix' | 'iso';

function resolveZone(zone: string, spec: ZoneSpec): ResolvedZone {
  const cacheKey = spec === 'posix' ? zone : `iso:${zone}`;
  const cached = zoneCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const resolved = resolveZoneUncached(zone, spec);
  if (zoneCache.size > 1000) zoneCache.clear();
  zoneCache.set(cacheKey, resolved);
  return resolved;
}

function resolveZoneUncached(zone: string, spec: ZoneSpec): ResolvedZone {
  const upper = zone.toUpperCase();
  const numeric = OFFSET_PATTERN.exec(zone);
  if (numeric !== null) {
    const offset = offsetFromParts(numeric[1], numeric[2]!, numeric[3], numeric[4]);
    if (offset !== undefined) return { fixed: spec === 'posix' ? -offset : offset };
  }
  const abbreviation = ZONE_ABBREVIATIONS[upper];
  if (abbreviation !== undefined) return { fixed: abbreviation };
  if (zone.length > 0 && !zone.startsWith('+') && !zone.startsWith('-')) {
    try {
      const iana = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      return { iana, offsets: new Map() };
    } catch {
      // not an IANA name; try a POSIX spec below
    }
  }
  const posix = POSIX_PATTERN.exec(zone);
  if (posix !== null) {
    const offset = offsetFromParts(posix[2], posix[3]!, posix[4], posix[5]);
    if (offset !== undefined) return { fixed: -offset };
  }
  throw new SqlError(SqlState.invalidParameterValue, `time zone "${zone}" not recognized`);
}

/** Throws SqlError 22023 unless `zone` names a time zone. */
export function validateTimeZone(zone: string, spec: ZoneSpec = 'posix'): void {
  resolveZone(zone, spec);
}

const MAX_INTL_MS = 8.64e15;
/** Offsets are cached per 15-minute bucket of UTC time; transitions inside a bucket bypass the cache. */
const OFFSET_BUCKET_SECONDS = 900;

function intlOffsetSeconds(format: Intl.DateTimeFormat, utcSeconds: number): number {
  const ms = Math.max(-MAX_INTL_MS, Math.min(MAX_INTL_MS, utcSeconds * 1000));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of format.formatToParts(ms)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value); break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
      case 'era': bc = part.value.startsWith('B'); break;
      default: break;
    }
  }
  if (bc) year = 1 - year;
  const localSeconds = ymdToDays(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return localSeconds - Math.floor(ms / 1000);
}

function offsetAt(zone: ResolvedZone, utcSeconds: number): number {
  if ('fixed' in zone) return zone.fixed;
  const bucket = Math.floor(utcSeconds / OFFSET_BUCKET_SECONDS);
  const cached = zone.offsets.get(bucket);
  if (cached !== undefined) return cached;
  const start = bucket * OFFSET_BUCKET_SECONDS;
  const atStart = intlOffsetSeconds(zone.iana, start);
  const atEnd = intlOffsetSeconds(zone.iana, start + OFFSET_BUCKET_SECONDS - 1);
  if (atStart !== atEnd) return intlOffsetSeconds(zone.iana, utcSeconds);
  if (zone.offsets.size > 10_000) zone.offsets.clear();
  zone.offsets.set(bucket, atStart);
  return atStart;
}

/**
 * Offset of `zone` from UTC in seconds east (local = UTC + offset) at the
 * instant `utcMicros`. Throws SqlError 22023 for an unknown zone.
 */
export function zoneOffsetSeconds(zone: string, utcMicros: bigint, spec: ZoneSpec = 'posix'): number {
  return offsetAt(resolveZone(zone, spec), Number(floorDiv(utcMicros, MICROS_PER_SECOND)));
}

/**
 * UTC instant of a wall-clock time in `zone`. Like PostgreSQL, a time in a
 * spring-forward gap is read with the offset before the transition and an
 * ambiguous fall-back time as the later instant (both: the larger UTC value).
 */
export function localToUtc(localMicros: bigint, zone: string, spec: ZoneSpec = 'posix'): bigint {
  const resolved = resolveZone(zone, spec);
  if ('fixed' in resolved) return localMicros - BigInt(resolved.fixed) * MICROS_PER_SECOND;
  const localSeconds = Number(floorDiv(localMicros, MICROS_PER_SECOND));
  const offsetBefore = offsetAt(resolved, localSeconds - SECONDS_PER_DAY);
  const offsetAfter = offsetAt(resolved, localSeconds + SECONDS_PER_DAY);
  let chosen: number;
  if (offsetBefore === offsetAfter) {
    chosen = offsetBefore;
  } else {
    const beforeValid = offsetAt(resolved, localSeconds - offsetBefore) === offsetBefore;
    const afterValid = offsetAt(resolved, localSeconds - offsetAfter) === offsetAfter;
    if (beforeValid !== afterValid) chosen = beforeValid ? offsetBefore : offsetAfter;
    else chosen = Math.min(offsetBefore, offsetAfter); // gap or overlap: the later UTC instant
  }
  return localMicros - BigInt(chosen) * MICROS_PER_SECOND;
}

/** Wall-clock time in `zone` of a UTC instant. */
export function utcToLocal(utcMicros: bigint, zone: string, spec: ZoneSpec = 'posix'): bigint {
  return utcMicros + BigInt(zoneOffsetSeconds(zone, utcMicros, spec)) * MICROS_PER_SECOND;
}

// ---------------------------------------------------------------------------
// Interval arithmetic

export function makeInterval(months: number, days: number, micros: bigint): Interval {
  return { months, days, micros };
}

export const ZERO_INTERVAL: Interval = Object.freeze({ months: 0, days: 0, micros: 0n });

function intervalOutOfRange(): SqlError {
  return new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
}

function checkInt32(n: number): number {
  if (n > 2147483647 || n < -2147483648) throw intervalOutOfRange();
  return n;
}

/** Adds months to a (local) timestamp, clamping the day to the month's end as PostgreSQL does. */
function addMonthsLocal(micros: bigint, months: number): bigint {
  if (months === 0) return micros;
  const days = floorDiv(micros, MICROS_PER_DAY);
  const timeOfDay = micros - days * MICROS_PER_DAY;
  const { year, month, day } = daysToYmd(Number(days));
  const monthIndex = year * 12 + (month - 1) + months;
  const newYear = Math.floor(monthIndex / 12);
  const newMonth = monthIndex - newYear * 12 + 1;
  const newDay = Math.min(day, daysInMonth(newYear, newMonth));
  return BigInt(ymdToDays(newYear, newMonth, newDay)) * MICROS_PER_DAY + timeOfDay;
}

/**
 * timestamp + interval (PostgreSQL's timestamp_pl_interval): months first
 * (clamping the day of month), then days, then microseconds. With `zone`
 * (timestamptz), months and days are added to the wall-clock time in that
 * zone, so '1 day' across a DST change keeps the local time of day.
 * Infinite timestamps are returned unchanged.
 */
export function addIntervalToTimestamp(micros: bigint, iv: Interval, zone?: string): bigint {
  if (micros === 9223372036854775807n || micros === -9223372036854775808n) return micros;
  let result = micros;
  if (iv.months !== 0 || iv.days !== 0) {
    let local = zone === undefined ? result : utcToLocal(result, zone);
    local = addMonthsLocal(local, iv.months);
    local += BigInt(iv.days) * MICROS_PER_DAY;
    result = zone === undefined ? local : localToUtc(local, zone);
  }
  result += iv.micros;
  if (!isValidTimestamp(result)) throw timestampOutOfRange();
  return result;
}

export function negateInterval(iv: Interval): Interval {
  return { months: checkInt32(-iv.months), days: checkInt32(-iv.days), micros: -iv.micros };
}

export function addIntervals(a: Interval, b: Interval): Interval {
  return { months: checkInt32(a.months + b.months), days: checkInt32(a.days + b.days), micros: a.micros + b.micros };
}

export function subtractIntervals(a: Interval, b: Interval): Interval {
  return { months: checkInt32(a.months - b.months), days: checkInt32(a.days - b.days), micros: a.micros - b.micros };
}

/** timestamp - interval. */
export function subtractIntervalFromTimestamp(micros: bigint, iv: Interval, zone?: string): bigint {
  return addIntervalToTimestamp(micros, negateInterval(iv), zone);
}

/** timestamp - timestamp: microseconds difference, justified into days and time (never months). */
export function subtractTimestamps(a: bigint, b: bigint): Interval {
  return justifyHours({ months: 0, days: 0, micros: a - b });
}

/** justify_hours: moves whole 24-hour periods from time into days. */
export function justifyHours(iv: Interval): Interval {
  let days = iv.days + Number(iv.micros / MICROS_PER_DAY);
  let micros = iv.micros % MICROS_PER_DAY;
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY;
    days -= 1;
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY;
    days += 1;
  }
  return { months: iv.months, days: checkInt32(days), micros };
}

/** justify_days: moves whole 30-day periods from days into months. */
export function justifyDays(iv: Interval): Interval {
  let months = iv.months + Math.trunc(iv.days / DAYS_PER_MONTH);
  let days = iv.days % DAYS_PER_MONTH;
  if (months > 0 && days < 0) {
    days += DAYS_PER_MONTH;
    months -= 1;
  } else if (months < 0 && days > 0) {
    days -= DAYS_PER_MONTH;
    months += 1;
  }
  return { months: checkInt32(months), days, micros: iv.micros };
}

/** justify_interval: justify_hours then justify_days, with signs made consistent (PostgreSQL 15). */
export function justifyInterval(iv: Interval): Interval {
  let months = iv.months;
  let days = iv.days;
  let micros = iv.micros;
  if ((days > 0 && micros > 0n) || (days < 0 && micros < 0n)) {
    const wholeMonths = Math.trunc(days / DAYS_PER_MONTH);
    days -= wholeMonths * DAYS_PER_MONTH;
    months += wholeMonths;
  }
  const wholeDays = micros / MICROS_PER_DAY;
  micros -= wholeDays * MICROS_PER_DAY;
  days += Number(wholeDays);
  const wholeMonths = Math.trunc(days / DAYS_PER_MONTH);
  days -= wholeMonths * DAYS_PER_MONTH;
  months += wholeMonths;
  if (months > 0 && (days < 0 || (days === 0 && micros < 0n))) {
    days += DAYS_PER_MONTH;
    months -= 1;
  } else if (months < 0 && (days > 0 || (days === 0 && micros > 0n))) {
    days -= DAYS_PER_MONTH;
    months += 1;
  }
  if (days > 0 && micros < 0n) {
    micros += MICROS_PER_DAY;
    days -= 1;
  } else if (days < 0 && micros > 0n) {
    micros -= MICROS_PER_DAY;
    days += 1;
  }
  return { months: checkInt32(months), days: checkInt32(days), micros };
}

/**
 * The value PostgreSQL orders and compares intervals by: microseconds with
 * months as 30 days and days as 24 hours ('1 mon' = '30 days' = '720 hours').
 */
export function intervalCompareKey(iv: Interval): bigint {
  return iv.micros + BigInt(iv.days + iv.months * DAYS_PER_MONTH) * MICROS_PER_DAY;
}

export function compareIntervals(a: Interval, b: Interval): number {
  const ka = intervalCompareKey(a);
  const kb = intervalCompareKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Multiplies an interval by a float as PostgreSQL's interval_mul does (fractions spill down). */
export function multiplyInterval(iv: Interval, factor: number): Interval {
  if (!Number.isFinite(factor)) throw intervalOutOfRange();
  const monthsExact = iv.months * factor;
  const months = Math.trunc(monthsExact);
  const daysExact = iv.days * factor + (monthsExact - months) * DAYS_PER_MONTH;
  const days = Math.trunc(daysExact);
  const microsExact = Number(iv.micros) * factor + (daysExact - days) * Number(MICROS_PER_DAY);
  if (!Number.isFinite(microsExact) || Math.abs(microsExact) > 9.2e18) throw intervalOutOfRange();
  return { months: checkInt32(months), days: checkInt32(days), micros: BigInt(Math.round(microsExact)) };
}

/** Whole-interval length in seconds as a float (EXTRACT(EPOCH FROM interval)): 365.25-day years, 30-day months. */
export function intervalEpochSeconds(iv: Interval): number {
  const years = Math.trunc(iv.months / 12);
  const months = iv.months % 12;
  return (
    years * 365.25 * SECONDS_PER_DAY +
    months * DAYS_PER_MONTH * SECONDS_PER_DAY +
    iv.days * SECONDS_PER_DAY +
    Number(iv.micros) / 1e6
  );
}
