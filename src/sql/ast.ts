// The abstract syntax tree of Freshet's SQL dialect (Materialize's, which is
// PostgreSQL's plus streaming statements). The parser produces it; the planner
// and the adapter consume it. Every node that can be blamed in an error carries
// `pos`: the 0-based character offset of its first token in the whole string
// given to parse() (not the statement's own slice), so that SqlError positions,
// which are 1-based, are simply pos + 1.
//
// Identifiers are already case-folded by the parser (unquoted -> lower case,
// quoted -> as written).

export interface Node {
  pos: number;
}

/** A possibly qualified name: ['db', 'schema', 'item'] or ['item']. */
export interface ObjectName extends Node {
  parts: string[];
}

// ---------------------------------------------------------------- data types

/** A type as written: `numeric(10,2)`, `int[]`, `text list`, `map[text=>int]`, `double precision`. */
export type DataType =
  | { kind: 'named'; name: string; modifiers: number[]; pos: number } // name normalized: 'int4', 'float8', 'varchar', 'timestamptz', ...
  | { kind: 'array'; element: DataType; pos: number }
  | { kind: 'list'; element: DataType; pos: number }
  | { kind: 'map'; key: DataType; value: DataType; pos: number };

// --------------------------------------------------------------- expressions

export type Expr =
  | IdentifierExpr
  | LiteralExpr
  | ParameterExpr
  | BinaryExpr
  | UnaryExpr
  | CastExpr
  | FunctionCallExpr
  | CaseExpr
  | IsExpr
  | IsDistinctFromExpr
  | BetweenExpr
  | InListExpr
  | InSubqueryExpr
  | ExistsExpr
  | SubqueryExpr
  | QuantifiedSubqueryExpr
  | QuantifiedArrayExpr
  | LikeExpr
  | ArrayExpr
  | ArraySubqueryExpr
  | ListExpr
  | ListSubqueryExpr
  | MapExpr
  | RowExpr
  | SubscriptExpr
  | FieldAccessExpr
  | CollateExpr
  | AtTimeZoneExpr
  | WildcardAccessExpr;

/**
 * Infix forms also record where their operator was written: PostgreSQL points
 * operator errors (`operator does not exist: integer + boolean`) at the operator,
 * not at the left operand where `pos` is.
 */
export interface OperatorPosition {
  /** 0-based offset of the operator token (the first keyword for NOT LIKE, IS DISTINCT FROM, ...). */
  opPos?: number;
}

/** Column reference, possibly qualified: a, t.a, s.t.a. */
export interface IdentifierExpr extends Node {
  kind: 'identifier';
  parts: string[];
}

export type LiteralValue =
  | { type: 'number'; text: string } // as written: '42', '1.5', '1e10'
  | { type: 'string'; value: string } // '...' / E'...' / $$...$$ with escapes processed
  | { type: 'hexString'; value: string } // X'...'
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  /** `DATE '2020-01-01'`, `TIMESTAMP '...'`, `INTERVAL '1' DAY`: a string typed by a leading type name. */
  | { type: 'typedString'; dataType: DataType; value: string; intervalQualifier?: IntervalQualifier };

export interface IntervalQualifier {
  /** e.g. leading 'day', trailing 'second' for `INTERVAL '...' DAY TO SECOND`. */
  leading: string;
  trailing?: string;
  precision?: number;
}

export interface LiteralExpr extends Node {
  kind: 'literal';
  value: LiteralValue;
}

/** $1, $2, ... (1-based). */
export interface ParameterExpr extends Node {
  kind: 'parameter';
  index: number;
}

/**
 * Binary operator as written, lower-cased for keywords: '+', '-', '*', '/', '%', '^',
 * '||', '=', '<>' (also for '!='), '<', '<=', '>', '>=', 'and', 'or',
 * '->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '&&', '~', '~*', '!~', '!~*',
 * '&', '|', '#', '<<', '>>', and any other operator symbol.
 */
export interface BinaryExpr extends Node, OperatorPosition {
  kind: 'binary';
  op: string;
  left: Expr;
  right: Expr;
}

/** Prefix operators: '-', '+', 'not', '~', '@', and others. */
export interface UnaryExpr extends Node {
  kind: 'unary';
  op: string;
  expr: Expr;
}

/** CAST(x AS t), x::t. */
export interface CastExpr extends Node {
  kind: 'cast';
  expr: Expr;
  dataType: DataType;
}

export interface WindowSpec {
  /** OVER w, or OVER (w ORDER BY ...): the named window (WINDOW clause) this one refines. */
  name?: string;
  partitionBy: Expr[];
  orderBy: OrderByExpr[];
  /** Frame clause text kept as written (only the default frame is required). */
  frame?: WindowFrame;
}

export interface WindowFrame {
  units: 'rows' | 'range' | 'groups';
  start: WindowFrameBound;
  end?: WindowFrameBound;
}

export type WindowFrameBound =
  | { kind: 'currentRow' }
  | { kind: 'unboundedPreceding' }
  | { kind: 'unboundedFollowing' }
  | { kind: 'preceding'; offset: Expr }
  | { kind: 'following'; offset: Expr };

/**
 * f(args), count(*), count(DISTINCT x), string_agg(x, ',' ORDER BY y) FILTER (WHERE p) OVER (...).
 * Special syntax forms are parsed into ordinary calls with these names:
 * EXTRACT(field FROM x) -> extract('field', x); date_part likewise;
 * SUBSTRING(x FROM a FOR b) -> substring(x, a, b); POSITION(a IN b) -> position(a, b);
 * TRIM([BOTH|LEADING|TRAILING] [c] FROM x) -> btrim/ltrim/rtrim(x[, c]);
 * OVERLAY(x PLACING y FROM a [FOR b]) -> overlay(x, y, a[, b]);
 * COALESCE/NULLIF/GREATEST/LEAST -> calls with those names;
 * CURRENT_DATE / CURRENT_TIMESTAMP / LOCALTIMESTAMP / CURRENT_USER / ... -> zero-argument calls.
 */
export interface FunctionCallExpr extends Node {
  kind: 'function';
  name: ObjectName;
  args: Expr[];
  /** count(*) */
  star: boolean;
  distinct: boolean;
  /** ORDER BY inside the argument list (aggregates). */
  orderBy: OrderByExpr[];
  filter?: Expr;
  over?: WindowSpec;
  /** lag(x) IGNORE NULLS / RESPECT NULLS OVER (...) (Materialize: lag and lead only). */
  nullTreatment?: 'ignore' | 'respect';
}

export interface CaseExpr extends Node {
  kind: 'case';
  operand?: Expr;
  whens: { condition: Expr; result: Expr }[];
  elseResult?: Expr;
}

/** x IS [NOT] NULL / TRUE / FALSE / UNKNOWN. */
export interface IsExpr extends Node, OperatorPosition {
  kind: 'is';
  expr: Expr;
  test: 'null' | 'true' | 'false' | 'unknown';
  negated: boolean;
}

export interface IsDistinctFromExpr extends Node, OperatorPosition {
  kind: 'isDistinctFrom';
  left: Expr;
  right: Expr;
  negated: boolean; // IS NOT DISTINCT FROM
}

export interface BetweenExpr extends Node, OperatorPosition {
  kind: 'between';
  expr: Expr;
  low: Expr;
  high: Expr;
  negated: boolean;
  symmetric: boolean;
}

export interface InListExpr extends Node, OperatorPosition {
  kind: 'inList';
  expr: Expr;
  list: Expr[];
  negated: boolean;
}

export interface InSubqueryExpr extends Node, OperatorPosition {
  kind: 'inSubquery';
  expr: Expr;
  query: Query;
  negated: boolean;
}

export interface ExistsExpr extends Node {
  kind: 'exists';
  query: Query;
}

/** A scalar subquery: (SELECT ...). */
export interface SubqueryExpr extends Node {
  kind: 'subquery';
  query: Query;
}

/** x op ANY|SOME|ALL (SELECT ...). */
export interface QuantifiedSubqueryExpr extends Node, OperatorPosition {
  kind: 'quantifiedSubquery';
  left: Expr;
  op: string;
  quantifier: 'any' | 'all';
  query: Query;
}

/** x op ANY|SOME|ALL (array expression). */
export interface QuantifiedArrayExpr extends Node, OperatorPosition {
  kind: 'quantifiedArray';
  left: Expr;
  op: string;
  quantifier: 'any' | 'all';
  array: Expr;
}

/** [NOT] LIKE / ILIKE ... [ESCAPE e]; SIMILAR TO is not supported. */
export interface LikeExpr extends Node, OperatorPosition {
  kind: 'like';
  expr: Expr;
  pattern: Expr;
  escape?: Expr;
  negated: boolean;
  caseInsensitive: boolean;
}

/** ARRAY[a, b, ...] (elements may be nested ArrayExprs for multi-dimensional arrays). */
export interface ArrayExpr extends Node {
  kind: 'array';
  elements: Expr[];
}

/** ARRAY(SELECT ...). */
export interface ArraySubqueryExpr extends Node {
  kind: 'arraySubquery';
  query: Query;
}

/** LIST[a, b, ...]. */
export interface ListExpr extends Node {
  kind: 'list';
  elements: Expr[];
}

/** LIST(SELECT ...). */
export interface ListSubqueryExpr extends Node {
  kind: 'listSubquery';
  query: Query;
}

/** MAP['k' => v, ...]. */
export interface MapExpr extends Node {
  kind: 'map';
  entries: { key: Expr; value: Expr }[];
}

/** ROW(a, b) or (a, b). */
export interface RowExpr extends Node {
  kind: 'row';
  elements: Expr[];
  /** true for ROW(...) written explicitly. */
  explicit: boolean;
}

/** x[i], x[a:b], x[i][j] (one SubscriptExpr per bracket). */
export interface SubscriptExpr extends Node {
  kind: 'subscript';
  expr: Expr;
  /** For a slice, start/end (either may be absent); for an index, `index`. */
  index?: Expr;
  slice?: { start?: Expr; end?: Expr };
}

/** (expr).field */
export interface FieldAccessExpr extends Node {
  kind: 'fieldAccess';
  expr: Expr;
  field: string;
}

/** (expr).* */
export interface WildcardAccessExpr extends Node {
  kind: 'wildcardAccess';
  expr: Expr;
}

export interface CollateExpr extends Node, OperatorPosition {
  kind: 'collate';
  expr: Expr;
  collation: ObjectName;
}

export interface AtTimeZoneExpr extends Node, OperatorPosition {
  kind: 'atTimeZone';
  expr: Expr;
  zone: Expr;
}

// ------------------------------------------------------------------- queries

export interface OrderByExpr {
  expr: Expr;
  /** undefined = ASC */
  desc: boolean;
  /** undefined = PostgreSQL default (NULLS LAST for ASC, FIRST for DESC). */
  nullsFirst?: boolean;
}

export interface Cte {
  name: string;
  columns?: string[];
  query: Query;
  pos: number;
}

export interface Query extends Node {
  kind: 'query';
  with: Cte[];
  withRecursive?: boolean;
  body: SetExpr;
  orderBy: OrderByExpr[];
  limit?: Expr; // LIMIT ALL -> undefined; FETCH FIRST n ROWS ONLY -> limit
  offset?: Expr;
}

export type SetExpr = Select | SetOperation | ValuesBody | NestedQuery | TableBody;

export interface SetOperation extends Node {
  kind: 'setOperation';
  op: 'union' | 'intersect' | 'except';
  all: boolean;
  left: SetExpr;
  right: SetExpr;
}

export interface ValuesBody extends Node {
  kind: 'values';
  rows: Expr[][];
  /**
   * Cells written as DEFAULT (INSERT ... VALUES (1, DEFAULT)): their slot in `rows`
   * holds a NULL literal placeholder; the planner substitutes the column default.
   */
  defaultCells?: { row: number; column: number }[];
}

/** A parenthesized query used as a set operand: (SELECT ... ORDER BY ... LIMIT ...). */
export interface NestedQuery extends Node {
  kind: 'nested';
  query: Query;
}

/** `TABLE t` */
export interface TableBody extends Node {
  kind: 'table';
  name: ObjectName;
}

export interface Select extends Node {
  kind: 'select';
  distinct?: { on?: Expr[] };
  projection: SelectItem[];
  from: TableRef[];
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  /** Named windows: WINDOW w AS (...). */
  windows?: { name: string; spec: WindowSpec }[];
}

export type SelectItem =
  | { kind: 'expr'; expr: Expr; alias?: string; pos: number }
  /** * or t.* */
  | { kind: 'wildcard'; qualifier?: string[]; pos: number };

export interface TableAlias {
  name: string;
  columns: string[];
}

export type TableRef =
  | { kind: 'table'; name: ObjectName; alias?: TableAlias; pos: number }
  | { kind: 'subquery'; query: Query; alias?: TableAlias; lateral: boolean; pos: number }
  /** Table function in FROM: generate_series(1, 3) [WITH ORDINALITY] [AS t(a)], also ROWS FROM(...) with one function. */
  | {
      kind: 'function';
      call: FunctionCallExpr;
      alias?: TableAlias;
      withOrdinality: boolean;
      lateral: boolean;
      pos: number;
    }
  | {
      kind: 'join';
      joinType: 'inner' | 'left' | 'right' | 'full' | 'cross';
      left: TableRef;
      right: TableRef;
      on?: Expr;
      using?: string[];
      /** `USING (cols) AS alias`: a name for the merged USING columns (PostgreSQL 14's join_using_alias). */
      usingAlias?: string;
      natural: boolean;
      pos: number;
    };

// ---------------------------------------------------------------- statements

/** Generic `NAME = value` option as used by WITH (...) lists and connector options. */
export interface SqlOption {
  /** Option name, upper-cased words joined by one space: 'SECURITY PROTOCOL', 'START OFFSET'. */
  name: string;
  value?: OptionValue;
  pos: number;
}

export type OptionValue =
  | { kind: 'value'; expr: Expr } // literal, identifier-as-string, etc.
  | { kind: 'ident'; name: string } // bare word: SECURITY PROTOCOL = SASL_SSL
  | { kind: 'secret'; name: ObjectName } // SECRET s
  | { kind: 'object'; name: ObjectName } // reference to a catalog object (e.g. SSH TUNNEL t)
  | { kind: 'list'; items: OptionValue[] } // (a, b, c) or [a, b]
  | { kind: 'sequence'; items: OptionValue[] }; // START OFFSET (0, 10, 100)

export interface ColumnDef {
  name: string;
  dataType: DataType;
  notNull: boolean;
  defaultValue?: Expr;
  /** The DEFAULT expression's source text, as written (psql's \d shows it). */
  defaultText?: string;
  pos: number;
}

export interface CreateTableStatement extends Node {
  kind: 'createTable';
  name: ObjectName;
  columns: ColumnDef[];
  ifNotExists: boolean;
  temporary: boolean;
  /** PRIMARY KEY / UNIQUE are accepted and recorded (not enforced, like Materialize). */
  constraints: { kind: 'primaryKey' | 'unique'; columns: string[] }[];
  withOptions: SqlOption[];
  /**
   * Materialize's newer source syntax: `CREATE TABLE t FROM SOURCE s [(REFERENCE r)]
   * [FORMAT ...] [INCLUDE ...] [ENVELOPE ...]`, a read-only table fed by the source
   * (then `columns` is empty).
   */
  fromSource?: { source: ObjectName; reference?: ObjectName } & SourceDecoding;
}

/** How a Kafka source (or a table from a source) decodes its messages. */
export interface SourceDecoding {
  /** FORMAT f (both key and value) */
  format?: FormatSpec;
  keyFormat?: FormatSpec;
  valueFormat?: FormatSpec;
  include: IncludeItem[];
  envelope?: Envelope;
}

export interface CreateSecretStatement extends Node {
  kind: 'createSecret';
  name: ObjectName;
  ifNotExists: boolean;
  value: Expr;
}

/** Materialize's CREATE TYPE name AS LIST (ELEMENT TYPE = t) | AS MAP (KEY TYPE = text, VALUE TYPE = t) | AS (field type, ...). */
export interface CreateTypeStatement extends Node {
  kind: 'createType';
  name: ObjectName;
  ifNotExists?: boolean;
  definition:
    | { kind: 'list'; options: { name: string; type: DataType }[] }
    | { kind: 'map'; options: { name: string; type: DataType }[] }
    | { kind: 'record'; fields: { name: string; type: DataType }[] };
}

export interface AlterSecretStatement extends Node {
  kind: 'alterSecret';
  name: ObjectName;
  ifExists: boolean;
  value: Expr;
}

export interface CreateConnectionStatement extends Node {
  kind: 'createConnection';
  name: ObjectName;
  ifNotExists: boolean;
  /** 'kafka', 'confluent schema registry', 'aws', 'ssh tunnel', 'aws privatelink' */
  connectionType: string;
  options: SqlOption[];
  /** WITH (VALIDATE = false) */
  withOptions: SqlOption[];
}

export interface AlterConnectionStatement extends Node {
  kind: 'alterConnection';
  name: ObjectName;
  ifExists: boolean;
  actions: ({ kind: 'set'; option: SqlOption } | { kind: 'drop'; name: string } | { kind: 'rotateKeys' })[];
  withOptions: SqlOption[];
}

export interface ValidateConnectionStatement extends Node {
  kind: 'validateConnection';
  name: ObjectName;
}

/** FORMAT spec of a source. */
export type FormatSpec =
  | { kind: 'text' }
  | { kind: 'bytes' }
  | { kind: 'json'; array?: boolean }
  | {
      kind: 'csv';
      /** WITH n COLUMNS */
      columnCount?: number;
      /** WITH HEADER (a, b, ...): expected header names (may be empty: WITH HEADER) */
      header?: string[];
      delimiter: string;
    }
  | {
      kind: 'avro';
      /** USING CONFLUENT SCHEMA REGISTRY CONNECTION c [options] */
      csrConnection?: ObjectName;
      /** USING SCHEMA '...' (inline schema) */
      schema?: string;
      options: SqlOption[];
      /** SEED ...: the schemas fixed at CREATE (purification); present in stored statements. */
      seed?: CsrSeed;
      /** Offset just past the format's USING clause (where purification writes SEED). */
      endPos?: number;
    }
  | {
      kind: 'protobuf';
      csrConnection?: ObjectName;
      /** MESSAGE 'pkg.Msg' (before USING). */
      messageName?: string;
      /** USING SCHEMA '\x...': a compiled FileDescriptorSet (hex or escape bytea text). */
      schema?: string;
      options: SqlOption[];
      seed?: CsrSeed;
      endPos?: number;
    }
  | { kind: 'regex'; pattern: string };

/** One side's schema as fixed at CREATE: Avro schema JSON, or a Protobuf FileDescriptorSet in hex with the message name. */
export interface SeedSchema {
  schema: string;
  message?: string;
}

/** `SEED [KEY SCHEMA '...' [MESSAGE '...']] [VALUE SCHEMA '...' [MESSAGE '...']]` (Materialize's purified form). */
export interface CsrSeed {
  key?: SeedSchema;
  value?: SeedSchema;
}

export type IncludeItem =
  | { kind: 'key'; alias?: string; pos: number }
  | { kind: 'partition'; alias?: string; pos: number }
  | { kind: 'offset'; alias?: string; pos: number }
  | { kind: 'timestamp'; alias?: string; pos: number }
  | { kind: 'headers'; alias?: string; pos: number }
  | { kind: 'header'; key: string; alias: string; bytes: boolean; pos: number };

export type Envelope =
  | { kind: 'none' }
  | { kind: 'upsert'; valueDecodingErrors?: { inline: boolean; alias?: string } }
  | { kind: 'debezium' };

export interface CreateSourceStatement extends Node {
  kind: 'createSource';
  name: ObjectName;
  ifNotExists: boolean;
  /** CREATE SOURCE s (a, b, c) FROM ... : column names for CSV and others. */
  columnNames: string[];
  /** FROM KAFKA CONNECTION c (...) ; also 'load generator' later. */
  connector: { kind: 'kafka'; connection: ObjectName; options: SqlOption[] };
  /** FORMAT f (both key and value) */
  format?: FormatSpec;
  keyFormat?: FormatSpec;
  valueFormat?: FormatSpec;
  include: IncludeItem[];
  envelope?: Envelope;
  /** EXPOSE PROGRESS AS name */
  progressName?: ObjectName;
  /** EXPOSE ERRORS AS name: the source's dead-letter relation (a Freshet extension). */
  errorsName?: ObjectName;
  withOptions: SqlOption[];
  /** IN CLUSTER c (accepted and recorded). */
  inCluster?: string;
}

export interface CreateViewStatement extends Node {
  kind: 'createView';
  name: ObjectName;
  columns: string[];
  query: Query;
  materialized: boolean;
  orReplace: boolean;
  ifNotExists: boolean;
  temporary: boolean;
  inCluster?: string;
  withOptions: SqlOption[];
}

export interface CreateIndexStatement extends Node {
  kind: 'createIndex';
  /** Absent for CREATE INDEX ON t (...) and CREATE DEFAULT INDEX. */
  name?: string;
  on: ObjectName;
  /** Key expressions; empty for DEFAULT INDEX (key chosen from the relation). */
  keys: Expr[];
  isDefault: boolean;
  ifNotExists: boolean;
  inCluster?: string;
  withOptions: SqlOption[];
}

export type ObjectType =
  | 'table'
  | 'view'
  | 'materialized view'
  | 'source'
  | 'index'
  | 'secret'
  | 'connection'
  | 'schema'
  | 'database'
  | 'cluster'
  | 'type'
  | 'sink';

export interface DropStatement extends Node {
  kind: 'drop';
  objectType: ObjectType;
  names: ObjectName[];
  ifExists: boolean;
  cascade: boolean;
}

export interface InsertStatement extends Node {
  kind: 'insert';
  table: ObjectName;
  alias?: string;
  columns: string[];
  /** VALUES ... or SELECT ...; DEFAULT VALUES gives an empty VALUES row with defaultValues = true. */
  source: Query;
  defaultValues: boolean;
  returning: SelectItem[];
}

export interface UpdateStatement extends Node {
  kind: 'update';
  table: ObjectName;
  alias?: string;
  /** `SET a = DEFAULT` gives `isDefault: true` with a NULL literal placeholder as `value`. */
  assignments: { column: string; value: Expr; pos: number; isDefault?: boolean }[];
  where?: Expr;
  returning: SelectItem[];
}

export interface DeleteStatement extends Node {
  kind: 'delete';
  table: ObjectName;
  alias?: string;
  using: TableRef[];
  where?: Expr;
  returning: SelectItem[];
}

export interface SelectStatement extends Node {
  kind: 'select';
  query: Query;
  /** AS OF <expr> (Materialize) */
  asOf?: Expr;
  /** AS OF AT LEAST <expr> */
  asOfAtLeast?: boolean;
}

/**
 * SHOW statements. `objects` covers SHOW TABLES / SOURCES / VIEWS / MATERIALIZED VIEWS /
 * INDEXES / SECRETS / CONNECTIONS / SUBSOURCES / SCHEMAS / DATABASES / CLUSTERS
 * [FROM schema | ON object] [LIKE 'p' | WHERE expr].
 */
export type ShowStatement = Node & { kind: 'show' } & (
    | {
        show: 'objects';
        objectType:
          | 'tables'
          | 'sources'
          | 'views'
          | 'materialized views'
          | 'indexes'
          | 'secrets'
          | 'connections'
          | 'subsources'
          | 'schemas'
          | 'databases'
          | 'clusters'
          | 'objects'
          | 'types'
          | 'sinks';
        from?: ObjectName;
        on?: ObjectName;
        /** SHOW INDEXES IN CLUSTER c, SHOW SOURCES IN CLUSTER c */
        inCluster?: string;
        filter?: { like: string } | { where: Expr };
      }
    | { show: 'columns'; table: ObjectName; filter?: { like: string } | { where: Expr } }
    | { show: 'create'; objectType: ObjectType; name: ObjectName }
    | { show: 'variable'; name: string } // SHOW x, SHOW ALL (name 'all'), SHOW TIME ZONE ('timezone')
  );

export interface SetVariableStatement extends Node {
  kind: 'setVariable';
  /** lower-cased; SET TIME ZONE x -> 'timezone'; SET NAMES x -> 'client_encoding' */
  name: string;
  local: boolean;
  /** DEFAULT -> 'default'; otherwise literals/identifiers as written */
  values: ({ kind: 'default' } | { kind: 'literal'; value: LiteralValue } | { kind: 'ident'; name: string })[];
}

export interface ResetVariableStatement extends Node {
  kind: 'resetVariable';
  name: string; // 'all' for RESET ALL
}

export interface ExplainStatement extends Node {
  kind: 'explain';
  /** EXPLAIN [OPTIMIZED | RAW | DECORRELATED | PHYSICAL] PLAN [AS TEXT] FOR stmt; default 'optimized'. */
  stage: 'raw' | 'decorrelated' | 'optimized' | 'physical';
  /** EXPLAIN ... FOR MATERIALIZED VIEW name / INDEX name / VIEW name */
  target:
    | { kind: 'statement'; statement: SelectStatement | CreateViewStatement | CreateIndexStatement }
    | { kind: 'object'; objectType: ObjectType; name: ObjectName };
  /** EXPLAIN (TYPE) / EXPLAIN ... WITH (types) etc. */
  options: string[];
  /** AS TEXT / AS JSON / AS DOT when written. */
  format?: 'text' | 'json' | 'dot';
}

export interface SubscribeStatement extends Node {
  kind: 'subscribe';
  target: { kind: 'object'; name: ObjectName } | { kind: 'query'; query: Query };
  /** WITH (SNAPSHOT = false, PROGRESS = true) */
  options: SqlOption[];
  asOf?: Expr;
  /** AS OF AT LEAST <expr> */
  asOfAtLeast?: boolean;
  upTo?: Expr;
  /** ENVELOPE UPSERT (KEY (a, b)) / ENVELOPE DEBEZIUM (KEY (...)) */
  envelope?: { kind: 'upsert' | 'debezium'; key: string[] };
  /** WITHIN TIMESTAMP ORDER BY ... */
  withinTimestampOrderBy?: OrderByExpr[];
}

export interface DeclareStatement extends Node {
  kind: 'declare';
  name: string;
  statement: SelectStatement | SubscribeStatement;
}

export interface FetchStatement extends Node {
  kind: 'fetch';
  name: string;
  /** undefined = 1; 'all' */
  count?: number | 'all';
  /** FETCH ... WITH (TIMEOUT = '1s') */
  options: SqlOption[];
}

export interface CloseStatement extends Node {
  kind: 'close';
  name: string; // 'all' for CLOSE ALL
}

export interface CopyStatement extends Node {
  kind: 'copy';
  /** COPY t [(cols)] FROM STDIN / COPY t TO STDOUT / COPY (query | SUBSCRIBE ...) TO STDOUT */
  source:
    | { kind: 'table'; name: ObjectName; columns: string[] }
    | { kind: 'query'; query: Query }
    | { kind: 'subscribe'; subscribe: SubscribeStatement };
  direction: 'to' | 'from';
  /** 'stdout' / 'stdin' */
  target: 'stdout' | 'stdin';
  options: SqlOption[];
}

export interface TransactionStatement extends Node {
  kind: 'transaction';
  action: 'begin' | 'commit' | 'rollback';
  /** READ ONLY etc., recorded as written */
  modes: string[];
}

export interface DiscardStatement extends Node {
  kind: 'discard';
  target: 'all' | 'plans' | 'sequences' | 'temp';
}

export interface PrepareStatement extends Node {
  kind: 'prepare';
  name: string;
  statement: Statement;
  /** PREPARE p (int4, text) AS ...: declared parameter types. */
  paramTypes?: DataType[];
}

export interface ExecuteStatement extends Node {
  kind: 'execute';
  name: string;
  params: Expr[];
}

export interface DeallocateStatement extends Node {
  kind: 'deallocate';
  name: string; // 'all' for DEALLOCATE ALL
}

export interface AlterRenameStatement extends Node {
  kind: 'alterRename';
  objectType: ObjectType;
  name: ObjectName;
  newName: string;
  ifExists: boolean;
}

export interface CreateSchemaStatement extends Node {
  kind: 'createSchema';
  name: ObjectName;
  ifNotExists: boolean;
}

export interface CreateDatabaseStatement extends Node {
  kind: 'createDatabase';
  name: string;
  ifNotExists: boolean;
}

/** A role attribute of CREATE / ALTER ROLE (PASSWORD null: PASSWORD NULL, which removes it). */
export type RoleOption =
  | { kind: 'login' | 'superuser' | 'inherit' | 'createRole' | 'createDb' | 'createCluster'; value: boolean }
  | { kind: 'password'; value: string | null };

export interface CreateRoleStatement extends Node {
  kind: 'createRole';
  name: string;
  /** CREATE USER: LOGIN unless NOLOGIN is given. */
  user: boolean;
  options: RoleOption[];
}

export interface AlterRoleStatement extends Node {
  kind: 'alterRole';
  name: string;
  ifExists: boolean;
  options: RoleOption[];
}

export interface DropRoleStatement extends Node {
  kind: 'dropRole';
  names: string[];
  ifExists: boolean;
}

export type PrivilegeName = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'CREATE' | 'USAGE';

/** GRANT / REVOKE privileges ON objects TO / FROM roles (PUBLIC is the role name 'public'). */
export interface GrantStatement extends Node {
  kind: 'grant';
  revoke: boolean;
  /** 'all': ALL [PRIVILEGES]. */
  privileges: PrivilegeName[] | 'all';
  /** What ON names: undefined for a bare name (TABLE in PostgreSQL: any relation). */
  objectType: 'table' | 'view' | 'materialized view' | 'source' | 'schema' | 'connection' | 'secret' | 'database' | 'type' | undefined;
  objects: ObjectName[];
  roles: string[];
}

export type Statement =
  | CreateRoleStatement
  | AlterRoleStatement
  | DropRoleStatement
  | GrantStatement
  | SelectStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | CreateTableStatement
  | CreateSecretStatement
  | CreateTypeStatement
  | AlterSecretStatement
  | CreateConnectionStatement
  | AlterConnectionStatement
  | ValidateConnectionStatement
  | CreateSourceStatement
  | CreateViewStatement
  | CreateIndexStatement
  | CreateSchemaStatement
  | CreateDatabaseStatement
  | DropStatement
  | AlterRenameStatement
  | ShowStatement
  | SetVariableStatement
  | ResetVariableStatement
  | ExplainStatement
  | SubscribeStatement
  | DeclareStatement
  | FetchStatement
  | CloseStatement
  | CopyStatement
  | TransactionStatement
  | DiscardStatement
  | PrepareStatement
  | ExecuteStatement
  | DeallocateStatement;

/** A parsed statement with the exact slice of text it came from (for catalog create_sql). */
export interface ParsedStatement {
  statement: Statement;
  /** The statement's own text, without the trailing semicolon. */
  text: string;
  /** Offset of `text` within the whole query string (to map positions). */
  offset: number;
}
