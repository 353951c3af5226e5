// Who may connect: roles from the catalog. A role with a password proves it
// with SCRAM-SHA-256 on every connection, loopback included. A role without
// one may connect only from the loopback interface (the embedded default,
// e.g. the built-in superuser `materialize`), or from anywhere when the server
// was started with --allow-insecure-listen; a name connecting for the first
// time from there gets a role of its own (no password, no superuser), as
// Materialize creates a user's role on first login. Unknown roles and roles without a
// password connecting from elsewhere go through the same SCRAM exchange
// (against a made-up verifier) and fail with 28P01, so a client learns
// nothing about which roles exist.
import type { Logger } from 'pino';
import { SqlError, SqlState } from '../../repr/errors.js';
import type { AuthenticationRequest, Authenticator } from './handshake.js';
import { parseVerifier } from './scram.js';

export interface LoginRole {
  name: string;
  login: boolean;
  /** SCRAM-SHA-256 verifier text; undefined: no password. */
  verifier: string | undefined;
}

export interface RoleAuthenticatorOptions {
  lookup(name: string): LoginRole | undefined;
  /** Roles without a password may connect from any address (--allow-insecure-listen). */
  trustAnyAddress: boolean;
  /**
   * Creates a login role without a password for a name connecting for the
   * first time from a trusted address, as Materialize creates a user's role
   * on first login. Absent: unknown roles are refused.
   */
  createOnFirstLogin?(name: string): LoginRole;
  logger: Logger;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d+\.\d+\.\d+$/.test(v4) || address === '::1';
}

/** Whether a listen address accepts loopback clients only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

export class RoleAuthenticator implements Authenticator {
  constructor(private readonly options: RoleAuthenticatorOptions) {}

  async authenticate(request: AuthenticationRequest): Promise<void> {
    const { user } = request.startup;
    const role = this.options.lookup(user);
    const log = this.options.logger;
    const verifier = role?.verifier === undefined ? undefined : parseVerifier(role.verifier);
    if (verifier !== undefined) {
      try {
        await request.authenticateScram(verifier);
      } catch (err) {
        if (err instanceof SqlError && err.code === SqlState.invalidPassword) {
          log.info({ user, remote: request.remoteAddress }, 'password authentication failed');
        }
        throw err;
      }
    } else {
      const trusted = this.options.trustAnyAddress || isLoopbackAddress(request.remoteAddress);
      if (!trusted) {
        // Never say why (no such role, or no password): the exchange fails the same way.
        log.info({ user, remote: request.remoteAddress, reason: role === undefined ? 'no such role' : 'the role has no password' }, 'password authentication failed');
        await request.authenticateScram(undefined);
        return;
      }
      if (role === undefined) {
        if (!this.options.createOnFirstLogin) {
          throw new SqlError(SqlState.invalidAuthorizationSpecification, `role "${user}" does not exist`, { severity: 'FATAL' });
        }
        this.options.createOnFirstLogin(user);
        log.info({ user, remote: request.remoteAddress }, 'created the role of a user logging in for the first time');
        return;
      }
    }
    if (role !== undefined && !role.login) {
      throw new SqlError(SqlState.invalidAuthorizationSpecification, `role "${user}" is not permitted to log in`, { severity: 'FATAL' });
    }
  }
}
