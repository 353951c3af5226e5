// What `freshet demo` creates (the SQL a user would type) and the banner
// that tells them how to connect and what to try.
import { PURCHASES_TOPIC } from './demo-feed.js';

export interface DemoObject {
  kind: 'CONNECTION' | 'SOURCE' | 'VIEW' | 'MATERIALIZED VIEW';
  name: string;
  /** One line for the banner. */
  about: string;
}

export const DEMO_OBJECTS: readonly DemoObject[] = [
  { kind: 'CONNECTION', name: 'demo_kafka', about: 'the embedded Kafka broker' },
  { kind: 'SOURCE', name: 'purchases', about: `topic ${PURCHASES_TOPIC}: KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT` },
  { kind: 'VIEW', name: 'purchases_typed', about: 'typed columns out of the JSON values' },
  { kind: 'MATERIALIZED VIEW', name: 'revenue_by_country', about: 'purchases and revenue per country' },
  { kind: 'MATERIALIZED VIEW', name: 'top_items', about: 'the 5 items with the most units sold' },
];

/**
 * The setup statements. The connection is dropped first (with everything
 * built on it) because the embedded broker gets a new port on every run, so a
 * reused --data-dir starts from the same objects.
 */
export function demoSetupSql(bootstrapServers: string): string[] {
  return [
    'DROP CONNECTION IF EXISTS demo_kafka CASCADE',
    `CREATE CONNECTION demo_kafka TO KAFKA (BROKER '${bootstrapServers}', SECURITY PROTOCOL PLAINTEXT)`,
    `CREATE SOURCE purchases
  FROM KAFKA CONNECTION demo_kafka (TOPIC '${PURCHASES_TOPIC}')
  KEY FORMAT TEXT VALUE FORMAT JSON
  ENVELOPE UPSERT`,
    `CREATE VIEW purchases_typed AS
  SELECT key AS id,
         (data->>'user_id')::int AS user_id,
         data->>'item' AS item,
         (data->>'price')::numeric(10,2) AS price,
         (data->>'quantity')::int AS quantity,
         data->>'country' AS country,
         (data->>'ts')::timestamptz AS ts
  FROM purchases`,
    `CREATE MATERIALIZED VIEW revenue_by_country AS
  SELECT country, count(*) AS purchases, sum(price * quantity) AS revenue
  FROM purchases_typed
  GROUP BY country`,
    `CREATE MATERIALIZED VIEW top_items AS
  SELECT item, sum(quantity) AS units, sum(price * quantity) AS revenue
  FROM purchases_typed
  GROUP BY item
  ORDER BY units DESC
  LIMIT 5`,
  ];
}

export const DEMO_QUERIES: readonly [sql: string, comment: string][] = [
  ['SELECT * FROM revenue_by_country ORDER BY revenue DESC;', 'run it twice: the numbers move'],
  ['SELECT * FROM top_items ORDER BY units DESC;', ''],
  ['COPY (SUBSCRIBE revenue_by_country) TO STDOUT;', 'every change as it happens (Ctrl-C ends it)'],
  ['SELECT * FROM mz_internal.mz_source_statuses;', 'the source is running'],
  ['SHOW SOURCES;', ''],
];

export interface BannerFacts {
  host: string;
  port: number;
  bootstrapServers: string;
  rate: number;
  dataDir: string;
  temporaryDataDir: boolean;
}

export function printBanner(out: { write(text: string): unknown }, facts: BannerFacts): void {
  // psql cannot connect to a wildcard address; the loopback reaches the same listener.
  const host = facts.host === '0.0.0.0' || facts.host === '::' ? '127.0.0.1' : facts.host;
  const nameWidth = Math.max(...DEMO_OBJECTS.map((o) => o.kind.length + o.name.length)) + 3;
  const queryWidth = Math.max(...DEMO_QUERIES.map(([sql]) => sql.length)) + 2;
  const lines = [
    '',
    'Freshet demo is running.',
    '',
    `  Connect:  psql -h ${host} -p ${facts.port} -U materialize materialize`,
    `  Kafka:    embedded broker at ${facts.bootstrapServers}, topic "${PURCHASES_TOPIC}" (${facts.rate} messages/s: new purchases, updates, deletes)`,
    '',
    'Created:',
    ...DEMO_OBJECTS.map((o) => `  ${`${o.kind} ${o.name}`.padEnd(nameWidth)}${o.about}`),
    '',
    'Try:',
    ...DEMO_QUERIES.map(([sql, comment]) => (comment === '' ? `  ${sql}` : `  ${sql.padEnd(queryWidth)}-- ${comment}`)),
    '',
    `Data directory: ${facts.dataDir}${facts.temporaryDataDir ? ' (deleted on exit)' : ''}. Press Ctrl-C to stop.`,
    '',
  ];
  out.write(lines.join('\n') + '\n');
}
