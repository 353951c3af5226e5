// PostgreSQL's select_common_type: the type CASE branches, UNION columns,
// COALESCE arguments, VALUES rows and ARRAY[...] elements are converted to.
import type { SqlType } from '../repr/types.js';
import { SqlError, SqlState } from '../repr/errors.js';
import { canCoerceImplicitly } from './cast.js';
import { displayType, isPreferred, sameBaseType, sameType, typeCategory, withoutModifiers } from './type-info.js';

export function commonTypeOf(types: SqlType[], construct: string): SqlType {
  const known = types.filter((t) => t.kind !== 'unknown');
  if (known.length === 0) return { kind: 'text' };
  const first = known[0]!;
  if (known.every((t) => sameType(t, first))) return first;
  if (known.every((t) => sameBaseType(t, first))) return withoutModifiers(first);
  let chosen = first;
  for (const t of known.slice(1)) {
    if (sameBaseType(t, chosen)) continue;
    if (typeCategory(t) !== typeCategory(chosen)) {
      throw new SqlError(SqlState.datatypeMismatch, `${construct} types ${displayType(chosen)} and ${displayType(t)} cannot be matched`);
    }
    if (!isPreferred(chosen) && canCoerceImplicitly(chosen, t) && !canCoerceImplicitly(t, chosen)) chosen = t;
  }
  for (const t of known) {
    if (!sameBaseType(t, chosen) && !canCoerceImplicitly(t, chosen)) {
      throw new SqlError(SqlState.cannotCoerce, `${construct} could not convert type ${displayType(t)} to ${displayType(chosen)}`);
    }
  }
  return withoutModifiers(chosen);
}
