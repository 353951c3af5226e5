// The demo's data: a small e-commerce world produced to Kafka at a steady
// rate, one topic per format a real deployment meets:
//
// - purchases (JSON, keyed by purchase id): new purchases, some rewritten (a
//   changed quantity), a few deleted (a null value, a tombstone), so an
//   upsert source has inserts, updates and deletes to apply;
// - users (Debezium JSON change events, keyed by {"id": n}): a snapshot of
//   every user ('r'), then updates ('u') as users change plan or country;
// - items (Avro through the schema registry, keyed by item id as text): the
//   catalog, with price and stock changes now and then;
// - pageviews (Protobuf through the schema registry): pages viewed.
//
// Values are encoded with the format modules' own helpers (avroType /
// confluentFrame, compileProtoFiles / confluentProtobufFrame), so what the
// demo produces is what Confluent's serializers write.
import Kafka from '@confluentinc/kafka-javascript';
import type { Producer, ProducerGlobalConfig } from '@confluentinc/kafka-javascript';
import type { Logger } from './logger.js';
import type { SchemaType } from '../storage/schema-registry/api.js';
import { avroType, confluentFrame } from '../storage/formats/avro/index.js';
import { compileProtoFiles, confluentProtobufFrame } from '../storage/formats/protobuf/index.js';

export const PURCHASES_TOPIC = 'purchases';
export const USERS_TOPIC = 'users';
export const ITEMS_TOPIC = 'items';
export const PAGEVIEWS_TOPIC = 'pageviews';
export const DEMO_TOPICS = [PURCHASES_TOPIC, USERS_TOPIC, ITEMS_TOPIC, PAGEVIEWS_TOPIC] as const;

/** One value of the purchases topic, as JSON. */
export interface Purchase {
  id: string;
  user_id: number;
  item: string;
  price: number;
  quantity: number;
  country: string;
  ts: string;
}

/** The catalog: [name, list price, category]; item ids are positions + 1. */
const ITEMS: readonly (readonly [name: string, price: number, category: string])[] = [
  ['espresso machine', 249.0, 'machines'],
  ['coffee grinder', 89.5, 'machines'],
  ['pour-over kettle', 39.99, 'brewing'],
  ['ceramic mug', 12.0, 'cups'],
  ['french press', 29.95, 'brewing'],
  ['paper filters', 4.5, 'supplies'],
  ['milk frother', 24.99, 'machines'],
  ['bean sampler', 18.75, 'supplies'],
  ['travel tumbler', 21.0, 'cups'],
  ['digital scale', 32.49, 'brewing'],
];

/** Users have ids 1..USERS; purchases and pageviews pick among them. */
export const USERS = 1000;

/** Countries with weights: a few large markets, a long tail. */
const COUNTRIES: readonly (readonly [code: string, weight: number])[] = [
  ['US', 30],
  ['DE', 14],
  ['GB', 12],
  ['FR', 10],
  ['JP', 9],
  ['BR', 7],
  ['CA', 6],
  ['IN', 5],
  ['AU', 4],
  ['NL', 3],
];
const COUNTRY_WEIGHT = COUNTRIES.reduce((sum, [, weight]) => sum + weight, 0);

/** Share of messages that rewrite, respectively delete, a recent purchase. */
const UPDATE_SHARE = 0.1;
const DELETE_SHARE = 0.02;
/** Updates and deletes pick among this many most recent purchases. */
const RECENT_PURCHASES = 500;
/** Messages are produced in small batches this often. */
const TICK_MS = 100;

/** The generator part of the feed, separate from Kafka so its messages can be reasoned about on their own. */
export class PurchaseGenerator {
  private nextId = 1;
  private readonly recent: Purchase[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** The next message: [key, value], value null for a deleted purchase. */
  next(now: Date): [key: string, value: Purchase | null] {
    const roll = this.random();
    if (this.recent.length > 0 && roll < DELETE_SHARE) {
      const [deleted] = this.recent.splice(this.pick(this.recent.length), 1);
      return [deleted!.id, null];
    }
    if (this.recent.length > 0 && roll < DELETE_SHARE + UPDATE_SHARE) {
      const index = this.pick(this.recent.length);
      const updated = { ...this.recent[index]!, quantity: 1 + this.pick(5), ts: now.toISOString() };
      this.recent[index] = updated;
      return [updated.id, updated];
    }
    const [item, listPrice] = ITEMS[this.pick(ITEMS.length)]!;
    const purchase: Purchase = {
      id: `p-${String(this.nextId++).padStart(7, '0')}`,
      user_id: 1 + this.pick(USERS),
      item,
      // Prices vary a little around the list price (discounts, currencies).
      price: Math.round(listPrice * (0.85 + this.random() * 0.3) * 100) / 100,
      quantity: 1 + this.pick(3),
      country: this.pickCountry(),
      ts: now.toISOString(),
    };
    this.recent.push(purchase);
    if (this.recent.length > RECENT_PURCHASES) this.recent.shift();
    return [purchase.id, purchase];
  }

  private pick(n: number): number {
    return Math.floor(this.random() * n);
  }

  private pickCountry(): string {
    let ticket = this.random() * COUNTRY_WEIGHT;
    for (const [code, weight] of COUNTRIES) {
      ticket -= weight;
      if (ticket < 0) return code;
    }
    return COUNTRIES[0]![0];
  }
}

/** One user, as the upstream `users` table holds it (the Debezium after-image). */
export interface DemoUser {
  id: number;
  name: string;
  email: string;
  country: string;
  tier: 'free' | 'plus' | 'pro';
}

const FIRST_NAMES = ['ada', 'alan', 'grace', 'edsger', 'barbara', 'ken', 'dennis', 'margaret', 'donald', 'frances', 'john', 'radia', 'leslie', 'tony', 'niklaus', 'katherine'];
const LAST_NAMES = ['lovelace', 'turing', 'hopper', 'dijkstra', 'liskov', 'thompson', 'ritchie', 'hamilton', 'knuth', 'allen', 'backus', 'perlman', 'lamport', 'hoare', 'wirth', 'johnson'];
const TIERS: readonly DemoUser['tier'][] = ['free', 'free', 'free', 'plus', 'plus', 'pro'];
const PAGES = ['product', 'product', 'product', 'search', 'cart', 'reviews'];
const REFERRERS = ['direct', 'search', 'newsletter', 'social', 'ads'];

/** Users and their changes as Debezium change events ({before, after, op, ts_ms, source}). */
export class UserGenerator {
  private readonly users: DemoUser[] = [];

  constructor(private readonly random: () => number = Math.random) {
    for (let id = 1; id <= USERS; id++) {
      const first = FIRST_NAMES[this.pick(FIRST_NAMES.length)]!;
      const last = LAST_NAMES[this.pick(LAST_NAMES.length)]!;
      this.users.push({ id, name: `${first} ${last}`, email: `${first}.${last}.${id}@example.com`, country: pickCountry(this.random), tier: TIERS[this.pick(TIERS.length)]! });
    }
  }

  /** The initial snapshot: one 'r' (read) event per user. */
  snapshot(now: Date): [key: string, value: string][] {
    return this.users.map((u) => [JSON.stringify({ id: u.id }), JSON.stringify(debeziumEvent(null, u, 'r', now))]);
  }

  /** An update: a user changes plan (mostly) or moves. */
  next(now: Date): [key: string, value: string] {
    const index = this.pick(this.users.length);
    const before = this.users[index]!;
    const after: DemoUser = this.random() < 0.8 ? { ...before, tier: TIERS[this.pick(TIERS.length)]! } : { ...before, country: pickCountry(this.random) };
    this.users[index] = after;
    return [JSON.stringify({ id: after.id }), JSON.stringify(debeziumEvent(before, after, 'u', now))];
  }

  private pick(n: number): number {
    return Math.floor(this.random() * n);
  }
}

function debeziumEvent(before: DemoUser | null, after: DemoUser, op: 'r' | 'u', now: Date): Record<string, unknown> {
  return { before, after, op, ts_ms: now.getTime(), source: { connector: 'postgresql', db: 'shop', schema: 'public', table: 'users' } };
}

function pickCountry(random: () => number): string {
  let ticket = random() * COUNTRY_WEIGHT;
  for (const [code, weight] of COUNTRIES) {
    ticket -= weight;
    if (ticket < 0) return code;
  }
  return COUNTRIES[0]![0];
}

/** The Avro schema of the items topic's values (subject items-value). */
export const ITEM_AVRO_SCHEMA = {
  type: 'record',
  name: 'Item',
  namespace: 'shop',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'name', type: 'string' },
    { name: 'category', type: 'string' },
    { name: 'price', type: 'double' },
    { name: 'in_stock', type: 'boolean' },
  ],
};

export interface DemoItem {
  id: number;
  name: string;
  category: string;
  price: number;
  in_stock: boolean;
}

/** The item catalog, and price changes. */
export class ItemGenerator {
  readonly items: DemoItem[] = ITEMS.map(([name, price, category], i) => ({ id: i + 1, name, category, price, in_stock: true }));

  constructor(private readonly random: () => number = Math.random) {}

  /** A price change (within 20% of the list price) or a stock change of one item. */
  next(): DemoItem {
    const index = Math.floor(this.random() * this.items.length);
    const list = ITEMS[index]![1];
    const item = this.items[index]!;
    const changed = this.random() < 0.85 ? { ...item, price: Math.round(list * (0.8 + this.random() * 0.4) * 100) / 100 } : { ...item, in_stock: !item.in_stock };
    this.items[index] = changed;
    return changed;
  }
}

/** The Protobuf schema of the pageviews topic's values (subject pageviews-value). */
export const PAGEVIEW_PROTO = `syntax = "proto3";
package shop;

// A page of the shop viewed by a signed-in user.
message PageView {
  int32 user_id = 1;
  int32 item_id = 2;
  string page = 3;
  string referrer = 4;
  int64 ts_ms = 5;
}
`;

export interface DemoPageView {
  user_id: number;
  item_id: number;
  page: string;
  referrer: string;
  ts_ms: number;
}

export class PageViewGenerator {
  constructor(private readonly random: () => number = Math.random) {}

  next(now: Date): DemoPageView {
    const pick = (n: number): number => Math.floor(this.random() * n);
    // Cheap items are looked at more.
    const item = this.random() < 0.5 ? 1 + pick(ITEMS.length) : [4, 6, 8, 9][pick(4)]!;
    return { user_id: 1 + pick(USERS), item_id: item, page: PAGES[pick(PAGES.length)]!, referrer: REFERRERS[pick(REFERRERS.length)]!, ts_ms: now.getTime() };
  }
}

/** Registers schemas with the demo's schema registry: subject, schema text, type; resolves with the id. */
export type RegisterSchema = (subject: string, schema: string, schemaType: SchemaType) => number;

export interface ShopFeedOptions {
  bootstrapServers: string;
  /** Purchases per second; pageviews come at three times that, user changes at a tenth. */
  rate: number;
  register: RegisterSchema;
  logger: Logger;
}

export interface ShopFeed {
  /** Messages handed to the producer so far, all topics. */
  readonly produced: number;
  /** Messages handed to the producer so far, by topic. */
  readonly producedByTopic: Readonly<Record<string, number>>;
  /** Stops producing and waits for queued messages to be delivered (bounded). */
  stop(): Promise<void>;
}

/** How many messages of each topic per purchase. */
const PAGEVIEWS_PER_PURCHASE = 3;
const USER_CHANGES_PER_PURCHASE = 0.1;
/** Item changes per second, whatever the rate. */
const ITEM_CHANGES_PER_SECOND = 0.5;

/**
 * Registers the Avro and Protobuf schemas, connects a producer, delivers a
 * first batch of every topic (the users snapshot, the item catalog, half a
 * second of purchases and pageviews) so each topic exists and has data
 * before any source reads it, then keeps producing at `rate`.
 */
export async function startShopFeed(options: ShopFeedOptions): Promise<ShopFeed> {
  const itemSchemaId = options.register(`${ITEMS_TOPIC}-value`, JSON.stringify(ITEM_AVRO_SCHEMA), 'AVRO');
  const pageviewSchemaId = options.register(`${PAGEVIEWS_TOPIC}-value`, PAGEVIEW_PROTO, 'PROTOBUF');
  const itemType = avroType(ITEM_AVRO_SCHEMA);
  const pageviewType = compileProtoFiles([{ name: 'pageview.proto', schema: PAGEVIEW_PROTO }]).root.lookupType('shop.PageView');

  const producer = new Kafka.Producer({
    'bootstrap.servers': options.bootstrapServers,
    'client.id': 'freshet-demo-feed',
    'linger.ms': 20,
  } as ProducerGlobalConfig);
  await new Promise<void>((resolve, reject) => {
    producer.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve()));
  });
  // Delivery reports are not used, but librdkafka frees delivered messages while polled.
  producer.setPollInterval(TICK_MS);

  const purchases = new PurchaseGenerator();
  const users = new UserGenerator();
  const items = new ItemGenerator();
  const pageviews = new PageViewGenerator();
  const producedByTopic: Record<string, number> = Object.fromEntries(DEMO_TOPICS.map((t) => [t, 0]));
  let produced = 0;
  let queueFullReported = false;
  /** Produces one message; false when the local queue is full (the tick's remaining messages are skipped). */
  const send = (topic: string, key: string, value: Buffer | null, now: Date): boolean => {
    try {
      producer.produce(topic, null, value, key, now.getTime());
      produced++;
      producedByTopic[topic]!++;
      return true;
    } catch (err) {
      // A full local queue means the broker cannot keep up with --rate: skip this tick.
      if (!queueFullReported) options.logger.warn({ err }, 'demo feed: producer queue full, dropping messages');
      queueFullReported = true;
      return false;
    }
  };
  const itemValue = (item: DemoItem): Buffer => confluentFrame(itemSchemaId, itemType.toBuffer(item));
  const produce = (topic: string, count: number, now: Date): void => {
    for (let i = 0; i < count; i++) {
      let ok: boolean;
      switch (topic) {
        case PURCHASES_TOPIC: {
          const [key, value] = purchases.next(now);
          ok = send(topic, key, value === null ? null : Buffer.from(JSON.stringify(value)), now);
          break;
        }
        case USERS_TOPIC: {
          const [key, value] = users.next(now);
          ok = send(topic, key, Buffer.from(value), now);
          break;
        }
        case ITEMS_TOPIC: {
          const item = items.next();
          ok = send(topic, String(item.id), itemValue(item), now);
          break;
        }
        default: {
          const view = pageviews.next(now);
          const payload = pageviewType.encode(pageviewType.fromObject(view)).finish();
          ok = send(topic, String(view.user_id), confluentProtobufFrame(pageviewSchemaId, [0], payload), now);
        }
      }
      if (!ok) return;
    }
  };

  const start = new Date();
  for (const [key, value] of users.snapshot(start)) send(USERS_TOPIC, key, Buffer.from(value), start);
  for (const item of items.items) send(ITEMS_TOPIC, String(item.id), itemValue(item), start);
  const firstPurchases = Math.max(1, Math.ceil(options.rate / 2));
  produce(PURCHASES_TOPIC, firstPurchases, start);
  produce(PAGEVIEWS_TOPIC, firstPurchases * PAGEVIEWS_PER_PURCHASE, start);
  await flush(producer, 10_000);

  // Messages owed per topic: fractional rates accumulate across ticks.
  const perSecond: Record<string, number> = {
    [PURCHASES_TOPIC]: options.rate,
    [PAGEVIEWS_TOPIC]: options.rate * PAGEVIEWS_PER_PURCHASE,
    [USERS_TOPIC]: options.rate * USER_CHANGES_PER_PURCHASE,
    [ITEMS_TOPIC]: ITEM_CHANGES_PER_SECOND,
  };
  const owed: Record<string, number> = Object.fromEntries(DEMO_TOPICS.map((t) => [t, 0]));
  const ticker = setInterval(() => {
    const now = new Date();
    for (const topic of DEMO_TOPICS) {
      owed[topic]! += (perSecond[topic]! * TICK_MS) / 1000;
      const count = Math.floor(owed[topic]!);
      owed[topic]! -= count;
      if (count > 0) produce(topic, count, now);
    }
  }, TICK_MS);

  return {
    get produced() {
      return produced;
    },
    get producedByTopic() {
      return { ...producedByTopic };
    },
    async stop() {
      clearInterval(ticker);
      await flush(producer, 2000).catch(() => undefined);
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    },
  };
}

function flush(producer: Producer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => producer.flush(timeoutMs, (err) => (err ? reject(err) : resolve())));
}
