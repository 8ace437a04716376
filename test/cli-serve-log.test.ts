import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Spawned } from './fixtures/spawned.js';
import { assertCliBuilt, killAll } from './fixtures/spawned.js';
import { LineSocket } from './fixtures/line-socket.js';
import { closeSockets, exitServe, lineClient, startServe } from './helpers/serve-cli.js';

// What `serve` reports about its clients: `--log json` for machines, `--log text` for people.
beforeAll(assertCliBuilt);
afterEach(async () => {
  closeSockets();
  await killAll();
});

type LogEvent = Record<string, unknown> & { time: string; event: string };

/** Every line printed so far, parsed: `--log json` prints nothing else on standard output. */
function events(server: Spawned): LogEvent[] {
  return server.printed.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEvent);
}

/** Waits until an event matching `fields` has been printed, and returns it. */
async function eventMatching(server: Spawned, fields: Record<string, unknown>): Promise<LogEvent> {
  const pattern = new RegExp(Object.entries(fields).map(([key, value]) => `"${key}":${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).join('.*'));
  await server.waitFor(pattern);
  const found = events(server).find((event) => Object.entries(fields).every(([key, value]) => event[key] === value));
  if (found === undefined) throw new Error(`no event ${JSON.stringify(fields)}`);
  return found;
}

/**
 * Writes 32 KiB lines to `flooder` until `server` has printed `pattern` (a slow consumer), at
 * most 1000 of them: what the stalled client is sent fills its socket, then its queue.
 */
async function floodUntil(server: Spawned, flooder: LineSocket, pattern: RegExp): Promise<void> {
  const line = 'x'.repeat(32 * 1024);
  for (let round = 0; round < 20 && !pattern.test(server.printed.stdout); round += 1) {
    for (let i = 0; i < 50; i += 1) flooder.send(line);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A client that connects and never reads: what is sent to it piles up. */
async function stalledClient(port: number): Promise<LineSocket> {
  const client = await lineClient(port);
  client.socket.pause();
  return client;
}

describe('serve --log json', () => {
  it('prints one JSON object per event: connect, message, disconnect with reason, refused, slow consumer, errors', async () => {
    const { server, port } = await startServe('json log', ['--log', 'json', '--max-clients', '2', '--max-message-bytes', '40k', '--max-queued-bytes', '64k']);
    const listening = events(server)[0];
    expect(listening).toMatchObject({ event: 'listening', address: '127.0.0.1', port, framing: 'auto', chat: false });
    expect(Number.isNaN(Date.parse(listening?.time ?? ''))).toBe(false);

    const stalled = await stalledClient(port);
    const stalledPort = stalled.socket.localPort;
    const connect = await eventMatching(server, { event: 'connect', port: stalledPort });
    expect(connect).toMatchObject({ address: '127.0.0.1', nick: 'guest-1' });
    expect(connect.peer).toMatch(/^[0-9a-f-]{36}$/);

    const flooder = await lineClient(port);
    await eventMatching(server, { event: 'connect', port: flooder.socket.localPort });
    flooder.send('hello');
    await eventMatching(server, { event: 'message', port: flooder.socket.localPort, text: 'hello' });

    // A third is one too many.
    const refused = await LineSocket.open(port);
    await refused.waitFor('! server full');
    refused.close();
    expect(await eventMatching(server, { event: 'refused', reason: 'server-full' })).toMatchObject({ address: '127.0.0.1' });

    flooder.send('y'.repeat(50 * 1024));
    expect(await eventMatching(server, { event: 'client-error', port: flooder.socket.localPort })).toMatchObject({ error: expect.stringMatching(/^message of 51200 bytes or more .* exceeds the limit of 40960 bytes$/) as unknown });

    await floodUntil(server, flooder, /"event":"slow-consumer"/);
    const slow = await eventMatching(server, { event: 'slow-consumer', port: stalledPort });
    expect(slow.queuedBytes).toBeGreaterThan(64 * 1024);
    const cut = await eventMatching(server, { event: 'disconnect', port: stalledPort });
    expect(cut).toMatchObject({ reason: 'slow-consumer', peer: connect.peer, nick: 'guest-1' });

    server.type('from the operator\n');
    expect(await eventMatching(server, { event: 'operator-message' })).toMatchObject({ text: 'from the operator', delivered: 1 });

    const flooderPort = flooder.socket.localPort;
    flooder.close();
    // Closed with unread data (the relay of its own flood's effects), which the kernel turns into a reset.
    expect(['client-closed', 'reset']).toContain((await eventMatching(server, { event: 'disconnect', port: flooderPort })).reason);
    expect(await exitServe(server)).toBe(0);
    // Nothing but JSON, ending with the shutdown.
    expect(events(server).slice(-2).map((event) => event.event)).toEqual(['stopping', 'closed']);
    for (const event of events(server)) expect(Number.isNaN(Date.parse(event.time))).toBe(false);
  }, 30_000);

  it('names clients by nickname in chat mode, and logs joins and renames', async () => {
    const { server, port } = await startServe('json chat log', ['--log', 'json', '--chat']);
    const alice = await lineClient(port);
    alice.send('/nick alice');
    alice.send('/join dev');
    expect(await eventMatching(server, { event: 'nick', nick: 'alice' })).toMatchObject({ previous: 'guest-1' });
    expect(await eventMatching(server, { event: 'join', nick: 'alice' })).toMatchObject({ room: 'dev' });
    alice.send('hello dev');
    expect(await eventMatching(server, { event: 'message', nick: 'alice', text: 'hello dev' })).toMatchObject({ room: 'dev' });
    server.type('/who\n');
    expect((await eventMatching(server, { event: 'console' })).text).toBe('1 client here:');
    expect(await exitServe(server)).toBe(0);
  });
});

describe('serve --log text', () => {
  it('tells the operator about refused connections and slow consumers', async () => {
    const { server, port } = await startServe('text log', ['--max-clients', '2', '--max-queued-bytes', '64k']);
    const stalled = await stalledClient(port);
    const flooder = await lineClient(port);
    await server.waitFor(/New connection[\s\S]*New connection/);
    const refused = await LineSocket.open(port);
    await refused.waitFor('! server full');
    refused.close();
    await server.waitFor('Refused a connection from 127.0.0.1 (server-full)\n');
    await floodUntil(server, flooder, /Slow consumer/);
    await server.waitFor(new RegExp(`Slow consumer 127\\.0\\.0\\.1:${stalled.socket.localPort} \\(\\d+ bytes waiting for it\\)\\n`));
    await server.waitFor(`Connection closed from 127.0.0.1:${stalled.socket.localPort} (slow-consumer)\n`);
    expect(await exitServe(server)).toBe(0);
  }, 30_000);
});
