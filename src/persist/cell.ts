// A small durable document in consensus (the catalog, the secrets): every
// write is one compare-and-set of a new entry {epoch, document}. The writer
// that opens the cell with `takeOver` registers the next epoch; an older
// writer's next write finds it and is fenced.
import { FencedError, PersistCorruptionError, type Consensus } from './api.js';

interface CellEntry {
  epoch: number;
  /** The document as JSON (undefined: none written yet). */
  json: string | undefined;
}

/** Truncate older entries after this many writes. */
const TRUNCATE_EVERY = 16;

function encode(entry: CellEntry): Uint8Array {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

function decode(data: Uint8Array, key: string): CellEntry {
  try {
    const entry = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as CellEntry;
    if (typeof entry.epoch !== 'number') throw new Error('no epoch');
    return entry;
  } catch (err) {
    throw new PersistCorruptionError(`the stored ${key}`, err instanceof Error ? err.message : String(err));
  }
}

/** What the catalog and the secret store need from their storage. */
export interface DurableDocument {
  /** The document: as loaded when the store was opened, or as last written (undefined: none yet). */
  read(): unknown;
  /** Starts making `value` durable (the latest value wins); see flushed(). */
  write(value: unknown): void;
  /** Resolves when every write so far is durable; rejects with the first failure since the last call. */
  flushed(): Promise<void>;
  /** Drops the document's earlier versions from storage once the current one is durable (after encrypting plaintext secrets). */
  dropHistory?(): Promise<void>;
}

export class PersistCell implements DurableDocument {
  private pending: { json: string } | undefined;
  private flushing: Promise<void> | null = null;
  private failure: unknown;
  private writes = 0;

  private constructor(
    private readonly consensus: Consensus,
    readonly key: string,
    readonly epoch: number,
    private seqNo: number | undefined,
    private current: unknown,
    private readonly onFenced: (err: FencedError) => void,
  ) {}

  /**
   * Opens the cell at `key`. With `epoch` undefined, takes over: registers
   * the epoch after the stored one (fencing older writers) and returns it.
   */
  static async open(consensus: Consensus, key: string, epoch: number | undefined, onFenced: (err: FencedError) => void): Promise<PersistCell> {
    for (;;) {
      const head = await consensus.head(key);
      const entry = head ? decode(head.data, key) : { epoch: 0, json: undefined };
      if (epoch !== undefined && entry.epoch > epoch) throw new FencedError(`the ${key}`, epoch, entry.epoch);
      const ours = epoch ?? entry.epoch + 1;
      const loaded = entry.json === undefined ? undefined : (JSON.parse(entry.json) as unknown);
      if (head && entry.epoch === ours) return new PersistCell(consensus, key, ours, head.seqNo, loaded, onFenced);
      const seqNo = head ? head.seqNo + 1 : 0;
      const res = await consensus.compareAndSet(key, head?.seqNo, { seqNo, data: encode({ epoch: ours, json: entry.json }) });
      if (res.ok) return new PersistCell(consensus, key, ours, seqNo, loaded, onFenced);
    }
  }

  read(): unknown {
    return this.current;
  }

  write(value: unknown): void {
    const json = JSON.stringify(value);
    this.current = JSON.parse(json) as unknown;
    this.pending = { json };
    this.flushing ??= this.flushLoop();
  }

  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
    const failure = this.failure;
    this.failure = undefined;
    if (failure !== undefined) throw failure;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending) {
        const { json } = this.pending;
        this.pending = undefined;
        try {
          await this.writeNow(json);
        } catch (err) {
          this.failure ??= err;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeNow(json: string): Promise<void> {
    const next = this.seqNo === undefined ? 0 : this.seqNo + 1;
    const res = await this.consensus.compareAndSet(this.key, this.seqNo, { seqNo: next, data: encode({ epoch: this.epoch, json }) });
    if (!res.ok) {
      const theirs = res.current ? decode(res.current.data, this.key).epoch : this.epoch;
      const err = new FencedError(`the ${this.key}`, this.epoch, Math.max(theirs, this.epoch + 1));
      this.onFenced(err);
      throw err;
    }
    this.seqNo = next;
    if (++this.writes % TRUNCATE_EVERY === 0) await this.consensus.truncate(this.key, next);
  }

  async dropHistory(): Promise<void> {
    await this.flushed();
    if (this.seqNo !== undefined) await this.consensus.truncate(this.key, this.seqNo);
  }

  /** The newest epoch stored (to notice a takeover without writing). */
  async storedEpoch(): Promise<number> {
    const head = await this.consensus.head(this.key);
    return head ? decode(head.data, this.key).epoch : 0;
  }
}
