// ALTER ... RENAME TO. Objects are re-planned from their create SQL at boot,
// so a rename must keep every stored statement resolvable: it is allowed when
// nothing refers to the object by name except its own indexes (whose SQL is
// regenerated) and its progress subsource (stored without SQL).
import type { AlterRenameStatement } from '../sql/ast.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { kindDisplayName, type CatalogItem } from '../catalog/objects.js';
import type { ExecuteResult } from './api.js';
import type { ExecContext } from './exec-context.js';
import { command } from './results.js';
import { unknownItem } from './item-planning.js';
import { KINDS_BY_OBJECT_TYPE, quoteName, wrongKind } from './ddl.js';


const CREATE_HEAD = /^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+VIEW|VIEW|TABLE|SOURCE|CONNECTION|SECRET)\s+(?:IF\s+NOT\s+EXISTS\s+)?)("(?:[^"]|"")*"|[^\s(]+)/i;

function indexSql(index: CatalogItem, on: string): string {
  // Column keys are identifiers; expression keys are kept as written.
  const desc = index.desc!;
  const keys = index.index!.keyNames.map((k) => (desc.columns.some((c) => c.name === k) ? quoteName(k) : k));
  return `CREATE INDEX ${quoteName(index.name)} ON ${on} (${keys.join(', ')})`;
}

export function rename(exec: ExecContext, stmt: AlterRenameStatement): ExecuteResult {
  const tag = `ALTER ${stmt.objectType.toUpperCase()}`;
  const kinds = KINDS_BY_OBJECT_TYPE[stmt.objectType];
  if (!kinds) throw new SqlError(SqlState.featureNotSupported, `ALTER ${stmt.objectType.toUpperCase()} ... RENAME is not supported`);
  const { catalog } = exec.core;
  const item = catalog.resolve(stmt.name.parts, exec.vars.searchPath());
  if (!item) {
    if (stmt.ifExists) {
      exec.notice({ severity: 'NOTICE', code: SqlState.undefinedObject, message: `${stmt.objectType} "${stmt.name.parts.join('.')}" does not exist, skipping` });
      return command(tag);
    }
    throw unknownItem(stmt.name, stmt.objectType);
  }
  if (!kinds.includes(item.kind)) throw wrongKind(item, stmt.objectType);
  const blockers = catalog.directDependents(item.id).filter((d) => d.kind !== 'index' && d.ownerId !== item.id);
  if (blockers.length > 0) {
    throw new SqlError(
      SqlState.featureNotSupported,
      `cannot rename ${kindDisplayName(item.kind)} "${item.name}": ${kindDisplayName(blockers[0]!.kind)} "${blockers[0]!.name}" refers to it by name`,
    );
  }
  catalog.rename(item.id, stmt.newName);
  const qualified = quoteName(item.schema, stmt.newName);
  if (item.kind === 'index') item.createSql = indexSql(item, quoteName(...onName(exec, item)));
  else item.createSql = item.createSql.replace(CREATE_HEAD, (_m, head: string) => `${head}${qualified}`);
  for (const index of catalog.directDependents(item.id).filter((d) => d.kind === 'index')) index.createSql = indexSql(index, qualified);
  catalog.save();
  return command(tag);
}

function onName(exec: ExecContext, index: CatalogItem): string[] {
  const on = exec.core.catalog.get(index.index!.on)!;
  return [on.schema, on.name];
}
