// `freshet demo`: a first run with nothing else installed. Starts an embedded
// Kafka broker (librdkafka's mock cluster) and an embedded schema registry, a
// feed of a small e-commerce world into them (JSON purchases, Debezium users,
// Avro items, Protobuf pageviews), and the Freshet server; creates sources and
// materialized views joining them through an ordinary SQL session; prints how
// to connect, where the console is, and what to try.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import type { Coordinator } from '../adapter/coordinator.js';
import { readResult } from '../adapter/result-stream.js';
import { startEmbeddedBroker } from '../storage/kafka/embedded-broker.js';
import { EmbeddedSchemaRegistry } from '../storage/schema-registry/embedded-registry.js';
import type { LogFormat, Logger } from './logger.js';
import type { LiveView } from './live-view.js';
import { addListenOptions, addLogOptions, createConsoleOutput, installShutdown, reportUnexpectedErrors, startLiveView, startServer } from './serve.js';
import { DEMO_TOPICS, startShopFeed } from './demo-feed.js';
import { DEMO_MATERIALIZED_VIEWS, DEMO_OBJECTS, demoSetupSql, printBanner } from './demo-sql.js';

export interface DemoOptions {
  host: string;
  port: number;
  httpPort?: number;
  /** Absent: a temporary directory, deleted on exit. */
  dataDir?: string;
  rate: number;
  logLevel: LevelWithSilent;
  logFormat: LogFormat;
  /** --no-live: false turns the live terminal view off. */
  live?: boolean;
}

const DEMO_DESCRIPTION =
  'try Freshet with no Kafka of your own: starts an embedded Kafka broker and schema registry with a live feed ' +
  'of a small shop in every format (topic "purchases": JSON values keyed by purchase id, with updates and deletes; ' +
  '"users": Debezium change events; "items": Avro; "pageviews": Protobuf), the Freshet server, ' +
  'sources and materialized views joining them, then prints the psql command, the web console\'s address and queries to try. ' +
  'Runs until Ctrl-C. The embedded broker is librdkafka\'s mock cluster, for trying things out only: ' +
  'use `freshet serve` to run against your own Kafka.';

export function registerDemoCommand(program: Command): void {
  const command = program.command('demo').summary('try Freshet on a live feed from an embedded Kafka broker').description(DEMO_DESCRIPTION);
  addListenOptions(command)
    .option('--data-dir <path>', 'directory for the catalog and durable data (default: a temporary directory, deleted on exit)')
    .option('--rate <messages>', 'purchases per second the feed produces (pageviews come at three times that, user changes at a tenth)', parseRate, 100);
  addLogOptions(command).action(async (options: DemoOptions) => {
    await demo(options);
  });
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(rate > 0) || rate > 1_000_000) {
    throw new InvalidArgumentError('must be a number of messages per second, above 0 and at most 1000000');
  }
  return rate;
}

/** Things to undo on exit, undone newest first. */
class Cleanup {
  private readonly steps: [what: string, undo: () => Promise<void> | void][] = [];

  constructor(private readonly logger: Logger) {}

  add(what: string, undo: () => Promise<void> | void): void {
    this.steps.push([what, undo]);
  }

  async run(): Promise<void> {
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      try {
        await step[1]();
      } catch (err) {
        this.logger.error({ err }, `demo: could not ${step[0]}`);
      }
    }
  }
}

export async function demo(options: DemoOptions): Promise<void> {
  const { logger, live } = createConsoleOutput(options);
  reportUnexpectedErrors(logger);
  const cleanup = new Cleanup(logger);
  // Signals during startup stop whatever has started so far.
  installShutdown(logger, () => cleanup.run());
  try {
    await startDemo(options, logger, cleanup, live);
  } catch (err) {
    logger.fatal({ err }, 'could not start the demo');
    process.exitCode = 1;
  }
  if (process.exitCode === 1) {
    await cleanup.run();
    process.exit(1);
  }
}

async function startDemo(options: DemoOptions, logger: Logger, cleanup: Cleanup, live: LiveView | undefined): Promise<void> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'freshet-demo-'));
  if (options.dataDir === undefined) cleanup.add('delete the temporary data directory', () => rmSync(dataDir, { recursive: true, force: true }));

  const broker = await startEmbeddedBroker();
  cleanup.add('stop the embedded Kafka broker', () => broker.stop());
  for (const topic of DEMO_TOPICS) await broker.ensureTopic(topic);
  logger.info({ bootstrapServers: broker.bootstrapServers, topics: [...DEMO_TOPICS] }, 'embedded Kafka broker started');

  const registry = new EmbeddedSchemaRegistry();
  const { url: registryUrl } = await registry.start();
  cleanup.add('stop the embedded schema registry', () => registry.close());
  logger.info({ url: registryUrl }, 'embedded schema registry started');

  const feed = await startShopFeed({
    bootstrapServers: broker.bootstrapServers,
    rate: options.rate,
    register: (subject, schema, schemaType) => registry.register(subject, schema, schemaType),
    logger,
  });
  cleanup.add('stop the demo feed', () => feed.stop());

  const server = await startServer({ host: options.host, port: options.port, ...(options.httpPort !== undefined ? { httpPort: options.httpPort } : {}), dataDir }, logger);
  if (server === undefined) return;
  cleanup.add('stop the server', () => server.stop());

  await runSetupSql(server.coordinator, demoSetupSql(broker.bootstrapServers, registryUrl));
  await waitForFirstRows(server.coordinator);
  logger.info({ port: server.port, httpPort: server.httpPort, console: server.consoleUrl, objects: DEMO_OBJECTS.map((o) => o.name) }, 'demo ready');
  const facts = {
    host: server.host,
    port: server.port,
    consoleUrl: server.consoleUrl,
    bootstrapServers: broker.bootstrapServers,
    registryUrl,
    rate: options.rate,
    dataDir: server.dataDir,
    temporaryDataDir: options.dataDir === undefined,
  };
  if (live) {
    let banner = '';
    printBanner({ write: (text: string) => (banner += text) }, facts);
    startLiveView(live, server);
    live.print(banner);
    cleanup.add('stop the live view', () => live.stop());
  } else {
    printBanner(process.stdout, facts);
  }
}

/** Runs the setup statements through an ordinary session, as a client would. */
async function runSetupSql(coordinator: Coordinator, statements: readonly string[]): Promise<void> {
  const session = coordinator.openSession({ user: 'materialize', database: 'materialize', applicationName: 'freshet demo', options: new Map() });
  try {
    for (const sql of statements) {
      for (const stmt of session.parse(sql)) {
        try {
          await session.execute(stmt, { params: [] });
        } catch (err) {
          throw new Error(`demo setup failed on: ${sql}\n${(err as Error).message}`, { cause: err });
        }
      }
    }
  } finally {
    session.close();
  }
}

/** Waits (bounded: 10 s in all) until every materialized view has rows, so the banner's queries show data at once. */
async function waitForFirstRows(coordinator: Coordinator): Promise<void> {
  const session = coordinator.openSession({ user: 'materialize', database: 'materialize', applicationName: 'freshet demo', options: new Map() });
  try {
    const deadline = Date.now() + 10_000;
    for (const view of DEMO_MATERIALIZED_VIEWS) {
      const [probe] = session.parse(`SELECT 1 FROM ${view} LIMIT 1`);
      while (Date.now() < deadline) {
        const result = await readResult(await session.execute(probe!, { params: [] }));
        if (result.kind === 'rows' && result.rows.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    session.close();
  }
}
