// Turning one Kafka record into a row of the source's layout: key columns,
// value columns, the inline error column, metadata columns (see source-plan).
import { isUtf8 } from 'node:buffer';
import { ListValue, RecordValue, type Datum, type Row } from '../../repr/types.js';
import { formatColumns, newFormatDecoder, SKIP_MESSAGE, type Decoder, type DecodeOutcome, type FormatRuntime } from '../formats/index.js';
import type { KafkaSourceDetails, MetadataColumn } from './source-plan.js';

/** The parts of a consumed Kafka message the source reads. */
export interface KafkaRecord {
  value: Buffer | null;
  key?: Buffer | string | null | undefined;
  partition: number;
  offset: number;
  timestamp?: number | undefined;
  headers?: { [key: string]: string | Buffer }[] | undefined;
}

export function keyBytes(record: KafkaRecord): Buffer | null {
  const key = record.key;
  if (key === null || key === undefined) return null;
  return typeof key === 'string' ? Buffer.from(key) : key;
}

const asBuffer = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);
const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function headerValue(record: KafkaRecord, key: string): Buffer | null | undefined {
  const headers = record.headers;
  if (!headers) return undefined;
  let found: Buffer | null | undefined;
  // The last header with the key wins, as in Materialize.
  for (const h of headers) {
    const v = h[key];
    if (v !== undefined) found = v === null ? null : asBuffer(v);
  }
  return found;
}

function headersList(record: KafkaRecord): ListValue {
  const out: Datum[] = [];
  for (const h of record.headers ?? []) {
    for (const k in h) {
      const v = h[k];
      out.push(new RecordValue([k, v === undefined || v === null ? null : asBytes(asBuffer(v))]));
    }
  }
  return new ListValue(out);
}

/** Decodes records into rows of one source's layout. One instance per running source. */
export class RecordDecoder {
  readonly width: number;
  /** Number of key slots at the start of the row (0 without key columns). */
  readonly keySlots: number;
  readonly valueStart: number;
  readonly valueWidth: number;
  /** Slot of the inline error column, or -1. */
  readonly errorSlot: number;
  private readonly keyDecoder: Decoder | null;
  private readonly keyWidth: number;
  private readonly keyAsRecord: boolean;
  private readonly valueDecoder: Decoder;
  private readonly metadata: readonly MetadataColumn[];
  private readonly metadataStart: number;
  private readonly keyScratch: Row;

  constructor(details: KafkaSourceDetails, runtime: FormatRuntime) {
    const keyFormat = details.keyFormat;
    this.keyDecoder = keyFormat ? newFormatDecoder(keyFormat, runtime) : null;
    this.keyWidth = keyFormat ? formatColumns(keyFormat).length : 0;
    this.keyAsRecord = details.keyAsRecord;
    this.keySlots = keyFormat ? (details.keyAsRecord ? 1 : this.keyWidth) : 0;
    this.valueDecoder = newFormatDecoder(details.valueFormat, runtime);
    this.valueStart = this.keySlots;
    this.valueWidth = formatColumns(details.valueFormat).length;
    this.errorSlot = details.inlineErrors ? this.valueStart + this.valueWidth : -1;
    this.metadataStart = this.valueStart + this.valueWidth + (details.inlineErrors ? 1 : 0);
    this.metadata = details.metadata;
    this.width = this.metadataStart + this.metadata.length;
    this.keyScratch = new Array<Datum>(this.keyWidth);
  }

  get hasKey(): boolean {
    return this.keyDecoder !== null;
  }

  newRow(): Row {
    return new Array<Datum>(this.width);
  }

  /** Fills the key slots; null bytes (no key) fill NULLs. */
  decodeKey(bytes: Buffer | null, row: Row, record: KafkaRecord): DecodeOutcome {
    const decoder = this.keyDecoder;
    if (!decoder) return undefined;
    if (bytes === null) {
      for (let i = 0; i < this.keySlots; i++) row[i] = null;
      return undefined;
    }
    if (!this.keyAsRecord) return decoder.decode(bytes, row, 0, record.partition, record.offset);
    const scratch = this.keyScratch;
    const outcome = decoder.decode(bytes, scratch, 0, record.partition, record.offset);
    if (outcome === undefined) row[0] = new RecordValue(scratch.slice());
    return outcome;
  }

  decodeValue(bytes: Buffer, row: Row, record: KafkaRecord): DecodeOutcome {
    const outcome = this.valueDecoder.decode(bytes, row, this.valueStart, record.partition, record.offset);
    if (this.errorSlot >= 0 && outcome === undefined) row[this.errorSlot] = null;
    return outcome;
  }

  /** Value slots NULL and the error column set (UPSERT ... VALUE DECODING ERRORS = INLINE). */
  setInlineError(row: Row, message: string): void {
    for (let i = 0; i < this.valueWidth; i++) row[this.valueStart + i] = null;
    row[this.errorSlot] = new RecordValue([message]);
  }

  /** Fills the metadata slots; returns an error message for an undecodable header. */
  fillMetadata(record: KafkaRecord, row: Row): string | undefined {
    let at = this.metadataStart;
    for (const m of this.metadata) {
      switch (m.kind) {
        case 'partition':
          row[at] = record.partition;
          break;
        case 'offset':
          row[at] = BigInt(record.offset);
          break;
        case 'timestamp': {
          const ts = record.timestamp;
          row[at] = ts === undefined || ts < 0 ? null : BigInt(ts) * 1000n;
          break;
        }
        case 'headers':
          row[at] = headersList(record);
          break;
        case 'header': {
          const value = headerValue(record, m.key);
          if (value === undefined || value === null) row[at] = null;
          else if (m.bytes) row[at] = asBytes(value);
          else if (!isUtf8(value)) {
            return `Found ill-formed byte sequence in header '${m.key}' that cannot be decoded as valid utf-8 (original bytes: ${value.toString('hex')})`;
          } else row[at] = value.toString('utf8');
          break;
        }
      }
      at++;
    }
    return undefined;
  }

  /** The decoded key's column values (also when kept as one record column). */
  keyDatums(row: Row): Datum[] {
    if (this.keyAsRecord) {
      const key = row[0];
      return key instanceof RecordValue ? key.fields : [];
    }
    return row.slice(0, this.keySlots);
  }

  /**
   * Registry formats: fetches what decoding these records needs (writer
   * schemas by id), once per schema. null when nothing is missing.
   */
  prepare(records: readonly KafkaRecord[]): Promise<void> | null {
    const keyPrepare = this.keyDecoder?.prepare?.bind(this.keyDecoder);
    const valuePrepare = this.valueDecoder.prepare?.bind(this.valueDecoder);
    if (!keyPrepare && !valuePrepare) return null;
    let waits: Promise<void>[] | null = null;
    for (const r of records) {
      const key = keyPrepare ? keyBytes(r) : null;
      const k = key !== null && keyPrepare ? keyPrepare(key) : null;
      const v = r.value !== null && valuePrepare ? valuePrepare(r.value) : null;
      if (k) (waits ??= []).push(k);
      if (v) (waits ??= []).push(v);
    }
    return waits ? Promise.all(waits).then(() => undefined) : null;
  }

  /** Like prepare, for the keys only (the main thread decodes keys to route records to workers). */
  prepareKeys(records: readonly KafkaRecord[]): Promise<void> | null {
    const keyPrepare = this.keyDecoder?.prepare?.bind(this.keyDecoder);
    if (!keyPrepare) return null;
    let waits: Promise<void>[] | null = null;
    for (const r of records) {
      const key = keyBytes(r);
      const k = key !== null ? keyPrepare(key) : null;
      if (k) (waits ??= []).push(k);
    }
    return waits ? Promise.all(waits).then(() => undefined) : null;
  }

  /** The key slots of a row (for rebuilding upsert state from stored contents). */
  keyOf(row: Row): Row {
    return row.slice(0, this.keySlots);
  }
}

export { SKIP_MESSAGE };
