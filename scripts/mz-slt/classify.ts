// Sorts the failures of the conformance run into deliberate differences
// (each documented in docs/coming-from-materialize.md) and gaps. The rules
// are mechanical, so the report can be regenerated and checked; anything no
// rule explains is a gap.
import { hashValues } from './format.js';
import { compareRows, compareStrings, splitCols } from './parser.js';
import type { RecordResult } from './runner.js';

export interface Deliberate {
  /** Short key, also the anchor of the section in coming-from-materialize.md. */
  key: string;
  title: string;
}

export const DELIBERATE: Record<string, Deliberate> = {
  explain: { key: 'explain', title: "EXPLAIN prints Freshet's plans, not Materialize's" },
  'numeric-scale': { key: 'numeric-scale', title: "numeric keeps PostgreSQL's display scale (1.50, not 1.5)" },
  'jsonb-format': { key: 'jsonb-format', title: "jsonb text is PostgreSQL's ({\"a\": 1}, not {\"a\":1})" },
  'error-wording': { key: 'error-wording', title: "an error is raised, worded as PostgreSQL words it" },
  clusters: { key: 'clusters', title: 'one cluster: CREATE CLUSTER, replicas and cluster introspection are not offered' },
  introspection: { key: 'introspection', title: "Materialize's internal introspection relations and system settings" },
  'no-history': { key: 'no-history', title: 'no history is kept: AS OF a past (or far-future) time is an error' },
  postgres: { key: 'postgres', title: 'plain SQL answered as PostgreSQL answers it (checked against PostgreSQL 15)' },
};

export type Verdict = { class: 'pass' } | { class: 'skip'; reason: string } | { class: 'deliberate'; key: string } | { class: 'gap' };

const CLUSTER_SQL = /\b(CREATE|DROP|ALTER)\s+CLUSTER\b|\bCLUSTER\s+REPLICA|\bIN\s+CLUSTER\b|\bSET\s+cluster\b|mz_cluster|mz_compute|mz_arrangement|\bREPLICAS?\s*\(/i;
const INTROSPECTION_SQL = /\bmz_internal\.|\bmz_introspection\b|\bALTER\s+SYSTEM\b|\bmz_dataflow|\bmz_scheduling|\bmz_catalog\.mz_(?!tables|views|sources|columns|schemas|databases|objects|materialized_views|indexes|types)/i;

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').trim();
}

/** Drops trailing zeros of fractional parts (12.50 -> 12.5, 3.0 -> 3). */
function dropTrailingZeros(s: string): string {
  return s.replace(/(\d)\.(\d*?)0+(?!\d)/g, (_m, d: string, frac: string) => (frac === '' ? d : `${d}.${frac}`));
}

/** Removes the space PostgreSQL's jsonb text puts after ':' and ',' (outside strings). */
function compactJson(s: string): string {
  if (!/[{[]/.test(s)) return s;
  let out = '';
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    out += c;
    if (inString) {
      if (c === '\\') {
        out += s[i + 1] ?? '';
        i++;
      } else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ((c === ':' || c === ',') && s[i + 1] === ' ') i++;
  }
  return out;
}

function normalizedEqual(r: RecordResult, norm: (s: string) => string): boolean {
  const o = r.outcome;
  if (o.status !== 'fail' || o.kind !== 'output' || o.actual === undefined || o.expected === undefined || r.output === undefined) return false;
  const out = r.output;
  const ncols = out.types.length;
  // Re-sort after normalizing, as the runner would have.
  const rows: string[][] = [];
  for (let i = 0; i < o.actual.length; i += ncols) rows.push(o.actual.slice(i, i + ncols).map(norm));
  if (out.sort === 'row') rows.sort(compareRows);
  let actual = rows.flat();
  if (out.sort === 'value') actual = actual.sort(compareStrings);
  if (o.expected.kind === 'hashed') return actual.length === o.expected.count && hashValues(actual) === o.expected.md5;
  let expected = o.expected.values.map(norm);
  if (out.sort === 'row' && out.mode === 'cockroach') {
    const erows: string[][] = [];
    for (let i = 0; i < expected.length; i += ncols) erows.push(expected.slice(i, i + ncols));
    expected = erows.sort(compareRows).flat();
  }
  if (out.sort === 'value') expected = expected.sort(compareStrings);
  // A multi-column cockroach row split on whitespace: compare split forms too.
  const splitActual = out.mode === 'cockroach' && ncols > 1 ? actual.flatMap((v) => splitCols(v, 2)) : actual;
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
  return same(actual, expected) || same(splitActual, expected);
}

/** Errors that say the feature is missing, not that the input is wrong. */
function isGapError(message: string, code: string | undefined, expectedError: string): boolean {
  if (code === 'XX000' || code === '0A000' || code === '42P07') return true;
  if (code === '42846' && !/cast|convert|coerce/i.test(expectedError)) return true;
  if (code === '42883' && !/does not exist|not unique|cannot call|operator|function/i.test(expectedError)) return true;
  if (/not (yet )?supported|unsupported|not implemented/i.test(message)) return true;
  if ((code === '42883' || code === '42704' || code === '42P01' || code === '42703') && !/does not exist|unknown|not found|cannot|no (function|operator)|could not/i.test(expectedError)) return true;
  if (code === '42601' && !/Expected|syntax|parse|found|unexpected|invalid/i.test(expectedError)) return true;
  return false;
}

export function classify(r: RecordResult): Verdict {
  const o = r.outcome;
  if (o.status === 'pass') return { class: 'pass' };
  if (o.status === 'skip') return { class: 'skip', reason: o.reason };
  if (o.kind === 'timeout' || o.kind === 'crash') return { class: 'gap' };
  const sql = stripComments(r.sql);
  if (/^EXPLAIN\b/i.test(sql)) return { class: 'deliberate', key: 'explain' };
  if (CLUSTER_SQL.test(sql)) return { class: 'deliberate', key: 'clusters' };
  if (INTROSPECTION_SQL.test(sql)) return { class: 'deliberate', key: 'introspection' };
  if (o.kind === 'error' && /\bAS\s+OF\b/i.test(sql) && /is not valid for all inputs/.test(o.message)) return { class: 'deliberate', key: 'no-history' };
  if (o.kind === 'output') {
    if (normalizedEqual(r, dropTrailingZeros)) return { class: 'deliberate', key: 'numeric-scale' };
    if (normalizedEqual(r, compactJson)) return { class: 'deliberate', key: 'jsonb-format' };
    if (normalizedEqual(r, (s) => compactJson(dropTrailingZeros(s)))) return { class: 'deliberate', key: 'jsonb-format' };
  }
  // Plain SQL where we answer exactly as a real PostgreSQL does (same rows,
  // or both accept what Materialize rejects).
  if ((o.kind === 'output' || o.kind === 'unexpected-success') && o.raw !== undefined && r.pg !== undefined && 'raw' in r.pg) {
    const a = o.raw;
    const b = r.pg.raw;
    if (a.length === b.length && a.every((row, i) => row.length === b[i]!.length && row.every((v, j) => v === b[i]![j]))) {
      return { class: 'deliberate', key: 'postgres' };
    }
  }
  // An error where Materialize expects one, and PostgreSQL errors too: only the wording differs.
  if (o.kind === 'wrong-error' && r.pg !== undefined && 'error' in r.pg && o.code !== 'XX000') return { class: 'deliberate', key: 'error-wording' };
  if (o.kind === 'wrong-error' && !isGapError(o.message, o.code, o.expectedError ?? '')) {
    return { class: 'deliberate', key: 'error-wording' };
  }
  return { class: 'gap' };
}
