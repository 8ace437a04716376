import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BroadcastHub, parseEnvelope, type DisconnectReason, type HubEnvelope, type HubOptions, type Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

afterEach(() => {
  vi.restoreAllMocks();
});

async function startHub(options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number; gone: Map<Peer, DisconnectReason> }> {
  const hub = track(new BroadcastHub(options), (h) => h.close({ drainTimeout: 300 }));
  hub.on('clientError', () => undefined);
  const gone = new Map<Peer, DisconnectReason>();
  hub.on('disconnect', (peer, reason) => gone.set(peer, reason));
  const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });
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

describe('partial-message timeout (slowloris)', () => {
  it('cuts clients that trickle a line without ever ending it, while healthy clients keep chatting', async () => {
    const { hub, port, gone } = await startHub({ partialMessageTimeout: 300 });
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
    const { hub, port, gone } = await startHub({ partialMessageTimeout: 300, maxMessageBytes: 16 });
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
    const { hub, port, gone } = await startHub({ partialMessageTimeout: 200 });
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
});

describe('idle timeout', () => {
  it("cuts a client that sends nothing for idleTimeout with reason 'idle', and tells a line peer why", async () => {
    const { hub, port, gone } = await startHub({ idleTimeout: 300 });
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
    const { port } = await startHub({ framing: 'json', idleTimeout: 200 });
    const raw = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    raw.write('{"v":1,"type":"hello"}\n');
    await raw.waitClosed(2000);
    const bye = envelopes(raw).at(-1);
    expect(bye).toMatchObject({ v: 1, type: 'bye', reason: 'idle', message: 'no input for 0.2 s' });
    expect(bye).not.toHaveProperty('retryAfterMs');
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
    const { hub, port, gone } = await startHub({ framing: 'json', heartbeatInterval: 150 });
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
    const { hub, port } = await startHub({ framing: 'mixed', heartbeatInterval: 100 });
    const text = await join(hub, port);
    text.raw.write('/nick ada\n');
    const json = await jsonPeer(port, 'pong');
    await sleep(450);
    expect(text.raw.text).not.toContain('ping');
    expect(text.raw.closed).toBe(false);
    expect(envelopes(json).filter((envelope) => envelope.type === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(json.closed).toBe(false);
  });

  it('is off with heartbeatInterval 0', async () => {
    const { hub, port } = await startHub({ framing: 'json', heartbeatInterval: 0, idleTimeout: 0, partialMessageTimeout: 0, softQueuedBytes: 0 });
    const silent = await jsonPeer(port, 'silent');
    await eventually(() => hub.clients.size === 1, 2000, 'the peer');
    await sleep(300);
    expect(silent.text).not.toContain('ping');
    expect(silent.closed).toBe(false);
  });
});

describe('TCP keepalive', () => {
  it('is turned on for every client socket, 30 s by default', async () => {
    const setKeepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const { hub, port } = await startHub();
    await join(hub, port);
    expect(setKeepAlive).toHaveBeenCalledWith(true, 30_000);
  });

  it('can be turned off', async () => {
    const setKeepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
    const { hub, port } = await startHub({ keepAliveDelay: 0 });
    await join(hub, port);
    expect(setKeepAlive).not.toHaveBeenCalled();
  });
});
