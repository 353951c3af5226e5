// Reading `NAME = value` options of CREATE CONNECTION / CREATE SOURCE into
// typed values, with Materialize-style errors (option named, position set).
import type { Expr, ObjectName, OptionValue, SqlOption } from '../../sql/ast.js';
import { SqlError, SqlState } from '../../repr/errors.js';

function optionError(option: SqlOption, message: string, code: string = SqlState.invalidParameterValue): SqlError {
  return new SqlError(code, message, { position: option.pos + 1 });
}

/**
 * Indexes options by name, rejecting unknown and repeated ones.
 * `context` names the statement in errors ("KAFKA connection").
 */
export function collectOptions(options: readonly SqlOption[], allowed: readonly string[], context: string): Map<string, SqlOption> {
  const byName = new Map<string, SqlOption>();
  for (const option of options) {
    if (!allowed.includes(option.name)) {
      throw optionError(option, `unexpected ${context} option ${option.name}; expected one of ${allowed.join(', ')}`, SqlState.syntaxError);
    }
    if (byName.has(option.name)) throw optionError(option, `${option.name} specified more than once`, SqlState.syntaxError);
    byName.set(option.name, option);
  }
  return byName;
}

function literalOf(value: OptionValue | undefined): Expr | undefined {
  return value?.kind === 'value' ? value.expr : undefined;
}

/** A string option: 'literal' or a bare word. */
export function stringOption(option: SqlOption): string {
  const value = option.value;
  if (value?.kind === 'ident') return value.name;
  const expr = literalOf(value);
  if (expr?.kind === 'literal' && expr.value.type === 'string') return expr.value.value;
  if (expr?.kind === 'identifier' && expr.parts.length === 1) return expr.parts[0]!;
  throw optionError(option, `invalid ${option.name}: expected a string`);
}

/** A list of strings: ('a', 'b'), ['a', 'b'] or a single string. */
export function stringListOption(option: SqlOption): string[] {
  const value = option.value;
  if (value?.kind === 'list' || value?.kind === 'sequence') {
    return value.items.map((item) => stringOption({ name: option.name, value: item, pos: option.pos }));
  }
  return [stringOption(option)];
}

function integerText(option: SqlOption, expr: Expr | undefined): string {
  if (expr?.kind === 'literal' && expr.value.type === 'number' && /^[0-9]+$/.test(expr.value.text)) return expr.value.text;
  if (expr?.kind === 'unary' && expr.op === '-') return `-${integerText(option, expr.expr)}`;
  if (expr?.kind === 'unary' && expr.op === '+') return integerText(option, expr.expr);
  throw optionError(option, `invalid ${option.name}: expected an integer`);
}

/** An integer option (may be negative), as a bigint. */
export function integerOption(option: SqlOption): bigint {
  const value = option.value;
  if (value?.kind === 'value') return BigInt(integerText(option, value.expr));
  throw optionError(option, `invalid ${option.name}: expected an integer`);
}

/** A list of integers: START OFFSET (0, 10, 100). */
export function integerListOption(option: SqlOption): bigint[] {
  const value = option.value;
  if (value?.kind === 'list' || value?.kind === 'sequence') {
    return value.items.map((item) => integerOption({ name: option.name, value: item, pos: option.pos }));
  }
  return [integerOption(option)];
}

/** `SECRET name` or a plain string: secrets resolve to references, strings stay values. */
export function stringOrSecretOption(option: SqlOption): { secret: ObjectName } | { value: string } {
  if (option.value?.kind === 'secret') return { secret: option.value.name };
  return { value: stringOption(option) };
}

/** An option that only accepts `SECRET name`. */
export function secretOption(option: SqlOption): ObjectName {
  if (option.value?.kind === 'secret') return option.value.name;
  throw optionError(option, `invalid ${option.name}: expected a SECRET`);
}

export function optionErrorAt(option: SqlOption, message: string, code?: string): SqlError {
  return optionError(option, message, code);
}
