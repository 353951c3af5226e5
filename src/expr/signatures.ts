// What the built-in operator and function modules share to declare their
// overloads: short names for the common parameter and return types (typed as
// SqlType, not T's literal types, so they fit any SqlType slot) and one-line
// registration helpers over registry.define.
import type { SqlType } from '../repr/types.js';
import { T } from '../repr/types.js';
import { define, type Evaluator } from './registry.js';

export const BOOL: SqlType = T.bool;
export const I4: SqlType = T.int4;
export const F8: SqlType = T.float8;
export const NUM: SqlType = T.numeric;
export const TEXT: SqlType = T.text;
export const TEXT_ARRAY: SqlType = { kind: 'array', element: TEXT };
export const JSONB: SqlType = T.jsonb;
export const DATE: SqlType = T.date;
export const TIME: SqlType = T.time;
export const TS: SqlType = T.timestamp;
export const TSTZ: SqlType = T.timestamptz;
export const IV: SqlType = T.interval;

/** Registers a binary operator overload (`key` is the operator symbol); EXPLAIN shows `name`. */
export function defineBinaryOperator(key: string, name: string, left: SqlType, right: SqlType, returns: SqlType, eval_: Evaluator): void {
  define(`op ${key}`, { name, params: [left, right], returns, eval: eval_ });
}

/** Registers a prefix operator overload (`key` is the operator symbol); EXPLAIN shows `name`. */
export function definePrefixOperator(key: string, name: string, arg: SqlType, returns: SqlType, eval_: Evaluator): void {
  define(`prefix ${key}`, { name, params: [arg], returns, eval: eval_ });
}

/** Registers a function overload under `key` (the SQL name); EXPLAIN shows `name`. */
export function defineFunction(key: string, name: string, params: SqlType[], returns: SqlType, eval_: Evaluator, volatile = false): void {
  define(key, { name, params, returns, eval: eval_, volatile });
}
