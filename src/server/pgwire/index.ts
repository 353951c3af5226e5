// The PostgreSQL wire protocol server.
export { PgwireServer, startPgwireServer, DEFAULT_PARAMETERS, type PgwireServerOptions } from './server.js';
export type { Authenticator, AuthenticationRequest } from './handshake.js';
export { RoleAuthenticator, isLoopbackAddress, isLoopbackHost, type LoginRole } from './role-auth.js';
