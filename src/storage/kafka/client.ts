// The Kafka client (@confluentinc/kafka-javascript, librdkafka inside):
// configuration from a connection spec, consumer creation, and errors
// worded like Materialize's (which also uses librdkafka).
import type { EventEmitter } from 'node:events';
import Kafka from '@confluentinc/kafka-javascript';
import type { ConsumerGlobalConfig, KafkaConsumer, LibrdKafkaError, Metadata } from '@confluentinc/kafka-javascript';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { KafkaConnectionSpec, SecretReader } from './plan.js';
import { awsCredentials } from '../aws/connection.js';
import { mskIamToken } from './msk-iam.js';

/** librdkafka error codes as rust-rdkafka names them, with librdkafka's own text (what Materialize prints). */
const KNOWN_ERRORS: Record<number, [name: string, text: string]> = {
  [-195]: ['BrokerTransportFailure', 'Local: Broker transport failure'],
  [-193]: ['Resolve', 'Local: Host resolution failure'],
  [-190]: ['UnknownPartition', 'Local: Unknown partition'],
  [-188]: ['UnknownTopic', 'Local: Unknown topic'],
  [-187]: ['AllBrokersDown', 'Local: All broker connections are down'],
  [-185]: ['OperationTimedOut', 'Local: Timed out'],
  [-181]: ['Ssl', 'Local: SSL error'],
  [-169]: ['Authentication', 'Local: Authentication failure'],
  3: ['UnknownTopicOrPartition', 'Broker: Unknown topic or partition'],
  29: ['TopicAuthorizationFailed', 'Broker: Topic authorization failed'],
  58: ['SaslAuthenticationFailed', 'Broker: SASL authentication error'],
};

export function isLibrdKafkaError(err: unknown): err is LibrdKafkaError {
  return typeof err === 'object' && err !== null && typeof (err as LibrdKafkaError).code === 'number' && typeof (err as LibrdKafkaError).message === 'string';
}

/** "BrokerTransportFailure (Local: Broker transport failure)" */
export function describeKafkaError(err: unknown): string {
  if (!isLibrdKafkaError(err)) return err instanceof Error ? err.message : String(err);
  const known = KNOWN_ERRORS[err.code];
  return known ? `${known[0]} (${known[1]})` : `${err.message} (code ${err.code})`;
}

/** The librdkafka configuration of a connection, secrets read now. */
export function clientConfig(spec: KafkaConnectionSpec, readSecret: SecretReader): Record<string, string> {
  const config: Record<string, string> = { ...spec.config };
  for (const [key, ref] of Object.entries(spec.secretConfig)) config[key] = readSecret(ref.id);
  return config;
}

/** Consumer settings measured to matter for throughput (see the Kafka note). */
export const CONSUMER_TUNING: Record<string, string | number | boolean> = {
  'fetch.max.bytes': 52_428_800,
  'queued.min.messages': 1_000_000,
  'enable.auto.commit': false,
  'enable.auto.offset.store': false,
  'allow.auto.create.topics': false,
  'enable.partition.eof': false,
};

/**
 * Messages per consume call. Measured (bench/ingest.ts): a batch's message
 * objects stay alive until it has been processed, so with 10 000 per call
 * every scavenge during processing copied thousands of them and promoted
 * many: JSON upsert spent 1.0 µs/msg in GC pauses at 10 000 and 0.3 at
 * 1 000, and the raw client itself reads about 10% faster at 1 000-2 000.
 * Below a few hundred the per-call cost starts to show.
 */
export const CONSUME_BATCH_SIZE = 1_000;

/** The failures of a client's OAUTHBEARER token supply (MSK IAM), latest last. */
const tokenFailures = new WeakMap<KafkaConsumer, string>();

/**
 * With AWS CONNECTION (Amazon MSK IAM): librdkafka asks for a token when the
 * client starts and again at 80% of the last token's lifetime; each is signed
 * anew with the AWS connection's current credentials (static keys read from
 * their secrets now, or keys for its role from STS).
 */
function mskIamTokenCallback(spec: KafkaConnectionSpec, readSecret: SecretReader, failed: (message: string) => void) {
  const aws = spec.aws!;
  return async (): Promise<{ tokenValue: string; lifetime: number; principal: string }> => {
    try {
      const credentials = await awsCredentials(aws.spec, readSecret);
      const token = await mskIamToken(aws.region, credentials);
      return { tokenValue: token.token, lifetime: token.lifetimeMs, principal: token.principal };
    } catch (err) {
      const message = `MSK IAM token for AWS connection "${aws.connection.name}": ${err instanceof Error ? err.message : String(err)}`;
      failed(message);
      throw new Error(message);
    }
  };
}

export function createConsumer(
  spec: KafkaConnectionSpec,
  readSecret: SecretReader,
  groupId: string,
  extra: Record<string, string | number | boolean> = {},
): KafkaConsumer {
  const config = { ...clientConfig(spec, readSecret), ...CONSUMER_TUNING, 'group.id': groupId, ...extra } as ConsumerGlobalConfig;
  const holder: { consumer?: KafkaConsumer } = {};
  if (spec.aws) {
    config.oauthbearer_token_refresh_cb = mskIamTokenCallback(spec, readSecret, (message) => {
      if (holder.consumer) tokenFailures.set(holder.consumer, message);
    });
  }
  const consumer = new Kafka.KafkaConsumer(config, { 'auto.offset.reset': 'earliest' });
  holder.consumer = consumer;
  // The client emits 'error' when a token could not be had; unheard, that would end the process.
  if (spec.aws) (consumer as unknown as EventEmitter).on('error', () => undefined);
  return consumer;
}

/**
 * The cause of an authentication or TLS failure in one of librdkafka's FAIL
 * lines, without the changing "(after N ms in state ...)" tail; undefined
 * for other failures (refused connections, timeouts), whose status stays
 * the bare client error.
 */
export function authenticationCause(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  if (!/SASL|SSL|authenticat|OAUTHBEARER|token|certificate/i.test(line)) return undefined;
  return line.replace(/ \(after \d+ms in state [A-Z_]+(?:, \d+ identical error\(s\) suppressed)?\)$/, '');
}

export function connectConsumer(consumer: KafkaConsumer, timeoutMs: number): Promise<Metadata> {
  return new Promise((resolve, reject) => {
    consumer.connect({ timeout: timeoutMs }, (err, metadata) => (err ? reject(err) : resolve(metadata)));
  });
}

export function disconnectConsumer(consumer: KafkaConsumer): Promise<void> {
  return new Promise((resolve) => {
    if (!consumer.isConnected()) {
      resolve();
      return;
    }
    consumer.disconnect(() => resolve());
  });
}

export function getMetadata(consumer: KafkaConsumer, topic: string | undefined, timeoutMs: number): Promise<Metadata> {
  return new Promise((resolve, reject) => {
    const options = topic === undefined ? { allTopics: true, timeout: timeoutMs } : { topic, allTopics: false, timeout: timeoutMs };
    consumer.getMetadata(options, (err, metadata) => (err ? reject(err) : resolve(metadata)));
  });
}

/**
 * Why connecting to the brokers fails, as librdkafka tells it: its FAIL log
 * lines name the cause ("SSL handshake failed: ... certificate verify
 * failed", "SASL authentication error: ..."), where the error returned to the
 * caller only says that the transport failed. The consumer needs
 * `event_cb: true`. (The client delivers these events only once its connect
 * call has returned, so they explain a failure; they cannot cut it short.)
 * Returns a reader of the most telling line seen so far: a failure to get an
 * OAUTHBEARER token (MSK IAM signing, the OIDC token endpoint's answer), else
 * the latest error-level FAIL line, else the latest of any level, else the
 * latest error event.
 */
export function watchConnectFailures(consumer: KafkaConsumer): () => string | undefined {
  let error: string | undefined;
  let other: string | undefined;
  let event: string | undefined;
  let token: string | undefined;
  consumer.on('event.log', (log: { severity: number; fac: string; message: string }) => {
    // OIDC: "Failed to retrieve OIDC token from "<url>": <the endpoint's answer> (401)".
    if (log.fac === 'OIDC' && log.severity <= 3) token = log.message.replace(/^\[thrd:[^\]]*\]: /, '');
    if (log.fac !== 'FAIL') return;
    // "[thrd:ssl://h:p/bootstrap]: ssl://h:p/bootstrap: SSL handshake failed: ..." without the thread name.
    const line = log.message.replace(/^\[thrd:[^\]]*\]: /, '');
    if (log.severity <= 3) error = line;
    else other = line;
  });
  consumer.on('event.error', (err) => {
    event = err.message;
  });
  return () => tokenFailures.get(consumer) ?? token ?? error ?? other ?? event;
}

/**
 * Connects and reads the cluster's metadata (CREATE CONNECTION validation);
 * throws SqlError 08006 "Meta data fetch error: ..." when that fails.
 */
export async function fetchClusterMetadata(spec: KafkaConnectionSpec, readSecret: SecretReader, timeoutMs: number): Promise<Metadata> {
  let consumer: KafkaConsumer;
  try {
    consumer = createConsumer(spec, readSecret, 'materialize-validate', { 'socket.connection.setup.timeout.ms': Math.max(1000, timeoutMs), event_cb: true });
  } catch (err) {
    throw new SqlError(SqlState.invalidParameterValue, `invalid Kafka connection: ${describeKafkaError(err)}`);
  }
  const failure = watchConnectFailures(consumer);
  try {
    await connectConsumer(consumer, timeoutMs);
    return await getMetadata(consumer, undefined, timeoutMs);
  } catch (err) {
    // The client's events may trail its callback: give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const detail = failure();
    throw new SqlError(SqlState.connectionFailure, `Meta data fetch error: ${describeKafkaError(err)}`, detail ? { detail } : {});
  } finally {
    await disconnectConsumer(consumer);
  }
}
