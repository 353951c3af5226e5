// Shared helpers for the repr tests.
import assert from 'node:assert/strict';
import { SqlError } from '../../src/repr/errors.js';
import { formatText, parseText, type TextOptions } from '../../src/repr/text.js';
import type { SqlType } from '../../src/repr/types.js';

/** Parses `input` as `type` and asserts PostgreSQL's printed form. */
export function roundTrip(type: SqlType, input: string, expected: string, options?: TextOptions): void {
  const value = parseText(input, type, options);
  assert.equal(formatText(value, type, options), expected, `${JSON.stringify(input)} as ${type.kind}`);
}

/** Asserts that `fn` throws a SqlError with this SQLSTATE and message (and detail, if given). */
export function throwsSql(fn: () => unknown, code: string, message: string, detail?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SqlError, `expected SqlError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    if (detail !== undefined) assert.equal(e.detail, detail);
    return true;
  });
}

export function parseError(type: SqlType, input: string, code: string, message: string, detail?: string): void {
  throwsSql(() => parseText(input, type), code, message, detail);
}
