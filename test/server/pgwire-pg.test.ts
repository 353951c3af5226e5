// The pgwire server as the `pg` driver sees it: simple and extended protocol,
// errors, notices, cancellation, many connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { SqlError } from '../../src/repr/errors.js';
import { RawClient, cancelPacket, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server.close();
});

async function connect(config: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'u', database: 'materialize', ...config });
  await client.connect();
  return client;
}

async function withClient<R>(fn: (client: pg.Client) => Promise<R>): Promise<R> {
  const client = await connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE and position of a pg error (pg's DatabaseError carries them as strings). */
function pgError(err: unknown): { code: string | undefined; position: string | undefined; message: string } {
  assert.ok(err instanceof Error);
  const { code, position } = err as Error & { code?: string; position?: string };
  return { code, position, message: err.message };
}

test('simple query returns typed rows and the command tag', async () => {
  await withClient(async (client) => {
    const result = await client.query('select one');
    assert.deepEqual(result.rows, [{ one: 1 }]);
    assert.equal(result.command, 'SELECT');
    assert.equal(result.rowCount, 1);
    assert.equal(result.fields[0].dataTypeID, 23);
  });
});

test('several statements in one query each return their result', async () => {
  await withClient(async (client) => {
    const results = (await client.query('create table; select many 3')) as unknown as pg.QueryResult[];
    assert.equal(results.length, 2);
    assert.equal(results[0].command, 'CREATE');
    assert.deepEqual(
      results[1].rows.map((row: { n: number; label: string }) => [row.n, row.label]),
      [
        [1, 'row 1'],
        [2, 'row 2'],
        [3, 'row 3'],
      ],
    );
  });
});

test('an error carries SQLSTATE and position, and the connection stays usable', async () => {
  await withClient(async (client) => {
    await assert.rejects(client.query('create table; fail'), (err) => {
      const { code, position, message } = pgError(err);
      assert.equal(code, '42703');
      assert.equal(position, '15');
      assert.equal(message, 'column "fail" does not exist');
      return true;
    });
    await assert.rejects(client.query('select syntaxerror'), (err) => {
      assert.equal(pgError(err).code, '42601');
      assert.equal(pgError(err).position, '8');
      return true;
    });
    assert.deepEqual((await client.query('select one')).rows, [{ one: 1 }]);
  });
});

test('notices reach the client', async () => {
  await withClient(async (client) => {
    const notices: { message?: string; code?: string; hint?: string }[] = [];
    client.on('notice', (notice) => notices.push(notice));
    await client.query('warn');
    assert.equal(notices.length, 1);
    assert.equal(notices[0].message, 'this is a notice');
    assert.equal(notices[0].code, '00000');
    assert.equal(notices[0].hint, 'a hint');
  });
});

test('parameters in text and binary format, unnamed and named prepared statements', async () => {
  await withClient(async (client) => {
    const unnamed = await client.query('echo $1 $2', ['hello', null]);
    assert.deepEqual(unnamed.rows, [{ p1: 'hello', p2: null }]);
    for (const value of ['first', 'second']) {
      const named = await client.query({ name: 'echo-one', text: 'echo $1', values: [value] });
      assert.deepEqual(named.rows, [{ p1: value }]);
    }
    // pg sends Buffer values in binary format.
    const binary = await client.query('echo $1', [Buffer.from('bytes in binary', 'utf8')]);
    assert.deepEqual(binary.rows, [{ p1: 'bytes in binary' }]);
  });
});

test('results in binary format', async () => {
  await withClient(async (client) => {
    // Keep pg from decoding: the test looks at the bytes themselves.
    const rawValue = (value: string): string => value;
    const config: pg.QueryConfig = Object.assign(
      { text: 'select many 2', binary: true },
      { queryMode: 'extended', types: { getTypeParser: () => rawValue } },
    );
    const result = await client.query(config);
    const [first] = result.rows as { n: Buffer; label: Buffer }[];
    assert.deepEqual([...first.n], [0, 0, 0, 1]);
    assert.equal(first.label.toString('utf8'), 'row 1');
  });
});

test('Execute with a row limit suspends the portal and resumes it', async () => {
  await withClient(async (client) => {
    // pg's `rows` option executes the portal 3 rows at a time (PortalSuspended in between).
    const config: pg.QueryConfig = Object.assign({ text: 'select many 10' }, { rows: 3 });
    const result = await client.query(config);
    assert.equal(result.rows.length, 10);
    assert.deepEqual(result.rows[9], { n: 10, label: 'row 10' });
  });
});

test('a CancelRequest on another connection cancels the running statement', async () => {
  await withClient(async (client) => {
    const running = assert.rejects(client.query('sleep'), (err) => {
      assert.equal(pgError(err).code, '57014');
      assert.equal(pgError(err).message, 'canceling statement due to user request');
      return true;
    });
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    const session = server.sessions.byId(processID);
    await session.sleeping;
    const canceller = await RawClient.connect(server.port);
    canceller.send(cancelPacket(processID, secretKey));
    await canceller.waitClosed();
    await running;
    assert.equal(session.cancelCount, 1);
    assert.deepEqual((await client.query('select one')).rows, [{ one: 1 }]);
  });
});

test('a FATAL statement error ends the connection', async () => {
  const client = await connect();
  const ended = new Promise<void>((resolve) => client.on('end', () => resolve()));
  client.on('error', () => undefined);
  await assert.rejects(client.query('fatal'), (err) => pgError(err).code === '57P01');
  await ended;
});

test('openSession refusing the database is reported to the client', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'u', database: 'missing' });
  await assert.rejects(client.connect(), (err) => {
    assert.equal(pgError(err).code, '3D000');
    assert.equal(pgError(err).message, 'database "missing" does not exist');
    return true;
  });
});

test('many concurrent connections', async () => {
  const clients = await Promise.all(Array.from({ length: 25 }, () => connect()));
  try {
    const results = await Promise.all(clients.map((client, i) => client.query(`select many ${i + 1}`)));
    results.forEach((result, i) => assert.equal(result.rows.length, i + 1));
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
});

test('a large result streams through in full', async () => {
  await withClient(async (client) => {
    const result = await client.query('select many 100000');
    assert.equal(result.rows.length, 100000);
    assert.deepEqual(result.rows[99999], { n: 100000, label: 'row 100000' });
  });
});

test('the authenticator hook can demand a cleartext password', async () => {
  const guarded = await startTestServer({
    authenticator: {
      async authenticate(request) {
        const password = await request.requestCleartextPassword();
        if (password !== 'secret') {
          throw new SqlError('28P01', `password authentication failed for user "${request.startup.user}"`, { severity: 'FATAL' });
        }
      },
    },
  });
  try {
    const good = new pg.Client({ host: '127.0.0.1', port: guarded.port, user: 'u', password: 'secret' });
    await good.connect();
    assert.deepEqual((await good.query('select one')).rows, [{ one: 1 }]);
    await good.end();
    const bad = new pg.Client({ host: '127.0.0.1', port: guarded.port, user: 'u', password: 'wrong' });
    await assert.rejects(bad.connect(), (err) => pgError(err).code === '28P01');
  } finally {
    await guarded.close();
  }
});
