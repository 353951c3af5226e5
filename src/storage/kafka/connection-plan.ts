// CREATE CONNECTION ... TO KAFKA: Materialize's options -> librdkafka settings.
import type { CreateConnectionStatement, ObjectName, SqlOption } from '../../sql/ast.js';
import { SqlError, SqlState } from '../../repr/errors.js';
import { collectOptions, optionErrorAt, secretOption, stringListOption, stringOption, stringOrSecretOption } from './options.js';
import type { KafkaConnectionSpec, SecretResolver } from './plan.js';
import { objectNameOption, type AwsConnectionSpec } from '../aws/connection.js';
import { mskRegionFromBroker } from './msk-iam.js';

/** Resolves `AWS CONNECTION = name` to the AWS connection (throws if it is missing or not an AWS connection). */
export type AwsConnectionResolver = (name: ObjectName) => { id: string; name: string; spec: AwsConnectionSpec };

const CONNECTION_OPTIONS = [
  'BROKER',
  'BROKERS',
  'SECURITY PROTOCOL',
  'SASL MECHANISMS',
  'SASL USERNAME',
  'SASL PASSWORD',
  'SASL OAUTHBEARER TOKEN ENDPOINT',
  'SASL CLIENT ID',
  'SASL CLIENT SECRET',
  'SASL SCOPE',
  'SSL CERTIFICATE AUTHORITY',
  'SSL CERTIFICATE',
  'SSL KEY',
  'PROGRESS TOPIC',
  'PROGRESS TOPIC REPLICATION FACTOR',
  'AWS CONNECTION',
  'AWS PRIVATELINK',
  'SSH TUNNEL',
] as const;

const NOT_YET_SUPPORTED = ['AWS PRIVATELINK', 'SSH TUNNEL'];
const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];
const OIDC_OPTIONS = ['SASL OAUTHBEARER TOKEN ENDPOINT', 'SASL CLIENT ID', 'SASL CLIENT SECRET', 'SASL SCOPE'];
const SASL_OPTIONS = ['SASL MECHANISMS', 'SASL USERNAME', 'SASL PASSWORD', ...OIDC_OPTIONS, 'AWS CONNECTION'];
const SSL_CLIENT_OPTIONS = ['SSL CERTIFICATE', 'SSL KEY'];

/** Options that go to librdkafka, and whether each may (or must) be a secret. */
const CLIENT_SETTINGS: { option: string; key: string; secret: 'optional' | 'required' }[] = [
  { option: 'SASL USERNAME', key: 'sasl.username', secret: 'optional' },
  { option: 'SASL PASSWORD', key: 'sasl.password', secret: 'required' },
  { option: 'SASL CLIENT ID', key: 'sasl.oauthbearer.client.id', secret: 'optional' },
  { option: 'SASL CLIENT SECRET', key: 'sasl.oauthbearer.client.secret', secret: 'required' },
  { option: 'SSL CERTIFICATE AUTHORITY', key: 'ssl.ca.pem', secret: 'optional' },
  { option: 'SSL CERTIFICATE', key: 'ssl.certificate.pem', secret: 'optional' },
  { option: 'SSL KEY', key: 'ssl.key.pem', secret: 'required' },
];

function inferSecurityProtocol(options: Map<string, SqlOption>): string {
  const sasl = SASL_OPTIONS.some((o) => options.has(o));
  const ssl = options.has('SSL CERTIFICATE AUTHORITY') || SSL_CLIENT_OPTIONS.some((o) => options.has(o));
  if (sasl) return 'SASL_SSL';
  if (ssl) return 'SSL';
  return 'PLAINTEXT';
}

export function planKafkaConnectionOptions(stmt: CreateConnectionStatement, resolveSecret: SecretResolver, resolveAws?: AwsConnectionResolver): KafkaConnectionSpec {
  if (stmt.connectionType !== 'kafka') {
    throw new SqlError(SqlState.featureNotSupported, `CONNECTION TO ${stmt.connectionType.toUpperCase()} is not supported by the Kafka planner`);
  }
  const options = collectOptions(stmt.options, CONNECTION_OPTIONS, 'KAFKA connection');
  for (const name of NOT_YET_SUPPORTED) {
    const option = options.get(name);
    if (option) throw optionErrorAt(option, `${name} is not yet supported in Kafka connections`, SqlState.featureNotSupported);
  }

  const broker = options.get('BROKER');
  const brokersOption = options.get('BROKERS');
  if (broker && brokersOption) throw optionErrorAt(brokersOption, 'cannot set BROKER and BROKERS', SqlState.syntaxError);
  const brokers = broker ? [stringOption(broker)] : brokersOption ? stringListOption(brokersOption) : [];
  if (brokers.length === 0) throw new SqlError(SqlState.syntaxError, 'must set one of BROKER, BROKERS, or AWS PRIVATELINK', { position: stmt.pos + 1 });
  for (const b of brokers) {
    if (b.trim() === '' || /[\s,]/.test(b.trim())) {
      throw new SqlError(SqlState.invalidParameterValue, `invalid broker address: "${b}"`, { position: (broker ?? brokersOption)!.pos + 1 });
    }
  }

  const protocolOption = options.get('SECURITY PROTOCOL');
  const protocol = protocolOption ? stringOption(protocolOption).toUpperCase() : inferSecurityProtocol(options);
  if (!SECURITY_PROTOCOLS.includes(protocol)) {
    throw optionErrorAt(protocolOption!, `unknown security protocol: ${protocol}; expected one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const usesSasl = protocol.startsWith('SASL_');
  const usesSsl = protocol.endsWith('SSL');
  for (const name of usesSasl ? [] : SASL_OPTIONS) {
    const option = options.get(name);
    if (option) throw optionErrorAt(option, `option ${name} not supported with this configuration (SECURITY PROTOCOL ${protocol})`);
  }
  for (const name of usesSsl ? [] : [...SSL_CLIENT_OPTIONS, 'SSL CERTIFICATE AUTHORITY']) {
    const option = options.get(name);
    if (option) throw optionErrorAt(option, `option ${name} not supported with this configuration (SECURITY PROTOCOL ${protocol})`);
  }
  if (options.has('SSL CERTIFICATE') !== options.has('SSL KEY')) {
    throw new SqlError(SqlState.invalidParameterValue, 'SSL CERTIFICATE and SSL KEY must be specified together', { position: stmt.pos + 1 });
  }

  const config: Record<string, string> = {
    'bootstrap.servers': brokers.join(','),
    'security.protocol': protocol.toLowerCase(),
  };
  let aws: KafkaConnectionSpec['aws'];
  const awsOption = options.get('AWS CONNECTION');
  if (awsOption) {
    // Amazon MSK IAM: OAUTHBEARER with tokens signed by the AWS connection's credentials.
    for (const name of ['SASL USERNAME', 'SASL PASSWORD', ...OIDC_OPTIONS]) {
      const option = options.get(name);
      if (option) throw optionErrorAt(option, `option ${name} not supported with AWS CONNECTION`);
    }
    const mechanismOption = options.get('SASL MECHANISMS');
    if (mechanismOption && stringOption(mechanismOption).toUpperCase() !== 'OAUTHBEARER') {
      throw optionErrorAt(mechanismOption, 'SASL MECHANISMS must be OAUTHBEARER (or left out) with AWS CONNECTION');
    }
    if (!resolveAws) throw optionErrorAt(awsOption, 'AWS CONNECTION cannot be resolved here', SqlState.featureNotSupported);
    const resolved = resolveAws(objectNameOption(awsOption));
    const region = resolved.spec.region ?? mskRegionFromBroker(brokers[0]!);
    if (!region) {
      throw optionErrorAt(awsOption, `AWS connection "${resolved.name}" has no REGION, and broker "${brokers[0]}" is not an MSK host name to take it from`);
    }
    aws = { connection: { id: resolved.id, name: resolved.name }, spec: resolved.spec, region };
    config['sasl.mechanisms'] = 'OAUTHBEARER';
  } else if (usesSasl) {
    const mechanismOption = options.get('SASL MECHANISMS');
    if (!mechanismOption) throw new SqlError(SqlState.invalidParameterValue, 'SASL MECHANISMS must be specified', { position: stmt.pos + 1 });
    const mechanism = stringOption(mechanismOption).toUpperCase();
    if (!SASL_MECHANISMS.includes(mechanism)) {
      throw optionErrorAt(mechanismOption, `unsupported SASL MECHANISMS: ${mechanism}; expected one of ${SASL_MECHANISMS.join(', ')}`);
    }
    config['sasl.mechanisms'] = mechanism;
    if (mechanism !== 'OAUTHBEARER') {
      for (const name of OIDC_OPTIONS) {
        const option = options.get(name);
        if (option) throw optionErrorAt(option, `option ${name} requires SASL MECHANISMS = 'OAUTHBEARER'`);
      }
      for (const required of ['SASL USERNAME', 'SASL PASSWORD']) {
        if (!options.has(required)) throw new SqlError(SqlState.invalidParameterValue, `${required} must be specified`, { position: stmt.pos + 1 });
      }
    } else {
      // OIDC client credentials: librdkafka fetches tokens from the endpoint and refreshes them at 80% of their lifetime.
      for (const name of ['SASL USERNAME', 'SASL PASSWORD']) {
        const option = options.get(name);
        if (option) throw optionErrorAt(option, `option ${name} not supported with SASL MECHANISMS = 'OAUTHBEARER'`);
      }
      for (const required of ['SASL OAUTHBEARER TOKEN ENDPOINT', 'SASL CLIENT ID', 'SASL CLIENT SECRET']) {
        if (!options.has(required)) {
          throw new SqlError(
            SqlState.invalidParameterValue,
            `${required} must be specified with SASL MECHANISMS = 'OAUTHBEARER' (OIDC client credentials); for Amazon MSK IAM use AWS CONNECTION instead`,
            { position: stmt.pos + 1 },
          );
        }
      }
      const endpointOption = options.get('SASL OAUTHBEARER TOKEN ENDPOINT')!;
      const endpoint = stringOption(endpointOption);
      if (!/^https?:\/\/[^\s/]+/i.test(endpoint)) throw optionErrorAt(endpointOption, `invalid SASL OAUTHBEARER TOKEN ENDPOINT: "${endpoint}" is not an http:// or https:// URL`);
      config['sasl.oauthbearer.method'] = 'oidc';
      config['sasl.oauthbearer.token.endpoint.url'] = endpoint;
      const scope = options.get('SASL SCOPE');
      if (scope) config['sasl.oauthbearer.scope'] = stringOption(scope);
    }
  }

  const secretConfig: KafkaConnectionSpec['secretConfig'] = {};
  for (const setting of CLIENT_SETTINGS) {
    const option = options.get(setting.option);
    if (!option) continue;
    if (setting.secret === 'required') {
      secretConfig[setting.key] = resolveSecret(secretOption(option));
      continue;
    }
    const value = stringOrSecretOption(option);
    if ('secret' in value) secretConfig[setting.key] = resolveSecret(value.secret);
    else config[setting.key] = value.value;
  }

  const spec: KafkaConnectionSpec = { brokers, config, secretConfig };
  if (aws) spec.aws = aws;
  const progressTopic = options.get('PROGRESS TOPIC');
  if (progressTopic) spec.progressTopic = stringOption(progressTopic);
  return spec;
}
