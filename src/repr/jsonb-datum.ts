// The jsonb datum and its canonical text.
//
// Why a jsonb is its text: a value tree costs a dozen long-lived objects per
// document (entry tuples, number objects, strings), and a JSON source keeps
// every document in its upsert state and in the arrangements over it, where
// the garbage collector walks them again and again. jsonb_out's text is
// canonical (keys sorted and de-duplicated, numbers in numeric's form, fixed
// separators), so one string serves equality, hashing, storage and output;
// the tree is built only when an operator looks inside (`->`, `@>`, ...).
// Values built by operators keep the tree they were built from as well.

/**
 * jsonb values. Objects are stored with keys sorted and de-duplicated (last
 * wins) as PostgreSQL's jsonb does; numbers keep their exact decimal text.
 */
export type JsonbValue = null | boolean | string | JsonbNumber | JsonbValue[] | JsonbObject;

export class JsonbNumber {
  /** Canonical decimal text of the number (as PostgreSQL's numeric prints it). */
  constructor(readonly text: string) {}
}

export class JsonbObject {
  /** Entries sorted as jsonb sorts keys (shorter keys first, then bytewise). */
  constructor(readonly entries: ReadonlyArray<readonly [string, JsonbValue]>) {}
}

/** Marks the constructor call of Jsonb.fromCanonicalText. */
const FROM_TEXT: unique symbol = Symbol('jsonb from canonical text');

/** The last tree parsed from a text-only Jsonb, by its text: operators often look into one document several times in a row. */
let lastParsedText: string | null = null;
let lastParsedTree: JsonbValue = null;

/** A jsonb datum wraps its value so that a JSON null is distinguishable from SQL NULL. */
export class Jsonb {
  /** jsonb_out's text (`{"a": 1, "b": [true, null]}`): canonical, and what the datum is. */
  readonly text: string;
  /** The value tree, when this datum was built from one. */
  #tree: JsonbValue | undefined;
  /** The key text (numbers normalized: 1.0 and 1.00 alike), once computed. */
  #key: string | undefined;

  constructor(value: JsonbValue);
  constructor(marker: typeof FROM_TEXT, text: string, key: string | undefined);
  constructor(value: JsonbValue | typeof FROM_TEXT, text?: string, key?: string) {
    if (value === FROM_TEXT) {
      this.text = text!;
      this.#tree = undefined;
      this.#key = key;
    } else {
      this.text = writeJsonbText(value, false);
      this.#tree = value;
      this.#key = undefined;
    }
  }

  /**
   * A jsonb from text known to be canonical jsonb_out output (written by
   * writeJsonbText or an equivalent fast path, or read back from storage).
   * `key` may be given when known (the text itself when no number has
   * trailing fractional zeros).
   */
  static fromCanonicalText(text: string, key?: string): Jsonb {
    return new Jsonb(FROM_TEXT, text, key);
  }

  /** The value tree; parsed from the text when this datum has none. */
  get value(): JsonbValue {
    const tree = this.#tree;
    if (tree !== undefined) return tree;
    const text = this.text;
    if (lastParsedText === text) return lastParsedTree;
    const parsed = parseCanonicalJsonbText(text);
    lastParsedText = text;
    lastParsedTree = parsed;
    return parsed;
  }

  /** Whether the value tree is at hand (built from one, not parsed on demand). */
  get hasTree(): boolean {
    return this.#tree !== undefined;
  }

  /**
   * Text for equality and hashing: the text with every number normalized
   * (trailing fractional zeros removed), so equal jsonb values (1.0 = 1.00)
   * have equal keys. The same string as `text` when nothing needs it.
   */
  get key(): string {
    let key = this.#key;
    if (key === undefined) this.#key = key = jsonbKeyOfText(this.text);
    return key;
  }
}

// ---------------------------------------------------------------------------
// Writing

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex
const ESCAPE_ALL = /["\\\u0000-\u001f]/g;

/** A JSON string literal as PostgreSQL's escape_json writes it. */
export function quoteJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return `"${s.replace(ESCAPE_ALL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Number text with trailing fractional zeros removed: equal numbers give equal text. */
export function normalizedNumberText(text: string): string {
  if (text.indexOf('.') < 0) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--;
  if (text.charCodeAt(end - 1) === 46) end--;
  const t = text.slice(0, end);
  return t === '-0' ? '0' : t;
}

/** jsonb_out's text of a value; with `normalizeNumbers`, its key text. */
export function writeJsonbText(v: JsonbValue, normalizeNumbers: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return quoteJsonString(v);
  if (v instanceof JsonbNumber) return normalizeNumbers ? normalizedNumberText(v.text) : v.text;
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i > 0 ? ', ' : '') + writeJsonbText(v[i]!, normalizeNumbers);
    return s + ']';
  }
  let s = '{';
  const entries = (v as JsonbObject).entries;
  for (let i = 0; i < entries.length; i++) {
    const [k, val] = entries[i]!;
    s += (i > 0 ? ', ' : '') + quoteJsonString(k) + ': ' + writeJsonbText(val, normalizeNumbers);
  }
  return s + '}';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the closing quote of the string whose first character is at `pos`. */
function stringEnd(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === QUOTE) return pos;
    if (c !== c) throw new Error('corrupt jsonb text: unterminated string');
    pos += c === BACKSLASH ? 2 : 1;
  }
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
}

/** The key text of canonical jsonb text: each number with trailing fractional zeros normalized. */
export function jsonbKeyOfText(text: string): string {
  if (text.indexOf('.') < 0) return text;
  let out = '';
  let copied = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i + 1) + 1;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      const number = text.slice(start, i);
      const normalized = normalizedNumberText(number);
      if (normalized !== number) {
        out += text.slice(copied, start) + normalized;
        copied = i;
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// ---------------------------------------------------------------------------
// Reading canonical text back into a tree

class CanonicalTextReader {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(): never {
    throw new Error(`corrupt jsonb text at ${this.pos}: ${this.text.slice(0, 80)}`);
  }

  skipSpaces(): void {
    while (this.text.charCodeAt(this.pos) === 0x20) this.pos++;
  }

  expect(c: number): void {
    this.skipSpaces();
    if (this.text.charCodeAt(this.pos) !== c) this.fail();
    this.pos++;
    this.skipSpaces();
  }

  value(): JsonbValue {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    switch (c) {
      case QUOTE:
        return this.string();
      case 0x7b: {
        this.pos++;
        this.skipSpaces();
        const entries: Array<readonly [string, JsonbValue]> = [];
        if (text.charCodeAt(this.pos) === 0x7d) {
          this.pos++;
          return new JsonbObject(entries);
        }
        for (;;) {
          if (text.charCodeAt(this.pos) !== QUOTE) this.fail();
          const key = this.string();
          this.expect(0x3a);
          entries.push([key, this.value()]);
          this.skipSpaces();
          const d = text.charCodeAt(this.pos++);
          if (d === 0x7d) return new JsonbObject(entries);
          if (d !== 0x2c) this.fail();
          this.skipSpaces();
        }
      }
      case 0x5b: {
        this.pos++;
        this.skipSpaces();
        const items: JsonbValue[] = [];
        if (text.charCodeAt(this.pos) === 0x5d) {
          this.pos++;
          return items;
        }
        for (;;) {
          items.push(this.value());
          this.skipSpaces();
          const d = text.charCodeAt(this.pos++);
          if (d === 0x5d) return items;
          if (d !== 0x2c) this.fail();
          this.skipSpaces();
        }
      }
      case 0x74:
      case 0x66:
      case 0x6e:
        return this.keyword(c);
      default: {
        const start = this.pos;
        while (isNumberChar(text.charCodeAt(this.pos))) this.pos++;
        if (this.pos === start) this.fail();
        return new JsonbNumber(text.slice(start, this.pos));
      }
    }
  }

  /** true, false or null, by its first character. */
  private keyword(first: number): boolean | null {
    const word = first === 0x74 ? 'true' : first === 0x66 ? 'false' : 'null';
    if (!this.text.startsWith(word, this.pos)) this.fail();
    this.pos += word.length;
    return first === 0x74 ? true : first === 0x66 ? false : null;
  }

  private string(): string {
    const text = this.text;
    const start = this.pos + 1;
    const end = stringEnd(text, start);
    this.pos = end + 1;
    const raw = text.slice(start, end);
    return raw.indexOf('\\') < 0 ? raw : unescapeJson(raw);
  }
}

const UNESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** The characters of a JSON string's body as escape_json wrote it. */
export function unescapeJson(raw: string): string {
  return raw.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (UNESCAPES[e] ?? e)));
}

/** The tree of canonical jsonb text (trusted: written by this module or read back from storage). */
export function parseCanonicalJsonbText(text: string): JsonbValue {
  const reader = new CanonicalTextReader(text);
  const value = reader.value();
  reader.skipSpaces();
  if (reader.pos !== text.length) reader.fail();
  return value;
}

// ---------------------------------------------------------------------------
// Looking up a field in the text

/** End of the value starting at `pos` in canonical text. */
function valueEnd(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === QUOTE) return stringEnd(text, pos + 1) + 1;
  if (c !== 0x7b && c !== 0x5b) {
    while (pos < text.length) {
      const d = text.charCodeAt(pos);
      if (d === 0x2c || d === 0x7d || d === 0x5d) break;
      pos++;
    }
    return pos;
  }
  let depth = 0;
  for (;;) {
    const d = text.charCodeAt(pos);
    if (d !== d) throw new Error('corrupt jsonb text: unterminated container');
    if (d === QUOTE) {
      pos = stringEnd(text, pos + 1) + 1;
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if ((d === 0x7d || d === 0x5d) && --depth === 0) return pos + 1;
    pos++;
  }
}

/** The canonical text of field `key` of the object written in `text`; null if none or not an object. */
function objectFieldText(text: string, key: string): string | null {
  if (text.charCodeAt(0) !== 0x7b) return null;
  // Keys are stored as escape_json writes them.
  const stored = NEEDS_ESCAPE.test(key) ? quoteJsonString(key).slice(1, -1) : key;
  let pos = 1;
  if (text.charCodeAt(pos) === 0x7d) return null;
  for (;;) {
    const keyStart = pos + 1;
    const keyEnd = stringEnd(text, keyStart);
    const valueStart = keyEnd + 3; // past '": '
    const end = valueEnd(text, valueStart);
    if (keyEnd - keyStart === stored.length && text.startsWith(stored, keyStart)) return text.slice(valueStart, end);
    if (text.charCodeAt(end) !== 0x2c) return null;
    pos = end + 2; // past ', '
  }
}

/** The canonical text of element `index` (negative: from the end) of the array written in `text`; null if none or not an array. */
function arrayElementText(text: string, index: number): string | null {
  if (text.charCodeAt(0) !== 0x5b || text.charCodeAt(1) === 0x5d) return null;
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 1;
  for (;;) {
    const end = valueEnd(text, pos);
    starts.push(pos);
    ends.push(end);
    if (index >= 0 && starts.length > index) break;
    if (text.charCodeAt(end) !== 0x2c) break;
    pos = end + 2; // past ', '
  }
  const i = index < 0 ? starts.length + index : index;
  return i >= 0 && i < starts.length ? text.slice(starts[i]!, ends[i]!) : null;
}

/**
 * The canonical text of the top-level object field `key` of a jsonb that
 * has no tree, found by scanning its text: a substring of it, since
 * canonical text is compositional. Null if there is no such field (or the
 * value is not an object); undefined if the datum has a tree to look in.
 * `data->'f'` and `data->>'f'` over a JSON source's rows build nothing.
 */
export function fieldTextOf(j: Jsonb, key: string): string | null | undefined {
  return j.hasTree ? undefined : objectFieldText(j.text, key);
}

/**
 * Likewise for a path (`#>`, `#>>`): object keys, or array indexes given as
 * integers (negative from the end). Null where the path leads nowhere.
 */
export function pathTextOf(j: Jsonb, path: readonly (string | null)[]): string | null | undefined {
  if (j.hasTree) return undefined;
  let text: string | null = j.text;
  for (const step of path) {
    if (text === null || step === null) return null;
    if (text.charCodeAt(0) === 0x5b) text = /^-?\d+$/.test(step) ? arrayElementText(text, Number(step)) : null;
    else text = objectFieldText(text, step);
  }
  return text;
}
