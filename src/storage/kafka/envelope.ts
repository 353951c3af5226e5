// Envelopes: what a decoded Kafka record does to the source's collection.
// NONE appends a row per record. UPSERT keeps the current row per key and
// emits the retraction of the old row with the new one; a null value deletes
// the key. Decode errors are data: with NONE a permanent error per record,
// with UPSERT an error that is the key's current "value" until the key is
// written again (or, with VALUE DECODING ERRORS = INLINE, an error column).
import { SqlError, SqlState } from '../../repr/errors.js';
import type { Row } from '../../repr/types.js';
import type { DeadLetter, ErrorUpdate, Update } from '../../compute/api.js';
import { ByteWriter, writeValue } from '../codec.js';
import { keyBytes, RecordDecoder, SKIP_MESSAGE, type KafkaRecord } from './records.js';
import type { KafkaSourceDetails } from './source-plan.js';
import { OFFLINE_FORMAT_RUNTIME, type FormatRuntime } from '../formats/format.js';
import { formatColumns } from '../formats/index.js';
import { DebeziumEnvelope } from './debezium.js';

/** Where an envelope puts what one record produces. */
export interface TickBuffer {
  updates: Update[];
  errors: ErrorUpdate[];
}

export interface SourceEnvelope {
  process(record: KafkaRecord, out: TickBuffer): void;
  /** Keys held in upsert state (mz_source_statistics.records_indexed). */
  readonly stateSize: number;
  /**
   * Rebuilds the envelope's state from the source's stored contents
   * (consolidated rows) and its outstanding errors, after a restart.
   */
  restore(contents: readonly Update[], errors: readonly ErrorUpdate[]): void;
}

const NULL_KEY_ERROR_KEY = 'upsert-null-key';
const UPSERT_ERROR_PREFIX = 'upsert:';

/** The message as it arrived, kept with its error (the source's dead-letter relation). */
export function deadLetterOf(record: KafkaRecord): DeadLetter {
  return { partition: record.partition, offset: record.offset, key: keyBytes(record), value: record.value };
}

function decodeError(message: string, record: KafkaRecord): SqlError {
  return new SqlError(SqlState.dataException, `Decode error: ${message} (partition ${record.partition}, offset ${record.offset})`);
}

export class AppendOnlyEnvelope implements SourceEnvelope {
  readonly stateSize = 0;

  restore(): void {
    // Appending needs no state.
  }

  constructor(private readonly decoder: RecordDecoder) {}

  process(record: KafkaRecord, out: TickBuffer): void {
    const value = record.value;
    // Records without a value carry nothing to append (as in Materialize).
    if (value === null) return;
    const decoder = this.decoder;
    const row = decoder.newRow();
    if (decoder.hasKey) {
      const outcome = decoder.decodeKey(keyBytes(record), row, record);
      if (outcome === SKIP_MESSAGE) return;
      if (outcome !== undefined) return this.fail(outcome, record, out);
    }
    const outcome = decoder.decodeValue(value, row, record);
    if (outcome === SKIP_MESSAGE) return;
    if (outcome !== undefined) return this.fail(outcome, record, out);
    const metadataError = decoder.fillMetadata(record, row);
    if (metadataError !== undefined) return this.fail(metadataError, record, out);
    out.updates.push({ row, diff: 1 });
  }

  private fail(message: string, record: KafkaRecord, out: TickBuffer): void {
    out.errors.push({ key: `${record.partition}:${record.offset}`, error: decodeError(message, record), diff: 1, deadLetter: deadLetterOf(record) });
  }
}

/** An upsert key whose latest value failed to decode. */
export class UpsertErrorEntry {
  constructor(readonly update: ErrorUpdate) {}
}

export type UpsertEntry = Row | UpsertErrorEntry;

/** A key's current entry, replaced in place: an update of a known key costs one map lookup. */
class UpsertSlot {
  constructor(
    readonly key: string,
    public entry: UpsertEntry,
    /** The next slot whose key has the same hash. */
    public next: UpsertSlot | null,
  ) {}
}

/**
 * FNV-1a of a key. The state map is keyed by this number rather than by the
 * key string: every key is a string decoded from its message a moment ago,
 * and V8 computes a fresh string's hash in a runtime call when it is first
 * used as a Map key (measured: about half of a lookup); a small integer key
 * costs nothing to hash. Equal hashes chain through UpsertSlot.next.
 */
export function upsertKeyHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  // Keep 30 bits: V8 stores these as small integers on every platform.
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/**
 * The current entry per key of an upsert-like envelope (UPSERT, DEBEZIUM):
 * writing a key emits the retraction of its previous entry and the new one.
 */
export class UpsertState {
  private readonly slots = new Map<number, UpsertSlot>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Replaces the key's entry (null deletes it), emitting the difference into `out`. */
  upsert(mapKey: string, next: UpsertEntry | null, out: TickBuffer): void {
    const h = upsertKeyHash(mapKey);
    const first = this.slots.get(h);
    let slot = first;
    let before: UpsertSlot | null = null;
    while (slot !== undefined && slot.key !== mapKey) {
      before = slot;
      slot = slot.next ?? undefined;
    }
    if (slot !== undefined) emitEntry(slot.entry, -1, out);
    if (next === null) {
      if (slot !== undefined) this.unlink(h, slot, before);
      return;
    }
    if (slot !== undefined) slot.entry = next;
    else this.insert(h, first, mapKey, next);
    emitEntry(next, 1, out);
  }

  /** Sets the key's entry without emitting anything (rebuilding state after a restart). */
  restore(mapKey: string, entry: UpsertEntry): void {
    const h = upsertKeyHash(mapKey);
    const first = this.slots.get(h);
    let slot = first;
    while (slot !== undefined && slot.key !== mapKey) slot = slot.next ?? undefined;
    if (slot !== undefined) slot.entry = entry;
    else this.insert(h, first, mapKey, entry);
  }

  /** Retracts every entry and forgets them all (a Debezium truncate). */
  clear(out: TickBuffer): void {
    for (const first of this.slots.values()) {
      for (let slot: UpsertSlot | null = first; slot !== null; slot = slot.next) emitEntry(slot.entry, -1, out);
    }
    this.slots.clear();
    this.count = 0;
  }

  private insert(h: number, first: UpsertSlot | undefined, mapKey: string, entry: UpsertEntry): void {
    this.slots.set(h, new UpsertSlot(mapKey, entry, first ?? null));
    this.count++;
  }

  private unlink(h: number, slot: UpsertSlot, before: UpsertSlot | null): void {
    if (before !== null) before.next = slot.next;
    else if (slot.next !== null) this.slots.set(h, slot.next);
    else this.slots.delete(h);
    this.count--;
  }
}

function emitEntry(entry: UpsertEntry, diff: 1 | -1, out: TickBuffer): void {
  if (entry instanceof UpsertErrorEntry) out.errors.push(diff === 1 ? entry.update : { ...entry.update, diff: -1 });
  else out.updates.push({ row: entry, diff });
}

/** The error a record with a NULL key becomes in an upsert-like source, until a NULL key with a NULL value retracts it. */
export class NullKeyError {
  private current: ErrorUpdate | null = null;

  get present(): boolean {
    return this.current !== null;
  }

  process(record: KafkaRecord, out: TickBuffer): void {
    if (this.current) {
      if (record.value !== null) return; // the error stands as it is
      out.errors.push({ ...this.current, diff: -1 });
      this.current = null;
      return;
    }
    if (record.value === null) return;
    this.current = {
      key: NULL_KEY_ERROR_KEY,
      error: new SqlError(
        SqlState.dataException,
        'record with NULL key in UPSERT source; to retract this error, produce a record upstream with a NULL key and NULL value',
      ),
      diff: 1,
      deadLetter: deadLetterOf(record),
    };
    out.errors.push(this.current);
  }

  /** Takes the stored error back after a restart; false when `e` is not this error. */
  restore(e: ErrorUpdate): boolean {
    if (e.key !== NULL_KEY_ERROR_KEY) return false;
    this.current = { ...e, diff: 1 };
    return true;
  }
}

/** Rebuilds an upsert-like state's decode errors (keyed `upsert:<map key>`) after a restart. */
export function restoreUpsertErrors(state: UpsertState, nullKey: NullKeyError, errors: readonly ErrorUpdate[]): void {
  for (const e of errors) {
    if (e.diff <= 0 || nullKey.restore(e)) continue;
    if (e.key.startsWith(UPSERT_ERROR_PREFIX)) state.restore(e.key.slice(UPSERT_ERROR_PREFIX.length), new UpsertErrorEntry({ ...e, diff: 1 }));
  }
}

/** The error entry of a key whose latest message failed to decode. */
/** The map key of an outstanding upsert decode error; null for the NULL-key error or another kind. */
export function upsertErrorMapKey(e: ErrorUpdate): string | null {
  return e.key.startsWith(UPSERT_ERROR_PREFIX) ? e.key.slice(UPSERT_ERROR_PREFIX.length) : null;
}

export function upsertErrorEntry(mapKey: string, message: string, record: KafkaRecord, key: Buffer, textKey: boolean): UpsertErrorEntry {
  const shownKey = textKey ? JSON.stringify(key.toString('utf8')) : `0x${key.toString('hex')}`;
  const error = new SqlError(SqlState.dataException, `Decode error: ${message} (partition ${record.partition}, offset ${record.offset}), decoded key: ${shownKey}`);
  return new UpsertErrorEntry({ key: UPSERT_ERROR_PREFIX + mapKey, error, diff: 1, deadLetter: deadLetterOf(record) });
}

export class UpsertEnvelope implements SourceEnvelope {
  private readonly state = new UpsertState();
  private readonly nullKey = new NullKeyError();
  private readonly keyWriter = new ByteWriter(256);
  /** TEXT keys are shown as text in errors (other keys in hex). */
  private readonly textKey: boolean;
  /** The key is one non-null text column (TEXT, or an Avro/Protobuf key with one string field): its own map key; other keys use their encoding in hex. */
  private readonly stringKey: boolean;

  constructor(
    private readonly decoder: RecordDecoder,
    details: KafkaSourceDetails,
    private readonly inlineErrors: boolean,
  ) {
    this.textKey = details.keyFormat?.kind === 'text';
    const keyColumns = details.keyFormat && !details.keyAsRecord ? formatColumns(details.keyFormat) : [];
    this.stringKey = this.textKey || (keyColumns.length === 1 && keyColumns[0]!.type.kind === 'text' && !keyColumns[0]!.nullable);
  }

  get stateSize(): number {
    return this.state.size + (this.nullKey.present ? 1 : 0);
  }

  /**
   * Where a record's state lives, touching no state (the main thread routes
   * records to the worker owning their key); null for a NULL key.
   */
  routingKey(record: KafkaRecord): string | null {
    const bytes = keyBytes(record);
    if (bytes === null) return null;
    const row = this.decoder.newRow();
    const outcome = this.decoder.decodeKey(bytes, row, record);
    if (outcome === SKIP_MESSAGE) return '';
    if (outcome !== undefined) return `raw:${bytes.toString('hex')}`;
    return this.mapKey(row);
  }

  /** The map key of a stored row (routing restored state). */
  mapKey(row: Row): string {
    if (this.stringKey) return row[0] as string;
    const w = this.keyWriter;
    w.reset();
    for (let i = 0; i < this.decoder.keySlots; i++) writeValue(w, row[i]);
    return w.bytes().toString('hex');
  }

  process(record: KafkaRecord, out: TickBuffer): void {
    const bytes = keyBytes(record);
    if (bytes === null) return this.nullKey.process(record, out);
    const decoder = this.decoder;
    const row = decoder.newRow();
    const keyOutcome = decoder.decodeKey(bytes, row, record);
    if (keyOutcome === SKIP_MESSAGE) return;
    if (keyOutcome !== undefined) {
      // An undecodable key is keyed by its raw bytes: a later delete of those bytes retracts it.
      const mapKey = `raw:${bytes.toString('hex')}`;
      return this.state.upsert(mapKey, record.value === null ? null : upsertErrorEntry(mapKey, keyOutcome, record, bytes, this.textKey), out);
    }
    const mapKey = this.mapKey(row);
    const value = record.value;
    if (value === null) return this.state.upsert(mapKey, null, out);
    const outcome = decoder.decodeValue(value, row, record);
    if (outcome === SKIP_MESSAGE) return;
    let failure = outcome ?? decoder.fillMetadata(record, row);
    if (failure !== undefined && this.inlineErrors) {
      decoder.setInlineError(row, failure);
      failure = decoder.fillMetadata(record, row);
    }
    if (failure !== undefined) return this.state.upsert(mapKey, upsertErrorEntry(mapKey, failure, record, bytes, this.textKey), out);
    this.state.upsert(mapKey, row, out);
  }

  restore(contents: readonly Update[], errors: readonly ErrorUpdate[]): void {
    for (const u of contents) {
      if (u.diff <= 0) continue;
      this.state.restore(this.mapKey(u.row), u.row);
    }
    restoreUpsertErrors(this.state, this.nullKey, errors);
  }
}

/** The registered envelopes: ENVELOPE keyword -> how a running source builds it. */
const ENVELOPES: Record<KafkaSourceDetails['envelope'], (decoder: RecordDecoder, details: KafkaSourceDetails) => SourceEnvelope> = {
  none: (decoder) => new AppendOnlyEnvelope(decoder),
  upsert: (decoder, details) => new UpsertEnvelope(decoder, details, details.inlineErrors),
  debezium: (decoder, details) => {
    if (!details.debezium) throw new Error('a DEBEZIUM source was planned without its event shape');
    return new DebeziumEnvelope(decoder, details.debezium, details.debeziumKeyInOutput ?? false, details.debeziumKeyNames ?? []);
  },
};

/** The decoder and envelope of a running source. */
export function createEnvelope(details: KafkaSourceDetails, runtime: FormatRuntime = OFFLINE_FORMAT_RUNTIME): { envelope: SourceEnvelope; decoder: RecordDecoder } {
  const decoder = new RecordDecoder(details, runtime);
  return { envelope: ENVELOPES[details.envelope](decoder, details), decoder };
}
