// What a statement executes with: the shared core and the session's state.
import type { Notice } from './api.js';
import type { CoordinatorCore, PlanContextOptions } from './core.js';
import type { SessionVars } from './vars.js';
import type { PlanContext } from '../plan/context.js';
import type { SqlType } from '../repr/types.js';
import type { CatalogItem } from '../catalog/objects.js';
import type { TransactionState } from './transaction.js';

export interface ExecContext {
  core: CoordinatorCore;
  vars: SessionVars;
  user: string;
  txn: TransactionState;
  notice(notice: Notice): void;
  signal: AbortSignal;
  /** Types of $1..$n as described to the client (null: infer); execution plans with the same types. */
  paramTypes: (SqlType | null)[];
}

/** The parameter type hints for a statement executed with `count` parameter values. */
export function paramHints(exec: ExecContext, count: number): (SqlType | null)[] {
  const hints = exec.paramTypes.slice(0, Math.max(count, exec.paramTypes.length));
  while (hints.length < count) hints.push(null);
  return hints;
}

export function planContextFor(
  exec: ExecContext,
  paramTypes: (SqlType | null)[],
  onResolve?: (item: CatalogItem) => void,
  useIndexes = false,
): PlanContext {
  const options: PlanContextOptions = { vars: exec.vars, paramTypes, currentUser: exec.user, useIndexes };
  if (onResolve) options.onResolve = onResolve;
  return exec.core.planContext(options);
}
