import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { parseServeArgs, UsageError } from '../src/cli/args.js';
import { BroadcastHub, parseEnvelope, SlowConsumerError, type DisconnectReason, type HubOptions, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

/** A hub whose client errors (the floods and slow consumers these tests provoke) are expected. */
async function limitedHub(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number }> {
  const started = await startHub(track, options, { close: { drainTimeout: 300 } });
  started.hub.on('clientError', () => undefined);
  return started;
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
    const { hub, port } = await limitedHub({ maxClients: 2 });
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
    const { hub, port } = await limitedHub({ maxClientsPerAddress: 1 });
    const refused = nextEvent<[string, string]>(hub, 'refused', 2000);
    await join(hub, port);
    expect(await refusedText(port)).toBe('! too many connections from your address (1)\n');
    expect(await refused).toEqual(['127.0.0.1', 'too-many-from-address']);
    expect(hub.clients.size).toBe(1);
  });

  it('tells a refused client of a json hub with a bye envelope', async () => {
    const { port } = await limitedHub({ framing: 'json', maxClients: 1 });
    const first = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await first.lines(1, 2000); // the welcome: the hub has counted it
    const text = await refusedText(port);
    expect(parseEnvelope(text.trimEnd(), 'hub')).toMatchObject({ type: 'bye', reason: 'server-full', message: 'server full (1 clients)' });
  });

  it('lets go of a refused connection at once even when the client keeps its half open (nc)', async () => {
    const { hub, port } = await limitedHub({ maxClients: 1 });
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

  it('rejects bad limits at once, with a RangeError naming the option', () => {
    const bad: [HubOptions, RegExp][] = [
      [{ maxClients: 0 }, /^maxClients must be at least 1, got 0$/],
      [{ maxClientsPerAddress: 0.5 }, /^maxClientsPerAddress must be at least 1/],
      [{ idleTimeout: -1 }, /^idleTimeout must be 0 \(off\) or a positive number, got -1$/],
      [{ idleTimeout: Number.NaN }, /^idleTimeout /],
      [{ heartbeatInterval: Number.POSITIVE_INFINITY }, /^heartbeatInterval /],
      [{ partialMessageTimeout: -5 }, /^partialMessageTimeout /],
      [{ softQueuedBytes: -1 }, /^softQueuedBytes /],
      [{ softQueuedTimeout: Number.NaN }, /^softQueuedTimeout /],
      [{ keepAliveDelay: -1 }, /^keepAliveDelay /],
      [{ flood: { burst: 0, rate: 1 } }, /^flood\.burst must be at least 1/],
      [{ flood: { burst: 1, rate: 0 } }, /^flood\.rate must be a positive number/],
      [{ flood: { burst: 1, rate: 1, maxBacklog: 0 } }, /^flood\.maxBacklog must be at least 1/],
      [{ flood: { burst: 1, rate: 1, policy: 'ban' as 'drop' } }, /^flood\.policy must be 'slow', 'drop' or 'disconnect', got ban$/],
    ];
    for (const [options, message] of bad) {
      expect(() => new BroadcastHub(options), JSON.stringify(options)).toThrow(RangeError);
      expect(() => new BroadcastHub(options), JSON.stringify(options)).toThrow(message);
    }
  });

  it('takes 0 for every timeout and the soft cap, meaning off', () => {
    expect(() => new BroadcastHub({ idleTimeout: 0, partialMessageTimeout: 0, heartbeatInterval: 0, softQueuedBytes: 0, softQueuedTimeout: 0, keepAliveDelay: 0 })).not.toThrow();
  });
});

describe('flood control', () => {
  it("is off by default: a burst of 200 lines is relayed as fast as it comes", async () => {
    const { hub, port } = await limitedHub();
    const a = await join(hub, port);
    const b = await join(hub, port);
    a.raw.write(lines(200, 'm'));
    await b.raw.newlinesReach(200, 2000);
  });

  it("'slow' holds the sender back and delivers every message, in order, at the rate", async () => {
    const { hub, port } = await limitedHub({ flood: { burst: 2, rate: 20, policy: 'slow' } });
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
    // Its backlog is gone, so the hub reads from it again.
    a.raw.write('read again\n');
    expect((await b.raw.lines(13, 2500))[12]).toBe('read again');
  });

  it("'slow' keeps order through an async handler too", async () => {
    const { hub, port } = await limitedHub({ flood: { burst: 1, rate: 50 } });
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

  it("'slow' holds back up to maxBacklog messages, and cuts a sender past it with reason 'flood'", async () => {
    const { hub, port } = await limitedHub({ flood: { burst: 1, rate: 1, maxBacklog: 3 } });
    const within = await join(hub, port);
    const past = await join(hub, port);
    const gone = nextEvent<[Peer, DisconnectReason]>(hub, 'disconnect', 2000);
    // One goes through and three wait: the backlog, full.
    within.raw.write(lines(4, 'w'));
    await eventually(() => within.peer.bytesIn === 12, 2000, 'the four lines read');
    // One goes through and four would wait: one too many.
    past.raw.write(lines(5, 'p'));
    const [peer, reason] = await gone;
    expect(peer).toBe(past.peer);
    expect(reason).toBe('flood');
    expect(within.peer.isOpen).toBe(true);
  });

  it("'drop' drops what is over the limit and tells the sender once", async () => {
    const { hub, port } = await limitedHub({ flood: { burst: 3, rate: 1, policy: 'drop' } });
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

  it("'drop' tells the sender again for a later flood, once it kept to the rate in between", async () => {
    const { hub, port } = await limitedHub({ flood: { burst: 2, rate: 20, policy: 'drop' } });
    const a = await join(hub, port);
    await join(hub, port);
    const warning = '! sending too fast: messages over 2 at once, then 20 per second are dropped';
    a.raw.write(lines(6, 'first'));
    await a.raw.lines(1, 2000);
    // At 20 per second the bucket holds a token again well within this pause.
    await new Promise((resolve) => setTimeout(resolve, 200));
    a.raw.write('in time\n');
    a.raw.write(lines(6, 'second'));
    await a.raw.lines(2, 2000);
    expect(a.raw.text).toBe(`${warning}\n${warning}\n`);
  });

  it("'disconnect' cuts the sender with reason 'flood' and says why", async () => {
    const { hub, port } = await limitedHub({ flood: { burst: 2, rate: 1, policy: 'disconnect' } });
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
    const { hub, port } = await limitedHub({ framing: 'json', heartbeatInterval: 150, flood: { burst: 1, rate: 0.5, policy: 'drop' } });
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
    // Off unless asked for: no flood options at all (whether the key is absent or undefined).
    expect(parseServeArgs([])).toMatchObject({ command: 'serve' });
    expect(parseServeArgs([])).not.toHaveProperty('flood', expect.anything());
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

  it('cuts a client held over the soft cap for softQueuedTimeout, reporting slowConsumer first; a reader keeps everything', async () => {
    const { hub, port } = await limitedHub({ softQueuedBytes: 256 * 1024, softQueuedTimeout: 400, maxQueuedBytes: 256 * 1024 * 1024 });
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

  /**
   * A client that stopped reading, with more than 1 MiB queued, through 60 s of the sweeper's
   * rounds run at once (only intervals are faked: sockets and immediates stay real).
   */
  async function stalledThroughAMinute(options: HubOptions): Promise<{ peer: Peer; reasons: DisconnectReason[] }> {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { hub, port } = await limitedHub({ maxQueuedBytes: 256 * 1024 * 1024, ...options });
      const reasons: DisconnectReason[] = [];
      hub.on('disconnect', (_peer, reason) => reasons.push(reason));
      const stalled = await join(hub, port);
      stalled.raw.socket.pause();
      await fill(hub, stalled.peer, 1024 * 1024 + 1);
      expect(stalled.peer.bytesQueued).toBeGreaterThan(1024 * 1024);
      vi.advanceTimersByTime(60_000);
      return { peer: stalled.peer, reasons };
    } finally {
      vi.useRealTimers();
    }
  }

  it('cuts a client over the default soft cap (1 MiB for 10 s) within a minute of sweeps', async () => {
    // The control for the test below: the same steps do see a cut when the limit is on.
    const { peer, reasons } = await stalledThroughAMinute({});
    expect(peer.isOpen).toBe(false);
    await eventually(() => reasons.length === 1, 2000, 'the disconnect');
    expect(reasons).toEqual(['slow-consumer']);
  });

  it('has no soft cap with softQueuedBytes 0: a client over 1 MiB stays through a minute of sweeps', async () => {
    const { peer, reasons } = await stalledThroughAMinute({ softQueuedBytes: 0 });
    expect(peer.isOpen).toBe(true);
    expect(reasons).toEqual([]);
  });

  it('starts the soft-cap clock afresh for a client that caught up in between', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { hub, port } = await limitedHub({ maxQueuedBytes: 256 * 1024 * 1024 });
      const stalled = await join(hub, port);
      const overTheCap = async (): Promise<void> => {
        stalled.raw.socket.pause();
        await fill(hub, stalled.peer, 1024 * 1024 + 1);
        expect(stalled.peer.bytesQueued).toBeGreaterThan(1024 * 1024);
      };
      await overTheCap();
      vi.advanceTimersByTime(8000);
      // It reads for a while: a sweep sees it under the cap.
      stalled.raw.socket.resume();
      await eventually(() => stalled.peer.bytesQueued === 0, 5000, 'the client to catch up');
      vi.advanceTimersByTime(1000);
      await overTheCap();
      vi.advanceTimersByTime(8000);
      // 8 s over the default 10 s since it caught up, though 17 s since it first went over.
      expect(stalled.peer.isOpen).toBe(true);
      vi.advanceTimersByTime(3000);
      expect(stalled.peer.isOpen).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cuts a client over the hard cap at once, with slowConsumer before the disconnect', async () => {
    const { hub, port } = await limitedHub({ maxQueuedBytes: 256 * 1024, softQueuedTimeout: 60_000 });
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

describe('softQueuedSeconds, the deprecated name of softQueuedTimeout', () => {
  it('is still read, in seconds, and refused beside softQueuedTimeout', () => {
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the old name must keep working
    expect(() => new BroadcastHub({ softQueuedSeconds: Number.NaN })).toThrow(/^softQueuedSeconds /);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the old name must keep working
    expect(() => new BroadcastHub({ softQueuedSeconds: 1, softQueuedTimeout: 1000 })).toThrow(TypeError);
  });
});
