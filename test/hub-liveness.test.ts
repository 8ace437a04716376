import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnvelope, type BroadcastHub, type DisconnectReason, type HubEnvelope, type HubOptions, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

afterEach(() => {
  vi.restoreAllMocks();
});

/** A hub that records why each peer left. */
async function watchedHub(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number; gone: Map<Peer, DisconnectReason> }> {
  const { hub, port } = await startHub(track, options, { close: { drainTimeout: 300 } });
  hub.on('clientError', () => undefined);
  const gone = new Map<Peer, DisconnectReason>();
  hub.on('disconnect', (peer, reason) => gone.set(peer, reason));
  return { hub, port, gone };
}

async function join(hub: BroadcastHub, port: number): Promise<{ raw: RawPeer; peer: Peer }> {
  const connected = nextEvent<[Peer]>(hub, 'connect', 2000);
  const raw = track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  return { raw, peer: (await connected)[0] };
}

/** Calls `tick` every `ms` until `stop()`; returns `stop`. */
function every(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  return () => {
    clearInterval(timer);
  };
}

/** The hub envelopes a raw JSON peer has received so far. */
function envelopes(raw: RawPeer): HubEnvelope[] {
  return raw.text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => parseEnvelope(line, 'hub'));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Connects a peer that says nothing (after `opening`, if given) and runs `ms` of the
 * sweeper's rounds at once: only the intervals are faked, so sockets, timeouts and
 * immediates stay real and the sweeper's one interval is driven through hours in a few
 * milliseconds. Then a marker is broadcast, which reaches the peer after anything the sweeps
 * sent it, unless it was cut. Returns the peer and why it was cut, if it was.
 */
async function silentThrough(
  ms: number,
  options: HubOptions,
  opening?: (raw: RawPeer, peer: Peer) => Promise<void>,
): Promise<{ raw: RawPeer; reason: DisconnectReason | undefined }> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  try {
    const { hub, port, gone } = await watchedHub(options);
    const { raw, peer } = await join(hub, port);
    await opening?.(raw, peer);
    vi.advanceTimersByTime(ms);
    hub.broadcast('after the sweeps');
    await raw.until((received) => received.includes('after the sweeps') || raw.closed, 2000);
    if (raw.closed) await eventually(() => gone.has(peer), 2000, 'the disconnect event');
    return { raw, reason: gone.get(peer) };
  } finally {
    vi.useRealTimers();
  }
}

/** Says hello as a JSON client, and waits for the welcome. */
async function sayHello(raw: RawPeer): Promise<void> {
  raw.write('{"v":1,"type":"hello"}\n');
  await raw.lines(1, 2000);
}

describe('partial-message timeout (slowloris)', () => {
  it('cuts clients that trickle a line without ever ending it, while healthy clients keep chatting', async () => {
    const { hub, port, gone } = await watchedHub({ partialMessageTimeout: 300 });
    const a = await join(hub, port);
    const b = await join(hub, port);
    const lorises: { raw: RawPeer; peer: Peer }[] = [];
    for (let index = 0; index < 20; index += 1) lorises.push(await join(hub, port));
    const started = Date.now();
    let sent = 0;
    const stopTrickle = every(40, () => {
      for (const loris of lorises) if (!loris.raw.closed) loris.raw.write('x');
    });
    const stopChat = every(40, () => {
      a.raw.write(`a${sent}\n`);
      sent += 1;
    });
    try {
      await eventually(() => lorises.every(({ peer }) => gone.has(peer)), 2500, 'every slowloris cut');
    } finally {
      stopTrickle();
      stopChat();
    }
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
    for (const loris of lorises) expect(gone.get(loris.peer)).toBe('timeout');
    await Promise.all(lorises.map(({ raw }) => raw.waitClosed(2000)));
    // Told why, after the chat it was relayed meanwhile.
    expect(lorises[0]?.raw.text).toMatch(/^(a\d+\n)*\* disconnected: timeout \(message left unfinished for 0\.3 s\)\n$/);
    // The healthy pair saw every line, in order, and is still there.
    await b.raw.newlinesReach(sent, 2000);
    expect(b.raw.text).toBe(Array.from({ length: sent }, (_, index) => `a${index}\n`).join(''));
    expect(a.peer.isOpen && b.peer.isOpen).toBe(true);
    expect(hub.clients.size).toBe(2);
  });

  it('also cuts a client that trickles the rest of an oversized line, which the hub holds none of', async () => {
    const { hub, port, gone } = await watchedHub({ partialMessageTimeout: 300, maxMessageBytes: 16 });
    const loris = await join(hub, port);
    loris.raw.write('y'.repeat(40));
    const stop = every(40, () => {
      if (!loris.raw.closed) loris.raw.write('y');
    });
    try {
      await eventually(() => gone.has(loris.peer), 2000, 'the cut');
    } finally {
      stop();
    }
    expect(loris.peer.bytesBuffered).toBe(0);
    expect(gone.get(loris.peer)).toBe('timeout');
  });

  it('does not cut a client whose long messages arrive in pieces but do end', async () => {
    const { hub, port, gone } = await watchedHub({ partialMessageTimeout: 200 });
    const a = await join(hub, port);
    await join(hub, port);
    let index = 0;
    const stop = every(30, () => {
      // Each message is spread over three writes, ~90 ms in all: always something held, never for long.
      a.raw.write(index % 3 === 2 ? 'end\n' : 'part ');
      index += 1;
    });
    await sleep(700);
    stop();
    expect(gone.size).toBe(0);
    expect(a.peer.isOpen).toBe(true);
  });

  /** Leaves a line unfinished, once the hub has read it. */
  async function halfALine(raw: RawPeer, peer: Peer): Promise<void> {
    raw.write('half a line');
    await eventually(() => peer.bytesIn === 11, 2000, 'the half line read');
  }

  it('cuts a client holding an unfinished line within 2 min of sweeps by default', async () => {
    // The control for the test below: the same steps do see a cut when the limit is on.
    const { raw, reason } = await silentThrough(120_000, { idleTimeout: 0 }, halfALine);
    expect(reason).toBe('timeout');
    expect(raw.text).toBe('* disconnected: timeout (message left unfinished for 30 s)\n');
  });

  it('is off with partialMessageTimeout 0: an unfinished line is held through 2 min of sweeps', async () => {
    const { raw, reason } = await silentThrough(120_000, { idleTimeout: 0, partialMessageTimeout: 0 }, halfALine);
    expect(reason).toBeUndefined();
    expect(raw.text).toBe('after the sweeps\n');
  });
});

describe('idle timeout', () => {
  it("cuts a client that sends nothing for idleTimeout with reason 'idle', and tells a line peer why", async () => {
    const { hub, port, gone } = await watchedHub({ idleTimeout: 300 });
    const quiet = await join(hub, port);
    const talker = await join(hub, port);
    const started = Date.now();
    const stop = every(60, () => {
      talker.raw.write('still here\n');
    });
    try {
      await quiet.raw.waitClosed(2000);
    } finally {
      stop();
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await eventually(() => gone.has(quiet.peer), 1000, 'the disconnect event');
    expect(gone.get(quiet.peer)).toBe('idle');
    expect(quiet.raw.text).toMatch(/^(still here\n)*\* disconnected: idle \(no input for 0\.3 s\)\n$/);
    expect(talker.peer.isOpen).toBe(true);
  });

  it('tells a JSON peer with a bye envelope', async () => {
    const { port } = await watchedHub({ framing: 'json', idleTimeout: 200 });
    const raw = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    raw.write('{"v":1,"type":"hello"}\n');
    await raw.waitClosed(2000);
    const bye = envelopes(raw).at(-1);
    expect(bye).toMatchObject({ v: 1, type: 'bye', reason: 'idle', message: 'no input for 0.2 s' });
    expect(bye).not.toHaveProperty('retryAfterMs');
  });

  it('cuts a silent line peer within 2 h of sweeps by default', async () => {
    // The control for the test below: the same steps do see a cut when the limit is on.
    const { raw, reason } = await silentThrough(2 * 3600_000, {});
    expect(reason).toBe('idle');
    expect(raw.text).toBe('* disconnected: idle (no input for 3600 s)\n');
  });

  it('is off with idleTimeout 0: a silent line peer outlives 2 h of sweeps', async () => {
    const { raw, reason } = await silentThrough(2 * 3600_000, { idleTimeout: 0 });
    expect(reason).toBeUndefined();
    expect(raw.text).toBe('after the sweeps\n');
    expect(raw.closed).toBe(false);
  });

  it('does not count the time the hub stopped reading a sender (flood control holding it back) as silence', async () => {
    const { raw, reason } = await silentThrough(60_000, { idleTimeout: 5000, flood: { burst: 1, rate: 0.001 } }, async (held, peer) => {
      // The second line is held back for 1000 s, and the hub reads nothing more from it meanwhile.
      held.write('one\ntwo\n');
      await eventually(() => peer.isReadingPaused, 2000, 'the sender held back');
    });
    expect(reason).toBeUndefined();
    expect(raw.text).toBe('after the sweeps\n');
  });
});

describe('heartbeat', () => {
  /** A raw JSON peer that says hello and, if `answer`, answers every ping. */
  async function jsonPeer(port: number, answer: 'pong' | 'silent' | 'unsolicited'): Promise<RawPeer> {
    const raw = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    raw.write('{"v":1,"type":"hello"}\n');
    if (answer === 'pong') {
      raw.socket.on('data', (chunk: Buffer) => {
        for (const match of chunk.toString().matchAll(/"type":"ping","ts":(\d+)/g)) raw.write(`{"v":1,"type":"pong","ts":${match[1] ?? ''}}\n`);
      });
    }
    if (answer === 'unsolicited') {
      const stop = every(30, () => {
        if (!raw.closed) raw.write(`{"v":1,"type":"pong","ts":${Date.now()}}\n`);
      });
      raw.socket.once('close', stop);
    }
    return raw;
  }

  it("cuts a JSON peer that never answers with 'heartbeat', keeps one that does, and ignores unsolicited pongs", async () => {
    const { hub, port, gone } = await watchedHub({ framing: 'json', heartbeatInterval: 150 });
    const silent = await jsonPeer(port, 'silent');
    const forger = await jsonPeer(port, 'unsolicited');
    const alive = await jsonPeer(port, 'pong');
    await eventually(() => hub.clients.size === 3, 2000, 'three peers');
    const started = Date.now();
    await Promise.all([silent.waitClosed(2000), forger.waitClosed(2000)]);
    // A ping at the first round, the cut at the next.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await eventually(() => gone.size === 2, 1000, 'the disconnect events');
    expect([...gone.values()]).toEqual(['heartbeat', 'heartbeat']);
    const pings = envelopes(silent).filter((envelope) => envelope.type === 'ping');
    expect(pings).toHaveLength(1);
    expect(pings[0]).toEqual({ v: 1, type: 'ping', ts: expect.any(Number) as number });
    expect(envelopes(silent).at(-1)).toMatchObject({ type: 'bye', reason: 'heartbeat', message: 'no answer to ping within 0.15 s' });
    // The one that answers outlives several rounds.
    await sleep(600);
    expect(alive.closed).toBe(false);
    expect(envelopes(alive).filter((envelope) => envelope.type === 'ping').length).toBeGreaterThanOrEqual(4);
    expect(hub.clients.size).toBe(1);
  });

  it('never pings text peers of a mixed hub, and pings its JSON peers', async () => {
    const { hub, port } = await watchedHub({ framing: 'mixed', heartbeatInterval: 100 });
    const text = await join(hub, port);
    text.raw.write('/nick ada\n');
    const json = await jsonPeer(port, 'pong');
    await sleep(450);
    expect(text.raw.text).not.toContain('ping');
    expect(text.raw.closed).toBe(false);
    expect(envelopes(json).filter((envelope) => envelope.type === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(json.closed).toBe(false);
  });

  it('pings a silent JSON peer within 90 s of sweeps by default, and cuts it', async () => {
    // The control for the test below: the same steps do see a cut when the limit is on.
    const { raw, reason } = await silentThrough(90_000, { framing: 'json' }, sayHello);
    expect(envelopes(raw).map((envelope) => envelope.type)).toEqual(['system', 'ping', 'bye']);
    expect(envelopes(raw).at(-1)).toMatchObject({ type: 'bye', reason: 'heartbeat', message: 'no answer to ping within 30 s' });
    expect(reason).toBe('heartbeat');
  });

  it('is off with heartbeatInterval 0: no ping in 90 s, while the other limits keep the sweeper running', async () => {
    const { raw, reason } = await silentThrough(90_000, { framing: 'json', heartbeatInterval: 0 }, sayHello);
    // The welcome, then the marker (a host broadcast reaches JSON peers as a system envelope).
    expect(envelopes(raw).map((envelope) => envelope.type)).toEqual(['system', 'system']);
    expect(envelopes(raw).at(-1)).toMatchObject({ type: 'system', text: 'after the sweeps' });
    expect(reason).toBeUndefined();
    expect(raw.closed).toBe(false);
  });
});

describe('the sweeper', () => {
  it('runs one timer for all peers, and none while there is no peer to watch', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { hub, port } = await watchedHub();
      expect(vi.getTimerCount()).toBe(0);
      const a = await join(hub, port);
      const b = await join(hub, port);
      expect(vi.getTimerCount()).toBe(1);
      a.raw.destroy();
      await eventually(() => hub.clients.size === 1, 2000, 'the first to leave');
      expect(vi.getTimerCount()).toBe(1);
      b.raw.destroy();
      await eventually(() => hub.clients.size === 0, 2000, 'the second to leave');
      expect(vi.getTimerCount()).toBe(0);
      await join(hub, port);
      expect(vi.getTimerCount()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('TCP keepalive', () => {
  it('is turned on for every client socket, 30 s by default', async () => {
    const setKeepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const { hub, port } = await watchedHub();
    await join(hub, port);
    expect(setKeepAlive).toHaveBeenCalledWith(true, 30_000);
  });

  it('can be turned off', async () => {
    const setKeepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const { hub, port } = await watchedHub({ keepAliveDelay: 0 });
    await join(hub, port);
    expect(setKeepAlive).not.toHaveBeenCalled();
  });
});
