// CREATE CONNECTION ... TO CONFLUENT SCHEMA REGISTRY: Materialize's options ->
// a CsrConnectionSpec (URL, basic auth, TLS material; secrets by reference).
import type { CreateConnectionStatement, SqlOption } from '../../sql/ast.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { collectOptions, optionErrorAt, secretOption, stringOption, stringOrSecretOption } from '../kafka/options.js';
import type { SecretRef, SecretResolver } from '../kafka/plan.js';
import type { CsrConnectionSpec } from './api.js';

/** The connection type as the parser records it (`TO CONFLUENT SCHEMA REGISTRY`). */
export const CSR_CONNECTION_TYPE = 'confluent schema registry';

const CONNECTION_OPTIONS = [
  'URL',
  'USERNAME',
  'PASSWORD',
  'SSL CERTIFICATE AUTHORITY',
  'SSL CERTIFICATE',
  'SSL KEY',
  'AWS PRIVATELINK',
  'SSH TUNNEL',
] as const;

const NOT_YET_SUPPORTED = ['AWS PRIVATELINK', 'SSH TUNNEL'];
const TLS_OPTIONS = ['SSL CERTIFICATE AUTHORITY', 'SSL CERTIFICATE', 'SSL KEY'];

/**
 * Checks and normalizes the registry's base URL: http or https, a host, no
 * credentials, query or fragment; the trailing slash removed. Errors never
 * echo a URL that carries credentials.
 */
export function normalizeRegistryUrl(text: string, option?: SqlOption): string {
  const fail = (message: string): SqlError =>
    option ? optionErrorAt(option, message, SqlState.invalidParameterValue) : new SqlError(SqlState.invalidParameterValue, message);
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Hide anything that looks like user:password@ before quoting the text back.
    throw fail(`invalid URL: "${text.replace(/\/\/[^/@]*@/, '//***@')}": expected http://host[:port] or https://host[:port]`);
  }
  if (url.username !== '' || url.password !== '') {
    throw fail('invalid URL: credentials in the URL are not allowed; use USERNAME and PASSWORD = SECRET');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fail(`invalid URL: "${text}": the scheme must be http or https, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.hostname === '') throw fail(`invalid URL: "${text}": missing host`);
  if (url.search !== '' || url.hash !== '') throw fail(`invalid URL: "${text}": a query or fragment is not allowed`);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

export function planCsrConnection(stmt: CreateConnectionStatement, resolveSecret: SecretResolver): CsrConnectionSpec {
  if (stmt.connectionType !== CSR_CONNECTION_TYPE) {
    throw new SqlError(SqlState.featureNotSupported, `CONNECTION TO ${stmt.connectionType.toUpperCase()} is not supported by the schema registry planner`);
  }
  const options = collectOptions(stmt.options, CONNECTION_OPTIONS, 'CONFLUENT SCHEMA REGISTRY connection');
  for (const name of NOT_YET_SUPPORTED) {
    const option = options.get(name);
    if (option) throw optionErrorAt(option, `${name} is not yet supported in CONFLUENT SCHEMA REGISTRY connections`, SqlState.featureNotSupported);
  }

  const urlOption = options.get('URL');
  if (!urlOption) throw new SqlError(SqlState.syntaxError, 'invalid CONNECTION: must specify URL', { position: stmt.pos + 1 });
  const url = normalizeRegistryUrl(stringOption(urlOption), urlOption);

  if (!url.startsWith('https:')) {
    for (const name of TLS_OPTIONS) {
      const option = options.get(name);
      if (option) throw optionErrorAt(option, `option ${name} requires an https URL`, SqlState.invalidParameterValue);
    }
  }
  if (options.has('SSL CERTIFICATE') !== options.has('SSL KEY')) {
    throw new SqlError(
      SqlState.invalidParameterValue,
      'invalid CONNECTION: reading from SSL-auth Confluent Schema Registry requires both SSL KEY and SSL CERTIFICATE',
      { position: stmt.pos + 1 },
    );
  }
  if (options.has('PASSWORD') && !options.has('USERNAME')) {
    throw new SqlError(SqlState.invalidParameterValue, 'invalid CONNECTION: PASSWORD requires USERNAME', { position: stmt.pos + 1 });
  }

  const stringOrSecret = (option: SqlOption): string | SecretRef => {
    const value = stringOrSecretOption(option);
    return 'secret' in value ? resolveSecret(value.secret) : value.value;
  };

  const spec: CsrConnectionSpec = { url };
  const username = options.get('USERNAME');
  if (username) spec.username = stringOrSecret(username);
  const password = options.get('PASSWORD');
  if (password) spec.password = resolveSecret(secretOption(password));
  const ca = options.get('SSL CERTIFICATE AUTHORITY');
  if (ca) spec.sslCa = stringOrSecret(ca);
  const certificate = options.get('SSL CERTIFICATE');
  if (certificate) spec.sslCertificate = stringOrSecret(certificate);
  const key = options.get('SSL KEY');
  if (key) spec.sslKey = resolveSecret(secretOption(key));
  return spec;
}
