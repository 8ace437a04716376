/**
 * The hub's `node:diagnostics_channel` channels, as an APM instrumentation would use them:
 * subscribed by name, with no reference to the hub, and published only while subscribed.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, MemoryBroker, type HubOptions, type Peer } from '../src/index.js';
import { HUB_CHANNELS, type HubConnectMessage, type HubDisconnectMessage, type HubMessageMessage } from '../src/hub/diagnostics.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

/** Every message published on each channel while subscribed; `stop()` unsubscribes. */
const subscriptions: (() => void)[] = [];
afterEach(() => {
  for (const stop of subscriptions.splice(0)) stop();
});

function record(name: string): unknown[] {
  const seen: unknown[] = [];
  const listener = (message: unknown): void => {
    seen.push(message);
  };
  subscribe(name, listener);
  subscriptions.push(() => unsubscribe(name, listener));
  return seen;
}

async function hubWith(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  const started = await startHub(track, options, { close: { drainTimeout: 300 } });
  started.hub.on('clientError', () => undefined);
  return started;
}

async function join(hub: BroadcastHub, port: number): Promise<{ raw: RawPeer; peer: Peer }> {
  const connected = nextEvent<[Peer]>(hub, 'connect', 2000);
  const raw = track(await RawPeer.connect(port), (socket) => {
    socket.destroy();
  });
  return { raw, peer: (await connected)[0] };
}

describe('diagnostics channels', () => {
  it('have stable, documented names', () => {
    expect(HUB_CHANNELS).toEqual({
      connect: 'broadcast-chat:connect',
      disconnect: 'broadcast-chat:disconnect',
      message: 'broadcast-chat:message',
      refused: 'broadcast-chat:refused',
      slowConsumer: 'broadcast-chat:slow-consumer',
      adapterStatus: 'broadcast-chat:adapter-status',
    });
  });

  it('publish connect, message and disconnect with the hub and the peer, as the events see them', async () => {
    const connects = record(HUB_CHANNELS.connect) as HubConnectMessage[];
    const messages = record(HUB_CHANNELS.message) as HubMessageMessage[];
    const disconnects = record(HUB_CHANNELS.disconnect) as HubDisconnectMessage[];
    const { hub, port } = await hubWith();
    const alice = await join(hub, port);
    const bob = await join(hub, port);
    alice.raw.write('hello there\n');
    await bob.raw.lines(1, 2000);
    const gone = nextEvent(hub, 'disconnect', 2000);
    alice.raw.socket.end();
    await gone;
    expect(connects).toHaveLength(2);
    expect(connects[0]?.hub).toBe(hub);
    expect(connects.map((message) => message.peer)).toEqual([alice.peer, bob.peer]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toEqual({ hub, peer: alice.peer, message: 'hello there' });
    expect(disconnects).toEqual([{ hub, peer: alice.peer, reason: 'client-closed', error: undefined }]);
  });

  it('publish refused connections and slow consumers', async () => {
    const refused = record(HUB_CHANNELS.refused);
    const slow = record(HUB_CHANNELS.slowConsumer);
    const { hub, port } = await hubWith({ maxClients: 2, maxQueuedBytes: 32 * 1024, softQueuedBytes: 0 });
    const sender = await join(hub, port);
    const stalled = await join(hub, port);
    const turnedAway = track(await RawPeer.connect(port), (socket) => {
      socket.destroy();
    });
    await turnedAway.waitClosed(2000);
    expect(refused).toEqual([{ hub, address: '127.0.0.1', reason: 'server-full' }]);

    stalled.raw.socket.pause();
    const cut = nextEvent(hub, 'disconnect', 5000);
    const seen = { cut: false };
    void cut.then(() => (seen.cut = true));
    for (let round = 0; round < 100 && !seen.cut; round += 1) {
      sender.raw.write(`${'y'.repeat(16 * 1024)}\n`.repeat(8));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await cut;
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ hub, peer: stalled.peer });
    expect((slow[0] as { queuedBytes: number }).queuedBytes).toBeGreaterThan(32 * 1024);
  });

  it('publish the cluster link changing state', async () => {
    const statuses = record(HUB_CHANNELS.adapterStatus);
    const adapter = new BrokerAdapter(new MemoryBroker().transport());
    const { hub } = await hubWith({ adapter });
    await adapter.ready();
    await eventually(() => statuses.length > 0, 2000, 'a status');
    expect(statuses).toContainEqual({ hub, status: 'connected' });
    await hub.close();
    expect(statuses.at(-1)).toEqual({ hub, status: 'closed' });
  });
});
