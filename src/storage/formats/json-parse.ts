// A JSON parser that reads UTF-8 bytes straight into jsonb values.
//
// Why not JSON.parse: jsonb keeps numbers exactly (1.50 stays 1.50, large
// integers keep every digit), which JSON.parse cannot; and converting its
// output would cost a second pass. Object keys are sorted and de-duplicated
// (last wins) as jsonb does. ASCII strings without escapes (the common case)
// are sliced with latin1, the cheapest string construction.
import { isUtf8 } from 'node:buffer';
import { Decimal } from 'decimal.js';
import { JsonbNumber, JsonbObject, type JsonbValue } from '../../repr/types.js';

export class JsonSyntaxError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 512;

/** Parses a complete JSON document; throws JsonSyntaxError. */
export function parseJsonBytes(bytes: Buffer): JsonbValue {
  const parser = new JsonBytesParser(bytes);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== bytes.length) parser.fail('trailing characters');
  return value;
}

/** jsonb key order: shorter (in bytes) first, then bytewise. */
export function compareJsonbKeys(a: string, b: string): number {
  if (a === b) return 0;
  const la = utf8Length(a);
  const lb = utf8Length(b);
  if (la !== lb) return la - lb;
  // Equal-length ASCII keys: code unit order is byte order.
  if (la === a.length && lb === b.length) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function compareEntries(a: readonly [string, JsonbValue], b: readonly [string, JsonbValue]): number {
  return compareJsonbKeys(a[0], b[0]);
}

/** Canonical text of a JSON number as PostgreSQL's numeric prints it (no exponent, -0 -> 0). */
export function canonicalNumberText(text: string): string {
  let hasExponent = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x65 || c === 0x45) {
      hasExponent = true;
      break;
    }
  }
  if (!hasExponent) {
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

class JsonBytesParser {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at byte ${this.pos}`);
  }

  skipWhitespace(): void {
    const buf = this.buf;
    let pos = this.pos;
    while (pos < buf.length) {
      const c = buf[pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.pos = pos;
  }

  value(depth: number): JsonbValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.buf[this.pos];
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
      case undefined:
        return this.fail('unexpected end of input');
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(`unexpected character '${String.fromCharCode(c)}'`);
    }
  }

  private literal<V extends JsonbValue>(word: string, value: V): V {
    const buf = this.buf;
    for (let i = 0; i < word.length; i++) {
      if (buf[this.pos + i] !== word.charCodeAt(i)) this.fail('invalid literal');
    }
    this.pos += word.length;
    return value;
  }

  private number(): JsonbNumber {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    if (buf[pos] === 0x2d) pos++;
    if (buf[pos] === 0x30) pos++;
    else if (buf[pos]! >= 0x31 && buf[pos]! <= 0x39) while (buf[pos]! >= 0x30 && buf[pos]! <= 0x39) pos++;
    else {
      this.pos = pos;
      this.fail('invalid number');
    }
    if (buf[pos] === 0x2e) {
      pos++;
      const digits = pos;
      while (buf[pos]! >= 0x30 && buf[pos]! <= 0x39) pos++;
      if (pos === digits) {
        this.pos = pos;
        this.fail('invalid number');
      }
    }
    if (buf[pos] === 0x65 || buf[pos] === 0x45) {
      pos++;
      if (buf[pos] === 0x2b || buf[pos] === 0x2d) pos++;
      const digits = pos;
      while (buf[pos]! >= 0x30 && buf[pos]! <= 0x39) pos++;
      if (pos === digits) {
        this.pos = pos;
        this.fail('invalid number');
      }
    }
    this.pos = pos;
    return new JsonbNumber(canonicalNumberText(buf.toString('latin1', start, pos)));
  }

  private string(): string {
    const buf = this.buf;
    const start = this.pos + 1;
    let pos = start;
    let ascii = true;
    for (;;) {
      const c = buf[pos];
      if (c === undefined) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      if (c === QUOTE) break;
      if (c === BACKSLASH) return this.escapedString(start);
      if (c < 0x20) {
        this.pos = pos;
        this.fail('control character in string');
      }
      if (c >= 0x80) ascii = false;
      pos++;
    }
    this.pos = pos + 1;
    if (ascii) return buf.toString('latin1', start, pos);
    // utf8Slice would replace invalid sequences silently; reject them instead.
    if (!isUtf8(buf.subarray(start, pos))) this.fail('invalid UTF-8 in string');
    return buf.toString('utf8', start, pos);
  }

  /** Slow path for strings with escapes: decodes piece by piece. */
  private escapedString(start: number): string {
    const buf = this.buf;
    let pos = start;
    let out = '';
    let chunk = start;
    for (;;) {
      const c = buf[pos];
      if (c === undefined) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      if (c === QUOTE) break;
      if (c < 0x20) {
        this.pos = pos;
        this.fail('control character in string');
      }
      if (c !== BACKSLASH) {
        pos++;
        continue;
      }
      out += buf.toString('utf8', chunk, pos);
      const e = buf[pos + 1];
      pos += 2;
      switch (e) {
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
          const hex = buf.toString('latin1', pos, pos + 4);
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
    out += buf.toString('utf8', chunk, pos);
    this.pos = pos + 1;
    return out;
  }

  private array(depth: number): JsonbValue[] {
    this.pos++;
    const out: JsonbValue[] = [];
    this.skipWhitespace();
    if (this.buf[this.pos] === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value(depth + 1));
      this.skipWhitespace();
      const c = this.buf[this.pos];
      this.pos++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  private object(depth: number): JsonbObject {
    this.pos++;
    const entries: [string, JsonbValue][] = [];
    this.skipWhitespace();
    if (this.buf[this.pos] === 0x7d) {
      this.pos++;
      return new JsonbObject(entries);
    }
    for (;;) {
      this.skipWhitespace();
      if (this.buf[this.pos] !== QUOTE) this.fail('expected a string key');
      const key = this.string();
      this.skipWhitespace();
      if (this.buf[this.pos] !== 0x3a) this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      entries.push([key, this.value(depth + 1)]);
      this.skipWhitespace();
      const c = this.buf[this.pos];
      this.pos++;
      if (c === 0x7d) break;
      if (c !== 0x2c) {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
    if (entries.length > 1) {
      entries.sort(compareEntries);
      // Stable sort keeps duplicates in input order: keep the last of each run.
      let write = 0;
      for (let i = 0; i < entries.length; i++) {
        if (i + 1 < entries.length && entries[i + 1]![0] === entries[i]![0]) continue;
        entries[write++] = entries[i]!;
      }
      entries.length = write;
    }
    return new JsonbObject(entries);
  }
}
