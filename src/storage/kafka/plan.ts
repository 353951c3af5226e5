// Planning of Kafka connections and sources: SQL options -> validated specs
// and the source's relation schema (Materialize's column names and types).
import type { CreateConnectionStatement, CreateSourceStatement, ObjectName } from '../../sql/ast.js';
import type { RelationDesc } from '../../repr/types.js';
import { planKafkaConnectionOptions, type AwsConnectionResolver } from './connection-plan.js';
import type { AwsConnectionSpec } from '../aws/connection.js';
import { planKafkaSourceStatement, type SourcePlanContext } from './source-plan.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { fetchClusterMetadata } from './client.js';

export type { KafkaSourceDetails, MetadataColumn, SourcePlanContext } from './source-plan.js';
export { kafkaProgressDesc } from './source-plan.js';

/** A reference to a secret resolved at plan time; its value is read when used (so ALTER SECRET applies). */
export interface SecretRef {
  id: string;
  name: string;
}

/** Resolves `SECRET name` in options to a secret id; throws 42704 if missing. */
export type SecretResolver = (name: ObjectName) => SecretRef;
/** Reads a secret's current value. */
export type SecretReader = (id: string) => string;

/** A validated Kafka connection: JSON-serializable (stored in the catalog). */
export interface KafkaConnectionSpec {
  brokers: string[];
  /** librdkafka settings with plain values (security.protocol, sasl.mechanisms, ...). */
  config: Record<string, string>;
  /** librdkafka settings whose values come from secrets (sasl.password -> secret id, ...). */
  secretConfig: Record<string, SecretRef>;
  /** PROGRESS TOPIC (accepted and recorded; sinks would use it). */
  progressTopic?: string;
  /** AWS CONNECTION (Amazon MSK IAM): OAUTHBEARER tokens signed with the AWS connection's credentials, for `region`. */
  aws?: { connection: { id: string; name: string }; spec: AwsConnectionSpec; region: string };
}

export function planKafkaConnection(stmt: CreateConnectionStatement, resolveSecret: SecretResolver, resolveAws?: AwsConnectionResolver): KafkaConnectionSpec {
  return planKafkaConnectionOptions(stmt, resolveSecret, resolveAws);
}

export interface ValidateKafkaConnectionOptions {
  /** How long to wait for the brokers' metadata (default 10 s). */
  timeoutMs?: number;
}

/** Checks that the brokers answer and metadata is readable; throws SqlError with the broker's error. */
export async function validateKafkaConnection(spec: KafkaConnectionSpec, readSecret: SecretReader, options: ValidateKafkaConnectionOptions = {}): Promise<void> {
  await fetchClusterMetadata(spec, readSecret, options.timeoutMs ?? 10_000);
}

/** A planned Kafka source: JSON-serializable. */
export interface KafkaSourceSpec {
  topic: string;
  /** Output schema of the source relation. */
  desc: RelationDesc;
  /** Schema of the progress subsource: (partition text holding a numrange's text form, "offset" uint8). */
  progressDesc: RelationDesc;
  /** Everything else the runtime needs: a KafkaSourceDetails (formats, envelope, includes, start offsets...). */
  details: Record<string, unknown>;
}

/** Planning without a catalog: any schema registry connection named is an error. */
const NO_CATALOG: SourcePlanContext = {
  csrConnection: (name) => {
    throw new SqlError(SqlState.undefinedObject, `unknown schema registry connection "${name.parts.join('.')}"`);
  },
};

export function planKafkaSource(stmt: CreateSourceStatement, connection: KafkaConnectionSpec, catalog: SourcePlanContext = NO_CATALOG): KafkaSourceSpec {
  void connection;
  const planned = planKafkaSourceStatement(stmt, catalog);
  return { topic: planned.topic, desc: planned.desc, progressDesc: planned.progressDesc, details: { ...planned.details } };
}
