// Roles and privileges: CREATE / ALTER / DROP ROLE (and USER), GRANT and
// REVOKE of privileges on objects, as PostgreSQL and Materialize write them.
import type { AlterRoleStatement, CreateRoleStatement, DropRoleStatement, GrantStatement, PrivilegeName, RoleOption, Statement } from './ast.js';
import { SessionParser } from './session.js';

const PRIVILEGES: readonly PrivilegeName[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'USAGE'];

const BOOLEAN_OPTIONS: Record<string, [RoleOption['kind'], boolean]> = {
  login: ['login', true],
  nologin: ['login', false],
  superuser: ['superuser', true],
  nosuperuser: ['superuser', false],
  inherit: ['inherit', true],
  noinherit: ['inherit', false],
  createrole: ['createRole', true],
  nocreaterole: ['createRole', false],
  createdb: ['createDb', true],
  nocreatedb: ['createDb', false],
  createcluster: ['createCluster', true],
  nocreatecluster: ['createCluster', false],
};

export class RoleParser extends SessionParser {
  /** After CREATE, when the next word is ROLE or USER. */
  protected parseCreateRole(pos: number): CreateRoleStatement {
    const user = this.next().value === 'user';
    const name = this.parseAnyIdent();
    return { kind: 'createRole', name, user, options: this.parseRoleOptions(), pos };
  }

  /** After ALTER, when the next word is ROLE or USER. */
  protected parseAlterRole(pos: number): AlterRoleStatement {
    this.next();
    const ifExists = this.eatWords('if', 'exists');
    const name = this.parseAnyIdent();
    if (this.isWord('rename') || this.isWord('set') || this.isWord('reset')) throw this.notSupported(`ALTER ROLE ... ${this.peek().value.toUpperCase()}`, this.peek().start);
    return { kind: 'alterRole', name, ifExists, options: this.parseRoleOptions(), pos };
  }

  /** After DROP, when the next word is ROLE or USER. */
  protected parseDropRole(pos: number): DropRoleStatement {
    this.next();
    const ifExists = this.eatWords('if', 'exists');
    return { kind: 'dropRole', names: this.commaList(() => this.parseAnyIdent()), ifExists, pos };
  }

  private parseRoleOptions(): RoleOption[] {
    this.eatWords('with');
    const options: RoleOption[] = [];
    while (!this.atEnd()) {
      const t = this.peek();
      if (t.kind !== 'word') throw this.syntaxError();
      const flag = BOOLEAN_OPTIONS[t.value];
      this.next();
      if (flag) {
        options.push({ kind: flag[0], value: flag[1] } as RoleOption);
        continue;
      }
      if (t.value === 'password') {
        if (this.eatWords('null')) {
          options.push({ kind: 'password', value: null });
          continue;
        }
        const value = this.next();
        if (value.kind !== 'string') throw this.syntaxError(value);
        options.push({ kind: 'password', value: value.value });
        continue;
      }
      if (t.value === 'encrypted') {
        if (!this.isWord('password')) throw this.syntaxError();
        continue;
      }
      throw this.notSupported(`role option ${t.value.toUpperCase()}`, t.start);
    }
    return options;
  }

  /** After GRANT or REVOKE. */
  protected parseGrant(pos: number, revoke: boolean): Statement {
    if (revoke && this.eatWords('grant', 'option', 'for')) throw this.notSupported('REVOKE GRANT OPTION FOR', pos);
    let privileges: PrivilegeName[] | 'all';
    if (this.eatWords('all')) {
      this.eatWords('privileges');
      privileges = 'all';
    } else {
      privileges = this.commaList(() => {
        const t = this.next();
        const name = t.value.toUpperCase() as PrivilegeName;
        if (t.kind !== 'word' || !PRIVILEGES.includes(name)) throw this.syntaxError(t);
        return name;
      });
    }
    if (!this.eatWords('on')) {
      // GRANT role TO role: role membership.
      throw this.notSupported(revoke ? 'REVOKE of role membership' : 'GRANT of role membership', pos);
    }
    let objectType: GrantStatement['objectType'];
    if (this.eatWords('materialized', 'view')) objectType = 'materialized view';
    else if (this.eatWords('all')) throw this.notSupported(`${revoke ? 'REVOKE' : 'GRANT'} ... ON ALL`, pos);
    else {
      const word = this.eatOneOf('table', 'view', 'source', 'schema', 'connection', 'secret', 'database', 'type');
      objectType = word as GrantStatement['objectType'];
    }
    const objects = this.commaList(() => this.parseObjectName());
    if (revoke) this.expectWords('from');
    else this.expectWords('to');
    const roles = this.commaList(() => {
      this.eatWords('group');
      return this.parseAnyIdent();
    });
    if (!revoke && this.eatWords('with', 'grant', 'option')) throw this.notSupported('WITH GRANT OPTION', pos);
    if (revoke) this.eatOneOf('cascade', 'restrict');
    return { kind: 'grant', revoke, privileges, objectType, objects, roles, pos };
  }
}
