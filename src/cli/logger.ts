// Structured logging for every part of Freshet: pino JSON lines on stderr, or
// a compact single-line human format ("pretty") written by this module.
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export type LogFormat = 'json' | 'pretty';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

export interface LoggerOptions {
  level?: LevelWithSilent;
  format?: LogFormat;
  /** Where lines go; default stderr. */
  destination?: { write(line: string): unknown };
}

export type { Logger };

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const sink = options.destination ?? process.stderr;
  const format = options.format ?? 'json';
  const destination: DestinationStream =
    format === 'pretty'
      ? { write: (line: string) => sink.write(formatPrettyLine(line)) }
      : options.destination === undefined
        ? pino.destination({ fd: 2, sync: true })
        : { write: (line: string) => sink.write(line) };
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Turns one pino JSON line into `HH:MM:SS.mmm LEVEL msg key=value ...`. */
export function formatPrettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, err, ...fields } = record;
  const clock = typeof time === 'string' ? time.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const levelName = (typeof level === 'number' ? LEVEL_NAMES[level] : undefined) ?? String(level);
  let out = `${clock} ${levelName.padEnd(5)} ${typeof msg === 'string' ? msg : ''}`;
  for (const [key, value] of Object.entries(fields)) out += ` ${key}=${formatValue(value)}`;
  if (err !== undefined) out += `\n${formatError(err)}`;
  return out + '\n';
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

function formatError(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const { stack, message } = err as { stack?: unknown; message?: unknown };
    if (typeof stack === 'string') return stack.replace(/^/gm, '    ');
    if (typeof message === 'string') return `    ${message}`;
  }
  return `    ${JSON.stringify(err)}`;
}
