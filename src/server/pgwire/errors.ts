// Errors specific to the wire protocol.
import { SqlError, SqlState } from '../../repr/errors.js';

/**
 * The byte stream cannot be trusted any more (bad framing, malformed or
 * oversized message): reported as FATAL 08P01, then the connection closes.
 */
export class ProtocolViolation extends SqlError {
  constructor(message: string) {
    super(SqlState.protocolViolation, message, { severity: 'FATAL' });
    this.name = 'ProtocolViolation';
  }
}

/** The client went away; unwinds the connection without answering. */
export class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

/** PostgreSQL's error for a CancelRequest that hit a running statement. */
export function queryCanceled(): SqlError {
  return new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');
}

/** SQLSTATE 22021: bytes that are not valid UTF-8. */
export function invalidUtf8(): SqlError {
  return new SqlError('22021', 'invalid byte sequence for encoding "UTF8"');
}
