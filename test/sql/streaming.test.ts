// Parser: Materialize's streaming DDL — secrets, connections, Kafka sources,
// indexes, SUBSCRIBE — with asserted AST shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  AlterConnectionStatement,
  CreateConnectionStatement,
  CreateIndexStatement,
  CreateSourceStatement,
  Expr,
  SqlOption,
  SubscribeStatement,
} from '../../src/sql/ast.js';
import { noPos, one } from './helpers.js';

const str = (value: string) => ({ kind: 'value', expr: { kind: 'literal', value: { type: 'string', value } } });
const num = (text: string) => ({ kind: 'value', expr: { kind: 'literal', value: { type: 'number', text } } });
const bool = (value: boolean) => ({ kind: 'value', expr: { kind: 'literal', value: { type: 'boolean', value } } });
const secret = (name: string) => ({ kind: 'secret', name: { parts: [name] } });

test('CREATE SECRET and ALTER SECRET', () => {
  assert.deepEqual(noPos(one("CREATE SECRET IF NOT EXISTS s AS 'value'")), {
    kind: 'createSecret',
    name: { parts: ['s'] },
    ifNotExists: true,
    value: { kind: 'literal', value: { type: 'string', value: 'value' } },
  });
  assert.deepEqual(noPos(one("ALTER SECRET IF EXISTS x.s AS decode('aGk=', 'base64')")), {
    kind: 'alterSecret',
    name: { parts: ['x', 's'] },
    ifExists: true,
    value: {
      kind: 'function',
      name: { parts: ['decode'] },
      args: [
        { kind: 'literal', value: { type: 'string', value: 'aGk=' } },
        { kind: 'literal', value: { type: 'string', value: 'base64' } },
      ],
      star: false,
      distinct: false,
      orderBy: [],
    },
  });
});

test('CREATE CONNECTION TO KAFKA with multi-word options, optional =, secrets and WITH', () => {
  const stmt = one(
    "CREATE CONNECTION IF NOT EXISTS c TO KAFKA (BROKER 'h:9092', SECURITY PROTOCOL = 'SASL_SSL', SASL MECHANISMS = 'PLAIN', SASL USERNAME = 'u', SASL PASSWORD = SECRET pw, SSL CERTIFICATE AUTHORITY = SECRET ca, SSL KEY = SECRET k, SSL CERTIFICATE = 'pem') WITH (VALIDATE = false)",
  ) as CreateConnectionStatement;
  assert.equal(stmt.kind, 'createConnection');
  assert.equal(stmt.ifNotExists, true);
  assert.equal(stmt.connectionType, 'kafka');
  assert.deepEqual(noPos(stmt.options), [
    { name: 'BROKER', value: str('h:9092') },
    { name: 'SECURITY PROTOCOL', value: str('SASL_SSL') },
    { name: 'SASL MECHANISMS', value: str('PLAIN') },
    { name: 'SASL USERNAME', value: str('u') },
    { name: 'SASL PASSWORD', value: secret('pw') },
    { name: 'SSL CERTIFICATE AUTHORITY', value: secret('ca') },
    { name: 'SSL KEY', value: secret('k') },
    { name: 'SSL CERTIFICATE', value: str('pem') },
  ]);
  assert.deepEqual(noPos(stmt.withOptions), [{ name: 'VALIDATE', value: bool(false) }]);
  assert.equal(stmt.options[1].pos, 61);
});

test('connection option values: lists, bare words, objects', () => {
  const brokers = one("CREATE CONNECTION c TO KAFKA (BROKERS ('a:9092', 'b:9092'), SECURITY PROTOCOL PLAINTEXT, SSH TUNNEL tun, PROGRESS TOPIC 'p')") as CreateConnectionStatement;
  assert.deepEqual(noPos(brokers.options), [
    { name: 'BROKERS', value: { kind: 'list', items: [str('a:9092'), str('b:9092')] } },
    { name: 'SECURITY PROTOCOL', value: { kind: 'ident', name: 'plaintext' } },
    { name: 'SSH TUNNEL', value: { kind: 'object', name: { parts: ['tun'] } } },
    { name: 'PROGRESS TOPIC', value: str('p') },
  ]);
  assert.deepEqual(brokers.withOptions, []);
  const csr = one("CREATE CONNECTION csr TO CONFLUENT SCHEMA REGISTRY (URL 'http://r:8081', USERNAME = 'u', PASSWORD = SECRET p)") as CreateConnectionStatement;
  assert.equal(csr.connectionType, 'confluent schema registry');
  assert.deepEqual(noPos(csr.options), [
    { name: 'URL', value: str('http://r:8081') },
    { name: 'USERNAME', value: str('u') },
    { name: 'PASSWORD', value: secret('p') },
  ]);
});

test('ALTER CONNECTION and VALIDATE CONNECTION', () => {
  const set = one("ALTER CONNECTION c SET (BROKER 'x'), RESET (SASL USERNAME)") as AlterConnectionStatement;
  assert.deepEqual(noPos(set), {
    kind: 'alterConnection',
    name: { parts: ['c'] },
    ifExists: false,
    actions: [
      { kind: 'set', option: { name: 'BROKER', value: str('x') } },
      { kind: 'drop', name: 'SASL USERNAME' },
    ],
    withOptions: [],
  });
  const rotate = one('ALTER CONNECTION IF EXISTS c ROTATE KEYS WITH (VALIDATE = false)') as AlterConnectionStatement;
  assert.deepEqual(rotate.actions, [{ kind: 'rotateKeys' }]);
  assert.ok(rotate.ifExists);
  assert.equal(rotate.withOptions[0].name, 'VALIDATE');
  assert.deepEqual(noPos(one('VALIDATE CONNECTION c')), { kind: 'validateConnection', name: { parts: ['c'] } });
  assert.deepEqual(noPos(one('ALTER CONNECTION c RENAME TO d')), {
    kind: 'alterRename',
    objectType: 'connection',
    name: { parts: ['c'] },
    newName: 'd',
    ifExists: false,
  });
});

test('CREATE SOURCE with every clause', () => {
  const stmt = one(
    "CREATE SOURCE IF NOT EXISTS s (a, b, c) IN CLUSTER quick FROM KAFKA CONNECTION conn (TOPIC 't', START OFFSET (0, 10, 100), START TIMESTAMP -1000, GROUP ID PREFIX 'p') KEY FORMAT TEXT VALUE FORMAT JSON INCLUDE KEY AS k, PARTITION, OFFSET AS o, TIMESTAMP AS ts, HEADERS AS h, HEADER 'key' AS name BYTES, HEADER 'x' AS y ENVELOPE UPSERT (VALUE DECODING ERRORS = INLINE AS e) EXPOSE PROGRESS AS p WITH (RETAIN HISTORY FOR '1d')",
  ) as CreateSourceStatement;
  assert.equal(stmt.kind, 'createSource');
  assert.equal(stmt.ifNotExists, true);
  assert.deepEqual(stmt.columnNames, ['a', 'b', 'c']);
  assert.equal(stmt.inCluster, 'quick');
  assert.deepEqual(noPos(stmt.connector), {
    kind: 'kafka',
    connection: { parts: ['conn'] },
    options: [
      { name: 'TOPIC', value: str('t') },
      { name: 'START OFFSET', value: { kind: 'sequence', items: [num('0'), num('10'), num('100')] } },
      {
        name: 'START TIMESTAMP',
        value: { kind: 'value', expr: { kind: 'unary', op: '-', expr: { kind: 'literal', value: { type: 'number', text: '1000' } } } },
      },
      { name: 'GROUP ID PREFIX', value: str('p') },
    ],
  });
  assert.deepEqual(stmt.keyFormat, { kind: 'text' });
  assert.deepEqual(stmt.valueFormat, { kind: 'json' });
  assert.equal(stmt.format, undefined);
  assert.deepEqual(noPos(stmt.include), [
    { kind: 'key', alias: 'k' },
    { kind: 'partition' },
    { kind: 'offset', alias: 'o' },
    { kind: 'timestamp', alias: 'ts' },
    { kind: 'headers', alias: 'h' },
    { kind: 'header', key: 'key', alias: 'name', bytes: true },
    { kind: 'header', key: 'x', alias: 'y', bytes: false },
  ]);
  assert.deepEqual(stmt.envelope, { kind: 'upsert', valueDecodingErrors: { inline: true, alias: 'e' } });
  assert.deepEqual(noPos(stmt.progressName), { parts: ['p'] });
  assert.deepEqual(noPos(stmt.withOptions), [{ name: 'RETAIN HISTORY', value: str('1d') }]);
});

function sourceFormat(tail: string): CreateSourceStatement {
  return one(`CREATE SOURCE s FROM KAFKA CONNECTION k (TOPIC 't') ${tail}`) as CreateSourceStatement;
}

test('source formats', () => {
  assert.deepEqual(sourceFormat('FORMAT TEXT').format, { kind: 'text' });
  assert.deepEqual(sourceFormat('FORMAT BYTES').format, { kind: 'bytes' });
  assert.deepEqual(sourceFormat('FORMAT JSON').format, { kind: 'json' });
  assert.deepEqual(sourceFormat('FORMAT JSON ARRAY').format, { kind: 'json', array: true });
  assert.deepEqual(sourceFormat('FORMAT CSV WITH 3 COLUMNS').format, { kind: 'csv', columnCount: 3, delimiter: ',' });
  assert.deepEqual(sourceFormat("FORMAT CSV WITH 2 COLUMNS DELIMITED BY ';'").format, { kind: 'csv', columnCount: 2, delimiter: ';' });
  assert.deepEqual(sourceFormat('FORMAT CSV WITH HEADER').format, { kind: 'csv', header: [], delimiter: ',' });
  assert.deepEqual(sourceFormat("FORMAT CSV WITH HEADER (a, b) DELIMITED BY '|'").format, { kind: 'csv', header: ['a', 'b'], delimiter: '|' });
  assert.deepEqual(sourceFormat("FORMAT REGEX '(?P<a>\\w+)'").format, { kind: 'regex', pattern: '(?P<a>\\w+)' });
  const avro = sourceFormat('FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr ENVELOPE DEBEZIUM');
  assert.deepEqual(noPos(avro.format), { kind: 'avro', csrConnection: { parts: ['csr'] }, options: [] });
  assert.deepEqual(avro.envelope, { kind: 'debezium' });
  const strategies = sourceFormat('FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION csr KEY STRATEGY LATEST VALUE STRATEGY ID 5');
  assert.deepEqual(noPos(strategies.format), {
    kind: 'avro',
    csrConnection: { parts: ['csr'] },
    options: [
      { name: 'KEY STRATEGY', value: { kind: 'ident', name: 'latest' } },
      { name: 'VALUE STRATEGY', value: { kind: 'sequence', items: [{ kind: 'ident', name: 'id' }, num('5')] } },
    ],
  });
  assert.deepEqual(sourceFormat(`FORMAT AVRO USING SCHEMA '{"type": "string"}'`).format, { kind: 'avro', schema: '{"type": "string"}', options: [] });
  assert.deepEqual(noPos(sourceFormat("FORMAT PROTOBUF MESSAGE 'm.M' USING CONFLUENT SCHEMA REGISTRY CONNECTION csr").format), {
    kind: 'protobuf',
    messageName: 'm.M',
    csrConnection: { parts: ['csr'] },
    options: [],
  });
  assert.deepEqual(sourceFormat("FORMAT PROTOBUF MESSAGE 'M' USING SCHEMA '\\x00'").format, { kind: 'protobuf', messageName: 'M', schema: '\\x00', options: [] });
  const keyed = sourceFormat('KEY FORMAT BYTES VALUE FORMAT CSV WITH 1 COLUMNS');
  assert.deepEqual(keyed.keyFormat, { kind: 'bytes' });
  assert.deepEqual(keyed.valueFormat, { kind: 'csv', columnCount: 1, delimiter: ',' });
});

test('source envelopes', () => {
  assert.deepEqual(sourceFormat('FORMAT TEXT ENVELOPE NONE').envelope, { kind: 'none' });
  assert.deepEqual(sourceFormat('KEY FORMAT TEXT VALUE FORMAT TEXT ENVELOPE UPSERT').envelope, { kind: 'upsert' });
  assert.deepEqual(sourceFormat('FORMAT JSON ENVELOPE UPSERT (VALUE DECODING ERRORS = INLINE)').envelope, {
    kind: 'upsert',
    valueDecodingErrors: { inline: true },
  });
  assert.deepEqual(sourceFormat('FORMAT JSON ENVELOPE UPSERT (VALUE DECODING ERRORS = (INLINE AS err))').envelope, {
    kind: 'upsert',
    valueDecodingErrors: { inline: true, alias: 'err' },
  });
  const bare = one("CREATE SOURCE s FROM KAFKA CONNECTION k (TOPIC 't')") as CreateSourceStatement;
  assert.equal(bare.envelope, undefined);
  assert.equal(bare.format, undefined);
  assert.deepEqual(bare.include, []);
  assert.deepEqual(bare.columnNames, []);
});

test('CREATE TABLE ... FROM SOURCE (newer source syntax)', () => {
  const stmt = one('CREATE TABLE IF NOT EXISTS t FROM SOURCE s (REFERENCE "topic") KEY FORMAT TEXT VALUE FORMAT JSON INCLUDE OFFSET ENVELOPE UPSERT');
  assert.ok(stmt.kind === 'createTable');
  if (stmt.kind !== 'createTable') return;
  assert.equal(stmt.ifNotExists, true);
  assert.deepEqual(stmt.columns, []);
  assert.deepEqual(noPos(stmt.fromSource), {
    source: { parts: ['s'] },
    include: [{ kind: 'offset' }],
    reference: { parts: ['topic'] },
    keyFormat: { kind: 'text' },
    valueFormat: { kind: 'json' },
    envelope: { kind: 'upsert' },
  });
  const plain = one('CREATE TABLE t FROM SOURCE s FORMAT BYTES');
  assert.ok(plain.kind === 'createTable' && plain.fromSource?.format?.kind === 'bytes' && plain.fromSource.reference === undefined);
});

test('CREATE INDEX forms', () => {
  const named = one('CREATE INDEX i IN CLUSTER c ON s.t (a, b + 1)') as CreateIndexStatement;
  assert.equal(named.name, 'i');
  assert.equal(named.inCluster, 'c');
  assert.deepEqual(named.on.parts, ['s', 't']);
  assert.equal(named.keys.length, 2);
  assert.equal(named.isDefault, false);
  const anonymous = one('CREATE INDEX ON t (a)') as CreateIndexStatement;
  assert.equal(anonymous.name, undefined);
  assert.equal(anonymous.keys.length, 1);
  const dflt = one('CREATE DEFAULT INDEX IN CLUSTER c ON obj') as CreateIndexStatement;
  assert.deepEqual(noPos(dflt), {
    kind: 'createIndex',
    on: { parts: ['obj'] },
    keys: [],
    isDefault: true,
    ifNotExists: false,
    inCluster: 'c',
    withOptions: [],
  });
  const ifNot = one('CREATE INDEX IF NOT EXISTS i ON t (a)') as CreateIndexStatement;
  assert.ok(ifNot.ifNotExists && ifNot.name === 'i');
});

test('SUBSCRIBE with every clause, in Materialize order and with WITH after AS OF', () => {
  const stmt = one('SUBSCRIBE TO t ENVELOPE UPSERT (KEY (a, b)) WITHIN TIMESTAMP ORDER BY a DESC WITH (SNAPSHOT = false, PROGRESS) AS OF 5 UP TO 10') as SubscribeStatement;
  assert.deepEqual(noPos(stmt), {
    kind: 'subscribe',
    target: { kind: 'object', name: { parts: ['t'] } },
    options: [{ name: 'SNAPSHOT', value: bool(false) }, { name: 'PROGRESS' }],
    envelope: { kind: 'upsert', key: ['a', 'b'] },
    withinTimestampOrderBy: [{ expr: { kind: 'identifier', parts: ['a'] }, desc: true }],
    asOf: { kind: 'literal', value: { type: 'number', text: '5' } },
    upTo: { kind: 'literal', value: { type: 'number', text: '10' } },
  });
  const query = one('SUBSCRIBE (SELECT * FROM t WHERE a > 1) AS OF AT LEAST mz_now() WITH (PROGRESS = true)') as SubscribeStatement;
  assert.equal(query.target.kind, 'query');
  assert.equal(query.asOfAtLeast, true);
  assert.equal((query.asOf as Expr).kind, 'function');
  assert.deepEqual(noPos(query.options as SqlOption[]), [{ name: 'PROGRESS', value: bool(true) }]);
  const debezium = one('SUBSCRIBE t ENVELOPE DEBEZIUM (KEY (id))') as SubscribeStatement;
  assert.deepEqual(debezium.envelope, { kind: 'debezium', key: ['id'] });
});
