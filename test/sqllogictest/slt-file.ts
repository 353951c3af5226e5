// Parser of sqllogictest files (the format of SQLite's sqllogictest, with
// the extensions Materialize's .slt files use: `mode cockroach|standard`,
// `colnames`, `statement error <regex>`, `query error <regex>`).
//
// Records:
//   statement ok | statement error <regex> | statement count <n>
//   query <types> [nosort|rowsort|valuesort] [colnames] [retry]   then SQL, `----`, expected lines
//   query error <regex>
//   mode cockroach|standard, halt, hash-threshold n, skipif/onlyif <engine>, # comments

export type SortMode = 'nosort' | 'rowsort' | 'valuesort';

export type SltRecord =
  | { kind: 'statement'; line: number; sql: string; expect: { ok: true } | { ok: false; error: string } | { count: number } }
  | {
      kind: 'query';
      line: number;
      sql: string;
      types: string;
      sort: SortMode;
      colnames: boolean;
      /** Expected lines as written (after `----`). */
      expected: string[];
      /** Line number of the first expected line. */
      expectedLine: number;
      mode: 'cockroach' | 'standard';
    }
  | { kind: 'queryError'; line: number; sql: string; error: string };

/** The engine name `skipif` / `onlyif` conditions compare with. */
const ENGINES = new Set(['freshet', 'materialize', 'postgresql']);

export function parseSlt(text: string, fileName: string): SltRecord[] {
  const lines = text.split(/\r?\n/);
  const records: SltRecord[] = [];
  let mode: 'cockroach' | 'standard' = 'cockroach';
  let i = 0;
  const fail = (line: number, message: string): never => {
    throw new Error(`${fileName}:${line}: ${message}`);
  };
  /** Reads lines until a blank line or `----`; returns the SQL and where it stopped. */
  const readSql = (): { sql: string; hitSeparator: boolean } => {
    const sqlLines: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.trim() !== '----') sqlLines.push(lines[i++]!);
    const hitSeparator = i < lines.length && lines[i]!.trim() === '----';
    if (hitSeparator) i++;
    return { sql: sqlLines.join('\n'), hitSeparator };
  };
  let skipNext = false;
  while (i < lines.length) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    const lineNo = i + 1;
    i++;
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = trimmed.split(/\s+/);
    const head = words[0]!;
    if (head === 'halt') break;
    if (head === 'hash-threshold' || head === 'reset-server' || head === 'simple') continue;
    if (head === 'mode') {
      if (words[1] !== 'cockroach' && words[1] !== 'standard') fail(lineNo, `unknown mode ${words[1]}`);
      mode = words[1] as 'cockroach' | 'standard';
      continue;
    }
    if (head === 'skipif' || head === 'onlyif') {
      const engine = words[1] ?? '';
      const matches = ENGINES.has(engine);
      if ((head === 'skipif' && matches) || (head === 'onlyif' && !matches)) skipNext = true;
      continue;
    }
    let record: SltRecord;
    if (head === 'statement') {
      const what = words[1];
      const rest = trimmed.replace(/^statement\s+\S+\s*/, '');
      const { sql } = readSql();
      if (sql === '') fail(lineNo, 'statement without SQL');
      if (what === 'ok') record = { kind: 'statement', line: lineNo, sql, expect: { ok: true } };
      else if (what === 'error') record = { kind: 'statement', line: lineNo, sql, expect: { ok: false, error: rest } };
      else if (what === 'count') record = { kind: 'statement', line: lineNo, sql, expect: { count: Number(words[2]) } };
      else record = fail(lineNo, `unknown statement expectation "${what}"`);
    } else if (head === 'query') {
      if (words[1] === 'error') {
        const error = trimmed.replace(/^query\s+error\s*/, '');
        const { sql } = readSql();
        record = { kind: 'queryError', line: lineNo, sql, error };
      } else {
        const types = words[1] ?? fail(lineNo, 'query without column types');
        let sort: SortMode = 'nosort';
        let colnames = false;
        for (const w of words.slice(2)) {
          if (w === 'rowsort' || w === 'valuesort' || w === 'nosort') sort = w;
          else if (w === 'colnames') colnames = true;
          else if (w === 'retry' || w === 'partialsort') continue;
          else fail(lineNo, `unknown query option "${w}"`);
        }
        const { sql, hitSeparator } = readSql();
        if (sql === '') fail(lineNo, 'query without SQL');
        const expectedLine = i + 1;
        const expected: string[] = [];
        if (hitSeparator) while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
        record = { kind: 'query', line: lineNo, sql, types, sort, colnames, expected, expectedLine, mode };
      }
    } else {
      record = fail(lineNo, `unknown record "${head}"`);
    }
    if (skipNext) skipNext = false;
    else records.push(record);
  }
  return records;
}
