import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveStartOffsets, type OffsetLookups } from '../../src/storage/kafka/start-offsets.js';

// The mock broker answers every timestamp query with -1, so the
// timestamp -> offset step is tested here against a fake of the look-up.
function fakeLookups(byTimestamp: Map<number, number>, high = 50): OffsetLookups & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    offsetsForTimes(partitions, timestampMs) {
      asked.push(timestampMs);
      return Promise.resolve(new Map(partitions.map((p) => [p, byTimestamp.get(p) ?? -1])));
    },
    highWatermark: () => Promise.resolve(high),
  };
}

test('resume offsets win, and partitions new since then start at 0', async () => {
  const got = await resolveStartOffsets({ partitions: [0, 1, 2], resumeOffsets: new Map([[0, 7n], [1, 3n]]), startOffsets: [100n], nowMs: 0 }, fakeLookups(new Map()));
  assert.deepEqual(got, new Map([[0, 7n], [1, 3n], [2, 0n]]));
});

test('START OFFSET covers the listed partitions; the others start at 0', async () => {
  const got = await resolveStartOffsets({ partitions: [0, 1, 2], resumeOffsets: null, startOffsets: [5n, 9n], nowMs: 0 }, fakeLookups(new Map()));
  assert.deepEqual(got, new Map([[0, 5n], [1, 9n], [2, 0n]]));
});

test('START TIMESTAMP: absolute, and negative relative to now; no later message -> the end', async () => {
  const lookups = fakeLookups(new Map([[0, 12], [1, 4]]), 50);
  const got = await resolveStartOffsets({ partitions: [0, 1, 2], resumeOffsets: null, startTimestampMs: 1_700_000_000_000, nowMs: 0 }, lookups);
  assert.deepEqual(got, new Map([[0, 12n], [1, 4n], [2, 50n]]));
  await resolveStartOffsets({ partitions: [0], resumeOffsets: null, startTimestampMs: -60_000, nowMs: 1_000_000 }, lookups);
  assert.deepEqual(lookups.asked, [1_700_000_000_000, 940_000]);
});

test('without options every partition starts at the beginning', async () => {
  assert.deepEqual(await resolveStartOffsets({ partitions: [0, 1], resumeOffsets: null, nowMs: 0 }, fakeLookups(new Map())), new Map([[0, 0n], [1, 0n]]));
});
