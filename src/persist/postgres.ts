// Consensus and blob in a PostgreSQL database (as Materialize keeps consensus
// in PostgreSQL or CockroachDB): two tables,
//   consensus(shard, sequence_number, data)  -- primary key (shard, sequence_number)
//   blobs(key, data)
// compareAndSet is one INSERT that adds entry n+1 only if the key's newest
// entry is n; the primary key makes two concurrent attempts at n+1 conflict,
// so at most one wins (ON CONFLICT DO NOTHING: the loser sees 0 rows).
import pg from 'pg';
import type { Blob, CasResult, Consensus, PersistLocation, VersionedData } from './api.js';
import { checkNext } from './memory.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS consensus (
     shard text NOT NULL,
     sequence_number bigint NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (shard, sequence_number))`,
  `CREATE TABLE IF NOT EXISTS blobs (key text PRIMARY KEY, data bytea NOT NULL)`,
];

interface EntryRow {
  sequence_number: string;
  data: Buffer;
}

const toEntry = (r: EntryRow): VersionedData => ({ seqNo: Number(r.sequence_number), data: r.data });

export class PostgresConsensus implements Consensus {
  constructor(private readonly pool: pg.Pool) {}

  async head(key: string): Promise<VersionedData | undefined> {
    const { rows } = await this.pool.query<EntryRow>(
      'SELECT sequence_number, data FROM consensus WHERE shard = $1 ORDER BY sequence_number DESC LIMIT 1',
      [key],
    );
    return rows[0] && toEntry(rows[0]);
  }

  async compareAndSet(key: string, expected: number | undefined, next: VersionedData): Promise<CasResult> {
    checkNext(expected, next);
    const data = Buffer.from(next.data.buffer, next.data.byteOffset, next.data.byteLength);
    const result =
      expected === undefined
        ? await this.pool.query(
            `INSERT INTO consensus (shard, sequence_number, data)
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM consensus WHERE shard = $1)
             ON CONFLICT DO NOTHING`,
            [key, next.seqNo, data],
          )
        : await this.pool.query(
            `INSERT INTO consensus (shard, sequence_number, data)
             SELECT $1, $2, $3 WHERE (SELECT max(sequence_number) FROM consensus WHERE shard = $1) = $4
             ON CONFLICT DO NOTHING`,
            [key, next.seqNo, data, expected],
          );
    if (result.rowCount === 1) return { ok: true };
    return { ok: false, current: await this.head(key) };
  }

  async scan(key: string, from: number, limit = Number.MAX_SAFE_INTEGER): Promise<VersionedData[]> {
    const { rows } = await this.pool.query<EntryRow>(
      'SELECT sequence_number, data FROM consensus WHERE shard = $1 AND sequence_number >= $2 ORDER BY sequence_number LIMIT $3',
      [key, from, Math.min(limit, Number.MAX_SAFE_INTEGER)],
    );
    return rows.map(toEntry);
  }

  async truncate(key: string, seqNo: number): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM consensus WHERE shard = $1 AND sequence_number < $2
         AND sequence_number < (SELECT max(sequence_number) FROM consensus WHERE shard = $1)`,
      [key, seqNo],
    );
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {}
}

export class PostgresBlob implements Blob {
  constructor(private readonly pool: pg.Pool) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.pool.query<{ data: Buffer }>('SELECT data FROM blobs WHERE key = $1', [key]);
    return rows[0]?.data;
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    const data = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    await this.pool.query('INSERT INTO blobs (key, data) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data', [key, data]);
  }

  async delete(key: string): Promise<void> {
    await this.pool.query('DELETE FROM blobs WHERE key = $1', [key]);
  }

  async list(prefix: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ key: string }>(
      "SELECT key FROM blobs WHERE key LIKE $1 || '%' ORDER BY key",
      [prefix.replace(/[\\%_]/g, (c) => `\\${c}`)],
    );
    return rows.map((r) => r.key);
  }

  async close(): Promise<void> {}
}

/** Shows where a postgres:// URL points, without its password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return `postgres ${u.host || u.searchParams.get('host') || 'localhost'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** Consensus and blobs in the database at `url` (tables created if missing). */
export async function postgresLocation(url: string): Promise<PersistLocation> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // An idle connection the server drops must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    for (const statement of SCHEMA) {
      try {
        await pool.query(statement);
      } catch (err) {
        // Two servers creating the tables at once: one loses the race on the catalog; the tables exist.
        if ((err as { code?: string }).code !== '23505' && (err as { code?: string }).code !== '42P07') throw err;
      }
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`could not open PostgreSQL storage at ${describePostgresUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    consensus: new PostgresConsensus(pool),
    blob: new PostgresBlob(pool),
    description: describePostgresUrl(url),
    close: () => pool.end(),
  };
}
