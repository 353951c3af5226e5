import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addIntervalToTimestamp,
  dayOfWeek,
  daysToYmd,
  intervalCompareKey,
  isoYearAndWeek,
  justifyDays,
  justifyHours,
  justifyInterval,
  localToUtc,
  subtractTimestamps,
  timestampFromParts,
  timestampToParts,
  ymdToDays,
  zoneOffsetSeconds,
} from '../../src/repr/datetime.js';
import { SqlError } from '../../src/repr/errors.js';

const ts = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0): bigint =>
  timestampFromParts({ year: y, month: mo, day: d, hour: h, minute: mi, second: s, microsecond: us });

test('calendar round trips', () => {
  assert.equal(ymdToDays(1970, 1, 1), 0);
  assert.equal(ymdToDays(2000, 3, 1), 11017);
  assert.equal(ymdToDays(-4713, 11, 24), -2440588);
  for (let d = -3_000_000; d < 3_000_000; d += 997) {
    const p = daysToYmd(d);
    assert.equal(ymdToDays(p.year, p.month, p.day), d);
  }
  assert.equal(dayOfWeek(0), 4);
  assert.equal(dayOfWeek(ymdToDays(2024, 2, 29)), 4);
  assert.deepEqual(isoYearAndWeek(ymdToDays(2021, 1, 3)), { isoYear: 2020, week: 53 });
  assert.deepEqual(isoYearAndWeek(ymdToDays(2024, 12, 30)), { isoYear: 2025, week: 1 });
});

test('timestamp parts', () => {
  const t = ts(1969, 12, 31, 23, 59, 59, 999999);
  assert.equal(t, -1n);
  assert.deepEqual(timestampToParts(t), { year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59, microsecond: 999999 });
});

test('time zones', () => {
  assert.equal(zoneOffsetSeconds('UTC', 0n), 0);
  assert.equal(zoneOffsetSeconds('America/New_York', ts(2020, 1, 1)), -5 * 3600);
  assert.equal(zoneOffsetSeconds('america/new_york', ts(2020, 7, 1)), -4 * 3600);
  assert.equal(zoneOffsetSeconds('Asia/Kolkata', ts(2020, 7, 1)), 19800);
  assert.equal(zoneOffsetSeconds('EST5EDT', ts(2020, 7, 1)), -4 * 3600);
  assert.equal(zoneOffsetSeconds('CET', ts(2020, 7, 1)), 2 * 3600);
  assert.equal(zoneOffsetSeconds('PST', ts(2020, 7, 1)), -8 * 3600);
  // POSIX sign convention for zone settings, ISO inside literals
  assert.equal(zoneOffsetSeconds('+05:30', 0n), -19800);
  assert.equal(zoneOffsetSeconds('+05:30', 0n, 'iso'), 19800);
  assert.equal(zoneOffsetSeconds('UTC+3', 0n), -3 * 3600);
  assert.throws(() => zoneOffsetSeconds('Mars/Base', 0n), (e: unknown) => e instanceof SqlError && e.code === '22023' && e.message === 'time zone "Mars/Base" not recognized');
  // gap: 02:30 does not exist -> 03:30 EDT (07:30 UTC)
  assert.equal(localToUtc(ts(2018, 3, 11, 2, 30), 'America/New_York'), ts(2018, 3, 11, 7, 30));
  // overlap: 01:30 is read as EST (06:30 UTC)
  assert.equal(localToUtc(ts(2018, 11, 4, 1, 30), 'America/New_York'), ts(2018, 11, 4, 6, 30));
  assert.equal(localToUtc(ts(2018, 7, 4, 12), 'America/New_York'), ts(2018, 7, 4, 16));
});

test('interval arithmetic', () => {
  assert.equal(addIntervalToTimestamp(ts(2020, 1, 31), { months: 1, days: 0, micros: 0n }), ts(2020, 2, 29));
  assert.equal(addIntervalToTimestamp(ts(2020, 3, 31), { months: -1, days: 1, micros: 3_600_000_000n }), ts(2020, 3, 1, 1));
  // across DST, 1 day keeps local time in the zone
  const before = ts(2018, 3, 10, 17); // 12:00 EST
  assert.equal(addIntervalToTimestamp(before, { months: 0, days: 1, micros: 0n }, 'America/New_York'), ts(2018, 3, 11, 16));
  assert.deepEqual(subtractTimestamps(ts(2020, 1, 2, 1), ts(2020, 1, 1)), { months: 0, days: 1, micros: 3_600_000_000n });
  assert.deepEqual(subtractTimestamps(ts(2020, 1, 1), ts(2020, 1, 2, 1)), { months: 0, days: -1, micros: -3_600_000_000n });
  assert.deepEqual(justifyHours({ months: 0, days: 1, micros: -3_600_000_000n }), { months: 0, days: 0, micros: 82_800_000_000n });
  assert.deepEqual(justifyDays({ months: 1, days: -35, micros: 0n }), { months: 0, days: -5, micros: 0n });
  assert.deepEqual(justifyInterval({ months: 1, days: 0, micros: -3_600_000_000n }), { months: 0, days: 29, micros: 82_800_000_000n });
  assert.equal(intervalCompareKey({ months: 1, days: 0, micros: 0n }), intervalCompareKey({ months: 0, days: 0, micros: 720n * 3_600_000_000n }));
});
