// Parsing JSON messages into jsonb datums (held as canonical text, see
// repr/jsonb-datum.ts).
//
// The usual message, one flat object, is rewritten into canonical text in a
// single scan without building a value tree. Other documents are parsed to
// a tree first. Why not JSON.parse alone: jsonb keeps numbers exactly (1.50
// stays 1.50, large integers keep every digit), which JSON.parse cannot, so
// it is used only when every number survives a double. Object keys are
// sorted and de-duplicated (last wins) as jsonb does. The bytes are decoded
// to one string first; tokens are then substrings of it, which V8 makes
// cheaply, instead of one native call per token.
import { Decimal } from 'decimal.js';
import { Jsonb, JsonbNumber, JsonbObject, type JsonbValue } from '../../repr/types.js';
import { writeJsonbText } from '../../repr/jsonb-datum.js';
import { decodeUtf8 } from './text.js';

export class JsonSyntaxError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 512;

/** Parses a complete JSON document from UTF-8 bytes into a jsonb datum; throws JsonSyntaxError. */
export function parseJsonDocument(bytes: Buffer): Jsonb {
  const text = decodeUtf8(bytes);
  if (text === null) throw new JsonSyntaxError('invalid UTF-8');
  const flat = flatObjectText(text);
  if (flat !== undefined) return Jsonb.fromCanonicalText(flat, flatTextNeedsKey ? undefined : flat);
  // Other documents go through a tree, which is let go at once: a source
  // keeps its rows, and a row held as text is a single string to the
  // garbage collector.
  return Jsonb.fromCanonicalText(writeJsonbText(parseJsonTree(text), false));
}

/** Parses a complete JSON document from UTF-8 bytes into its value tree; throws JsonSyntaxError. */
export function parseJsonBytes(bytes: Buffer): JsonbValue {
  return parseJsonDocument(bytes).value;
}

/**
 * Parses a complete JSON document; throws JsonSyntaxError. Documents whose
 * numbers all survive a round trip through a double (the common case) go
 * through the native JSON.parse plus a conversion, which is faster; the rest,
 * and every error, through the exact parser below.
 */
function parseJsonTree(text: string): JsonbValue {
  if (suitsNativeParse(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return parseExactly(text); // reports the error in jsonb's terms
    }
    return fromParsed(parsed);
  }
  return parseExactly(text);
}

function parseExactly(text: string): JsonbValue {
  const parser = new JsonTextParser(text);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('trailing characters');
  return value;
}

/**
 * The shape of the last flat object (see flatObjectText): its keys in
 * source order, the source indexes of its entries in jsonb order (sorted,
 * duplicates resolved), and the canonical text before each entry's value
 * (`{"key": `, then `, "key": `). Order and prefixes are null when unknown.
 */
const recentKeys: string[] = [];
let recentOrder: number[] | null = null;
let recentPrefixes: string[] | null = null;
/** Objects with more keys than this take the general parsers. */
const MAX_FLAT_KEYS = 64;
/** The flat object being parsed, per source index: its key, and where its value's text starts and ends (reused: parsing never nests here). */
const flatKeys: string[] = [];
const valueStarts = new Int32Array(MAX_FLAT_KEYS);
const valueEnds = new Int32Array(MAX_FLAT_KEYS);
/** Per source index: 1 when the value is a number whose text is not canonical (exponent, negative zero). */
const valueNeedsCanonical = new Uint8Array(MAX_FLAT_KEYS);

function skipJsonWhitespace(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return pos;
    pos++;
  }
}

/** End (closing quote) of a string starting at `start` without escapes or control characters; -1 otherwise. */
function plainStringEnd(text: string, start: number): number {
  for (let pos = start; ; pos++) {
    const c = text.charCodeAt(pos); // NaN past the end
    if (c === QUOTE) return pos;
    if (c === BACKSLASH || !(c >= 0x20)) return -1;
  }
}

/** End of the JSON number starting at `pos`, or -1 if it is not one. */
function numberEnd(text: string, pos: number): number {
  if (text.charCodeAt(pos) === 0x2d) pos++;
  const first = text.charCodeAt(pos);
  if (first === 0x30) pos++;
  else if (first >= 0x31 && first <= 0x39) pos = digitsEnd(text, pos + 1);
  else return -1;
  if (text.charCodeAt(pos) === 0x2e) {
    const end = digitsEnd(text, pos + 1);
    if (end === pos + 1) return -1;
    pos = end;
  }
  const e = text.charCodeAt(pos);
  if (e === 0x65 || e === 0x45) {
    pos++;
    const sign = text.charCodeAt(pos);
    if (sign === 0x2b || sign === 0x2d) pos++;
    const end = digitsEnd(text, pos);
    if (end === pos) return -1;
    pos = end;
  }
  return pos;
}

function digitsEnd(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (!(c >= 0x30 && c <= 0x39)) return pos;
    pos++;
  }
}

/**
 * Fast path for the usual message shape: one flat object whose values are
 * strings without escapes, numbers, true, false or null. Writes the jsonb's
 * canonical text straight from the source text (keys in jsonb order, fixed
 * separators), building no value tree. Returns undefined for anything else
 * (nesting, escapes, any syntax error): the general parsers then handle (and
 * report) it. A stream of same-shaped documents reuses the previous
 * document's key order and prefixes. Sets flatTextNeedsKey.
 */
function flatObjectText(text: string): string | undefined {
  return recentShapeText(text) ?? anyFlatObjectText(text);
}

/** Whether the last flatObjectText result has a number with trailing fractional zeros (its key text differs). */
let flatTextNeedsKey = false;
/** Whether the value flatValueEndAt last accepted is a number whose text is not canonical. */
let flatValueNeedsCanonical = false;

/**
 * End of the flat value (string without escapes, number, true, false,
 * null) at `pos`, or -1 for anything else.
 */
function flatValueEndAt(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  flatValueNeedsCanonical = false;
  if (c === QUOTE) {
    const end = plainStringEnd(text, pos + 1);
    return end < 0 ? -1 : end + 1;
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    const end = numberEnd(text, pos);
    if (end < 0) return -1;
    // Only an exponent or a negative zero make JSON's number text differ from numeric's.
    flatValueNeedsCanonical = (c === 0x2d && text.charCodeAt(pos + 1) === 0x30) || hasExponent(text, pos, end);
    return end;
  }
  if (c === 0x74) return text.startsWith('true', pos) ? pos + 4 : -1;
  if (c === 0x66) return text.startsWith('false', pos) ? pos + 5 : -1;
  if (c === 0x6e) return text.startsWith('null', pos) ? pos + 4 : -1;
  return -1;
}

/**
 * The canonical text of the flat object just scanned (values located in
 * valueStarts/valueEnds by source index), entries in `order`.
 */
function writeFlatText(text: string, order: readonly number[], prefixes: readonly string[]): string {
  if (order.length === 0) return '{}';
  let needsKey = false;
  let out = '';
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    let value = text.slice(valueStarts[i]!, valueEnds[i]!);
    if (valueNeedsCanonical[i] === 1) value = canonicalNumberText(value);
    // Only a number ends in '0'; with a '.' it has trailing fractional zeros.
    if (value.charCodeAt(value.length - 1) === 0x30 && value.indexOf('.') >= 0) needsKey = true;
    out += prefixes[j]! + value;
  }
  flatTextNeedsKey = needsKey;
  return out + '}';
}

/** A flat object with exactly the remembered shape (same keys in the same source order). */
function recentShapeText(text: string): string | undefined {
  const order = recentOrder;
  const prefixes = recentPrefixes;
  if (order === null || prefixes === null) return undefined;
  const count = recentKeys.length;
  if (count === 0) return undefined;
  let pos = skipJsonWhitespace(text, 0);
  if (text.charCodeAt(pos) !== 0x7b) return undefined;
  pos = skipJsonWhitespace(text, pos + 1);
  const last = count - 1;
  for (let i = 0; ; i++) {
    const key = recentKeys[i]!;
    const keyStart = pos + 1;
    if (text.charCodeAt(pos) !== QUOTE || !text.startsWith(key, keyStart) || text.charCodeAt(keyStart + key.length) !== QUOTE) return undefined;
    pos = skipJsonWhitespace(text, keyStart + key.length + 1);
    if (text.charCodeAt(pos) !== 0x3a) return undefined;
    pos = skipJsonWhitespace(text, pos + 1);
    const end = flatValueEndAt(text, pos);
    if (end < 0) return undefined;
    valueStarts[i] = pos;
    valueEnds[i] = end;
    valueNeedsCanonical[i] = flatValueNeedsCanonical ? 1 : 0;
    pos = skipJsonWhitespace(text, end);
    const d = text.charCodeAt(pos);
    if (i === last) {
      if (d !== 0x7d) return undefined;
      break;
    }
    if (d !== 0x2c) return undefined;
    pos = skipJsonWhitespace(text, pos + 1);
  }
  if (skipJsonWhitespace(text, pos + 1) !== text.length) return undefined;
  return writeFlatText(text, order, prefixes);
}

function anyFlatObjectText(text: string): string | undefined {
  let pos = skipJsonWhitespace(text, 0);
  if (text.charCodeAt(pos) !== 0x7b) return undefined;
  pos = skipJsonWhitespace(text, pos + 1);
  let count = 0;
  let sameShape = true;
  if (text.charCodeAt(pos) === 0x7d) pos++;
  else {
    for (;;) {
      if (count === MAX_FLAT_KEYS || text.charCodeAt(pos) !== QUOTE) return undefined;
      const keyStart = pos + 1;
      const keyEnd = plainStringEnd(text, keyStart);
      if (keyEnd < 0) return undefined;
      let key = recentKeys[count];
      if (key === undefined || key.length !== keyEnd - keyStart || !text.startsWith(key, keyStart)) {
        key = text.slice(keyStart, keyEnd);
        sameShape = false;
        recentOrder = null;
        recentPrefixes = null;
        recentKeys[count] = key;
      }
      pos = skipJsonWhitespace(text, keyEnd + 1);
      if (text.charCodeAt(pos) !== 0x3a) return undefined;
      pos = skipJsonWhitespace(text, pos + 1);
      const end = flatValueEndAt(text, pos);
      if (end < 0) return undefined;
      flatKeys[count] = key;
      valueStarts[count] = pos;
      valueEnds[count] = end;
      valueNeedsCanonical[count] = flatValueNeedsCanonical ? 1 : 0;
      count++;
      pos = skipJsonWhitespace(text, end);
      const d = text.charCodeAt(pos);
      if (d === 0x7d) {
        pos++;
        break;
      }
      if (d !== 0x2c) return undefined;
      pos = skipJsonWhitespace(text, pos + 1);
    }
  }
  if (skipJsonWhitespace(text, pos) !== text.length) return undefined;
  let order = recentOrder;
  let prefixes = recentPrefixes;
  if (order === null || prefixes === null || !sameShape || recentKeys.length !== count) {
    order = jsonbOrder(flatKeys, count);
    // Plain keys (no escapes, no control characters) quote as themselves.
    prefixes = order.map((from, j) => `${j === 0 ? '{' : ', '}"${flatKeys[from]!}": `);
    recentKeys.length = count;
    recentOrder = order;
    recentPrefixes = prefixes;
  }
  return writeFlatText(text, order, prefixes);
}

/** Source indexes of the first `count` keys in jsonb order, keeping the last of duplicate keys. */
function jsonbOrder(keys: readonly string[], count: number): number[] {
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push(i);
  // Stable: duplicates stay in source order, so the last one is the last of its run.
  order.sort((a, b) => compareJsonbKeys(keys[a]!, keys[b]!) || a - b);
  let write = 0;
  for (let i = 0; i < count; i++) {
    if (i + 1 < count && keys[order[i + 1]!] === keys[order[i]!]) continue;
    order[write++] = order[i]!;
  }
  order.length = write;
  return order;
}

function hasExponent(text: string, start = 0, end = text.length): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) return true;
  }
  return false;
}

/**
 * True when every number token outside strings prints back identically from
 * a double (at most 15 digits, no exponent, no trailing fraction zero, not
 * below 1e-6, which JavaScript prints with an exponent) and no string holds
 * \u0000 (which jsonb rejects and JSON.parse accepts).
 */
function suitsNativeParse(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string, honouring escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          if (text.charCodeAt(i + 1) === 0x75 && text.startsWith('0000', i + 2)) return false;
          i += 2;
        } else if (d === QUOTE) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let digits = 0;
      let last = 0;
      let fraction = false;
      let fractionSignificant = false;
      let leadingFractionZeros = 0;
      if (c === 0x2d) i++;
      const integerIsZero = text.charCodeAt(i) === 0x30;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) {
          digits++;
          if (fraction && !fractionSignificant) {
            if (d === 0x30) leadingFractionZeros++;
            else fractionSignificant = true;
          }
          last = d;
        } else if (d === 0x2e) {
          fraction = true;
        } else if (d === 0x65 || d === 0x45) {
          return false;
        } else break;
      }
      if (digits > 15 || (fraction && last === 0x30) || (integerIsZero && leadingFractionZeros >= 6)) return false;
      continue;
    }
    i++;
  }
  return true;
}

/** Converts JSON.parse output into jsonb values. */
function fromParsed(v: unknown): JsonbValue {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return new JsonbNumber(String(v));
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const out: JsonbValue[] = new Array<JsonbValue>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = fromParsed(v[i]);
        return out;
      }
      const record = v as Record<string, unknown>;
      const entries: [string, JsonbValue][] = [];
      for (const key in record) entries.push([key, fromParsed(record[key])]);
      // JSON.parse already kept the last of duplicate keys.
      if (entries.length > 1) sortEntries(entries);
      return new JsonbObject(entries);
    }
    default:
      throw new JsonSyntaxError(`unexpected ${typeof v}`);
  }
}

/** jsonb key order: shorter (in bytes) first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  const la = utf8Length(a);
  const lb = utf8Length(b);
  return la !== lb ? la - lb : compareSameLength(a, b);
}

function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/**
 * Sorts object entries into jsonb order and drops duplicate keys (the last
 * one wins). Small objects use an insertion sort; both sorts are stable,
 * which the duplicate rule relies on.
 */
function sortAndDedupe(entries: [string, JsonbValue][]): void {
  sortEntries(entries);
  dedupeSorted(entries);
}

/** Byte lengths of the keys being sorted (reused: sorting never nests). */
const keyLengths: number[] = [];

function sortEntries(entries: [string, JsonbValue][]): void {
  const n = entries.length;
  if (n > 16) {
    // Large objects: V8's sort is stable too, and O(n log n).
    entries.sort((a, b) => compareJsonbKeys(a[0], b[0]));
    return;
  }
  const lengths = keyLengths;
  for (let i = 0; i < n; i++) lengths[i] = utf8Length(entries[i]![0]);
  for (let i = 1; i < n; i++) {
    const entry = entries[i]!;
    const len = lengths[i]!;
    let j = i - 1;
    while (j >= 0 && (lengths[j]! > len || (lengths[j] === len && compareSameLength(entries[j]![0], entry[0]) > 0))) {
      entries[j + 1] = entries[j]!;
      lengths[j + 1] = lengths[j]!;
      j--;
    }
    entries[j + 1] = entry;
    lengths[j + 1] = len;
  }
}

/** Keeps the last of each run of equal keys. */
function dedupeSorted(entries: [string, JsonbValue][]): void {
  const n = entries.length;
  let write = 0;
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && entries[i + 1]![0] === entries[i]![0]) continue;
    entries[write++] = entries[i]!;
  }
  entries.length = write;
}

/** Bytewise order of two keys of equal UTF-8 length. */
function compareSameLength(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === b.length && utf8Length(a) === a.length) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Canonical text of a JSON number as PostgreSQL's numeric prints it (no exponent, -0 -> 0). */
export function canonicalNumberText(text: string): string {
  if (!hasExponent(text)) {
    if (text.charCodeAt(0) === 0x2d && /^-0(\.0*)?$/.test(text)) return text.slice(1);
    return text;
  }
  const d = new Decimal(text);
  const dot = text.indexOf('.');
  const mantissaEnd = text.search(/[eE]/);
  const fractionDigits = dot >= 0 ? mantissaEnd - dot - 1 : 0;
  const exponent = Number(text.slice(mantissaEnd + 1));
  const scale = Math.max(0, fractionDigits - exponent);
  const fixed = d.toFixed(scale);
  return /^-0(\.0*)?$/.test(fixed) ? fixed.slice(1) : fixed;
}

class JsonTextParser {
  pos = 0;
  constructor(private readonly src: string) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at character ${this.pos + 1}`);
  }

  skipWhitespace(): void {
    const src = this.src;
    let pos = this.pos;
    while (pos < src.length) {
      const c = src.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  value(depth: number): JsonbValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const src = this.src;
    if (this.pos >= src.length) this.fail('unexpected end of input');
    const c = src.charCodeAt(this.pos);
    switch (c) {
      case QUOTE:
        return this.string();
      case 0x7b:
        return this.object(depth);
      case 0x5b:
        return this.array(depth);
      case 0x74:
        return this.literal('true', true);
      case 0x66:
        return this.literal('false', false);
      case 0x6e:
        return this.literal('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(`unexpected character '${String.fromCharCode(c)}'`);
    }
  }

  private literal<V extends JsonbValue>(word: string, value: V): V {
    if (!this.src.startsWith(word, this.pos)) this.fail('invalid literal');
    this.pos += word.length;
    return value;
  }

  private digits(pos: number): number {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(pos);
      if (!(c >= 0x30 && c <= 0x39)) return pos;
      pos++;
    }
  }

  private number(): JsonbNumber {
    const src = this.src;
    const start = this.pos;
    let pos = start;
    if (src.charCodeAt(pos) === 0x2d) pos++;
    const first = src.charCodeAt(pos);
    if (first === 0x30) pos++;
    else if (first >= 0x31 && first <= 0x39) pos = this.digits(pos + 1);
    else {
      this.pos = pos;
      this.fail('invalid number');
    }
    let plain = true;
    if (src.charCodeAt(pos) === 0x2e) {
      const end = this.digits(pos + 1);
      if (end === pos + 1) {
        this.pos = end;
        this.fail('invalid number');
      }
      pos = end;
    }
    const e = src.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      plain = false;
      pos++;
      const sign = src.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      const end = this.digits(pos);
      if (end === pos) {
        this.pos = end;
        this.fail('invalid number');
      }
      pos = end;
    }
    this.pos = pos;
    const text = src.slice(start, pos);
    return new JsonbNumber(plain && first !== 0x30 ? text : canonicalNumberText(text));
  }

  private string(): string {
    const src = this.src;
    const start = this.pos + 1;
    let pos = start;
    for (;;) {
      const c = src.charCodeAt(pos);
      if (c === QUOTE) break;
      if (c === BACKSLASH) return this.escapedString(start);
      if (c < 0x20 || pos >= src.length) {
        this.pos = pos;
        this.fail(pos >= src.length ? 'unterminated string' : 'control character in string');
      }
      pos++;
    }
    this.pos = pos + 1;
    return src.slice(start, pos);
  }

  /** Slow path for strings with escapes. */
  private escapedString(start: number): string {
    const src = this.src;
    let pos = start;
    let out = '';
    let chunk = start;
    for (;;) {
      if (pos >= src.length) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      const c = src.charCodeAt(pos);
      if (c === QUOTE) break;
      if (c < 0x20) {
        this.pos = pos;
        this.fail('control character in string');
      }
      if (c !== BACKSLASH) {
        pos++;
        continue;
      }
      out += src.slice(chunk, pos);
      const escaped = src.charCodeAt(pos + 1);
      pos += 2;
      switch (escaped) {
        case QUOTE:
          out += '"';
          break;
        case BACKSLASH:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hex = src.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = pos;
            this.fail('invalid unicode escape');
          }
          const code = parseInt(hex, 16);
          if (code === 0) {
            this.pos = pos;
            this.fail('unsupported Unicode escape sequence \\u0000');
          }
          out += String.fromCharCode(code);
          pos += 4;
          break;
        }
        default:
          this.pos = pos;
          this.fail('invalid escape');
      }
      chunk = pos;
    }
    out += src.slice(chunk, pos);
    this.pos = pos + 1;
    return out;
  }

  private array(depth: number): JsonbValue[] {
    this.pos++;
    const out: JsonbValue[] = [];
    this.skipWhitespace();
    if (this.src.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value(depth + 1));
      this.skipWhitespace();
      const c = this.src.charCodeAt(this.pos);
      if (c === 0x5d) {
        this.pos++;
        return out;
      }
      if (c !== 0x2c) this.fail("expected ',' or ']'");
      this.pos++;
    }
  }

  private object(depth: number): JsonbObject {
    this.pos++;
    const entries: [string, JsonbValue][] = [];
    this.skipWhitespace();
    if (this.src.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return new JsonbObject(entries);
    }
    for (;;) {
      this.skipWhitespace();
      if (this.src.charCodeAt(this.pos) !== QUOTE) this.fail('expected a string key');
      const key = this.string();
      this.skipWhitespace();
      if (this.src.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      entries.push([key, this.value(depth + 1)]);
      this.skipWhitespace();
      const c = this.src.charCodeAt(this.pos);
      if (c === 0x7d) {
        this.pos++;
        break;
      }
      if (c !== 0x2c) this.fail("expected ',' or '}'");
      this.pos++;
    }
    if (entries.length > 1) sortAndDedupe(entries);
    return new JsonbObject(entries);
  }
}
