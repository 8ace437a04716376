import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseEnvelope, type BroadcastHub, type DisconnectReason, type HubOptions, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

/** A hub the test closes itself (the tracked close only matters if the test failed first). */
async function drainingHub(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  const started = await startHub(track, options, { close: { drainTimeout: 300 } });
  started.hub.on('clientError', () => undefined);
  return started;
}

async function join(hub: BroadcastHub, port: number, hello?: string): Promise<RawPeer> {
  const connected = nextEvent<[Peer]>(hub, 'connect', 2000);
  const raw = track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  await connected;
  if (hello !== undefined) {
    raw.write(hello);
    await raw.lines(1, 2000);
  }
  return raw;
}

/** A socket like `nc`'s: it keeps its own half open after the hub's FIN, and reads everything. */
async function halfOpenClient(port: number): Promise<{ socket: Socket; text: () => string; ended: Promise<unknown> }> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  track(socket, (s) => s.destroy());
  socket.on('error', () => undefined);
  await nextEvent(socket, 'connect', 2000);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { socket, text: () => Buffer.concat(chunks).toString(), ended: nextEvent(socket, 'end', 3000) };
}

describe('graceful drain', () => {
  it('tells line peers when to come back, each with its own jitter', async () => {
    const { hub, port } = await drainingHub();
    const peers: RawPeer[] = [];
    for (let index = 0; index < 6; index += 1) peers.push(await join(hub, port));
    hub.broadcast('last words');
    await hub.close({ drainTimeout: 1000, retryAfter: 2000, retryJitter: 60_000 });
    const waits = await Promise.all(
      peers.map(async (peer) => {
        await peer.waitClosed(2000);
        const match = /^last words\n\* server shutting down; reconnect in (\d+) s\n$/.exec(peer.text);
        expect(match, peer.text).not.toBeNull();
        return Number(match?.[1]);
      }),
    );
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(2);
      expect(wait).toBeLessThanOrEqual(62);
    }
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it("sends JSON peers a bye with reason 'shutdown' and a jittered retryAfterMs", async () => {
    const { hub, port } = await drainingHub({ framing: 'json' });
    const peers: RawPeer[] = [];
    for (let index = 0; index < 5; index += 1) peers.push(await join(hub, port, '{"v":1,"type":"hello"}\n'));
    const reasons: DisconnectReason[] = [];
    hub.on('disconnect', (_peer, reason) => reasons.push(reason));
    await hub.close({ drainTimeout: 1000, retryAfter: 500, retryJitter: 10_000 });
    const hints = peers.map((peer) => {
      const last = peer.text.trimEnd().split('\n').at(-1) ?? '';
      const bye = parseEnvelope(last, 'hub');
      expect(bye).toMatchObject({ v: 1, type: 'bye', reason: 'shutdown', message: expect.stringMatching(/^server shutting down; reconnect in \d+ s$/) as string });
      return bye.type === 'bye' ? (bye.retryAfterMs ?? -1) : -1;
    });
    for (const hint of hints) {
      expect(hint).toBeGreaterThanOrEqual(500);
      expect(hint).toBeLessThan(10_500);
    }
    expect(new Set(hints).size).toBeGreaterThan(1);
    expect(reasons).toEqual(Array<DisconnectReason>(5).fill('shutdown'));
  });

  it('resolves within drainTimeout when a client never reads, and cuts it', async () => {
    const { hub, port } = await drainingHub({ maxQueuedBytes: 256 * 1024 * 1024, softQueuedBytes: 0 });
    const stalled = await join(hub, port);
    stalled.socket.pause();
    const reader = await join(hub, port);
    const line = 'z'.repeat(1023);
    for (let turn = 0; turn < 32; turn += 1) {
      for (let index = 0; index < 256; index += 1) hub.broadcast(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const reasons: DisconnectReason[] = [];
    hub.on('disconnect', (_peer, reason) => reasons.push(reason));
    const started = Date.now();
    await hub.close({ drainTimeout: 400 });
    const elapsed = Date.now() - started;
    // It waited for the stalled client (it had megabytes to take), but no longer than the timeout.
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(400 + 300);
    expect(reasons).toEqual(['shutdown', 'shutdown']);
    expect(hub.clients.size).toBe(0);
    // The reader took everything, then the goodbye.
    await reader.waitClosed(2000);
    expect(reader.text).toMatch(/\* server shutting down; reconnect in \d+ s\n$/);
    expect(reader.text.replace(/z{1023}\n/g, '')).toMatch(/^\* server shutting down/);
  });

  it('gives a slow reader the whole drainTimeout, even past closeTimeout', async () => {
    const { hub, port } = await drainingHub({ closeTimeout: 100, maxQueuedBytes: 256 * 1024 * 1024, softQueuedBytes: 0 });
    const slow = await join(hub, port);
    slow.socket.pause();
    const line = 'v'.repeat(1023);
    const count = 8 * 1024;
    for (let turn = 0; turn < count / 256; turn += 1) {
      for (let index = 0; index < 256; index += 1) hub.broadcast(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const closed = hub.close({ drainTimeout: 2000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    slow.socket.resume();
    await slow.waitClosed(2500);
    await closed;
    expect(slow.text).toMatch(/\* server shutting down; reconnect in \d+ s\n$/);
    expect(slow.text.replace(/\* server shutting down.*\n$/, '')).toBe(`${line}\n`.repeat(count));
  });

  it("keeps 'timeout' as an alias of drainTimeout", async () => {
    const { hub, port } = await drainingHub({ maxQueuedBytes: 256 * 1024 * 1024, softQueuedBytes: 0 });
    const stalled = await join(hub, port);
    stalled.socket.pause();
    for (let turn = 0; turn < 32; turn += 1) {
      for (let index = 0; index < 256; index += 1) hub.broadcast('y'.repeat(1023));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const started = Date.now();
    await hub.close({ timeout: 300 });
    expect(Date.now() - started).toBeLessThan(300 + 300);
  });

  it('refuses new connections as soon as close() is called', async () => {
    const { hub, port } = await drainingHub();
    const stalled = await join(hub, port);
    stalled.socket.pause();
    // 3 MB: under the 4 MiB cap, so the client is owed it all, and not cut.
    for (let index = 0; index < 6000; index += 1) hub.broadcast('w'.repeat(500));
    const closed = hub.close({ drainTimeout: 500 });
    // The stalled client holds the drain open for its whole timeout; the door is shut meanwhile.
    const late = connect({ port, host: '127.0.0.1' });
    track(late, (s) => s.destroy());
    const [error] = await nextEvent<[NodeJS.ErrnoException]>(late, 'error', 2000);
    expect(error.code).toBe('ECONNREFUSED');
    expect(hub.clients.size).toBe(1);
    await closed;
  });

  it('is fast with a client that keeps its half open after the hub ends (nc)', async () => {
    // The default closeTimeout is 5 s: waiting for nc's FIN would take all of it.
    const { hub, port } = await drainingHub();
    const nc = await halfOpenClient(port);
    await eventually(() => hub.clients.size === 1, 2000, 'the client');
    hub.broadcast('bye now');
    const started = Date.now();
    await hub.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await nc.ended;
    expect(nc.text()).toMatch(/^bye now\n\* server shutting down; reconnect in \d+ s\n$/);
  });

  it('is fast too when one peer is closed alone while it keeps its half open', async () => {
    const { hub, port } = await drainingHub();
    const nc = await halfOpenClient(port);
    await eventually(() => hub.clients.size === 1, 2000, 'the client');
    const [peer] = [...hub.clients];
    const gone = nextEvent<[Peer, DisconnectReason]>(hub, 'disconnect', 1000);
    peer?.send('kicked out');
    peer?.close('kicked');
    expect((await gone)[1]).toBe('kicked');
    await nc.ended;
    // What the application sent, then why: a kicked ChatClient reads this and stays away.
    expect(nc.text()).toBe('kicked out\n* disconnected: kicked (closed by the server)\n');
  });
});
