// `freshet demo`: a first run with nothing else installed. Starts an embedded
// Kafka broker (librdkafka's mock cluster), a feed of purchases into it, and
// the Freshet server; creates a Kafka source and materialized views over it
// through an ordinary SQL session; prints how to connect and what to try.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { LevelWithSilent } from 'pino';
import type { Coordinator } from '../adapter/coordinator.js';
import { readResult } from '../adapter/result-stream.js';
import { startEmbeddedBroker } from '../storage/kafka/embedded-broker.js';
import { createLogger, type LogFormat, type Logger } from './logger.js';
import { addListenOptions, addLogOptions, installShutdown, reportUnexpectedErrors, startServer } from './serve.js';
import { PURCHASES_TOPIC, startPurchaseFeed } from './demo-feed.js';
import { DEMO_OBJECTS, demoSetupSql, printBanner } from './demo-sql.js';

export interface DemoOptions {
  host: string;
  port: number;
  /** Absent: a temporary directory, deleted on exit. */
  dataDir?: string;
  rate: number;
  logLevel: LevelWithSilent;
  logFormat: LogFormat;
}

const DEMO_DESCRIPTION =
  'try Freshet with no Kafka of your own: starts an embedded Kafka broker with a live feed of purchases ' +
  '(topic "purchases": JSON values keyed by purchase id, with updates and deletes), the Freshet server, ' +
  'a Kafka source and materialized views over it, then prints the psql command and queries to try. ' +
  'Runs until Ctrl-C. The embedded broker is librdkafka\'s mock cluster, for trying things out only: ' +
  'use `freshet serve` to run against your own Kafka.';

export function registerDemoCommand(program: Command): void {
  const command = program.command('demo').summary('try Freshet on a live feed from an embedded Kafka broker').description(DEMO_DESCRIPTION);
  addListenOptions(command)
    .option('--data-dir <path>', 'directory for the catalog and durable data (default: a temporary directory, deleted on exit)')
    .option('--rate <messages>', 'messages per second the feed produces', parseRate, 100);
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
  const logger = createLogger({ level: options.logLevel, format: options.logFormat });
  reportUnexpectedErrors(logger);
  const cleanup = new Cleanup(logger);
  // Signals during startup stop whatever has started so far.
  installShutdown(logger, () => cleanup.run());
  try {
    await startDemo(options, logger, cleanup);
  } catch (err) {
    logger.fatal({ err }, 'could not start the demo');
    process.exitCode = 1;
  }
  if (process.exitCode === 1) {
    await cleanup.run();
    process.exit(1);
  }
}

async function startDemo(options: DemoOptions, logger: Logger, cleanup: Cleanup): Promise<void> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'freshet-demo-'));
  if (options.dataDir === undefined) cleanup.add('delete the temporary data directory', () => rmSync(dataDir, { recursive: true, force: true }));

  const broker = await startEmbeddedBroker();
  cleanup.add('stop the embedded Kafka broker', () => broker.stop());
  await broker.ensureTopic(PURCHASES_TOPIC);
  logger.info({ bootstrapServers: broker.bootstrapServers, topic: PURCHASES_TOPIC }, 'embedded Kafka broker started');

  const feed = await startPurchaseFeed({ bootstrapServers: broker.bootstrapServers, rate: options.rate, logger });
  cleanup.add('stop the purchase feed', () => feed.stop());

  const server = await startServer({ host: options.host, port: options.port, dataDir }, logger);
  if (server === undefined) return;
  cleanup.add('stop the server', () => server.stop());

  await runSetupSql(server.coordinator, demoSetupSql(broker.bootstrapServers));
  await waitForFirstRows(server.coordinator);
  logger.info({ port: server.port, objects: DEMO_OBJECTS.map((o) => o.name) }, 'demo ready');
  printBanner(process.stdout, {
    host: server.host,
    port: server.port,
    bootstrapServers: broker.bootstrapServers,
    rate: options.rate,
    dataDir: server.dataDir,
    temporaryDataDir: options.dataDir === undefined,
  });
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

/** Waits (bounded) until the first view has rows, so the banner's queries show data at once. */
async function waitForFirstRows(coordinator: Coordinator): Promise<void> {
  const session = coordinator.openSession({ user: 'materialize', database: 'materialize', applicationName: 'freshet demo', options: new Map() });
  try {
    const [probe] = session.parse(`SELECT 1 FROM ${DEMO_OBJECTS.find((o) => o.kind === 'MATERIALIZED VIEW')!.name} LIMIT 1`);
    for (let attempt = 0; attempt < 100; attempt++) {
      const result = await readResult(await session.execute(probe!, { params: [] }));
      if (result.kind === 'rows' && result.rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    session.close();
  }
}
