import { afterEach, describe, expect, it, vi } from 'vitest';
import { BroadcastHub, BrokerAdapter, ChatClient, HubClosedError, JsonChatClient, ListenerError, MemoryBroker } from '../src/index.js';
import { before, closeAll, hubOn, lineMatching, namedPeer, rawPeer, settle } from './helpers/chat.js';
import { tcpHandles } from './helpers/cleanup.js';
import { eventually, nextEvent } from './helpers/sockets.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

/** Holds every message in an async handler until `release()`. */
function gate(): { release: () => void; handler: () => Promise<void> } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { release: open, handler: () => opened };
}

describe('a message queued behind a slow handler', () => {
  it('goes to the room its sender talks in when it is relayed, not when it arrived', async () => {
    const { hub, port } = await hubOn({ chat: true });
    const alice = await namedPeer(hub, port, 'alice');
    const bob = await namedPeer(hub, port, 'bob');
    const lobbyOnly = await namedPeer(hub, port, 'carol');
    // Bob hears only dev, carol only the lobby.
    bob.write('/join dev\n/leave lobby\n');
    await lineMatching(bob, 'bob joined dev');
    await eventually(() => [...hub.clients].some((peer) => peer.nick === 'bob' && peer.rooms.size === 1));
    const slow = gate();
    let held = true;
    hub.use((ctx) => (held && ctx.peer.nick === 'alice' && ctx.message === 'first' ? slow.handler() : undefined));
    // All three arrive while `first` is held; `/join dev` then moves alice before `hello dev` runs.
    alice.write('first\n/join dev\nhello dev\n/leave dev\nback in lobby\n');
    await eventually(() => hub.clients.size === 3);
    held = false;
    slow.release();
    await lineMatching(bob, 'alice: hello dev');
    await lineMatching(lobbyOnly, 'alice: back in lobby');
    await settle([bob, lobbyOnly], hub);
    expect(before(lobbyOnly).filter((line) => line.includes('hello dev'))).toEqual([]);
    expect(before(bob).filter((line) => line.includes('back in lobby'))).toEqual([]);
  });

  it('from a JSON client naming a room it has just joined is let through', async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    const slow = gate();
    hub.use((ctx) => (ctx.message === 'first' ? slow.handler() : undefined));
    const sender = new JsonChatClient({ host: '127.0.0.1', port, nick: 'ada', reconnect: false });
    const listener = new JsonChatClient({ host: '127.0.0.1', port, nick: 'bo', reconnect: false });
    try {
      await sender.connect();
      await listener.connect();
      listener.join('dev');
      await nextEvent(listener, 'join');
      const errors: string[] = [];
      sender.on('error', (error) => errors.push(error.message));
      const heard = new Promise<string>((resolve) => {
        listener.on('message', (message) => {
          if (message.room === 'dev') resolve(message.text);
        });
      });
      sender.send('first');
      sender.join('dev');
      sender.send('in dev', 'dev');
      slow.release();
      expect(await heard).toBe('in dev');
      expect(errors).toEqual([]);
    } finally {
      await sender.close();
      await listener.close();
    }
  });
});

describe('application code that throws', () => {
  it('a chat formatter: the event is rendered the default way, with one warning, and the hub goes on', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { hub, port } = await hubOn({
      chat: {
        formatter: () => {
          throw new Error('formatter bug');
        },
      },
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('/nick alice\n');
    await lineMatching(b, 'is now known as alice');
    a.write('still here\n');
    expect(await lineMatching(b, 'still here')).toBe('alice: still here');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('formatter bug');
  });

  it("a 'disconnect' listener: reported as the hub's error, and close() still resolves", async () => {
    const { hub, port } = await hubOn();
    const errors: Error[] = [];
    hub.on('error', (error) => errors.push(error));
    hub.on('disconnect', () => {
      throw new Error('listener bug');
    });
    await rawPeer(hub, port);
    await rawPeer(hub, port);
    await hub.close({ drainTimeout: 1000 });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]).toMatchObject({ event: 'disconnect' });
  });

  it("a 'clientError' listener: the broadcast still reaches everyone else", async () => {
    const { hub, port } = await hubOn({ maxQueuedBytes: 64 * 1024 });
    const errors: Error[] = [];
    hub.on('error', (error) => errors.push(error));
    hub.on('clientError', () => {
      throw new Error('listener bug');
    });
    // A peer that never reads, so that its queue overflows during the broadcast.
    const stalled = await rawPeer(hub, port);
    stalled.socket.pause();
    const healthy = await rawPeer(hub, port);
    const big = 'x'.repeat(1000);
    // Over many turns, each under the cap: the healthy peer takes every turn's share, the stalled one falls behind.
    for (let turn = 0; turn < 2000 && hub.clients.size === 2; turn += 1) {
      for (let i = 0; i < 30; i += 1) hub.broadcast(big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(hub.clients.size).toBe(1);
    hub.broadcast('last');
    expect(await lineMatching(healthy, /^last$/, 5000)).toBe('last');
    expect(errors.some((error) => error instanceof ListenerError && error.event === 'clientError')).toBe(true);
  });
});

describe('hub.close()', () => {
  it('while listen() is still binding: listen() rejects, and no server is left open', async () => {
    const handlesBefore = tcpHandles();
    const hub = new BroadcastHub();
    const listening = hub.listen({ host: '127.0.0.1', port: 0 });
    const rejected = expect(listening).rejects.toBeInstanceOf(HubClosedError);
    await hub.close();
    await rejected;
    expect(hub.address()).toBeNull();
    await eventually(() => tcpHandles() <= handlesBefore, 2000, 'the server handle closed');
  });
});

describe('what a client is told before the hub closes it', () => {
  it("a message over the limit under 'disconnect': the reason, in one line", async () => {
    const { hub, port } = await hubOn({ maxMessageBytes: 1024, oversizedMessage: 'disconnect' });
    const peer = await rawPeer(hub, port);
    const gone = nextEvent(hub, 'disconnect');
    peer.write(`${'y'.repeat(2000)}\n`);
    await gone;
    expect(await lineMatching(peer, 'disconnected')).toBe('* disconnected: too-large (message over 1024 bytes)');
  });

  it('a JSON hello never hands its token to handlers', async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    const seen: unknown[] = [];
    hub.use((ctx) => {
      seen.push(ctx.envelope);
    });
    const peer = await rawPeer(hub, port);
    peer.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'ada', token: 's3cret' })}\n`);
    await eventually(() => seen.length === 1, 2000, 'the hello');
    expect(seen).toEqual([{ v: 1, type: 'hello', nick: 'ada' }]);
  });
});

describe('options that cannot work', () => {
  it('refuses an unknown policy at once, naming the choices', () => {
    expect(() => new BroadcastHub({ oversizedMessage: 'bogus' as 'drop' })).toThrow(/oversizedMessage must be 'drop' or 'disconnect'/);
    expect(() => new BroadcastHub({ slowConsumerPolicy: 'wait' as 'drop' })).toThrow(TypeError);
    expect(() => new BroadcastHub({ invalidUtf8: 'ignore' as 'replace' })).toThrow(TypeError);
  });

  it("ChatClient refuses the hub-side 'json' and 'mixed' framings, naming JsonChatClient", () => {
    expect(() => new ChatClient({ framing: 'json' })).toThrow(/JsonChatClient/);
    expect(() => new ChatClient({ framing: 'mixed' })).toThrow(TypeError);
  });
});

describe('clustered guest names', () => {
  it('differ between hubs whose ids share their first characters', async () => {
    const broker = new MemoryBroker();
    const first = await hubOn({ chat: true, adapter: new BrokerAdapter(broker.transport(), { hubId: 'chat-eu-1' }) });
    const second = await hubOn({ chat: true, adapter: new BrokerAdapter(broker.transport(), { hubId: 'chat-eu-2' }) });
    await rawPeer(first.hub, first.port, 'welcome');
    await rawPeer(second.hub, second.port, 'welcome');
    const [nickOne] = [...first.hub.clients].map((peer) => peer.nick);
    const [nickTwo] = [...second.hub.clients].map((peer) => peer.nick);
    expect(nickOne).toMatch(/^guest-\w+-\d+$/);
    expect(nickTwo).toMatch(/^guest-\w+-\d+$/);
    expect(nickOne).not.toBe(nickTwo);
  });
});

describe("slowConsumerPolicy: 'drop'", () => {
  it('keeps a client that stopped reading, drops what it cannot take, and delivers again once it drains', async () => {
    const { hub, port } = await hubOn({ maxQueuedBytes: 64 * 1024, slowConsumerPolicy: 'drop' });
    const slow: number[] = [];
    hub.on('slowConsumer', (_peer, queued) => slow.push(queued));
    const stalled = await rawPeer(hub, port);
    stalled.socket.pause();
    const healthy = await rawPeer(hub, port);
    const big = 'x'.repeat(1000);
    for (let turn = 0; turn < 2000 && slow.length === 0; turn += 1) {
      for (let i = 0; i < 30; i += 1) hub.broadcast(big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(slow.length).toBe(1);
    expect(slow[0]).toBeGreaterThan(64 * 1024);
    expect(hub.clients.size).toBe(2);
    // Still over the cap: dropped, and no second report for the same episode.
    hub.broadcast('missed');
    // Bounded by the cap itself: it is checked before a frame is queued.
    for (const peer of hub.clients) expect(peer.bytesQueued).toBeLessThanOrEqual(64 * 1024);
    stalled.socket.resume();
    await lineMatching(healthy, /^missed$/, 5000);
    // Drained: the client hears what comes next.
    await eventually(() => [...hub.clients].every((peer) => peer.bytesQueued === 0), 5000, 'the queue to drain');
    hub.broadcast('after');
    expect(await lineMatching(stalled, /^after$/, 5000)).toBe('after');
    expect(stalled.text).not.toContain('missed');
    expect(slow.length).toBe(1);
  });
});

describe('closing a client from the output cap\'s own events', () => {
  for (const policy of ['disconnect', 'drop'] as const) {
    it(`under '${policy}': one slowConsumer, one clientError, one disconnect`, async () => {
      const { hub, port } = await hubOn({ maxQueuedBytes: 64 * 1024, slowConsumerPolicy: policy });
      let slow = 0;
      let errors = 0;
      const reasons: string[] = [];
      hub.on('slowConsumer', (peer) => {
        slow += 1;
        peer.close('kicked');
      });
      hub.on('clientError', () => {
        errors += 1;
      });
      hub.on('disconnect', (_peer, reason) => reasons.push(reason));
      const stalled = await rawPeer(hub, port);
      stalled.socket.pause();
      const big = 'x'.repeat(1000);
      for (let turn = 0; turn < 500 && slow === 0; turn += 1) {
        for (let i = 0; i < 100; i += 1) hub.broadcast(big);
        await new Promise((resolve) => setImmediate(resolve));
      }
      stalled.socket.destroy();
      await eventually(() => reasons.length === 1, 5000, 'the disconnect');
      expect([slow, errors]).toEqual([1, 1]);
      expect(reasons[0]).toMatch(/^(kicked|slow-consumer)$/);
    });
  }
});

describe('a text farewell followed by a reset', () => {
  it('is not taken for the hub closing the connection', async () => {
    const { hub, port } = await hubOn();
    const victim = new ChatClient({ host: '127.0.0.1', port, reconnect: false });
    try {
      await victim.connect();
      await eventually(() => hub.clients.size === 1);
      const byes: unknown[] = [];
      victim.on('bye', (bye) => byes.push(bye));
      const heard = nextEvent(victim, 'message');
      const [peer] = [...hub.clients];
      peer?.send('* disconnected: kicked (closed by the server)');
      await heard;
      const gone = nextEvent<[string]>(victim, 'disconnect');
      // A reset right after: not an orderly goodbye.
      (peer as unknown as { socket: { resetAndDestroy(): void } }).socket.resetAndDestroy();
      expect((await gone)[0]).toBe('reset');
      expect(byes).toEqual([]);
    } finally {
      await victim.close();
    }
  });
});
