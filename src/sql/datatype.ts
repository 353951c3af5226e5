// Parsing of type names as written (`numeric(10,2)`, `double precision`,
// `timestamp with time zone`, `int[]`, `text list`, `map[text=>int]`) into
// DataType with PostgreSQL's internal names.
import type { DataType, IntervalQualifier } from './ast.js';
import { ParserBase } from './parser-base.js';

/** Spellings of built-in types -> internal name. Names not listed are kept as written. */
const TYPE_ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  int4: 'int4',
  smallint: 'int2',
  int2: 'int2',
  bigint: 'int8',
  int8: 'int8',
  real: 'float4',
  float4: 'float4',
  float8: 'float8',
  float: 'float8',
  numeric: 'numeric',
  decimal: 'numeric',
  dec: 'numeric',
  boolean: 'bool',
  bool: 'bool',
  varchar: 'varchar',
  char: 'bpchar',
  character: 'bpchar',
  bpchar: 'bpchar',
  json: 'jsonb',
  jsonb: 'jsonb',
  timestamptz: 'timestamptz',
  timetz: 'timetz',
};

/** Schemas whose prefix is dropped from built-in type names. */
const BUILTIN_TYPE_SCHEMAS = new Set(['pg_catalog', 'mz_catalog']);

export const INTERVAL_FIELDS = new Set(['year', 'month', 'day', 'hour', 'minute', 'second']);
const INTERVAL_FIELD_PLURALS = ['years', 'months', 'days', 'hours', 'minutes', 'seconds'];

export class TypeParser extends ParserBase {
  parseDataType(): DataType {
    return this.nested(() => this.parseDataTypeWithSuffixes());
  }

  private parseDataTypeWithSuffixes(): DataType {
    let type = this.parseBaseType();
    // Suffixes: t[], t[3], t ARRAY, t list (nestable).
    while (true) {
      const pos = type.pos;
      if (this.isPunct('[')) {
        this.skipArrayBound();
        type = { kind: 'array', element: type, pos };
      } else if (this.isWord('array')) {
        this.next();
        if (this.isPunct('[')) this.skipArrayBound();
        type = { kind: 'array', element: type, pos };
      } else if (this.isWord('list')) {
        this.next();
        type = { kind: 'list', element: type, pos };
      } else {
        return type;
      }
    }
  }

  /** `[]` or `[3]`: PostgreSQL accepts and ignores declared array bounds. */
  private skipArrayBound(): void {
    this.expectPunct('[');
    if (this.peek().kind === 'number') this.next();
    this.expectPunct(']');
  }

  /** True when the next tokens start a multi-word type name or one that takes words after it. */
  protected startsSpecialTypeName(): boolean {
    return this.isWord('double') || this.isWord('character') || this.isWord('char') || this.isWord('time') ||
      this.isWord('timestamp') || this.isWord('interval');
  }

  private parseBaseType(): DataType {
    const pos = this.peek().start;
    const first = this.peek();
    if (first.kind === 'quotedIdent') {
      const name = this.parseTypeNameParts(false);
      return { kind: 'named', name, modifiers: this.parseTypeModifiers(), pos };
    }
    if (first.kind !== 'word') throw this.syntaxError();
    if (this.isWord('map') && this.isPunct('[', 1)) {
      this.index += 2;
      const key = this.parseDataType();
      this.expectOp('=>');
      const value = this.parseDataType();
      this.expectPunct(']');
      return { kind: 'map', key, value, pos };
    }
    if (this.eatWords('double', 'precision')) return { kind: 'named', name: 'float8', modifiers: [], pos };
    if (this.eatWords('character', 'varying') || this.eatWords('char', 'varying')) {
      return { kind: 'named', name: 'varchar', modifiers: this.parseTypeModifiers(), pos };
    }
    if (this.isWord('time') || this.isWord('timestamp')) {
      const base = this.next().value;
      const modifiers = this.parseTypeModifiers();
      let withZone = false;
      if (this.eatWords('with', 'time', 'zone')) withZone = true;
      else this.eatWords('without', 'time', 'zone');
      const name = base === 'time' ? (withZone ? 'timetz' : 'time') : withZone ? 'timestamptz' : 'timestamp';
      return { kind: 'named', name, modifiers, pos };
    }
    if (this.isWord('interval')) {
      this.next();
      this.parseIntervalQualifier();
      return { kind: 'named', name: 'interval', modifiers: this.parseTypeModifiers(), pos };
    }
    if (this.isWord('float')) {
      this.next();
      const modifiers = this.parseTypeModifiers();
      const name = modifiers.length > 0 && modifiers[0] <= 24 ? 'float4' : 'float8';
      return { kind: 'named', name, modifiers: [], pos };
    }
    const name = this.parseTypeNameParts(true);
    return { kind: 'named', name, modifiers: this.parseTypeModifiers(), pos };
  }

  /** A possibly qualified type name; pg_catalog./mz_catalog. prefixes are dropped. */
  private parseTypeNameParts(applyAliases: boolean): string {
    const parts = [this.parseAnyIdent()];
    while (this.isPunct('.')) {
      this.next();
      parts.push(this.parseAnyIdent());
    }
    if (parts.length > 1 && BUILTIN_TYPE_SCHEMAS.has(parts[0])) parts.shift();
    if (parts.length === 1) return applyAliases ? (TYPE_ALIASES[parts[0]] ?? parts[0]) : parts[0];
    return parts.join('.');
  }

  /** `(10, 2)` after a type name. */
  private parseTypeModifiers(): number[] {
    if (!this.isPunct('(') || this.peek(1).kind !== 'number') return [];
    return this.parenList(() => {
      const t = this.next();
      if (t.kind !== 'number' || !/^\d+$/.test(t.value)) throw this.syntaxError(t);
      return Number(t.value);
    });
  }

  /** `DAY`, `DAY TO SECOND`, `SECOND(3)` after INTERVAL. */
  protected parseIntervalQualifier(): IntervalQualifier | undefined {
    // Materialize also takes the plural (INTERVAL '30' minutes), which PostgreSQL would read as an alias.
    let leading = this.eatOneOf(...INTERVAL_FIELDS);
    if (leading === undefined) {
      const plural = this.eatOneOf(...INTERVAL_FIELD_PLURALS);
      if (plural === undefined) return undefined;
      leading = plural.slice(0, -1);
    }
    const qualifier: IntervalQualifier = { leading };
    if (this.isWord('to') && this.peek(1).kind === 'word' && INTERVAL_FIELDS.has(this.peek(1).value)) {
      this.next();
      qualifier.trailing = this.next().value;
    }
    const precision = this.parseTypeModifiers();
    if (precision.length > 0) qualifier.precision = precision[0];
    return qualifier;
  }
}
