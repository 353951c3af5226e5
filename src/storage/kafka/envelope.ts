// Envelopes: what a decoded Kafka record does to the source's collection.
// NONE appends a row per record. UPSERT keeps the current row per key and
// emits the retraction of the old row with the new one; a null value deletes
// the key. Decode errors are data: with NONE a permanent error per record,
// with UPSERT an error that is the key's current "value" until the key is
// written again (or, with VALUE DECODING ERRORS = INLINE, an error column).
import { SqlError, SqlState } from '../../repr/errors.js';
import type { Row } from '../../repr/types.js';
import type { ErrorUpdate, Update } from '../../compute/api.js';
import { ByteWriter, writeValue } from '../codec.js';
import { keyBytes, RecordDecoder, SKIP_MESSAGE, type KafkaRecord } from './records.js';
import type { KafkaSourceDetails } from './source-plan.js';
import { OFFLINE_FORMAT_RUNTIME, type FormatRuntime } from '../formats/format.js';

/** Where an envelope puts what one record produces. */
export interface TickBuffer {
  updates: Update[];
  errors: ErrorUpdate[];
}

export interface SourceEnvelope {
  process(record: KafkaRecord, out: TickBuffer): void;
  /** Keys held in upsert state (mz_source_statistics.records_indexed). */
  readonly stateSize: number;
}

const NULL_KEY_ERROR_KEY = 'upsert-null-key';
const UPSERT_ERROR_PREFIX = 'upsert:';

function decodeError(message: string, record: KafkaRecord): SqlError {
  return new SqlError(SqlState.dataException, `Decode error: ${message} (partition ${record.partition}, offset ${record.offset})`);
}

export class AppendOnlyEnvelope implements SourceEnvelope {
  readonly stateSize = 0;

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
    out.errors.push({ key: `${record.partition}:${record.offset}`, error: decodeError(message, record), diff: 1 });
  }
}

/** An upsert key whose latest value failed to decode. */
class UpsertErrorEntry {
  constructor(readonly update: ErrorUpdate) {}
}

type UpsertEntry = Row | UpsertErrorEntry;

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

export class UpsertEnvelope implements SourceEnvelope {
  private readonly state = new Map<number, UpsertSlot>();
  private keys = 0;
  private nullKeyError: ErrorUpdate | null = null;
  private readonly keyWriter = new ByteWriter(256);
  /** TEXT keys are their own map keys; other keys use their encoding in hex. */
  private readonly textKey: boolean;

  constructor(
    private readonly decoder: RecordDecoder,
    details: KafkaSourceDetails,
    private readonly inlineErrors: boolean,
  ) {
    this.textKey = details.keyFormat?.kind === 'text';
  }

  get stateSize(): number {
    return this.keys + (this.nullKeyError ? 1 : 0);
  }

  private mapKey(row: Row): string {
    if (this.textKey) return row[0] as string;
    const w = this.keyWriter;
    w.reset();
    for (let i = 0; i < this.decoder.keySlots; i++) writeValue(w, row[i]);
    return w.bytes().toString('hex');
  }

  process(record: KafkaRecord, out: TickBuffer): void {
    const bytes = keyBytes(record);
    if (bytes === null) return this.processNullKey(record, out);
    const decoder = this.decoder;
    const row = decoder.newRow();
    const keyOutcome = decoder.decodeKey(bytes, row, record);
    if (keyOutcome === SKIP_MESSAGE) return;
    if (keyOutcome !== undefined) {
      // An undecodable key is keyed by its raw bytes: a later delete of those bytes retracts it.
      const mapKey = `raw:${bytes.toString('hex')}`;
      return this.upsert(mapKey, record.value === null ? null : this.errorEntry(mapKey, keyOutcome, record, bytes), out);
    }
    const mapKey = this.mapKey(row);
    const value = record.value;
    if (value === null) return this.upsert(mapKey, null, out);
    const outcome = decoder.decodeValue(value, row, record);
    if (outcome === SKIP_MESSAGE) return;
    let failure = outcome ?? decoder.fillMetadata(record, row);
    if (failure !== undefined && this.inlineErrors) {
      decoder.setInlineError(row, failure);
      failure = decoder.fillMetadata(record, row);
    }
    if (failure !== undefined) return this.upsert(mapKey, this.errorEntry(mapKey, failure, record, bytes), out);
    this.upsert(mapKey, row, out);
  }

  private errorEntry(mapKey: string, message: string, record: KafkaRecord, key: Buffer): UpsertErrorEntry {
    const shownKey = this.textKey ? JSON.stringify(key.toString('utf8')) : `0x${key.toString('hex')}`;
    const error = new SqlError(SqlState.dataException, `Decode error: ${message} (partition ${record.partition}, offset ${record.offset}), decoded key: ${shownKey}`);
    return new UpsertErrorEntry({ key: UPSERT_ERROR_PREFIX + mapKey, error, diff: 1 });
  }

  private upsert(mapKey: string, next: UpsertEntry | null, out: TickBuffer): void {
    const h = upsertKeyHash(mapKey);
    const first = this.state.get(h);
    let slot = first;
    let before: UpsertSlot | null = null;
    while (slot !== undefined && slot.key !== mapKey) {
      before = slot;
      slot = slot.next ?? undefined;
    }
    if (slot !== undefined) {
      const prev = slot.entry;
      if (prev instanceof UpsertErrorEntry) out.errors.push({ ...prev.update, diff: -1 });
      else out.updates.push({ row: prev, diff: -1 });
    }
    if (next === null) {
      if (slot !== undefined) this.unlink(h, slot, before);
      return;
    }
    if (slot !== undefined) slot.entry = next;
    else this.insert(h, first, mapKey, next);
    if (next instanceof UpsertErrorEntry) out.errors.push(next.update);
    else out.updates.push({ row: next, diff: 1 });
  }

  private insert(h: number, first: UpsertSlot | undefined, mapKey: string, entry: UpsertEntry): void {
    const slot = new UpsertSlot(mapKey, entry, first ?? null);
    this.state.set(h, slot);
    this.keys++;
  }

  private unlink(h: number, slot: UpsertSlot, before: UpsertSlot | null): void {
    if (before !== null) before.next = slot.next;
    else if (slot.next !== null) this.state.set(h, slot.next);
    else this.state.delete(h);
    this.keys--;
  }

  private restoreEntry(mapKey: string, entry: UpsertEntry): void {
    const h = upsertKeyHash(mapKey);
    const first = this.state.get(h);
    let slot = first;
    while (slot !== undefined && slot.key !== mapKey) slot = slot.next ?? undefined;
    if (slot !== undefined) slot.entry = entry;
    else this.insert(h, first, mapKey, entry);
  }

  private processNullKey(record: KafkaRecord, out: TickBuffer): void {
    if (this.nullKeyError) {
      if (record.value !== null) return; // the error stands as it is
      out.errors.push({ ...this.nullKeyError, diff: -1 });
      this.nullKeyError = null;
      return;
    }
    if (record.value === null) return;
    this.nullKeyError = {
      key: NULL_KEY_ERROR_KEY,
      error: new SqlError(
        SqlState.dataException,
        'record with NULL key in UPSERT source; to retract this error, produce a record upstream with a NULL key and NULL value',
      ),
      diff: 1,
    };
    out.errors.push(this.nullKeyError);
  }

  /**
   * Rebuilds the state from the source's stored contents (consolidated rows)
   * and its outstanding errors, after a restart.
   */
  restore(contents: readonly Update[], errors: readonly ErrorUpdate[]): void {
    for (const u of contents) {
      if (u.diff <= 0) continue;
      this.restoreEntry(this.mapKey(u.row), u.row);
    }
    for (const e of errors) {
      if (e.diff <= 0) continue;
      if (e.key === NULL_KEY_ERROR_KEY) this.nullKeyError = { ...e, diff: 1 };
      else if (e.key.startsWith(UPSERT_ERROR_PREFIX)) this.restoreEntry(e.key.slice(UPSERT_ERROR_PREFIX.length), new UpsertErrorEntry({ ...e, diff: 1 }));
    }
  }
}

export function createEnvelope(
  details: KafkaSourceDetails,
  runtime: FormatRuntime = OFFLINE_FORMAT_RUNTIME,
): { envelope: SourceEnvelope; restore(contents: readonly Update[], errors: readonly ErrorUpdate[]): void } {
  const decoder = new RecordDecoder(details, runtime);
  if (details.envelope === 'upsert') {
    const upsert = new UpsertEnvelope(decoder, details, details.inlineErrors);
    return { envelope: upsert, restore: (contents, errors) => upsert.restore(contents, errors) };
  }
  return { envelope: new AppendOnlyEnvelope(decoder), restore: () => undefined };
}

