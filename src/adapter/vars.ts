// Session variables: SET / SHOW / RESET, with PostgreSQL's and Materialize's
// names and defaults. Variables flagged `report` are sent to the client as
// ParameterStatus at startup and whenever they change (PostgreSQL's GUC_REPORT).
import { SqlError, SqlState } from '../repr/errors.js';
import { ExtraSqlState } from '../catalog/extra-sqlstates.js';
import { DATABASE_NAME, DEFAULT_CLUSTER } from '../catalog/objects.js';

interface VarDef {
  /** Name as SHOW ALL prints it (PostgreSQL's casing: DateStyle, TimeZone). */
  name: string;
  defaultValue: string;
  description: string;
  report: boolean;
  readOnly?: boolean;
  /** Normalizes a new value; throws SqlError for an invalid one. */
  normalize?: (value: string) => string;
}

function invalidValue(name: string, value: string, detail?: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "${name}": "${value}"`, detail ? { detail } : {});
}

function onlyValues(name: string, allowed: string[], canonical: string): (v: string) => string {
  return (v) => {
    if (allowed.includes(v.toLowerCase().replace(/\s+/g, ' ').trim())) return canonical;
    throw invalidValue(name, v);
  };
}

/**
 * SET TIME ZONE 5.5: a number is hours EAST of Greenwich (unlike a POSIX spec),
 * kept as the POSIX spec PostgreSQL shows for it ('<+05:30>-05:30').
 */
function numericZone(hours: number): string {
  const minutes = Math.round(Math.abs(hours) * 60);
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}${minutes % 60 === 0 ? '' : `:${String(minutes % 60).padStart(2, '0')}`}`;
  const east = hours >= 0;
  return `<${east ? '+' : '-'}${hhmm}>${east ? '-' : '+'}${hhmm}`;
}

function normalizeTimeZone(value: string): string {
  const v = value.trim();
  if (/^utc$/i.test(v) || /^gmt$/i.test(v) || /^z$/i.test(v)) return 'UTC';
  if (/^[+-]?\d{1,2}(\.\d+)?$/.test(v)) return numericZone(Number(v));
  if (/^[+-]?\d{1,2}(:\d{2})?$/.test(v)) return v;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return v;
  } catch {
    if (/^<[A-Za-z0-9:+-]+>[+-]?\d{1,2}(:\d{2})?$/.test(v)) return v; // a POSIX spec as PostgreSQL shows numeric zones
    throw invalidValue('TimeZone', value);
  }
}

function normalizeInteger(name: string, min: number, max: number): (v: string) => string {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw invalidValue(name, v);
    return String(n);
  };
}

/** PostgreSQL duration settings: a bare number is milliseconds; units ms, s, min, h, d. Undefined when invalid. */
export function parseDurationMs(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(value);
  if (!m) return undefined;
  const factor: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * factor[(m[2] ?? 'ms').toLowerCase()]!;
}

/**
 * A byte size as Materialize's memory settings take it ('1GB', '512MB',
 * '1024kB', or a number of bytes), units in powers of 1024. Undefined when invalid.
 */
export function parseByteSize(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  const factor: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };
  return Math.floor(Number(m[1]) * factor[unit]!);
}

const DEFS: VarDef[] = [
  { name: 'application_name', defaultValue: '', description: 'Sets the application name to be reported in statistics and logs.', report: true },
  {
    name: 'client_encoding',
    defaultValue: 'UTF8',
    description: "Sets the client's character set encoding.",
    report: true,
    normalize: onlyValues('client_encoding', ['utf8', 'utf-8', 'unicode'], 'UTF8'),
  },
  {
    name: 'cluster',
    defaultValue: DEFAULT_CLUSTER,
    description: 'Sets the current cluster (Materialize).',
    report: false,
  },
  { name: 'cluster_replica', defaultValue: '', description: 'Sets a target cluster replica for SELECT queries (Materialize).', report: false },
  { name: 'database', defaultValue: DATABASE_NAME, description: 'Sets the current database (CockroachDB).', report: false },
  {
    name: 'DateStyle',
    defaultValue: 'ISO, MDY',
    description: 'Sets the display format for date and time values.',
    report: true,
    normalize: onlyValues('DateStyle', ['iso, mdy', 'iso', 'mdy', 'iso,mdy'], 'ISO, MDY'),
  },
  { name: 'default_transaction_isolation', defaultValue: 'strict serializable', description: 'Sets the default transaction isolation level.', report: false },
  { name: 'default_transaction_read_only', defaultValue: 'off', description: 'Sets the default read-only status of new transactions.', report: true, readOnly: true },
  {
    name: 'extra_float_digits',
    defaultValue: '3',
    description: 'Adjusts the number of digits displayed for floating-point values.',
    report: false,
    normalize: normalizeInteger('extra_float_digits', -15, 3),
  },
  { name: 'failpoints', defaultValue: '', description: 'Allows failpoints to be dynamically activated.', report: false },
  { name: 'in_hot_standby', defaultValue: 'off', description: 'Shows whether hot standby is currently active.', report: true, readOnly: true },
  { name: 'integer_datetimes', defaultValue: 'on', description: 'Reports whether the server uses 64-bit-integer dates and times.', report: true, readOnly: true },
  {
    name: 'IntervalStyle',
    defaultValue: 'postgres',
    description: 'Sets the display format for interval values.',
    report: true,
    normalize: onlyValues('IntervalStyle', ['postgres'], 'postgres'),
  },
  { name: 'is_superuser', defaultValue: 'off', description: 'Reports whether the current session is a superuser.', report: true, readOnly: true },
  { name: 'max_identifier_length', defaultValue: '255', description: 'Shows the maximum identifier length.', report: false, readOnly: true },
  { name: 'mz_version', defaultValue: 'v0.1.0 (freshet)', description: 'Shows the Freshet server version (Materialize).', report: false, readOnly: true },
  { name: 'search_path', defaultValue: 'public', description: 'Sets the schema search order for names that are not schema-qualified.', report: false },
  { name: 'server_encoding', defaultValue: 'UTF8', description: 'Shows the server character set encoding.', report: true, readOnly: true },
  // Materialize reports 9.5.0; psql picks its catalog queries by this version.
  { name: 'server_version', defaultValue: '9.5.0', description: 'Shows the PostgreSQL compatible server version.', report: true, readOnly: true },
  { name: 'server_version_num', defaultValue: '90500', description: 'Shows the PostgreSQL compatible server version as an integer.', report: false, readOnly: true },
  { name: 'session_authorization', defaultValue: 'materialize', description: 'Shows the session user name.', report: true, readOnly: true },
  {
    name: 'standard_conforming_strings',
    defaultValue: 'on',
    description: "Causes '...' strings to treat backslashes literally.",
    report: true,
    normalize: onlyValues('standard_conforming_strings', ['on', 'true', '1', 'yes'], 'on'),
  },
  {
    name: 'statement_timeout',
    defaultValue: '0',
    description: 'Sets the maximum allowed duration of any statement.',
    report: false,
    normalize: (v) => {
      if (parseDurationMs(v) === undefined) throw invalidValue('statement_timeout', v);
      return v.trim();
    },
  },
  {
    // Materialize's limit on what one query returns (SELECT, COPY ... TO, FETCH); over it: 53200.
    name: 'max_query_result_size',
    defaultValue: '1GB',
    description: 'The maximum size in bytes for a single query\'s result (Materialize).',
    report: false,
    normalize: (v) => {
      if (parseByteSize(v) === undefined) throw invalidValue('max_query_result_size', v);
      return v.trim();
    },
  },
  {
    name: 'idle_in_transaction_session_timeout',
    defaultValue: '0',
    description: 'Sets the maximum allowed idle time in a transaction.',
    report: false,
    normalize: (v) => {
      if (parseDurationMs(v) === undefined) throw invalidValue('idle_in_transaction_session_timeout', v);
      return v.trim();
    },
  },
  { name: 'TimeZone', defaultValue: 'UTC', description: 'Sets the time zone for displaying and interpreting time stamps.', report: true, normalize: normalizeTimeZone },
  {
    name: 'transaction_isolation',
    defaultValue: 'strict serializable',
    description: 'Sets the current transaction isolation level.',
    report: false,
    normalize: (v) => {
      const level = v.toLowerCase().replace(/\s+/g, ' ').trim();
      if (level === 'serializable' || level === 'strict serializable') return level;
      // PostgreSQL's weaker levels run as serializable, as in Materialize.
      if (level === 'read committed' || level === 'repeatable read' || level === 'read uncommitted') return 'serializable';
      throw invalidValue('transaction_isolation', v);
    },
  },
  { name: 'user', defaultValue: 'materialize', description: 'Shows the current user.', report: false, readOnly: true },
];

const BY_LOWER_NAME = new Map(DEFS.map((d) => [d.name.toLowerCase(), d]));

function lookupVar(name: string): VarDef {
  const def = BY_LOWER_NAME.get(name.toLowerCase());
  if (!def) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
  return def;
}

export class SessionVars {
  private readonly values = new Map<string, string>();
  private readonly changed = new Map<string, string>();

  constructor(initial: Map<string, string>) {
    for (const [name, value] of initial) {
      const def = BY_LOWER_NAME.get(name.toLowerCase());
      if (def && !def.readOnly) this.values.set(def.name, def.normalize ? def.normalize(value) : value);
    }
  }

  get(name: string): string {
    const def = lookupVar(name);
    return this.values.get(def.name) ?? def.defaultValue;
  }

  /** The name as PostgreSQL spells it (for SHOW's column header it is lower-cased). */
  canonicalName(name: string): string {
    return lookupVar(name).name;
  }

  set(name: string, value: string): void {
    const def = lookupVar(name);
    if (def.readOnly) {
      throw new SqlError(ExtraSqlState.cantChangeRuntimeParam, `parameter "${def.name}" cannot be changed`);
    }
    const normalized = def.normalize ? def.normalize(value) : value;
    const before = this.get(def.name);
    this.values.set(def.name, normalized);
    if (def.report && before !== normalized) this.changed.set(def.name, normalized);
  }

  reset(name: string): void {
    if (name.toLowerCase() === 'all') {
      for (const def of DEFS) if (!def.readOnly && this.values.has(def.name)) this.set(def.name, def.defaultValue);
      return;
    }
    const def = lookupVar(name);
    this.set(def.name, def.defaultValue);
  }

  searchPath(): string[] {
    return this.get('search_path')
      .split(',')
      .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
      .filter((s) => s.length > 0);
  }

  reported(): Map<string, string> {
    return new Map(DEFS.filter((d) => d.report).map((d) => [d.name, this.get(d.name)]));
  }

  takeChanged(): Map<string, string> {
    const out = new Map(this.changed);
    this.changed.clear();
    return out;
  }

  /** SHOW ALL rows: name, setting, description. */
  all(): [string, string, string][] {
    return DEFS.map((d) => [d.name, this.get(d.name), d.description]);
  }

  /** All settings, for current_setting(). */
  settings(): Map<string, string> {
    return new Map(DEFS.map((d) => [d.name.toLowerCase(), this.get(d.name)]));
  }
}
