// Runs the records of one sqllogictest file against a fresh coordinator and
// describes every mismatch precisely (file:line, SQL, expected vs actual).
import { createHash } from 'node:crypto';
import type { ExecuteResult, ResultColumn, Session } from '../../src/adapter/api.js';
import type { Datum } from '../../src/repr/types.js';
import { formatText } from '../../src/repr/text.js';
import { toSqlError } from '../../src/repr/errors.js';
import { readResult } from '../../src/adapter/result-stream.js';
import { startTestCoordinator } from '../helpers/coordinator.js';
import { parseSlt, type SltRecord } from './slt-file.js';

async function execute(session: Session, sql: string): Promise<ExecuteResult[]> {
  const results: ExecuteResult[] = [];
  for (const stmt of session.parse(sql)) results.push(await readResult(await session.execute(stmt, { params: [] })));
  return results;
}

/** One value as sqllogictest prints it: NULL, (empty) for '', booleans as true/false. */
export function formatValue(value: Datum, column: ResultColumn, timeZone = 'UTC'): string {
  if (value === null) return 'NULL';
  if (column.type.kind === 'bool') return value === true ? 'true' : 'false';
  const text = formatText(value, column.type, { timeZone });
  return text === '' ? '(empty)' : text;
}

function normalizeLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

function errorMatches(pattern: string, message: string): boolean {
  const candidates = [message, `db error: ERROR: ${message}`, `ERROR: ${message}`];
  if (pattern === '') return true;
  if (candidates.some((c) => c.includes(pattern))) return true;
  try {
    const re = new RegExp(pattern);
    return candidates.some((c) => re.test(c));
  } catch {
    return false;
  }
}

function indent(lines: string[]): string {
  return lines.length === 0 ? '  (no rows)' : lines.map((l) => `  ${l}`).join('\n');
}

function lastRows(results: ExecuteResult[]): Extract<ExecuteResult, { kind: 'rows' }> | undefined {
  const last = results[results.length - 1];
  return last?.kind === 'rows' ? last : undefined;
}

/** Actual result lines for a query record, in the record's mode and sort order. */
/** timestamptz values print in the session's TimeZone, as the server sends them. */
function resultLines(record: Extract<SltRecord, { kind: 'query' }>, result: Extract<ExecuteResult, { kind: 'rows' }>, timeZone: string): string[] {
  let rows = result.rows.map((row) => row.map((v, i) => formatValue(v, result.columns[i]!, timeZone)));
  if (record.sort === 'rowsort') rows = [...rows].sort((a, b) => compareStrings(a.join(' '), b.join(' ')));
  let lines: string[];
  if (record.sort === 'valuesort') lines = rows.flat().sort(compareStrings);
  else lines = record.mode === 'standard' ? rows.flat() : rows.map((r) => r.join(' '));
  return lines;
}

function sortLines(record: Extract<SltRecord, { kind: 'query' }>, lines: string[]): string[] {
  if (record.sort === 'valuesort') return [...lines].sort(compareStrings);
  if (record.sort !== 'rowsort') return lines;
  if (record.mode === 'cockroach') return [...lines].sort(compareStrings);
  // Standard mode lists one value per line: sort whole rows.
  const width = record.types.length;
  const rows: string[][] = [];
  for (let i = 0; i < lines.length; i += width) rows.push(lines.slice(i, i + width));
  return rows.sort((a, b) => compareStrings(a.join(' '), b.join(' '))).flat();
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hashed(lines: string[]): string | undefined {
  if (lines.length === 0) return undefined;
  return createHash('md5').update(lines.map((l) => `${l}\n`).join('')).digest('hex');
}

async function runRecord(session: Session, record: SltRecord, file: string): Promise<string | undefined> {
  const where = `${file}:${record.line}`;
  const sqlText = `SQL: ${record.sql.replace(/\n/g, '\n     ')}`;
  let results: ExecuteResult[] | undefined;
  let error: string | undefined;
  try {
    results = await execute(session, record.sql);
  } catch (err) {
    const e = toSqlError(err);
    error = `${e.message} (SQLSTATE ${e.code})`;
  }
  switch (record.kind) {
    case 'statement': {
      const expect = record.expect;
      if ('error' in expect) {
        if (error === undefined) return `${where}: statement succeeded but an error matching /${expect.error}/ was expected\n${sqlText}`;
        if (!errorMatches(expect.error, error)) return `${where}: wrong error\n${sqlText}\nexpected error matching: ${expect.error}\nactual error: ${error}`;
        return undefined;
      }
      if (error !== undefined) return `${where}: statement failed: ${error}\n${sqlText}`;
      if ('count' in expect) {
        const tag = results!.length > 0 && results![results!.length - 1]!.kind === 'command' ? (results![results!.length - 1] as { tag: string }).tag : '';
        const n = Number(/(\d+)$/.exec(tag)?.[1] ?? NaN);
        if (n !== expect.count) return `${where}: expected ${expect.count} affected rows, got "${tag}"\n${sqlText}`;
      }
      return undefined;
    }
    case 'queryError':
      if (error === undefined) return `${where}: query succeeded but an error matching /${record.error}/ was expected\n${sqlText}`;
      if (!errorMatches(record.error, error)) return `${where}: wrong error\n${sqlText}\nexpected error matching: ${record.error}\nactual error: ${error}`;
      return undefined;
    case 'query': {
      if (error !== undefined) return `${where}: query failed: ${error}\n${sqlText}`;
      const result = lastRows(results!);
      if (!result) return `${where}: statement returned no rows\n${sqlText}`;
      if (result.columns.length !== record.types.length) {
        return `${where}: query returned ${result.columns.length} columns but the record declares ${record.types.length} (${record.types})\n${sqlText}`;
      }
      const timeZone = session.reportedParameters().get('TimeZone') ?? 'UTC';
      let expected = record.expected.map(normalizeLine);
      if (record.colnames) {
        const expectedNames = expected[0] ?? '';
        expected = expected.slice(1);
        const actualNames = result.columns.map((c) => c.name.replace(/ /g, '␠')).join(' ');
        if (normalizeLine(expectedNames) !== actualNames) {
          return `${where}: column names differ\n${sqlText}\nexpected: ${expectedNames}\nactual:   ${actualNames}`;
        }
      }
      // Sorted modes compare as multisets: expected and actual lines are sorted the
      // same way (after normalization), so files need not list them in the runner's order.
      const actual = sortLines(record, resultLines(record, result, timeZone).map(normalizeLine));
      if (!/^\d+ values hashing to /.test(expected[0] ?? '')) expected = sortLines(record, expected);
      const hashLine = expected.length === 1 ? /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(expected[0]!) : null;
      if (hashLine) {
        const valueCount = record.sort === 'valuesort' || record.mode === 'standard' ? actual.length : result.rows.length * result.columns.length;
        const hash = hashed(record.mode === 'standard' || record.sort === 'valuesort' ? actual : resultLines({ ...record, mode: 'standard' }, result, timeZone).map(normalizeLine));
        if (Number(hashLine[1]) !== valueCount || hashLine[2] !== hash) {
          return `${where}: result hash differs\n${sqlText}\nexpected: ${expected[0]}\nactual:   ${valueCount} values hashing to ${hash}`;
        }
        return undefined;
      }
      if (expected.length !== actual.length || expected.some((l, i) => l !== actual[i])) {
        const firstDiff = expected.findIndex((l, i) => l !== actual[i]);
        const at = firstDiff < 0 ? Math.min(expected.length, actual.length) : firstDiff;
        return (
          `${where}: query result differs (first difference at result line ${at + 1}, file line ${record.expectedLine + at})\n${sqlText}\n` +
          `expected:\n${indent(expected)}\nactual:\n${indent(actual)}`
        );
      }
      return undefined;
    }
  }
}

export interface SltOutcome {
  records: number;
  failures: string[];
}

/** Runs one .slt file (its text and display name) on a fresh coordinator. */
export async function runSltFile(text: string, file: string): Promise<SltOutcome> {
  const records = parseSlt(text, file);
  const coordinator = await startTestCoordinator();
  const failures: string[] = [];
  try {
    for (const record of records) {
      const failure = await runRecord(coordinator.session, record, file);
      if (failure) failures.push(failure);
    }
  } finally {
    await coordinator.stop();
  }
  return { records: records.length, failures };
}
