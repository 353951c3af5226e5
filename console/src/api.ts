// The server's HTTP API as the console uses it: overview, source history,
// SQL (Materialize's /api/sql shape) and SUBSCRIBE over server-sent events.

export interface SourceInfo {
  id: string;
  schema: string;
  name: string;
  topic: string | null;
  status: string;
  error: string | null;
  statusChangedMs: number | null;
  messagesReceived: number;
  bytesReceived: number;
  updatesCommitted: number;
  offsetKnown: number | null;
  offsetCommitted: number | null;
  snapshotCommitted: boolean;
  decodeErrors: number;
  decodeErrorsSeen: number;
  errorRelation: string | null;
  lastTickMs: number;
  rate: number;
  byteRate: number;
  lag: number;
  lagSeconds: number;
  catchUp: number | null;
}

export interface RelationInfo {
  id: string;
  kind: 'table' | 'source' | 'subsource' | 'view' | 'materialized-view' | 'index';
  schema: string;
  name: string;
  on: string | null;
  rows: number | null;
  updates: number | null;
  lastChangeMs: number | null;
}

export interface Overview {
  now: number;
  computeTime: number;
  sources: SourceInfo[];
  relations: RelationInfo[];
}

export interface Sample {
  t: number;
  messages: number;
  bytes: number;
  rate: number;
  byteRate: number;
  lag: number;
}

export interface Column {
  name: string;
  type: string;
}

export interface SqlError {
  message: string;
  code: string;
  detail?: string;
  hint?: string;
  position?: number;
}

export type Cell = string | null;

export type SqlResult =
  | { tag: string; rows: Cell[][]; desc: { columns: Column[] }; truncated?: boolean }
  | { ok: string }
  | { error: SqlError };

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export function overview(): Promise<Overview> {
  return getJson<Overview>('/api/overview');
}

export async function history(sourceId: string, since = 0): Promise<Sample[]> {
  return (await getJson<{ samples: Sample[] }>(`/api/sources/${encodeURIComponent(sourceId)}/history?since=${since}`)).samples;
}

export async function ready(): Promise<boolean> {
  try {
    return (await fetch('/api/readyz')).ok;
  } catch {
    return false;
  }
}

export async function sql(query: string): Promise<SqlResult[]> {
  const res = await fetch('/api/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { results?: SqlResult[]; error?: SqlError };
  if (body.results) return body.results;
  return [{ error: body.error ?? { message: `HTTP ${res.status}`, code: 'XX000' } }];
}

/** The rows of a single-statement query, or throws its error. */
export async function rows(query: string): Promise<{ columns: Column[]; rows: Cell[][] }> {
  const [result] = await sql(query);
  if (result === undefined) throw new Error('no result');
  if ('error' in result) throw new Error(result.error.message);
  if ('ok' in result) return { columns: [], rows: [] };
  return { columns: result.desc.columns, rows: result.rows };
}

export interface SubscribeHandlers {
  columns(columns: Column[]): void;
  rows(rows: Cell[][]): void;
  error(error: SqlError): void;
}

/** Streams a SUBSCRIBE; returns a function that stops it. */
export function subscribe(statement: string, handlers: SubscribeHandlers): () => void {
  const source = new EventSource(`/api/subscribe?query=${encodeURIComponent(statement)}`);
  let closed = false;
  source.addEventListener('columns', (e) => handlers.columns((JSON.parse((e as MessageEvent<string>).data) as { columns: Column[] }).columns));
  source.addEventListener('rows', (e) => handlers.rows((JSON.parse((e as MessageEvent<string>).data) as { rows: Cell[][] }).rows));
  source.addEventListener('error', (e) => {
    const data = (e as MessageEvent<string>).data;
    if (typeof data === 'string' && data.length > 0) handlers.error(JSON.parse(data) as SqlError);
    else if (!closed) handlers.error({ message: 'the subscription ended (connection closed)', code: '08006' });
    closed = true;
    source.close();
  });
  return () => {
    closed = true;
    source.close();
  };
}

/** A SQL identifier, quoted when it needs to be. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}
