import { connect, createServer, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLOSE_TIMEOUT_MS } from '../src/internals.js';
import { assertCliBuilt, cli, freePort, killAll, portOf, pythonClient, Spawned } from './fixtures/spawned.js';
import { needs } from './helpers/tools.js';

// Every program here is spawned and driven through its standard streams, on 127.0.0.1 only.
beforeAll(assertCliBuilt);
afterEach(killAll);

const NEW_CONNECTION = /New connection from 127\.0\.0\.1:(\d+)\n/;

/** `broadcast-chat serve` on a free loopback port, with the default (auto) framing. */
async function startServer(): Promise<{ server: Spawned; port: number }> {
  const server = cli('server', ['serve', '--host', '127.0.0.1', '--port', '0']);
  const port = await portOf(server);
  await server.waitFor("'exit' stops the server.\n");
  return { server, port };
}

/** `broadcast-chat connect`, once it is connected and the server has logged it. */
async function startClient(name: string, port: number, server: Spawned): Promise<Spawned> {
  const client = cli(name, ['connect', '--no-reconnect', '127.0.0.1', String(port)]);
  await client.waitFor('Starting client...\nConnected to the server.\nType your messages below:\nYou: ');
  await server.waitFor(NEW_CONNECTION);
  return client;
}

describe('broadcast-chat serve and connect', () => {
  needs('nc', 'python3').it('puts the documented Python client, nc and our client in one chat, with the console broadcasting to all', async () => {
    const { server, port } = await startServer();
    expect(server.printed.stdout).toContain(`Server started on 127.0.0.1:${port} (framing: auto)`);

    const python = pythonClient(port);
    await python.waitFor('Connected to the server.\nType your messages below:\n');
    await server.waitFor(NEW_CONNECTION);
    // The Python client speaks first, so that the hub knows it speaks raw before writing to it.
    python.type('hi from python\n');
    await server.waitFor(/Received message from 127\.0\.0\.1:\d+: hi from python\n/);

    const nc = new Spawned('nc', 'nc', ['127.0.0.1', String(port)]);
    await server.waitFor(NEW_CONNECTION);
    const node = await startClient('client', port, server);

    nc.type('hi from nc\n');
    await python.waitFor('Message received: hi from nc\n');
    await node.waitFor('Message received: hi from nc\n');

    node.type('hi from node\n');
    await python.waitFor('Message received: hi from node\n');
    await nc.waitFor('hi from node\n');

    python.type('again from python\n');
    await nc.waitFor('again from python\n');
    await node.waitFor('Message received: again from python\n');

    server.type('hello everyone\n');
    await python.waitFor('Message received: hello everyone\n');
    await nc.waitFor('hello everyone\n');
    await node.waitFor('Message received: hello everyone\n');

    // nc got every line newline-terminated; the Python client got bare text (a newline would
    // show as an empty line after each message); nobody got their own message back.
    expect(nc.printed.stdout).toBe('hi from node\nagain from python\nhello everyone\n');
    expect(python.searched('stdout')).not.toMatch(/\n\n/);
    expect(python.searched('stdout')).not.toContain('again from python');
    expect(node.printed.stdout).not.toContain('Message received: hi from node');

    const exiting = performance.now();
    server.type('exit\n');
    await server.waitFor('Shutting down server...\n');
    // One shutdown line each: the documented raw client gets the documented words, the others
    // the hub's own notice (which our client folds into its last line).
    await python.waitFor('Message received: Server is shutting down.\n');
    await python.waitFor('Disconnected from the server.\n');
    await node.waitFor(/Disconnected from the server \(server shutting down; reconnect in \d+ s\)\.\n/);
    expect(node.printed.stdout).not.toContain('Server is shutting down.');
    await nc.waitFor(/^\* server shutting down; reconnect in \d+ s\n/m);
    expect(nc.printed.stdout).not.toContain('Server is shutting down.');
    // nc keeps its half of the connection open while its input is open. The hub does not wait
    // for it: it destroys the socket 100 ms after our data is flushed, so the server exits with
    // nc still running, well within its close timeout.
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
    expect(performance.now() - exiting).toBeLessThan(DEFAULT_CLOSE_TIMEOUT_MS);
    expect(await node.waitExit()).toEqual({ code: 0, signal: null });
    // nc only notices that the server is gone when it next writes: press Ctrl-C, as a person would.
    nc.signal('SIGINT');
    expect(server.printed.stdout).toMatch(/Server closed\.\n$/);
    expect(server.printed.stderr).toBe('');
  }, 40_000);

  it('relays between two of our clients; `exit` in any case leaves cleanly and the server logs it', async () => {
    const { server, port } = await startServer();
    const alice = await startClient('alice', port, server);
    const bob = await startClient('bob', port, server);

    alice.type('hello bob\n');
    await bob.waitFor('Message received: hello bob\n');
    bob.type('\n'); // an empty line sends nothing
    bob.type('hello alice\n');
    await alice.waitFor('Message received: hello alice\n');
    expect(alice.printed.stdout).not.toMatch(/Message received: \n/);

    bob.type('ExIt\n');
    await bob.waitFor('Closing connection...\n');
    expect(await bob.waitExit()).toEqual({ code: 0, signal: null });
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+ \(client-closed\)\n/);
    expect(bob.printed.stderr).toBe('');

    // The chat goes on without bob.
    server.type('still here\n');
    await alice.waitFor('Message received: still here\n');
  }, 30_000);

  it('logs each client by address, and survives one that resets its connection', async () => {
    const { server, port } = await startServer();
    const socket = await rawConnect(port);
    const localPort = socket.localPort ?? 0;
    const [line] = await server.waitFor(NEW_CONNECTION);
    expect(line).toBe(`New connection from 127.0.0.1:${localPort}\n`);
    socket.resetAndDestroy();
    await server.waitFor(`Connection closed from 127.0.0.1:${localPort} (reset)\n`);

    const a = await startClient('a', port, server);
    const b = await startClient('b', port, server);
    a.type('after the reset\n');
    await b.waitFor('Message received: after the reset\n');
    expect(server.child.exitCode).toBeNull();
  }, 30_000);

  it('keeps serving when its standard input ends, and stops gracefully on SIGTERM', async () => {
    const { server, port } = await startServer();
    server.endInput();
    await server.waitFor('Console input closed; still serving');
    const a = await startClient('a', port, server);
    const b = await startClient('b', port, server);
    a.type('after stdin closed\n');
    await b.waitFor('Message received: after stdin closed\n');

    server.signal('SIGTERM');
    await server.waitFor('Shutting down server...\n');
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
    for (const client of [a, b]) {
      // A client told why says so on its last line (docs/cli.md): `... (server shutting down; reconnect in 4 s).`
      await client.waitFor(/Disconnected from the server[ .]/);
      expect(await client.waitExit()).toEqual({ code: 0, signal: null });
    }
  }, 30_000);

  it('stops gracefully on SIGINT, on both sides', async () => {
    const { server, port } = await startServer();
    const a = await startClient('a', port, server);
    const b = await startClient('b', port, server);

    a.signal('SIGINT');
    await a.waitFor('Closing connection...\n');
    expect(await a.waitExit()).toEqual({ code: 0, signal: null });
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+ \(client-closed\)\n/);

    b.signal('SIGTERM');
    await b.waitFor('Closing connection...\n');
    expect(await b.waitExit()).toEqual({ code: 0, signal: null });
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+ \(client-closed\)\n/);

    server.signal('SIGINT');
    await server.waitFor('Server closed.\n');
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('tells the client when the server goes away without a word', async () => {
    const { server, port } = await startServer();
    const client = await startClient('client', port, server);
    server.signal('SIGKILL');
    await client.waitFor('Disconnected from the server.\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
    expect(client.printed.stdout).not.toContain('Closing connection');
  }, 30_000);

  it('prints one line and exits 1 when no server is there', async () => {
    const port = await freePort();
    const client = cli('client', ['connect', '127.0.0.1', String(port)]);
    expect(await client.waitExit()).toEqual({ code: 1, signal: null });
    expect(client.printed.stdout).toBe('Starting client...\n');
    expect(client.printed.stderr).toBe(`Could not connect to server: connection refused (ECONNREFUSED) at 127.0.0.1:${port}\n`);
  });

  it('prints one line and exits 1 when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const server = cli('server', ['serve', '--host', '127.0.0.1', '--port', String(port)]);
      expect(await server.waitExit()).toEqual({ code: 1, signal: null });
      expect(server.printed.stderr).toBe(`Could not start server on 127.0.0.1:${port}: address already in use (EADDRINUSE)\n`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
