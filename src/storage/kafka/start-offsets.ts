// Where a Kafka source starts reading each partition: stored resume offsets,
// else START OFFSET, else START TIMESTAMP (through the broker's
// offsets-for-times look-up), else the beginning. Kept apart from the
// consumer so it can be tested with a fake look-up (the mock broker cannot
// answer timestamp queries).
import type { PartitionOffsets } from '../api.js';

export interface StartOffsetInputs {
  partitions: readonly number[];
  resumeOffsets: PartitionOffsets | null;
  startOffsets?: readonly bigint[];
  /** Absolute ms since the epoch, or negative: that many ms before `nowMs`. */
  startTimestampMs?: number;
  nowMs: number;
}

export interface OffsetLookups {
  /** First offset whose timestamp is >= the given one, per partition; -1 when there is none. */
  offsetsForTimes(partitions: readonly number[], timestampMs: number): Promise<Map<number, number>>;
  /** The offset the next produced message will get. */
  highWatermark(partition: number): Promise<number>;
}

/** Next offset to read per partition. Partitions not covered by the options start at 0. */
export async function resolveStartOffsets(inputs: StartOffsetInputs, lookups: OffsetLookups): Promise<Map<number, bigint>> {
  const out = new Map<number, bigint>();
  const { partitions, resumeOffsets, startOffsets, startTimestampMs } = inputs;
  if (resumeOffsets) {
    for (const p of partitions) out.set(p, resumeOffsets.get(p) ?? 0n);
    return out;
  }
  if (startOffsets) {
    for (const p of partitions) out.set(p, startOffsets[p] ?? 0n);
    return out;
  }
  if (startTimestampMs !== undefined) {
    const timestamp = startTimestampMs < 0 ? inputs.nowMs + startTimestampMs : startTimestampMs;
    const found = await lookups.offsetsForTimes(partitions, timestamp);
    for (const p of partitions) {
      const offset = found.get(p) ?? -1;
      // No message at or after the timestamp yet: start at the end.
      out.set(p, BigInt(offset >= 0 ? offset : await lookups.highWatermark(p)));
    }
    return out;
  }
  for (const p of partitions) out.set(p, 0n);
  return out;
}
