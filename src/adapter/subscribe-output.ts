// The row shapes SUBSCRIBE emits, as in Materialize:
// - the diff envelope: mz_timestamp, [mz_progressed,] mz_diff, columns...
// - ENVELOPE UPSERT (KEY (k...)): mz_timestamp, [mz_progressed,] mz_state,
//   key columns, other columns; per key and timestamp one 'upsert' with the
//   new values, a 'delete' (values NULL), or a 'key_violation' when the key
//   has several rows.
import { Decimal } from 'decimal.js';
import type { Datum, Row, SqlType } from '../repr/types.js';
import type { Update } from '../compute/api.js';
import { rowKey } from '../repr/compare.js';
import { SqlError, SqlState } from '../repr/errors.js';
import type { ResultColumn } from './api.js';

const NUMERIC: SqlType = { kind: 'numeric' };
const BOOL: SqlType = { kind: 'bool' };

export interface SubscribeOutput {
  columns: ResultColumn[];
  /** Rows for the updates of one timestamp. */
  rows(time: number, updates: Update[]): Row[];
  /** One row per update, each from its update alone: a batch may be converted in pieces. */
  perUpdate: boolean;
  /** The row announcing that everything before `time` has been sent (WITH (PROGRESS)). */
  progressRow(time: number): Row;
}

function leading(progress: boolean): ResultColumn[] {
  return [{ name: 'mz_timestamp', type: NUMERIC }, ...(progress ? [{ name: 'mz_progressed', type: BOOL }] : [])];
}

function stamp(time: number, progress: boolean): Datum[] {
  return progress ? [new Decimal(time), false] : [new Decimal(time)];
}

export function diffOutput(data: ResultColumn[], progress: boolean): SubscribeOutput {
  const nulls: Datum[] = data.map(() => null);
  return {
    columns: [...leading(progress), { name: 'mz_diff', type: { kind: 'int8' } }, ...data],
    rows: (time, updates) => {
      const head = stamp(time, progress);
      return updates.map((u) => [...head, BigInt(u.diff), ...u.row]);
    },
    perUpdate: true,
    progressRow: (time) => [new Decimal(time), true, null, ...nulls],
  };
}

export function upsertOutput(data: ResultColumn[], keyNames: string[], progress: boolean): SubscribeOutput {
  const keyIndexes = keyNames.map((name) => {
    const i = data.findIndex((c) => c.name === name);
    if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`);
    return i;
  });
  const valueIndexes = data.map((_c, i) => i).filter((i) => !keyIndexes.includes(i));
  const valueNulls: Datum[] = valueIndexes.map(() => null);
  const columns = [...leading(progress), { name: 'mz_state', type: { kind: 'text' } as SqlType }, ...keyIndexes.map((i) => data[i]!), ...valueIndexes.map((i) => data[i]!)];
  return {
    columns,
    rows: (time, updates) => {
      const byKey = new Map<string, { key: Datum[]; inserted: Row[]; deleted: boolean }>();
      for (const u of updates) {
        const key = keyIndexes.map((i) => u.row[i] ?? null);
        const id = rowKey(key);
        let entry = byKey.get(id);
        if (!entry) byKey.set(id, (entry = { key, inserted: [], deleted: false }));
        if (u.diff > 0) for (let n = 0; n < u.diff; n++) entry.inserted.push(u.row);
        else entry.deleted = true;
      }
      const head = stamp(time, progress);
      const out: Row[] = [];
      for (const { key, inserted, deleted } of byKey.values()) {
        if (inserted.length === 1) out.push([...head, 'upsert', ...key, ...valueIndexes.map((i) => inserted[0]![i] ?? null)]);
        else if (inserted.length > 1) out.push([...head, 'key_violation', ...key, ...valueNulls]);
        else if (deleted) out.push([...head, 'delete', ...key, ...valueNulls]);
      }
      return out;
    },
    perUpdate: false,
    progressRow: (time) => [new Decimal(time), true, null, ...columns.slice(3).map(() => null)],
  };
}
