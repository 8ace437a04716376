import { execFile, type ChildProcess } from 'node:child_process';
import { isUtf8 } from 'node:buffer';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  BroadcastHub,
  ConnectionError,
  InvalidUtf8Error,
  lengthPrefixCodec,
  ListenError,
  ListenerError,
  MessageTooLargeError,
  SlowConsumerError,
  type DisconnectReason,
  type Peer,
} from '../src/index.js';
import { closeAfterEach, tcpHandles } from './helpers/cleanup.js';
import { lengthHeader } from './helpers/decode.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer, writeAll } from './helpers/sockets.js';

const track = closeAfterEach();

/** A tuple of `N` items of type `T`. */
type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N ? R : Tuple<T, N, [...R, T]>;

/** Connects `count` raw peers and waits until the hub has registered them; returns them with their hub-side peers, in order. */
async function connectPeers<T, N extends number>(hub: BroadcastHub<T>, port: number, count: N): Promise<{ raw: Tuple<RawPeer, N>; peers: Tuple<Peer, N> }> {
  const raw: RawPeer[] = [];
  const peers: Peer[] = [];
  for (let index = 0; index < count; index += 1) {
    const connected = nextEvent<[Peer]>(hub, 'connect');
    raw.push(
      track(await RawPeer.connect(port), (p) => {
        p.destroy();
      }),
    );
    peers.push((await connected)[0]);
  }
  return { raw, peers } as { raw: Tuple<RawPeer, N>; peers: Tuple<Peer, N> };
}

/** Records what a hub reports: client errors, disconnects and slow consumers, in order. */
function record<T>(hub: BroadcastHub<T>) {
  const log: (
    | { kind: 'clientError'; error: Error; peer: Peer }
    | { kind: 'disconnect'; peer: Peer; reason: DisconnectReason; error: Error | undefined }
    | { kind: 'slowConsumer'; peer: Peer; queuedBytes: number }
  )[] = [];
  hub.on('clientError', (error, peer) => log.push({ kind: 'clientError', error, peer }));
  hub.on('disconnect', (peer, reason, error) => log.push({ kind: 'disconnect', peer, reason, error }));
  hub.on('slowConsumer', (peer, queuedBytes) => log.push({ kind: 'slowConsumer', peer, queuedBytes }));
  return {
    log,
    errors: () => log.flatMap((entry) => (entry.kind === 'clientError' ? [entry] : [])),
    disconnects: () => log.flatMap((entry) => (entry.kind === 'disconnect' ? [entry] : [])),
  };
}

const numbered = (count: number, from = 'm'): string[] => Array.from({ length: count }, (_, seq) => `${from}${seq}\n`);

describe('oversized messages through a hub', () => {
  it("'drop' (the default): reports a MessageTooLargeError for the sender and relays what follows", async () => {
    const { hub, port } = await startHub(track, { maxMessageBytes: 32 });
    const events = record(hub);
    const { raw: [a, b], peers: [pa] } = await connectPeers(hub, port, 2);
    a.write(`${'x'.repeat(33)}\nafter one over\n`);
    a.write(`${'y'.repeat(200_000)}\r\nafter far over\n`);
    expect(await b.lines(2)).toEqual(['after one over', 'after far over']);
    const errors = events.errors();
    expect(errors).toHaveLength(2);
    for (const { error, peer } of errors) {
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect(error).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', limit: 32 });
      expect(peer).toBe(pa);
    }
    expect(b.text).not.toContain('x');
    expect(pa.isOpen).toBe(true);
    expect(hub.clients.size).toBe(2);
  });

  // The decoder makes the error without knowing the connection: Peer attributes it (`forPeer`).
  it('names the peer in the MessageTooLargeError itself', async () => {
    const { hub, port } = await startHub(track, { maxMessageBytes: 8 });
    const { raw: [a], peers: [pa] } = await connectPeers(hub, port, 1);
    const reported = nextEvent<[Error, Peer]>(hub, 'clientError');
    a.write('much too long\n');
    const [error] = await reported;
    expect(error.message).toContain(pa.id);
    expect(error).toMatchObject({ peer: pa.toString() });
  });

  it("'disconnect': cuts the sender with reason 'too-large' and leaves the others alone", async () => {
    const { hub, port } = await startHub(track, { maxMessageBytes: 32, oversizedMessage: 'disconnect' });
    const events = record(hub);
    const { raw: [a, b, c], peers: [pa] } = await connectPeers(hub, port, 3);
    const gone = nextEvent<[Peer, DisconnectReason]>(hub, 'disconnect');
    a.write(`fine\n${'x'.repeat(100)}\nnever relayed\n`);
    const [peer, reason] = await gone;
    expect(peer).toBe(pa);
    expect(reason).toBe('too-large');
    expect(events.errors().map(({ error }) => error.constructor)).toEqual([MessageTooLargeError]);
    await a.waitClosed();
    c.write('still here\n');
    expect(await b.lines(2)).toEqual(['fine', 'still here']);
    expect(b.text).not.toContain('never relayed');
    expect(hub.clients.size).toBe(2);
  });

  it('refuses an oversized length prefix and relays the next frame', async () => {
    const { hub, port } = await startHub<Buffer>(track, { framing: 'length', maxMessageBytes: 16 });
    const events = record(hub);
    const { raw: [a, b] } = await connectPeers(hub, port, 2);
    a.write(Buffer.concat([lengthHeader(1_000_000), Buffer.alloc(1_000_000, 1), lengthPrefixCodec.encode(Buffer.from([0, 1, 2]))]));
    const received = await b.until((bytes) => bytes.length >= 7);
    expect(received).toEqual(lengthPrefixCodec.encode(Buffer.from([0, 1, 2])));
    expect(events.errors().map(({ error }) => error)).toMatchObject([{ code: 'ERR_MESSAGE_TOO_LARGE', size: 1_000_000 }]);
  });
});

describe('invalid UTF-8 through a hub', () => {
  const bad = Buffer.concat([Buffer.from('ab'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('cd\n')]);

  it("'replace' (the default): others get U+FFFD, never the raw bytes", async () => {
    const { hub, port } = await startHub(track);
    const { raw: [a, b] } = await connectPeers(hub, port, 2);
    a.write(bad);
    a.write('next\n');
    expect(await b.lines(2)).toEqual(['ab\uFFFD\uFFFD(cd', 'next']);
    expect(isUtf8(b.received)).toBe(true);
  });

  it("'reject': drops the message with an InvalidUtf8Error and relays the next", async () => {
    const { hub, port } = await startHub(track, { invalidUtf8: 'reject' });
    const events = record(hub);
    const { raw: [a, b], peers: [pa] } = await connectPeers(hub, port, 2);
    a.write(bad);
    a.write('next\n');
    expect(await b.lines(1)).toEqual(['next']);
    expect(b.text).toBe('next\n');
    expect(events.errors()).toEqual([{ kind: 'clientError', error: expect.any(InvalidUtf8Error) as unknown, peer: pa }]);
    expect(pa.isOpen).toBe(true);
  });

  it("'raw' framing honours the policy too", async () => {
    const { hub, port } = await startHub(track, { framing: 'raw', invalidUtf8: 'reject' });
    const events = record(hub);
    const { raw: [a, b] } = await connectPeers(hub, port, 2);
    a.write(Buffer.from([0x61, 0xff]));
    await eventually(() => events.errors().length === 1, 2000, 'clientError');
    a.write('ok');
    expect((await b.until((bytes) => bytes.length >= 2)).toString()).toBe('ok');
    expect(events.errors()[0]?.error).toBeInstanceOf(InvalidUtf8Error);
  });
});

describe('a peer reset mid-stream', () => {
  it('is removed with a clientError and reason reset, and the others get every message in order', async () => {
    const { hub, port } = await startHub(track);
    const events = record(hub);
    const { raw: [resetter, sender, receiver], peers: [pr] } = await connectPeers(hub, port, 3);
    const count = 5000;
    const flood = writeAll(sender.socket, numbered(count));
    await receiver.lines(100);
    resetter.write('half a mess');
    // Reset only once the hub has read the half message: Linux reports a reset that overtakes
    // unread data as a plain end of stream.
    await eventually(() => pr.bytesIn === 11, 2000, 'the half message read');
    const gone = nextEvent<[Peer, DisconnectReason, Error | undefined]>(hub, 'disconnect');
    resetter.socket.resetAndDestroy();
    const [peer, reason, error] = await gone;
    expect(peer).toBe(pr);
    expect(reason).toBe('reset');
    expect((error as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
    const reported = events.errors();
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error).toBeInstanceOf(ConnectionError);
    expect(reported[0]?.peer).toBe(pr);
    await flood;
    expect(await receiver.lines(count, 10_000)).toEqual(numbered(count).map((line) => line.trimEnd()));
    expect(hub.clients.size).toBe(2);
    expect(receiver.text).not.toContain('half a mess');
  });
});

describe('a client that never reads', () => {
  it('is cut as a slow consumer while the others get every message, its queue bounded', async () => {
    const maxQueuedBytes = 256 * 1024;
    const { hub, port } = await startHub(track, { maxQueuedBytes });
    const events = record(hub);
    const { raw: [stalled, sender, receiver], peers: [ps] } = await connectPeers(hub, port, 3);
    stalled.socket.pause();
    let mostQueued = 0;
    hub.on('message', () => {
      if (ps.isOpen) mostQueued = Math.max(mostQueued, ps.bytesQueued);
    });
    const line = (seq: number): string => `${seq}:${'p'.repeat(200)}\n`;
    // The sender floods in batches paced by the healthy receiver, so that the receiver (which
    // shares this process's CPU with the hub) never falls behind and only the stalled one is
    // slow. Bounded: at most 400 batches (20 MB), and a few more once the stalled one is cut.
    const perBatch = 250;
    let sent = 0;
    let batchesAfterCut = 0;
    for (let batch = 0; batch < 400 && batchesAfterCut < 5; batch += 1) {
      sender.write(Array.from({ length: perBatch }, (_, index) => line(sent + index)).join(''));
      sent += perBatch;
      await receiver.newlinesReach(sent, 10_000);
      if (!ps.isOpen) batchesAfterCut += 1;
    }
    expect(ps.isOpen).toBe(false);
    const lines = (await receiver.lines(sent)).slice(0, sent);
    for (let seq = 0; seq < sent; seq += 1) {
      if (lines[seq] !== line(seq).trimEnd()) expect.fail(`message ${seq} is ${JSON.stringify(lines[seq]?.slice(0, 20))}`);
    }
    // Bounded: at most one message past the limit before the policy applied.
    expect(mostQueued).toBeLessThanOrEqual(maxQueuedBytes + line(sent).length);
    await eventually(() => events.disconnects().length === 1, 2000, 'the disconnect');
    const kinds = events.log.filter((entry) => entry.peer === ps).map((entry) => entry.kind);
    expect(kinds).toEqual(['clientError', 'slowConsumer', 'disconnect']);
    expect(events.disconnects()[0]).toMatchObject({ peer: ps, reason: 'slow-consumer' });
    const slow = events.log.find((entry) => entry.kind === 'slowConsumer');
    expect(slow?.queuedBytes).toBeGreaterThan(maxQueuedBytes);
    expect(events.errors()[0]?.error).toBeInstanceOf(SlowConsumerError);
    expect(events.errors()[0]?.error).toMatchObject({ code: 'ERR_SLOW_CONSUMER', limit: maxQueuedBytes });
    expect(hub.clients.size).toBe(2);
  });
});

describe('errors never escape', () => {
  let child: ChildProcess | undefined;
  track(undefined, () => child?.kill());

  it('a hub and client with no listeners survive resets, bad input, a slow consumer, a taken port; the process exits by itself', async () => {
    const fixture = fileURLToPath(new URL('./helpers/no-listeners-hub.ts', import.meta.url));
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      child = execFile(process.execPath, ['--import', 'tsx', fixture], { cwd, timeout: 15_000 }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      });
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('ok');
    expect(result.code).toBe(0);
  });

  it("turns a 'message' listener that throws into a ListenerError clientError and goes on relaying", async () => {
    const { hub, port } = await startHub(track);
    const events = record(hub);
    const boom = new Error('listener bug');
    hub.on('message', (message) => {
      if (message === 'throw') throw boom;
    });
    const { raw: [a, b], peers: [pa] } = await connectPeers(hub, port, 2);
    a.write('throw\nafter\n');
    expect(await b.lines(2)).toEqual(['throw', 'after']);
    const errors = events.errors();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error).toBeInstanceOf(ListenerError);
    expect(errors[0]?.error).toMatchObject({ code: 'ERR_LISTENER', event: 'message', cause: boom });
    expect(errors[0]?.peer).toBe(pa);
    expect(pa.isOpen).toBe(true);
  });
});

describe('listen()', () => {
  it('rejects with a ListenError on a taken port and emits no error', async () => {
    const { port } = await startHub(track);
    const second = track(new BroadcastHub(), (h) => h.close());
    const failure = await second.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ListenError);
    expect(failure).toMatchObject({ code: 'ERR_LISTEN_FAILED', cause: { code: 'EADDRINUSE' } });
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
    expect((failure as Error).message).toContain('address already in use');
    expect(second.address()).toBeNull();
    // No listener for 'error' above, and nothing was thrown; with one, it is not called either.
    const third = track(new BroadcastHub(), (h) => h.close());
    let hubErrors = 0;
    third.on('error', () => (hubErrors += 1));
    await expect(third.listen({ port, host: '127.0.0.1' })).rejects.toBeInstanceOf(ListenError);
    expect(hubErrors).toBe(0);
    // The hub is still usable.
    const address = await third.listen({ port: 0, host: '127.0.0.1' });
    expect(address.port).toBeGreaterThan(0);
  });

  it('honours an AbortSignal, whether already aborted or aborted while pending', async () => {
    const before = tcpHandles();
    const hub = track(new BroadcastHub(), (h) => h.close());
    await expect(hub.listen({ port: 0, host: '127.0.0.1', signal: AbortSignal.abort('no') })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
      cause: 'no',
    });
    expect(hub.address()).toBeNull();
    const controller = new AbortController();
    // A host name goes through a DNS lookup first, so the listen is still pending here.
    const pending = hub.listen({ port: 0, host: 'localhost', signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(hub.address()).toBeNull();
    // Nothing was left listening behind the abort (other tests' sockets may still be closing).
    await eventually(() => tcpHandles() <= before, 2000, 'no TCP handle left');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hub.address()).toBeNull();
  });
});

describe('close()', () => {
  it('flushes what is queued, resolves only once every socket is closed, and leaves no handle open', async () => {
    const before = tcpHandles();
    const { hub, port } = await startHub(track);
    const { raw } = await connectPeers(hub, port, 5);
    const order: string[] = [];
    hub.on('disconnect', (_peer, reason) => order.push(`disconnect ${reason}`));
    hub.on('close', () => order.push('close event'));
    hub.broadcast('last words');
    await hub.close();
    order.push('close resolved');
    expect(order).toEqual([...Array<string>(5).fill('disconnect shutdown'), 'close event', 'close resolved']);
    expect(hub.clients.size).toBe(0);
    expect(hub.address()).toBeNull();
    for (const peer of raw) {
      await peer.waitClosed();
      // Line peers are told the hub is going away, after everything queued before.
      expect(peer.text).toMatch(/^last words\n\* server shutting down; reconnect in \d+ s\n$/);
    }
    await eventually(() => tcpHandles() <= before, 2000, 'every TCP handle closed');
    await expect(hub.listen({ port: 0, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'ERR_HUB_CLOSED' });
  });

  // While the socket applies backpressure the queue holds frames back: close() must end the
  // socket only once the queue has written them all, or they would be lost.
  it('flushes a queue held back by backpressure before ending the socket', async () => {
    const { hub, port } = await startHub(track, { maxQueuedBytes: 64 * 1024 * 1024 });
    const { raw: [reader] } = await connectPeers(hub, port, 1);
    reader.socket.pause();
    const line = 'q'.repeat(1000);
    const turns = 16;
    const perTurn = 1000;
    for (let turn = 0; turn < turns; turn += 1) {
      for (let index = 0; index < perTurn; index += 1) hub.broadcast(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const closed = hub.close({ timeout: 10_000 });
    reader.socket.resume();
    await reader.waitClosed(10_000);
    await closed;
    const farewell = /\* server shutting down; reconnect in \d+ s\n$/;
    expect(reader.text).toMatch(farewell);
    expect(reader.text.replace(farewell, '').length).toBe(turns * perTurn * (line.length + 1));
  });

  it('cuts clients that do not take their data within the timeout', async () => {
    const { hub, port } = await startHub(track, { maxQueuedBytes: 64 * 1024 * 1024 });
    const { raw: [stalled] } = await connectPeers(hub, port, 1);
    stalled.socket.pause();
    for (let turn = 0; turn < 8; turn += 1) {
      hub.broadcast('s'.repeat(1024 * 1024));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const started = Date.now();
    await hub.close({ timeout: 200 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(hub.clients.size).toBe(0);
  });

  it('works with await using', async () => {
    let seen: BroadcastHub | undefined;
    let peer: RawPeer | undefined;
    {
      await using hub = new BroadcastHub();
      seen = hub;
      const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
      peer = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
      await eventually(() => hub.clients.size === 1);
    }
    expect(seen.address()).toBeNull();
    expect(seen.clients.size).toBe(0);
    await peer.waitClosed();
  });
});

describe('a hub on an existing server', () => {
  it('relays on a net.Server it was given, and leaves it open when it closes', async () => {
    const server: Server = track(createServer(), (s) => new Promise((resolve) => {
        s.close(resolve);
      }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const hub = new BroadcastHub({ server });
    expect(hub.address()).toMatchObject({ port });
    expect((await hub.listen()).port).toBe(port);
    const { raw: [a, b] } = await connectPeers(hub, port, 2);
    a.write('via your server\n');
    expect(await b.lines(1)).toEqual(['via your server']);
    await hub.close();
    expect(server.listening).toBe(true);
    await a.waitClosed();
    await b.waitClosed();
    // The server goes on; the hub no longer takes its connections.
    let connections = 0;
    server.on('connection', (socket) => {
      connections += 1;
      socket.destroy();
    });
    const late = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
    await late.waitClosed();
    expect(connections).toBe(1);
    expect(hub.clients.size).toBe(0);
  });
});
