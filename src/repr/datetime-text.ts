// Text I/O of date, time, timestamp and timestamptz as PostgreSQL 15 does it
// with DateStyle 'ISO, MDY'.
import { SqlError, SqlState } from './errors.js';
import {
  MAX_DATE_DAYS,
  MICROS_PER_DAY,
  MICROS_PER_SECOND,
  MIN_DATE_DAYS,
  daysInMonth,
  daysToYmd,
  floorDiv,
  isValidTimestamp,
  localToUtc,
  rint,
  timeToParts,
  utcToLocal,
  validateTimeZone,
  ymdToDays,
  zoneOffsetSeconds,
} from './datetime.js';
import { TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY } from './types.js';

// ---------------------------------------------------------------------------
// Output

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "YYYY-MM-DD" with at least four year digits and " BC" for years before 1 AD. */
function formatYmd(year: number, month: number, day: number): { text: string; bc: boolean } {
  const bc = year <= 0;
  const y = bc ? 1 - year : year;
  return { text: `${String(y).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`, bc };
}

/** HH:MM:SS[.ffffff] with trailing fractional zeros removed (PostgreSQL's AppendSeconds). */
export function formatClock(hour: number, minute: number, second: number, microsecond: number): string {
  let s = `${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
  if (microsecond !== 0) {
    let frac = String(microsecond).padStart(6, '0');
    let end = frac.length;
    while (frac.charCodeAt(end - 1) === 48) end--;
    frac = frac.slice(0, end);
    s += `.${frac}`;
  }
  return s;
}

export function formatDate(days: number): string {
  if (days === Infinity) return 'infinity';
  if (days === -Infinity) return '-infinity';
  const { year, month, day } = daysToYmd(days);
  const { text, bc } = formatYmd(year, month, day);
  return bc ? `${text} BC` : text;
}

export function formatTime(micros: bigint): string {
  const t = timeToParts(micros);
  return formatClock(t.hour, t.minute, t.second, t.microsecond);
}

function formatLocalTimestamp(micros: bigint, zoneSuffix: string): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  const { year, month, day } = daysToYmd(Number(days));
  const t = timeToParts(micros - days * MICROS_PER_DAY);
  const { text, bc } = formatYmd(year, month, day);
  const s = `${text} ${formatClock(t.hour, t.minute, t.second, t.microsecond)}${zoneSuffix}`;
  return bc ? `${s} BC` : s;
}

export function formatTimestamp(micros: bigint): string {
  if (micros === TIMESTAMP_INFINITY) return 'infinity';
  if (micros === TIMESTAMP_NEG_INFINITY) return '-infinity';
  return formatLocalTimestamp(micros, '');
}

/** "+HH", "+HH:MM" or "+HH:MM:SS" for an offset in seconds east of UTC. */
export function formatUtcOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor(abs / 60) % 60;
  const s = abs % 60;
  let out = `${sign}${pad2(h)}`;
  if (m !== 0 || s !== 0) out += `:${pad2(m)}`;
  if (s !== 0) out += `:${pad2(s)}`;
  return out;
}

/** timestamptz output in the session time zone: "2020-01-01 05:30:00+05:30". */
export function formatTimestamptz(micros: bigint, zone = 'UTC'): string {
  if (micros === TIMESTAMP_INFINITY) return 'infinity';
  if (micros === TIMESTAMP_NEG_INFINITY) return '-infinity';
  const offset = zoneOffsetSeconds(zone, micros);
  return formatLocalTimestamp(micros + BigInt(offset) * MICROS_PER_SECOND, formatUtcOffset(offset));
}

// ---------------------------------------------------------------------------
// Input

type DateTimeType = 'date' | 'time' | 'timestamp' | 'timestamp with time zone';

type Special = 'infinity' | '-infinity' | 'epoch' | 'now' | 'today' | 'tomorrow' | 'yesterday' | 'allballs';

interface Fields {
  year?: number;
  /** Whether the year was written with at most two digits (then 70..99 -> 19xx, else 20xx). */
  shortYear: boolean;
  month?: number;
  day?: number;
  hour?: number;
  minute: number;
  second: number;
  microsecond: number;
  bc: boolean;
  pm?: boolean;
  zone?: { offset: number } | { name: string };
  special?: Special;
  julian?: number;
}

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10,
  nov: 11, november: 11, dec: 12, december: 12,
};

const WEEKDAYS = new Set([
  'sun', 'sunday', 'mon', 'monday', 'tue', 'tues', 'tuesday', 'wed', 'wednesday', 'thu', 'thur', 'thurs', 'thursday',
  'fri', 'friday', 'sat', 'saturday',
]);

/**
 * Zone abbreviations that, inside a date/time literal, PostgreSQL reads as
 * fixed offsets although IANA zones of the same name observe daylight saving.
 */
const LITERAL_ABBREVIATIONS: Record<string, number> = { cet: 3600, met: 3600, eet: 7200, wet: 0 };

const SPECIALS = new Set<string>(['infinity', '-infinity', '+infinity', 'epoch', 'now', 'today', 'tomorrow', 'yesterday', 'allballs']);

class BadFormat extends Error {}
class FieldOverflow extends Error {}
class DisplacementOverflow extends Error {}

function bad(): never {
  throw new BadFormat();
}

/**
 * Fractional-second digits to microseconds as PostgreSQL computes them,
 * rint(strtod(".digits") * 1e6) in doubles; may return 1000000.
 */
function fractionToMicros(digits: string): number {
  return digits === '' ? 0 : rint(Number(`0.${digits}`) * 1e6);
}

const TIME_PATTERN = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d*))?)?(.*)$/;
const OFFSET_PATTERN = /^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/;
const DATE_PATTERN = /^([a-z0-9]+)([-/.])([a-z0-9]+)\2([a-z0-9]+)$/;

function parseOffset(token: string): number | undefined {
  const m = OFFSET_PATTERN.exec(token);
  if (m === null) return undefined;
  const h = Number(m[2]);
  const mi = m[3] === undefined ? 0 : Number(m[3]);
  const s = m[4] === undefined ? 0 : Number(m[4]);
  if (h > 15 || mi > 59 || s > 59) throw new DisplacementOverflow();
  const total = h * 3600 + mi * 60 + s;
  return m[1] === '-' ? -total : total;
}

function setZone(f: Fields, zone: Fields['zone']): void {
  if (f.zone !== undefined) bad();
  f.zone = zone;
}

function parseTimeToken(f: Fields, token: string): void {
  const m = TIME_PATTERN.exec(token);
  if (m === null || f.hour !== undefined) bad();
  f.hour = Number(m[1]);
  f.minute = Number(m[2]);
  f.second = m[3] === undefined ? 0 : Number(m[3]);
  f.microsecond = m[4] === undefined ? 0 : fractionToMicros(m[4]);
  const rest = m[5]!;
  if (rest === '') return;
  if (rest === 'z') setZone(f, { offset: 0 });
  else {
    const offset = parseOffset(rest);
    if (offset === undefined) bad();
    setZone(f, { offset });
  }
}

function setDate(f: Fields, year: string, month: number, day: string): void {
  if (f.year !== undefined || f.month !== undefined || f.day !== undefined) bad();
  if (!/^\d+$/.test(year) || !/^\d+$/.test(day)) bad();
  f.year = Number(year);
  f.shortYear = year.length <= 2;
  f.month = month;
  f.day = Number(day);
}

function monthOf(token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  return MONTHS[token];
}

function parseDateToken(f: Fields, m: RegExpExecArray): void {
  const [, a, , b, c] = m as unknown as [string, string, string, string, string];
  const aAlpha = MONTHS[a] !== undefined;
  const bAlpha = MONTHS[b] !== undefined;
  if (aAlpha) setDate(f, c, MONTHS[a]!, b); // Jan-05-2020
  else if (bAlpha) {
    if (a.length >= 3) setDate(f, a, MONTHS[b]!, c); // 2020-Jan-05
    else setDate(f, c, MONTHS[b]!, a); // 05-Jan-2020
  } else if (a.length >= 3) {
    const month = monthOf(b);
    if (month === undefined) bad();
    setDate(f, a, month, c); // 2020-01-05
  } else {
    const month = monthOf(a);
    if (month === undefined) bad();
    setDate(f, c, month, b); // 01/05/2020 (MDY)
  }
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const raw of text.toLowerCase().replace(/,/g, ' ').split(/\s+/)) {
    if (raw === '') continue;
    // ISO 8601 "T" between date and time.
    const iso = /^(\d{4,}-\d{1,2}-\d{1,2}|\d{8})t(\d.*)$/.exec(raw);
    if (iso !== null) tokens.push(iso[1]!, iso[2]!);
    else tokens.push(raw);
  }
  return tokens;
}

function parseFields(text: string): Fields {
  const f: Fields = { shortYear: false, minute: 0, second: 0, microsecond: 0, bc: false };
  const tokens = tokenize(text);
  if (tokens.length === 0) bad();
  const numbers: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (SPECIALS.has(token)) {
      if (tokens.length !== 1) bad();
      f.special = (token === '+infinity' ? 'infinity' : token) as Special;
      return f;
    }
    const dm = DATE_PATTERN.exec(token);
    if (dm !== null) {
      parseDateToken(f, dm);
      continue;
    }
    if (/^\d/.test(token)) {
      if (token.includes(':')) {
        parseTimeToken(f, token);
        continue;
      }
      const digits = /^(\d+)(?:\.(\d*))?$/.exec(token);
      if (digits === null) bad();
      const whole = digits[1]!;
      if (digits[2] === undefined && whole.length === 8 && f.year === undefined && f.month === undefined) {
        setDate(f, whole.slice(0, 4), Number(whole.slice(4, 6)), whole.slice(6));
      } else if (whole.length === 14 && f.year === undefined) {
        setDate(f, whole.slice(0, 4), Number(whole.slice(4, 6)), whole.slice(6, 8));
        parseTimeToken(f, `${whole.slice(8, 10)}:${whole.slice(10, 12)}:${whole.slice(12)}${digits[2] === undefined ? '' : `.${digits[2]}`}`);
      } else if ((whole.length === 6 || whole.length === 4) && f.year !== undefined && f.month !== undefined && f.hour === undefined) {
        parseTimeToken(f, `${whole.slice(0, 2)}:${whole.slice(2, 4)}:${whole.slice(4) || '0'}${digits[2] === undefined ? '' : `.${digits[2]}`}`);
      } else if (digits[2] === undefined) numbers.push(whole);
      else bad();
      continue;
    }
    if (token === 'z' || token === 'zulu') {
      setZone(f, { offset: 0 });
      continue;
    }
    if (token[0] === '+' || token[0] === '-') {
      const offset = parseOffset(token);
      if (offset === undefined) bad();
      setZone(f, { offset });
      continue;
    }
    if (/^j\d+$/.test(token)) {
      f.julian = Number(token.slice(1));
      continue;
    }
    const month = MONTHS[token];
    if (month !== undefined) {
      if (f.month !== undefined) bad();
      f.month = month;
      continue;
    }
    if (WEEKDAYS.has(token)) continue;
    if (token === 'ad') continue;
    if (token === 'bc') {
      f.bc = true;
      continue;
    }
    if (token === 'am' || token === 'a.m.' || token === 'pm' || token === 'p.m.') {
      if (f.pm !== undefined) bad();
      f.pm = token[0] === 'p';
      continue;
    }
    if (token === 'at' || token === 'on') continue;
    // A time zone: an abbreviation PostgreSQL reads as a fixed offset here, or a zone name.
    const fixed = LITERAL_ABBREVIATIONS[token];
    if (fixed !== undefined) {
      setZone(f, { offset: fixed });
      continue;
    }
    const name = token;
    if (name.includes('/')) validateTimeZone(name);
    else {
      try {
        validateTimeZone(name);
      } catch {
        bad();
      }
    }
    setZone(f, { name });
  }
  assignBareNumbers(f, numbers);
  return f;
}

/** Places numbers written without separators ('Jan 5 2020', '5 Jan 2020', '2020 Jan 5'). */
function assignBareNumbers(f: Fields, numbers: string[]): void {
  if (numbers.length === 0) return;
  if (f.month === undefined || numbers.length > 2) bad();
  for (const n of numbers) {
    if (n.length >= 3 && f.year === undefined) {
      f.year = Number(n);
      f.shortYear = false;
    } else if (f.day === undefined) f.day = Number(n);
    else if (f.year === undefined) {
      f.year = Number(n);
      f.shortYear = n.length <= 2;
    } else bad();
  }
}

function adjustedYear(f: Fields): number {
  let year = f.year!;
  if (f.shortYear && !f.bc) year += year < 70 ? 2000 : 1900;
  if (year === 0 && !f.shortYear) throw new FieldOverflow();
  return f.bc ? 1 - year : year;
}

function timeOfDayMicros(f: Fields): bigint {
  let hour = f.hour ?? 0;
  if (f.pm !== undefined) {
    if (f.hour === undefined || hour > 12) throw new FieldOverflow();
    if (f.pm && hour < 12) hour += 12;
    else if (!f.pm && hour === 12) hour = 0;
  }
  if (hour > 24 || f.minute > 59 || f.second > 60) throw new FieldOverflow();
  if (hour === 24 && (f.minute !== 0 || f.second !== 0 || f.microsecond !== 0)) throw new FieldOverflow();
  return BigInt(hour * 3600 + f.minute * 60 + f.second) * MICROS_PER_SECOND + BigInt(f.microsecond);
}

function dateDays(f: Fields): number {
  if (f.julian !== undefined) {
    if (f.year !== undefined || f.month !== undefined) bad();
    return f.julian - 2_440_588;
  }
  if (f.year === undefined || f.month === undefined || f.day === undefined) bad();
  const year = adjustedYear(f);
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysInMonth(year, f.month)) throw new FieldOverflow();
  return ymdToDays(year, f.month, f.day);
}

function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

function startOfLocalDay(zone: string, offsetDays: number): bigint {
  const local = utcToLocal(nowMicros(), zone);
  return (floorDiv(local, MICROS_PER_DAY) + BigInt(offsetDays)) * MICROS_PER_DAY;
}

const SPECIAL_DAY_OFFSET: Partial<Record<Special, number>> = { today: 0, tomorrow: 1, yesterday: -1 };

function withErrors<T>(text: string, typeName: DateTimeType, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof BadFormat) {
      throw new SqlError(SqlState.invalidDatetimeFormat, `invalid input syntax for type ${typeName}: "${text}"`);
    }
    if (e instanceof FieldOverflow) {
      throw new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${text}"`);
    }
    if (e instanceof DisplacementOverflow) {
      throw new SqlError(SqlState.invalidTimeZoneDisplacementValue, `time zone displacement out of range: "${text}"`);
    }
    throw e;
  }
}

/** date_in: ISO, MDY, month names, YYYYMMDD, Julian, BC, infinity/epoch/today. Days since 1970-01-01. */
export function parseDate(text: string, timeZone = 'UTC'): number {
  return withErrors(text, 'date', () => {
    const f = parseFields(text);
    if (f.special !== undefined) {
      switch (f.special) {
        case 'infinity': return Infinity;
        case '-infinity': return -Infinity;
        case 'epoch': return 0;
        case 'now': return Number(floorDiv(startOfLocalDay(timeZone, 0), MICROS_PER_DAY));
        case 'allballs': bad();
        // falls through (bad() never returns)
        default: return Number(floorDiv(startOfLocalDay(timeZone, SPECIAL_DAY_OFFSET[f.special]!), MICROS_PER_DAY));
      }
    }
    if (f.hour !== undefined || f.pm !== undefined) timeOfDayMicros(f); // still validated
    const days = dateDays(f);
    if (days < MIN_DATE_DAYS || days > MAX_DATE_DAYS) {
      throw new SqlError(SqlState.datetimeFieldOverflow, `date out of range: "${text}"`);
    }
    return days;
  });
}

/** Rounds microseconds to `precision` fractional digits (0..6), half away from zero, as time(p) does. */
export function roundToPrecision(micros: bigint, precision: number | undefined): bigint {
  if (precision === undefined || precision >= 6) return micros;
  const scale = 10n ** BigInt(6 - Math.max(0, precision));
  const half = scale / 2n;
  return micros >= 0n ? ((micros + half) / scale) * scale : -(((-micros + half) / scale) * scale);
}

/** 2000-01-01 00:00:00, PostgreSQL's internal timestamp epoch. */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;

/**
 * timestamp(p) rounding. PostgreSQL rounds half away from its own epoch
 * (2000-01-01), so ties before 2000 round down; shifting keeps that.
 */
export function roundTimestampToPrecision(micros: bigint, precision: number | undefined): bigint {
  if (precision === undefined || precision >= 6) return micros;
  if (micros === TIMESTAMP_INFINITY || micros === TIMESTAMP_NEG_INFINITY) return micros;
  return roundToPrecision(micros - POSTGRES_EPOCH_MICROS, precision) + POSTGRES_EPOCH_MICROS;
}

/** time_in: microseconds since midnight (24:00:00 allowed); a date or zone in the text is ignored. */
export function parseTime(text: string, precision?: number, timeZone = 'UTC'): bigint {
  return withErrors(text, 'time', () => {
    const trimmed = text.trim();
    // Bare digits: HHMM or HHMMSS.
    const compact = /^(\d{2})(\d{2})(\d{2})?(?:\.(\d+))?$/.exec(trimmed);
    const f = compact !== null
      ? parseFields(`${compact[1]}:${compact[2]}:${compact[3] ?? '00'}${compact[4] === undefined ? '' : `.${compact[4]}`}`)
      : parseFields(text);
    if (f.special !== undefined) {
      if (f.special === 'allballs') return 0n;
      if (f.special === 'now') {
        const local = utcToLocal(nowMicros(), timeZone);
        return roundToPrecision(local - floorDiv(local, MICROS_PER_DAY) * MICROS_PER_DAY, precision);
      }
      bad();
    }
    if (f.hour === undefined) bad();
    // Without a date, a zone with rules (a full name) cannot be resolved; PostgreSQL rejects it.
    if (f.zone !== undefined && 'name' in f.zone && f.zone.name.includes('/')) bad();
    const micros = roundToPrecision(timeOfDayMicros(f), precision);
    return micros > MICROS_PER_DAY ? MICROS_PER_DAY : micros;
  });
}

function parseTimestampCommon(text: string, withZone: boolean, precision: number | undefined, timeZone: string): bigint {
  const typeName: DateTimeType = withZone ? 'timestamp with time zone' : 'timestamp';
  return withErrors(text, typeName, () => {
    const f = parseFields(text);
    if (f.special !== undefined) {
      switch (f.special) {
        case 'infinity': return TIMESTAMP_INFINITY;
        case '-infinity': return TIMESTAMP_NEG_INFINITY;
        case 'epoch': return 0n;
        case 'now': return withZone ? nowMicros() : utcToLocal(nowMicros(), timeZone);
        case 'allballs': bad();
        // falls through (bad() never returns)
        default: {
          const local = startOfLocalDay(timeZone, SPECIAL_DAY_OFFSET[f.special]!);
          return withZone ? localToUtc(local, timeZone) : local;
        }
      }
    }
    const days = dateDays(f);
    const local = BigInt(days) * MICROS_PER_DAY + timeOfDayMicros(f);
    let micros = local;
    if (withZone) {
      const zone = f.zone;
      if (zone === undefined) micros = localToUtc(local, timeZone);
      else if ('offset' in zone) micros = local - BigInt(zone.offset) * MICROS_PER_SECOND;
      else micros = localToUtc(local, zone.name);
    }
    micros = roundTimestampToPrecision(micros, precision);
    if (!isValidTimestamp(micros)) {
      throw new SqlError(SqlState.datetimeFieldOverflow, `timestamp out of range: "${text}"`);
    }
    return micros;
  });
}

/** timestamp_in: wall-clock microseconds since 1970-01-01; any zone in the text is ignored. */
export function parseTimestamp(text: string, precision?: number, timeZone = 'UTC'): bigint {
  return parseTimestampCommon(text, false, precision, timeZone);
}

/** timestamptz_in: UTC microseconds; text without a zone is read in `timeZone` (the session's). */
export function parseTimestamptz(text: string, timeZone = 'UTC', precision?: number): bigint {
  return parseTimestampCommon(text, true, precision, timeZone);
}
