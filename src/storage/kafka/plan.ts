// Planning of Kafka connections and sources: SQL options -> validated specs
// and the source's relation schema (Materialize's column names and types).
import type { CreateConnectionStatement, CreateSourceStatement, ObjectName } from '../../sql/ast.js';
import type { RelationDesc } from '../../repr/types.js';
import { SqlError, SqlState } from '../../repr/errors.js';

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
}

export function planKafkaConnection(stmt: CreateConnectionStatement, resolveSecret: SecretResolver): KafkaConnectionSpec {
  void resolveSecret;
  throw new SqlError(SqlState.featureNotSupported, `kafka connections not implemented (${stmt.connectionType})`);
}

/** Checks that the brokers answer and metadata is readable; throws SqlError with the broker's error. */
export async function validateKafkaConnection(spec: KafkaConnectionSpec, readSecret: SecretReader): Promise<void> {
  void readSecret;
  throw new SqlError(SqlState.featureNotSupported, `kafka connections not implemented (${spec.brokers.join(',')})`);
}

/** A planned Kafka source: JSON-serializable. */
export interface KafkaSourceSpec {
  topic: string;
  /** Output schema of the source relation. */
  desc: RelationDesc;
  /** Schema of the progress subsource: (partition numrange, "offset" uint8). */
  progressDesc: RelationDesc;
  /** Everything else the runtime needs (formats, envelope, includes, start offsets...). */
  details: Record<string, unknown>;
}

export function planKafkaSource(stmt: CreateSourceStatement, connection: KafkaConnectionSpec): KafkaSourceSpec {
  void connection;
  throw new SqlError(SqlState.featureNotSupported, `kafka sources not implemented (${stmt.name.parts.join('.')})`);
}
