// The key that encrypts secret values at rest, and the cipher itself
// (AES-256-GCM: authenticated, a random 96-bit nonce per value, the secret's
// id bound in as associated data so values cannot be swapped between ids).
//
// Where the key comes from, first match wins:
//   1. FRESHET_SECRETS_KEY: 32 bytes, base64 or hex;
//   2. --secrets-key-file <path>: a file holding the key (base64 or hex text, or 32 raw bytes);
//   3. the default key file, generated on first start with mode 0600:
//      $FRESHET_CONFIG_DIR/secrets.key, else $XDG_CONFIG_HOME/freshet/secrets.key,
//      else ~/.config/freshet/secrets.key.
// The key is never kept in the data directory (nor in the persist storage), so
// a copy of either alone reveals no secret.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve, isAbsolute } from 'node:path';

export const SECRETS_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SECRETS_KEY_ENV = 'FRESHET_SECRETS_KEY';

export interface SecretsKey {
  key: Buffer;
  /** Where it came from, for messages (never the key itself). */
  source: string;
}

export class SecretsKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsKeyError';
  }
}

/** Decodes a key written as base64 or hex (whitespace ignored); undefined if it is not 32 bytes either way. */
export function decodeKeyText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === SECRETS_KEY_BYTES) return bytes;
  }
  return undefined;
}

/** The default key file (outside any data directory). */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FRESHET_CONFIG_DIR) return join(env.FRESHET_CONFIG_DIR, 'secrets.key');
  const base = env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'freshet', 'secrets.key');
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function readKeyFile(path: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new SecretsKeyError(`cannot read the secrets key file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const key = raw.length === SECRETS_KEY_BYTES ? raw : decodeKeyText(raw.toString('latin1'));
  if (key === undefined) throw new SecretsKeyError(`the secrets key file ${path} does not hold a 32-byte key (base64 or hex text, or 32 raw bytes)`);
  return key;
}

/** Creates the key file with a new random key (mode 0600), or reads the one a concurrent start created. */
function generateKeyFile(path: string): Buffer {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'EEXIST') return readKeyFile(path);
    throw new SecretsKeyError(`cannot create the secrets key file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const key = randomBytes(SECRETS_KEY_BYTES);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

export interface ResolveKeyOptions {
  /** --secrets-key-file. */
  keyFile?: string | undefined;
  /** The data directory: a key file inside it would defeat the encryption. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Told when a new key file was generated (to log where). */
  generated?: (path: string) => void;
}

/** Finds (or on first start generates) the secrets key; throws SecretsKeyError with an actionable message. */
export function resolveSecretsKey(options: ResolveKeyOptions): SecretsKey {
  const env = options.env ?? process.env;
  const fromEnv = env[SECRETS_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = decodeKeyText(fromEnv);
    if (key === undefined) throw new SecretsKeyError(`${SECRETS_KEY_ENV} must be a 32-byte key written as base64 (44 characters) or hex (64 characters)`);
    return { key, source: SECRETS_KEY_ENV };
  }
  const explicit = options.keyFile !== undefined;
  const path = resolve(options.keyFile ?? defaultKeyFile(env));
  if (isInside(path, options.dataDir)) {
    throw new SecretsKeyError(
      `the secrets key file ${path} is inside the data directory ${resolve(options.dataDir)}: a copy of the data directory would then reveal every secret; keep the key elsewhere (--secrets-key-file or ${SECRETS_KEY_ENV})`,
    );
  }
  if (explicit) return { key: readKeyFile(path), source: `key file ${path}` };
  let existed = true;
  try {
    readFileSync(path);
  } catch {
    existed = false;
  }
  const key = existed ? readKeyFile(path) : generateKeyFile(path);
  if (!existed) options.generated?.(path);
  return { key, source: `key file ${path}` };
}

/** A value derived from the key that shows whether a stored document was written with it (reveals nothing of the key). */
export function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('freshet secrets key check v1').digest('base64').slice(0, 16);
}

export function keyMatches(key: Buffer, check: string): boolean {
  const ours = Buffer.from(keyCheck(key));
  const theirs = Buffer.from(check);
  return ours.length === theirs.length && timingSafeEqual(ours, theirs);
}

/** nonce ‖ ciphertext ‖ tag, base64; `id` is bound as associated data. */
export function encryptValue(key: Buffer, id: string, value: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** The value, or undefined when the key is wrong or the stored bytes were altered (never garbage). */
export function decryptValue(key: Buffer, id: string, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < NONCE_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
