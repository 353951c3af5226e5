// Boot: rebuilds every catalog item from its persisted create SQL, in id
// order (dependencies always have smaller ids), and restores its data.
import type { PersistedItem } from '../catalog/objects.js';
import type {
  CreateConnectionStatement,
  CreateIndexStatement,
  CreateSourceStatement,
  CreateTableStatement,
  CreateTypeStatement,
  CreateViewStatement,
  Statement,
} from '../sql/ast.js';
import { parse } from '../sql/parser.js';
import type { CoordinatorCore } from './core.js';
import type { ExecContext } from './exec-context.js';
import { installItem } from './install.js';
import { planConnectionItem, planIndexItem, planSourceItems, planSourceTableItem, planTableItem, planTypeItem, planViewItem, type ItemIdentity } from './item-planning.js';
import { TransactionState } from './transaction.js';
import { SessionVars } from './vars.js';
import type { CatalogItem } from '../catalog/objects.js';

function identityOf(record: PersistedItem): ItemIdentity {
  return { id: record.id, oid: record.oid, schema: record.schema, name: record.name, createSql: record.createSql };
}

function statementOf(record: PersistedItem): Statement {
  return parse(record.createSql)[0]!.statement;
}

function planRecord(exec: ExecContext, record: PersistedItem, all: PersistedItem[]): CatalogItem[] {
  const identity = identityOf(record);
  switch (record.kind) {
    case 'table': {
      const stmt = statementOf(record) as CreateTableStatement;
      return [stmt.fromSource ? planSourceTableItem(exec, stmt, identity) : planTableItem(exec, stmt, identity)];
    }
    case 'view':
    case 'materialized-view':
      return [planViewItem(exec, statementOf(record) as CreateViewStatement, identity)];
    case 'index':
      return [planIndexItem(exec, statementOf(record) as CreateIndexStatement, identity, { text: record.createSql, offset: 0 })];
    case 'connection':
      return [planConnectionItem(exec, statementOf(record) as CreateConnectionStatement, identity)];
    case 'secret':
      return [{ ...record }];
    case 'type':
      return [planTypeItem(exec, statementOf(record) as CreateTypeStatement, identity)];
    case 'source': {
      const progress = all.find((r) => r.ownerId === record.id && r.subsourceRole === undefined);
      if (!progress) throw new Error(`progress subsource of source ${record.id} is missing from the catalog`);
      const errors = all.find((r) => r.ownerId === record.id && r.subsourceRole === 'errors');
      return planSourceItems(exec, statementOf(record) as CreateSourceStatement, identity, identityOf(progress), errors && identityOf(errors));
    }
    case 'subsource':
      return [];
  }
}

function replayContext(core: CoordinatorCore, record: PersistedItem): ExecContext {
  const settings = new Map<string, string>();
  if (record.searchPath) settings.set('search_path', record.searchPath.join(', '));
  if (record.timeZone) settings.set('TimeZone', record.timeZone);
  return {
    core,
    vars: new SessionVars(settings),
    user: 'materialize',
    txn: new TransactionState(),
    notice: () => {},
    signal: new AbortController().signal,
    paramTypes: [],
  };
}

export async function replayCatalog(core: CoordinatorCore, records: PersistedItem[]): Promise<void> {
  const failed = new Set<string>();
  for (const record of records) {
    if (record.kind === 'subsource') {
      if (record.ownerId && failed.has(record.ownerId)) core.catalog.keepUnloaded(record);
      continue;
    }
    try {
      if (record.dependsOn.some((id) => failed.has(id))) throw new Error(`it depends on an object that failed to load`);
      const items = planRecord(replayContext(core, record), record, records);
      for (const item of items) {
        if (record.searchPath) item.searchPath = record.searchPath;
        if (record.timeZone) item.timeZone = record.timeZone;
      }
      await installItem(core, items[0]!);
      for (const item of items) core.catalog.insert(item);
    } catch (err) {
      failed.add(record.id);
      core.catalog.keepUnloaded(record);
      core.logger.error({ err, id: record.id, name: record.name, createSql: record.createSql }, 'catalog item failed to load; kept on disk unchanged');
    }
  }
}
