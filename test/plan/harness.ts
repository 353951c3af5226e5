// Test harness: a fake catalog of tables/views, planning through the real
// parser, and running plans on the real compute engine.
import type { Column, Datum, RelationDesc, Row, SqlType } from '../../src/repr/types.js';
import type { CatalogItemRef, PlanContext } from '../../src/plan/context.js';
import type { RelExpr, RowSetFinishing } from '../../src/plan/mir.js';
import type { Expr, Query, Statement } from '../../src/sql/ast.js';
import { parse } from '../../src/sql/parser.js';
import { planQuery, planInsert, planUpdate, planDelete, type PlannedQuery } from '../../src/plan/planner.js';
import { optimize } from '../../src/optimize/optimizer.js';
import { createComputeController } from '../../src/compute/controller.js';
import type { InputChanges } from '../../src/compute/api.js';
import { compareDatums } from '../../src/repr/compare.js';
import { formatText } from '../../src/repr/text.js';
import { SqlError } from '../../src/repr/errors.js';

export interface TableSpec {
  columns: [string, SqlType, boolean?][];
  rows?: Row[];
  defaults?: (string | undefined)[];
}

export const int4: SqlType = { kind: 'int4' };
export const int8: SqlType = { kind: 'int8' };
export const text: SqlType = { kind: 'text' };
export const bool: SqlType = { kind: 'bool' };
export const numeric: SqlType = { kind: 'numeric' };

function onlyStatement(sql: string): Statement {
  const parsed = parse(sql);
  if (parsed.length !== 1) throw new Error(`expected one statement in ${sql}`);
  return parsed[0]!.statement;
}

export function parseQuery(sql: string): Query {
  const stmt = onlyStatement(sql);
  if (stmt.kind !== 'select') throw new Error(`not a SELECT: ${sql}`);
  return stmt.query;
}

export function parseExpr(sql: string): Expr {
  const q = parseQuery(`SELECT ${sql}`);
  const body = q.body;
  if (body.kind !== 'select' || body.projection[0]?.kind !== 'expr') throw new Error('bad expression');
  return body.projection[0].expr;
}

export class FakeCatalog {
  readonly items = new Map<string, CatalogItemRef>();
  readonly rows = new Map<string, Row[]>();
  private next = 1;

  table(name: string, spec: TableSpec): this {
    const columns: Column[] = spec.columns.map(([n, type, notNull]) => ({ name: n, type, nullable: !notNull }));
    const id = `u${this.next++}`;
    const defaults = spec.defaults?.map((d) => (d === undefined ? undefined : parseExpr(d)));
    this.items.set(name, {
      id,
      kind: 'table',
      name: { database: 'materialize', schema: 'public', item: name },
      desc: { columns },
      oid: 20000 + this.next,
      ...(defaults ? { columnDefaults: defaults } : {}),
    });
    this.rows.set(id, spec.rows ?? []);
    return this;
  }

  view(name: string, sql: string, columns?: string[]): this {
    const id = `u${this.next++}`;
    this.items.set(name, {
      id,
      kind: 'view',
      name: { database: 'materialize', schema: 'public', item: name },
      viewQuery: parseQuery(sql),
      ...(columns ? { viewColumns: columns } : {}),
      oid: 20000 + this.next,
    });
    return this;
  }

  context(paramTypes: (SqlType | null)[] = []): PlanContext {
    return {
      resolveRelation: (parts) => {
        const name = parts[parts.length - 1]!;
        if (parts.length >= 2 && parts[parts.length - 2] !== 'public') return undefined;
        return this.items.get(name);
      },
      paramTypes,
      timeZone: 'UTC',
      settings: new Map([['search_path', 'public'], ['application_name', 'test']]),
      currentUser: 'materialize',
      currentDatabase: 'materialize',
    };
  }

  plan(sql: string, paramTypes: (SqlType | null)[] = []): PlannedQuery {
    return planQuery(parseQuery(sql), this.context(paramTypes));
  }

  /** Runs a plan on a fresh compute instance holding this catalog's tables. */
  peek(plan: RelExpr): Row[] {
    const compute = createComputeController();
    const changes: InputChanges[] = [];
    for (const item of this.items.values()) {
      if (item.kind !== 'table') continue;
      compute.createInput(item.id, item.desc!);
      const rows = this.rows.get(item.id) ?? [];
      changes.push({ id: item.id, updates: rows.map((row) => ({ row, diff: 1 })) });
    }
    compute.applyUpdates(changes, 1);
    return compute.peek(plan);
  }

  /** Plans, optionally optimizes, runs and finishes a query; rows in PostgreSQL text format. */
  query(sql: string, options: { optimized?: boolean; sorted?: boolean } = {}): (string | null)[][] {
    const planned = this.plan(sql);
    const plan = options.optimized === false ? planned.plan : optimize(planned.plan);
    const rows = finish(this.peek(plan), planned.finishing);
    const types = planned.desc.columns.map((c) => c.type);
    const out = rows.map((row) => row.map((d, i) => (d === null ? null : formatText(d, types[i]!))));
    if (options.sorted !== false && planned.finishing.order.length === 0) out.sort(compareText);
    return out;
  }

  /** Runs a query both unoptimized and optimized and checks they agree. */
  check(sql: string): (string | null)[][] {
    const raw = this.query(sql, { optimized: false });
    const opt = this.query(sql, { optimized: true });
    if (JSON.stringify(raw) !== JSON.stringify(opt)) {
      throw new Error(`optimizer changed results of ${sql}:\n${JSON.stringify(raw)}\n${JSON.stringify(opt)}`);
    }
    return raw;
  }

  insertPlan(sql: string) {
    const stmt = onlyStatement(sql);
    if (stmt.kind !== 'insert') throw new Error('not an INSERT');
    return planInsert(stmt, this.context());
  }

  updatePlan(sql: string) {
    const stmt = onlyStatement(sql);
    if (stmt.kind !== 'update') throw new Error('not an UPDATE');
    return planUpdate(stmt, this.context());
  }

  deletePlan(sql: string) {
    const stmt = onlyStatement(sql);
    if (stmt.kind !== 'delete') throw new Error('not a DELETE');
    return planDelete(stmt, this.context());
  }

  /** Rows of a DML plan as text. */
  rowsOf(plan: RelExpr, desc: RelationDesc): (string | null)[][] {
    const types = desc.columns.map((c) => c.type);
    return this.peek(plan)
      .map((row) => row.map((d, i) => (d === null ? null : formatText(d, types[i % types.length]!))))
      .sort(compareText);
  }
}

function compareText(a: (string | null)[], b: (string | null)[]): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function finish(rows: Row[], finishing: RowSetFinishing): Row[] {
  const sorted = [...rows];
  if (finishing.order.length > 0) {
    sorted.sort((a, b) => {
      for (const o of finishing.order) {
        const x: Datum = a[o.column] ?? null;
        const y: Datum = b[o.column] ?? null;
        if (x === null || y === null) {
          if (x === y) continue;
          return (x === null) === o.nullsFirst ? -1 : 1;
        }
        const c = compareDatums(x, y);
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  const end = finishing.limit === undefined ? undefined : finishing.offset + finishing.limit;
  return sorted.slice(finishing.offset, end).map((row) => finishing.project.map((i) => row[i] ?? null));
}

/** Asserts that planning `sql` fails with the given code, message and (1-based) position. */
export function planError(catalog: FakeCatalog, sql: string): { code: string; message: string; position: number | undefined } {
  try {
    const stmt = onlyStatement(sql);
    if (stmt.kind === 'select') catalog.plan(sql);
    else if (stmt.kind === 'insert') catalog.insertPlan(sql);
    else if (stmt.kind === 'update') catalog.updatePlan(sql);
    else if (stmt.kind === 'delete') catalog.deletePlan(sql);
  } catch (err) {
    if (err instanceof SqlError) return { code: err.code, message: err.message, position: err.position };
    throw err;
  }
  throw new Error(`expected an error planning ${sql}`);
}

/** The catalog most tests use. */
export function sampleCatalog(): FakeCatalog {
  return new FakeCatalog()
    .table('t', { columns: [['a', int4], ['b', text]], rows: [[1, 'x'], [2, 'y'], [3, null], [null, 'z']] })
    .table('s', { columns: [['a', int4], ['c', int4]], rows: [[1, 10], [1, 11], [2, 20], [4, 40], [null, 50]] })
    .table('empty', { columns: [['a', int4], ['b', text]] })
    .table('n', { columns: [['x', int4]], rows: [[1], [2], [null]] });
}
