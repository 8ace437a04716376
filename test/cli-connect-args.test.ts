import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConnectArgs, UsageError } from '../src/cli/args.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { nextEvent, startCliHub } from './helpers/cli-hub.js';
import { assertCliBuilt, cli, killAll } from './fixtures/spawned.js';

beforeAll(assertCliBuilt);
afterEach(killAll);
const track = closeAfterEach();

const dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-connect-args-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Whether this machine has an IPv6 loopback to test `[::1]:PORT` against. */
const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1') === true);

describe('connect arguments', () => {
  it.each([
    [['127.0.0.1:9000'], { host: '127.0.0.1', port: 9000 }],
    [['example.test:9000'], { host: 'example.test', port: 9000 }],
    [['[::1]:9000'], { host: '::1', port: 9000 }],
    [['[::1]'], { host: '::1', port: 8000 }],
    [['::1'], { host: '::1', port: 8000 }],
    [['fe80::1'], { host: 'fe80::1', port: 8000 }],
    // An IPv6 address may end in what looks like a port: only brackets say otherwise.
    [['fe80::1:8000'], { host: 'fe80::1:8000', port: 8000 }],
    [['example.test', '9000'], { host: 'example.test', port: 9000 }],
    [['[::1]', '9000'], { host: '::1', port: 9000 }],
    [['example.test'], { host: 'example.test', port: 8000 }],
    [['--host', '::1', '--port', '9000'], { host: '::1', port: 9000 }],
    [['example.test:9000', '--framing', 'raw'], { host: 'example.test', port: 9000, framing: 'raw' }],
    [['--port', '9000', 'example.test'], { host: 'example.test', port: 9000 }],
    [['example.test', '--port', '9000'], { host: 'example.test', port: 9000 }],
  ])('reads %j', (args, expected) => {
    expect(parseConnectArgs(args)).toMatchObject({ command: 'connect', ...expected });
  });

  it('keeps the documented defaults, with every new option unset', () => {
    expect(parseConnectArgs([])).toEqual({ command: 'connect', host: '127.0.0.1', port: 8000, framing: 'auto' });
  });

  it('reads --nick, --room, --json, --socket and --no-reconnect', () => {
    expect(parseConnectArgs(['--nick', 'alice', '--room', 'dev', '--json', '--no-reconnect'])).toMatchObject({
      nick: 'alice',
      room: 'dev',
      json: true,
      reconnect: false,
    });
    expect(parseConnectArgs(['--socket', '/run/chat.sock'])).toMatchObject({ path: '/run/chat.sock' });
  });

  it('reads the CA from --ca, or from --tls-ca, its other name; either implies --tls', () => {
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'not really a certificate');
    for (const flag of ['--ca', '--tls-ca']) {
      const command = parseConnectArgs([flag, ca]);
      expect(command.command === 'connect' && command.tls?.ca?.toString()).toBe('not really a certificate');
    }
    expect(parseConnectArgs(['--tls'])).toMatchObject({ tls: {} });
    expect(() => parseConnectArgs(['--ca', ca, '--tls-ca', ca])).toThrow(/--tls-ca is another name for --ca/);
    expect(() => parseConnectArgs(['--ca', join(dir, 'missing.pem')])).toThrow(/cannot read --ca .*missing\.pem: ENOENT/);
  });

  it.each([
    [['example.test:80:90'], /invalid address 'example.test:80:90': write an IPv6 address with a port as \[ADDRESS\]:PORT/],
    [['[::1'], /invalid address '\[::1': expected \[ADDRESS\] or \[ADDRESS\]:PORT/],
    [['[::1]:'], /invalid address/],
    [['[]:80'], /invalid address/],
    [[':8000'], /invalid address ':8000': expected HOST:PORT/],
    [['host:'], /invalid address 'host:': expected HOST:PORT/],
    [['127.0.0.1:80a'], /invalid port '80a'/],
    [['127.0.0.1:0'], /invalid port '0': expected a number from 1 to 65535/],
    [['127.0.0.1:9000', '9001'], /give the port once: '127\.0\.0\.1:9000' already names port 9000/],
    [['127.0.0.1:9000', '--port', '9001'], /give the port once: as an argument or with --port/],
    [['127.0.0.1', '--host', '::1'], /give the host once/],
    [['a', '1', 'c'], /unexpected argument 'c'/],
    [['127.0.0.1', '--socket', '/run/chat.sock'], /give a host and port or --socket, not both/],
    [['--port', '9000', '--socket', '/run/chat.sock'], /give a host and port or --socket, not both/],
    [['--socket', ''], /the socket path cannot be empty/],
    [['--json', '--framing', 'line'], /--json is a framing of its own/],
    [['--nick', '9lives'], /invalid nickname '9lives': it must start with a letter/],
    [['--nick', ''], /invalid nickname '': it is empty/],
    [['--room', 'no spaces'], /invalid room 'no spaces': it must hold only letters/],
    [['--flood', '5:2'], /--flood is an option of serve/],
    [['--tls-key', 'key.pem'], /--tls-key and --tls-cert are options of serve/],
    [['--nick'], /argument missing/],
  ])('refuses %j', (args, message) => {
    expect(() => parseConnectArgs(args)).toThrow(UsageError);
    expect(() => parseConnectArgs(args)).toThrow(message);
  });
});

describe('broadcast-chat connect ADDRESS', () => {
  it.each([
    ['HOST:PORT', (port: number) => [`127.0.0.1:${port}`]],
    ['HOST PORT', (port: number) => ['127.0.0.1', String(port)]],
    ['--host HOST --port PORT', (port: number) => ['--host', '127.0.0.1', '--port', String(port)]],
  ])('connects to %s', async (_form, args) => {
    const { hub, port } = await startCliHub(track, { framing: 'line' });
    const connected = nextEvent(hub, 'connect');
    const client = cli('client', ['connect', ...args(port)]);
    await client.waitFor('Connected to the server.');
    const [peer] = await connected;
    expect(peer.remoteAddress).toMatch(/127\.0\.0\.1$/);
    const said = nextEvent(hub, 'message');
    client.type('over there\n');
    expect((await said)[0]).toBe('over there');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it.skipIf(!hasIpv6Loopback)(`connects to [IPV6]:PORT${hasIpv6Loopback ? '' : ' (skipped: this machine has no IPv6 loopback)'}`, async () => {
    const { hub, port } = await startCliHub(track, { framing: 'line' }, 0, '::1');
    const connected = nextEvent(hub, 'connect');
    const client = cli('client', ['connect', `[::1]:${port}`]);
    await client.waitFor('Connected to the server.');
    expect((await connected)[0].remoteAddress).toBe('::1');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('prints the usage and exits 2 for an address it cannot read', async () => {
    const client = cli('client', ['connect', 'localhost:80:90']);
    expect(await client.waitExit()).toEqual({ code: 2, signal: null });
    expect(client.printed.stderr).toMatch(/^broadcast-chat: invalid address 'localhost:80:90': write an IPv6 address with a port as \[ADDRESS\]:PORT\n\nUsage: broadcast-chat connect /);
    expect(client.printed.stdout).toBe('');
  });
});
