// A TLS-terminating proxy in front of a plaintext broker, so that TLS and
// mutual TLS are tested end to end against librdkafka's mock cluster (which
// has no TLS listener): the client's TLS session ends here and the Kafka
// bytes go on, unchanged, to the mock broker. Test certificates live in
// test/fixtures/tls (see the README there).
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { join } from 'node:path';

// Tests run from the repository root (as the SQL logic tests read their files).
const fixtures = join(process.cwd(), 'test', 'fixtures', 'tls');

/** The test PKI: a CA, a server certificate for localhost / 127.0.0.1 and a client certificate it signed, and an unrelated CA. */
export const testPki = {
  ca: readFileSync(join(fixtures, 'ca.pem'), 'utf8'),
  serverCert: readFileSync(join(fixtures, 'server.pem'), 'utf8'),
  serverKey: readFileSync(join(fixtures, 'server.key'), 'utf8'),
  clientCert: readFileSync(join(fixtures, 'client.pem'), 'utf8'),
  clientKey: readFileSync(join(fixtures, 'client.key'), 'utf8'),
  otherCa: readFileSync(join(fixtures, 'other-ca.pem'), 'utf8'),
};

export interface TlsProxy {
  readonly port: number;
  /** TLS handshakes that completed, and ones refused (e.g. no client certificate when one is required). */
  readonly stats: { accepted: number; refused: number };
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 with the test server certificate; with `requireClientCert`, only clients with a certificate from the test CA get through. */
export async function startTlsProxy(targetPort: number, options: { requireClientCert?: boolean } = {}): Promise<TlsProxy> {
  const sockets = new Set<Socket>();
  const stats = { accepted: 0, refused: 0 };
  const server = createServer(
    {
      key: testPki.serverKey,
      cert: testPki.serverCert,
      ca: testPki.ca,
      requestCert: options.requireClientCert ?? false,
      rejectUnauthorized: options.requireClientCert ?? false,
    },
    (client: TLSSocket) => {
      stats.accepted++;
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(client);
      sockets.add(upstream);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    },
  );
  server.on('tlsClientError', () => stats.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('TLS proxy has no port');
  return {
    port: address.port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
