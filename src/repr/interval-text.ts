// interval text I/O: PostgreSQL's "postgres" IntervalStyle output and its
// input syntaxes (units, 'ago', '@', hh:mm:ss, year-month, ISO 8601).
import { SqlError, SqlState } from './errors.js';
import { formatClock } from './datetime-text.js';
import { MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, rint } from './datetime.js';
import type { Interval } from './types.js';

// ---------------------------------------------------------------------------
// Output

/** interval_out with IntervalStyle 'postgres': "1 year 2 mons 3 days 04:05:06.5", "-1 days +02:00:00". */
export function formatInterval(iv: Interval): string {
  const years = Math.trunc(iv.months / 12);
  const months = iv.months - years * 12;
  let out = '';
  let isZero = true;
  let isBefore = false;
  const addPart = (value: number, unit: string): void => {
    if (value === 0) return;
    out += `${isZero ? '' : ' '}${isBefore && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`;
    isBefore = value < 0;
    isZero = false;
  };
  addPart(years, 'year');
  addPart(months, 'mon');
  addPart(iv.days, 'day');
  if (isZero || iv.micros !== 0n) {
    const minus = iv.micros < 0n;
    const abs = minus ? -iv.micros : iv.micros;
    const hours = Number(abs / MICROS_PER_HOUR);
    const minutes = Number((abs / MICROS_PER_MINUTE) % 60n);
    const seconds = Number((abs / MICROS_PER_SECOND) % 60n);
    const micros = Number(abs % MICROS_PER_SECOND);
    out += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${formatClock(hours, minutes, seconds, micros)}`;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Input

class BadInterval extends Error {}

function bad(): never {
  throw new BadInterval();
}

const enum Field {
  Year = 1,
  Month = 2,
  Day = 4,
  Hour = 8,
  Minute = 16,
  Second = 32,
  Millisecond = 64,
  Microsecond = 128,
  Week = 256,
  Decade = 512,
  Century = 1024,
  Millennium = 2048,
}

const UNITS: Record<string, Field> = {};
function units(field: Field, names: string[]): void {
  for (const n of names) UNITS[n] = field;
}
units(Field.Microsecond, ['microsecond', 'microseconds', 'microsecon', 'us', 'usec', 'usecs', 'useconds']);
units(Field.Millisecond, ['millisecond', 'milliseconds', 'millisecon', 'ms', 'msec', 'msecs', 'mseconds']);
units(Field.Second, ['s', 'sec', 'secs', 'second', 'seconds']);
units(Field.Minute, ['m', 'min', 'mins', 'minute', 'minutes']);
units(Field.Hour, ['h', 'hr', 'hrs', 'hour', 'hours']);
units(Field.Day, ['d', 'day', 'days']);
units(Field.Week, ['w', 'week', 'weeks']);
units(Field.Month, ['mon', 'mons', 'month', 'months']);
units(Field.Year, ['y', 'yr', 'yrs', 'year', 'years']);
units(Field.Decade, ['dec', 'decs', 'decade', 'decades']);
units(Field.Century, ['c', 'cent', 'century', 'centuries']);
units(Field.Millennium, ['mil', 'mils', 'millennium', 'millennia', 'millenniums']);


const INT32_MAX = 2147483647;
const INT64_MAX = 9223372036854775807n;

/** A field's value left the range PostgreSQL's interval fields hold (22015). */
class IntervalOverflow extends Error {}

function int32(n: number): number {
  if (n > INT32_MAX || n < -INT32_MAX - 1) throw new IntervalOverflow();
  return n;
}

function int64(n: bigint): bigint {
  if (n > INT64_MAX || n < -INT64_MAX - 1n) throw new IntervalOverflow();
  return n;
}

/**
 * Accumulates fields as PostgreSQL's pg_itm_in does (years, months, days,
 * microseconds), with fractions spilling into the next smaller unit.
 */
class Accumulator {
  years = 0;
  months = 0;
  days = 0;
  micros = 0n;
  private seen = 0;

  mark(mask: number): void {
    if ((this.seen & mask) !== 0) bad();
    this.seen |= mask;
  }

  private addMicros(whole: bigint, frac: number, scale: number): void {
    this.micros = int64(this.micros + whole * BigInt(scale) + BigInt(rint(frac * scale)));
  }

  /** AdjustFractDays: whole days of frac * scale, the rest as microseconds. */
  private addFractionalDays(frac: number, scale: number): void {
    const days = frac * scale;
    const whole = Math.trunc(days);
    this.days = int32(this.days + whole);
    this.addMicros(0n, days - whole, 86_400_000_000);
  }

  private addYears(whole: bigint, frac: number, scale: number): void {
    this.years = int32(this.years + Number(whole) * scale);
    this.months = int32(this.months + rint(frac * scale * 12));
  }

  add(field: Field, whole: bigint, frac: number): void {
    switch (field) {
      case Field.Microsecond: this.addMicros(whole, frac, 1); break;
      case Field.Millisecond: this.addMicros(whole, frac, 1000); break;
      case Field.Second: this.addMicros(whole, frac, 1_000_000); break;
      case Field.Minute: this.addMicros(whole, frac, 60_000_000); break;
      case Field.Hour: this.addMicros(whole, frac, 3_600_000_000); break;
      case Field.Day:
        this.days = int32(this.days + Number(whole));
        this.addMicros(0n, frac, 86_400_000_000);
        break;
      case Field.Week:
        this.days = int32(this.days + Number(whole) * 7);
        this.addFractionalDays(frac, 7);
        break;
      case Field.Month:
        this.months = int32(this.months + Number(whole));
        this.addFractionalDays(frac, 30);
        break;
      case Field.Year: this.addYears(whole, frac, 1); break;
      case Field.Decade: this.addYears(whole, frac, 10); break;
      case Field.Century: this.addYears(whole, frac, 100); break;
      case Field.Millennium: this.addYears(whole, frac, 1000); break;
    }
  }
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** Splits a signed decimal into an int64 whole part and a fraction, both carrying the sign. */
function splitNumber(text: string): { whole: bigint; frac: number } {
  const m = NUMBER.exec(text);
  if (m === null || (m[2] === '' && (m[3] === undefined || m[3] === ''))) bad();
  const negative = m[1] === '-';
  const whole = int64(m[2] === '' ? 0n : BigInt(m[2]!));
  const frac = m[3] === undefined || m[3] === '' ? 0 : Number(`0.${m[3]}`);
  return { whole: negative ? -whole : whole, frac: negative ? -frac : frac };
}

const TIME_TOKEN = /^([+-]?)(\d+):(\d+)(?::(\d+))?(?:\.(\d*))?$/;
const YEAR_MONTH_TOKEN = /^([+-]?)(\d+)-(\d+)$/;
const NUMBER_WITH_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+))([a-z]+)$/;

function addTimeToken(acc: Accumulator, m: RegExpExecArray): void {
  acc.mark(Field.Hour | Field.Minute | Field.Second);
  const sign = m[1] === '-' ? -1n : 1n;
  const a = BigInt(m[2]!);
  const b = BigInt(m[3]!);
  const fracDigits = m[5] ?? '';
  const frac = fracDigits === '' ? 0n : BigInt(rint(Number(`0.${fracDigits}`) * 1e6));
  let micros: bigint;
  if (m[4] === undefined && m[5] !== undefined) {
    // mm:ss.fff
    if (b > 59n) throw new IntervalOverflow();
    micros = a * MICROS_PER_MINUTE + b * MICROS_PER_SECOND + frac;
  } else {
    const c = m[4] === undefined ? 0n : BigInt(m[4]);
    if (b > 59n || c > 59n) throw new IntervalOverflow();
    micros = a * MICROS_PER_HOUR + b * MICROS_PER_MINUTE + c * MICROS_PER_SECOND + frac;
  }
  acc.micros = int64(acc.micros + sign * micros);
}

/** The months total (years * 12 + months) does not fit: PostgreSQL's "interval out of range" (22008). */
class IntervalOutOfRange extends Error {}

function parsePostgresInterval(s: string): Accumulator {
  const acc = new Accumulator();
  // '@' is noise and 'ago' negates, wherever they stand; a lone sign binds to the next token.
  const tokens: string[] = [];
  let ago = false;
  for (const raw of s.replace(/@/g, ' ').split(/\s+/)) {
    if (raw === '') continue;
    if (raw === 'ago') ago = true;
    else if (tokens.length > 0 && (tokens[tokens.length - 1] === '-' || tokens[tokens.length - 1] === '+')) {
      tokens[tokens.length - 1] += raw;
    } else tokens.push(raw);
  }
  if (tokens.length === 0) bad();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const time = TIME_TOKEN.exec(token);
    if (time !== null) {
      addTimeToken(acc, time);
      continue;
    }
    const ym = YEAR_MONTH_TOKEN.exec(token);
    if (ym !== null) {
      acc.mark(Field.Year | Field.Month);
      const negative = ym[1] === '-';
      const months = Number(ym[3]);
      if (months > 11) throw new IntervalOverflow();
      acc.add(Field.Year, BigInt(negative ? `-${ym[2]}` : ym[2]!), 0);
      acc.add(Field.Month, BigInt(negative ? -months : months), 0);
      continue;
    }
    let numberText: string;
    let unit: string | undefined;
    const attached = NUMBER_WITH_UNIT.exec(token);
    if (attached !== null) {
      numberText = attached[1]!;
      unit = attached[2]!;
    } else {
      numberText = token;
      const next = tokens[i + 1];
      if (next !== undefined && UNITS[next] !== undefined) {
        unit = next;
        i++;
      }
    }
    const { whole, frac } = splitNumber(numberText);
    let field: Field;
    if (unit === undefined) {
      // A bare number before a time is days ('1 12:00:00'); otherwise seconds.
      const next = tokens[i + 1];
      field = next !== undefined && TIME_TOKEN.test(next) ? Field.Day : Field.Second;
    } else {
      const f = UNITS[unit];
      if (f === undefined) bad();
      field = f;
    }
    acc.mark(field);
    acc.add(field, whole, frac);
  }
  if (ago) {
    acc.years = -acc.years;
    acc.months = -acc.months;
    acc.days = -acc.days;
    acc.micros = int64(-acc.micros);
  }
  return acc;
}

const ISO_DATE_UNITS: Record<string, Field> = { y: Field.Year, m: Field.Month, w: Field.Week, d: Field.Day };
const ISO_TIME_UNITS: Record<string, Field> = { h: Field.Hour, m: Field.Minute, s: Field.Second };

/** ISO 8601 durations: P1Y2M3DT4H5M6S (fractions allowed) or the alternative P0001-02-03T04:05:06. */
function parseIsoInterval(s: string): Accumulator {
  const acc = new Accumulator();
  const alternative = /^p(\d+)-(\d+)-(\d+)(?:t(\d+):(\d+):(\d+(?:\.\d*)?))?$/.exec(s);
  if (alternative !== null) {
    acc.add(Field.Year, BigInt(alternative[1]!), 0);
    acc.add(Field.Month, BigInt(alternative[2]!), 0);
    acc.add(Field.Day, BigInt(alternative[3]!), 0);
    if (alternative[4] !== undefined) {
      acc.add(Field.Hour, BigInt(alternative[4]), 0);
      acc.add(Field.Minute, BigInt(alternative[5]!), 0);
      const sec = splitNumber(alternative[6]!);
      acc.add(Field.Second, sec.whole, sec.frac);
    }
    return acc;
  }
  const [datePart, timePart, extra] = s.slice(1).split('t');
  if (extra !== undefined || (datePart === '' && timePart === undefined)) bad();
  const part = /([+-]?(?:\d+\.?\d*|\.\d+))([a-z])/y;
  const scan = (text: string, table: Record<string, Field>): void => {
    part.lastIndex = 0;
    while (part.lastIndex < text.length) {
      const m = part.exec(text);
      if (m === null) bad();
      const field = table[m[2]!];
      if (field === undefined) bad();
      acc.mark(field);
      const { whole, frac } = splitNumber(m[1]!);
      acc.add(field, whole, frac);
    }
  };
  scan(datePart!, ISO_DATE_UNITS);
  if (timePart !== undefined) scan(timePart, ISO_TIME_UNITS);
  return acc;
}

/** interval_in. Throws 22007 on bad syntax, 22015 when a field overflows, 22008 when the months total does. */
export function parseInterval(text: string): Interval {
  const s = text.trim().toLowerCase();
  try {
    if (s === '') bad();
    const acc = s.startsWith('p') ? parseIsoInterval(s) : parsePostgresInterval(s);
    const months = acc.years * 12 + acc.months;
    if (months > INT32_MAX || months < -INT32_MAX - 1) throw new IntervalOutOfRange();
    return { months: months + 0, days: acc.days + 0, micros: acc.micros };
  } catch (e) {
    if (e instanceof BadInterval) {
      throw new SqlError(SqlState.invalidDatetimeFormat, `invalid input syntax for type interval: "${text}"`);
    }
    if (e instanceof IntervalOverflow) {
      throw new SqlError(SqlState.intervalFieldOverflow, `interval field value out of range: "${text}"`);
    }
    if (e instanceof IntervalOutOfRange) throw new SqlError(SqlState.datetimeFieldOverflow, 'interval out of range');
    throw e;
  }
}
