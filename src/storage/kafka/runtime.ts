// Running Kafka sources: consumer loop, decoding, envelopes, progress, status.
import type { Logger } from 'pino';
import type { PartitionOffsets, RunningSource, SourceSink } from '../api.js';
import type { KafkaConnectionSpec, KafkaSourceSpec, SecretReader } from './plan.js';

export interface StartKafkaSourceOptions {
  sourceId: string;
  spec: KafkaSourceSpec;
  connection: KafkaConnectionSpec;
  readSecret: SecretReader;
  /** Offsets stored with the source's data; null on first start (use START OFFSET / TIMESTAMP / earliest). */
  resumeOffsets: PartitionOffsets | null;
  sink: SourceSink;
  logger: Logger;
}

export function startKafkaSource(options: StartKafkaSourceOptions): RunningSource {
  throw new Error(`kafka sources not implemented (${options.sourceId})`);
}
