import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAfterEach } from './helpers/cleanup.js';
import { nextEvent, startCliHub, until, type CliHub } from './helpers/cli-hub.js';
import { assertCliBuilt, cli, killAll, type Spawned } from './fixtures/spawned.js';

// `broadcast-chat connect` losing its hub and getting it back, through pipes (plain lines),
// against hubs on 127.0.0.1 that the test stops and starts again on the same port.
beforeAll(assertCliBuilt);
afterEach(killAll);
const track = closeAfterEach();

/** The client, connected to `hub` and ready (the hub has seen it, and the nickname it asked for if any). */
async function connectTo(hub: CliHub, args: readonly string[] = [], nick?: string): Promise<Spawned> {
  const client = cli('client', ['connect', `127.0.0.1:${hub.port}`, ...args]);
  await client.waitFor('Connected to the server.');
  await until('the hub to see the client', () => [...hub.hub.clients].some((peer) => nick === undefined || peer.nick === nick));
  return client;
}

/** Whether `hub` has a client called `nick` in `room`. */
function isIn(hub: CliHub, nick: string, room: string): boolean {
  return hub.hub.findPeer(nick)?.rooms.has(room) === true;
}

describe('broadcast-chat connect reconnecting', () => {
  it('comes back when the server said, with its nickname and room, telling the shutdown once', async () => {
    const first = await startCliHub(track, { framing: 'line', chat: true });
    const client = await connectTo(first, ['--nick', 'alice', '--room', 'dev'], 'alice');
    await until('alice to be in dev', () => isIn(first, 'alice', 'dev'));

    await first.hub.close({ retryAfter: 1000, retryJitter: 0 });
    await client.waitFor('Disconnected from the server (server shutting down); reconnecting in 1 s...\n');
    // Typed while no server is there: kept, and said so.
    client.type('typed while away\n');
    await client.waitFor('(not connected: what you type is sent once the connection is back)\n');

    const second = await startCliHub(track, { framing: 'line', chat: true }, first.port);
    await client.waitFor('Reconnected to the server.\n');
    await until('alice to be back in dev', () => isIn(second, 'alice', 'dev'));
    await until('the line typed while away to arrive', () => second.heard.includes('alice: typed while away'));
    // The hub's farewell line is not shown as a message as well: one line told the shutdown.
    expect(client.printed.stdout.match(/shutting down/g)).toHaveLength(1);

    const said = nextEvent(second.hub, 'message');
    client.type('back again\n');
    expect((await said)[0]).toBe('back again');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('retries with backoff, one line per attempt, until a server is there', async () => {
    const first = await startCliHub(track, { framing: 'line' });
    const client = await connectTo(first);
    await first.hub.close({ retryAfter: 0, retryJitter: 0 });
    await client.waitFor(/Disconnected from the server \(server shutting down\); reconnecting in [\d.]+ s\.\.\.\n/);
    await client.waitFor(/Could not reconnect \(connection refused \(ECONNREFUSED\)\); trying again in [\d.]+ s\.\.\.\n/);

    const second = await startCliHub(track, { framing: 'line' }, first.port);
    await client.waitFor('Reconnected to the server.\n');
    const said = nextEvent(second.hub, 'message');
    client.type('still here\n');
    expect((await said)[0]).toBe('still here');
    // In the documented form still: no chat hub has said otherwise.
    second.hub.broadcast('welcome back');
    await client.waitFor('Message received: welcome back\n');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('comes back when the connection drops without a word', async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const client = await connectTo(hub);
    const [peer] = [...hub.hub.clients];
    const back = nextEvent(hub.hub, 'connect');
    peer?.destroy('kicked');
    await client.waitFor(/Disconnected from the server; reconnecting in [\d.]+ s\.\.\.\n/);
    await back;
    await client.waitFor('Reconnected to the server.\n');
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  });

  it('does not come back when the server turned it away', async () => {
    const hub = await startCliHub(track, { framing: 'line', chat: true });
    const client = await connectTo(hub, ['--nick', 'mallory'], 'mallory');
    let connections = 0;
    hub.hub.on('connect', () => {
      connections += 1;
    });
    hub.hub.findPeer('mallory')?.close('kicked');
    await client.waitFor('Disconnected from the server (kicked: closed by the server).\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
    expect(connections).toBe(0);
    expect(client.printed.stdout).not.toContain('reconnecting');
  });

  it('with --no-reconnect, ends with one line that passes on what the server said', async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const client = await connectTo(hub, ['--no-reconnect']);
    await hub.hub.close({ retryAfter: 7000, retryJitter: 0 });
    await client.waitFor('Disconnected from the server (server shutting down; reconnect in 7 s).\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
    expect(client.printed.stdout.match(/shutting down/g)).toHaveLength(1);
    expect(client.printed.stderr).toBe('');
  });

  it('with --json, comes back with its nickname and rooms', async () => {
    const first = await startCliHub(track, { framing: 'json' });
    const client = await connectTo(first, ['--json', '--nick', 'bob', '--room', 'dev'], 'bob');
    await until('bob to be in dev', () => isIn(first, 'bob', 'dev'));
    await first.hub.close({ retryAfter: 1000, retryJitter: 0 });
    await client.waitFor('Disconnected from the server (server shutting down); reconnecting in 1 s...\n');

    const second = await startCliHub(track, { framing: 'json' }, first.port);
    await client.waitFor('Reconnected to the server.\n');
    expect(isIn(second, 'bob', 'dev')).toBe(true);
    expect(client.printed.stdout.match(/shutting down/g)).toHaveLength(1);
    client.type('exit\n');
    expect(await client.waitExit()).toEqual({ code: 0, signal: null });
  }, 30_000);
});
