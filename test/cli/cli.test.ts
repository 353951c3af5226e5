// The `freshet` command line: help texts document every option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function freshet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

test('freshet --help lists the serve command', async () => {
  const result = await freshet(['--help']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /Usage: freshet/);
  assert.match(result.stdout, /serve \[options\]\s+run the Freshet server/);
  assert.match(result.stdout, /--version/);
});

test('freshet --version prints the package version', async () => {
  const result = await freshet(['--version']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('freshet serve --help explains each option with its default', async () => {
  const result = await freshet(['serve', '--help']);
  assert.equal(result.code, 0);
  const expected: [string, RegExp][] = [
    ['--host <address>', /default: "127\.0\.0\.1"/],
    ['--port <number>', /default: 6875/],
    ['--data-dir <path>', /default: "\.\/freshet-data"/],
    ['--log-level <level>', /default: "info"/],
    ['--log-format <format>', /choices: "pretty", "json"/],
  ];
  const help = result.stdout.replace(/\s+/g, ' ');
  for (const [option, detail] of expected) {
    assert.ok(help.includes(option), `${option} is documented`);
    assert.match(help, detail);
  }
});

test('freshet serve rejects a bad port with a clear message', async () => {
  const result = await freshet(['serve', '--port', 'http']);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--port <number>.*must be an integer from 0 to 65535/);
});

test('freshet serve exits 1 with a clear log line when its port is taken', async () => {
  const occupier = createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  const address = occupier.address();
  assert.ok(address !== null && typeof address !== 'string');
  const dataDir = mkdtempSync(join(tmpdir(), 'freshet-cli-'));
  try {
    const result = await freshet(['serve', '--port', String(address.port), '--data-dir', dataDir, '--log-format', 'json']);
    assert.equal(result.code, 1);
    const fatal = result.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; port?: number })
      .find((record) => record.level === 60);
    assert.equal(fatal?.msg, 'could not listen for SQL clients');
    assert.equal(fatal?.port, address.port);
  } finally {
    occupier.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
