// A source worker thread: decodes Kafka messages, applies the envelope
// (its shard of the upsert / Debezium state) and encodes the output. The
// Kafka consumer itself stays on the main thread (the client's native module
// cannot run in a worker thread); see worker-pool.ts for the protocol.
import { parentPort } from 'node:worker_threads';
import type { ErrorUpdate, Update } from '../../compute/api.js';
import { ByteWriter } from '../codec.js';
import { createSchemaRegistryClient } from '../schema-registry/client.js';
import type { CsrConnectionSpec, SchemaRegistryClient } from '../schema-registry/api.js';
import type { FormatRuntime } from '../formats/format.js';
import { createEnvelope, type SourceEnvelope, type TickBuffer } from './envelope.js';
import { DebeziumEnvelope } from './debezium.js';
import type { RecordDecoder } from './records.js';
import type { KafkaSourceDetails } from './source-plan.js';
import { detach, readOutput, unpackRecords, writeOutput, type FromWorker, type ToWorker, type WorkerRecord } from './worker-protocol.js';

class Session {
  readonly envelope: SourceEnvelope;
  readonly decoder: RecordDecoder;
  readonly withHeaders: boolean;
  /** The last batch (Debezium: replayed after another worker's keyed truncate). */
  last: { bid: number; records: WorkerRecord[] } | null = null;
  /** A batch whose writer schemas could not be fetched: later batches wait for its retry. */
  blockedAt: number | null = null;
  queue: Promise<void> = Promise.resolve();
  private readonly truncates: number[] = [];
  private current = -1;
  private readonly writer = new ByteWriter(256 * 1024);

  constructor(details: KafkaSourceDetails, secrets: Record<string, string>, index: number) {
    const clients = new Map<string, SchemaRegistryClient>();
    const runtime: FormatRuntime = {
      schemaRegistry(spec: CsrConnectionSpec) {
        const key = JSON.stringify(spec);
        let client = clients.get(key);
        if (client === undefined) {
          client = createSchemaRegistryClient(spec, (id) => {
            const value = secrets[id];
            if (value === undefined) throw new Error(`secret ${id} is not available to the source worker`);
            return value;
          });
          clients.set(key, client);
        }
        return client;
      },
    };
    const { envelope, decoder } = createEnvelope(details, runtime);
    this.envelope = envelope;
    this.decoder = decoder;
    this.withHeaders = details.metadata.some((m) => m.kind === 'headers' || m.kind === 'header');
    if (envelope instanceof DebeziumEnvelope) {
      // Key-less events are sent to every worker (a truncate empties each one's state); worker 0 owns the NULL-key error.
      envelope.ownsNullKey = index === 0;
      envelope.onKeyedTruncate = () => this.truncates.push(this.current);
    }
  }

  /** Runs records through the envelope; the output encoded, with the keyed truncates seen. */
  run(records: readonly WorkerRecord[], from: number, clearFirst: boolean): FromWorker & { kind: 'ok' } {
    const out: TickBuffer = { updates: [], errors: [] };
    this.truncates.length = 0;
    if (clearFirst && this.envelope instanceof DebeziumEnvelope) this.envelope.truncate(out);
    const envelope = this.envelope;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.seq <= from) continue;
      this.current = r.seq;
      envelope.process(r, out);
    }
    return this.output(out.updates, out.errors);
  }

  output(updates: readonly Update[], errors: readonly ErrorUpdate[]): FromWorker & { kind: 'ok' } {
    const w = this.writer;
    w.reset();
    writeOutput(w, updates, errors);
    return { req: 0, kind: 'ok', data: detach(w), stateSize: this.envelope.stateSize, truncates: [...this.truncates] };
  }
}

const sessions = new Map<number, Session>();
/** Sessions whose decoders could not be built here, with why. */
const unusable = new Map<number, string>();
const port = parentPort!;

function reply(message: FromWorker, transfer: ArrayBuffer | null): void {
  port.postMessage(message, transfer ? [transfer] : []);
}

async function handle(session: Session, msg: ToWorker & { t: 'batch' | 'replay' | 'restore' }): Promise<void> {
  const req = msg.req;
  try {
    if (msg.t === 'restore') {
      const updates: Update[] = [];
      const errors: ErrorUpdate[] = [];
      readOutput(Buffer.from(msg.data), updates, errors);
      session.envelope.restore(updates, errors);
      // Debezium rows routed here by their key (the main thread learnt the key's field names).
      if (msg.names !== null && session.envelope instanceof DebeziumEnvelope) session.envelope.keyRestored(msg.names);
      reply({ req, kind: 'ok', data: null, stateSize: session.envelope.stateSize, truncates: [] }, null);
      return;
    }
    if (msg.t === 'replay') {
      const last = session.last;
      if (last === null || last.bid !== msg.bid) throw new Error(`replay of batch ${msg.bid}, which this worker does not hold`);
      const result = session.run(last.records, msg.from, true);
      reply({ ...result, req }, result.data);
      return;
    }
    if (session.blockedAt !== null && msg.bid > session.blockedAt) {
      reply({ req, kind: 'notReady', message: 'waiting for an earlier batch' }, null);
      return;
    }
    const records = unpackRecords(msg.data, session.withHeaders);
    const wait = session.decoder.prepare(records);
    if (wait !== null) {
      try {
        await wait;
      } catch (err) {
        session.blockedAt = msg.bid;
        reply({ req, kind: 'notReady', message: err instanceof Error ? err.message : String(err) }, null);
        return;
      }
    }
    session.blockedAt = null;
    if (session.envelope instanceof DebeziumEnvelope) session.last = { bid: msg.bid, records };
    const result = session.run(records, -1, false);
    reply({ ...result, req }, result.data);
  } catch (err) {
    reply({ req, kind: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }, null);
  }
}

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'open':
      try {
        sessions.set(msg.sid, new Session(msg.details as KafkaSourceDetails, msg.secrets, msg.index));
      } catch (err) {
        unusable.set(msg.sid, err instanceof Error ? err.message : String(err));
      }
      return;
    case 'close':
      sessions.delete(msg.sid);
      unusable.delete(msg.sid);
      return;
    default: {
      const session = sessions.get(msg.sid);
      if (session === undefined) {
        reply({ req: msg.req, kind: 'failed', message: unusable.get(msg.sid) ?? `no source session ${msg.sid} in this worker` }, null);
        return;
      }
      // One message at a time per session, in the order sent (prepare may wait for the registry).
      session.queue = session.queue.then(() => handle(session, msg));
    }
  }
});
