// to_char(timestamp, format): PostgreSQL's template patterns for dates and
// times. A format string is compiled once into a list of emitters.
import type { TimestampParts } from '../repr/datetime.js';
import { dayOfWeek, dayOfYear, isoYearAndWeek, ymdToDays } from '../repr/datetime.js';

/** Calendar fields of one value plus what some patterns need. */
export interface CharParts extends TimestampParts {
  /** Zone abbreviation ('' for timestamp without time zone) and offset in seconds east. */
  zone: string;
  offsetSeconds: number;
}

type Emit = (p: CharParts) => string;

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

const days = (p: CharParts) => ymdToDays(p.year, p.month, p.day);
/** Year as written (1 BC is 1), as YYYY prints it. */
const displayYear = (p: CharParts) => (p.year <= 0 ? 1 - p.year : p.year);

function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/** Numeric patterns: value and zero-padded width. */
const NUMERIC: Array<[string, number, (p: CharParts) => number]> = [
  ['HH24', 2, (p) => p.hour],
  ['HH12', 2, (p) => p.hour % 12 || 12],
  ['HH', 2, (p) => p.hour % 12 || 12],
  ['MI', 2, (p) => p.minute],
  ['SSSSS', 0, (p) => p.hour * 3600 + p.minute * 60 + p.second],
  ['SSSS', 0, (p) => p.hour * 3600 + p.minute * 60 + p.second],
  ['SS', 2, (p) => p.second],
  ['MS', 3, (p) => Math.floor(p.microsecond / 1000)],
  ['US', 6, (p) => p.microsecond],
  ['FF1', 1, (p) => Math.floor(p.microsecond / 100000)],
  ['FF2', 2, (p) => Math.floor(p.microsecond / 10000)],
  ['FF3', 3, (p) => Math.floor(p.microsecond / 1000)],
  ['FF4', 4, (p) => Math.floor(p.microsecond / 100)],
  ['FF5', 5, (p) => Math.floor(p.microsecond / 10)],
  ['FF6', 6, (p) => p.microsecond],
  ['IYYY', 4, (p) => isoYearAndWeek(days(p)).isoYear],
  ['IYY', 3, (p) => isoYearAndWeek(days(p)).isoYear % 1000],
  ['IY', 2, (p) => isoYearAndWeek(days(p)).isoYear % 100],
  ['YYYY', 4, displayYear],
  ['YYY', 3, (p) => displayYear(p) % 1000],
  ['YY', 2, (p) => displayYear(p) % 100],
  ['IDDD', 3, (p) => {
    const d = days(p);
    const { isoYear } = isoYearAndWeek(d);
    const jan4 = ymdToDays(isoYear, 1, 4);
    return d - (jan4 - ((dayOfWeek(jan4) + 6) % 7)) + 1;
  }],
  ['DDD', 3, (p) => dayOfYear(days(p))],
  ['DD', 2, (p) => p.day],
  ['ID', 1, (p) => dayOfWeek(days(p)) || 7],
  ['D', 1, (p) => dayOfWeek(days(p)) + 1],
  ['MM', 2, (p) => p.month],
  ['WW', 2, (p) => Math.floor((dayOfYear(days(p)) - 1) / 7) + 1],
  ['IW', 2, (p) => isoYearAndWeek(days(p)).week],
  ['W', 1, (p) => Math.floor((p.day - 1) / 7) + 1],
  ['CC', 2, (p) => (p.year > 0 ? Math.floor((p.year + 99) / 100) : -Math.floor((99 - (p.year - 1)) / 100))],
  ['J', 0, (p) => days(p) + 2440588],
  ['Q', 1, (p) => Math.floor((p.month - 1) / 3) + 1],
  ['Y', 1, (p) => displayYear(p) % 10],
  ['I', 1, (p) => isoYearAndWeek(days(p)).isoYear % 10],
];

/** Text patterns, with the case of the pattern deciding the case of the output. */
const TEXTUAL: Array<[string, (p: CharParts) => string, number]> = [
  ['MONTH', (p) => MONTHS[p.month - 1]!.toUpperCase(), 9],
  ['Month', (p) => MONTHS[p.month - 1]!, 9],
  ['month', (p) => MONTHS[p.month - 1]!.toLowerCase(), 9],
  ['MON', (p) => MONTHS[p.month - 1]!.slice(0, 3).toUpperCase(), 0],
  ['Mon', (p) => MONTHS[p.month - 1]!.slice(0, 3), 0],
  ['mon', (p) => MONTHS[p.month - 1]!.slice(0, 3).toLowerCase(), 0],
  ['DAY', (p) => DAYS[dayOfWeek(days(p))]!.toUpperCase(), 9],
  ['Day', (p) => DAYS[dayOfWeek(days(p))]!, 9],
  ['day', (p) => DAYS[dayOfWeek(days(p))]!.toLowerCase(), 9],
  ['DY', (p) => DAYS[dayOfWeek(days(p))]!.slice(0, 3).toUpperCase(), 0],
  ['Dy', (p) => DAYS[dayOfWeek(days(p))]!.slice(0, 3), 0],
  ['dy', (p) => DAYS[dayOfWeek(days(p))]!.slice(0, 3).toLowerCase(), 0],
  ['RM', (p) => ROMAN[p.month - 1]!, 4],
  ['rm', (p) => ROMAN[p.month - 1]!.toLowerCase(), 4],
  ['A.M.', (p) => (p.hour < 12 ? 'A.M.' : 'P.M.'), 0],
  ['P.M.', (p) => (p.hour < 12 ? 'A.M.' : 'P.M.'), 0],
  ['a.m.', (p) => (p.hour < 12 ? 'a.m.' : 'p.m.'), 0],
  ['p.m.', (p) => (p.hour < 12 ? 'a.m.' : 'p.m.'), 0],
  ['AM', (p) => (p.hour < 12 ? 'AM' : 'PM'), 0],
  ['PM', (p) => (p.hour < 12 ? 'AM' : 'PM'), 0],
  ['am', (p) => (p.hour < 12 ? 'am' : 'pm'), 0],
  ['pm', (p) => (p.hour < 12 ? 'am' : 'pm'), 0],
  ['B.C.', (p) => (p.year <= 0 ? 'B.C.' : 'A.D.'), 0],
  ['A.D.', (p) => (p.year <= 0 ? 'B.C.' : 'A.D.'), 0],
  ['b.c.', (p) => (p.year <= 0 ? 'b.c.' : 'a.d.'), 0],
  ['a.d.', (p) => (p.year <= 0 ? 'b.c.' : 'a.d.'), 0],
  ['BC', (p) => (p.year <= 0 ? 'BC' : 'AD'), 0],
  ['AD', (p) => (p.year <= 0 ? 'BC' : 'AD'), 0],
  ['bc', (p) => (p.year <= 0 ? 'bc' : 'ad'), 0],
  ['ad', (p) => (p.year <= 0 ? 'bc' : 'ad'), 0],
  ['TZH', (p) => (p.offsetSeconds < 0 ? '-' : '+') + String(Math.floor(Math.abs(p.offsetSeconds) / 3600)).padStart(2, '0'), 0],
  ['TZM', (p) => String(Math.floor(Math.abs(p.offsetSeconds) / 60) % 60).padStart(2, '0'), 0],
  ['TZ', (p) => p.zone.toUpperCase(), 0],
  ['tz', (p) => p.zone.toLowerCase(), 0],
  ['OF', (p) => {
    const sign = p.offsetSeconds < 0 ? '-' : '+';
    const abs = Math.abs(p.offsetSeconds);
    const mins = Math.floor(abs / 60) % 60;
    return sign + String(Math.floor(abs / 3600)).padStart(2, '0') + (mins ? ':' + String(mins).padStart(2, '0') : '');
  }, 0],
];

/** Compiles a to_char template into one emitter. */
export function compileToChar(format: string): Emit {
  const parts: Emit[] = [];
  let i = 0;
  while (i < format.length) {
    let fill = true;
    if (format.startsWith('FM', i)) {
      fill = false;
      i += 2;
    }
    // The longest pattern wins ('Day' over 'D'); numeric patterns ignore case ('yyyy'), textual ones set it.
    const upper = format.slice(i, i + 5).toUpperCase();
    let numeric = NUMERIC.find(([pat]) => upper.startsWith(pat));
    const textual = TEXTUAL.find(([pat]) => format.startsWith(pat, i));
    if (numeric && textual && textual[0].length > numeric[0].length) numeric = undefined;
    if (numeric) {
      const [pat, width, get] = numeric;
      i += pat.length;
      let suffix: ((n: number) => string) | undefined;
      if (format.startsWith('TH', i)) suffix = (n) => ordinal(n).toUpperCase();
      else if (format.startsWith('th', i)) suffix = ordinal;
      if (suffix) i += 2;
      const sfx = suffix;
      parts.push((p) => {
        const n = get(p);
        const text = fill && width > 0 ? String(Math.abs(n)).padStart(width, '0') : String(Math.abs(n));
        return (n < 0 ? '-' : '') + text + (sfx ? sfx(n) : '');
      });
      continue;
    }
    if (textual) {
      const [pat, get, width] = textual;
      i += pat.length;
      parts.push(fill && width > 0 ? (p) => get(p).padEnd(width) : get);
      continue;
    }
    const c = format[i]!;
    if (c === '"') {
      const end = format.indexOf('"', i + 1);
      const literal = (end < 0 ? format.slice(i + 1) : format.slice(i + 1, end)).replace(/\\(.)/g, '$1');
      parts.push(() => literal);
      i = end < 0 ? format.length : end + 1;
      continue;
    }
    if (c === '\\' && i + 1 < format.length) {
      const next = format[i + 1]!;
      parts.push(() => next);
      i += 2;
      continue;
    }
    parts.push(() => c);
    i++;
  }
  return (p) => {
    let out = '';
    for (const emit of parts) out += emit(p);
    return out;
  };
}
