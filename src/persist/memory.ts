// In-memory consensus and blob: the reference implementation of the contract
// (tests; nothing survives the process).
import type { Blob, CasResult, Consensus, PersistLocation, VersionedData } from './api.js';

export class MemoryConsensus implements Consensus {
  private readonly entries = new Map<string, VersionedData[]>();

  async head(key: string): Promise<VersionedData | undefined> {
    const list = this.entries.get(key);
    const last = list?.[list.length - 1];
    return last && { seqNo: last.seqNo, data: last.data };
  }

  async compareAndSet(key: string, expected: number | undefined, next: VersionedData): Promise<CasResult> {
    checkNext(expected, next);
    const list = this.entries.get(key) ?? [];
    const current = list[list.length - 1];
    if (current?.seqNo !== expected) return { ok: false, current };
    list.push({ seqNo: next.seqNo, data: Uint8Array.from(next.data) });
    this.entries.set(key, list);
    return { ok: true };
  }

  async scan(key: string, from: number, limit = Number.MAX_SAFE_INTEGER): Promise<VersionedData[]> {
    return (this.entries.get(key) ?? []).filter((e) => e.seqNo >= from).slice(0, limit);
  }

  async truncate(key: string, seqNo: number): Promise<number> {
    const list = this.entries.get(key) ?? [];
    const keep = list.filter((e, i) => e.seqNo >= seqNo || i === list.length - 1);
    this.entries.set(key, keep);
    return list.length - keep.length;
  }

  async close(): Promise<void> {}
}

export class MemoryBlob implements Blob {
  private readonly values = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.values.get(key);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    this.values.set(key, Uint8Array.from(value));
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async close(): Promise<void> {}
}

export function memoryLocation(): PersistLocation {
  return { consensus: new MemoryConsensus(), blob: new MemoryBlob(), description: 'memory', close: async () => undefined };
}

/** The contract's rule for the new entry's number. */
export function checkNext(expected: number | undefined, next: VersionedData): void {
  const want = expected === undefined ? 0 : expected + 1;
  if (next.seqNo !== want) throw new Error(`compareAndSet: new seqNo must be ${want}, got ${next.seqNo}`);
}
