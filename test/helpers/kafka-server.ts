// The fixture of the integration tests: a mock Kafka cluster, a producer, the
// real `freshet serve` on a temporary data dir and a pg client, with a
// connection `kc` to the cluster. stop() releases everything, also after a
// partial start.
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { connectProducer, startMockCluster, type MockCluster, type TestProducer } from './kafka-mock.js';
import { connectPg, serveFreshet, type ServedFreshet } from './server-process.js';

export interface KafkaServer {
  cluster: MockCluster;
  producer: TestProducer;
  server: ServedFreshet;
  /** The server's data directory (removed by stop()). */
  dataDir: string;
  /** The first client (the one that created `kc`). */
  client: pg.Client;
  /** Another client, closed by stop(). */
  connect(): Promise<pg.Client>;
  stop(): Promise<void>;
}

export async function startKafkaServer(name: string): Promise<KafkaServer> {
  const dataDir = mkdtempSync(join(tmpdir(), `freshet-${name}-`));
  const clients: pg.Client[] = [];
  let cluster: MockCluster | undefined;
  let producer: TestProducer | undefined;
  let server: ServedFreshet | undefined;
  const stop = async (): Promise<void> => {
    for (const c of clients) await c.end().catch(() => undefined);
    await server?.stop();
    await producer?.close();
    cluster?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    cluster = startMockCluster(1);
    producer = await connectProducer(cluster.bootstrap);
    server = await serveFreshet(dataDir);
    const served = server;
    const connect = async (): Promise<pg.Client> => {
      const c = await connectPg(served.port);
      clients.push(c);
      return c;
    };
    const client = await connect();
    // Validated against the mock: the broker is reachable and its metadata readable.
    await client.query(`CREATE CONNECTION kc TO KAFKA (BROKER '${cluster.bootstrap}', SECURITY PROTOCOL PLAINTEXT)`);
    return { cluster, producer, server, dataDir, client, connect, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** 2025-11-24 16:00:00 UTC: message timestamps are set explicitly (the mock keeps them). */
export const T0 = 1_764_000_000_000;

export interface KafkaServerFixture {
  sql(): pg.Client;
  kafka(): { cluster: MockCluster; producer: TestProducer };
  server(): { port: number };
  fixture(): KafkaServer;
}

/** Starts a KafkaServer before the file's tests and stops it after them; accessors read it. */
export function useKafkaServer(name: string): KafkaServerFixture {
  let fixture: KafkaServer | undefined;
  before(async () => {
    fixture = await startKafkaServer(name);
  });
  after(() => fixture?.stop());
  return {
    sql: () => fixture!.client,
    kafka: () => ({ cluster: fixture!.cluster, producer: fixture!.producer }),
    server: () => fixture!.server,
    fixture: () => fixture!,
  };
}

/** The error a statement fails with (pg's error: message and SQLSTATE code); throws if it succeeds. */
export async function sqlError(promise: Promise<unknown>): Promise<{ message: string; code?: string; detail?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { message: string; code?: string; detail?: string };
  }
  throw new Error('expected the statement to fail');
}
