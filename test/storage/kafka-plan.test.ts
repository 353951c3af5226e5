import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planKafkaConnection, planKafkaSource, validateKafkaConnection, type KafkaConnectionSpec, type KafkaSourceDetails } from '../../src/storage/kafka/plan.js';
import { SqlError } from '../../src/repr/errors.js';
import type { ObjectName } from '../../src/sql/ast.js';
import { csv, ident, include, kafkaConnection, kafkaSource, list, num, opt, secret, str } from '../helpers/kafka-ast.js';

const resolve = (name: ObjectName) => ({ id: `id-${name.parts.join('.')}`, name: name.parts.join('.') });
const plainConnection: KafkaConnectionSpec = { brokers: ['localhost:9092'], config: { 'bootstrap.servers': 'localhost:9092' }, secretConfig: {} };

function sqlError(code: string, pattern: RegExp) {
  return (err: unknown) => err instanceof SqlError && err.code === code && pattern.test(err.message);
}

test('connection: plaintext broker', () => {
  const spec = planKafkaConnection(kafkaConnection(opt('BROKER', str('localhost:9092'))), resolve);
  assert.deepEqual(spec, { brokers: ['localhost:9092'], config: { 'bootstrap.servers': 'localhost:9092', 'security.protocol': 'plaintext' }, secretConfig: {} });
});

test('connection: BROKERS list, SASL_SSL inferred from SASL options, secrets stay references', () => {
  const spec = planKafkaConnection(
    kafkaConnection(
      opt('BROKERS', list(str('a:9092'), str('b:9092'))),
      opt('SASL MECHANISMS', str('scram-sha-512')),
      opt('SASL USERNAME', str('alice')),
      opt('SASL PASSWORD', secret('pw')),
      opt('SSL CERTIFICATE AUTHORITY', secret('ca')),
      opt('PROGRESS TOPIC', str('_progress')),
    ),
    resolve,
  );
  assert.deepEqual(spec.brokers, ['a:9092', 'b:9092']);
  assert.deepEqual(spec.config, {
    'bootstrap.servers': 'a:9092,b:9092',
    'security.protocol': 'sasl_ssl',
    'sasl.mechanisms': 'SCRAM-SHA-512',
    'sasl.username': 'alice',
  });
  assert.deepEqual(spec.secretConfig, { 'sasl.password': { id: 'id-pw', name: 'pw' }, 'ssl.ca.pem': { id: 'id-ca', name: 'ca' } });
  assert.equal(spec.progressTopic, '_progress');
});

test('connection: explicit SASL_PLAINTEXT with a secret username', () => {
  const spec = planKafkaConnection(
    kafkaConnection(opt('BROKER', str('k:9092')), opt('SECURITY PROTOCOL', ident('SASL_PLAINTEXT')), opt('SASL MECHANISMS', str('PLAIN')), opt('SASL USERNAME', secret('u')), opt('SASL PASSWORD', secret('p'))),
    resolve,
  );
  assert.equal(spec.config['security.protocol'], 'sasl_plaintext');
  assert.deepEqual(Object.keys(spec.secretConfig).sort(), ['sasl.password', 'sasl.username']);
});

test('connection: mTLS infers SSL and maps certificate and key', () => {
  const spec = planKafkaConnection(kafkaConnection(opt('BROKER', str('k:9093')), opt('SSL CERTIFICATE', str('-----BEGIN CERTIFICATE-----')), opt('SSL KEY', secret('key'))), resolve);
  assert.equal(spec.config['security.protocol'], 'ssl');
  assert.equal(spec.config['ssl.certificate.pem'], '-----BEGIN CERTIFICATE-----');
  assert.deepEqual(spec.secretConfig['ssl.key.pem'], { id: 'id-key', name: 'key' });
});

test('connection: errors', () => {
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('FROBNICATE', str('x'))), resolve), sqlError('42601', /FROBNICATE/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('SECURITY PROTOCOL', ident('PLAINTEXT'))), resolve), sqlError('42601', /must set one of BROKER, BROKERS/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('BROKER', str('k:2'))), resolve), sqlError('42601', /BROKER specified more than once/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('AWS CONNECTION', ident('aws'))), resolve), sqlError('0A000', /AWS CONNECTION/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SECURITY PROTOCOL', ident('TLS'))), resolve), sqlError('22023', /unknown security protocol: TLS/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SASL MECHANISMS', str('GSSAPI')), opt('SASL USERNAME', str('u')), opt('SASL PASSWORD', secret('p'))), resolve), sqlError('22023', /GSSAPI/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SASL MECHANISMS', str('PLAIN')), opt('SASL USERNAME', str('u')), opt('SASL PASSWORD', str('plain'))), resolve), sqlError('22023', /SASL PASSWORD: expected a SECRET/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SASL MECHANISMS', str('PLAIN'))), resolve), sqlError('22023', /SASL USERNAME must be specified/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SECURITY PROTOCOL', ident('PLAINTEXT')), opt('SASL USERNAME', str('u'))), resolve), sqlError('22023', /SASL USERNAME not supported/));
  assert.throws(() => planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('SSL KEY', secret('k'))), resolve), sqlError('22023', /SSL CERTIFICATE and SSL KEY must be specified together/));
  const unknown = (() => {
    try {
      planKafkaConnection(kafkaConnection(opt('BROKER', str('k:1')), opt('NOPE', str('x'))), resolve);
    } catch (err) {
      return err as SqlError;
    }
    return undefined;
  })();
  assert.equal(unknown?.position, 11, 'errors point at the option');
});

test('connection validation: unreachable broker is a clear 08006 error', async () => {
  const spec = planKafkaConnection(kafkaConnection(opt('BROKER', str('127.0.0.1:1'))), resolve);
  await assert.rejects(validateKafkaConnection(spec, () => '', { timeoutMs: 1500 }), sqlError('08006', /^Meta data fetch error: BrokerTransportFailure \(Local: Broker transport failure\)$/));
});

const details = (d: Record<string, unknown>) => d as unknown as KafkaSourceDetails;
const names = (stmtParts: Parameters<typeof kafkaSource>[0]) => planKafkaSource(kafkaSource(stmtParts), plainConnection).desc.columns.map((c) => `${c.name} ${c.type.kind}${c.nullable ? '?' : ''}`);

test('source: formats give Materialize column names and types', () => {
  assert.deepEqual(names({ topic: 't', format: { kind: 'text' } }), ['text text']);
  assert.deepEqual(names({ topic: 't', format: { kind: 'bytes' } }), ['data bytea']);
  assert.deepEqual(names({ topic: 't' }), ['data bytea']);
  assert.deepEqual(names({ topic: 't', format: { kind: 'json' } }), ['data jsonb']);
  assert.deepEqual(names({ topic: 't', format: csv(3) }), ['column1 text', 'column2 text', 'column3 text']);
  assert.deepEqual(names({ topic: 't', columnNames: ['a', 'b'], format: csv(3) }), ['a text', 'b text', 'column3 text']);
  assert.deepEqual(names({ topic: 't', format: csv(2, ['x', 'y']) }), ['x text', 'y text']);
  const spec = planKafkaSource(kafkaSource({ topic: 't', format: csv(2, ['x', 'y'], ';') }), plainConnection);
  assert.deepEqual(details(spec.details).valueFormat, { kind: 'csv', columns: 2, header: ['x', 'y'], delimiter: ';' });
  assert.deepEqual(spec.progressDesc.columns.map((c) => [c.name, c.type.kind]), [['partition', 'text'], ['offset', 'uint8']]);
});

test('source: INCLUDE metadata columns follow the value, in the order written', () => {
  const spec = planKafkaSource(
    kafkaSource({
      topic: 't',
      keyFormat: { kind: 'text' },
      valueFormat: { kind: 'json' },
      include: [include.offset('o'), include.key(), include.partition(), include.timestamp(), include.headers(), include.header('trace', 'tr'), include.header('raw', 'rb', true)],
    }),
    plainConnection,
  );
  assert.deepEqual(
    spec.desc.columns.map((c) => `${c.name} ${c.type.kind}${c.nullable ? '?' : ''}`),
    ['key text?', 'data jsonb', 'o uint8', 'partition int4', 'timestamp timestamp?', 'headers list', 'tr text?', 'rb bytea?'],
  );
  assert.deepEqual(spec.desc.columns[5]!.type, { kind: 'list', element: { kind: 'record', fields: [{ name: 'key', type: { kind: 'text' } }, { name: 'value', type: { kind: 'bytea' } }] } });
  const d = details(spec.details);
  assert.deepEqual(d.metadata, [{ kind: 'offset' }, { kind: 'partition' }, { kind: 'timestamp' }, { kind: 'headers' }, { kind: 'header', key: 'trace', bytes: false }, { kind: 'header', key: 'raw', bytes: true }]);
  assert.deepEqual(d.keyFormat, { kind: 'text' });
  assert.equal(d.envelope, 'none');
});

test('source: ENVELOPE UPSERT puts the key first (even without INCLUDE KEY) and declares it unique', () => {
  const spec = planKafkaSource(kafkaSource({ topic: 't', keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, envelope: { kind: 'upsert' } }), plainConnection);
  assert.deepEqual(spec.desc.columns.map((c) => `${c.name} ${c.type.kind}${c.nullable ? '?' : ''}`), ['key text', 'data jsonb']);
  assert.deepEqual(spec.desc.keys, [[0]]);
  const renamed = names({ topic: 't', keyFormat: { kind: 'bytes' }, valueFormat: { kind: 'text' }, include: [include.key('id')], envelope: { kind: 'upsert' } });
  assert.deepEqual(renamed, ['id bytea', 'text text']);
});

test('source: UPSERT VALUE DECODING ERRORS = INLINE adds a nullable error record and makes values nullable', () => {
  const spec = planKafkaSource(
    kafkaSource({ topic: 't', keyFormat: { kind: 'text' }, valueFormat: { kind: 'json' }, include: [include.partition()], envelope: { kind: 'upsert', valueDecodingErrors: { inline: true } } }),
    plainConnection,
  );
  assert.deepEqual(spec.desc.columns.map((c) => `${c.name} ${c.type.kind}${c.nullable ? '?' : ''}`), ['key text', 'data jsonb?', 'error record?', 'partition int4']);
  assert.deepEqual(spec.desc.columns[2]!.type, { kind: 'record', fields: [{ name: 'description', type: { kind: 'text' } }] });
  assert.equal(details(spec.details).inlineErrors, true);
  const aliased = names({ topic: 't', keyFormat: { kind: 'text' }, valueFormat: { kind: 'text' }, envelope: { kind: 'upsert', valueDecodingErrors: { inline: true, alias: 'decode_err' } } });
  assert.deepEqual(aliased, ['key text', 'text text?', 'decode_err record?']);
});

test('source: multi-column CSV key: flattened, or one record with INCLUDE KEY AS', () => {
  assert.deepEqual(names({ topic: 't', keyFormat: csv(2), valueFormat: { kind: 'text' }, include: [include.key()] }), ['column1 text?', 'column2 text?', 'text text']);
  const spec = planKafkaSource(kafkaSource({ topic: 't', keyFormat: csv(2), valueFormat: { kind: 'text' }, include: [include.key('k')] }), plainConnection);
  assert.equal(spec.desc.columns[0]!.type.kind, 'record');
  assert.equal(details(spec.details).keyAsRecord, true);
});

test('source: a record-shaped key (Avro record) keeps its field names, even with one field; a non-record key is `key`', () => {
  const avro = (schema: unknown): { kind: 'avro'; options: []; schema: string } => ({ kind: 'avro', options: [], schema: JSON.stringify(schema) });
  const oneField = avro({ type: 'record', name: 'K', fields: [{ name: 'id', type: 'long' }] });
  assert.deepEqual(names({ topic: 't', keyFormat: oneField, valueFormat: { kind: 'text' }, envelope: { kind: 'upsert' } }), ['id int8', 'text text']);
  assert.deepEqual(names({ topic: 't', keyFormat: oneField, valueFormat: { kind: 'text' }, include: [include.key('k')] }), ['k record?', 'text text']);
  assert.deepEqual(names({ topic: 't', keyFormat: avro('string'), valueFormat: { kind: 'text' }, envelope: { kind: 'upsert' } }), ['key text', 'text text']);
});

test('source: options', () => {
  const spec = planKafkaSource(
    kafkaSource({ topic: 'events', options: [opt('START OFFSET', list(num(0), num(10))), opt('GROUP ID PREFIX', str('grp-')), opt('TOPIC METADATA REFRESH INTERVAL', str('5s'))], format: { kind: 'text' } }),
    plainConnection,
  );
  assert.equal(spec.topic, 'events');
  const d = details(spec.details);
  assert.deepEqual(d.startOffsets, ['0', '10']);
  assert.equal(d.groupIdPrefix, 'grp-');
  assert.equal(d.metadataRefreshMs, 5000);
  const relative = planKafkaSource(kafkaSource({ topic: 't', options: [opt('START TIMESTAMP', num(-60000))] }), plainConnection);
  assert.equal(details(relative.details).startTimestampMs, -60000);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec, 'the spec is JSON-serializable');
});

test('source: errors', () => {
  const plan = (parts: Parameters<typeof kafkaSource>[0]) => () => planKafkaSource(kafkaSource(parts), plainConnection);
  assert.throws(plan({ format: { kind: 'text' } }), sqlError('42601', /TOPIC is required/));
  assert.throws(plan({ topic: 't', options: [opt('PARTITIONS', num(3))] }), sqlError('42601', /PARTITIONS/));
  assert.throws(plan({ topic: 't', options: [opt('START OFFSET', list(num(1))), opt('START TIMESTAMP', num(5))] }), sqlError('22023', /cannot specify START TIMESTAMP and START OFFSET/));
  assert.throws(plan({ topic: 't', options: [opt('START OFFSET', list(num(-1)))] }), sqlError('22023', /nonnegative/));
  assert.throws(plan({ topic: 't', format: { kind: 'avro', options: [] } }), sqlError('42601', /FORMAT AVRO requires USING CONFLUENT SCHEMA REGISTRY CONNECTION or USING SCHEMA/));
  assert.throws(plan({ topic: 't', format: { kind: 'protobuf', options: [] } }), sqlError('0A000', /PROTOBUF/));
  assert.throws(plan({ topic: 't', format: { kind: 'text' }, envelope: { kind: 'debezium' } }), sqlError('42P17', /ENVELOPE DEBEZIUM requires a value with before, after and op/));
  assert.throws(plan({ topic: 't', format: { kind: 'text' }, envelope: { kind: 'upsert' } }), sqlError('42P17', /UPSERT requires that KEY FORMAT be specified/));
  assert.throws(plan({ topic: 't', format: { kind: 'text' }, include: [include.key()] }), sqlError('42P17', /INCLUDE KEY requires specifying KEY FORMAT/));
  assert.throws(plan({ topic: 't', format: { kind: 'text' }, include: [include.partition('text')] }), sqlError('42701', /column "text" specified more than once/));
  assert.throws(plan({ topic: 't', columnNames: ['a', 'b'], format: { kind: 'text' } }), sqlError('42601', /column names/));
  assert.throws(plan({ topic: 't', format: { kind: 'csv', delimiter: ',' } }), sqlError('42P17', /WITH n COLUMNS/));
  assert.throws(plan({ topic: 't', format: csv(3, ['a', 'b']) }), sqlError('42P17', /does not match/));
});
