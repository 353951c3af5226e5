// to_timestamp(text, format) and to_date(text, format): the inverse of
// to_char for the common date/time template patterns. Separators in the
// input are matched loosely, as PostgreSQL does outside FX mode.
import { SqlError, SqlState } from '../repr/errors.js';
import { daysInMonth, isValidTimestamp, timestampFromParts, type TimestampParts } from '../repr/datetime.js';
import { MONTHS } from './to-char.js';

interface Field {
  pattern: string;
  /** Maximum digits read (0: a name is read instead). */
  digits: number;
  /** `digits` is how many were read: MS and US are fractions ('12.3' with SS.MS is 300 ms). */
  apply: (p: Parsed, value: number, digits: number) => void;
}

interface Parsed extends TimestampParts {
  pm?: boolean;
  hour12: boolean;
  /** DDD gave the day of the year (month stays 1, day counts from January 1st). */
  dayOfYear?: boolean;
}

const FIELDS: Field[] = [
  { pattern: 'YYYY', digits: 6, apply: (p, v) => (p.year = v) },
  { pattern: 'HH24', digits: 2, apply: (p, v) => (p.hour = v) },
  { pattern: 'HH12', digits: 2, apply: (p, v) => ((p.hour = v), (p.hour12 = true)) },
  { pattern: 'MONTH', digits: 0, apply: (p, v) => (p.month = v) },
  { pattern: 'MON', digits: 0, apply: (p, v) => (p.month = v) },
  { pattern: 'YYY', digits: 3, apply: (p, v) => (p.year = 2000 + v) },
  { pattern: 'DDD', digits: 3, apply: (p, v) => ((p.month = 1), (p.day = v), (p.dayOfYear = true)) },
  { pattern: 'YY', digits: 2, apply: (p, v) => (p.year = v < 70 ? 2000 + v : 1900 + v) },
  { pattern: 'MM', digits: 2, apply: (p, v) => (p.month = v) },
  { pattern: 'DD', digits: 2, apply: (p, v) => (p.day = v) },
  { pattern: 'HH', digits: 2, apply: (p, v) => ((p.hour = v), (p.hour12 = true)) },
  { pattern: 'MI', digits: 2, apply: (p, v) => (p.minute = v) },
  { pattern: 'SS', digits: 2, apply: (p, v) => (p.second = v) },
  { pattern: 'MS', digits: 3, apply: (p, v, n) => (p.microsecond = v * 10 ** (6 - n)) },
  { pattern: 'US', digits: 6, apply: (p, v, n) => (p.microsecond = v * 10 ** (6 - n)) },
  { pattern: 'AM', digits: 0, apply: (p, v) => (p.pm = v === 1) },
  { pattern: 'PM', digits: 0, apply: (p, v) => (p.pm = v === 1) },
];

function invalidValue(value: string, pattern: string): SqlError {
  return new SqlError(SqlState.invalidDatetimeFormat, `invalid value "${value}" for "${pattern}"`);
}

/** Reads a month name (full or abbreviated) or AM/PM at `pos`; returns [value, length]. */
function readName(input: string, pos: number, field: Field): [number, number] {
  const rest = input.slice(pos).toLowerCase();
  if (field.pattern === 'AM' || field.pattern === 'PM') {
    for (const [text, v] of [['a.m.', 0], ['p.m.', 1], ['am', 0], ['pm', 1]] as const) if (rest.startsWith(text)) return [v, text.length];
  } else {
    for (let m = 0; m < 12; m++) {
      const name = MONTHS[m]!.toLowerCase();
      if (field.pattern === 'MONTH' && rest.startsWith(name)) return [m + 1, name.length];
      if (rest.startsWith(name.slice(0, 3))) return [m + 1, field.pattern === 'MONTH' && rest.startsWith(name) ? name.length : 3];
    }
  }
  throw invalidValue(input.slice(pos, pos + 5), field.pattern);
}

export function parseWithFormat(input: string, format: string): TimestampParts {
  const p: Parsed = { year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0, microsecond: 0, hour12: false };
  let pos = 0;
  for (let i = 0; i < format.length; ) {
    if (format.startsWith('FM', i) || format.startsWith('fm', i)) {
      i += 2;
      continue;
    }
    const upper = format.slice(i, i + 5).toUpperCase();
    const field = FIELDS.find((f) => upper.startsWith(f.pattern));
    if (field === undefined) {
      // A literal: skip the matching input character (any separator matches any separator).
      const c = format[i]!;
      i++;
      if (pos < input.length && (input[pos] === c || (!/[\p{L}\p{N}]/u.test(input[pos]!) && !/[\p{L}\p{N}]/u.test(c)))) pos++;
      continue;
    }
    i += field.pattern.length;
    while (pos < input.length && input[pos] === ' ') pos++;
    if (field.digits === 0) {
      const [value, length] = readName(input, pos, field);
      field.apply(p, value, length);
      pos += length;
      continue;
    }
    let end = pos;
    if (input[end] === '-' && field.pattern === 'YYYY') end++;
    while (end < input.length && end - pos < field.digits && input[end]! >= '0' && input[end]! <= '9') end++;
    const text = input.slice(pos, end);
    if (!/^-?\d+$/.test(text)) throw invalidValue(input.slice(pos, pos + field.pattern.length), field.pattern);
    field.apply(p, Number(text), text.length);
    pos = end;
  }
  if (p.hour12) {
    if (p.hour < 1 || p.hour > 12) {
      throw new SqlError(SqlState.invalidDatetimeFormat, `hour "${p.hour}" is invalid for the 12-hour clock`, { hint: 'Use the 24-hour clock, or give an hour between 1 and 12.' });
    }
    p.hour = (p.hour % 12) + (p.pm ? 12 : 0);
  } else if (p.pm !== undefined && p.hour < 12 && p.pm) p.hour += 12;
  if (p.year <= 0) p.year += 1; // 1 BC is year 0 internally
  const maxDay = p.dayOfYear ? 366 : daysInMonth(p.year, p.month);
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > maxDay || p.hour > 24 || p.minute > 59 || p.second > 60) {
    throw new SqlError(SqlState.datetimeFieldOverflow, `date/time field value out of range: "${input}"`);
  }
  return p;
}

/** to_timestamp(text, format) as microseconds (UTC). */
export function toTimestamp(input: string, format: string): bigint {
  const p = parseWithFormat(input, format);
  const t = timestampFromParts({ ...p, day: 1 }) + BigInt(p.day - 1) * 86_400_000_000n;
  if (!isValidTimestamp(t)) throw new SqlError(SqlState.datetimeFieldOverflow, 'timestamp out of range');
  return t;
}
