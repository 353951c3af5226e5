// INSERT / UPDATE / DELETE: the planner computes the affected rows as a
// relation; peeking it gives the rows; the write gets a timestamp, becomes
// durable in the table's shard and is applied to compute (or is buffered
// until COMMIT inside a transaction block).
import type { DeleteStatement, InsertStatement, UpdateStatement } from '../sql/ast.js';
import type { Datum, RelationDesc, Row } from '../repr/types.js';
import type { GlobalId, RelExpr, ScalarExpr } from '../plan/mir.js';
import type { Update } from '../compute/api.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { bindParameters, planDelete, planInsert, planUpdate } from '../plan/planner.js';
import { optimize } from '../optimize/optimizer.js';
import type { ExecuteResult } from './api.js';
import { paramHints, planContextFor, type ExecContext } from './exec-context.js';
import { columnsOf, command, rowsResult } from './results.js';
import { kindDisplayName } from '../catalog/objects.js';
import { readOnlyTable } from '../plan/dml.js';

interface Returning {
  exprs: ScalarExpr[];
  desc: RelationDesc;
}

function targetTable(exec: ExecContext, id: GlobalId, verb: string): { name: string; desc: RelationDesc } {
  const item = exec.core.catalog.get(id);
  if (!item || !item.desc) throw new SqlError(SqlState.undefinedTable, `relation ${id} does not exist`);
  if (item.kind !== 'table') {
    throw new SqlError(SqlState.wrongObjectType, `cannot ${verb} ${kindDisplayName(item.kind)} '${item.name}'`);
  }
  if (item.source) throw readOnlyTable(item.name, verb);
  return { name: item.name, desc: item.desc };
}

function peekRows(exec: ExecContext, plan: RelExpr, params: Datum[]): Row[] {
  return exec.core.compute.peek(optimize(bindParameters(plan, params)));
}

export function checkNotNull(table: { name: string; desc: RelationDesc }, rows: Row[]): void {
  const { columns } = table.desc;
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      if (row[i] === null && !columns[i]!.nullable) {
        throw new SqlError(SqlState.notNullViolation, `null value in column "${columns[i]!.name}" of relation "${table.name}" violates not-null constraint`);
      }
    }
  }
}

/** Applies the write now, or buffers it when the session is in a transaction block. */
export async function writeOrBuffer(exec: ExecContext, table: GlobalId, updates: Update[]): Promise<void> {
  if (updates.length === 0) return;
  if (exec.txn.inBlock) exec.txn.bufferWrite(table, updates);
  else await exec.core.writeTables(new Map([[table, updates]]));
}

function returningResult(exec: ExecContext, returning: Returning, rows: Row[], tableDesc: RelationDesc, tag: string): ExecuteResult {
  const width = tableDesc.columns.length;
  const input: RelExpr = { op: 'constant', rows: rows.map((r): [Row, number] => [r, 1]), desc: tableDesc };
  const plan: RelExpr = {
    op: 'project',
    input: { op: 'map', input, scalars: returning.exprs },
    outputs: returning.exprs.map((_e, i) => width + i),
  };
  const out = rows.length === 0 ? [] : exec.core.compute.peek(plan);
  return rowsResult(columnsOf(returning.desc), out, tag);
}

export async function insert(exec: ExecContext, stmt: InsertStatement, params: Datum[]): Promise<ExecuteResult> {
  const planned = planInsert(stmt, planContextFor(exec, paramHints(exec, params.length)));
  const table = targetTable(exec, planned.target, 'insert into');
  const rows = peekRows(exec, planned.plan, params);
  checkNotNull(table, rows);
  await writeOrBuffer(exec, planned.target, rows.map((row) => ({ row, diff: 1 })));
  const tag = `INSERT 0 ${rows.length}`;
  if (planned.returning) return returningResult(exec, planned.returning, rows, table.desc, tag);
  return command(tag);
}

export async function update(exec: ExecContext, stmt: UpdateStatement, params: Datum[]): Promise<ExecuteResult> {
  const planned = planUpdate(stmt, planContextFor(exec, paramHints(exec, params.length)));
  const table = targetTable(exec, planned.target, 'update');
  const width = table.desc.columns.length;
  const pairs = peekRows(exec, planned.plan, params);
  const newRows = pairs.map((r) => r.slice(width));
  checkNotNull(table, newRows);
  const updates: Update[] = [];
  for (let i = 0; i < pairs.length; i++) {
    updates.push({ row: pairs[i]!.slice(0, width), diff: -1 }, { row: newRows[i]!, diff: 1 });
  }
  await writeOrBuffer(exec, planned.target, updates);
  const tag = `UPDATE ${pairs.length}`;
  if (planned.returning) return returningResult(exec, planned.returning, newRows, table.desc, tag);
  return command(tag);
}

export async function deleteRows(exec: ExecContext, stmt: DeleteStatement, params: Datum[]): Promise<ExecuteResult> {
  const planned = planDelete(stmt, planContextFor(exec, paramHints(exec, params.length)));
  const table = targetTable(exec, planned.target, 'delete from');
  const rows = peekRows(exec, planned.plan, params);
  await writeOrBuffer(exec, planned.target, rows.map((row) => ({ row, diff: -1 })));
  const tag = `DELETE ${rows.length}`;
  if (planned.returning) return returningResult(exec, planned.returning, rows, table.desc, tag);
  return command(tag);
}
