// Reading WITH (...) option values of statements the coordinator handles
// itself (SUBSCRIBE, FETCH, COPY, CREATE CONNECTION's VALIDATE).
import type { OptionValue, SqlOption } from '../sql/ast.js';
import { SqlError, SqlState } from '../repr/errors.js';

function invalid(option: SqlOption, expected: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, `invalid ${option.name} option value: expected ${expected}`, { position: option.pos + 1 });
}

/** The option's value as text (literal, bare word or number), or undefined when written without a value. */
export function optionText(option: SqlOption): string | undefined {
  const v: OptionValue | undefined = option.value;
  if (v === undefined) return undefined;
  if (v.kind === 'ident') return v.name;
  if (v.kind === 'value') {
    const e = v.expr;
    if (e.kind === 'literal') {
      const lit = e.value;
      if (lit.type === 'string') return lit.value;
      if (lit.type === 'number') return lit.text;
      if (lit.type === 'boolean') return String(lit.value);
      if (lit.type === 'typedString') return lit.value;
    }
    if (e.kind === 'identifier') return e.parts.join('.');
    if (e.kind === 'unary' && e.op === '-' && e.expr.kind === 'literal' && e.expr.value.type === 'number') return `-${e.expr.value.text}`;
  }
  throw invalid(option, 'a literal');
}

export function optionBool(option: SqlOption): boolean {
  const text = optionText(option);
  if (text === undefined) return true;
  const t = text.toLowerCase();
  if (['true', 'on', 'yes', '1', 't'].includes(t)) return true;
  if (['false', 'off', 'no', '0', 'f'].includes(t)) return false;
  throw invalid(option, 'a boolean');
}

/** Parses a duration written as an interval ('1s', '500ms', '2 minutes') or a number of seconds; returns milliseconds. */
export function optionDurationMs(option: SqlOption): number {
  const text = optionText(option);
  if (text === undefined) throw invalid(option, 'an interval');
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|msec|millisecond|milliseconds|s|sec|second|seconds|m|min|minute|minutes|h|hour|hours)?\s*$/i.exec(text);
  if (!m) throw invalid(option, 'an interval');
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  if (unit.startsWith('ms') || unit.startsWith('milli')) return n;
  if (unit.startsWith('h')) return n * 3_600_000;
  if (unit === 'm' || unit.startsWith('min')) return n * 60_000;
  return n * 1000;
}

/** Rejects options outside `allowed` (names as the parser upper-cases them). */
export function checkOptions(options: SqlOption[], allowed: string[], context: string): Map<string, SqlOption> {
  const out = new Map<string, SqlOption>();
  for (const o of options) {
    if (!allowed.includes(o.name)) {
      throw new SqlError(SqlState.syntaxError, `unexpected option ${o.name} for ${context}`, { position: o.pos + 1 });
    }
    out.set(o.name, o);
  }
  return out;
}
