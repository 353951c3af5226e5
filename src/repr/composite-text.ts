// Text I/O of composite values: PostgreSQL arrays and records, Materialize
// lists and maps. Element values are converted by callbacks so this module
// stays independent of the scalar codecs.
import { SqlError, SqlState } from './errors.js';
import { ArrayValue, type Datum, type MapValue } from './types.js';
import { makeMap } from './values.js';

export type FormatElement = (value: Datum) => string;
export type ParseElement = (text: string) => Datum;

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

// ---------------------------------------------------------------------------
// Arrays and lists: {a,b,"c d",NULL}

/** Whether an array/list element needs double quotes (PostgreSQL's array_out rules). */
function needsArrayQuotes(s: string, extraSpecials: string): boolean {
  if (s.length === 0) return true;
  if (s.length === 4 && s.toUpperCase() === 'NULL') return true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === '\\' || c === '{' || c === '}' || c === ',' || isSpace(c) || extraSpecials.includes(c)) return true;
  }
  return false;
}

function quoteBackslash(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

function arrayElementText(value: Datum, format: FormatElement, extraSpecials = ''): string {
  if (value === null) return 'NULL';
  const s = format(value);
  return needsArrayQuotes(s, extraSpecials) ? quoteBackslash(s) : s;
}

/** array_out: `{1,2,NULL}`, `{{1,2},{3,4}}`, `[0:1]={a,b}` when a lower bound is not 1. */
export function formatArray(value: ArrayValue, format: FormatElement): string {
  const { elements, dims, lowerBounds } = value;
  if (dims.length === 0 || elements.length === 0) return '{}';
  let prefix = '';
  if (lowerBounds.some((b) => b !== 1)) {
    prefix = dims.map((d, i) => `[${lowerBounds[i]}:${lowerBounds[i]! + d - 1}]`).join('') + '=';
  }
  let index = 0;
  const writeDim = (dim: number): string => {
    let s = '{';
    for (let i = 0; i < dims[dim]!; i++) {
      if (i > 0) s += ',';
      s += dim === dims.length - 1 ? arrayElementText(elements[index++]!, format) : writeDim(dim + 1);
    }
    return s + '}';
  };
  return prefix + writeDim(0);
}

/** Materialize list output: `{1,2,3}`, nested lists print as nested braces (the callback decides). */
export function formatList(elements: readonly Datum[], format: FormatElement, elementIsList: boolean): string {
  let s = '{';
  for (let i = 0; i < elements.length; i++) {
    if (i > 0) s += ',';
    const e = elements[i]!;
    s += elementIsList && e !== null ? format(e) : arrayElementText(e, format);
  }
  return s + '}';
}

/** A parsed brace literal: nested nodes, with each leaf's text and whether it was quoted. */
interface BraceNode {
  children: Array<BraceNode | BraceLeaf>;
}
interface BraceLeaf {
  text: string;
  quoted: boolean;
}

function isNode(x: BraceNode | BraceLeaf): x is BraceNode {
  return (x as BraceNode).children !== undefined;
}

class BraceParser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly fail: (detail: string) => SqlError,
    /** Array rules (uniform levels, no empty sub-arrays); lists allow both. */
    readonly arrayShape: boolean,
  ) {}

  skipSpace(): void {
    while (isSpace(this.text[this.pos])) this.pos++;
  }

  /**
   * Parses `{...}` at pos. For arrays, as in PostgreSQL, one level holds
   * either elements or sub-arrays, and only the outermost braces may be empty.
   */
  parseNode(nested = false): BraceNode {
    if (this.text[this.pos] !== '{') throw this.fail(`Unexpected "${this.text[this.pos] ?? ''}" character.`);
    this.pos++;
    const node: BraceNode = { children: [] };
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      if (nested && this.arrayShape) throw this.fail('Unexpected "}" character.');
      this.pos++;
      return node;
    }
    let holdsNodes: boolean | undefined;
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === undefined) throw this.fail('Unexpected end of input.');
      if (c === '{') {
        if (holdsNodes === false && this.arrayShape) throw this.fail('Unexpected "{" character.');
        holdsNodes = true;
        node.children.push(this.parseNode(true));
      } else {
        if (holdsNodes === true && this.arrayShape) throw this.fail('Unexpected array element.');
        holdsNodes = false;
        node.children.push(this.parseLeaf(',}'));
      }
      this.skipSpace();
      const d = this.text[this.pos];
      if (d === ',') {
        this.pos++;
        continue;
      }
      if (d === '}') {
        this.pos++;
        return node;
      }
      if (d === undefined) throw this.fail('Unexpected end of input.');
      throw this.fail(holdsNodes ? `Unexpected "${d}" character.` : 'Unexpected array element.');
    }
  }

  /** A quoted or unquoted scalar ending before one of `stops`; unquoted text is trimmed. */
  parseLeaf(stops: string): BraceLeaf {
    const t = this.text;
    let out = '';
    if (t[this.pos] === '"') {
      this.pos++;
      for (;;) {
        const c = t[this.pos];
        if (c === undefined) throw this.fail('Unexpected end of input.');
        this.pos++;
        if (c === '"') return { text: out, quoted: true };
        if (c === '\\') {
          const e = t[this.pos];
          if (e === undefined) throw this.fail('Unexpected end of input.');
          out += e;
          this.pos++;
        } else out += c;
      }
    }
    let lastNonSpace = 0;
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) throw this.fail('Unexpected end of input.');
      if (stops.includes(c)) break;
      if (c === '"') throw this.fail('Unexpected array element.');
      if (c === '{') throw this.fail(`Unexpected "${c}" character.`);
      this.pos++;
      if (c === '\\') {
        const e = t[this.pos];
        if (e === undefined) throw this.fail('Unexpected end of input.');
        out += e;
        this.pos++;
        lastNonSpace = out.length;
      } else {
        out += c;
        if (!isSpace(c)) lastNonSpace = out.length;
      }
    }
    if (lastNonSpace === 0) throw this.fail(`Unexpected "${t[this.pos]}" character.`);
    return { text: out.slice(0, lastNonSpace), quoted: false };
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw this.fail('Junk after closing right brace.');
  }
}

function leafDatum(leaf: BraceLeaf, parse: ParseElement): Datum {
  if (!leaf.quoted && leaf.text.length === 4 && leaf.text.toUpperCase() === 'NULL') return null;
  return parse(leaf.text);
}

function malformed(kind: string, text: string): (detail: string) => SqlError {
  return (detail) => new SqlError(SqlState.invalidTextRepresentation, `malformed ${kind} literal: "${text}"`, { detail });
}

/** array_in: `{1,2}`, `{{1,2},{3,4}}`, `[0:1]={a,b}`, quoting and NULL. */
export function parseArray(text: string, parse: ParseElement): ArrayValue {
  const fail = malformed('array', text);
  const p = new BraceParser(text, fail, true);
  p.skipSpace();
  let explicitBounds: Array<[number, number]> | undefined;
  if (text[p.pos] === '[') {
    explicitBounds = [];
    const dimPattern = /\[\s*([+-]?\d+)\s*(?::\s*([+-]?\d+)\s*)?\]/y;
    while (text[p.pos] === '[') {
      dimPattern.lastIndex = p.pos;
      const m = dimPattern.exec(text);
      if (m === null) throw fail('"[" must introduce explicitly-specified array dimensions.');
      const lower = m[2] === undefined ? 1 : Number(m[1]);
      const upper = m[2] === undefined ? Number(m[1]) : Number(m[2]);
      if (upper < lower) throw new SqlError(SqlState.arraySubscriptError, 'upper bound cannot be less than lower bound');
      explicitBounds.push([lower, upper]);
      p.pos = dimPattern.lastIndex;
    }
    p.skipSpace();
    if (text[p.pos] !== '=') throw fail('Missing "=" after array dimensions.');
    p.pos++;
    p.skipSpace();
  }
  if (text[p.pos] !== '{') throw fail('Array value must start with "{" or dimension information.');
  const root = p.parseNode();
  p.expectEnd();
  if (root.children.length === 0) {
    if (explicitBounds !== undefined && explicitBounds.some(([l, u]) => u - l + 1 !== 0)) {
      throw fail('Specified array dimensions do not match array contents.');
    }
    return new ArrayValue([], []);
  }
  // The first path down fixes the dimensions; every other branch must match it.
  const dims: number[] = [];
  for (let node: BraceNode | BraceLeaf = root; isNode(node); node = node.children[0] ?? { text: '', quoted: true }) {
    dims.push(node.children.length);
  }
  const ragged = 'Multidimensional arrays must have sub-arrays with matching dimensions.';
  const elements: Datum[] = [];
  const walk = (node: BraceNode, depth: number): void => {
    if (node.children.length !== dims[depth]) throw fail(ragged);
    const bottom = depth === dims.length - 1;
    for (const child of node.children) {
      if (isNode(child) === bottom) throw fail(ragged);
      if (isNode(child)) walk(child, depth + 1);
      else elements.push(leafDatum(child, parse));
    }
  };
  walk(root, 0);
  if (elements.length === 0) return new ArrayValue([], []);
  if (explicitBounds !== undefined) {
    if (explicitBounds.length !== dims.length || explicitBounds.some(([l, u], i) => u - l + 1 !== dims[i])) {
      throw fail('Specified array dimensions do not match array contents.');
    }
    return new ArrayValue(elements, dims, explicitBounds.map(([l]) => l));
  }
  return new ArrayValue(elements, dims);
}

/**
 * Materialize list input: `{1,2,3}`; when the element type is itself a list,
 * nested braces (or quoted list text) are parsed by `parse`.
 */
export function parseList(text: string, parse: ParseElement, elementIsList: boolean): Datum[] {
  const fail = malformed('list', text);
  const p = new BraceParser(text, fail, false);
  p.skipSpace();
  if (text[p.pos] !== '{') throw fail('expected \'{\', found ' + (text[p.pos] === undefined ? 'empty string' : text[p.pos]));
  const root = p.parseNode();
  p.expectEnd();
  return root.children.map((child) => {
    if (isNode(child)) {
      if (!elementIsList) throw fail('Unexpected "{" character.');
      return parse(nodeText(child));
    }
    return leafDatum(child, parse);
  });
}

/** Re-serializes a parsed nested node so the element parser can read it. */
function nodeText(node: BraceNode): string {
  return `{${node.children.map((c) => (isNode(c) ? nodeText(c) : c.quoted ? quoteBackslash(c.text) : c.text)).join(',')}}`;
}

// ---------------------------------------------------------------------------
// Maps: {a=>1,b=>2}

const MAP_SPECIALS = '=>';

/** Materialize map output: `{a=>1,b=>2}`. */
export function formatMap(entries: ReadonlyArray<readonly [string, Datum]>, format: FormatElement, valueIsMap: boolean): string {
  let s = '{';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    if (i > 0) s += ',';
    s += (needsArrayQuotes(k, MAP_SPECIALS) ? quoteBackslash(k) : k) + '=>';
    s += valueIsMap && v !== null ? format(v) : arrayElementText(v, format, MAP_SPECIALS);
  }
  return s + '}';
}

/** Materialize map input: `{a=>1,"b c"=>NULL}`; later duplicate keys win; entries sorted by key. */
export function parseMap(text: string, parse: ParseElement, valueIsMap: boolean): MapValue {
  const fail = malformed('map', text);
  const p = new BraceParser(text, fail, false);
  p.skipSpace();
  if (text[p.pos] !== '{') throw fail('expected \'{\'');
  p.pos++;
  const entries: Array<readonly [string, Datum]> = [];
  p.skipSpace();
  if (text[p.pos] === '}') {
    p.pos++;
    p.expectEnd();
    return makeMap(entries);
  }
  for (;;) {
    p.skipSpace();
    const key = p.parseLeaf('=,}');
    p.skipSpace();
    if (text[p.pos] !== '=' || text[p.pos + 1] !== '>') throw fail('Expected "=>".');
    p.pos += 2;
    p.skipSpace();
    let value: Datum;
    if (text[p.pos] === '{') {
      if (!valueIsMap) throw fail('Unexpected "{" character.');
      const start = p.pos;
      skipBalanced(p);
      value = parse(text.slice(start, p.pos));
    } else value = leafDatum(p.parseLeaf(',}'), parse);
    entries.push([key.text, value]);
    p.skipSpace();
    const d = text[p.pos];
    if (d === ',') {
      p.pos++;
      continue;
    }
    if (d === '}') {
      p.pos++;
      break;
    }
    throw fail(d === undefined ? 'Unexpected end of input.' : `Unexpected "${d}" character.`);
  }
  p.expectEnd();
  return makeMap(entries);
}

/** Moves past a balanced `{...}` group, honouring quotes. */
function skipBalanced(p: BraceParser): void {
  let depth = 0;
  const t = p.text;
  while (p.pos < t.length) {
    const c = t[p.pos]!;
    if (c === '"') {
      p.pos++;
      while (p.pos < t.length && t[p.pos] !== '"') p.pos += t[p.pos] === '\\' ? 2 : 1;
    } else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        p.pos++;
        return;
      }
    }
    p.pos++;
  }
  throw p.fail('Unexpected end of input.');
}

// ---------------------------------------------------------------------------
// Records: (1,"a b",)

function needsRecordQuotes(s: string): boolean {
  if (s.length === 0) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === '\\' || c === '(' || c === ')' || c === ',' || isSpace(c)) return true;
  }
  return false;
}

/** record_out: `(1,"a b",)`; NULL fields are empty, quotes and backslashes doubled. */
export function formatRecord(fields: readonly Datum[], formatField: (value: Datum, index: number) => string): string {
  let s = '(';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) s += ',';
    const v = fields[i]!;
    if (v === null) continue;
    const t = formatField(v, i);
    s += needsRecordQuotes(t) ? `"${t.replace(/["\\]/g, '$&$&')}"` : t;
  }
  return s + ')';
}

/** record_in: `(1,"a b",)` into `fieldCount` fields; empty unquoted fields are NULL. */
export function parseRecord(text: string, fieldCount: number, parseField: (text: string, index: number) => Datum): Datum[] {
  const fail = malformed('record', text);
  let pos = 0;
  while (isSpace(text[pos])) pos++;
  if (text[pos] !== '(') throw fail('Missing left parenthesis.');
  pos++;
  const out: Datum[] = [];
  for (let i = 0; ; i++) {
    if (i >= fieldCount) throw fail('Too many columns.');
    let raw = '';
    let quoted = false;
    let inQuotes = false;
    for (;;) {
      const c = text[pos];
      if (c === undefined) throw fail('Unexpected end of input.');
      if (inQuotes) {
        pos++;
        if (c === '"') {
          if (text[pos] === '"') {
            raw += '"';
            pos++;
          } else inQuotes = false;
        } else if (c === '\\') {
          const e = text[pos];
          if (e === undefined) throw fail('Unexpected end of input.');
          raw += e;
          pos++;
        } else raw += c;
        continue;
      }
      if (c === ',' || c === ')') break;
      pos++;
      if (c === '"') {
        inQuotes = true;
        quoted = true;
      } else if (c === '\\') {
        const e = text[pos];
        if (e === undefined) throw fail('Unexpected end of input.');
        raw += e;
        pos++;
      } else raw += c;
    }
    out.push(!quoted && raw === '' ? null : parseField(raw, i));
    const sep = text[pos++];
    if (sep === ')') break;
  }
  if (out.length < fieldCount) throw fail('Too few columns.');
  while (isSpace(text[pos])) pos++;
  if (pos < text.length) throw fail('Junk after right parenthesis.');
  return out;
}
