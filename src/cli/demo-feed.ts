// The demo's data: an e-commerce purchase feed produced to Kafka at a steady
// rate. Messages are keyed by purchase id with JSON values; some rewrite an
// earlier purchase (a changed quantity) and a few delete one (a null value, a tombstone), so an upsert source has
// inserts, updates and deletes to apply.
import Kafka from '@confluentinc/kafka-javascript';
import type { Producer, ProducerGlobalConfig } from '@confluentinc/kafka-javascript';
import type { Logger } from './logger.js';

export const PURCHASES_TOPIC = 'purchases';

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

const ITEMS: readonly (readonly [name: string, price: number])[] = [
  ['espresso machine', 249.0],
  ['coffee grinder', 89.5],
  ['pour-over kettle', 39.99],
  ['ceramic mug', 12.0],
  ['french press', 29.95],
  ['paper filters', 4.5],
  ['milk frother', 24.99],
  ['bean sampler', 18.75],
  ['travel tumbler', 21.0],
  ['digital scale', 32.49],
];

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

export interface PurchaseFeedOptions {
  bootstrapServers: string;
  /** Messages per second. */
  rate: number;
  logger: Logger;
}

export interface PurchaseFeed {
  /** Messages handed to the producer so far. */
  readonly produced: number;
  /** Stops producing and waits for queued messages to be delivered (bounded). */
  stop(): Promise<void>;
}

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
      user_id: 1 + this.pick(1000),
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

/**
 * Connects a producer, delivers a first batch (so the topic exists and has
 * data before any source reads it), then keeps producing `rate` messages/s.
 */
export async function startPurchaseFeed(options: PurchaseFeedOptions): Promise<PurchaseFeed> {
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

  const generator = new PurchaseGenerator();
  let produced = 0;
  let owed = 0;
  let queueFullReported = false;
  const produceBatch = (count: number): void => {
    const now = new Date();
    for (let i = 0; i < count; i++) {
      const [key, value] = generator.next(now);
      try {
        producer.produce(PURCHASES_TOPIC, null, value === null ? null : Buffer.from(JSON.stringify(value)), key, now.getTime());
        produced++;
      } catch (err) {
        // A full local queue means the broker cannot keep up with --rate: skip this tick.
        if (!queueFullReported) options.logger.warn({ err }, 'demo feed: producer queue full, dropping messages');
        queueFullReported = true;
        return;
      }
    }
  };

  produceBatch(Math.max(1, Math.ceil(options.rate / 2)));
  await flush(producer, 10_000);
  const ticker = setInterval(() => {
    owed += (options.rate * TICK_MS) / 1000;
    const count = Math.floor(owed);
    owed -= count;
    if (count > 0) produceBatch(count);
  }, TICK_MS);

  return {
    get produced() {
      return produced;
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
