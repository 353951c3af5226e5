// CREATE / DROP / ALTER: plan the item, install its side effects, then
// record it in the durable catalog. DDL runs one statement at a time.
import type {
  AlterConnectionStatement,
  AlterSecretStatement,
  CreateConnectionStatement,
  CreateIndexStatement,
  CreateSchemaStatement,
  CreateSecretStatement,
  CreateSourceStatement,
  CreateTableStatement,
  CreateTypeStatement,
  CreateViewStatement,
  DropStatement,
  ObjectName,
  ParsedStatement,
  ValidateConnectionStatement,
} from '../sql/ast.js';
import { purifyDecoding } from './purify.js';
import { sourceTopic } from '../storage/kafka/source-plan.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { alreadyExists } from '../catalog/catalog.js';
import { DATABASE_NAME, kindDisplayName, type CatalogItem, type ItemKind } from '../catalog/objects.js';
import { validateKafkaConnection } from '../storage/kafka/plan.js';
import { validateCsrConnection } from '../storage/schema-registry/validate.js';
import { validateAwsConnection } from '../storage/aws/connection.js';
import type { ExecuteResult } from './api.js';
import type { ExecContext } from './exec-context.js';
import { command } from './results.js';
import {
  defaultIndexName,
  planConnectionItem,
  planIndexItem,
  planSourceItems,
  planSourceTableItem,
  replanSourceSpec,
  planTableItem,
  planTypeItem,
  planViewItem,
  resolveItem,
  unknownItem,
  type ItemIdentity,
} from './item-planning.js';
import { installItem, uninstallItem } from './install.js';
import { evalConstantExpr } from './query.js';
import { checkOptions, optionBool } from './options.js';
import { renderCreateConnection } from './render-sql.js';
import { ExtraSqlState } from '../catalog/extra-sqlstates.js';
import { parse } from '../sql/parser.js';

/** Allocates the identity of a new item, or returns null (after a notice) for IF NOT EXISTS on an existing name. */
function newIdentity(exec: ExecContext, name: ObjectName, ifNotExists: boolean, createSql: string, kind?: ItemKind): ItemIdentity | null {
  const { catalog } = exec.core;
  const target = catalog.schemaForNewItem(name.parts, exec.vars.searchPath());
  if (catalog.lookup(target.schema, target.name)) {
    if (ifNotExists) {
      exec.notice({ severity: 'NOTICE', code: SqlState.duplicateTable, message: `${alreadyExists(target.name, kind).message}, skipping` });
      return null;
    }
    throw alreadyExists(target.name, kind);
  }
  return { id: catalog.allocateId(), oid: catalog.allocateOid(), schema: target.schema, name: target.name, createSql };
}

/** Installs new items and records them durably; on failure nothing remains. */
async function commitItems(exec: ExecContext, items: CatalogItem[]): Promise<void> {
  const { core } = exec;
  const [first] = items;
  const timeZone = exec.vars.get('TimeZone');
  for (const item of items) {
    item.searchPath = exec.vars.searchPath();
    if (timeZone !== 'UTC') item.timeZone = timeZone;
  }
  await installItem(core, first!);
  try {
    for (const item of items) core.catalog.insert(item);
    // Durable before it is answered; on failure (53100 on a full disk) nothing remains.
    await core.catalog.commit();
  } catch (err) {
    for (const item of items) core.catalog.remove(item.id);
    await uninstallItem(core, first!);
    throw err;
  }
}

export async function createTable(exec: ExecContext, stmt: CreateTableStatement, parsed: ParsedStatement): Promise<ExecuteResult> {
  if (stmt.temporary) throw new SqlError(SqlState.featureNotSupported, 'CREATE TEMPORARY TABLE is not supported');
  if (stmt.fromSource) {
    const identity = newIdentity(exec, stmt.name, stmt.ifNotExists, parsed.text);
    if (!identity) return command('CREATE TABLE');
    const parent = resolveItem(exec, stmt.fromSource.source);
    if (parent.kind !== 'source' || !parent.source) throw new SqlError(SqlState.wrongObjectType, `"${parent.name}" is not a source`);
    identity.createSql = await purifyDecoding(exec, { ...stmt.fromSource, pos: stmt.pos }, parent.source.spec.topic, parsed.text, parsed.offset);
    await commitItems(exec, [planSourceTableItem(exec, stmt, identity)]);
    return command('CREATE TABLE');
  }
  const identity = newIdentity(exec, stmt.name, stmt.ifNotExists, parsed.text);
  if (identity) await commitItems(exec, [planTableItem(exec, stmt, identity)]);
  return command('CREATE TABLE');
}

export async function createView(exec: ExecContext, stmt: CreateViewStatement, parsed: ParsedStatement): Promise<ExecuteResult> {
  const tag = stmt.materialized ? 'CREATE MATERIALIZED VIEW' : 'CREATE VIEW';
  if (stmt.temporary) throw new SqlError(SqlState.featureNotSupported, 'CREATE TEMPORARY VIEW is not supported');
  const { catalog } = exec.core;
  if (stmt.orReplace) {
    const target = catalog.schemaForNewItem(stmt.name.parts, exec.vars.searchPath());
    const existing = catalog.lookup(target.schema, target.name);
    if (existing) {
      const kind: ItemKind = stmt.materialized ? 'materialized-view' : 'view';
      if (existing.kind !== kind) throw wrongKind(existing, kindDisplayName(kind));
      // Plan the replacement first so a bad definition leaves the old view in place.
      planViewItem(exec, stmt, { id: existing.id, oid: existing.oid, schema: existing.schema, name: existing.name, createSql: parsed.text });
      await dropItems(exec, catalog.dropOrder(existing.id, false));
    }
  }
  const identity = newIdentity(exec, stmt.name, stmt.ifNotExists, parsed.text);
  if (identity) await commitItems(exec, [planViewItem(exec, stmt, identity)]);
  return command(tag);
}

export async function createIndex(exec: ExecContext, stmt: CreateIndexStatement, parsed: ParsedStatement): Promise<ExecuteResult> {
  const on = resolveItem(exec, stmt.on);
  const keyNames = stmt.keys.map((k) => (k.kind === 'identifier' ? k.parts[k.parts.length - 1]! : 'expr'));
  const name = stmt.name ?? defaultIndexName(on.name, keyNames, stmt.isDefault || stmt.keys.length === 0);
  const identity = newIdentity(exec, { parts: [on.schema, name], pos: stmt.pos }, stmt.ifNotExists, parsed.text);
  if (identity) await commitItems(exec, [planIndexItem(exec, stmt, identity, { text: parsed.text, offset: parsed.offset })]);
  return command('CREATE INDEX');
}

function secretValue(exec: ExecContext, stmt: CreateSecretStatement | AlterSecretStatement): string {
  let value;
  try {
    ({ value } = evalConstantExpr(exec, stmt.value));
  } catch (err) {
    // The error could quote the value (invalid input syntax for type ...: "<value>"): never repeat it.
    const code = err instanceof SqlError ? err.code : SqlState.invalidParameterValue;
    throw new SqlError(code, 'invalid secret value (the value is not shown)');
  }
  if (value === null) throw new SqlError(SqlState.nullValueNotAllowed, 'secret value must not be NULL');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value !== 'string') throw new SqlError(SqlState.datatypeMismatch, 'secret value must be text or bytea');
  return value;
}

export async function createSecret(exec: ExecContext, stmt: CreateSecretStatement): Promise<ExecuteResult> {
  const value = secretValue(exec, stmt);
  const target = exec.core.catalog.schemaForNewItem(stmt.name.parts, exec.vars.searchPath());
  // The catalog stores a redacted statement; the value lives in the secret store only.
  const createSql = `CREATE SECRET ${quoteName(target.schema, target.name)} AS '********'`;
  const identity = newIdentity(exec, stmt.name, stmt.ifNotExists, createSql, 'secret');
  if (identity) {
    exec.core.secrets.set(identity.id, value);
    await commitItems(exec, [{ ...identity, kind: 'secret', dependsOn: [] }]);
  }
  return command('CREATE SECRET');
}

export async function createType(exec: ExecContext, stmt: CreateTypeStatement, parsed: ParsedStatement): Promise<ExecuteResult> {
  const identity = newIdentity(exec, stmt.name, stmt.ifNotExists ?? false, parsed.text, 'type');
  if (identity) await commitItems(exec, [planTypeItem(exec, stmt, identity)]);
  return command('CREATE TYPE');
}

export async function alterSecret(exec: ExecContext, stmt: AlterSecretStatement): Promise<ExecuteResult> {
  const item = exec.core.catalog.resolve(stmt.name.parts, exec.vars.searchPath());
  if (!item) {
    if (stmt.ifExists) {
      exec.notice({ severity: 'NOTICE', code: SqlState.undefinedObject, message: `secret '${stmt.name.parts.join('.')}' does not exist, skipping` });
      return command('ALTER SECRET');
    }
    throw unknownItem(stmt.name, 'secret');
  }
  if (item.kind !== 'secret') throw wrongKind(item, 'secret');
  exec.core.secrets.set(item.id, secretValue(exec, stmt));
  // Sources read their credentials when they connect: restart those whose
  // connections use this secret (directly, or through an AWS connection), so
  // they reconnect with the new value, resuming where their data ends.
  const connections = new Set<string>();
  const visit = (id: string): void => {
    for (const dependent of exec.core.catalog.directDependents(id)) {
      if (dependent.kind === 'connection' && !connections.has(dependent.id)) {
        connections.add(dependent.id);
        visit(dependent.id);
      }
    }
  };
  visit(item.id);
  await exec.core.secrets.flushed();
  for (const id of connections) await exec.core.sources.reconnect(id);
  return command('ALTER SECRET');
}

function readSecretFor(exec: ExecContext): (id: string) => string {
  return (id) => {
    const value = exec.core.secrets.get(id);
    if (value === undefined) throw new SqlError(SqlState.undefinedObject, `secret ${id} does not exist`);
    return value;
  };
}

/** Checks that a connection's external system answers (CREATE / ALTER / VALIDATE CONNECTION). */
async function validateConnectionDetails(exec: ExecContext, connection: CatalogItem['connection']): Promise<void> {
  if (connection?.kafka) await validateKafkaConnection(connection.kafka, readSecretFor(exec));
  if (connection?.csr) await validateCsrConnection(connection.csr, readSecretFor(exec));
  if (connection?.aws) await validateAwsConnection(connection.aws, readSecretFor(exec));
}

function wantsValidation(withOptions: CreateConnectionStatement['withOptions']): boolean {
  const options = checkOptions(withOptions, ['VALIDATE'], 'CONNECTION');
  const validate = options.get('VALIDATE');
  return validate === undefined ? true : optionBool(validate);
}

export async function createConnection(exec: ExecContext, stmt: CreateConnectionStatement, parsed: ParsedStatement): Promise<ExecuteResult> {
  const validate = wantsValidation(stmt.withOptions);
  const identity = newIdentity(exec, stmt.name, stmt.ifNotExists, parsed.text, 'connection');
  if (identity) {
    const item = planConnectionItem(exec, stmt, identity);
    if (validate) await validateConnectionDetails(exec, item.connection);
    await commitItems(exec, [item]);
  }
  return command('CREATE CONNECTION');
}

export async function alterConnection(exec: ExecContext, stmt: AlterConnectionStatement): Promise<ExecuteResult> {
  const { catalog } = exec.core;
  const item = catalog.resolve(stmt.name.parts, exec.vars.searchPath());
  if (!item) {
    if (stmt.ifExists) return command('ALTER CONNECTION');
    throw unknownItem(stmt.name, 'connection');
  }
  if (item.kind !== 'connection') throw wrongKind(item, 'connection');
  const original = parse(item.createSql)[0]!.statement as CreateConnectionStatement;
  let options = [...original.options];
  for (const action of stmt.actions) {
    if (action.kind === 'set') options = [...options.filter((o) => o.name !== action.option.name), action.option];
    else if (action.kind === 'drop') options = options.filter((o) => o.name !== action.name);
    else throw new SqlError(SqlState.featureNotSupported, 'ALTER CONNECTION ... ROTATE KEYS is not supported');
  }
  const updated: CreateConnectionStatement = { ...original, options };
  const createSql = renderCreateConnection(updated, quoteName(item.schema, item.name));
  const replanned = planConnectionItem(exec, updated, { id: item.id, oid: item.oid, schema: item.schema, name: item.name, createSql });
  if (wantsValidation(stmt.withOptions)) await validateConnectionDetails(exec, replanned.connection);
  item.createSql = createSql;
  item.connection = replanned.connection;
  item.dependsOn = replanned.dependsOn;
  // Sources (and source tables) decoding through a schema registry connection
  // carry its settings in their planned formats: plan them again.
  for (const dependent of catalog.directDependents(item.id)) {
    if (dependent.source && dependent.source.connectionId !== item.id) dependent.source.spec = replanSourceSpec(exec, dependent);
  }
  catalog.save();
  await exec.core.sources.reconnect(item.id);
  return command('ALTER CONNECTION');
}

export async function validateConnection(exec: ExecContext, stmt: ValidateConnectionStatement): Promise<ExecuteResult> {
  const item = resolveItem(exec, stmt.name);
  if (item.kind !== 'connection') throw wrongKind(item, 'connection');
  await validateConnectionDetails(exec, item.connection);
  return command('VALIDATE CONNECTION');
}

export async function createSource(exec: ExecContext, stmt: CreateSourceStatement, parsed: ParsedStatement): Promise<ExecuteResult> {
  const { catalog } = exec.core;
  const identity = newIdentity(exec, stmt.name, stmt.ifNotExists, parsed.text);
  if (!identity) return command('CREATE SOURCE');
  const subsource = (parts: string[]): ItemIdentity => {
    const target = catalog.schemaForNewItem(parts, exec.vars.searchPath());
    if (catalog.lookup(target.schema, target.name)) throw alreadyExists(target.name);
    return { id: catalog.allocateId(), oid: catalog.allocateOid(), schema: target.schema, name: target.name, createSql: '' };
  };
  const progressIdentity = subsource(stmt.progressName?.parts ?? [...stmt.name.parts.slice(0, -1), `${identity.name}_progress`]);
  const errorsIdentity = stmt.errorsName ? subsource(stmt.errorsName.parts) : undefined;
  if (errorsIdentity && errorsIdentity.schema === progressIdentity.schema && errorsIdentity.name === progressIdentity.name) throw alreadyExists(errorsIdentity.name);
  identity.createSql = await purifyDecoding(exec, stmt, sourceTopic(stmt), parsed.text, parsed.offset);
  await commitItems(exec, planSourceItems(exec, stmt, identity, progressIdentity, errorsIdentity));
  return command('CREATE SOURCE');
}

export function createSchema(exec: ExecContext, stmt: CreateSchemaStatement): ExecuteResult {
  const parts = stmt.name.parts;
  if (parts.length === 2 && parts[0] !== DATABASE_NAME) throw new SqlError(SqlState.undefinedObject, `unknown database '${parts[0]}'`);
  const name = parts[parts.length - 1]!;
  const { catalog } = exec.core;
  if (catalog.schema(name)) {
    if (stmt.ifNotExists) {
      exec.notice({ severity: 'NOTICE', code: SqlState.duplicateSchema, message: `schema '${name}' already exists, skipping` });
      return command('CREATE SCHEMA');
    }
    throw new SqlError(SqlState.duplicateSchema, `schema '${name}' already exists`);
  }
  catalog.createSchema(name);
  catalog.save();
  return command('CREATE SCHEMA');
}

/** Catalog item kinds a statement's object type (DROP TABLE, ALTER VIEW, ...) applies to. */
export const KINDS_BY_OBJECT_TYPE: Partial<Record<DropStatement['objectType'], ItemKind[]>> = {
  type: ['type'],
  table: ['table'],
  view: ['view'],
  'materialized view': ['materialized-view'],
  source: ['source'],
  index: ['index'],
  secret: ['secret'],
  connection: ['connection'],
};

function dropTag(objectType: DropStatement['objectType']): string {
  return `DROP ${objectType.toUpperCase()}`;
}

async function dropItems(exec: ExecContext, items: CatalogItem[]): Promise<void> {
  const { core } = exec;
  for (const item of items) core.catalog.remove(item.id);
  try {
    await core.catalog.commit();
  } catch (err) {
    // Not durable: the items stay as they were (dependencies first).
    for (const item of [...items].reverse()) core.catalog.insert(item);
    throw err;
  }
  for (const item of items) await uninstallItem(core, item);
}

export async function drop(exec: ExecContext, stmt: DropStatement): Promise<ExecuteResult> {
  if (stmt.objectType === 'schema') return dropSchemas(exec, stmt);
  const kinds = KINDS_BY_OBJECT_TYPE[stmt.objectType];
  if (!kinds) throw new SqlError(SqlState.featureNotSupported, `DROP ${stmt.objectType.toUpperCase()} is not supported`);
  const { catalog } = exec.core;
  // Resolve everything first so a bad name drops nothing.
  const targets: CatalogItem[] = [];
  for (const name of stmt.names) {
    const item = catalog.resolve(name.parts, exec.vars.searchPath());
    if (!item) {
      if (stmt.ifExists) {
        exec.notice({ severity: 'NOTICE', code: SqlState.undefinedObject, message: `${stmt.objectType} "${name.parts.join('.')}" does not exist, skipping` });
        continue;
      }
      throw unknownItem(name, stmt.objectType);
    }
    if (!kinds.includes(item.kind)) {
      if (item.kind === 'subsource') {
        throw new SqlError(SqlState.dependentObjectsStillExist, `cannot drop source "${item.name}": it is the progress subsource of another source and is dropped with it`);
      }
      throw wrongKind(item, stmt.objectType);
    }
    targets.push(item);
  }
  const order: CatalogItem[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    for (const item of catalog.dropOrder(target.id, stmt.cascade)) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      order.push(item);
      if (item.id !== target.id && item.ownerId !== target.id && item.kind !== 'index') {
        exec.notice({ severity: 'NOTICE', code: SqlState.successfulCompletion, message: `drop cascades to ${kindDisplayName(item.kind)} ${item.name}` });
      }
    }
  }
  await dropItems(exec, order);
  return command(dropTag(stmt.objectType));
}

async function dropSchemas(exec: ExecContext, stmt: DropStatement): Promise<ExecuteResult> {
  const { catalog } = exec.core;
  for (const name of stmt.names) {
    const schemaName = name.parts[name.parts.length - 1]!;
    const info = catalog.schema(schemaName);
    if (!info) {
      if (stmt.ifExists) {
        exec.notice({ severity: 'NOTICE', code: SqlState.undefinedObject, message: `schema "${schemaName}" does not exist, skipping` });
        continue;
      }
      throw new SqlError(ExtraSqlState.invalidSchemaName, `unknown schema '${schemaName}'`, { position: name.pos + 1 });
    }
    if (info.system) throw new SqlError(SqlState.insufficientPrivilege, `cannot drop system schema '${schemaName}'`);
    const contents = catalog.itemsInSchema(schemaName);
    if (contents.length > 0 && !stmt.cascade) {
      throw new SqlError(SqlState.dependentObjectsStillExist, `schema '${schemaName}' cannot be dropped without CASCADE while it contains objects`);
    }
    const order: CatalogItem[] = [];
    const seen = new Set<string>();
    for (const item of contents) {
      for (const dep of catalog.dropOrder(item.id, true)) {
        if (!seen.has(dep.id)) {
          seen.add(dep.id);
          order.push(dep);
        }
      }
    }
    await dropItems(exec, order);
    catalog.dropSchema(schemaName);
    catalog.save();
  }
  return command('DROP SCHEMA');
}

export function wrongKind(item: CatalogItem, expected: string): SqlError {
  return new SqlError(SqlState.wrongObjectType, `"${item.name}" is a ${kindDisplayName(item.kind)} not a ${expected}`);
}

export function quoteName(...parts: string[]): string {
  return parts.map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`)).join('.');
}
