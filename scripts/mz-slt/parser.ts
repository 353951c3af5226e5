// A parser for Materialize's sqllogictest files, following Materialize's own
// (src/sqllogictest/src/parser.rs) record by record, so that expected output
// is split into values exactly as Materialize's runner splits it:
//
//   statement ok | statement error [pgcode XXXXX] <regex> | statement count <n>
//   query error [pgcode XXXXX] <regex>
//   query <types> [nosort|rowsort|valuesort|colnames|multiline|partialsort(..)] [label]
//   simple [conn=<name>][,user=<name>][,rowsort][,multiline]
//   mode cockroach|standard|sqlite, halt, hash-threshold <n>, reset-server,
//   copy <table> <path>, skipif/onlyif <engine> (Materialize follows postgresql),
//   subtest / user / kv-batch-size (ignored), # comments.
//
// Records are separated by blank lines; `----` separates SQL from output;
// `multiline` output runs to a line `EOF`.

export type Mode = 'standard' | 'cockroach';
export type Sort = 'no' | 'row' | 'value';
export type ColType = 'T' | 'I' | 'R' | 'B' | 'O';

export type Expected =
  | { kind: 'values'; values: string[] }
  | { kind: 'hashed'; count: number; md5: string };

export interface QueryOutput {
  types: ColType[];
  sort: Sort;
  multiline: boolean;
  columnNames: string[] | undefined;
  mode: Mode;
  expected: Expected;
}

export type Record =
  | { kind: 'statement'; line: number; sql: string; expectedError: string | undefined; rowsAffected: number | undefined }
  | { kind: 'query'; line: number; sql: string; error: string | undefined; output: QueryOutput | undefined }
  | {
      kind: 'simple';
      line: number;
      sql: string;
      conn: string | undefined;
      user: string | undefined;
      sort: Sort;
      multiline: boolean;
      expected: string[];
    }
  | { kind: 'copy'; line: number; table: string; path: string }
  | { kind: 'reset-server'; line: number };

const QUERY_OUTPUT = /\r?\n----/;
const DOUBLE_LINE = /(\n|\r\n|$)(\n|\r\n|$)/;
const EOF_LINE = /(\n|\r\n)EOF(\n|\r\n)/;
const COMMENT_AND_LINE = /(#[^\n]*)?\r?(\n|$)/;
const LINE = /\r?(\n|$)/;
const HASH = /(\S+) values hashing to (\S+)/;
const PGCODE = /(statement|query) error( pgcode [a-zA-Z0-9]{5})? ?/;

export class ParseError extends Error {}

export class Parser {
  private rest: string;
  private line = 1;
  private mode: Mode = 'standard';

  constructor(
    private readonly fileName: string,
    contents: string,
  ) {
    this.rest = contents;
  }

  private consume(upto: number): void {
    for (let i = 0; i < upto; i++) if (this.rest.charCodeAt(i) === 10) this.line++;
    this.rest = this.rest.slice(upto);
  }

  private splitAt(sep: RegExp): string {
    const m = sep.exec(this.rest);
    if (m === null) throw new ParseError(`${this.fileName}:${this.line}: couldn't split at ${sep}`);
    const result = this.rest.slice(0, m.index);
    this.consume(m.index + m[0].length);
    return result;
  }

  /** Every record up to `halt` or the end of the file. */
  parseAll(): Record[] {
    const out: Record[] = [];
    for (;;) {
      const r = this.next();
      if (r === 'halt') return out;
      out.push(r);
    }
  }

  private next(): Record | 'halt' {
    for (;;) {
      if (this.rest.length === 0) return 'halt';
      const lineNo = this.line;
      const first = this.splitAt(COMMENT_AND_LINE).trim();
      if (first === '') continue;
      const words = first.split(' ');
      const head = words[0]!;
      switch (head) {
        case 'statement':
          return this.statement(words, first, lineNo);
        case 'query':
          return this.query(words, first, lineNo);
        case 'simple':
          return this.simple(words, lineNo);
        case 'hash-threshold':
          continue;
        case 'skipif':
          if (words[1] === 'postgresql') this.discard();
          continue;
        case 'onlyif':
          if (words[1] !== 'postgresql') this.discard();
          continue;
        case 'halt':
          return 'halt';
        case 'subtest':
        case 'user':
        case 'kv-batch-size':
          continue;
        case 'mode':
          if (words[1] === 'cockroach') this.mode = 'cockroach';
          else if (words[1] === 'standard' || words[1] === 'sqlite') this.mode = 'standard';
          else throw new ParseError(`${this.fileName}:${lineNo}: unknown parse mode ${words[1]}`);
          continue;
        case 'copy':
          return { kind: 'copy', line: lineNo, table: words[1] ?? '', path: words[2] ?? '' };
        case 'reset-server':
          return { kind: 'reset-server', line: lineNo };
        default:
          throw new ParseError(`${this.fileName}:${lineNo}: unexpected start of record: ${head}`);
      }
    }
  }

  /** Drops the next record (skipif/onlyif). */
  private discard(): void {
    this.next();
  }

  private statement(words: string[], first: string, lineNo: number): Record {
    let expectedError: string | undefined;
    let rowsAffected: number | undefined;
    const what = words[1];
    if (what === 'count') rowsAffected = Number(words[2]);
    else if (what === 'error') expectedError = expectedErrorOf(first);
    else if (what !== 'ok' && what !== 'OK') throw new ParseError(`${this.fileName}:${lineNo}: invalid statement disposition: ${first}`);
    const sql = this.splitAt(DOUBLE_LINE);
    return { kind: 'statement', line: lineNo, sql, expectedError, rowsAffected };
  }

  private query(words: string[], first: string, lineNo: number): Record {
    if (words[1] === 'error') {
      const error = expectedErrorOf(first);
      const sql = this.splitAt(DOUBLE_LINE);
      return { kind: 'query', line: lineNo, sql, error, output: undefined };
    }
    const types = parseTypes(words[1] ?? '', this.fileName, lineNo);
    let sort: Sort = 'no';
    let colnames = false;
    let multiline = false;
    if (words[2] !== undefined) {
      for (const option of words[2].split(',')) {
        if (option === 'nosort') sort = 'no';
        else if (option === 'rowsort') sort = 'row';
        else if (option === 'valuesort') sort = 'value';
        else if (option === 'colnames') colnames = true;
        else if (option === 'multiline') multiline = true;
        else if (option.startsWith('partialsort')) {
          sort = 'row';
          break;
        } else throw new ParseError(`${this.fileName}:${lineNo}: unrecognized option ${option}`);
      }
    }
    const sql = this.splitAt(QUERY_OUTPUT);
    let out = this.splitAt(multiline ? EOF_LINE : DOUBLE_LINE);
    const strip = LINE.exec(out);
    if (strip !== null && strip.index === 0) out = out.slice(strip[0].length);
    let columnNames: string[] | undefined;
    if (colnames) {
      const m = LINE.exec(out);
      const header = m === null ? out : out.slice(0, m.index);
      out = m === null ? '' : out.slice(m.index + m[0].length);
      columnNames = header
        .split(' ')
        .filter((s) => s !== '')
        .map((s) => s.replace(/␠/g, ' '));
    }
    let expected: Expected;
    const hash = HASH.exec(out);
    if (hash !== null) {
      expected = { kind: 'hashed', count: Number(hash[1]), md5: hash[2]! };
    } else if (multiline) {
      expected = { kind: 'values', values: [out] };
    } else if (out.startsWith('\r') || out.startsWith('\n')) {
      expected = { kind: 'values', values: [] };
    } else {
      let vals = lines(out);
      if (this.mode === 'standard') {
        vals = vals.map((v) => v.replace(/⏎/g, '\n'));
        if (sort === 'value') vals.sort(compareStrings);
      } else {
        const rows: string[][] = [];
        for (const l of vals) {
          const cols = splitCols(l, types.length);
          if (sort !== 'no' && cols.length !== types.length) {
            throw new ParseError(`${this.fileName}:${lineNo}: col len (${cols.length}) did not match declared col len (${types.length})`);
          }
          rows.push(cols.map((c) => c.replace(/␠/g, ' ').replace(/⏎/g, '\n')));
        }
        if (sort === 'row') rows.sort(compareRows);
        vals = rows.flat();
        if (sort === 'value') vals.sort(compareStrings);
      }
      expected = { kind: 'values', values: vals };
    }
    return { kind: 'query', line: lineNo, sql, error: undefined, output: { types, sort, multiline, columnNames, mode: this.mode, expected } };
  }

  private simple(words: string[], lineNo: number): Record {
    let conn: string | undefined;
    let user: string | undefined;
    let multiline = false;
    let sort: Sort = 'no';
    if (words[1] !== undefined) {
      for (const option of words[1].split(',')) {
        if (option.startsWith('conn=')) conn = option.slice(5);
        else if (option.startsWith('user=')) user = option.slice(5);
        else if (option.startsWith('password=')) continue;
        else if (option === 'rowsort') sort = 'row';
        else if (option === 'multiline') multiline = true;
        else throw new ParseError(`${this.fileName}:${lineNo}: unrecognized option ${option}`);
      }
    }
    const sql = this.splitAt(QUERY_OUTPUT);
    const out = this.splitAt(multiline ? EOF_LINE : DOUBLE_LINE).trimStart();
    let expected: string[];
    if (multiline) {
      expected = [out];
      const complete = this.splitAt(DOUBLE_LINE).trimStart();
      expected.push(...lines(complete));
    } else {
      expected = lines(out);
      if (this.mode === 'cockroach' && sort === 'row') expected.sort(compareStrings);
    }
    return { kind: 'simple', line: lineNo, sql, conn, user, sort, multiline, expected };
  }
}

/** Rust's `str::lines`: split on \n, drop one trailing empty line, strip \r. */
function lines(s: string): string[] {
  if (s === '') return [];
  const parts = s.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function expectedErrorOf(line: string): string {
  const m = PGCODE.exec(line);
  return m === null ? '' : line.slice(m.index + m[0].length);
}

function parseTypes(s: string, file: string, line: number): ColType[] {
  return [...s].map((c) => {
    if (c === 'T' || c === 'I' || c === 'R' || c === 'B' || c === 'O') return c;
    throw new ParseError(`${file}:${line}: unexpected type char ${c}`);
  });
}

/** Cockroach mode: one column keeps the trimmed line; several split on whitespace. */
export function splitCols(line: string, n: number): string[] {
  if (n === 1) return [line.trim()];
  return line.split(/\s+/).filter((s) => s !== '');
}

/** Byte-wise string order, as Rust's `String` ordering (UTF-8 bytes = code points). */
export function compareStrings(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export function compareRows(a: string[], b: string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = compareStrings(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
