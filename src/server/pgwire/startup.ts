// The startup phase's packets: SSL/GSS encryption requests, cancel requests
// and the StartupMessage with its parameters.
import { SqlError, SqlState } from '../../repr/errors.js';
import type { StartupParameters } from '../../adapter/api.js';
import { BodyReader } from './frontend.js';
import { StartupCode } from './protocol.js';

export type StartupPacket =
  | { kind: 'sslRequest' }
  | { kind: 'gssEncRequest' }
  | { kind: 'cancelRequest'; processId: number; secretKey: number }
  | { kind: 'startup'; minorVersion: number; parameters: Map<string, string> }
  | { kind: 'unsupportedProtocol'; major: number; minor: number };

/** Decodes a startup-phase packet body (after its length word). */
export function decodeStartupPacket(body: Buffer): StartupPacket {
  const reader = new BodyReader(body);
  const code = reader.int32();
  if (code === StartupCode.sslRequest) return { kind: 'sslRequest' };
  if (code === StartupCode.gssEncRequest) return { kind: 'gssEncRequest' };
  if (code === StartupCode.cancelRequest) {
    const processId = reader.int32();
    const secretKey = reader.int32();
    return { kind: 'cancelRequest', processId, secretKey };
  }
  const major = code >>> 16;
  const minor = code & 0xffff;
  if (major !== 3) return { kind: 'unsupportedProtocol', major, minor };
  const parameters = new Map<string, string>();
  // name\0value\0 ... \0
  while (!reader.atEnd()) {
    const name = reader.cstring();
    if (name === '') break;
    parameters.set(name, reader.cstring());
  }
  reader.end();
  return { kind: 'startup', minorVersion: minor, parameters };
}

/** The parameters the session sees; throws SqlError 28000 without a user name. */
export function toStartupParameters(raw: ReadonlyMap<string, string>): StartupParameters {
  const user = raw.get('user');
  if (user === undefined || user === '') {
    throw new SqlError(SqlState.invalidAuthorizationSpecification, 'no PostgreSQL user name specified in startup packet', {
      severity: 'FATAL',
    });
  }
  const options = new Map<string, string>();
  for (const [name, value] of raw) {
    if (name === 'user' || name === 'database' || name === 'application_name') continue;
    if (name === 'options') {
      for (const [optionName, optionValue] of parseOptionsParameter(value)) options.set(optionName, optionValue);
    } else {
      options.set(name, value);
    }
  }
  const database = raw.get('database');
  return {
    user,
    database: database === undefined || database === '' ? user : database,
    applicationName: raw.get('application_name'),
    options,
  };
}

/**
 * Parses the `options` startup parameter as PostgreSQL does for settings:
 * `-c name=value` and `--name=value`, whitespace-separated, backslash escapes.
 * Anything else is ignored.
 */
export function parseOptionsParameter(options: string): [string, string][] {
  const words = splitOptionWords(options);
  const settings: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    let setting: string | undefined;
    if (words[i] === '-c') setting = words[++i];
    else if (words[i].startsWith('-c')) setting = words[i].slice(2);
    else if (words[i].startsWith('--')) setting = words[i].slice(2);
    if (setting === undefined) continue;
    const eq = setting.indexOf('=');
    if (eq <= 0) continue;
    settings.push([setting.slice(0, eq).replaceAll('-', '_'), setting.slice(eq + 1)]);
  }
  return settings;
}

function splitOptionWords(options: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < options.length; i++) {
    const ch = options[i];
    if (ch === '\\' && i + 1 < options.length) {
      current += options[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
