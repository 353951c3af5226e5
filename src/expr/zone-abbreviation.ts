// Time zone abbreviations for to_char's TZ pattern ('EST', 'CEST'), as
// PostgreSQL takes them from the tz database. Node has no tz abbreviations of
// its own; ICU names zones per locale, so a few English locales are asked in
// turn and the first real abbreviation wins. A zone none of them abbreviates
// is shown as the tz database shows such zones: its offset, '-03' or '+0545'.
import { formatUtcOffset } from '../repr/datetime-text.js';

/** Locales whose short zone names cover most zones with English abbreviations (US, Europe, India, Australia, ...). */
const ABBREVIATING_LOCALES = ['en-US', 'en-GB', 'en-IE', 'en-IN', 'en-AU', 'en-NZ', 'en-ZA', 'ja-JP'];
/** A localized name that is only an offset ('GMT+1', 'GMT-5:30', 'UTC+9') is no abbreviation. */
const OFFSET_NAME = /^(GMT|UTC)[+\-\u2212]/;

const cache = new Map<string, string>();

function tzdbOffsetName(offsetSeconds: number): string {
  return formatUtcOffset(offsetSeconds).replace(/:/g, '');
}

function icuAbbreviation(zone: string, utcMillis: number): string | undefined {
  for (const locale of ABBREVIATING_LOCALES) {
    let name: string | undefined;
    try {
      name = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' })
        .formatToParts(utcMillis)
        .find((p) => p.type === 'timeZoneName')?.value;
    } catch {
      return undefined; // not an IANA zone
    }
    if (name !== undefined && /^[A-Z]{2,6}$/.test(name) && !OFFSET_NAME.test(name)) return name;
  }
  return undefined;
}

/** A POSIX spec's own name: '<+05:30>-05:30' is '+05:30', 'EST5EDT' standard time 'EST'. */
function posixName(zone: string): string | undefined {
  const quoted = /^<([^>]+)>/.exec(zone);
  if (quoted !== null) return quoted[1];
  return undefined;
}

/**
 * The abbreviation of `zone` at the instant `utcMicros`, where its offset is
 * `offsetSeconds` east of UTC. Cached per zone and offset (a zone's
 * abbreviation changes with its offset: EST/EDT).
 */
export function zoneAbbreviation(zone: string, utcMicros: bigint, offsetSeconds: number): string {
  const key = `${zone}\u0000${offsetSeconds}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const millis = Number(utcMicros / 1000n);
  const name = posixName(zone) ?? (Number.isFinite(millis) ? icuAbbreviation(zone, millis) : undefined) ?? tzdbOffsetName(offsetSeconds);
  if (cache.size > 10_000) cache.clear();
  cache.set(key, name);
  return name;
}
