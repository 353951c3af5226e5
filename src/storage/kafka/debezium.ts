// ENVELOPE DEBEZIUM: change events (`before`, `after`, `op`) keyed by the
// message key. Each key's current row is its latest after-image, kept in the
// same per-key state as UPSERT, so replays and duplicate deliveries of an
// event change nothing, a delete (`op` d) retracts the key's row, a snapshot
// read (`r`) is an insert, and a truncate (`t`) retracts every row (where
// Materialize ignores it). Tombstones (a null value after a delete) are
// ignored.
//
// Two value shapes:
// - record formats (Avro, Protobuf): the value's columns include `before`
//   and `after` records and `op`; the source's columns are the after-record's
//   fields (Materialize's column shape);
// - JSON, as Debezium's JSON converter writes it, with or without the
//   `schema`/`payload` wrapper: the source has one jsonb column `data`, the
//   after-image document (Materialize reads Debezium only as Avro).
//
// The state is keyed by the key's field values. After a restart the stored
// rows carry no key, so the state is rebuilt from them by projecting each
// row onto the key's field names (the primary key columns Debezium puts in
// both the key and the after-image), once, when the first keyed event shows
// those names.
import { Decimal } from 'decimal.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { Jsonb, JsonbNumber, JsonbObject, RecordValue, type Column, type Datum, type JsonbValue, type Row } from '../../repr/types.js';
import { normalizedNumberText } from '../../repr/jsonb-datum.js';
import type { ErrorUpdate, Update } from '../../compute/api.js';
import { ByteWriter, writeValue } from '../codec.js';
import { parseJsonBytes } from '../formats/json-parse.js';
import { keyBytes, SKIP_MESSAGE, type KafkaRecord, type RecordDecoder } from './records.js';
import { NullKeyError, restoreUpsertErrors, upsertErrorEntry, UpsertState, type SourceEnvelope, type TickBuffer } from './envelope.js';

/** How a Debezium source finds the parts of an event in its decoded value. */
export type DebeziumShape =
  | { shape: 'record'; beforeIndex: number; afterIndex: number; opIndex: number; afterNames: string[] }
  | { shape: 'json' };

/** What DEBEZIUM planning needs to know and decides. */
export interface DebeziumPlan {
  shape: DebeziumShape;
  /** The source's value columns (the after-image's). */
  columns: Column[];
}

function notDebezium(detail: string): SqlError {
  return new SqlError(SqlState.invalidObjectDefinition, `ENVELOPE DEBEZIUM requires a value with before, after and op fields: ${detail}`);
}

/** The source's value columns for a value format's columns under ENVELOPE DEBEZIUM. */
export function planDebezium(valueColumns: readonly Column[]): DebeziumPlan {
  if (valueColumns.length === 1 && valueColumns[0]!.type.kind === 'jsonb') {
    return { shape: { shape: 'json' }, columns: [{ name: 'data', type: { kind: 'jsonb' }, nullable: false }] };
  }
  const index = (name: string): number => valueColumns.findIndex((c) => c.name === name);
  const beforeIndex = index('before');
  const afterIndex = index('after');
  const opIndex = index('op');
  if (afterIndex < 0) throw notDebezium('the value has no "after" field');
  if (opIndex < 0) throw notDebezium('the value has no "op" field');
  const after = valueColumns[afterIndex]!.type;
  if (after.kind !== 'record') throw notDebezium('"after" is not a record');
  if (beforeIndex >= 0 && valueColumns[beforeIndex]!.type.kind !== 'record') throw notDebezium('"before" is not a record');
  return {
    shape: { shape: 'record', beforeIndex, afterIndex, opIndex, afterNames: after.fields.map((f) => f.name) },
    // Fields of the after-record: nullable, as the record's field types do not say otherwise.
    columns: after.fields.map((f) => ({ name: f.name, type: f.type, nullable: true })),
  };
}

/** One field value in a key: equal for the same value whether it came from the key or from a row. */
function canonicalDatum(d: Datum, w: ByteWriter): string {
  if (d === null) return 'N';
  switch (typeof d) {
    case 'number':
    case 'bigint':
      return `n${d}`;
    case 'string':
      return `s${d}`;
    case 'boolean':
      return `b${d}`;
    default:
      break;
  }
  if (d instanceof Decimal) return `n${d.toString()}`;
  if (d instanceof Jsonb) return canonicalJson(d.value);
  w.reset();
  writeValue(w, d);
  return `x${w.bytes().toString('hex')}`;
}

function canonicalJson(v: JsonbValue): string {
  if (v === null) return 'N';
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'boolean') return `b${v}`;
  if (v instanceof JsonbNumber) return `n${normalizedNumberText(v.text)}`;
  return `j${new Jsonb(v).key}`;
}

const SEPARATOR = '\u0001';

/** A Debezium JSON document's event: the `payload` when wrapped with a `schema`. */
function unwrapPayload(v: JsonbValue): JsonbValue {
  if (v instanceof JsonbObject && v.entries.length === 2) {
    const payload = v.entries.find(([k]) => k === 'payload');
    if (payload && v.entries.some(([k]) => k === 'schema')) return payload[1];
  }
  return v;
}

function field(v: JsonbValue, name: string): JsonbValue | undefined {
  if (!(v instanceof JsonbObject)) return undefined;
  for (const [k, value] of v.entries) if (k === name) return value;
  return undefined;
}

/** A key's field names and canonical values. */
export interface EventKey {
  names: string[];
  mapKey: string;
}

export class DebeziumEnvelope implements SourceEnvelope {
  private readonly state = new UpsertState();
  private readonly nullKey = new NullKeyError();
  private readonly writer = new ByteWriter(256);
  private readonly shape: DebeziumShape;
  /** Stored rows waiting to be keyed (after a restart), until the first event shows the key's field names. */
  private unkeyed: Row[] = [];
  /** Where the after-image starts in an output row. */
  private readonly valueStart: number;
  /**
   * On a source worker: whether this shard owns the NULL-key error (key-less
   * events reach every worker, so that a truncate empties each one's state).
   */
  ownsNullKey = true;
  /** On a source worker: told of a keyed truncate event (the other workers' shards must be emptied too). */
  onKeyedTruncate: (() => void) | null = null;

  constructor(
    private readonly decoder: RecordDecoder,
    shape: DebeziumShape,
    /** INCLUDE KEY: the key columns lead the output row. */
    private readonly keyInOutput: boolean,
    /** Names of the key format's columns (record keys); empty for a raw or jsonb key. */
    private readonly keyNames: readonly string[],
  ) {
    this.shape = shape;
    this.valueStart = keyInOutput ? decoder.keySlots : 0;
  }

  get stateSize(): number {
    return this.state.size + this.unkeyed.length + (this.nullKey.present ? 1 : 0);
  }

  restore(contents: readonly Update[], errors: readonly ErrorUpdate[]): void {
    for (const u of contents) if (u.diff > 0) for (let i = 0; i < u.diff; i++) this.unkeyed.push(u.row);
    restoreUpsertErrors(this.state, this.nullKey, errors);
  }

  process(record: KafkaRecord, out: TickBuffer): void {
    const bytes = keyBytes(record);
    if (bytes === null) {
      // Debezium writes truncate events without a key: they empty the table.
      if (record.value !== null && this.isTruncate(record, record.value)) return this.truncate(out);
      if (!this.ownsNullKey) return;
      return this.nullKey.process(record, out);
    }
    const value = record.value;
    // A tombstone follows a delete event, which already removed the row.
    if (value === null) return;
    const decoder = this.decoder;
    const scratch = decoder.newRow();
    const keyOutcome = decoder.decodeKey(bytes, scratch, record);
    if (keyOutcome === SKIP_MESSAGE) return;
    const key = keyOutcome === undefined ? this.eventKey(bytes, scratch) : null;
    if (key === null) {
      const mapKey = `raw:${bytes.toString('hex')}`;
      return this.state.upsert(mapKey, upsertErrorEntry(mapKey, keyOutcome ?? 'key is not a JSON object or record', record, bytes, false), out);
    }
    if (this.unkeyed.length > 0) this.keyRestoredRows(key.names);
    const outcome = decoder.decodeValue(value, scratch, record);
    if (outcome === SKIP_MESSAGE) return;
    const failure = outcome ?? decoder.fillMetadata(record, scratch);
    if (failure !== undefined) return this.state.upsert(key.mapKey, upsertErrorEntry(key.mapKey, failure, record, bytes, false), out);
    const event = this.event(scratch);
    if (typeof event === 'string') return this.state.upsert(key.mapKey, upsertErrorEntry(key.mapKey, event, record, bytes, false), out);
    switch (event.op) {
      case 'c':
      case 'r':
      case 'u':
        if (event.after === null) {
          return this.state.upsert(key.mapKey, upsertErrorEntry(key.mapKey, `Debezium event with op "${event.op}" has no after-image`, record, bytes, false), out);
        }
        return this.state.upsert(key.mapKey, this.outputRow(scratch, event.after), out);
      case 'd':
        return this.state.upsert(key.mapKey, null, out);
      case 't':
        this.onKeyedTruncate?.();
        return this.truncate(out);
      default:
        return this.state.upsert(key.mapKey, upsertErrorEntry(key.mapKey, `unknown Debezium op "${event.op}"`, record, bytes, false), out);
    }
  }

  /** Retracts every row and forgets every key (a truncate event). */
  truncate(out: TickBuffer): void {
    this.unkeyed = [];
    this.state.clear(out);
  }

  /**
   * Where a record's state lives, touching no state (the main thread routes
   * records to the worker owning their key): the key's map key and field
   * names; null for a record without a key (sent to every worker).
   */
  routingKey(record: KafkaRecord): EventKey | null {
    const bytes = keyBytes(record);
    if (bytes === null) return null;
    const scratch = this.decoder.newRow();
    const keyOutcome = this.decoder.decodeKey(bytes, scratch, record);
    if (keyOutcome === SKIP_MESSAGE) return { names: [], mapKey: '' };
    const key = keyOutcome === undefined ? this.eventKey(bytes, scratch) : null;
    return key ?? { names: [], mapKey: `raw:${bytes.toString('hex')}` };
  }

  /** Whether a key-less record is a truncate event (decodes its value). */
  isTruncateRecord(record: KafkaRecord): boolean {
    return record.value !== null && this.isTruncate(record, record.value);
  }

  /** The map key of a stored row, given the key's field names. */
  storedRowKey(row: Row, names: readonly string[]): string | null {
    const w = this.writer;
    const shape = this.shape;
    if (shape.shape === 'json') {
      const doc = row[this.valueStart];
      if (!(doc instanceof Jsonb)) return null;
      const v = doc.value;
      return names.map((n) => canonicalJson(field(v, n) ?? null)).join(SEPARATOR);
    }
    return names
      .map((n) => {
        const i = shape.afterNames.indexOf(n);
        return canonicalDatum(i < 0 ? null : (row[this.valueStart + i] ?? null), w);
      })
      .join(SEPARATOR);
  }

  /** Keys the restored rows now (their key's field names learnt elsewhere: the main thread routed them here by it). */
  keyRestored(names: readonly string[]): void {
    if (this.unkeyed.length > 0) this.keyRestoredRows(names);
  }

  /** A key-less message whose value decodes to a truncate event (op "t"). */
  private isTruncate(record: KafkaRecord, value: Buffer): boolean {
    const scratch = this.decoder.newRow();
    if (this.decoder.decodeValue(value, scratch, record) !== undefined) return false;
    const event = this.event(scratch);
    return typeof event !== 'string' && event.op === 't';
  }

  /** The event's op and after-image (value datums), or an error message. */
  private event(scratch: Row): { op: string; after: Datum[] | null } | string {
    const at = this.decoder.valueStart;
    const shape = this.shape;
    if (shape.shape === 'record') {
      const op = scratch[at + shape.opIndex];
      if (typeof op !== 'string') return 'Debezium event has no op';
      const after = scratch[at + shape.afterIndex];
      return { op, after: after instanceof RecordValue ? after.fields : null };
    }
    const doc = scratch[at];
    if (!(doc instanceof Jsonb)) return 'Debezium event is not a JSON document';
    const payload = unwrapPayload(doc.value);
    if (!(payload instanceof JsonbObject)) return 'Debezium event is not a JSON object';
    const op = field(payload, 'op');
    if (typeof op !== 'string') return 'Debezium event has no "op" field';
    const after = field(payload, 'after');
    return { op, after: after === undefined || after === null ? null : [new Jsonb(after)] };
  }

  private outputRow(scratch: Row, after: readonly Datum[]): Row {
    const decoder = this.decoder;
    const metadataStart = decoder.valueStart + decoder.valueWidth + (decoder.errorSlot >= 0 ? 1 : 0);
    const metadataWidth = decoder.width - metadataStart;
    const row: Row = new Array<Datum>(this.valueStart + after.length + metadataWidth);
    for (let i = 0; i < this.valueStart; i++) row[i] = scratch[i]!;
    for (let i = 0; i < after.length; i++) row[this.valueStart + i] = after[i]!;
    for (let i = 0; i < metadataWidth; i++) row[this.valueStart + after.length + i] = scratch[metadataStart + i]!;
    return row;
  }

  /** The key's field names and map key, or null when the key has no fields to match rows by. */
  private eventKey(bytes: Buffer, scratch: Row): EventKey | null {
    const w = this.writer;
    if (this.keyNames.length > 0) {
      const datums = this.decoder.keyDatums(scratch);
      return { names: [...this.keyNames], mapKey: datums.map((d) => canonicalDatum(d, w)).join(SEPARATOR) };
    }
    let doc: JsonbValue;
    if (this.decoder.keySlots === 1 && scratch[0] instanceof Jsonb) doc = scratch[0].value;
    else {
      try {
        doc = parseJsonBytes(bytes);
      } catch {
        return null;
      }
    }
    const key = unwrapPayload(doc);
    if (!(key instanceof JsonbObject)) return null;
    return { names: key.entries.map(([k]) => k), mapKey: key.entries.map(([, v]) => canonicalJson(v)).join(SEPARATOR) };
  }

  /** Keys the rows restored after a restart by the key's field names, now that they are known. */
  private keyRestoredRows(names: readonly string[]): void {
    const rows = this.unkeyed;
    this.unkeyed = [];
    for (const row of rows) {
      const mapKey = this.storedRowKey(row, names);
      if (mapKey !== null) this.state.restore(mapKey, row);
    }
  }
}
