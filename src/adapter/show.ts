// SHOW statements, with Materialize's column names. Rows are built from the
// catalog; LIKE and WHERE filter them (WHERE through the planner, over the
// rows as a relation).
import type { Expr, ShowStatement, Query } from '../sql/ast.js';
import type { Column, Datum, Row, SqlType } from '../repr/types.js';
import { ArrayValue } from '../repr/types.js';
import { planQuery } from '../plan/planner.js';
import { typeName } from '../repr/pgtypes.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { DATABASE_NAME, DEFAULT_CLUSTER, type CatalogItem, type ItemKind } from '../catalog/objects.js';
import type { ExecuteResult, ResultColumn } from './api.js';
import { planContextFor, type ExecContext } from './exec-context.js';
import { rowsResult } from './results.js';
import { resolveItem, unknownItem } from './item-planning.js';
import { runPlanned } from './query.js';
import { connectionTypeName, objectTypeName, sourceTypeName } from './system/mz-catalog.js';
import { ExtraSqlState } from '../catalog/extra-sqlstates.js';
import { quoteName, wrongKind } from './ddl.js';

const text: SqlType = { kind: 'text' };
const bool: SqlType = { kind: 'bool' };

type ShowObjects = Extract<ShowStatement, { show: 'objects' }>;
type Filter = { like: string } | { where: Expr } | undefined;

interface Listing {
  columns: Column[];
  rows: Row[];
}

function cols(...spec: [string, SqlType][]): Column[] {
  return spec.map(([name, type]) => ({ name, type, nullable: true }));
}

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const SHOW_RESULT = '__show_result';

/** Applies SHOW's LIKE (on the first column) or WHERE filter. */
function filtered(exec: ExecContext, listing: Listing, filter: Filter): ExecuteResult {
  const columns: ResultColumn[] = listing.columns.map((c) => ({ name: c.name, type: c.type }));
  if (filter === undefined) return rowsResult(columns, listing.rows);
  if ('like' in filter) {
    const re = likeToRegExp(filter.like);
    return rowsResult(columns, listing.rows.filter((r) => typeof r[0] === 'string' && re.test(r[0])));
  }
  const desc = { columns: listing.columns };
  const ctx = planContextFor(exec, []);
  const resolveRelation = ctx.resolveRelation;
  ctx.resolveRelation = (parts) =>
    parts.length === 1 && parts[0] === SHOW_RESULT
      ? {
          id: 's0',
          kind: 'system-table',
          name: { database: DATABASE_NAME, schema: 'mz_internal', item: SHOW_RESULT },
          desc,
          oid: 0,
          systemPlan: () => ({ op: 'constant', rows: listing.rows.map((r): [Row, number] => [r, 1]), desc }),
        }
      : resolveRelation(parts);
  const query: Query = {
    kind: 'query',
    pos: 0,
    with: [],
    orderBy: [],
    body: {
      kind: 'select',
      pos: 0,
      projection: [{ kind: 'wildcard', pos: 0 }],
      from: [{ kind: 'table', name: { parts: [SHOW_RESULT], pos: 0 }, pos: 0 }],
      where: filter.where,
      groupBy: [],
    },
  };
  const result = runPlanned(exec.core.compute, planQuery(query, ctx), []);
  return rowsResult(columns, result.rows);
}

function schemaFilter(exec: ExecContext, stmt: ShowObjects): string {
  if (stmt.from) {
    const name = stmt.from.parts[stmt.from.parts.length - 1]!;
    if (!exec.core.catalog.schema(name)) throw new SqlError(ExtraSqlState.invalidSchemaName, `unknown schema '${name}'`);
    return name;
  }
  return exec.vars.searchPath().find((s) => exec.core.catalog.schema(s)) ?? 'public';
}

function byName(a: Row, b: Row): number {
  const x = String(a[0]);
  const y = String(b[0]);
  return x < y ? -1 : x > y ? 1 : 0;
}

function itemsOf(exec: ExecContext, schema: string, ...kinds: ItemKind[]): CatalogItem[] {
  return exec.core.catalog.itemsInSchema(schema).filter((i) => kinds.includes(i.kind));
}

function listObjects(exec: ExecContext, stmt: ShowObjects): Listing {
  const { catalog } = exec.core;
  const cluster = (i: CatalogItem): Datum => (i.kind === 'subsource' ? null : (i.cluster ?? DEFAULT_CLUSTER));
  const schema = (): string => schemaFilter(exec, stmt);
  let listing: Listing;
  switch (stmt.objectType) {
    case 'tables':
      listing = { columns: cols(['name', text]), rows: itemsOf(exec, schema(), 'table').map((i) => [i.name]) };
      break;
    case 'sources':
      listing = {
        columns: cols(['name', text], ['type', text], ['cluster', text]),
        rows: itemsOf(exec, schema(), 'source', 'subsource').map((i) => [i.name, sourceTypeName(i), cluster(i)]),
      };
      break;
    case 'subsources':
      listing = {
        columns: cols(['name', text], ['type', text]),
        rows: itemsOf(exec, schema(), 'subsource')
          .filter((i) => !stmt.on || i.ownerId === resolveItem(exec, stmt.on).id)
          .map((i) => [i.name, sourceTypeName(i)]),
      };
      break;
    case 'views':
      listing = { columns: cols(['name', text]), rows: itemsOf(exec, schema(), 'view').map((i) => [i.name]) };
      break;
    case 'materialized views':
      listing = { columns: cols(['name', text], ['cluster', text]), rows: itemsOf(exec, schema(), 'materialized-view').map((i) => [i.name, cluster(i)]) };
      break;
    case 'indexes': {
      const on = stmt.on ? resolveItem(exec, stmt.on) : undefined;
      const indexes = on
        ? catalog.allItems().filter((i) => i.kind === 'index' && i.index?.on === on.id)
        : stmt.from
          ? itemsOf(exec, schema(), 'index')
          : catalog.allItems().filter((i) => i.kind === 'index' && !catalog.schema(i.schema)?.system);
      listing = {
        columns: cols(['name', text], ['on', text], ['cluster', text], ['key', { kind: 'array', element: text }]),
        rows: indexes.map((i) => [
          i.name,
          catalog.get(i.index!.on)?.name ?? null,
          cluster(i),
          new ArrayValue(i.index!.keyNames, [i.index!.keyNames.length]),
        ]),
      };
      break;
    }
    case 'secrets':
      listing = { columns: cols(['name', text]), rows: itemsOf(exec, schema(), 'secret').map((i) => [i.name]) };
      break;
    case 'connections':
      listing = {
        columns: cols(['name', text], ['type', text]),
        rows: itemsOf(exec, schema(), 'connection').map((i) => [i.name, connectionTypeName(i)]),
      };
      break;
    case 'objects':
      listing = { columns: cols(['name', text], ['type', text]), rows: catalog.itemsInSchema(schema()).map((i) => [i.name, objectTypeName(i)]) };
      break;
    case 'schemas':
      listing = { columns: cols(['name', text]), rows: catalog.allSchemas().map((s) => [s.name]) };
      break;
    case 'databases':
      listing = { columns: cols(['name', text]), rows: [[DATABASE_NAME]] };
      break;
    case 'clusters':
      listing = { columns: cols(['name', text]), rows: [[DEFAULT_CLUSTER]] };
      break;
    case 'types':
      listing = { columns: cols(['name', text]), rows: [] };
      break;
    case 'sinks':
      listing = { columns: cols(['name', text], ['type', text], ['cluster', text]), rows: [] };
      break;
  }
  listing.rows.sort(byName);
  return listing;
}

const SHOW_CREATE_KINDS: Partial<Record<string, ItemKind[]>> = {
  table: ['table'],
  view: ['view'],
  'materialized view': ['materialized-view'],
  source: ['source', 'subsource'],
  index: ['index'],
  connection: ['connection'],
  secret: ['secret'],
};

export function show(exec: ExecContext, stmt: ShowStatement): ExecuteResult {
  switch (stmt.show) {
    case 'objects':
      return filtered(exec, listObjects(exec, stmt), stmt.filter);
    case 'columns': {
      const item = resolveItem(exec, stmt.table);
      if (!item.desc || item.kind === 'index') throw unknownItem(stmt.table);
      const listing: Listing = {
        columns: [
          { name: 'name', type: text, nullable: false },
          { name: 'nullable', type: bool, nullable: false },
          { name: 'type', type: text, nullable: false },
        ],
        rows: item.desc.columns.map((c) => [c.name, c.nullable, typeName(c.type)]),
      };
      return filtered(exec, listing, stmt.filter);
    }
    case 'create': {
      const item = resolveItem(exec, stmt.name);
      const kinds = SHOW_CREATE_KINDS[stmt.objectType];
      if (!kinds) throw new SqlError(SqlState.featureNotSupported, `SHOW CREATE ${stmt.objectType.toUpperCase()} is not supported`);
      if (!kinds.includes(item.kind)) throw wrongKind(item, stmt.objectType);
      const createSql = item.kind === 'subsource' ? `CREATE SUBSOURCE ${quoteName(item.schema, item.name)} (partition text, "offset" uint8)` : item.createSql;
      return rowsResult(
        [{ name: 'name', type: text }, { name: 'create_sql', type: text }],
        [[`${DATABASE_NAME}.${item.schema}.${item.name}`, createSql]],
      );
    }
    case 'variable': {
      if (stmt.name === 'all') {
        return rowsResult(
          [{ name: 'name', type: text }, { name: 'setting', type: text }, { name: 'description', type: text }],
          exec.vars.all(),
        );
      }
      const value = exec.vars.get(stmt.name);
      return rowsResult([{ name: exec.vars.canonicalName(stmt.name), type: text }], [[value]]);
    }
  }
}

