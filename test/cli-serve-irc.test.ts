import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, cli, killAll } from './fixtures/spawned.js';
import { IrcRaw } from './fixtures/irc-raw.js';
import { closeSockets, exitServe, namedClient, startServe, type ServeProcess } from './helpers/serve-cli.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';

// `broadcast-chat serve --irc`: IRC clients (raw sockets speaking IRC, byte for byte) in the
// spawned CLI's chat beside its nc-style line clients, on 127.0.0.1 with ports the system picks.
const ircClients = new Set<IrcRaw>();
const servers = new Set<Server>();
const tlsSockets = new Set<TLSSocket>();
let dir = '';

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-serve-irc-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const client of ircClients) client.destroy();
  ircClients.clear();
  for (const socket of tlsSockets) socket.destroy();
  tlsSockets.clear();
  for (const server of servers) server.close();
  servers.clear();
  closeSockets();
  await killAll();
});

/** A running `serve --irc 0` and the IRC door's port, as its startup lines said. */
interface IrcServeProcess extends ServeProcess {
  readonly ircPort: number;
}

/** Starts `serve --host 127.0.0.1 --port 0 --irc 0 --irc-host 127.0.0.1 ...args` and reads where the door listens. */
async function startIrcServe(name: string, args: readonly string[] = []): Promise<IrcServeProcess> {
  const started = await startServe(name, ['--irc', '0', '--irc-host', '127.0.0.1', ...args]);
  const match = /^IRC door on 127\.0\.0\.1:(\d+)( \(TLS\))?$/m.exec(started.server.printed.stdout);
  if (match === null) throw new Error(`${name} did not say where its IRC door is\n${started.server.transcript()}`);
  return { ...started, ircPort: Number(match[1]) };
}

/** An IRC client registered as `nick`, its welcome read; destroyed after the test. */
async function ircUser(port: number, nick: string): Promise<IrcRaw> {
  const client = await IrcRaw.connect(port);
  ircClients.add(client);
  await client.register(nick);
  return client;
}

describe('serve --irc', () => {
  it('lets IRC clients into the chat beside nc users: each hears the other, the console sees both', async () => {
    const { server, port, ircPort } = await startIrcServe('irc', ['--motd', 'Be kind; this chat is logged.']);
    // --irc implies --chat: the TCP port is a chat as with --chat.
    expect(server.printed.stdout).toContain(`Server started on 127.0.0.1:${port} (framing: mixed, chat mode)\nIRC door on 127.0.0.1:${ircPort}\n`);

    const alice = await ircUser(ircPort, 'alice');
    // The message of the day is the IRC welcome's MOTD, not a notice before it.
    expect(alice.since(0, / 372 /)).toEqual([':broadcast-chat.local 372 alice :- Be kind; this chat is logged.']);
    expect(alice.since(0, / NOTICE /)).toEqual([]);
    await alice.waitFor(/ 366 alice #lobby /);
    await server.waitFor(/New connection from 127\.0\.0\.1:\d+: guest-\d+\n/);

    const bob = await namedClient(port, 'bob');
    expect(await alice.waitFor(/ NICK :?bob$/)).toMatch(/^(?:@\S+ )?:guest-\d+!guest-\d+@host NICK :bob$/);
    bob.send('hi alice, from nc');
    expect(await alice.waitFor(/ PRIVMSG #lobby /)).toMatch(/^(?:@\S+ )?:bob!bob@host PRIVMSG #lobby :hi alice, from nc$/);
    alice.send('PRIVMSG #lobby :hi bob, from IRC');
    await bob.waitFor('alice: hi bob, from IRC\n');
    await server.waitFor('alice: hi bob, from IRC\n');

    // The operator sees and reaches IRC users as any other.
    server.type('/who\n');
    await server.waitFor(/^ {2}alice +127\.0\.0\.1:\d+ irc +lobby$/m);
    // What the operator says reaches every client as the hub's notice, as browsers get it: a server NOTICE on IRC.
    server.type('hello IRC\n');
    expect(await alice.waitFor(/hello IRC$/)).toBe(':broadcast-chat.local NOTICE alice :host: hello IRC');

    expect(await exitServe(server)).toBe(0);
    // Closed with the hub: told to come back later, then the door is gone.
    expect(await alice.waitFor(/^ERROR /)).toMatch(/^ERROR :Closing Link: alice\[host\] \(.*shutting down.*\)$/);
    await alice.waitClosed();
    await bob.waitFor('* server shutting down; reconnect in');
    await expect(IrcRaw.connect(ircPort)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('logs in JSON where the IRC door listens', async () => {
    const server = cli('irc json', ['serve', '--host', '127.0.0.1', '--port', '0', '--irc', '0', '--log', 'json']);
    const match = await server.waitFor(/"event":"irc-listening","address":"127\.0\.0\.1","port":(\d+),"tls":false\}/);
    const alice = await ircUser(Number(match[1]), 'alice');
    alice.send('PRIVMSG #lobby :logged');
    await server.waitFor(/"event":"message",.*"nick":"alice","room":"lobby","text":"logged"\}/);
    expect(await exitServe(server)).toBe(0);
  });

  it('says in one line that the IRC door cannot listen, and exits 1 without serving', async () => {
    const taken = createServer();
    servers.add(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const ircPort = (taken.address() as { port: number }).port;
    const program = cli('irc port taken', ['serve', '--host', '127.0.0.1', '--port', '0', '--irc', String(ircPort)]);
    expect(await program.waitExit()).toEqual({ code: 1, signal: null });
    expect(program.printed.stderr).toBe(`Could not start the IRC door on 127.0.0.1:${ircPort}: address already in use (EADDRINUSE)\n`);
    expect(program.printed.stdout).not.toContain('Server started');
  });

  needs('openssl').it("serves IRC over TLS with serve's --tls-key and --tls-cert", async () => {
    const { key, cert } = selfSignedCertificate();
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    writeFileSync(keyFile, key);
    writeFileSync(certFile, cert);
    const { server, ircPort } = await startIrcServe('irc tls', ['--tls-key', keyFile, '--tls-cert', certFile]);
    expect(server.printed.stdout).toContain(`IRC door on 127.0.0.1:${ircPort} (TLS)\n`);

    const socket = connectTls({ host: '127.0.0.1', port: ircPort, ca: cert });
    tlsSockets.add(socket);
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.write('NICK carol\r\nUSER carol 0 * :Carol\r\n');
    const deadline = Date.now() + 5000;
    while (!received.includes(' 001 carol ') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toContain(':broadcast-chat.local 001 carol :Welcome');

    // The plain port is TLS too; a plain IRC connection to the door gets no welcome.
    const plain = await IrcRaw.connect(ircPort);
    ircClients.add(plain);
    plain.send('NICK dave', 'USER dave 0 * :Dave');
    await expect(plain.waitFor(/ 001 /, { ms: 500 })).rejects.toThrow(/no line matching/);
    expect(await exitServe(server)).toBe(0);
  });
});
