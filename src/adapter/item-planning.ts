// CREATE statement -> catalog item, without side effects. The same functions
// run at CREATE time and at boot when the catalog is re-planned from each
// object's create SQL, so an object means the same thing after a restart.
import type {
  CreateConnectionStatement,
  CreateIndexStatement,
  CreateSourceStatement,
  CreateTableStatement,
  CreateTypeStatement,
  CreateViewStatement,
  DataType,
  ObjectName,
} from '../sql/ast.js';
import type { Column, RelationDesc, SqlType } from '../repr/types.js';
import type { RelExpr } from '../plan/mir.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { planConstantExpr, planQuery, typeFromAst } from '../plan/planner.js';
import { planKafkaConnection, planKafkaSource, type KafkaSourceSpec, type SecretRef } from '../storage/kafka/plan.js';
import { parse } from '../sql/parser.js';
import { CSR_CONNECTION_TYPE, planCsrConnection } from '../storage/schema-registry/connection-plan.js';
import type { CsrConnectionSpec } from '../storage/schema-registry/api.js';
import { AWS_CONNECTION_TYPE, planAwsConnection } from '../storage/aws/connection.js';
import { DEFAULT_CLUSTER, kindDisplayName, type CatalogItem, type ItemKind, type SourceDetails } from '../catalog/objects.js';
import { DEAD_LETTER_DESC } from './sources.js';
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

/**
 * CREATE TYPE: Materialize's named list, map and record types. Element,
 * key and value types must be named types (built-in or created before), as
 * in Materialize; the name stands for the structure.
 */
export function planTypeItem(_exec: ExecContext, stmt: CreateTypeStatement, identity: ItemIdentity): CatalogItem {
  const def = stmt.definition;
  const kindName = def.kind === 'list' ? 'LIST' : 'MAP';
  const named = (option: string, t: DataType): SqlType => {
    if (t.kind !== 'named') {
      const written = t.kind === 'list' ? 'list' : t.kind === 'map' ? 'map' : 'array';
      throw new SqlError(
        SqlState.invalidParameterValue,
        `CREATE TYPE ... AS ${kindName} option ${option} can only use named data types, but found unnamed data type ${written}. Use CREATE TYPE to create a named type first`,
      );
    }
    if (t.name === 'list' || t.name === 'map') throw new SqlError(SqlState.wrongObjectType, `cannot reference pseudo type mz_catalog.${t.name}`);
    return typeFromAst(t);
  };
  const option = (name: string): DataType | undefined => (def.kind === 'record' ? undefined : def.options.find((o) => o.name === name)?.type);
  const checkOptions = (allowed: string[]): void => {
    if (def.kind === 'record') return;
    for (const o of def.options) {
      if (!allowed.includes(o.name)) throw new SqlError(SqlState.syntaxError, `unexpected CREATE TYPE option ${o.name.toUpperCase()}`);
    }
  };
  let userType: SqlType;
  if (def.kind === 'list') {
    checkOptions(['element type']);
    const element = option('element type');
    if (!element) throw new SqlError(SqlState.syntaxError, 'ELEMENT TYPE option is required');
    userType = { kind: 'list', element: named('ELEMENT TYPE', element) };
  } else if (def.kind === 'map') {
    checkOptions(['key type', 'value type']);
    const key = option('key type');
    const value = option('value type');
    if (!key) throw new SqlError(SqlState.syntaxError, 'KEY TYPE option is required');
    if (!value) throw new SqlError(SqlState.syntaxError, 'VALUE TYPE option is required');
    const keyType = named('KEY TYPE', key);
    if (keyType.kind !== 'text') throw new SqlError(SqlState.datatypeMismatch, 'key type must be text');
    userType = { kind: 'map', value: named('VALUE TYPE', value) };
  } else {
    userType = { kind: 'record', fields: def.fields.map((f) => ({ name: f.name, type: typeFromAst(f.type) })) };
  }
  return { ...baseItem(identity, 'type', []), userType };
}

export function planConnectionItem(exec: ExecContext, stmt: CreateConnectionStatement, identity: ItemIdentity): CatalogItem {
  if (stmt.connectionType !== 'kafka' && stmt.connectionType !== CSR_CONNECTION_TYPE && stmt.connectionType !== AWS_CONNECTION_TYPE) {
    throw new SqlError(SqlState.featureNotSupported, `${stmt.connectionType.toUpperCase()} connections are not supported yet`);
  }
  const deps = new Set<string>();
  const resolveSecret = (name: ObjectName): SecretRef => {
    const secret = resolveItem(exec, name);
    if (secret.kind !== 'secret') throw new SqlError(SqlState.wrongObjectType, `"${secret.name}" is not a secret`);
    deps.add(secret.id);
    return { id: secret.id, name: secret.name };
  };
  if (stmt.connectionType === CSR_CONNECTION_TYPE) {
    const csr = planCsrConnection(stmt, resolveSecret);
    return { ...baseItem(identity, 'connection', [...deps]), connection: { connectionType: stmt.connectionType, csr } };
  }
  if (stmt.connectionType === AWS_CONNECTION_TYPE) {
    const aws = planAwsConnection(stmt, resolveSecret);
    return { ...baseItem(identity, 'connection', [...deps]), connection: { connectionType: stmt.connectionType, aws } };
  }
  const kafka = planKafkaConnection(stmt, resolveSecret, (name) => {
    const item = resolveItem(exec, name);
    const spec = item.kind === 'connection' ? item.connection?.aws : undefined;
    if (!spec) throw new SqlError(SqlState.wrongObjectType, `"${item.name}" is not an AWS CONNECTION`);
    deps.add(item.id);
    return { id: item.id, name: item.name, spec };
  });
  return { ...baseItem(identity, 'connection', [...deps]), connection: { connectionType: stmt.connectionType, kafka } };
}

/** Plans what a Kafka source (or a table fed by one) reads and how it decodes it; `dependsOn` collects the connections used. */
function planKafkaSourceSpec(exec: ExecContext, stmt: CreateSourceStatement, dependsOn: Set<string>): { spec: KafkaSourceSpec; connectionId: string } {
  const connection = resolveItem(exec, stmt.connector.connection);
  if (connection.kind !== 'connection' || !connection.connection?.kafka) {
    throw new SqlError(SqlState.wrongObjectType, `"${connection.name}" is not a KAFKA CONNECTION`);
  }
  dependsOn.add(connection.id);
  const spec = planKafkaSource(stmt, connection.connection.kafka, {
    csrConnection: (name) => {
      const csr = resolveCsrConnection(exec, name);
      dependsOn.add(csr.id);
      return csr.spec;
    },
  });
  return { spec, connectionId: connection.id };
}

/** A source, its progress subsource and, with EXPOSE ERRORS AS, its dead-letter subsource. */
export function planSourceItems(
  exec: ExecContext,
  stmt: CreateSourceStatement,
  identity: ItemIdentity,
  progressIdentity: ItemIdentity,
  errorsIdentity?: ItemIdentity,
): CatalogItem[] {
  const dependsOn = new Set<string>();
  const { spec, connectionId } = planKafkaSourceSpec(exec, stmt, dependsOn);
  const details: SourceDetails = { spec, connectionId, progressId: progressIdentity.id };
  if (errorsIdentity) details.errorsId = errorsIdentity.id;
  const source: CatalogItem = {
    ...baseItem(identity, 'source', [...dependsOn]),
    desc: spec.desc,
    source: details,
    cluster: stmt.inCluster ?? DEFAULT_CLUSTER,
  };
  const progress: CatalogItem = { ...baseItem(progressIdentity, 'subsource', []), ownerId: identity.id, desc: spec.progressDesc };
  if (!errorsIdentity) return [source, progress];
  const errors: CatalogItem = { ...baseItem(errorsIdentity, 'subsource', []), ownerId: identity.id, subsourceRole: 'errors', desc: DEAD_LETTER_DESC };
  return [source, progress, errors];
}

/**
 * CREATE TABLE t FROM SOURCE s [(REFERENCE r)] FORMAT ... (Materialize's
 * newer source model): a read-only table that reads the source's topic with
 * its own format and envelope, its own consumer, shard and offsets. Several
 * tables may read one source.
 */
export function planSourceTableItem(exec: ExecContext, stmt: CreateTableStatement, identity: ItemIdentity): CatalogItem {
  const from = stmt.fromSource!;
  const parent = resolveItem(exec, from.source);
  if (parent.kind !== 'source' || !parent.source) throw new SqlError(SqlState.wrongObjectType, `"${parent.name}" is not a source`);
  const topic = parent.source.spec.topic;
  if (from.reference) {
    const reference = from.reference.parts[from.reference.parts.length - 1]!;
    if (reference !== topic) {
      throw new SqlError(SqlState.undefinedObject, `reference "${from.reference.parts.join('.')}" not found in source "${parent.name}"`, {
        detail: `The source reads topic "${topic}".`,
        position: from.reference.pos + 1,
      });
    }
  }
  const parentStmt = parse(parent.createSql)[0]!.statement as CreateSourceStatement;
  const { format: _format, keyFormat: _keyFormat, valueFormat: _valueFormat, progressName: _progress, envelope: _envelope, ...connector } = parentStmt;
  const tableSource: CreateSourceStatement = { ...connector, name: stmt.name, columnNames: [], include: from.include, withOptions: [], pos: stmt.pos };
  if (from.format) tableSource.format = from.format;
  if (from.keyFormat) tableSource.keyFormat = from.keyFormat;
  if (from.valueFormat) tableSource.valueFormat = from.valueFormat;
  if (from.envelope) tableSource.envelope = from.envelope;
  const dependsOn = new Set<string>([parent.id]);
  const { spec, connectionId } = planKafkaSourceSpec(exec, tableSource, dependsOn);
  return {
    ...baseItem(identity, 'table', [...dependsOn]),
    desc: spec.desc,
    source: { spec, connectionId, sourceId: parent.id },
    cluster: parent.cluster ?? DEFAULT_CLUSTER,
  };
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

/** A source's (or source table's) spec planned again from its stored statement, with its connections as they are now. */
export function replanSourceSpec(exec: ExecContext, item: CatalogItem): KafkaSourceSpec {
  const identity: ItemIdentity = { id: item.id, oid: item.oid, schema: item.schema, name: item.name, createSql: item.createSql };
  const stmt = parse(item.createSql)[0]!.statement;
  if (stmt.kind === 'createTable') return planSourceTableItem(exec, stmt, identity).source!.spec;
  if (stmt.kind !== 'createSource') throw new Error(`${item.name} is not a source`);
  const unused: ItemIdentity = { ...identity, id: '', name: '' };
  return planSourceItems(exec, stmt, identity, unused)[0]!.source!.spec;
}

/** Resolves `CONFLUENT SCHEMA REGISTRY CONNECTION name` (42704 when missing, 42809 when another kind of connection). */
export function resolveCsrConnection(exec: ExecContext, name: ObjectName): { id: string; spec: CsrConnectionSpec } {
  const item = resolveItem(exec, name);
  const spec = item.kind === 'connection' ? item.connection?.csr : undefined;
  if (!spec) throw new SqlError(SqlState.wrongObjectType, `"${item.name}" is not a CONFLUENT SCHEMA REGISTRY CONNECTION`);
  return { id: item.id, spec };
}
