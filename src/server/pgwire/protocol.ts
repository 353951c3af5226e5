// Constants of the PostgreSQL v3 frontend/backend protocol
// (https://www.postgresql.org/docs/current/protocol-message-formats.html).

/** Codes in the first word of a startup-phase packet. */
export const StartupCode = {
  /** Protocol 3.0: major 3 in the high 16 bits, minor 0 in the low 16. */
  protocol3: 3 << 16,
  sslRequest: 80877103,
  gssEncRequest: 80877104,
  cancelRequest: 80877102,
} as const;

/** Type bytes of messages the client sends. */
export const Frontend = {
  query: 0x51, // 'Q'
  parse: 0x50, // 'P'
  bind: 0x42, // 'B'
  describe: 0x44, // 'D'
  execute: 0x45, // 'E'
  close: 0x43, // 'C'
  sync: 0x53, // 'S'
  flush: 0x48, // 'H'
  terminate: 0x58, // 'X'
  copyData: 0x64, // 'd'
  copyDone: 0x63, // 'c'
  copyFail: 0x66, // 'f'
  password: 0x70, // 'p'
  functionCall: 0x46, // 'F'
} as const;

/** Type bytes of messages the server sends. */
export const Backend = {
  authentication: 0x52, // 'R'
  parameterStatus: 0x53, // 'S'
  backendKeyData: 0x4b, // 'K'
  readyForQuery: 0x5a, // 'Z'
  rowDescription: 0x54, // 'T'
  dataRow: 0x44, // 'D'
  commandComplete: 0x43, // 'C'
  emptyQueryResponse: 0x49, // 'I'
  errorResponse: 0x45, // 'E'
  noticeResponse: 0x4e, // 'N'
  parseComplete: 0x31, // '1'
  bindComplete: 0x32, // '2'
  closeComplete: 0x33, // '3'
  parameterDescription: 0x74, // 't'
  noData: 0x6e, // 'n'
  portalSuspended: 0x73, // 's'
  copyInResponse: 0x47, // 'G'
  copyOutResponse: 0x48, // 'H'
  copyData: 0x64, // 'd'
  copyDone: 0x63, // 'c'
  negotiateProtocolVersion: 0x76, // 'v'
} as const;

export const AuthenticationCode = {
  ok: 0,
  cleartextPassword: 3,
  sasl: 10,
  saslContinue: 11,
  saslFinal: 12,
} as const;

/** Field tags of ErrorResponse and NoticeResponse. */
export const ErrorField = {
  severity: 0x53, // 'S' (localized)
  severityNonLocalized: 0x56, // 'V'
  code: 0x43, // 'C'
  message: 0x4d, // 'M'
  detail: 0x44, // 'D'
  hint: 0x48, // 'H'
  position: 0x50, // 'P'
} as const;

/** Result/parameter format codes. */
export type FormatCode = 0 | 1;
export const TEXT_FORMAT: FormatCode = 0;
export const BINARY_FORMAT: FormatCode = 1;

/** PostgreSQL's limit on startup packets (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_BYTES = 10000;
/** Default limit on any other message; larger ones are a protocol violation. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** Largest message accepted before authentication completes (passwords, SASL messages). */
export const MAX_AUTH_MESSAGE_BYTES = 8192;
/** Default bytes of large messages being received at once, across all connections. */
export const DEFAULT_MAX_BUFFERED_INPUT_BYTES = 256 * 1024 * 1024;
/** Default limit on the text of one Query or Parse message (54000 beyond it). */
export const DEFAULT_MAX_STATEMENT_BYTES = 16 * 1024 * 1024;
/** Default limit on connections (53300 beyond it). */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/** PostgreSQL's default authentication_timeout. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
