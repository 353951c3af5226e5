// Per-statement planning state: shared `let` bindings, parameter types and
// the CTEs in scope. One instance per planned statement.
import type { SqlType } from '../repr/types.js';
import type { Cte } from '../sql/ast.js';
import type { RelExpr } from './mir.js';
import { describe } from './mir.js';
import type { PlanContext } from './context.js';

export interface CteBinding {
  cte: Cte;
  /** getLocal of the CTE's plan, when the CTE does not depend on an enclosing query. */
  local?: RelExpr;
  names: string[];
}

export class PlanState {
  private readonly lets: { name: string; value: RelExpr }[] = [];
  private letCounter = 0;
  /** Inferred or given types of $1..$n (index 0 is $1). */
  readonly paramTypes: (SqlType | undefined)[];
  private readonly ctes: Map<string, CteBinding>[] = [];

  constructor(readonly ctx: PlanContext) {
    this.paramTypes = ctx.paramTypes.map((t) => t ?? undefined);
  }

  /** Shares `value` under a fresh name; simple leaves are returned as they are. */
  bind(value: RelExpr): RelExpr {
    if (value.op === 'get' || value.op === 'getLocal' || (value.op === 'constant' && value.rows.length <= 1)) return value;
    const name = `l${this.letCounter++}`;
    this.lets.push({ name, value });
    return { op: 'getLocal', name, desc: describe(value) };
  }

  /** Position to roll back to when a speculative planning attempt is discarded. */
  mark(): number {
    return this.lets.length;
  }

  reset(mark: number): void {
    this.lets.length = mark;
  }

  /** Wraps `body` in every binding made so far (earlier bindings outermost). */
  wrap(body: RelExpr): RelExpr {
    let result = body;
    for (let i = this.lets.length - 1; i >= 0; i--) {
      const { name, value } = this.lets[i]!;
      result = { op: 'let', name, value, body: result };
    }
    return result;
  }

  pushCtes(bindings: Map<string, CteBinding>): void {
    this.ctes.push(bindings);
  }

  popCtes(): void {
    this.ctes.pop();
  }

  /** Views are planned in a fresh scope: the statement's CTEs are invisible to them. */
  withoutCtes<T>(fn: () => T): T {
    const saved = this.ctes.splice(0, this.ctes.length);
    try {
      return fn();
    } finally {
      this.ctes.splice(0, this.ctes.length, ...saved);
    }
  }

  lookupCte(name: string): CteBinding | undefined {
    for (let i = this.ctes.length - 1; i >= 0; i--) {
      const found = this.ctes[i]!.get(name);
      if (found) return found;
    }
    return undefined;
  }

  paramType(index: number): SqlType | undefined {
    return this.paramTypes[index - 1];
  }

  setParamType(index: number, type: SqlType): void {
    while (this.paramTypes.length < index) this.paramTypes.push(undefined);
    this.paramTypes[index - 1] = type;
  }

  noteParam(index: number): void {
    while (this.paramTypes.length < index) this.paramTypes.push(undefined);
  }

  /** Final parameter types: parameters nothing constrained are text, as in PostgreSQL. */
  finalParamTypes(): SqlType[] {
    return this.paramTypes.map((t) => (t === undefined || t.kind === 'unknown' ? { kind: 'text' } : t));
  }
}
