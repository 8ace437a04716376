import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, parseConnectArgs, parseServeArgs, UsageError } from '../src/cli/args.js';
import { assertCliBuilt, cli, CLI, freePort, killAll, portOf, ROOT, Spawned } from './fixtures/spawned.js';

const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

beforeAll(assertCliBuilt);
afterEach(killAll);

describe('broadcast-chat command line', () => {
  it.each([
    ['an unknown flag', ['serve', '--bogus'], /^broadcast-chat: Unknown option '--bogus'\n\nUsage: broadcast-chat serve /],
    ['a port out of range', ['serve', '--port', '70000'], /^broadcast-chat: invalid port '70000'.*\n\nUsage: broadcast-chat serve /],
    ['a port that is not a number', ['connect', '127.0.0.1', '80a'], /^broadcast-chat: invalid port '80a'.*\n\nUsage: broadcast-chat connect /],
    ['port 0 for a client', ['connect', '--port', '0'], /^broadcast-chat: invalid port '0': expected a number from 1 to 65535\n/],
    ['a missing value', ['connect', '--host'], /^broadcast-chat: Option '--host <value>' argument missing\n/],
    ['too many arguments', ['connect', 'a', '1', 'c'], /^broadcast-chat: unexpected argument 'c'\n/],
    ['an unknown framing', ['serve', '--framing', 'xml'], /^broadcast-chat: invalid --framing 'xml': expected one of auto, line, raw, length, json, mixed\n/],
    ['an unknown command', ['listen'], /^broadcast-chat: unknown command 'listen'\n\nUsage: broadcast-chat serve .*\n\s+broadcast-chat connect /],
    ['no command', [], /^broadcast-chat: missing command\n\nUsage: /],
  ])('prints the usage and exits 2 for %s', async (_what, args, stderr) => {
    const program = cli('broadcast-chat', args);
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toMatch(stderr);
    expect(program.printed.stdout).toBe('');
  });

  it('exits 2 for a bad PORT in the environment of serve', async () => {
    const program = cli('broadcast-chat', ['serve'], { PORT: 'eighty' });
    expect(await program.waitExit()).toEqual({ code: 2, signal: null });
    expect(program.printed.stderr).toMatch(/^broadcast-chat: invalid port 'eighty'/);
  });

  it.each([
    [['--help'], /^Usage: broadcast-chat serve .*\n\s+broadcast-chat connect .*\n\s+broadcast-chat hash-password\n\s+broadcast-chat --help \| --version\n/],
    [['serve', '--help'], /^Usage: broadcast-chat serve \[--host HOST\] \[--port PORT\] \[--chat\] \[OPTIONS\]\n[\s\S]*'exit' stops the server/],
    [['connect', '-h'], /^Usage: broadcast-chat connect \[HOST\] \[PORT\] [\s\S]*default 127\.0\.0\.1[\s\S]*default 8000/],
  ])('prints help for %j and exits 0', async (args, stdout) => {
    const program = cli('broadcast-chat', args);
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
    expect(program.printed.stdout).toMatch(stdout);
    expect(program.printed.stderr).toBe('');
  });

  it('prints the package version', async () => {
    for (const args of [['--version'], ['serve', '-v']]) {
      const program = cli('broadcast-chat', args);
      expect(await program.waitExit()).toEqual({ code: 0, signal: null });
      expect(program.printed.stdout).toBe(`${packageJson.version}\n`);
    }
  });

  it('ships as an executable bin with a node shebang', () => {
    expect(packageJson.bin).toEqual({ 'broadcast-chat': 'dist/cli.js' });
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    accessSync(CLI, constants.X_OK);
    const run = spawnSync(CLI, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    expect(run.stdout).toBe(`${packageJson.version}\n`);
  });

  it('runs the server with `npm start` and the client with `npm run client`, passing arguments on', async () => {
    // The scripts' commands, run as npm runs them (sh -c), with arguments appended as `npm start -- ...` does.
    const start = new Spawned('npm start', 'sh', ['-c', `exec ${packageJson.scripts.start ?? 'false'} --host 127.0.0.1 --port 0`]);
    await portOf(start);
    start.signal('SIGTERM');
    expect(await start.waitExit()).toEqual({ code: 0, signal: null });

    const port = await freePort();
    const client = new Spawned('npm run client', 'sh', ['-c', `exec ${packageJson.scripts.client ?? 'false'} 127.0.0.1 ${port}`]);
    expect(await client.waitExit()).toEqual({ code: 1, signal: null });
    expect(client.printed.stderr).toContain(`Could not connect to server: connection refused (ECONNREFUSED) at 127.0.0.1:${port}`);
  }, 20_000);
});

describe('argument parsing', () => {
  it('defaults serve to the documented 0.0.0.0:8000 with auto framing, and honours HOST and PORT', () => {
    expect(parseServeArgs([])).toEqual({ command: 'serve', host: '0.0.0.0', port: 8000, framing: 'auto' });
    expect(parseServeArgs([], { HOST: '127.0.0.1', PORT: '9000' })).toMatchObject({ host: '127.0.0.1', port: 9000 });
    expect(parseServeArgs(['--port', '1', '--host', '::1', '-f', 'raw'], { PORT: '9000' })).toEqual({
      command: 'serve',
      host: '::1',
      port: 1,
      framing: 'raw',
    });
  });

  it('defaults connect to 127.0.0.1:8000 (the documented client said 8080; ours agree on 8000)', () => {
    expect(parseConnectArgs([])).toEqual({ command: 'connect', host: '127.0.0.1', port: 8000, framing: 'auto' });
    expect(parseConnectArgs(['example.test', '9000'])).toMatchObject({ host: 'example.test', port: 9000 });
    expect(parseConnectArgs(['--port=9001', 'example.test'])).toMatchObject({ host: 'example.test', port: 9001 });
    expect(() => parseConnectArgs(['a', '--host', 'b'])).toThrow(UsageError);
  });

  it('routes subcommands and rejects bad ports precisely', () => {
    expect(parseCommandLine(['connect', '-p', '65535'])).toMatchObject({ command: 'connect', port: 65_535 });
    expect(parseCommandLine(['serve', '--port', '0'])).toMatchObject({ command: 'serve', port: 0 });
    expect(parseCommandLine(['-v'])).toEqual({ command: 'version' });
    for (const port of ['-1', '1.5', '0x10', '', ' 80', '65536', '123456']) {
      expect(() => parseServeArgs([`--port=${port}`]), port).toThrow(/invalid port/);
    }
  });
});
