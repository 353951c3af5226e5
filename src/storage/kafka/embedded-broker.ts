// An embedded Kafka broker for `freshet demo`: librdkafka's mock cluster,
// started through the Kafka client library itself. Any librdkafka client
// created with `test.mock.num.brokers` hosts a mock cluster that listens on
// real 127.0.0.1 ports, so Freshet's sources (and kcat, or any other client)
// reach it like a real broker. The cluster lives inside that host client:
// keep the broker object alive for as long as the cluster is needed.
//
// What the mock does not do: no TLS/SASL, no CreateTopics admin API (topics
// are auto-created with 4 partitions on a metadata request that allows it),
// no ListOffsets by timestamp. Good enough for a demo; never for production data.
import Kafka from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError, Metadata, Producer, ProducerGlobalConfig } from '@confluentinc/kafka-javascript';

export interface EmbeddedBrokerOptions {
  /** Brokers in the mock cluster; default 1. */
  brokers?: number;
  /** How long to wait for the cluster to come up; default 10 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedBroker {
  /** `127.0.0.1:PORT[,...]`: the value for a Kafka connection's BROKER / bootstrap.servers. */
  readonly bootstrapServers: string;
  /** Creates `topic` (4 partitions) unless it exists; resolves with its partition count. */
  ensureTopic(topic: string, timeoutMs?: number): Promise<number>;
  /** Stops the cluster (disconnects its host client). */
  stop(): Promise<void>;
}

/** The log line librdkafka writes when a mock cluster starts (with `debug: 'mock'`). */
const BOOTSTRAP_LOG = /bootstrap\.servers=(\S+)/;

interface LogEvent {
  message?: unknown;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  // A producer is the lightest client that can host the cluster; its metadata
  // requests may auto-create topics, which is how ensureTopic creates them.
  const config = {
    'test.mock.num.brokers': options.brokers ?? 1,
    debug: 'mock',
    'bootstrap.servers': '',
    'allow.auto.create.topics': true,
    'client.id': 'freshet-embedded-broker',
  } as ProducerGlobalConfig;
  const host = new Kafka.Producer(config);
  let bootstrapFromLog: string | undefined;
  host.on('event.log', (event: LogEvent) => {
    const match = typeof event.message === 'string' ? BOOTSTRAP_LOG.exec(event.message) : null;
    if (match && bootstrapFromLog === undefined) bootstrapFromLog = match[1];
  });
  let metadata: Metadata;
  try {
    metadata = await new Promise<Metadata>((resolve, reject) => {
      host.connect({ timeout: timeoutMs }, (err, md) => (err ? reject(err) : resolve(md)));
    });
  } catch (err) {
    throw new Error(`could not start the embedded Kafka broker: ${(err as Error).message}`);
  }
  // The log line usually arrives before the connect callback; the brokers in the
  // first metadata are the same addresses, so they stand in when it has not.
  const bootstrapServers = bootstrapFromLog ?? metadata.brokers.map((b) => `${b.host}:${b.port}`).join(',');
  if (bootstrapServers === '') {
    await disconnect(host);
    throw new Error('could not start the embedded Kafka broker: it reported no address');
  }
  host.removeAllListeners('event.log');

  return {
    bootstrapServers,
    ensureTopic: (topic, ensureTimeoutMs = timeoutMs) => ensureTopic(host, topic, ensureTimeoutMs),
    stop: () => disconnect(host),
  };
}

async function ensureTopic(host: Producer, topic: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  // The first metadata request creates the topic; its partitions can take a
  // moment to show leaders, so ask until they do.
  for (;;) {
    const metadata = await new Promise<Metadata>((resolve, reject) => {
      host.getMetadata({ topic, timeout: timeoutMs }, (err: LibrdKafkaError, md: Metadata) => (err ? reject(err) : resolve(md)));
    });
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
    if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return partitions.length;
    if (Date.now() >= deadline) throw new Error(`the embedded Kafka broker did not create topic ${topic}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function disconnect(client: Producer): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isConnected()) {
      resolve();
      return;
    }
    client.disconnect(() => resolve());
  });
}
