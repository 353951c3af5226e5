// A Kafka test broker: librdkafka's mock cluster, driven through its C API
// (koffi FFI on the librdkafka.so.1 that @confluentinc/kafka-javascript
// built), plus a producer that waits for delivery.
//
// The mock listens on real 127.0.0.1 ports, so the code under test connects
// to it like to any broker. Limits (see KAFKA-ON-THIS-MACHINE.md): no SASL or
// TLS (tls-proxy.ts puts TLS in front of it), no ListOffsets by timestamp,
// ~5 MB retention per partition, and a topic is auto-created when a client
// allows it (Freshet's consumers do not).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import koffi from 'koffi';
import Kafka from '@confluentinc/kafka-javascript';
import type { MessageHeader, Producer } from '@confluentinc/kafka-javascript';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@confluentinc/kafka-javascript/package.json'));
const lib = koffi.load(join(packageDir, 'build', 'deps', 'librdkafka.so.1'));

const RD_KAFKA_PRODUCER = 0;
const rdKafkaConfNew = lib.func('void *rd_kafka_conf_new()');
const rdKafkaConfSet = lib.func('int rd_kafka_conf_set(void *conf, const char *name, const char *value, char *errstr, size_t errstr_size)');
const rdKafkaNew = lib.func('void *rd_kafka_new(int type, void *conf, char *errstr, size_t errstr_size)');
const rdKafkaDestroy = lib.func('void rd_kafka_destroy(void *rk)');
const mockClusterNew = lib.func('void *rd_kafka_mock_cluster_new(void *rk, int broker_cnt)');
const mockClusterDestroy = lib.func('void rd_kafka_mock_cluster_destroy(void *mcluster)');
const mockClusterBootstraps = lib.func('const char *rd_kafka_mock_cluster_bootstraps(void *mcluster)');
const mockTopicCreate = lib.func('int rd_kafka_mock_topic_create(void *mcluster, const char *topic, int partition_cnt, int replication_factor)');
const mockTopicDelete = lib.func('int rd_kafka_mock_topic_delete(void *mcluster, const char *topic)');
const mockBrokerSetDown = lib.func('int rd_kafka_mock_broker_set_down(void *mcluster, int32_t broker_id)');
const mockBrokerSetUp = lib.func('int rd_kafka_mock_broker_set_up(void *mcluster, int32_t broker_id)');
const mockBrokerSetHostPort = lib.func('void rd_kafka_mock_broker_set_host_port(void *mcluster, int32_t broker_id, const char *host, int port)');
const mockPartitionSetLeader = lib.func('int rd_kafka_mock_partition_set_leader(void *mcluster, const char *topic, int32_t partition, int32_t broker_id)');

export interface MockCluster {
  /** bootstrap.servers of the cluster ("127.0.0.1:p1,127.0.0.1:p2,..."). */
  readonly bootstrap: string;
  readonly brokerCount: number;
  createTopic(topic: string, partitions: number): void;
  /** Deletes a topic and its partitions (the mock has no CreatePartitions: delete and re-create to add partitions). */
  deleteTopic(topic: string): void;
  /** Takes broker `id` (1-based) down: its connections close, partitions it leads block. */
  brokerDown(id: number): void;
  brokerUp(id: number): void;
  allBrokersDown(): void;
  allBrokersUp(): void;
  setLeader(topic: string, partition: number, brokerId: number): void;
  /**
   * Changes the address broker `id` advertises in metadata, not the one it
   * listens on: clients are sent to, say, a TLS proxy in front of it.
   */
  advertise(id: number, host: string, port: number): void;
  /** The port broker `id` (1-based) listens on. */
  listenPort(id: number): number;
  destroy(): void;
}

export function startMockCluster(brokerCount = 1): MockCluster {
  const errstr = Buffer.alloc(512);
  const conf: unknown = rdKafkaConfNew();
  // A client handle is needed to own the cluster; it never connects anywhere.
  for (const [name, value] of [['client.id', 'freshet-mock-owner'], ['log_level', '0']] as const) {
    if (rdKafkaConfSet(conf, name, value, errstr, errstr.length) !== 0) throw new Error(errstr.toString('latin1'));
  }
  const rk: unknown = rdKafkaNew(RD_KAFKA_PRODUCER, conf, errstr, errstr.length);
  if (!rk) throw new Error(`rd_kafka_new failed: ${errstr.toString('latin1').replace(/\0.*$/s, '')}`);
  const cluster: unknown = mockClusterNew(rk, brokerCount);
  if (!cluster) {
    rdKafkaDestroy(rk);
    throw new Error('rd_kafka_mock_cluster_new failed');
  }
  const bootstrap = mockClusterBootstraps(cluster) as string;
  let destroyed = false;
  const check = (what: string, code: number): void => {
    if (code !== 0) throw new Error(`${what} failed with librdkafka error ${code}`);
  };
  return {
    bootstrap,
    brokerCount,
    createTopic(topic, partitions) {
      check(`creating topic ${topic}`, mockTopicCreate(cluster, topic, partitions, 1) as number);
    },
    deleteTopic(topic) {
      check(`deleting topic ${topic}`, mockTopicDelete(cluster, topic) as number);
    },
    brokerDown(id) {
      check('broker down', mockBrokerSetDown(cluster, id) as number);
    },
    brokerUp(id) {
      check('broker up', mockBrokerSetUp(cluster, id) as number);
    },
    allBrokersDown() {
      for (let id = 1; id <= brokerCount; id++) this.brokerDown(id);
    },
    allBrokersUp() {
      for (let id = 1; id <= brokerCount; id++) this.brokerUp(id);
    },
    setLeader(topic, partition, brokerId) {
      check('set leader', mockPartitionSetLeader(cluster, topic, partition, brokerId) as number);
    },
    advertise(id, host, port) {
      mockBrokerSetHostPort(cluster, id, host, port);
    },
    listenPort(id) {
      // The bootstrap list names the brokers in id order, with their listening ports.
      const address = bootstrap.split(',')[id - 1];
      if (address === undefined) throw new Error(`no broker ${id}`);
      return Number(address.slice(address.lastIndexOf(':') + 1));
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      mockClusterDestroy(cluster);
      rdKafkaDestroy(rk);
    },
  };
}

export interface TestMessage {
  topic: string;
  partition: number;
  value: Buffer | string | null;
  key?: Buffer | string | null;
  /** Milliseconds since the epoch (the mock keeps what the producer sets). */
  timestamp?: number;
  headers?: MessageHeader[];
}

export interface TestProducer {
  /** Produces messages in order and resolves when all are delivered. */
  send(messages: TestMessage[]): Promise<void>;
  close(): Promise<void>;
}

const toBuffer = (v: Buffer | string | null | undefined): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

export async function connectProducer(bootstrap: string): Promise<TestProducer> {
  const producer: Producer = new Kafka.Producer({
    'bootstrap.servers': bootstrap,
    dr_cb: true,
    'linger.ms': 5,
    'queue.buffering.max.messages': 1_000_000,
    'batch.num.messages': 10_000,
  });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  producer.setPollInterval(10);
  let pending = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  producer.on('delivery-report', (err) => {
    if (err) failure = new Error(`delivery failed: ${err.message}`);
    pending--;
    if (pending === 0 && wake) wake();
  });
  return {
    async send(messages) {
      for (const m of messages) {
        for (;;) {
          try {
            producer.produce(m.topic, m.partition, toBuffer(m.value), toBuffer(m.key), m.timestamp ?? Date.now(), undefined, m.headers);
            pending++;
            break;
          } catch (err) {
            // Local queue full: let deliveries drain, then retry.
            if ((err as { code?: number }).code !== Kafka.CODES.ERRORS.ERR__QUEUE_FULL) throw err;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      }
      if (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      if (failure) throw failure;
    },
    close() {
      return new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    },
  };
}
