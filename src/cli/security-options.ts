// `freshet serve`'s security options: TLS for SQL clients, authentication
// policy, connection and message limits, and where the secrets key comes from.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { Logger } from 'pino';
import type { Coordinator } from '../adapter/coordinator.js';
import { type PgwireServerOptions, RoleAuthenticator, isLoopbackAddress, isLoopbackHost } from '../server/pgwire/index.js';

export interface SecurityOptions {
  secretsKeyFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  requireTls?: boolean;
  allowInsecureListen?: boolean;
  maxConnections?: number;
  maxMessageSize?: number;
  maxStatementSize?: number;
  maxBufferedInput?: number;
  /** --authentication-timeout, seconds. */
  authenticationTimeout?: number;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** 64MiB, 512kB, 1GB, or a number of bytes (units in powers of 1024). */
export function parseSize(value: string): number {
  const m = /^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError('must be a size such as 64MiB, 512kB or a number of bytes');
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  const factor: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  const bytes = Number(m[1]) * factor[unit]!;
  if (bytes <= 0 || bytes > 1024 ** 3) throw new InvalidArgumentError('must be between 1 byte and 1GiB');
  return bytes;
}

export function addSecurityOptions(command: Command): Command {
  return command
    .option(
      '--secrets-key-file <path>',
      'file holding the 32-byte key (base64 or hex) secrets are encrypted with at rest; default: $FRESHET_SECRETS_KEY, else ~/.config/freshet/secrets.key ($XDG_CONFIG_HOME), generated on first start. Keep it outside the data directory and back it up',
    )
    .option('--tls-cert <path>', 'PEM certificate (chain) for SQL clients: SSLRequest is answered and the connection encrypted (sslmode=require)')
    .option('--tls-key <path>', 'PEM private key of --tls-cert')
    .option('--require-tls', 'refuse SQL clients that do not encrypt (needs --tls-cert and --tls-key)')
    .option(
      '--allow-insecure-listen',
      'allow listening beyond loopback without authentication: roles without a password (such as materialize) may then connect from any address, and SQL over HTTP is served to any address',
    )
    .option('--max-connections <n>', 'SQL connections served at once; more are refused with 53300 (default 1000)', parsePositiveInt)
    .option('--max-message-size <size>', 'largest protocol message accepted; larger ones end the connection with 08P01 (default 64MiB)', parseSize)
    .option('--max-statement-size <size>', 'longest statement text accepted; longer ones fail with 54000 (default 16MiB)', parseSize)
    .option('--authentication-timeout <seconds>', 'time a client has to complete startup and authentication before it is disconnected (default 60)', parsePositiveInt)
    .option('--max-buffered-input <size>', 'bytes of large messages received at once across all connections; further clients wait (default 256MiB)', parseSize);
}

/**
 * The SQL listener's security settings, checked before listening: TLS
 * material is read, and listening beyond loopback without any way to
 * authenticate remote clients is refused unless --allow-insecure-listen.
 * Throws an Error with a message for the operator.
 */
export function pgwireSecurity(
  options: SecurityOptions & { host: string },
  coordinator: Coordinator,
  logger: Logger,
): Pick<PgwireServerOptions, 'authenticator' | 'tls' | 'requireTls' | 'maxConnections' | 'maxMessageBytes' | 'maxStatementBytes' | 'maxBufferedInputBytes' | 'startupTimeoutMs'> {
  const result: ReturnType<typeof pgwireSecurity> = {};
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together: give both');
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) {
    const read = (path: string, what: string): Buffer => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`cannot read the TLS ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    result.tls = { cert: read(options.tlsCert, 'certificate'), key: read(options.tlsKey, 'key') };
  }
  if (options.requireTls) {
    if (result.tls === undefined) throw new Error('--require-tls needs a certificate: give --tls-cert and --tls-key');
    result.requireTls = true;
  }
  const insecure = options.allowInsecureListen === true;
  if (!isLoopbackHost(options.host) && !insecure && !coordinator.passwordsConfigured()) {
    throw new Error(
      `refusing to listen on ${options.host} without authentication: no role that can log in has a password, so clients from other hosts could not authenticate. ` +
        `Set one first over loopback (psql -h 127.0.0.1 ... -c "ALTER ROLE materialize PASSWORD '...'" or CREATE ROLE ... LOGIN PASSWORD '...'), ` +
        'or pass --allow-insecure-listen to let roles without a password connect from any address',
    );
  }
  if (!isLoopbackHost(options.host) && insecure) {
    logger.warn({ host: options.host }, 'listening beyond loopback with --allow-insecure-listen: roles without a password connect from any address without authentication');
  }
  result.authenticator = new RoleAuthenticator({
    lookup: (name) => coordinator.loginRole(name),
    createOnFirstLogin: (name) => coordinator.createLoginRole(name),
    trustAnyAddress: insecure,
    logger: logger.child({ component: 'auth' }),
  });
  if (options.maxConnections !== undefined) result.maxConnections = options.maxConnections;
  if (options.maxMessageSize !== undefined) result.maxMessageBytes = options.maxMessageSize;
  if (options.maxStatementSize !== undefined) result.maxStatementBytes = options.maxStatementSize;
  if (options.maxBufferedInput !== undefined) result.maxBufferedInputBytes = options.maxBufferedInput;
  if (options.authenticationTimeout !== undefined) result.startupTimeoutMs = options.authenticationTimeout * 1000;
  return result;
}

/** SQL over HTTP (no authentication) for loopback clients only, unless --allow-insecure-listen. */
export function httpSqlAllowed(options: SecurityOptions): (remoteAddress: string | undefined) => boolean {
  return (remoteAddress) => options.allowInsecureListen === true || isLoopbackAddress(remoteAddress);
}
