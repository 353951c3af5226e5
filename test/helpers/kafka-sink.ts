// A SourceSink for tests: keeps every tick and status, the consolidated
// contents and errors, and lets a test wait until a condition holds.
import type { SourceSink, SourceStatusUpdate, SourceTick } from '../../src/storage/api.js';
import type { ErrorUpdate, Update } from '../../src/compute/api.js';
import type { Row } from '../../src/repr/types.js';
import { encodeRow } from '../../src/storage/codec.js';
import { consolidateUpdates } from '../../src/storage/consolidate.js';

export class CollectingSink implements SourceSink {
  readonly ticks: SourceTick[] = [];
  readonly statuses: SourceStatusUpdate[] = [];
  private allUpdates: Update[] = [];
  private readonly errorCounts = new Map<string, { update: ErrorUpdate; diff: number }>();
  private waiters: (() => void)[] = [];
  private time = 1;

  tick(tick: SourceTick): Promise<number> {
    this.ticks.push(tick);
    for (const u of tick.updates) this.allUpdates.push(u);
    for (const e of tick.errors) {
      const prior = this.errorCounts.get(e.key);
      this.errorCounts.set(e.key, { update: e, diff: (prior?.diff ?? 0) + e.diff });
    }
    this.notify();
    return Promise.resolve(this.time++);
  }

  status(update: SourceStatusUpdate): void {
    this.statuses.push(update);
    this.notify();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Consolidated contents (updates with their net multiplicity). */
  contents(): Update[] {
    this.allUpdates = consolidateUpdates(this.allUpdates);
    return this.allUpdates;
  }

  /** Current rows, each repeated by its multiplicity, in a stable order. */
  rows(): Row[] {
    const out: { key: string; row: Row }[] = [];
    for (const u of this.contents()) for (let i = 0; i < u.diff; i++) out.push({ key: encodeRow(u.row).toString('hex'), row: u.row });
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((x) => x.row);
  }

  /** Outstanding errors (net multiplicity > 0), by key. */
  errors(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [key, e] of this.errorCounts) if (e.diff > 0) out.set(key, e.update.error.message);
    return out;
  }

  /** Outstanding errors as ErrorUpdates (what a coordinator would pass back on restart). */
  errorUpdates(): ErrorUpdate[] {
    return [...this.errorCounts.values()].filter((e) => e.diff !== 0).map((e) => ({ ...e.update, diff: e.diff }));
  }

  lastOffsets(): Map<number, bigint> | undefined {
    return this.ticks[this.ticks.length - 1]?.offsets;
  }

  lastStatus(): SourceStatusUpdate | undefined {
    return this.statuses[this.statuses.length - 1];
  }

  /** Resolves when `condition` holds (checked after every tick and status change, and every 50 ms). */
  async waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(this.lastStatus())}, ${this.ticks.length} ticks`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Rows in the same stable order as CollectingSink.rows(). */
export function sortRows(rows: Row[]): Row[] {
  return rows
    .map((row) => ({ key: encodeRow(row).toString('hex'), row }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.row);
}
