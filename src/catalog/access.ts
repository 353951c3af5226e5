// Roles, object ownership and privileges, kept in the catalog document.
// Roles carry a SCRAM-SHA-256 verifier (never a password). Privileges are
// PostgreSQL's ACL letters per object and grantee: r SELECT, a INSERT,
// w UPDATE, d DELETE, C CREATE, U USAGE. Objects are catalog items (by id),
// schemas ("schema:<id>") and the database ("database:materialize").
// Owners and superusers hold every privilege on what they own / everything.
import { SqlError, SqlState } from '../repr/errors.js';

export type PrivilegeLetter = 'r' | 'a' | 'w' | 'd' | 'C' | 'U';

export const PRIVILEGE_LETTERS: Record<string, PrivilegeLetter> = {
  SELECT: 'r',
  INSERT: 'a',
  UPDATE: 'w',
  DELETE: 'd',
  CREATE: 'C',
  USAGE: 'U',
};

export const PRIVILEGE_NAMES: Record<PrivilegeLetter, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', C: 'CREATE', U: 'USAGE' };

/** The grantee that stands for every role. */
export const PUBLIC_GRANTEE = 'p';
/** The built-in superuser (Materialize's default user). */
export const SUPERUSER_NAME = 'materialize';
export const SUPERUSER_ID = 'u1';
const SUPERUSER_OID = 16385;
const FIRST_ROLE_OID = 16386;

export interface RoleAttributes {
  login: boolean;
  superuser: boolean;
  inherit: boolean;
  createRole: boolean;
  createDb: boolean;
  createCluster: boolean;
}

export interface Role extends RoleAttributes {
  id: string;
  oid: number;
  name: string;
  /** SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>; absent: no password. */
  verifier?: string;
}

export interface PersistedAccess {
  roles: Role[];
  nextRoleId: number;
  nextRoleOid: number;
  /** object key -> owning role id (absent: the built-in superuser). */
  owners: Record<string, string>;
  /** object key -> grantee role id (or 'p' for PUBLIC) -> privilege letters. */
  grants: Record<string, Record<string, string>>;
}

export function schemaKey(schemaId: string): string {
  return `schema:${schemaId}`;
}

export const DATABASE_KEY = 'database:materialize';

function builtinSuperuser(): Role {
  return { id: SUPERUSER_ID, oid: SUPERUSER_OID, name: SUPERUSER_NAME, login: true, superuser: true, inherit: true, createRole: true, createDb: true, createCluster: true };
}

export class AccessControl {
  private readonly roles = new Map<string, Role>();
  private nextRoleId = 2;
  private nextRoleOid = FIRST_ROLE_OID;
  private readonly owners = new Map<string, string>();
  private readonly grants = new Map<string, Map<string, string>>();

  constructor() {
    this.roles.set(SUPERUSER_ID, builtinSuperuser());
    // As Materialize and PostgreSQL 15: every role may use the public schema and the database; creating in them is granted.
    this.grants.set(DATABASE_KEY, new Map([[PUBLIC_GRANTEE, 'U']]));
  }

  /** Restores persisted state (absent in catalogs written before roles existed). */
  load(stored: PersistedAccess | undefined, publicSchemaKey: string): void {
    if (stored === undefined) {
      this.grants.set(publicSchemaKey, new Map([[PUBLIC_GRANTEE, 'U']]));
      return;
    }
    this.roles.clear();
    for (const role of stored.roles) this.roles.set(role.id, { ...role });
    if (!this.roles.has(SUPERUSER_ID)) this.roles.set(SUPERUSER_ID, builtinSuperuser());
    this.nextRoleId = stored.nextRoleId;
    this.nextRoleOid = stored.nextRoleOid;
    this.owners.clear();
    for (const [key, owner] of Object.entries(stored.owners)) this.owners.set(key, owner);
    this.grants.clear();
    for (const [key, acl] of Object.entries(stored.grants)) this.grants.set(key, new Map(Object.entries(acl)));
  }

  /** A fresh catalog: the public schema is usable by everyone. */
  initPublicSchema(publicSchemaKey: string): void {
    if (!this.grants.has(publicSchemaKey)) this.grants.set(publicSchemaKey, new Map([[PUBLIC_GRANTEE, 'U']]));
  }

  toJSON(): PersistedAccess {
    return {
      roles: [...this.roles.values()],
      nextRoleId: this.nextRoleId,
      nextRoleOid: this.nextRoleOid,
      owners: Object.fromEntries(this.owners),
      grants: Object.fromEntries([...this.grants].map(([key, acl]) => [key, Object.fromEntries(acl)])),
    };
  }

  // ---------------------------------------------------------------- roles

  allRoles(): Role[] {
    return [...this.roles.values()].sort((a, b) => a.oid - b.oid);
  }

  roleByName(name: string): Role | undefined {
    for (const role of this.roles.values()) if (role.name === name) return role;
    return undefined;
  }

  roleById(id: string): Role | undefined {
    return this.roles.get(id);
  }

  createRole(name: string, attributes: RoleAttributes, verifier: string | undefined): Role {
    if (this.roleByName(name) || name === 'public' || name === 'none') throw new SqlError(SqlState.duplicateObject, `role "${name}" already exists`);
    if (/^(mz_|pg_)/.test(name)) throw new SqlError('42939', `role name "${name}" is reserved`);
    const role: Role = { id: `u${this.nextRoleId++}`, oid: this.nextRoleOid++, name, ...attributes };
    if (verifier !== undefined) role.verifier = verifier;
    this.roles.set(role.id, role);
    return role;
  }

  dropRole(role: Role): void {
    if (role.id === SUPERUSER_ID) throw new SqlError('55006', `cannot drop the built-in superuser "${role.name}"`);
    const owned = [...this.owners.values()].filter((owner) => owner === role.id).length;
    if (owned > 0) {
      throw new SqlError(SqlState.dependentObjectsStillExist, `role "${role.name}" cannot be dropped because some objects depend on it`, {
        detail: `owner of ${owned} object${owned === 1 ? '' : 's'}`,
      });
    }
    for (const acl of this.grants.values()) acl.delete(role.id);
    this.roles.delete(role.id);
  }

  // ------------------------------------------------------------ ownership

  owner(key: string): string {
    return this.owners.get(key) ?? SUPERUSER_ID;
  }

  hasOwner(key: string): boolean {
    return this.owners.has(key);
  }

  setOwner(key: string, roleId: string): void {
    this.owners.set(key, roleId);
  }

  /** The object is gone: forget its owner and grants. */
  forget(key: string): void {
    this.owners.delete(key);
    this.grants.delete(key);
  }

  // ----------------------------------------------------------- privileges

  grant(key: string, grantee: string, letters: string): void {
    const acl = this.grants.get(key) ?? new Map<string, string>();
    const held = new Set(acl.get(grantee) ?? '');
    for (const letter of letters) held.add(letter);
    acl.set(grantee, canonical(held));
    this.grants.set(key, acl);
  }

  revoke(key: string, grantee: string, letters: string): void {
    const acl = this.grants.get(key);
    if (!acl) return;
    const held = new Set(acl.get(grantee) ?? '');
    for (const letter of letters) held.delete(letter);
    if (held.size === 0) acl.delete(grantee);
    else acl.set(grantee, canonical(held));
  }

  /** Whether `roleId` holds `letter` on `key`: superuser, owner, its own grant or PUBLIC's. */
  has(roleId: string, key: string, letter: PrivilegeLetter): boolean {
    const role = this.roles.get(roleId);
    if (role === undefined) return false;
    if (role.superuser || this.owner(key) === roleId) return true;
    const acl = this.grants.get(key);
    if (!acl) return false;
    return (acl.get(roleId) ?? '').includes(letter) || (acl.get(PUBLIC_GRANTEE) ?? '').includes(letter);
  }

  /** PostgreSQL's aclitem[] text for an object: {grantee=letters/owner,...} ('' for PUBLIC's grantee). */
  aclText(key: string): string[] {
    const owner = this.roles.get(this.owner(key))?.name ?? SUPERUSER_NAME;
    const acl = this.grants.get(key);
    const items = [`${owner}=${allLettersFor(key)}/${owner}`];
    for (const [grantee, letters] of acl ?? []) {
      const name = grantee === PUBLIC_GRANTEE ? '' : (this.roles.get(grantee)?.name ?? grantee);
      items.push(`${name}=${letters}/${owner}`);
    }
    return items;
  }
}

const ORDER = 'rawdUC';

function canonical(letters: Set<string>): string {
  return [...ORDER].filter((l) => letters.has(l)).join('');
}

function allLettersFor(key: string): string {
  return key.startsWith('schema:') || key.startsWith('database:') ? 'UC' : 'rawd';
}
