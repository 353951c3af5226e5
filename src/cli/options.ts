// Option parsers shared by subcommands: bad values fail with a clear message.
import { InvalidArgumentError } from 'commander';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError('must be an integer from 0 to 65535 (0 picks a free port)');
  }
  return port;
}
