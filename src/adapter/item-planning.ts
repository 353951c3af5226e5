// CREATE statement -> catalog item, without side effects. The same functions
// run at CREATE time and at boot when the catalog is re-planned from each
// object's create SQL, so an object means the same thing after a restart.
import type {
  CreateConnectionStatement,
  CreateIndexStatement,
  CreateSourceStatement,
  CreateTableStatement,
  CreateViewStatement,
  ObjectName,
} from '../sql/ast.js';
import type { Column, RelationDesc } from '../repr/types.js';
import type { RelExpr } from '../plan/mir.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { planConstantExpr, planQuery, typeFromAst } from '../plan/planner.js';
import { planKafkaConnection, planKafkaSource } from '../storage/kafka/plan.js';
import { DEFAULT_CLUSTER, kindDisplayName, type CatalogItem, type ItemKind } from '../catalog/objects.js';
import { planContextFor, type ExecContext } from './exec-context.js';
import { checkMaintainable, maintainedPlan } from './query.js';
import { qualifyQuery } from './qualify.js';
import { planIndexKeys, type StatementSource } from './index-keys.js';

/** Where a new item goes and what it is called. */
export interface ItemIdentity {
  id: string;
  oid: number;
  schema: string;
  name: string;
  createSql: string;
}

function baseItem(identity: ItemIdentity, kind: ItemKind, dependsOn: string[]): CatalogItem {
  return { ...identity, kind, dependsOn };
}

export function planTableItem(exec: ExecContext, stmt: CreateTableStatement, identity: ItemIdentity): CatalogItem {
  const keyColumns = new Set(stmt.constraints.filter((c) => c.kind === 'primaryKey').flatMap((c) => c.columns));
  const columns: Column[] = [];
  const seen = new Set<string>();
  for (const def of stmt.columns) {
    if (seen.has(def.name)) throw new SqlError(SqlState.duplicateColumn, `column "${def.name}" specified more than once`, { position: def.pos + 1 });
    seen.add(def.name);
    columns.push({ name: def.name, type: typeFromAst(def.dataType), nullable: !def.notNull && !keyColumns.has(def.name) });
  }
  const keys: number[][] = [];
  for (const constraint of stmt.constraints) {
    const key = constraint.columns.map((name) => {
      const i = columns.findIndex((c) => c.name === name);
      if (i < 0) throw new SqlError(SqlState.undefinedColumn, `column "${name}" named in key does not exist`);
      return i;
    });
    keys.push(key);
  }
  const ctx = planContextFor(exec, []);
  const defaults = stmt.columns.map((def) => {
    // Planned only to reject invalid defaults now rather than at INSERT time.
    if (def.defaultValue) planConstantExpr(def.defaultValue, ctx);
    return def.defaultValue;
  });
  const desc: RelationDesc = keys.length > 0 ? { columns, keys } : { columns };
  const defaultTexts = stmt.columns.map((def) => def.defaultText);
  return { ...baseItem(identity, 'table', []), desc, table: { defaults, defaultTexts } };
}

/** Renames a planned query's output columns as CREATE VIEW v (a, b) asks, and rejects duplicates. */
function viewDesc(desc: RelationDesc, names: string[]): RelationDesc {
  if (names.length > desc.columns.length) {
    throw new SqlError(SqlState.syntaxError, `CREATE VIEW specifies more column names than columns`);
  }
  const columns = desc.columns.map((c, i) => ({ ...c, name: names[i] ?? c.name }));
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new SqlError(SqlState.duplicateColumn, `column "${c.name}" specified more than once`);
    seen.add(c.name);
  }
  return { ...desc, columns };
}

export function planViewItem(exec: ExecContext, stmt: CreateViewStatement, identity: ItemIdentity): CatalogItem {
  const deps = new Set<string>();
  const planned = planQuery(stmt.query, planContextFor(exec, [], (item) => deps.add(item.id)));
  if (planned.paramTypes.length > 0) throw new SqlError(SqlState.featureNotSupported, 'views cannot have parameters');
  const desc = viewDesc(planned.desc, stmt.columns);
  if (!stmt.materialized) {
    const query = qualifyQuery(stmt.query, (parts) => exec.core.qualifyRelation(parts, exec.vars, exec.user));
    return { ...baseItem(identity, 'view', [...deps]), desc, view: { query, columns: stmt.columns } };
  }
  const plan = maintainedPlan(planned);
  checkMaintainable(plan, 'materialized view');
  return { ...baseItem(identity, 'materialized-view', [...deps]), desc, plan, cluster: stmt.inCluster ?? DEFAULT_CLUSTER };
}

/** Name Materialize gives an unnamed index: <relation>_<keys>_idx, or <relation>_primary_idx for a default index. */
export function defaultIndexName(on: string, keyNames: string[], isDefault: boolean): string {
  if (isDefault) return `${on}_primary_idx`;
  return `${[on, ...keyNames].join('_')}_idx`.replace(/[^A-Za-z0-9_]/g, '_');
}

export function planIndexItem(exec: ExecContext, stmt: CreateIndexStatement, identity: ItemIdentity, source: StatementSource): CatalogItem {
  const on = resolveItem(exec, stmt.on);
  if (!on.desc || !['table', 'source', 'subsource', 'view', 'materialized-view'].includes(on.kind)) {
    throw new SqlError(SqlState.wrongObjectType, `cannot create index on ${kindDisplayName(on.kind)} "${on.name}"`);
  }
  const desc = on.desc;
  const { keys, keyNames } = planIndexKeys(exec, on, stmt, source);
  let plan: RelExpr;
  if (on.kind === 'view') {
    plan = maintainedPlan(planQuery(on.view!.query, planContextFor(exec, [])));
    checkMaintainable(plan, 'index');
  } else {
    plan = { op: 'get', id: on.id, desc };
  }
  return {
    ...baseItem(identity, 'index', [on.id]),
    desc,
    plan,
    index: { on: on.id, keys, keyNames },
    cluster: stmt.inCluster ?? DEFAULT_CLUSTER,
  };
}

export function planConnectionItem(exec: ExecContext, stmt: CreateConnectionStatement, identity: ItemIdentity): CatalogItem {
  if (stmt.connectionType !== 'kafka') {
    throw new SqlError(SqlState.featureNotSupported, `${stmt.connectionType.toUpperCase()} connections are not supported yet`);
  }
  const deps = new Set<string>();
  const kafka = planKafkaConnection(stmt, (name) => {
    const secret = resolveItem(exec, name);
    if (secret.kind !== 'secret') throw new SqlError(SqlState.wrongObjectType, `"${secret.name}" is not a secret`);
    deps.add(secret.id);
    return { id: secret.id, name: secret.name };
  });
  return { ...baseItem(identity, 'connection', [...deps]), connection: { connectionType: stmt.connectionType, kafka } };
}

/** A source and its progress subsource. */
export function planSourceItems(
  exec: ExecContext,
  stmt: CreateSourceStatement,
  identity: ItemIdentity,
  progressIdentity: ItemIdentity,
): [CatalogItem, CatalogItem] {
  const connection = resolveItem(exec, stmt.connector.connection);
  if (connection.kind !== 'connection' || !connection.connection?.kafka) {
    throw new SqlError(SqlState.wrongObjectType, `"${connection.name}" is not a KAFKA CONNECTION`);
  }
  const spec = planKafkaSource(stmt, connection.connection.kafka);
  const source: CatalogItem = {
    ...baseItem(identity, 'source', [connection.id]),
    desc: spec.desc,
    source: { spec, connectionId: connection.id, progressId: progressIdentity.id },
    cluster: stmt.inCluster ?? DEFAULT_CLUSTER,
  };
  const progress: CatalogItem = { ...baseItem(progressIdentity, 'subsource', []), ownerId: identity.id, desc: spec.progressDesc };
  return [source, progress];
}

/** Resolves a name to a user catalog item; 42P01 `unknown catalog item` when missing. */
export function resolveItem(exec: ExecContext, name: ObjectName): CatalogItem {
  const item = exec.core.catalog.resolve(name.parts, exec.vars.searchPath());
  if (!item) throw unknownItem(name);
  return item;
}

/** PostgreSQL's wording: `relation "t" does not exist` (or `table "t" ...` when the statement names the kind). */
export function unknownItem(name: ObjectName, what = 'relation'): SqlError {
  return new SqlError(SqlState.undefinedTable, `${what} "${name.parts.join('.')}" does not exist`, { position: name.pos + 1 });
}
