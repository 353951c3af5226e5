// `freshet serve`: starts the coordinator and the PostgreSQL wire protocol
// listener, and shuts both down cleanly on SIGTERM / SIGINT.
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { LevelWithSilent } from 'pino';
import { startCoordinator, type Coordinator } from '../adapter/coordinator.js';
import { PgwireServer } from '../server/pgwire/index.js';
import { installHeapProbe } from './heap-probe.js';
import { createLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type Logger } from './logger.js';
import { parsePort } from './options.js';
import { configureSourceWorkers, defaultWorkerCount } from '../storage/kafka/worker-pool.js';
import { addSecurityOptions, httpSqlAllowed, pgwireSecurity, type SecurityOptions } from './security-options.js';
import { parseStorage } from '../persist/server-storage.js';
import { HttpServer } from '../server/http/server.js';
import type { SourceHistory } from '../server/source-history.js';
import { LiveView } from './live-view.js';
import { packageVersion } from './version.js';

export interface ServeOptions extends SecurityOptions {
  host: string;
  port: number;
  /** --http-port (metrics, health, console); undefined: 6876, or a free port when --port is 0. */
  httpPort?: number;
  dataDir: string;
  /** --storage: where everything durable lives (undefined: `local`, persist files under dataDir). */
  storage?: string;
  logLevel: LevelWithSilent;
  logFormat: LogFormat;
  /** --no-live: false turns the live terminal view off. */
  live?: boolean;
  /** --workers: source worker threads (undefined: one per core; 0: decode on the main thread). */
  workers?: number;
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > 256) throw new InvalidArgumentError('expected a whole number from 0 to 256');
  return n;
}

/** The HTTP port's default (the SQL port's plus one, as Materialize's 6875/6876). */
export const DEFAULT_HTTP_PORT = 6876;

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the Freshet server: SQL clients (psql, any PostgreSQL driver) connect over the PostgreSQL wire protocol');
  addListenOptions(command)
    .option('--data-dir <path>', 'directory for the catalog and durable data; created if missing, reused on restart', './freshet-data')
    .option(
      '--storage <url>',
      'where everything durable lives: local (the default: persist files under --data-dir/persist), file:<directory>, or postgres://user@host:port/database (PostgreSQL; a second server started on it takes over and the first exits)',
    );
  command.option(
    '--workers <number>',
    `source worker threads that decode Kafka messages and keep upsert state (default: one per core, here ${defaultWorkerCount()}; 0 decodes on the main thread)`,
    parseWorkers,
  );
  addSecurityOptions(command);
  addLogOptions(command).action(async (options: ServeOptions) => {
    await serve(options);
  });
}

/** --host, --port and --http-port, shared by every command that serves SQL clients. */
export function addListenOptions(command: Command): Command {
  return command
    .option('--host <address>', 'address to listen on for SQL clients and HTTP (0.0.0.0 for all interfaces)', '127.0.0.1')
    .option('--port <number>', 'TCP port for SQL clients (0 picks a free port, reported in the "listening" log line)', parsePort, 6875)
    .option(
      '--http-port <number>',
      `TCP port for HTTP on the same host: /metrics (Prometheus), /api/livez, /api/readyz, the SQL API and the web console (default: ${DEFAULT_HTTP_PORT}; a free port when --port is 0)`,
      parsePort,
    );
}

/** --log-level and --log-format, shared by every long-running command. */
export function addLogOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--log-level <level>', 'least severe log level written to stderr').choices(LOG_LEVELS).default('info'),
    )
    .addOption(
      new Option('--log-format <format>', 'log line format on stderr: pretty (one human-readable line) or json (pino JSON lines)')
        .choices(LOG_FORMATS)
        .default('pretty'),
    )
    .option('--no-live', 'no live terminal view of sources and views (it is shown when stdout is a terminal and --log-format is pretty)');
}

/**
 * The live view is drawn when stdout is a terminal and logs are pretty; its
 * log lines then print above it when stderr is that terminal too.
 */
export function createConsoleOutput(options: Pick<ServeOptions, 'logLevel' | 'logFormat' | 'live'>): { logger: Logger; live: LiveView | undefined } {
  const live = options.live !== false && options.logFormat === 'pretty' && process.stdout.isTTY === true ? new LiveView(process.stdout) : undefined;
  const logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    ...(live && process.stderr.isTTY ? { destination: live.logDestination } : {}),
  });
  return { logger, live };
}

export async function serve(options: ServeOptions): Promise<void> {
  const { logger, live } = createConsoleOutput(options);
  reportUnexpectedErrors(logger);
  if (options.workers !== undefined) configureSourceWorkers(options.workers);
  installHeapProbe(logger);
  const running = await startServer(options, logger);
  if (running === undefined) return;
  if (live) startLiveView(live, running);
  installShutdown(logger, async () => {
    live?.stop();
    await running.stop();
  });
}

/** Starts the live terminal view over a running server. */
export function startLiveView(live: LiveView, running: RunningServer): void {
  live.start(
    { snapshot: () => running.coordinator.snapshot(), history: running.history },
    { sqlAddress: formatAddress(displayHost(running.host), running.port), consoleUrl: running.consoleUrl, version: packageVersion(), startedMs: Date.now() },
  );
}

export interface RunningServer {
  coordinator: Coordinator;
  /** The address actually bound (the port is real even when 0 was asked for). */
  host: string;
  port: number;
  /** The HTTP port actually bound. */
  httpPort: number;
  /** Where the web console is, e.g. http://127.0.0.1:6876/ */
  consoleUrl: string;
  /** Recent samples of every source (rates, lag), shared by the console and the terminal view. */
  history: SourceHistory;
  dataDir: string;
  /** Closes the listener, then the coordinator. */
  stop(): Promise<void>;
}

/**
 * Starts the coordinator on `dataDir` and the PostgreSQL wire protocol
 * listener, and logs "listening". On failure logs why (fatal), releases what
 * was started, sets exit code 1 and resolves undefined.
 */
export async function startServer(
  options: Pick<ServeOptions, 'host' | 'port' | 'httpPort' | 'dataDir' | 'storage'> & SecurityOptions,
  logger: Logger,
): Promise<RunningServer | undefined> {
  const dataDir = resolve(options.dataDir);
  // HTTP first: /api/livez answers while the catalog loads, /api/readyz says 503 until SQL is served.
  let sqlListening = false;
  const http = new HttpServer({ logger, ready: () => sqlListening, sqlAllowed: httpSqlAllowed(options) });
  const httpPort = options.httpPort ?? (options.port === 0 ? 0 : DEFAULT_HTTP_PORT);
  let httpAddress;
  try {
    httpAddress = await http.listen(httpPort, options.host);
  } catch (err) {
    logger.fatal({ err, host: options.host, port: httpPort }, 'could not listen for HTTP (--http-port)');
    await http.close();
    process.exitCode = 1;
    return undefined;
  }
  let coordinator: Coordinator;
  try {
    coordinator = await startCoordinator({
      dataDir,
      logger: logger.child({ component: 'coordinator' }),
      storage: parseStorage(options.storage ?? 'local', dataDir),
      // Another server took over the storage: stop at once, writing nothing more (the coordinator logged why).
      onFenced: () => process.exit(3),
      ...(options.secretsKeyFile !== undefined ? { secretsKeyFile: options.secretsKeyFile } : {}),
    });
  } catch (err) {
    logger.fatal({ err, dataDir }, 'could not start the coordinator');
    await http.close();
    process.exitCode = 1;
    return undefined;
  }
  http.attach(coordinator);
  let server: PgwireServer;
  let address;
  try {
    server = new PgwireServer({ sessions: coordinator, logger, ...pgwireSecurity(options, coordinator, logger) });
    address = await server.listen(options.port, options.host);
  } catch (err) {
    logger.fatal({ err, host: options.host, port: options.port }, 'could not listen for SQL clients');
    await http.close();
    await coordinator.shutdown();
    process.exitCode = 1;
    return undefined;
  }
  sqlListening = true;
  const consoleUrl = `http://${formatAddress(displayHost(httpAddress.address), httpAddress.port)}/`;
  logger.info(
    { address: formatAddress(address.address, address.port), host: address.address, port: address.port, dataDir },
    'listening',
  );
  logger.info({ address: formatAddress(httpAddress.address, httpAddress.port), httpPort: httpAddress.port, console: consoleUrl }, 'http listening');
  return {
    coordinator,
    host: address.address,
    port: address.port,
    httpPort: httpAddress.port,
    consoleUrl,
    history: http.history,
    dataDir,
    stop: async () => {
      await http.close();
      await server.close();
      await coordinator.shutdown();
    },
  };
}

/** A wildcard address is reached through the loopback. */
export function displayHost(host: string): string {
  return host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
}

/** On the first SIGTERM/SIGINT: stop gracefully and exit 0; a second signal exits at once. */
export function installShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** A bug that escapes every handler is logged before the process ends, never lost. */
export function reportUnexpectedErrors(logger: Logger): void {
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
