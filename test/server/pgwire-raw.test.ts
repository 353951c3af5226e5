// The pgwire server byte by byte: startup negotiation, extended-protocol
// details, COPY sub-protocols, cancellation of streams, malformed input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RawClient,
  cancelPacket,
  cstring,
  errorFields,
  int16,
  int32,
  message,
  startTestServer,
  startupPacket,
  type RawMessage,
  type TestServer,
} from './harness.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({ maxMessageBytes: 4096 });
});

after(async () => {
  await server.close();
});

const query = (sql: string): Buffer => message('Q', cstring(sql));
const sync = (): Buffer => message('S');
const parse = (name: string, sql: string, oids: number[] = []): Buffer =>
  message('P', cstring(name), cstring(sql), int16(oids.length), ...oids.map(int32));
const bind = (portal: string, statement: string, params: (string | null)[] = [], resultFormats: number[] = []): Buffer =>
  message(
    'B',
    cstring(portal),
    cstring(statement),
    int16(0),
    int16(params.length),
    ...params.map((p) => (p === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(p)), Buffer.from(p)]))),
    int16(resultFormats.length),
    ...resultFormats.map(int16),
  );
const execute = (portal: string, maxRows = 0): Buffer => message('E', cstring(portal), int32(maxRows));
const describe = (kind: 'S' | 'P', name: string): Buffer => message('D', Buffer.from(kind), cstring(name));

const types = (messages: RawMessage[]): string => messages.map((m) => m.type).join('');
/** A message whose body is one NUL-terminated string (CommandComplete). */
const text = (m: RawMessage): string => m.body.subarray(0, m.body.length - 1).toString('utf8');
/** ReadyForQuery's transaction status. */
const status = (m: RawMessage | undefined): string => String.fromCharCode(m?.body[0] ?? 0);

/** DataRow fields as strings (null for NULL). */
function dataRow(m: RawMessage): (string | null)[] {
  assert.equal(m.type, 'D');
  const count = m.body.readInt16BE(0);
  const fields: (string | null)[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = m.body.readInt32BE(at);
    at += 4;
    if (length === -1) fields.push(null);
    else {
      fields.push(m.body.subarray(at, at + length).toString('utf8'));
      at += length;
    }
  }
  return fields;
}

async function expectFatalAndClose(client: RawClient, code: string): Promise<void> {
  const error = await client.next();
  assert.equal(error.type, 'E');
  const fields = errorFields(error.body);
  assert.equal(fields.C, code);
  assert.equal(fields.S, 'FATAL');
  await client.waitClosed();
}

test('SSLRequest and GSSENCRequest are declined, then startup reports parameters and the backend key', async () => {
  const client = await RawClient.connect(server.port);
  assert.equal(await client.sendForByte(Buffer.concat([int32(8), int32(80877103)])), 'N');
  assert.equal(await client.sendForByte(Buffer.concat([int32(8), int32(80877104)])), 'N');
  client.send(startupPacket({ user: 'alice', database: 'materialize', application_name: 'raw-test', options: '-c cluster=quickstart --search-path=public' }));
  const messages = await client.readUntil('Z');
  assert.equal(messages[0].type, 'R');
  assert.equal(messages[0].body.readInt32BE(0), 0);
  const parameters = new Map(
    messages.filter((m) => m.type === 'S').map((m) => {
      const [name, value] = m.body.toString('utf8').split('\0');
      return [name, value] as const;
    }),
  );
  assert.equal(parameters.get('server_version'), '15.0');
  assert.equal(parameters.get('client_encoding'), 'UTF8');
  assert.equal(parameters.get('standard_conforming_strings'), 'on');
  assert.equal(parameters.get('application_name'), 'raw-test');
  assert.equal(parameters.get('mz_version'), 'v0.0.0-test');
  const key = messages.find((m) => m.type === 'K');
  assert.ok(key);
  const session = server.sessions.byId(key.body.readInt32BE(0));
  assert.equal(key.body.readInt32BE(4), session.secretKey);
  assert.equal(session.startup.user, 'alice');
  assert.equal(session.startup.options.get('cluster'), 'quickstart');
  assert.equal(session.startup.options.get('search_path'), 'public');
  assert.equal(status(messages.at(-1)), 'I');
  client.send(message('X'));
  await client.waitClosed();
  assert.equal(session.closed, true);
});

test('a newer protocol minor version and _pq_ options are negotiated down to 3.0', async () => {
  const client = await RawClient.connect(server.port);
  client.send(startupPacket({ user: 'u', '_pq_.test_option': 'x' }, (3 << 16) | 2));
  const messages = await client.readUntil('Z');
  assert.equal(messages[0].type, 'v');
  assert.equal(messages[0].body.readInt32BE(0), 3 << 16);
  assert.equal(messages[0].body.readInt32BE(4), 1);
  assert.equal(messages[0].body.subarray(8).toString('utf8'), '_pq_.test_option\0');
  client.end();
});

test('an unsupported protocol version is refused with 0A000', async () => {
  const client = await RawClient.connect(server.port);
  client.send(startupPacket({ user: 'u' }, 2 << 16));
  await expectFatalAndClose(client, '0A000');
});

test('a startup packet without a user is refused with 28000', async () => {
  const client = await RawClient.connect(server.port);
  client.send(startupPacket({ database: 'x' }));
  await expectFatalAndClose(client, '28000');
});

test('simple query: empty query, transaction status, ParameterStatus after SET', async () => {
  const client = await RawClient.startup(server.port);
  client.send(query('  '));
  assert.equal(types(await client.readUntil('Z')), 'IZ');
  client.send(query('begin'));
  const begun = await client.readUntil('Z');
  assert.equal(status(begun.at(-1)), 'T');
  client.send(query('commit'));
  assert.equal(status((await client.readUntil('Z')).at(-1)), 'I');
  client.send(query('set timezone Europe/Paris'));
  const set = await client.readUntil('Z');
  assert.equal(types(set), 'CSZ');
  assert.equal(set[1].body.toString('utf8'), 'TimeZone\0Europe/Paris\0');
  // timestamptz values are shown in the session's TimeZone.
  client.send(query('select epoch'));
  assert.deepEqual(dataRow((await client.readUntil('Z'))[1]), ['1970-01-01 01:00:00+01']);
  client.send(query('empty'));
  assert.equal(types(await client.readUntil('Z')), 'IZ');
  client.end();
});

test('simple query stops at the first error', async () => {
  const client = await RawClient.startup(server.port);
  client.send(query('select one; fail; select one'));
  const messages = await client.readUntil('Z');
  assert.equal(types(messages), 'TDCEZ');
  const fields = errorFields(messages[3].body);
  assert.equal(fields.C, '42703');
  assert.equal(fields.P, '13');
  assert.equal(fields.S, 'ERROR');
  assert.equal(fields.V, 'ERROR');
  client.end();
});

test('invalid UTF-8 in a query is a statement error, not a disconnect', async () => {
  const client = await RawClient.startup(server.port);
  client.send(message('Q', Buffer.from([0xc3, 0x28, 0])));
  const messages = await client.readUntil('Z');
  assert.equal(errorFields(messages[0].body).C, '22021');
  client.send(query('select one'));
  assert.equal(types(await client.readUntil('Z')), 'TDCZ');
  client.end();
});

test('extended protocol: parameter types, describe, execute with a row limit', async () => {
  const client = await RawClient.startup(server.port);
  client.send(
    Buffer.concat([
      parse('s1', 'echo $1 $2', [23, 0]),
      describe('S', 's1'),
      bind('', 's1', ['42', 'hi']),
      describe('P', ''),
      execute(''),
      sync(),
    ]),
  );
  const messages = await client.readUntil('Z');
  assert.equal(types(messages), '1tT2TDCZ');
  const paramOids = messages[1].body;
  assert.equal(paramOids.readInt16BE(0), 2);
  assert.equal(paramOids.readInt32BE(2), 23);
  assert.equal(paramOids.readInt32BE(6), 25);
  assert.deepEqual(dataRow(messages[5]), ['42', 'hi']);
  assert.equal(text(messages[6]), 'SELECT 1');

  client.send(Buffer.concat([parse('', 'select many 5'), bind('p', ''), execute('p', 2), execute('p', 2), execute('p', 2), execute('p', 2), sync()]));
  const paged = await client.readUntil('Z');
  assert.equal(types(paged), '12DDsDDsDCCZ');
  assert.deepEqual(dataRow(paged[8]), ['5', 'row 5']);
  assert.equal(text(paged[9]), 'SELECT 1');
  assert.equal(text(paged[10]), 'SELECT 0');
  client.end();
});

test('extended protocol: named statements, Close, duplicate names, errors skip to Sync', async () => {
  const client = await RawClient.startup(server.port);
  client.send(Buffer.concat([parse('dup', 'select one'), parse('dup', 'select one'), bind('', 'dup'), execute(''), sync()]));
  const duplicate = await client.readUntil('Z');
  assert.equal(types(duplicate), '1EZ');
  assert.equal(errorFields(duplicate[1].body).C, '42P05');

  client.send(Buffer.concat([message('C', Buffer.from('S'), cstring('dup')), bind('', 'dup'), sync()]));
  const closed = await client.readUntil('Z');
  assert.equal(types(closed), '3EZ');
  assert.equal(errorFields(closed[1].body).C, '26000');

  client.send(Buffer.concat([parse('', 'fail'), bind('', ''), execute(''), sync(), parse('', 'select one'), bind('', ''), execute(''), sync()]));
  const recovered = await client.readUntil('Z');
  assert.equal(types(recovered), 'EZ');
  assert.equal(errorFields(recovered[0].body).C, '42703');
  assert.equal(types(await client.readUntil('Z')), '12DCZ');

  client.send(Buffer.concat([parse('', 'echo $1'), bind('', '', []), sync()]));
  const wrongCount = await client.readUntil('Z');
  assert.equal(errorFields(wrongCount[1].body).C, '08P01');
  assert.match(errorFields(wrongCount[1].body).M, /bind message supplies 0 parameters, but prepared statement "" requires 1/);

  client.send(Buffer.concat([parse('', 'select one; select one'), sync()]));
  assert.equal(errorFields((await client.readUntil('Z'))[0].body).C, '42601');

  client.send(Buffer.concat([parse('', ''), bind('', ''), describe('P', ''), execute(''), sync()]));
  assert.equal(types(await client.readUntil('Z')), '12nIZ');
  client.end();
});

test('Flush sends pending replies without a Sync', async () => {
  const client = await RawClient.startup(server.port);
  client.send(Buffer.concat([parse('', 'select one'), message('H')]));
  assert.equal((await client.next()).type, '1');
  client.send(sync());
  assert.equal(types(await client.readUntil('Z')), 'Z');
  client.end();
});

test('COPY TO STDOUT in text, CSV and binary', async () => {
  const client = await RawClient.startup(server.port);
  client.send(query('copy out 2'));
  const textCopy = await client.readUntil('Z');
  assert.equal(types(textCopy), 'HddcCZ');
  assert.equal(textCopy[1].body.toString('utf8'), '\\N\tx\\ty\\n"z",\\\\\n');
  assert.equal(text(textCopy[4]), 'COPY 2');

  client.send(query('copy out 1 csv'));
  const csv = await client.readUntil('Z');
  assert.equal(csv[1].body.toString('utf8'), ',"x\ty\n""z"",\\"\n');

  client.send(query('copy out 1 binary'));
  const binary = await client.readUntil('Z');
  assert.equal(types(binary), 'HdddcCZ');
  assert.equal(binary[0].body[0], 1);
  assert.equal(binary[1].body.subarray(0, 11).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  assert.deepEqual([...binary[3].body], [0xff, 0xff]);
  client.end();
});

test('COPY FROM STDIN: data, CopyDone, and CopyFail', async () => {
  const client = await RawClient.startup(server.port);
  const session = server.sessions.last();
  client.send(query('copy in'));
  assert.equal((await client.next()).type, 'G');
  client.send(Buffer.concat([message('d', Buffer.from('a\nb')), message('d', Buffer.from('\nc\n')), message('c')]));
  const done = await client.readUntil('Z');
  assert.equal(text(done[0]), 'COPY 3');
  assert.deepEqual(session.copiedIn, ['a', 'b', 'c']);

  client.send(query('copy in'));
  assert.equal((await client.next()).type, 'G');
  client.send(Buffer.concat([message('d', Buffer.from('x\n')), message('f', cstring('client gave up'))]));
  const failed = await client.readUntil('Z');
  assert.equal(types(failed), 'EZ');
  assert.equal(errorFields(failed[0].body).C, '57014');
  assert.equal(errorFields(failed[0].body).M, 'COPY from stdin failed: client gave up');
  assert.equal(session.copiedIn.at(-1), 'aborted: COPY from stdin failed: client gave up');
  client.end();
});

test('a CancelRequest stops a streaming COPY (SUBSCRIBE) with 57014', async () => {
  const client = await RawClient.startup(server.port);
  const session = server.sessions.last();
  client.send(query('subscribe'));
  assert.equal((await client.next()).type, 'H');
  assert.equal((await client.next()).body.toString('utf8'), '1\tfirst\n');
  const canceller = await RawClient.connect(server.port);
  canceller.send(cancelPacket(session.id, session.secretKey));
  const messages = await client.readUntil('Z');
  assert.equal(types(messages), 'EZ');
  assert.equal(errorFields(messages[0].body).C, '57014');
  await session.subscribeClosed;
  assert.equal(session.cancelCount, 1);
  client.send(query('select one'));
  assert.equal(types(await client.readUntil('Z')), 'TDCZ');
  client.end();
});

test('a client that stops reading holds the producer back (backpressure)', async () => {
  const client = await RawClient.startup(server.port);
  const session = server.sessions.last();
  client.send(query('firehose'));
  assert.equal((await client.next()).type, 'H');
  client.socket.pause();
  // Give an unbounded producer ample opportunity to run away.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const producedBytes = session.firehoseBatches * 100 * 1000;
  // Socket buffers on both ends hold a few MB at most; without backpressure this would be far beyond.
  assert.ok(producedBytes < 32 * 1024 * 1024, `produced ${producedBytes} bytes for a paused client`);
  client.end();
  await session.subscribeClosed;
});

test('a CancelRequest with a wrong key changes nothing', async () => {
  const client = await RawClient.startup(server.port);
  const session = server.sessions.last();
  const canceller = await RawClient.connect(server.port);
  canceller.send(cancelPacket(session.id, session.secretKey + 1));
  await canceller.waitClosed();
  assert.equal(session.cancelCount, 0);
  client.end();
});

test('a client that disconnects during a stream closes the stream and the session', async () => {
  const client = await RawClient.startup(server.port);
  const session = server.sessions.last();
  client.send(query('subscribe'));
  await client.next();
  await client.next();
  client.end();
  await session.subscribeClosed;
  while (!session.closed) await new Promise((resolve) => setImmediate(resolve));
});

test('malformed messages end the connection with 08P01, and the server keeps serving', async () => {
  const cases: Buffer[] = [
    message('?'), // unknown message type
    Buffer.concat([Buffer.from('Q'), int32(2)]), // length below 4
    Buffer.concat([Buffer.from('Q'), int32(1 << 30)]), // beyond maxMessageBytes
    message('Q', Buffer.from('no terminator')), // string without NUL
    message('B', cstring(''), cstring(''), int16(5)), // truncated Bind
    message('E', cstring(''), int32(0), Buffer.from('extra')), // trailing bytes
    message('D', Buffer.from('X'), cstring('')), // bad Describe subtype
    message('B', cstring(''), cstring(''), int16(1), int16(7), int16(0), int16(0)), // bad format code
  ];
  for (const bytes of cases) {
    const client = await RawClient.startup(server.port);
    client.send(bytes);
    await expectFatalAndClose(client, '08P01');
  }
  const startupTooShort = await RawClient.connect(server.port);
  startupTooShort.send(int32(3));
  await expectFatalAndClose(startupTooShort, '08P01');
  const healthy = await RawClient.startup(server.port);
  healthy.send(query('select one'));
  assert.equal(types(await healthy.readUntil('Z')), 'TDCZ');
  healthy.end();
});

test('a client that never completes startup is disconnected', async () => {
  const own = await startTestServer({ startupTimeoutMs: 50 });
  try {
    const silent = await RawClient.connect(own.port);
    await silent.waitClosed();
    const halfway = await RawClient.connect(own.port);
    halfway.send(int32(100)); // announces a startup packet that never arrives
    await halfway.waitClosed();
    assert.equal(own.sessions.sessions.length, 0);
  } finally {
    await own.close();
  }
});

test('closing the server ends idle connections with FATAL 57P01', async () => {
  const own = await startTestServer();
  const client = await RawClient.startup(own.port);
  const session = own.sessions.last();
  await own.close();
  await expectFatalAndClose(client, '57P01');
  assert.equal(session.closed, true);
  assert.equal(own.server.connectionCount, 0);
});

test('closing the server does not wait on a client that stopped reading', async () => {
  const own = await startTestServer();
  const client = await RawClient.startup(own.port);
  const session = own.sessions.last();
  client.send(query('firehose'));
  assert.equal((await client.next()).type, 'H');
  client.socket.pause();
  while (session.firehoseBatches < 3) await new Promise((resolve) => setImmediate(resolve));
  await own.close();
  await session.subscribeClosed;
  assert.equal(session.closed, true);
  assert.equal(own.server.connectionCount, 0);
  client.end();
});

test('closing the server stops waiting for a statement that ignores its cancel signal', async () => {
  const own = await startTestServer({ shutdownWaitMs: 50 });
  const client = await RawClient.startup(own.port);
  client.send(query('hang'));
  await own.close();
  await client.waitClosed();
});
