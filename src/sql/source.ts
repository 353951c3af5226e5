// CREATE SOURCE ... FROM KAFKA CONNECTION c (...) with its FORMAT, INCLUDE,
// ENVELOPE and EXPOSE PROGRESS clauses (Materialize's legacy source syntax).
import type { CreateSourceStatement, CsrSeed, Envelope, FormatSpec, IncludeItem, SeedSchema, SourceDecoding, SqlOption } from './ast.js';
import { OptionParser } from './options.js';

export class SourceParser extends OptionParser {
  /** After `CREATE SOURCE`. */
  protected parseCreateSource(pos: number): CreateSourceStatement {
    const ifNotExists = this.eatWords('if', 'not', 'exists');
    const name = this.parseObjectName();
    const columnNames = this.isPunct('(') ? this.parseIdentList() : [];
    const inCluster = this.parseInCluster();
    this.expectWords('from', 'kafka', 'connection');
    const connection = this.parseObjectName();
    const options = this.isPunct('(') ? this.parseOptionList() : [];
    const stmt: CreateSourceStatement = {
      kind: 'createSource',
      name,
      ifNotExists,
      columnNames,
      connector: { kind: 'kafka', connection, options },
      include: [],
      withOptions: [],
      pos,
    };
    if (inCluster !== undefined) stmt.inCluster = inCluster;
    this.parseDecoding(stmt);
    while (this.eatWords('expose')) {
      if (this.eatWords('progress', 'as') && stmt.progressName === undefined) stmt.progressName = this.parseObjectName();
      else if (this.eatWords('errors', 'as') && stmt.errorsName === undefined) stmt.errorsName = this.parseObjectName();
      else throw this.syntaxError();
    }
    stmt.withOptions = this.parseWithOptions();
    return stmt;
  }

  /** `[KEY FORMAT f VALUE FORMAT f | FORMAT f] [INCLUDE ...] [ENVELOPE ...]` into `target`. */
  protected parseDecoding(target: SourceDecoding): void {
    if (this.eatWords('key', 'format')) {
      target.keyFormat = this.parseFormatSpec();
      this.expectWords('value', 'format');
      target.valueFormat = this.parseFormatSpec();
    } else if (this.eatWords('value', 'format')) {
      target.valueFormat = this.parseFormatSpec();
    } else if (this.eatWords('format')) {
      target.format = this.parseFormatSpec();
    }
    if (this.eatWords('include')) target.include = this.commaList(() => this.parseIncludeItem());
    if (this.eatWords('envelope')) target.envelope = this.parseEnvelope();
  }

  /** `IN CLUSTER c` if present. */
  protected parseInCluster(): string | undefined {
    return this.eatWords('in', 'cluster') ? this.parseIdent() : undefined;
  }

  private parseFormatSpec(): FormatSpec {
    const t = this.next();
    if (t.kind !== 'word') throw this.syntaxError(t);
    switch (t.value) {
      case 'text':
        return { kind: 'text' };
      case 'bytes':
        return { kind: 'bytes' };
      case 'json':
        return this.eatWords('array') ? { kind: 'json', array: true } : { kind: 'json' };
      case 'csv':
        return this.parseCsvFormat();
      case 'avro':
        return this.parseAvroFormat();
      case 'protobuf':
        return this.parseProtobufFormat();
      case 'regex':
        return { kind: 'regex', pattern: this.parseStringLiteral() };
      default:
        throw this.syntaxError(t);
    }
  }

  protected parseStringLiteral(): string {
    const t = this.peek();
    if (t.kind !== 'string') throw this.syntaxError();
    this.next();
    return t.value;
  }

  /** CSV WITH n COLUMNS | CSV WITH HEADER [(a, b)], then [DELIMITED BY 'c']. */
  private parseCsvFormat(): FormatSpec {
    this.expectWords('with');
    const spec: FormatSpec = { kind: 'csv', delimiter: ',' };
    if (this.eatWords('header')) {
      spec.header = this.isPunct('(') ? this.parseIdentList() : [];
    } else {
      const count = this.next();
      if (count.kind !== 'number' || !/^\d+$/.test(count.value)) throw this.syntaxError(count);
      spec.columnCount = Number(count.value);
      this.expectWords('columns');
    }
    if (this.eatWords('delimited', 'by')) spec.delimiter = this.parseStringLiteral();
    return spec;
  }

  /** AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION c [KEY STRATEGY s] [VALUE STRATEGY s] | AVRO USING SCHEMA '...' */
  private parseAvroFormat(): FormatSpec {
    const spec: FormatSpec = { kind: 'avro', options: [] };
    this.parseSchemaLocation(spec);
    return spec;
  }

  /** PROTOBUF [MESSAGE 'm'] USING CONFLUENT SCHEMA REGISTRY CONNECTION c | USING SCHEMA '...' */
  private parseProtobufFormat(): FormatSpec {
    const spec: FormatSpec = { kind: 'protobuf', options: [] };
    if (this.eatWords('message')) spec.messageName = this.parseStringLiteral();
    this.parseSchemaLocation(spec);
    return spec;
  }

  /** `USING SCHEMA '...'` or `USING CONFLUENT SCHEMA REGISTRY CONNECTION c [options]`, shared by Avro and Protobuf. */
  private parseSchemaLocation(spec: FormatSpec & { kind: 'avro' | 'protobuf' }): void {
    this.expectWords('using');
    if (this.eatWords('schema')) {
      spec.schema = this.parseStringLiteral();
      return;
    }
    this.expectWords('confluent', 'schema', 'registry', 'connection');
    spec.csrConnection = this.parseObjectName();
    spec.options = this.parseCsrOptions();
    spec.endPos = this.previousEnd();
    if (this.eatWords('seed')) spec.seed = this.parseSeed();
  }

  /** After SEED: `[KEY SCHEMA '...' [MESSAGE '...']] [VALUE SCHEMA '...' [MESSAGE '...']]`. */
  private parseSeed(): CsrSeed {
    const seed: CsrSeed = {};
    const side = (): SeedSchema => {
      this.expectWords('schema');
      const out: SeedSchema = { schema: this.parseStringLiteral() };
      if (this.eatWords('message')) out.message = this.parseStringLiteral();
      return out;
    };
    if (this.eatWords('key')) seed.key = side();
    if (this.eatWords('value')) seed.value = side();
    if (!seed.key && !seed.value) throw this.syntaxError();
    return seed;
  }

  /** Optional `(option, ...)` and KEY STRATEGY / VALUE STRATEGY after a schema registry connection. */
  private parseCsrOptions(): SqlOption[] {
    const options = this.isPunct('(') ? this.parseOptionList() : [];
    while (this.isWord('strategy', 1) && (this.isWord('key') || this.isWord('value'))) {
      const pos = this.peek().start;
      const name = `${this.next().value.toUpperCase()} STRATEGY`;
      this.next();
      const strategy = this.next();
      if (strategy.kind !== 'word') throw this.syntaxError(strategy);
      if (strategy.value === 'latest') {
        options.push({ name, value: { kind: 'ident', name: 'latest' }, pos });
      } else if (strategy.value === 'inline' || strategy.value === 'id') {
        const argument = { kind: 'value', expr: this.parseExpr() } as const;
        options.push({ name, value: { kind: 'sequence', items: [{ kind: 'ident', name: strategy.value }, argument] }, pos });
      } else {
        throw this.syntaxError(strategy);
      }
    }
    return options;
  }

  private parseIncludeItem(): IncludeItem {
    const t = this.next();
    const pos = t.start;
    if (t.kind !== 'word') throw this.syntaxError(t);
    switch (t.value) {
      case 'key':
      case 'partition':
      case 'offset':
      case 'timestamp':
      case 'headers': {
        const item: IncludeItem = { kind: t.value, pos };
        if (this.eatWords('as')) item.alias = this.parseIdent();
        return item;
      }
      case 'header': {
        const key = this.parseStringLiteral();
        this.expectWords('as');
        const alias = this.parseIdent();
        return { kind: 'header', key, alias, bytes: this.eatWords('bytes'), pos };
      }
      default:
        throw this.syntaxError(t);
    }
  }

  /** NONE | DEBEZIUM | UPSERT [(VALUE DECODING ERRORS = INLINE [AS e])] (also `= (INLINE [AS e])`). */
  private parseEnvelope(): Envelope {
    const t = this.next();
    if (t.kind === 'word' && t.value === 'none') return { kind: 'none' };
    if (t.kind === 'word' && t.value === 'debezium') return { kind: 'debezium' };
    if (t.kind !== 'word' || t.value !== 'upsert') throw this.syntaxError(t);
    if (!this.eatPunct('(')) return { kind: 'upsert' };
    this.expectWords('value', 'decoding', 'errors');
    this.expectOp('=');
    const parenthesized = this.eatPunct('(');
    this.expectWords('inline');
    const valueDecodingErrors: { inline: boolean; alias?: string } = { inline: true };
    if (this.eatWords('as')) valueDecodingErrors.alias = this.parseIdent();
    if (parenthesized) this.expectPunct(')');
    this.expectPunct(')');
    return { kind: 'upsert', valueDecodingErrors };
  }
}
