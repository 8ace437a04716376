import { afterEach, describe, expect, it } from 'vitest';
import { LineSocket } from './fixtures/line-socket.js';
import { example, killAll, portOf, type Spawned } from './fixtures/spawned.js';

// Each example is run through tsx as its header says, on 127.0.0.1 only.
const sockets: LineSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await killAll();
});

async function open(port: number): Promise<LineSocket> {
  const socket = await LineSocket.open(port);
  sockets.push(socket);
  return socket;
}

async function exampleClient(port: number, server: Spawned): Promise<Spawned> {
  const client = example('client.ts', ['--host', '127.0.0.1', '--port', String(port)]);
  await client.waitFor('Starting client...\nConnected to the server.\nType your messages below:\nYou: ');
  await server.waitFor(/New connection from 127\.0\.0\.1:\d+\n/);
  return client;
}

describe('examples/server.ts and examples/client.ts', () => {
  it('chat through the server, which takes HOST and PORT from the environment', async () => {
    const server = example('server.ts', [], { HOST: '127.0.0.1', PORT: '0' });
    const port = await portOf(server);
    expect(server.printed.stdout).toContain('(framing: auto)');
    const alice = await exampleClient(port, server);
    const bob = await exampleClient(port, server);

    alice.type('hi bob\n');
    await bob.waitFor('Message received: hi bob\n');
    server.type('from the console\n');
    await alice.waitFor('Message received: from the console\n');
    await bob.waitFor('Message received: from the console\n');

    alice.type('exit\n');
    await alice.waitFor('Closing connection...\n');
    expect(await alice.waitExit()).toEqual({ code: 0, signal: null });

    server.type('exit\n');
    await bob.waitFor(/Disconnected from the server[^\n]*\.\n/);
    expect(await bob.waitExit()).toEqual({ code: 0, signal: null });
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
  }, 40_000);

  it('print their usage under their own names', async () => {
    const help = example('server.ts', ['--help']);
    expect(await help.waitExit()).toEqual({ code: 0, signal: null });
    expect(help.printed.stdout).toMatch(/^Usage: examples\/server\.ts \[--host HOST\]/);

    const bad = example('client.ts', ['--port', 'nope']);
    expect(await bad.waitExit()).toEqual({ code: 2, signal: null });
    expect(bad.printed.stderr).toMatch(/^examples\/client\.ts: invalid port 'nope'.*\n\nUsage: examples\/client\.ts \[HOST\] \[PORT\]/);
    expect(bad.printed.stdout).toBe('');
  }, 20_000);
});

describe('examples/embed.ts', () => {
  it('serves the connected clients as JSON at /stats next to the chat', async () => {
    const app = example('embed.ts', [], { HOST: '127.0.0.1', PORT: '0', HTTP_PORT: '0' });
    const [, chatPort, statsUrl] = await app.waitFor(/Chat on 127\.0\.0\.1:(\d+); stats at (http:\/\/127\.0\.0\.1:\d+\/stats)\n/);
    const empty = (await (await fetch(statsUrl ?? '')).json()) as { count: number };
    expect(empty.count).toBe(0);

    const a = await open(Number(chatPort));
    const b = await open(Number(chatPort));
    a.send('hello from a');
    await b.waitFor('hello from a\n');

    const response = await fetch(statsUrl ?? '');
    expect(response.headers.get('content-type')).toBe('application/json');
    const stats = (await response.json()) as {
      count: number;
      clients: { port: number; address: string; framing: string; messagesIn: number; messagesOut: number }[];
    };
    expect(stats.count).toBe(2);
    const byPort = new Map(stats.clients.map((client) => [client.port, client]));
    expect(byPort.get(a.socket.localPort ?? 0)).toMatchObject({ address: '127.0.0.1', framing: 'line', messagesIn: 1, messagesOut: 0 });
    expect(byPort.get(b.socket.localPort ?? 0)).toMatchObject({ address: '127.0.0.1', messagesIn: 0, messagesOut: 1 });
    expect((await fetch(statsUrl?.replace('/stats', '/other') ?? '')).status).toBe(404);

    app.signal('SIGINT');
    await app.waitFor('Stopped.\n');
    expect(await app.waitExit()).toEqual({ code: 0, signal: null });
  }, 30_000);
});
