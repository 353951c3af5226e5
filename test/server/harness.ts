// Shared by the pgwire tests: a server on an ephemeral port over FakeSessions,
// a raw protocol client, and a psql runner.
import { connect, type Socket } from 'node:net';
import { execFile } from 'node:child_process';
import { createLogger } from '../../src/cli/logger.js';
import { PgwireServer, type PgwireServerOptions } from '../../src/server/pgwire/index.js';
import { FakeSessions } from './fake-sessions.js';

export interface TestServer {
  server: PgwireServer;
  sessions: FakeSessions;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(
  options: Pick<PgwireServerOptions, 'authenticator' | 'maxMessageBytes' | 'startupTimeoutMs' | 'shutdownWaitMs'> = {},
): Promise<TestServer> {
  const sessions = new FakeSessions();
  const server = new PgwireServer({
    sessions,
    logger: createLogger({ level: 'silent' }),
    ...options,
  });
  const address = await server.listen(0, '127.0.0.1');
  return { server, sessions, port: address.port, close: () => server.close() };
}

export interface RawMessage {
  type: string;
  body: Buffer;
}

/** A byte-level protocol client: sends hand-built messages, reads raw replies. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly queue: RawMessage[] = [];
  private waiter: (() => void) | null = null;
  /** Callers waiting for a single unframed byte (the reply to SSLRequest / GSSENCRequest). */
  private readonly byteWaiters: ((byte: string) => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Connects and completes the startup handshake, up to the first ReadyForQuery. */
  static async startup(port: number, parameters: Record<string, string> = { user: 'u', database: 'materialize' }): Promise<RawClient> {
    const client = await RawClient.connect(port);
    client.send(startupPacket(parameters));
    await client.readUntil('Z');
    return client;
  }

  /** Sends bytes whose reply is one unframed byte, and resolves with that byte. */
  sendForByte(bytes: Buffer): Promise<string> {
    const reply = new Promise<string>((resolve) => this.byteWaiters.push(resolve));
    this.send(bytes);
    return reply;
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next message; rejects if the connection closes first. */
  async next(): Promise<RawMessage> {
    for (;;) {
      const message = this.queue.shift();
      if (message !== undefined) return message;
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Reads messages up to and including one of `type`. */
  async readUntil(type: string): Promise<RawMessage[]> {
    const messages: RawMessage[] = [];
    for (;;) {
      const message = await this.next();
      messages.push(message);
      if (message.type === type) return messages;
    }
  }

  /** Resolves once the server has closed the connection. */
  async waitClosed(): Promise<void> {
    while (!this.closed) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  end(): void {
    this.socket.destroy();
  }

  private parse(): void {
    while (this.byteWaiters.length > 0 && this.buffered.length > 0) {
      this.byteWaiters.shift()?.(String.fromCharCode(this.buffered[0]));
      this.buffered = this.buffered.subarray(1);
    }
    while (this.byteWaiters.length === 0 && this.buffered.length >= 5) {
      const length = this.buffered.readInt32BE(1);
      if (this.buffered.length < 1 + length) return;
      this.queue.push({ type: String.fromCharCode(this.buffered[0]), body: this.buffered.subarray(5, 1 + length) });
      this.buffered = this.buffered.subarray(1 + length);
    }
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

export function startupPacket(parameters: Record<string, string>, version = 3 << 16): Buffer {
  const pairs = Object.entries(parameters).flatMap(([name, value]) => [cstring(name), cstring(value)]);
  const body = Buffer.concat([int32(version), ...pairs, Buffer.from([0])]);
  return Buffer.concat([int32(body.length + 4), body]);
}

export function cancelPacket(processId: number, secretKey: number): Buffer {
  return Buffer.concat([int32(16), int32(80877102), int32(processId), int32(secretKey)]);
}

/** A typed message: type byte, length, body. */
export function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, 'latin1'), int32(body.length + 4), body]);
}

export function cstring(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

export function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value | 0);
  return out;
}

export function int16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeInt16BE(value);
  return out;
}

/** The fields of an ErrorResponse / NoticeResponse body, by their one-letter tag. */
export function errorFields(body: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const tag = String.fromCharCode(body[at]);
    const end = body.indexOf(0, at + 1);
    fields[tag] = body.subarray(at + 1, end).toString('utf8');
    at = end + 1;
  }
  return fields;
}

export const PSQL = '/usr/bin/psql';

export interface PsqlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs psql against the port (asynchronously: the server runs in this process). */
export function runPsql(port: number, args: string[], input?: string): Promise<PsqlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      PSQL,
      ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'materialize', '-d', 'materialize', ...args],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '10', PGSSLMODE: 'prefer', PGAPPNAME: 'psql-test' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
