/**
 * `hub.stats()` in-process, over real sockets: every count checked against what the test did,
 * and every counter checked to only grow.
 */
import { describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, MemoryBroker, type AuthRequest, type HubOptions, type Peer } from '../src/index.js';
import type { HubStats } from '../src/hub/stats.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function hubWith(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  const started = await startHub(track, options, { close: { drainTimeout: 300 } });
  // The slow consumers, floods and failing handlers these tests provoke are expected.
  started.hub.on('clientError', () => undefined);
  return started;
}

async function raw(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

/** Connects and waits until the hub has made it a client. */
async function join(hub: BroadcastHub, port: number): Promise<{ raw: RawPeer; peer: Peer }> {
  const connected = nextEvent<[Peer]>(hub, 'connect', 2000);
  const socket = await raw(port);
  return { raw: socket, peer: (await connected)[0] };
}

/** Every monotonic count of a snapshot, by a path name. */
function counters(stats: HubStats): Map<string, number> {
  const flat = new Map<string, number>([
    ['opened', stats.connections.opened],
    ['messages.in', stats.messages.in],
    ['messages.out', stats.messages.out],
    ['bytes.in', stats.bytes.in],
    ['bytes.out', stats.bytes.out],
    ['deliveries.queued', stats.deliveries.queued],
    ['deliveries.dropped', stats.deliveries.dropped],
    ['slowConsumers', stats.slowConsumers],
    ['flood.delayed', stats.flood.delayed],
    ['flood.dropped', stats.flood.dropped],
    ['flood.cut', stats.flood.cut],
    ['errors.handler', stats.errors.handler],
    ['errors.client', stats.errors.client],
  ]);
  for (const [group, counts] of Object.entries({ refused: stats.refused, authFailures: stats.authFailures, rejected: stats.rejected, disconnects: stats.disconnects })) {
    for (const [key, value] of Object.entries(counts)) flat.set(`${group}.${key}`, value);
  }
  return flat;
}

/** Fails if any counter of `later` is below `earlier`'s (or gone). */
function expectGrown(earlier: HubStats, later: HubStats): void {
  const after = counters(later);
  for (const [name, value] of counters(earlier)) expect(after.get(name) ?? -1, name).toBeGreaterThanOrEqual(value);
}

describe('hub.stats()', () => {
  it('starts at zero, with the default room and no queued walk unless asked', async () => {
    const { hub } = await hubWith();
    const stats = hub.stats();
    expect(stats.connections).toEqual({ current: 0, pending: 0, opened: 0, byProtocol: {}, byRoom: { lobby: 0 } });
    expect(stats.rooms).toBe(1);
    expect(stats.messages).toEqual({ in: 0, out: 0 });
    expect(stats.bytes).toEqual({ in: 0, out: 0 });
    expect(stats.deliveries).toEqual({ queued: 0, dropped: 0 });
    expect(stats.refused).toEqual({});
    expect(stats.disconnects).toEqual({});
    expect(stats.flood).toEqual({ delayed: 0, dropped: 0, cut: 0 });
    expect(stats.errors).toEqual({ handler: 0, client: 0, tls: 0 });
    expect(stats.queued).toBeUndefined();
    expect(stats.adapter).toBeUndefined();
    expect(stats.history).toBeUndefined();
    expect(stats.startedAt).toBeLessThanOrEqual(Date.now());
    expect(hub.stats({ peers: true }).queued).toEqual({ bytes: 0, max: 0, peers: 0 });
  });

  it('counts connections, messages, bytes and deliveries as the relay does them, and disconnects by reason', async () => {
    const { hub, port } = await hubWith();
    const alice = await join(hub, port);
    const bob = await join(hub, port);
    const carol = await join(hub, port);
    const sent = ['hello', 'how are you', 'bye now'];
    for (const line of sent) alice.raw.write(`${line}\n`);
    await bob.raw.lines(3, 2000);
    await carol.raw.lines(3, 2000);
    hub.broadcast('from the host');
    await bob.raw.lines(4, 2000);
    const relayedBytes = sent.reduce((sum, line) => sum + line.length + 1, 0);
    const before = hub.stats();
    expect(before.connections).toMatchObject({ current: 3, opened: 3, byProtocol: { line: 3 }, byRoom: { lobby: 3 } });
    expect(before.messages).toEqual({ in: 3, out: 4 });
    expect(before.bytes).toEqual({ in: relayedBytes, out: 2 * relayedBytes + 3 * 'from the host\n'.length });
    // Three lines to two receivers each, and the host's line to all three.
    expect(before.deliveries).toEqual({ queued: 2 * 3 + 3, dropped: 0 });

    const gone = nextEvent(hub, 'disconnect', 2000);
    bob.raw.socket.end();
    await gone;
    const reset = nextEvent(hub, 'disconnect', 2000);
    carol.raw.socket.resetAndDestroy();
    await reset;
    const after = hub.stats();
    expect(after.connections).toMatchObject({ current: 1, opened: 3, byProtocol: { line: 1 }, byRoom: { lobby: 1 } });
    expect(after.disconnects).toEqual({ 'client-closed': 1, reset: 1 });
    expectGrown(before, after);
  });

  it('follows an adaptive framing to what it detected, and rooms as peers move', async () => {
    const { hub, port } = await hubWith({ framing: 'auto' });
    const first = await join(hub, port);
    const second = await join(hub, port);
    expect(hub.stats().connections.byProtocol).toEqual({ auto: 2 });
    first.raw.write('plain words\n');
    await eventually(() => first.peer.framing !== 'auto', 2000, 'framing detected');
    expect(hub.stats().connections.byProtocol).toEqual({ auto: 1, [first.peer.framing]: 1 });
    second.peer.join('dev');
    expect(hub.stats().connections.byRoom).toEqual({ lobby: 2, dev: 1 });
    expect(hub.stats().rooms).toBe(2);
    const gone = nextEvent(hub, 'disconnect', 2000);
    first.raw.destroy();
    await gone;
    expect(hub.stats().connections.byProtocol).toEqual({ auto: 1 });
  });

  it('counts refusals at the door and failed authentications by reason', async () => {
    const { hub, port } = await hubWith({ maxClients: 1, authenticate: ({ credentials }: AuthRequest) => credentials === 'letmein' });
    const admitted = await raw(port);
    admitted.write('letmein\n');
    await eventually(() => hub.clients.size === 1, 2000, 'admitted');
    for (let n = 0; n < 2; n += 1) {
      const refused = await raw(port);
      await refused.waitClosed(2000);
    }
    expect(hub.stats().refused).toEqual({ 'server-full': 2 });
    admitted.destroy();
    await eventually(() => hub.clients.size === 0, 2000, 'the client gone');
    const pending = await raw(port);
    await eventually(() => hub.stats().connections.pending === 1, 2000, 'a pending connection');
    const failed = nextEvent(hub, 'authFailed', 2000);
    pending.write('guess\n');
    await failed;
    const stats = hub.stats();
    expect(stats.authFailures).toEqual({ rejected: 1 });
    expect(stats.connections.opened).toBe(1);
    // Refused, it stays at the gate until its socket has closed.
    await eventually(() => hub.stats().connections.pending === 0, 2000, 'the refused connection gone');
  });

  it('counts slow consumers and the deliveries dropped for them', async () => {
    const { hub, port } = await hubWith({ maxQueuedBytes: 64 * 1024, slowConsumerPolicy: 'drop', softQueuedBytes: 0 });
    const sender = await join(hub, port);
    const stalled = await join(hub, port);
    stalled.raw.socket.pause();
    const slow = nextEvent(hub, 'slowConsumer', 5000);
    const line = `${'x'.repeat(16 * 1024)}\n`;
    let sentLines = 0;
    const seen = { slow: false };
    void slow.then(() => (seen.slow = true));
    for (let round = 0; round < 100 && !seen.slow; round += 1) {
      sender.raw.write(line.repeat(8));
      sentLines += 8;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await slow;
    await eventually(() => hub.stats().messages.in === sentLines, 5000, 'every line read');
    const stats = hub.stats();
    expect(stats.slowConsumers).toBe(1);
    expect(stats.deliveries.dropped).toBeGreaterThan(0);
    // Every line went to the one receiver, or was dropped for it.
    expect(stats.deliveries.queued + stats.deliveries.dropped).toBe(sentLines);
    expect(stats.errors.client).toBeGreaterThanOrEqual(1);
    expect(stats.disconnects).toEqual({});
  });

  it('adds up what waits for every client with { peers: true }', async () => {
    const { hub, port } = await hubWith();
    const first = await join(hub, port);
    const second = await join(hub, port);
    // Within one turn nothing is written yet: all of it waits in the hub.
    hub.broadcast('a'.repeat(999));
    hub.broadcast('b'.repeat(1999));
    first.peer.send('c'.repeat(99));
    const queued = hub.stats({ peers: true }).queued;
    expect(queued).toEqual({ bytes: 2 * (1000 + 2000) + 100, max: 3100, peers: 2 });
    await second.raw.lines(2, 2000);
    await first.raw.lines(3, 2000);
    expect(hub.stats({ peers: true }).queued).toEqual({ bytes: 0, max: 0, peers: 0 });
  });

  it('counts flood control: messages dropped, delayed, and clients cut, and the ERR_FLOOD refusal', async () => {
    const dropping = await hubWith({ flood: { burst: 2, rate: 0.001, policy: 'drop' } });
    const flooder = await join(dropping.hub, dropping.port);
    flooder.raw.write(Array.from({ length: 10 }, (_, n) => `line ${n}\n`).join(''));
    await eventually(() => dropping.hub.stats().messages.in === 10, 2000, 'ten lines read');
    expect(dropping.hub.stats().flood).toEqual({ delayed: 0, dropped: 8, cut: 0 });
    expect(dropping.hub.stats().rejected).toEqual({ ERR_FLOOD: 1 });

    const slowing = await hubWith({ flood: { burst: 1, rate: 0.001, policy: 'slow', maxBacklog: 3 } });
    const eager = await join(slowing.hub, slowing.port);
    const cut = nextEvent(slowing.hub, 'disconnect', 2000);
    eager.raw.write(Array.from({ length: 6 }, (_, n) => `line ${n}\n`).join(''));
    await cut;
    // One through, three held back, the fifth past the backlog: cut.
    expect(slowing.hub.stats().flood).toEqual({ delayed: 3, dropped: 0, cut: 1 });
    expect(slowing.hub.stats().disconnects).toEqual({ flood: 1 });
  });

  it('counts handler failures and refused messages by code', async () => {
    const { hub, port } = await hubWith();
    hub.use((ctx) => {
      if (ctx.message === 'boom') throw new Error('handler failed');
      if (ctx.message === 'no') ctx.refuse('ERR_NOPE', 'not that');
    });
    const sender = await join(hub, port);
    sender.raw.write('boom\nno\nno\n');
    await eventually(() => hub.stats().rejected.ERR_NOPE === 2, 2000, 'two refusals');
    expect(hub.stats().errors.handler).toBe(1);
  });

  it('reports the cluster link: its status, its changes, and what crossed the broker', async () => {
    const broker = new MemoryBroker();
    const adapter = new BrokerAdapter(broker.transport());
    const { hub, port } = await hubWith({ adapter });
    await adapter.ready();
    await eventually(() => hub.stats().adapter?.status === 'connected', 2000, 'connected');
    const sender = await join(hub, port);
    sender.raw.write('across\n');
    await eventually(() => (hub.stats().adapter?.broker?.published ?? 0) > 0, 2000, 'published');
    const link = hub.stats().adapter;
    expect(link).toMatchObject({ hubId: adapter.hubId, status: 'connected', lag: 0 });
    expect(link?.statusChanges).toBeGreaterThanOrEqual(1);
    expect(link?.broker).toMatchObject({ dropped: 0, waiting: 0 });
    await hub.close();
    expect(hub.stats().adapter?.status).toBe('closed');
  });
});
