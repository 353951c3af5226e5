// What `freshet demo` creates (the SQL a user would type) and the banner
// that tells them how to connect and what to try.
import { ITEMS_TOPIC, PAGEVIEWS_TOPIC, PURCHASES_TOPIC, USERS_TOPIC } from './demo-feed.js';

export interface DemoObject {
  kind: 'CONNECTION' | 'SOURCE' | 'VIEW' | 'MATERIALIZED VIEW' | 'INDEX';
  name: string;
  /** One line for the banner. */
  about: string;
}

export const DEMO_OBJECTS: readonly DemoObject[] = [
  { kind: 'CONNECTION', name: 'demo_kafka', about: 'the embedded Kafka broker' },
  { kind: 'CONNECTION', name: 'demo_csr', about: 'the embedded schema registry' },
  { kind: 'SOURCE', name: 'purchases', about: `topic ${PURCHASES_TOPIC}: KEY FORMAT TEXT VALUE FORMAT JSON ENVELOPE UPSERT` },
  { kind: 'SOURCE', name: 'users', about: `topic ${USERS_TOPIC}: Debezium change events, KEY FORMAT JSON VALUE FORMAT JSON ENVELOPE DEBEZIUM` },
  { kind: 'SOURCE', name: 'items', about: `topic ${ITEMS_TOPIC}: KEY FORMAT TEXT VALUE FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY, ENVELOPE UPSERT` },
  { kind: 'SOURCE', name: 'pageviews', about: `topic ${PAGEVIEWS_TOPIC}: FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY` },
  { kind: 'VIEW', name: 'purchases_typed', about: 'typed columns out of the JSON values' },
  { kind: 'VIEW', name: 'users_typed', about: 'typed columns out of the Debezium after-images' },
  { kind: 'MATERIALIZED VIEW', name: 'revenue_by_country', about: 'purchases and revenue per country' },
  { kind: 'MATERIALIZED VIEW', name: 'top_items', about: 'the 5 items with the most units sold' },
  { kind: 'MATERIALIZED VIEW', name: 'revenue_by_tier', about: 'purchases joined with users (JSON x Debezium): revenue per plan' },
  { kind: 'MATERIALIZED VIEW', name: 'revenue_by_category', about: 'purchases joined with items (JSON x Avro): revenue per category' },
  { kind: 'MATERIALIZED VIEW', name: 'item_funnel', about: 'pageviews, purchases and conversion per item (Protobuf x Avro x JSON)' },
  { kind: 'INDEX', name: 'users_typed_id_idx', about: 'users_typed by id: fast lookups (SELECT * FROM users_typed WHERE id = 42)' },
];

/** The demo's materialized views, in the order the banner lists them. */
export const DEMO_MATERIALIZED_VIEWS = DEMO_OBJECTS.filter((o) => o.kind === 'MATERIALIZED VIEW').map((o) => o.name);

/**
 * The setup statements. The connections are dropped first (with everything
 * built on them) because the embedded broker and registry get new ports on
 * every run, so a reused --data-dir starts from the same objects.
 */
export function demoSetupSql(bootstrapServers: string, registryUrl: string): string[] {
  return [
    'DROP CONNECTION IF EXISTS demo_kafka CASCADE',
    'DROP CONNECTION IF EXISTS demo_csr CASCADE',
    `CREATE CONNECTION demo_kafka TO KAFKA (BROKER '${bootstrapServers}', SECURITY PROTOCOL PLAINTEXT)`,
    `CREATE CONNECTION demo_csr TO CONFLUENT SCHEMA REGISTRY (URL '${registryUrl}')`,
    `CREATE SOURCE purchases
  FROM KAFKA CONNECTION demo_kafka (TOPIC '${PURCHASES_TOPIC}')
  KEY FORMAT TEXT VALUE FORMAT JSON
  ENVELOPE UPSERT`,
    `CREATE SOURCE users
  FROM KAFKA CONNECTION demo_kafka (TOPIC '${USERS_TOPIC}')
  KEY FORMAT JSON VALUE FORMAT JSON
  ENVELOPE DEBEZIUM`,
    `CREATE SOURCE items
  FROM KAFKA CONNECTION demo_kafka (TOPIC '${ITEMS_TOPIC}')
  KEY FORMAT TEXT
  VALUE FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION demo_csr
  ENVELOPE UPSERT`,
    `CREATE SOURCE pageviews
  FROM KAFKA CONNECTION demo_kafka (TOPIC '${PAGEVIEWS_TOPIC}')
  FORMAT PROTOBUF USING CONFLUENT SCHEMA REGISTRY CONNECTION demo_csr`,
    `CREATE VIEW purchases_typed AS
  SELECT key AS id,
         (data->>'user_id')::int AS user_id,
         data->>'item' AS item,
         (data->>'price')::numeric(10,2) AS price,
         (data->>'quantity')::int AS quantity,
         data->>'country' AS country,
         (data->>'ts')::timestamptz AS ts
  FROM purchases`,
    `CREATE VIEW users_typed AS
  SELECT (data->>'id')::int AS id,
         data->>'name' AS name,
         data->>'email' AS email,
         data->>'country' AS country,
         data->>'tier' AS tier
  FROM users`,
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
    `CREATE MATERIALIZED VIEW revenue_by_tier AS
  SELECT u.tier, count(*) AS purchases, count(DISTINCT p.user_id) AS buyers, sum(p.price * p.quantity) AS revenue
  FROM purchases_typed p JOIN users_typed u ON p.user_id = u.id
  GROUP BY u.tier`,
    `CREATE MATERIALIZED VIEW revenue_by_category AS
  SELECT i.category, count(*) AS purchases, sum(p.price * p.quantity) AS revenue
  FROM purchases_typed p JOIN items i ON p.item = i.name
  GROUP BY i.category`,
    `CREATE MATERIALIZED VIEW item_funnel AS
  SELECT i.id AS item_id, i.name AS item, i.category, i.price AS list_price,
         v.views, coalesce(b.purchases, 0) AS purchases,
         round(coalesce(b.purchases, 0)::numeric / v.views, 3) AS conversion
  FROM items i
  JOIN (SELECT item_id, count(*) AS views FROM pageviews GROUP BY item_id) v ON v.item_id = i.id
  LEFT JOIN (SELECT item, count(*) AS purchases FROM purchases_typed GROUP BY item) b ON b.item = i.name`,
    'CREATE INDEX users_typed_id_idx ON users_typed (id)',
  ];
}

export const DEMO_QUERIES: readonly [sql: string, comment: string][] = [
  ['SELECT * FROM revenue_by_country ORDER BY revenue DESC;', 'run it twice: the numbers move'],
  ['SELECT * FROM top_items ORDER BY units DESC;', ''],
  ['SELECT * FROM revenue_by_tier ORDER BY revenue DESC;', 'JSON purchases joined with Debezium users'],
  ['SELECT * FROM item_funnel ORDER BY conversion DESC;', 'Protobuf pageviews, Avro items, JSON purchases'],
  ['COPY (SUBSCRIBE revenue_by_country) TO STDOUT;', 'every change as it happens (Ctrl-C ends it)'],
  ['SELECT * FROM mz_internal.mz_source_statuses;', 'every source is running'],
  ['SHOW SOURCES;', ''],
];

export interface BannerFacts {
  host: string;
  port: number;
  consoleUrl: string;
  bootstrapServers: string;
  registryUrl: string;
  rate: number;
  dataDir: string;
  temporaryDataDir: boolean;
}

export function printBanner(out: { write(text: string): unknown }, facts: BannerFacts): void {
  // psql cannot connect to a wildcard address; the loopback reaches the same listener.
  const host = facts.host === '0.0.0.0' || facts.host === '::' ? '127.0.0.1' : facts.host;
  const nameWidth = Math.max(...DEMO_OBJECTS.map((o) => o.kind.length + o.name.length)) + 3;
  const queryWidth = Math.max(...DEMO_QUERIES.map(([sql]) => sql.length)) + 2;
  const rate = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  const lines = [
    '',
    'Freshet demo is running.',
    '',
    `  Connect:  psql -h ${host} -p ${facts.port} -U materialize materialize`,
    `  Console:  ${facts.consoleUrl}   (sources, views, SQL, live SUBSCRIBE; Prometheus metrics at ${facts.consoleUrl}metrics)`,
    `  Kafka:    embedded broker at ${facts.bootstrapServers}, schema registry at ${facts.registryUrl}`,
    `            topic "${PURCHASES_TOPIC}"  JSON      ${rate(facts.rate)} messages/s: new purchases, updates, deletes`,
    `            topic "${USERS_TOPIC}"      Debezium  a snapshot of 1000 users, then ${rate(facts.rate / 10)} changes/s`,
    `            topic "${ITEMS_TOPIC}"      Avro      10 items, price and stock changes`,
    `            topic "${PAGEVIEWS_TOPIC}"  Protobuf  ${rate(facts.rate * 3)} page views/s`,
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
