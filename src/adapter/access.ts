// Privilege checks (as PostgreSQL and Materialize): before a statement runs,
// every object it names is checked against the session's role — SELECT on
// relations read, INSERT / UPDATE / DELETE on the table written, USAGE on
// schemas, connections and secrets used, CREATE on the schema created in,
// ownership for DROP / ALTER / GRANT. Superusers and owners bypass. A view
// read is checked for the reader on the view, and for the view's owner on
// what the view reads (as PostgreSQL). Plus the statements that manage roles
// and privileges: CREATE / ALTER / DROP ROLE, GRANT, REVOKE.
import type {
  AlterRoleStatement,
  CreateRoleStatement,
  DropRoleStatement,
  GrantStatement,
  ObjectName,
  Query,
  RoleOption,
  Statement,
} from '../sql/ast.js';
import { SqlError, SqlState } from '../repr/errors.js';
import {
  DATABASE_KEY,
  PRIVILEGE_LETTERS,
  PUBLIC_GRANTEE,
  SUPERUSER_ID,
  schemaKey,
  type AccessControl,
  type PrivilegeLetter,
  type Role,
  type RoleAttributes,
} from '../catalog/access.js';
import { DATABASE_NAME, type CatalogItem } from '../catalog/objects.js';
import type { Catalog } from '../catalog/catalog.js';
import { formatVerifier, makeVerifier } from '../server/pgwire/scram.js';
import type { ExecContext } from './exec-context.js';
import { command } from './results.js';
import type { ExecuteResult } from './api.js';
import { KINDS_BY_OBJECT_TYPE } from './ddl.js';

function objectLabel(item: CatalogItem): string {
  switch (item.kind) {
    case 'materialized-view':
      return `materialized view ${item.name}`;
    case 'subsource':
      return `source ${item.name}`;
    default:
      return `${item.kind} ${item.name}`;
  }
}

export function permissionDenied(what: string): SqlError {
  return new SqlError(SqlState.insufficientPrivilege, `permission denied for ${what}`);
}

function mustBeOwner(what: string): SqlError {
  return new SqlError(SqlState.insufficientPrivilege, `must be owner of ${what}`);
}

/** Collects the relation references (CTE names excluded) and the other object names of a statement. */
class NameCollector {
  readonly relations: ObjectName[] = [];
  readonly others: ObjectName[] = [];

  constructor(private readonly skip: Set<unknown>) {}

  walk(node: unknown, scopes: Set<string>[]): void {
    if (Array.isArray(node)) {
      for (const n of node) this.walk(n, scopes);
      return;
    }
    if (typeof node !== 'object' || node === null || this.skip.has(node)) return;
    const obj = node as Record<string, unknown>;
    if (obj.kind === 'query') {
      const query = obj as unknown as Query;
      const inner = [...scopes, new Set(query.with.map((c) => c.name))];
      for (const [key, value] of Object.entries(obj)) if (key !== 'kind') this.walk(value, inner);
      return;
    }
    if (obj.kind === 'table' && isObjectName(obj.name)) {
      const parts = obj.name.parts;
      if (!(parts.length === 1 && scopes.some((s) => s.has(parts[0]!)))) this.relations.push(obj.name);
      return;
    }
    if (!('kind' in obj) && isObjectName(obj)) {
      this.others.push(obj);
      return;
    }
    for (const [key, value] of Object.entries(obj)) {
      // A function's name is not a catalog object.
      if (obj.kind === 'function' && key === 'name') continue;
      this.walk(value, scopes);
    }
  }
}

function isObjectName(value: unknown): value is ObjectName {
  return typeof value === 'object' && value !== null && Array.isArray((value as ObjectName).parts) && (value as ObjectName).parts.every((p) => typeof p === 'string');
}

class Checker {
  private readonly access: AccessControl;
  private readonly catalog: Catalog;

  constructor(
    private readonly exec: ExecContext,
    private readonly roleId: string,
  ) {
    this.catalog = exec.core.catalog;
    this.access = this.catalog.access;
  }

  can(roleId: string, key: string, letter: PrivilegeLetter): boolean {
    return this.access.has(roleId, key, letter);
  }

  resolve(name: ObjectName): CatalogItem | undefined {
    try {
      return this.catalog.resolve(name.parts, this.exec.vars.searchPath());
    } catch {
      return undefined;
    }
  }

  schemaUsage(item: CatalogItem, roleId = this.roleId): void {
    const schema = this.catalog.schema(item.schema);
    if (schema && !schema.system && !this.can(roleId, schemaKey(schema.id), 'U')) throw permissionDenied(`schema ${schema.name}`);
  }

  /** `letter` on `item` (and USAGE on its schema); a view read also checks its owner's access to what it reads. */
  require(item: CatalogItem, letter: PrivilegeLetter, roleId = this.roleId, seen = new Set<string>()): void {
    this.schemaUsage(item, roleId);
    if (!this.can(roleId, item.id, letter)) throw permissionDenied(objectLabel(item));
    if (letter === 'r' && item.kind === 'view' && item.view && !seen.has(item.id)) {
      seen.add(item.id);
      const owner = this.access.owner(item.id);
      const collector = new NameCollector(new Set());
      collector.walk(item.view.query, []);
      for (const name of [...collector.relations, ...collector.others]) {
        const inner = this.catalog.resolve(name.parts, item.searchPath ?? this.exec.vars.searchPath());
        if (inner) this.require(inner, 'r', owner, seen);
      }
    }
  }

  /** Every object a statement names, except `skip`: SELECT on relations, USAGE on connections, secrets and types. */
  requireReferences(node: unknown, skip: unknown[] = []): void {
    const collector = new NameCollector(new Set(skip));
    collector.walk(node, []);
    for (const name of collector.relations) {
      const item = this.resolve(name);
      if (item) this.require(item, 'r');
    }
    for (const name of collector.others) {
      const item = this.resolve(name);
      if (!item) continue;
      if (item.kind === 'connection' || item.kind === 'secret' || item.kind === 'type') this.require(item, 'U');
      else if (item.kind !== 'index') this.require(item, 'r');
    }
  }

  owner(item: CatalogItem): void {
    if (this.access.owner(item.id) !== this.roleId) throw mustBeOwner(objectLabel(item));
  }

  /** CREATE on the schema a new object named `name` goes into. */
  createIn(name: ObjectName): void {
    let target: { schema: string };
    try {
      target = this.catalog.schemaForNewItem(name.parts, this.exec.vars.searchPath());
    } catch {
      return; // The statement reports the bad name itself.
    }
    const schema = this.catalog.schema(target.schema);
    if (schema && !this.can(this.roleId, schemaKey(schema.id), 'C')) throw permissionDenied(`schema ${schema.name}`);
  }
}

function sessionRole(exec: ExecContext): Role | undefined {
  return exec.core.catalog.access.roleByName(exec.user);
}

/** Throws 42501 unless the session's role may run `stmt`. */
export function authorize(exec: ExecContext, stmt: Statement): void {
  const role = sessionRole(exec);
  if (role?.superuser) return;
  // A role dropped while its session is open holds no privileges (PUBLIC's are still checked through an id no one has).
  const check = new Checker(exec, role?.id ?? '\0none');
  switch (stmt.kind) {
    case 'select':
    case 'subscribe':
    case 'explain':
      check.requireReferences(stmt);
      return;
    case 'declare':
      check.requireReferences(stmt.statement);
      return;
    case 'insert': {
      const target = check.resolve(stmt.table);
      if (target) {
        check.require(target, 'a');
        if (stmt.returning.length > 0) check.require(target, 'r');
      }
      check.requireReferences(stmt, [stmt.table]);
      return;
    }
    case 'update':
    case 'delete': {
      const target = check.resolve(stmt.table);
      if (target) {
        check.require(target, stmt.kind === 'update' ? 'w' : 'd');
        // Reading the table's rows (WHERE, RETURNING, SET expressions) needs SELECT, as in PostgreSQL.
        if (stmt.where !== undefined || stmt.returning.length > 0 || stmt.kind === 'update') check.require(target, 'r');
      }
      check.requireReferences(stmt, [stmt.table]);
      return;
    }
    case 'copy':
      if (stmt.source.kind === 'table') {
        const target = check.resolve(stmt.source.name);
        if (target) check.require(target, stmt.direction === 'from' ? 'a' : 'r');
        return;
      }
      check.requireReferences(stmt.source);
      return;
    case 'createTable':
      check.createIn(stmt.name);
      check.requireReferences(stmt, [stmt.name]);
      return;
    case 'createView':
      check.createIn(stmt.name);
      check.requireReferences(stmt.query);
      if (stmt.orReplace) {
        const existing = check.resolve(stmt.name);
        if (existing) check.owner(existing);
      }
      return;
    case 'createIndex': {
      const on = check.resolve(stmt.on);
      if (on) {
        check.owner(on);
        check.createIn({ parts: [on.schema, 'index'], pos: stmt.pos });
      }
      return;
    }
    case 'createSource':
      check.createIn(stmt.name);
      check.requireReferences(stmt, [stmt.name, stmt.progressName, stmt.errorsName].filter((n) => n !== undefined));
      return;
    case 'createSecret':
    case 'createType':
      check.createIn(stmt.name);
      check.requireReferences(stmt, [stmt.name]);
      return;
    case 'createConnection':
      check.createIn(stmt.name);
      check.requireReferences(stmt, [stmt.name]);
      return;
    case 'createSchema':
      if (!check.can(role?.id ?? '\0none', DATABASE_KEY, 'C')) throw permissionDenied(`database ${DATABASE_NAME}`);
      return;
    case 'alterSecret':
    case 'alterConnection':
    case 'alterRename': {
      const item = check.resolve(stmt.name);
      if (item) check.owner(item);
      if (stmt.kind === 'alterConnection') check.requireReferences(stmt.actions);
      return;
    }
    case 'validateConnection': {
      const item = check.resolve(stmt.name);
      if (item) check.require(item, 'U');
      return;
    }
    case 'drop':
      for (const name of stmt.names) {
        if (stmt.objectType === 'schema') {
          const schema = exec.core.catalog.schema(name.parts[name.parts.length - 1]!);
          if (schema && !schema.system && exec.core.catalog.access.owner(schemaKey(schema.id)) !== role?.id) throw mustBeOwner(`schema ${schema.name}`);
          continue;
        }
        const item = check.resolve(name);
        if (item) check.owner(item);
      }
      return;
    case 'createRole':
    case 'dropRole':
      if (!role?.createRole) throw permissionDenied(`${stmt.kind === 'createRole' ? 'CREATE' : 'DROP'} ROLE: requires the CREATEROLE attribute or a superuser`);
      return;
    case 'alterRole': {
      // A role may change its own password; anything else needs CREATEROLE.
      const own = stmt.name === exec.user && stmt.options.every((o) => o.kind === 'password');
      if (!own && !role?.createRole) throw permissionDenied('ALTER ROLE: requires the CREATEROLE attribute or a superuser');
      return;
    }
    case 'grant':
      // Checked per object by grant() (the owner grants).
      return;
    default:
      return;
  }
}

// ------------------------------------------------------------ role DDL

function attributesOf(options: RoleOption[], base: RoleAttributes): { attributes: RoleAttributes; password: string | null | undefined } {
  const attributes = { ...base };
  let password: string | null | undefined;
  const seen = new Set<string>();
  for (const option of options) {
    if (seen.has(option.kind)) throw new SqlError(SqlState.syntaxError, 'conflicting or redundant options');
    seen.add(option.kind);
    if (option.kind === 'password') password = option.value;
    else attributes[option.kind] = option.value;
  }
  return { attributes, password };
}

function verifierFor(password: string | null | undefined): string | undefined {
  if (password === null || password === undefined) return undefined;
  if (password === '') throw new SqlError(SqlState.invalidParameterValue, 'a password must not be empty');
  return formatVerifier(makeVerifier(password));
}

function requireSuperuserFor(exec: ExecContext, attributes: Partial<RoleAttributes>): void {
  if (attributes.superuser && !sessionRole(exec)?.superuser) throw permissionDenied('SUPERUSER: only superusers can create or alter superusers');
}

export function createRole(exec: ExecContext, stmt: CreateRoleStatement): ExecuteResult {
  const base: RoleAttributes = { login: stmt.user, superuser: false, inherit: true, createRole: false, createDb: false, createCluster: false };
  const { attributes, password } = attributesOf(stmt.options, base);
  requireSuperuserFor(exec, attributes);
  const { catalog } = exec.core;
  catalog.access.createRole(stmt.name, attributes, verifierFor(password));
  catalog.save();
  return command(stmt.user ? 'CREATE USER' : 'CREATE ROLE');
}

export function alterRole(exec: ExecContext, stmt: AlterRoleStatement): ExecuteResult {
  const { catalog } = exec.core;
  const role = catalog.access.roleByName(stmt.name);
  if (!role) {
    if (stmt.ifExists) {
      exec.notice({ severity: 'NOTICE', code: SqlState.undefinedObject, message: `role "${stmt.name}" does not exist, skipping` });
      return command('ALTER ROLE');
    }
    throw new SqlError(SqlState.undefinedObject, `role "${stmt.name}" does not exist`);
  }
  const { attributes, password } = attributesOf(stmt.options, role);
  if (role.superuser !== attributes.superuser || role.superuser) requireSuperuserFor(exec, { superuser: true });
  if (role.id === SUPERUSER_ID && (!attributes.superuser || !attributes.login)) {
    throw new SqlError(SqlState.insufficientPrivilege, `the built-in superuser "${role.name}" must stay a superuser that can log in`);
  }
  Object.assign(role, {
    login: attributes.login,
    superuser: attributes.superuser,
    inherit: attributes.inherit,
    createRole: attributes.createRole,
    createDb: attributes.createDb,
    createCluster: attributes.createCluster,
  });
  if (password === null) delete role.verifier;
  else if (password !== undefined) role.verifier = verifierFor(password)!;
  catalog.save();
  return command('ALTER ROLE');
}

export function dropRole(exec: ExecContext, stmt: DropRoleStatement): ExecuteResult {
  const { catalog } = exec.core;
  const roles: Role[] = [];
  for (const name of stmt.names) {
    const role = catalog.access.roleByName(name);
    if (!role) {
      if (stmt.ifExists) {
        exec.notice({ severity: 'NOTICE', code: SqlState.undefinedObject, message: `role "${name}" does not exist, skipping` });
        continue;
      }
      throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
    }
    if (name === exec.user) throw new SqlError('55006', 'current user cannot be dropped');
    if (role.superuser) requireSuperuserFor(exec, { superuser: true });
    roles.push(role);
  }
  for (const role of roles) catalog.access.dropRole(role);
  catalog.save();
  return command('DROP ROLE');
}

/** GRANT / REVOKE: each object's owner (or a superuser) grants; privileges must apply to the object's kind. */
export function grant(exec: ExecContext, stmt: GrantStatement): ExecuteResult {
  const { catalog } = exec.core;
  const { access } = catalog;
  const role = sessionRole(exec);
  const grantees = stmt.roles.map((name) => {
    if (name === 'public') return PUBLIC_GRANTEE;
    const grantee = access.roleByName(name);
    if (!grantee) throw new SqlError(SqlState.undefinedObject, `role "${name}" does not exist`);
    return grantee.id;
  });
  const targets: { key: string; label: string; allowed: string }[] = [];
  for (const name of stmt.objects) {
    if (stmt.objectType === 'database') {
      const db = name.parts[name.parts.length - 1]!;
      if (db !== DATABASE_NAME) throw new SqlError(SqlState.undefinedObject, `database "${db}" does not exist`);
      targets.push({ key: DATABASE_KEY, label: `database ${db}`, allowed: 'UC' });
      continue;
    }
    if (stmt.objectType === 'schema') {
      const schemaName = name.parts[name.parts.length - 1]!;
      const schema = catalog.schema(schemaName);
      if (!schema || schema.system) throw new SqlError('3F000', `unknown schema '${schemaName}'`);
      targets.push({ key: schemaKey(schema.id), label: `schema ${schema.name}`, allowed: 'UC' });
      continue;
    }
    const item = catalog.resolve(name.parts, exec.vars.searchPath());
    if (!item) throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${name.parts.join('.')}'`);
    const expected: string[] = stmt.objectType === undefined ? ['table', 'view', 'materialized-view', 'source', 'subsource'] : [...(KINDS_BY_OBJECT_TYPE[stmt.objectType] ?? [])];
    if (stmt.objectType === 'source') expected.push('subsource');
    if (!expected.includes(item.kind)) throw new SqlError(SqlState.wrongObjectType, `"${item.name}" is a ${objectLabel(item).split(' ').slice(0, -1).join(' ')}`);
    const allowed = item.kind === 'table' ? 'rawd' : item.kind === 'connection' || item.kind === 'secret' || item.kind === 'type' ? 'U' : 'r';
    targets.push({ key: item.id, label: objectLabel(item), allowed });
  }
  for (const target of targets) {
    if (!role?.superuser && access.owner(target.key) !== role?.id) throw permissionDenied(target.label);
    let letters: string;
    if (stmt.privileges === 'all') letters = target.allowed;
    else {
      letters = stmt.privileges.map((p) => PRIVILEGE_LETTERS[p]!).join('');
      for (const letter of letters) {
        if (!target.allowed.includes(letter)) {
          const privilege = stmt.privileges.find((p) => PRIVILEGE_LETTERS[p] === letter)!;
          throw new SqlError('0LP01', `invalid privilege type ${privilege} for ${target.label.split(' ').slice(0, -1).join(' ')}`);
        }
      }
    }
    for (const grantee of grantees) {
      if (stmt.revoke) access.revoke(target.key, grantee, letters);
      else access.grant(target.key, grantee, letters);
    }
  }
  catalog.save();
  return command(stmt.revoke ? 'REVOKE' : 'GRANT');
}

/** has_table_privilege and friends: whether `roleName` holds `privilege` on the relation `item`. */
export function hasPrivilege(catalog: Catalog, roleName: string, item: CatalogItem, privilege: string): boolean {
  const role = catalog.access.roleByName(roleName);
  if (!role) throw new SqlError(SqlState.undefinedObject, `role "${roleName}" does not exist`);
  const letters = privilege
    .split(',')
    .map((p) => p.trim().toUpperCase().replace(/ WITH GRANT OPTION$/, ''))
    .map((p) => {
      const letter = PRIVILEGE_LETTERS[p];
      if (!letter) throw new SqlError(SqlState.invalidParameterValue, `unrecognized privilege type: "${p.toLowerCase()}"`);
      return letter;
    });
  return letters.some((letter) => catalog.access.has(role.id, item.id, letter));
}
