import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseServeArgs, UsageError } from '../src/cli/args.js';
import { BroadcastHub, parseEnvelope, SlowConsumerError, type DisconnectReason, type HubOptions, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function startHub(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  const hub = track(new BroadcastHub(options), (h) => h.close({ drainTimeout: 300 }));
  hub.on('clientError', () => undefined);
  const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
  return { hub, port };
}

/** Connects a raw socket and waits for the hub to register it; returns it with its hub-side peer. */
async function join(hub: BroadcastHub, port: number): Promise<{ raw: RawPeer; peer: Peer }> {
  const connected = nextEvent<[Peer]>(hub, 'connect', 2000);
  const raw = track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  return { raw, peer: (await connected)[0] };
}

/** A socket the hub is expected to refuse: what it was told, once the hub closed it. */
async function refusedText(port: number): Promise<string> {
  const raw = track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  await raw.waitClosed(2000);
  return raw.text;
}

function disconnects(hub: BroadcastHub): { peer: Peer; reason: DisconnectReason }[] {
  const log: { peer: Peer; reason: DisconnectReason }[] = [];
  hub.on('disconnect', (peer, reason) => log.push({ peer, reason }));
  return log;
}

const lines = (count: number, prefix: string): string => Array.from({ length: count }, (_, index) => `${prefix}${index}\n`).join('');

describe('connection limits', () => {
  it('refuses a connection over maxClients with one line, creates no peer, and keeps serving', async () => {
    const { hub, port } = await startHub({ maxClients: 2 });
    const refused: [string, string][] = [];
    hub.on('refused', (address, reason) => refused.push([address, reason]));
    let connects = 0;
    hub.on('connect', () => (connects += 1));
    const a = await join(hub, port);
    const b = await join(hub, port);
    expect(await refusedText(port)).toBe('! server full (2 clients)\n');
    expect(refused).toEqual([['127.0.0.1', 'server-full']]);
    expect(connects).toBe(2);
    expect(hub.clients.size).toBe(2);
    // The two inside still chat.
    a.raw.write('still here\n');
    expect(await b.raw.lines(1, 2000)).toEqual(['still here']);
    // A place freed is a place taken.
    const gone = nextEvent(hub, 'disconnect', 2000);
    a.raw.destroy();
    await gone;
    const c = await join(hub, port);
    c.raw.write('in now\n');
    await b.raw.until((received) => received.toString().includes('in now\n'), 2000);
  });

  it('refuses a connection over maxClientsPerAddress, telling it why', async () => {
    const { hub, port } = await startHub({ maxClientsPerAddress: 1 });
    const refused = nextEvent<[string, string]>(hub, 'refused', 2000);
    await join(hub, port);
    expect(await refusedText(port)).toBe('! too many connections from your address (1)\n');
    expect(await refused).toEqual(['127.0.0.1', 'too-many-from-address']);
    expect(hub.clients.size).toBe(1);
  });

  it('tells a refused client of a json hub with a bye envelope', async () => {
    const { port } = await startHub({ framing: 'json', maxClients: 1 });
    const first = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await first.lines(1, 2000); // the welcome: the hub has counted it
    const text = await refusedText(port);
    expect(parseEnvelope(text.trimEnd(), 'hub')).toMatchObject({ type: 'bye', reason: 'server-full', message: 'server full (1 clients)' });
  });

  it('lets go of a refused connection at once even when the client keeps its half open (nc)', async () => {
    const hub = new BroadcastHub({ maxClients: 1 });
    const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
    const first = await join(hub, port);
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    track(socket, (s) => s.destroy());
    socket.on('error', () => undefined);
    socket.resume();
    await nextEvent(hub, 'refused', 2000);
    await nextEvent(socket, 'end', 2000);
    first.raw.destroy();
    // The server's close waits for every connection it accepted, the refused one included.
    const started = Date.now();
    await hub.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(socket.destroyed).toBe(false); // still half open on the client's side
  });

  it('rejects bad limits at once', () => {
    expect(() => new BroadcastHub({ maxClients: 0 })).toThrow(RangeError);
    expect(() => new BroadcastHub({ idleTimeout: -1 })).toThrow(RangeError);
    expect(() => new BroadcastHub({ flood: { burst: 1, rate: 0 } })).toThrow(RangeError);
    expect(() => new BroadcastHub({ flood: { burst: 1, rate: 1, policy: 'ban' as 'drop' } })).toThrow(RangeError);
  });
});

describe('flood control', () => {
  it("is off by default: a burst of 200 lines is relayed as fast as it comes", async () => {
    const { hub, port } = await startHub();
    const a = await join(hub, port);
    const b = await join(hub, port);
    a.raw.write(lines(200, 'm'));
    await b.raw.newlinesReach(200, 2000);
  });

  it("'slow' holds the sender back and delivers every message, in order, at the rate", async () => {
    const { hub, port } = await startHub({ flood: { burst: 2, rate: 20, policy: 'slow' } });
    const a = await join(hub, port);
    const b = await join(hub, port);
    const gone = disconnects(hub);
    const started = Date.now();
    a.raw.write(lines(12, 'm'));
    const received = await b.raw.lines(12, 2500);
    const elapsed = Date.now() - started;
    expect(received).toEqual(lines(12, 'm').trimEnd().split('\n'));
    // Two at once, then ten at 20 per second: at least ~500 ms.
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(a.raw.text).toBe(''); // nothing dropped, so nothing to tell
    expect(gone).toEqual([]);
    expect(a.peer.isOpen).toBe(true);
  });

  it("'slow' keeps order through an async handler too", async () => {
    const { hub, port } = await startHub({ flood: { burst: 1, rate: 50 } });
    const seen: string[] = [];
    hub.use(async (ctx) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      seen.push(ctx.message);
    });
    const a = await join(hub, port);
    await join(hub, port);
    a.raw.write(lines(15, 'h'));
    await eventually(() => seen.length === 15, 2500, 'every message through the handler');
    expect(seen).toEqual(lines(15, 'h').trimEnd().split('\n'));
  });

  it("'slow' cuts a sender that piles up more than maxBacklog, with reason 'flood'", async () => {
    const { hub, port } = await startHub({ flood: { burst: 1, rate: 1, maxBacklog: 3 } });
    const a = await join(hub, port);
    const gone = nextEvent<[Peer, DisconnectReason]>(hub, 'disconnect', 2000);
    a.raw.write(lines(10, 'x'));
    const [peer, reason] = await gone;
    expect(peer).toBe(a.peer);
    expect(reason).toBe('flood');
  });

  it("'drop' drops what is over the limit and tells the sender once", async () => {
    const { hub, port } = await startHub({ flood: { burst: 3, rate: 1, policy: 'drop' } });
    const a = await join(hub, port);
    const b = await join(hub, port);
    const messages: string[] = [];
    hub.on('message', (message) => messages.push(message));
    a.raw.write(lines(8, 'd'));
    await a.raw.lines(1, 2000);
    // What got through is relayed before the marker; the rest never is.
    hub.broadcast('marker');
    await Promise.all([a, b].map(({ raw }) => raw.until((received) => received.toString().includes('marker\n'), 2000)));
    expect(b.raw.text).toBe('d0\nd1\nd2\nmarker\n');
    expect(messages).toEqual(['d0', 'd1', 'd2']);
    expect(a.raw.text).toBe('! sending too fast: messages over 3 at once, then 1 per second are dropped\nmarker\n');
    expect(a.peer.isOpen).toBe(true);
  });

  it("'disconnect' cuts the sender with reason 'flood' and says why", async () => {
    const { hub, port } = await startHub({ flood: { burst: 2, rate: 1, policy: 'disconnect' } });
    const a = await join(hub, port);
    const b = await join(hub, port);
    const gone = nextEvent<[Peer, DisconnectReason]>(hub, 'disconnect', 2000);
    a.raw.write(lines(5, 'f'));
    expect((await gone).slice(0, 2)).toEqual([a.peer, 'flood']);
    await a.raw.waitClosed(2000);
    expect(a.raw.text).toBe('* disconnected: flood (sent more than 2 at once, then 1 per second)\n');
    hub.broadcast('marker');
    await b.raw.until((received) => received.toString().includes('marker\n'), 2000);
    expect(b.raw.text).toBe('f0\nf1\nmarker\n');
  });

  it('never drops heartbeat answers', async () => {
    const { hub, port } = await startHub({ framing: 'json', heartbeatInterval: 150, flood: { burst: 1, rate: 0.5, policy: 'drop' } });
    const raw = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    raw.write('{"v":1,"type":"hello"}\n');
    // Spend the bucket, then answer every ping: only pongs flow, and the client must survive.
    raw.write('{"v":1,"type":"message","text":"one"}\n');
    let answered = 0;
    raw.socket.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        const match = /"type":"ping","ts":(\d+)/.exec(line);
        if (match !== null) {
          answered += 1;
          raw.write(`{"v":1,"type":"pong","ts":${match[1]}}\n`);
        }
      }
    });
    await eventually(() => answered >= 4, 2000, 'four pings answered');
    expect(raw.closed).toBe(false);
    expect(hub.clients.size).toBe(1);
  });
});

describe('the --flood flag of serve', () => {
  it('parses BURST:RATE[:POLICY]', () => {
    expect(parseServeArgs(['--flood', '5:2'])).toMatchObject({ flood: { burst: 5, rate: 2 } });
    expect(parseServeArgs(['--flood', '10:0.5:drop'])).toMatchObject({ flood: { burst: 10, rate: 0.5, policy: 'drop' } });
    expect(parseServeArgs([])).toMatchObject({ flood: undefined });
    for (const bad of ['5', '0:2', '5:0', '5:2:ban', 'a:b']) expect(() => parseServeArgs(['--flood', bad])).toThrow(UsageError);
  });
});

describe('output limits', () => {
  /** Broadcasts 1 KB lines until `peer` has more than `bytes` queued; bounded. */
  async function fill(hub: BroadcastHub, peer: Peer, bytes: number): Promise<void> {
    const line = 'o'.repeat(1023);
    for (let turn = 0; turn < 400 && peer.isOpen && peer.bytesQueued <= bytes; turn += 1) {
      for (let index = 0; index < 256; index += 1) hub.broadcast(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('cuts a client held over the soft cap for softQueuedSeconds, reporting slowConsumer first; a reader keeps everything', async () => {
    const { hub, port } = await startHub({ softQueuedBytes: 256 * 1024, softQueuedSeconds: 0.4, maxQueuedBytes: 256 * 1024 * 1024 });
    const stalled = await join(hub, port);
    stalled.raw.socket.pause();
    const reader = await join(hub, port);
    const events: string[] = [];
    hub.on('slowConsumer', (peer, queued) => events.push(`slowConsumer ${peer === stalled.peer} ${queued > 256 * 1024}`));
    hub.on('clientError', (error, peer) => {
      if (error instanceof SlowConsumerError) events.push(`clientError ${peer === stalled.peer} ${error.limit}`);
    });
    const gone = nextEvent<[Peer, DisconnectReason]>(hub, 'disconnect', 3000);
    hub.on('disconnect', (_peer, reason) => events.push(`disconnect ${reason}`));
    await fill(hub, stalled.peer, 300 * 1024);
    const over = Date.now();
    expect(stalled.peer.bytesQueued).toBeGreaterThan(256 * 1024);
    // Over the soft cap, but not yet for long enough.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(stalled.peer.isOpen).toBe(true);
    const [peer, reason] = await gone;
    const held = Date.now() - over;
    expect([peer === stalled.peer, reason]).toEqual([true, 'slow-consumer']);
    expect(held).toBeGreaterThanOrEqual(250);
    expect(held).toBeLessThan(1500);
    expect(events).toEqual(['clientError true 262144', 'slowConsumer true true', 'disconnect slow-consumer']);
    hub.broadcast('end');
    await reader.raw.until((received) => received.toString().endsWith('end\n'), 3000);
    expect(reader.raw.text.replace(/o{1023}\n/g, '')).toBe('end\n');
    expect(reader.peer.isOpen).toBe(true);
  });

  it('cuts a client over the hard cap at once, with slowConsumer before the disconnect', async () => {
    const { hub, port } = await startHub({ maxQueuedBytes: 256 * 1024, softQueuedSeconds: 60 });
    const stalled = await join(hub, port);
    stalled.raw.socket.pause();
    const events: string[] = [];
    hub.on('slowConsumer', (_peer, queued) => events.push(`slowConsumer ${queued > 256 * 1024}`));
    hub.on('disconnect', (_peer, reason) => events.push(`disconnect ${reason}`));
    await fill(hub, stalled.peer, 10 * 1024 * 1024);
    expect(stalled.peer.isOpen).toBe(false);
    await eventually(() => events.length === 2, 2000, 'the disconnect');
    expect(events).toEqual(['slowConsumer true', 'disconnect slow-consumer']);
  });
});
