// Name resolution: which column of the relation being built a written name
// refers to. A scope is a stack of levels; level 0 is the query's own FROM
// clause, deeper levels are enclosing queries (outer references of correlated
// subqueries, whose columns are the leading columns of the relation).
import type { SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';

export interface ScopeItem {
  /** Qualifier the column can be named with: [alias] or [database, schema, item]; none for USING-merged columns. */
  table?: string[];
  name: string;
  /** Position in the relation being built. */
  index: number;
  type: SqlType;
  /** Only reachable qualified (t.a): the two sides of a USING column, which `*` shows once, merged. */
  qualifiedOnly?: boolean;
  /** Name of the relation an aliased FROM item reads (t in `FROM t AS u`), for error messages. */
  relation?: string;
  /** Set after GROUP BY for columns that are neither grouped nor aggregated: referring to them is 42803. */
  ungrouped?: boolean;
  /**
   * The column of a function in FROM that returns a scalar (not a row): its
   * whole-row reference (`e` in `FROM f(...) AS e`) is the value itself, as
   * in PostgreSQL, not a one-field record.
   */
  scalarFunctionValue?: boolean;
}

/** levels[0] is the innermost query. */
export interface Scope {
  levels: ScopeItem[][];
}

export interface Resolved {
  item: ScopeItem;
  level: number;
}

function qualifierMatches(item: ScopeItem, qualifier: string[]): boolean {
  const table = item.table;
  if (!table || qualifier.length > table.length) return false;
  const offset = table.length - qualifier.length;
  return qualifier.every((part, i) => table[offset + i] === part);
}

export function hasTable(items: ScopeItem[], qualifier: string[]): boolean {
  return items.some((item) => qualifierMatches(item, qualifier));
}

function ambiguous(name: string, pos: number): SqlError {
  return new SqlError(SqlState.ambiguousColumn, `column reference "${name}" is ambiguous`, { position: pos + 1 });
}

/** Display name of a column for error messages: t.b (with the table's last qualifier) or b. */
export function displayName(item: ScopeItem): string {
  const table = item.table;
  return table && table.length > 0 ? `${table[table.length - 1]}.${item.name}` : item.name;
}

export function groupingError(item: ScopeItem, pos: number): SqlError {
  return new SqlError(
    SqlState.groupingError,
    `column "${displayName(item)}" must appear in the GROUP BY clause or be used in an aggregate function`,
    { position: pos + 1 },
  );
}

/**
 * Finds the column named by `parts` (a, t.a, s.t.a, d.s.t.a). Returns undefined
 * when nothing matches so that callers can try other interpretations (record
 * field access); `unresolvedError` builds the error PostgreSQL gives then.
 */
export function resolveColumn(scope: Scope, parts: string[], pos: number): Resolved | undefined {
  const name = parts[parts.length - 1]!;
  const qualifier = parts.slice(0, -1);
  for (let level = 0; level < scope.levels.length; level++) {
    const items = scope.levels[level]!;
    const matches =
      qualifier.length === 0
        ? items.filter((item) => item.name === name && !item.qualifiedOnly)
        : items.filter((item) => item.name === name && qualifierMatches(item, qualifier));
    if (matches.length > 1) {
      // The same column reached twice (a USING merge seen through two paths) is not ambiguous.
      const first = matches[0]!;
      if (!matches.every((m) => m.index === first.index)) throw ambiguous(parts.join('.'), pos);
    }
    if (matches.length > 0) return { item: matches[0]!, level };
    if (qualifier.length > 0 && hasTable(items, qualifier)) {
      throw new SqlError(SqlState.undefinedColumn, `column ${parts.join('.')} does not exist`, { position: pos + 1 });
    }
  }
  return undefined;
}

export function unresolvedError(scope: Scope, parts: string[], pos: number): SqlError {
  const qualifier = parts.slice(0, -1);
  if (qualifier.length === 1 && !scope.levels.some((items) => hasTable(items, qualifier))) {
    const aliased = scope.levels.flat().find((item) => item.relation === qualifier[0] && item.table);
    if (aliased) {
      return new SqlError(SqlState.undefinedTable, `invalid reference to FROM-clause entry for table "${qualifier[0]}"`, {
        position: pos + 1,
        hint: `Perhaps you meant to reference the table alias "${aliased.table![aliased.table!.length - 1]}".`,
      });
    }
  }
  if (qualifier.length > 0 && !scope.levels.some((items) => hasTable(items, qualifier))) {
    return new SqlError(SqlState.undefinedTable, `missing FROM-clause entry for table "${qualifier[qualifier.length - 1]}"`, {
      position: pos + 1,
    });
  }
  if (qualifier.length > 0) {
    return new SqlError(SqlState.undefinedColumn, `column ${parts.join('.')} does not exist`, { position: pos + 1 });
  }
  return new SqlError(SqlState.undefinedColumn, `column "${parts[0]}" does not exist`, { position: pos + 1 });
}
