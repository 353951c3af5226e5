// CREATE SOURCE ... FROM KAFKA: options, formats, INCLUDE and ENVELOPE ->
// the source's schema and what its runtime needs.
//
// Column layout (as Materialize): key columns first (always with ENVELOPE
// UPSERT; with ENVELOPE NONE only when INCLUDE KEY), then the value columns,
// then the inline decoding-error column (UPSERT ... VALUE DECODING ERRORS =
// INLINE), then the INCLUDE'd metadata columns in the order written.
import type { CreateSourceStatement, FormatSpec, IncludeItem, SourceDecoding, SqlOption } from '../../sql/ast.js';
import { planDebezium, type DebeziumShape } from './debezium.js';
import type { Column, RelationDesc, SqlType } from '../../repr/types.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { FormatDesc } from '../formats/format.js';
import { formatColumns, formatHasRecordFields, planFormat } from '../formats/index.js';
import type { FormatPlanContext } from '../formats/format.js';
import { collectOptions, integerListOption, integerOption, optionErrorAt, stringOption } from './options.js';

/** A metadata column of a Kafka source, in output order. */
export type MetadataColumn =
  | { kind: 'partition' }
  | { kind: 'offset' }
  | { kind: 'timestamp' }
  | { kind: 'headers' }
  | { kind: 'header'; key: string; bytes: boolean };

/** What the runtime needs besides the topic and the schema (JSON-serializable: lives in the catalog). */
export interface KafkaSourceDetails {
  groupIdPrefix?: string;
  /** START OFFSET per partition (decimal strings: bigint is not JSON). */
  startOffsets?: string[];
  /** START TIMESTAMP in ms since the epoch; negative: relative to the source's creation. */
  startTimestampMs?: number;
  /** How often to look for new partitions. */
  metadataRefreshMs: number;
  /** Decoded when the key is part of the output (INCLUDE KEY, ENVELOPE UPSERT). */
  keyFormat?: FormatDesc;
  /** The key is one record column (INCLUDE KEY AS name over a multi-column key format). */
  keyAsRecord: boolean;
  valueFormat: FormatDesc;
  envelope: 'none' | 'upsert' | 'debezium';
  /** ENVELOPE DEBEZIUM: where the event's parts are in the decoded value. */
  debezium?: DebeziumShape;
  /** ENVELOPE DEBEZIUM with a record key: the key's field names (matched to the after-image's columns). */
  debeziumKeyNames?: string[];
  /** ENVELOPE DEBEZIUM ... INCLUDE KEY: the key columns lead each row. */
  debeziumKeyInOutput?: boolean;
  /** UPSERT (VALUE DECODING ERRORS = INLINE): errors become a column instead of source errors. */
  inlineErrors: boolean;
  metadata: MetadataColumn[];
}

const SOURCE_OPTIONS = ['TOPIC', 'START OFFSET', 'START TIMESTAMP', 'GROUP ID PREFIX', 'TOPIC METADATA REFRESH INTERVAL'];
const DEFAULT_METADATA_REFRESH_MS = 30_000;

const HEADERS_TYPE: SqlType = {
  kind: 'list',
  element: {
    kind: 'record',
    fields: [
      { name: 'key', type: { kind: 'text' } },
      { name: 'value', type: { kind: 'bytea' } },
    ],
  },
};

function invalid(message: string, pos: number, code: string = SqlState.invalidObjectDefinition): SqlError {
  return new SqlError(code, message, { position: pos + 1 });
}

/**
 * Which FORMAT clause decodes the key and which the value. A bare FORMAT
 * applies to the value, except a schema registry format (Avro, Protobuf),
 * which also decodes the key from the topic's key subject when the key is
 * needed (as in Materialize).
 */
export function sourceFormatSpecs(stmt: SourceDecoding & { pos: number }): { keySpec?: FormatSpec; valueSpec?: FormatSpec } {
  if (stmt.keyFormat || stmt.valueFormat) {
    if (!stmt.keyFormat || !stmt.valueFormat) throw invalid('KEY FORMAT and VALUE FORMAT must be specified together', stmt.pos, SqlState.syntaxError);
    return { keySpec: stmt.keyFormat, valueSpec: stmt.valueFormat };
  }
  const format = stmt.format;
  if (!format) return {};
  const registryFormat = (format.kind === 'avro' || format.kind === 'protobuf') && format.csrConnection !== undefined;
  return registryFormat ? { keySpec: format, valueSpec: format } : { valueSpec: format };
}

/** Whether the source decodes message keys: INCLUDE KEY, UPSERT and DEBEZIUM (which keys its state by them). */
export function keyDecoded(stmt: SourceDecoding): boolean {
  const kind = stmt.envelope?.kind;
  return kind === 'upsert' || kind === 'debezium' || stmt.include.some((i) => i.kind === 'key');
}

/** Parses '30s', '500ms', '1 minute', '2 hours' ... (TOPIC METADATA REFRESH INTERVAL). */
function parseRefreshInterval(option: SqlOption): number {
  const text = stringOption(option).trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)?$/.exec(text);
  if (!m) throw optionErrorAt(option, `invalid TOPIC METADATA REFRESH INTERVAL: ${text}`);
  const unit = m[2] ?? 's';
  const scale = unit.startsWith('ms') || unit.startsWith('milli') ? 1 : unit.startsWith('h') ? 3_600_000 : unit.startsWith('m') ? 60_000 : 1000;
  const ms = Number(m[1]) * scale;
  if (ms <= 0 || ms > 3_600_000) throw optionErrorAt(option, 'TOPIC METADATA REFRESH INTERVAL must be greater than 0 and at most 1 hour');
  return ms;
}

function metadataColumn(item: IncludeItem): { column: Column; meta: MetadataColumn } | null {
  switch (item.kind) {
    case 'key':
      return null;
    case 'partition':
      return { column: { name: item.alias ?? 'partition', type: { kind: 'int4' }, nullable: false }, meta: { kind: 'partition' } };
    case 'offset':
      return { column: { name: item.alias ?? 'offset', type: { kind: 'uint8' }, nullable: false }, meta: { kind: 'offset' } };
    case 'timestamp':
      return { column: { name: item.alias ?? 'timestamp', type: { kind: 'timestamp', precision: 3 }, nullable: true }, meta: { kind: 'timestamp' } };
    case 'headers':
      return { column: { name: item.alias ?? 'headers', type: HEADERS_TYPE, nullable: false }, meta: { kind: 'headers' } };
    case 'header':
      return {
        column: { name: item.alias, type: { kind: item.bytes ? 'bytea' : 'text' }, nullable: true },
        meta: { kind: 'header', key: item.key, bytes: item.bytes },
      };
  }
}

export interface PlannedKafkaSource {
  topic: string;
  desc: RelationDesc;
  progressDesc: RelationDesc;
  details: KafkaSourceDetails;
}

/** What planning a source needs from the catalog: schema registry connections by name. */
export type SourcePlanContext = Pick<FormatPlanContext, 'csrConnection'>;

/** The TOPIC option of a Kafka source (required, not empty). */
export function sourceTopic(stmt: CreateSourceStatement): string {
  const options = collectOptions(stmt.connector.options, SOURCE_OPTIONS, 'KAFKA source');
  const topicOption = options.get('TOPIC');
  if (!topicOption) throw invalid('KAFKA CONNECTION option TOPIC is required', stmt.pos, SqlState.syntaxError);
  const topic = stringOption(topicOption);
  if (topic === '') throw optionErrorAt(topicOption, 'TOPIC must not be empty');
  return topic;
}

export function planKafkaSourceStatement(stmt: CreateSourceStatement, catalog: SourcePlanContext): PlannedKafkaSource {
  const options = collectOptions(stmt.connector.options, SOURCE_OPTIONS, 'KAFKA source');
  const topic = sourceTopic(stmt);

  const details: KafkaSourceDetails = {
    metadataRefreshMs: DEFAULT_METADATA_REFRESH_MS,
    keyAsRecord: false,
    valueFormat: { kind: 'bytes' },
    envelope: 'none',
    inlineErrors: false,
    metadata: [],
  };
  const startOffset = options.get('START OFFSET');
  const startTimestamp = options.get('START TIMESTAMP');
  if (startOffset && startTimestamp) {
    throw optionErrorAt(startTimestamp, 'cannot specify START TIMESTAMP and START OFFSET at same time');
  }
  if (startOffset) {
    const offsets = integerListOption(startOffset);
    if (offsets.some((o) => o < 0n)) throw optionErrorAt(startOffset, 'START OFFSET must be a nonnegative integer');
    details.startOffsets = offsets.map((o) => o.toString());
  }
  if (startTimestamp) details.startTimestampMs = Number(integerOption(startTimestamp));
  const groupIdPrefix = options.get('GROUP ID PREFIX');
  if (groupIdPrefix) details.groupIdPrefix = stringOption(groupIdPrefix);
  const refresh = options.get('TOPIC METADATA REFRESH INTERVAL');
  if (refresh) details.metadataRefreshMs = parseRefreshInterval(refresh);

  const { keySpec, valueSpec } = sourceFormatSpecs(stmt);
  const formatContext = (part: 'key' | 'value'): FormatPlanContext => ({ part, topic, pos: stmt.pos, csrConnection: catalog.csrConnection });
  if (valueSpec) details.valueFormat = planFormat(valueSpec, formatContext('value'));

  const envelope = stmt.envelope ?? { kind: 'none' };
  const includeKey = stmt.include.find((i) => i.kind === 'key');
  if (includeKey && !keySpec) {
    throw invalid('INCLUDE KEY requires specifying KEY FORMAT .. VALUE FORMAT, got bare FORMAT', includeKey.pos);
  }
  if (envelope.kind === 'upsert') {
    if (!keySpec) throw invalid('ENVELOPE [DEBEZIUM] UPSERT requires that KEY FORMAT be specified', stmt.pos);
    details.envelope = 'upsert';
    details.inlineErrors = envelope.valueDecodingErrors?.inline ?? false;
  }
  if (envelope.kind === 'debezium') details.envelope = 'debezium';

  const columns: Column[] = [];
  const keyColumnIndexes: number[] = [];
  if (keySpec && keyDecoded(stmt)) {
    details.keyFormat = planFormat(keySpec, formatContext('key'));
    const keyColumns = formatColumns(details.keyFormat);
    if (envelope.kind === 'debezium' && includeKey) details.debeziumKeyInOutput = true;
    const recordKey = keyColumns.length > 1 || keyColumns[0]?.type.kind === 'record' || formatHasRecordFields(details.keyFormat);
    if (envelope.kind === 'debezium') details.debeziumKeyNames = recordKey ? keyColumns.map((c) => c.name) : [];
  }
  if (details.keyFormat && (includeKey || envelope.kind === 'upsert')) {
    const keyColumns = formatColumns(details.keyFormat);
    // A null key is an error with UPSERT but a NULL column with ENVELOPE NONE.
    const nullable = envelope.kind !== 'upsert';
    // One column keeps the name `key` (or its alias) unless it is a record's field (Materialize).
    if (keyColumns.length === 1 && !formatHasRecordFields(details.keyFormat)) {
      columns.push({ name: includeKey?.alias ?? 'key', type: keyColumns[0]!.type, nullable });
    } else if (includeKey?.alias !== undefined) {
      details.keyAsRecord = true;
      columns.push({ name: includeKey.alias, type: { kind: 'record', fields: keyColumns.map((c) => ({ name: c.name, type: c.type })) }, nullable });
    } else {
      for (const c of keyColumns) columns.push({ ...c, nullable });
    }
    for (let i = 0; i < columns.length; i++) keyColumnIndexes.push(i);
  }

  let valueColumns = formatColumns(details.valueFormat).map((c) => ({ ...c, nullable: c.nullable || details.inlineErrors }));
  if (details.envelope === 'debezium') {
    const debezium = planDebezium(valueColumns);
    details.debezium = debezium.shape;
    valueColumns = debezium.columns;
  }
  if (stmt.columnNames.length > valueColumns.length) {
    throw invalid(`CREATE SOURCE specifies ${stmt.columnNames.length} column names, but the value has ${valueColumns.length} columns`, stmt.pos, SqlState.syntaxError);
  }
  stmt.columnNames.forEach((name, i) => (valueColumns[i]!.name = name));
  columns.push(...valueColumns);
  if (details.inlineErrors && envelope.kind === 'upsert') {
    const name = envelope.valueDecodingErrors?.alias ?? 'error';
    columns.push({ name, type: { kind: 'record', fields: [{ name: 'description', type: { kind: 'text' } }] }, nullable: true });
  }

  for (const item of stmt.include) {
    const planned = metadataColumn(item);
    if (!planned) continue;
    if (planned.meta.kind === 'header' && !planned.column.name) throw invalid('INCLUDE HEADER requires an AS name', item.pos);
    columns.push(planned.column);
    details.metadata.push(planned.meta);
  }

  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw invalid(`column "${c.name}" specified more than once`, stmt.pos, SqlState.duplicateColumn);
    seen.add(c.name);
  }

  const desc: RelationDesc = { columns };
  if (details.envelope === 'upsert') desc.keys = [keyColumnIndexes];
  return { topic, desc, progressDesc: kafkaProgressDesc(), details };
}

/**
 * The progress subsource: Materialize shows `partition numrange` and
 * `"offset" uint8`. Without a range type here, the partition range is its
 * PostgreSQL text form: '[3,3]' for partition 3, '(3,)' for the partitions
 * not yet seen above the highest known one ('[0,)' before any is known).
 */
export function kafkaProgressDesc(): RelationDesc {
  return {
    columns: [
      { name: 'partition', type: { kind: 'text' }, nullable: false },
      { name: 'offset', type: { kind: 'uint8' }, nullable: true },
    ],
  };
}
