// Consolidation of updates by row identity: sums the diffs of equal rows and
// drops rows whose diffs cancel. Rows are compared by their canonical binary
// encoding (see codec.ts), so this needs no type information.
import type { Update } from '../repr/update.js';
import { ByteWriter, writeRow } from './codec.js';

export function consolidateUpdates(updates: readonly Update[]): Update[] {
  const writer = new ByteWriter(1024);
  const byRow = new Map<string, Update>();
  for (const u of updates) {
    writer.reset();
    writeRow(writer, u.row);
    const key = writer.bytes().toString('latin1');
    const existing = byRow.get(key);
    if (existing) existing.diff += u.diff;
    else byRow.set(key, { row: u.row, diff: u.diff });
  }
  const out: Update[] = [];
  for (const u of byRow.values()) if (u.diff !== 0) out.push(u);
  return out;
}
