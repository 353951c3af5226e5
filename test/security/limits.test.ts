// Abusive clients against `freshet serve`: too many connections, oversized
// and unfinished messages, oversized statements, silent and idle clients.
// The server keeps answering others, its memory stays bounded and returns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { serveFreshet, type ServedFreshet } from '../helpers/server-process.js';
import { connect, failure, isolateSecretsKey, rssBytes } from './helpers.js';

const MiB = 1024 * 1024;
let dataDir: string;
let server: ServedFreshet;

before(async () => {
  isolateSecretsKey();
  dataDir = mkdtempSync(join(tmpdir(), 'freshet-limits-'));
  server = await serveFreshet(dataDir, [
    '--http-port', '0', '--max-connections', '20', '--max-statement-size', '1MiB', '--max-buffered-input', '128MiB', '--authentication-timeout', '2',
  ]);
});

after(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function startupPacket(user: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0materialize\0\0`, 'utf8');
  const packet = Buffer.alloc(8 + params.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(3 << 16, 4);
  params.copy(packet, 8);
  return packet;
}

/** A raw client logged in as materialize (loopback, no password), with everything it received. */
async function rawSession(port: number): Promise<{ socket: Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = netConnect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(startupPacket('materialize'));
  // Wait for ReadyForQuery ('Z').
  for (let i = 0; i < 100 && !Buffer.concat(chunks).includes(Buffer.from([0x5a, 0, 0, 0, 5])); i++) await new Promise((r) => setTimeout(r, 20));
  return { socket, received: () => Buffer.concat(chunks), closed };
}

async function selectOne(port: number): Promise<number> {
  const client = await connect(port);
  try {
    const started = performance.now();
    await client.query('SELECT 1');
    return performance.now() - started;
  } finally {
    await client.end();
  }
}

test('a message declaring more than the limit is refused with 08P01 before any of it is buffered', async () => {
  const { socket, received, closed } = await rawSession(server.port);
  const header = Buffer.alloc(5);
  header[0] = 0x51; // Query
  header.writeInt32BE(100 * MiB, 1);
  socket.write(header);
  await closed;
  const reply = received().toString('latin1');
  assert.match(reply, /08P01/);
  assert.match(reply, /exceeds the limit of 67108864 bytes/);
});

test('ten unfinished 60 MiB messages: memory stays bounded, others are answered throughout, and it is returned after they close', async (t) => {
  const pid = server.child.pid!;
  await selectOne(server.port);
  const baseline = rssBytes(pid);
  const sessions = await Promise.all(Array.from({ length: 10 }, () => rawSession(server.port)));
  const body = Buffer.alloc(MiB, 0x20);
  for (const { socket } of sessions) {
    const header = Buffer.alloc(5);
    header[0] = 0x51;
    header.writeInt32BE(60 * MiB + 4, 1);
    socket.write(header);
    // All but the last byte; the kernel and the server's backpressure hold back what they do not accept.
    for (let i = 0; i < 60; i++) socket.write(i === 59 ? body.subarray(0, MiB - 1) : body);
  }
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 100));
    peak = Math.max(peak, rssBytes(pid));
    assert.ok((await selectOne(server.port)) < 2000, 'SELECT 1 answered promptly while the messages arrive');
  }
  // --max-buffered-input 128MiB: at most that much of them is held, plus the process's own slack.
  assert.ok(peak - baseline < 128 * MiB + 96 * MiB, `grew by ${Math.round((peak - baseline) / MiB)} MiB`);
  t.diagnostic(`baseline ${Math.round(baseline / MiB)} MiB, peak +${Math.round((peak - baseline) / MiB)} MiB`);
  for (const { socket } of sessions) socket.destroy();
  await Promise.all(sessions.map((s) => s.closed));
  let after = rssBytes(pid);
  for (let i = 0; i < 50 && after - baseline > 40 * MiB; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = rssBytes(pid);
  }
  assert.ok(after - baseline < 40 * MiB, `still ${Math.round((after - baseline) / MiB)} MiB above the baseline after the clients left (peak +${Math.round((peak - baseline) / MiB)} MiB)`);
  t.diagnostic(`after close +${Math.round((after - baseline) / MiB)} MiB`);
  await selectOne(server.port);
});

test('--max-connections: one more is refused with 53300, and a slot frees when a client leaves', async () => {
  const clients: pg.Client[] = [];
  try {
    for (let i = 0; i < 20; i++) clients.push(await connect(server.port));
    const refused = await failure(connect(server.port));
    assert.equal(refused.code, '53300');
    assert.match(refused.message, /too many clients/);
    await clients.pop()!.end();
    await new Promise((r) => setTimeout(r, 50));
    clients.push(await connect(server.port));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
});

test('a statement above --max-statement-size fails with 54000 and the session goes on', async () => {
  const client = await connect(server.port);
  try {
    const big = `SELECT '${'x'.repeat(2 * MiB)}'`;
    const err = await failure(client.query(big));
    assert.equal(err.code, '54000');
    assert.deepEqual((await client.query('SELECT 2 AS n')).rows, [{ n: 2 }]);
    // Extended protocol too.
    assert.equal((await failure(client.query({ text: big, values: [] }))).code, '54000');
    assert.deepEqual((await client.query({ text: 'SELECT $1::int AS n', values: [3] })).rows, [{ n: 3 }]);
  } finally {
    await client.end();
  }
});

test('SELECT $999999999 is an error, not a crash (simple and extended protocol)', async () => {
  const client = await connect(server.port);
  try {
    assert.equal((await failure(client.query('SELECT $999999999'))).code, '42P02');
    assert.equal((await failure(client.query({ text: 'SELECT $999999999', values: [] }))).code, '42P02');
    assert.deepEqual((await client.query('SELECT 1 AS n')).rows, [{ n: 1 }]);
  } finally {
    await client.end();
  }
});

test('a client that never completes startup is closed after --authentication-timeout', async () => {
  const socket = netConnect(server.port, '127.0.0.1');
  socket.on('error', () => undefined);
  const started = Date.now();
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 1500 && elapsed < 10_000, `closed after ${elapsed} ms`);
});

test('idle_in_transaction_session_timeout ends a session idle inside a transaction (25P03)', async () => {
  const client = await connect(server.port);
  const errors: { code?: string }[] = [];
  client.on('error', (err) => errors.push(err as { code?: string }));
  await client.query("SET idle_in_transaction_session_timeout = '300ms'");
  await client.query('BEGIN');
  await new Promise((r) => setTimeout(r, 800));
  await assert.rejects(client.query('SELECT 1'));
  assert.ok(errors.some((e) => e.code === '25P03'), JSON.stringify(errors));
  await client.end().catch(() => undefined);
  // Outside a transaction block, idling is fine.
  const other = await connect(server.port);
  await other.query("SET idle_in_transaction_session_timeout = '200ms'");
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual((await other.query('SELECT 1 AS n')).rows, [{ n: 1 }]);
  await other.end();
});
