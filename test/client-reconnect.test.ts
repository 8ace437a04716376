import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ChatClient,
  ConnectError,
  ConnectionLostError,
  jsonClientCodec,
  NotConnectedError,
  OfflineQueueFullError,
  ReconnectFailedError,
  type ChatClientOptions,
  type DisconnectReason,
  type HubBye,
  type HubOptions,
  type JsonEnvelope,
} from '../src/index.js';
import { closeAfterEach, tcpHandles } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { freePort } from './fixtures/spawned.js';

const track = closeAfterEach();

/** Tiny delays, so that every reconnect test runs in well under a second or two. */
const quick = { initialDelay: 10, maxDelay: 40 };

/** A hub shutdown that asks for no wait: clients obey a shutdown's retry hint, and these tests are about the backoff. */
const NO_WAIT = { retryAfter: 0, retryJitter: 0 };

function client<T = string>(options: ChatClientOptions<T>): ChatClient<T> {
  return track(new ChatClient<T>({ host: '127.0.0.1', ...options }), (c) => c.close());
}


/** A plain TCP server standing in for a hub: `onSocket` decides what it does with each connection. */
async function fakeHub(onSocket: (socket: Socket, index: number) => void): Promise<{ server: Server; port: number; sockets: Socket[]; acceptedAt: number[] }> {
  const sockets: Socket[] = [];
  const acceptedAt: number[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    acceptedAt.push(performance.now());
    socket.on('error', () => undefined);
    onSocket(socket, sockets.length - 1);
  });
  track(server, (s) => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => s.close(resolve));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets, acceptedAt };
}

/** Records a client's lifecycle events as short strings, in order. */
function recordEvents(chat: ChatClient<never> | ChatClient | ChatClient<JsonEnvelope>): string[] {
  const events: string[] = [];
  const emitter = chat as ChatClient;
  emitter.on('connect', () => events.push('connect'));
  emitter.on('disconnect', (reason) => events.push(`disconnect:${reason}`));
  emitter.on('reconnecting', (attempt) => events.push(`reconnecting:${attempt}`));
  emitter.on('reconnect', (attempt) => events.push(`reconnect:${attempt}`));
  emitter.on('end', (error) => events.push(`end:${error?.name ?? 'none'}`));
  return events;
}

/** Lines received by a raw socket, as they arrive. */
function linesOf(socket: Socket): string[] {
  const lines: string[] = [];
  let held = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    held += chunk;
    const parts = held.split('\n');
    held = parts.pop() ?? '';
    lines.push(...parts);
  });
  return lines;
}

describe('ChatClient reconnect', () => {
  it('still rejects the first connect() at once when no hub is there, reconnect on by default', async () => {
    const before = tcpHandles();
    const chat = client({ port: await freePort() });
    const events = recordEvents(chat);
    const started = performance.now();
    await expect(chat.connect()).rejects.toBeInstanceOf(ConnectError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(chat.isReconnecting).toBe(false);
    expect(() => chat.send('x')).toThrow(NotConnectedError);
    expect(events).toEqual([]);
    expect(tcpHandles()).toBeLessThanOrEqual(before);
  });

  it('waits for a hub that is not there yet when connect() is asked to retry; close() or a signal stops it', async () => {
    const before = tcpHandles();
    const port = await freePort();
    const chat = client({ port, reconnect: quick });
    const tries: [number, string][] = [];
    chat.on('reconnecting', (attempt, _delay, error) => tries.push([attempt, error.name]));
    const connected = chat.connect({ retry: true });
    await eventually(() => tries.length >= 2, 2000, 'two refused attempts');
    expect(tries.slice(0, 2)).toEqual([
      [1, 'ConnectError'],
      [2, 'ConnectError'],
    ]);
    await startHub(track, {}, { port });
    await connected;
    expect(chat.isConnected).toBe(true);

    const waiting = client({ port: await freePort(), reconnect: { retryStrategy: () => 10_000 } });
    const controller = new AbortController();
    const aborted = waiting.connect({ retry: true, signal: controller.signal });
    await nextEvent(waiting, 'reconnecting');
    controller.abort('enough');
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_ABORTED' });

    const closing = client({ port: await freePort(), reconnect: { retryStrategy: () => 10_000 } });
    const closed = closing.connect({ retry: true });
    await nextEvent(closing, 'reconnecting');
    await closing.close();
    await expect(closed).rejects.toBeInstanceOf(AbortError);

    const givingUp = client({ port: await freePort(), reconnect: { retryStrategy: (attempt) => (attempt < 3 ? 1 : null) } });
    await expect(givingUp.connect({ retry: true })).rejects.toMatchObject({ code: 'ERR_RECONNECT_FAILED', attempts: 3 });
    await chat.close();
    await eventually(() => tcpHandles() <= before + 1, 1000, 'only the hub left');
  });

  it('reconnects to a hub restarted on the same port, with its events in order, and carries on', async () => {
    const first = await startHub(track);
    const chat = client({ port: first.port, reconnect: quick });
    const events = recordEvents(chat);
    await chat.connect();
    const reconnecting = nextEvent<[number, number, Error]>(chat, 'reconnecting');
    await first.hub.close(NO_WAIT);
    const [attempt, delay, cause] = await reconnecting;
    expect(attempt).toBe(1);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(quick.initialDelay);
    expect(cause).toBeInstanceOf(ConnectionLostError);
    expect(chat.isConnected).toBe(false);
    expect(chat.isReconnecting).toBe(true);
    // Let at least one attempt fail against the empty port before the hub comes back.
    await eventually(() => events.includes('reconnecting:2'), 2000, 'a second attempt');
    const second = await startHub(track, { echo: true }, { port: first.port });
    const reconnected = nextEvent<[number]>(chat, 'reconnect', 2000);
    const [attempts] = await reconnected;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(chat.isConnected).toBe(true);
    const head = events.slice(0, 2);
    const tail = events.slice(-2);
    expect(head).toEqual(['connect', expect.stringMatching(/^disconnect:(hub-closed|shutdown)$/) as string]);
    expect(tail).toEqual(['connect', `reconnect:${attempts}`]);
    expect(events.slice(2, -2)).toEqual(Array.from({ length: attempts }, (_, index) => `reconnecting:${index + 1}`));
    const echoed = nextEvent<[string]>(chat, 'message');
    chat.send('back again');
    expect(await echoed).toEqual(['back again']);
    expect(second.hub.clients.size).toBe(1);
  });

  it('spaces attempts with capped exponential backoff and full jitter, then gives up after maxAttempts', async () => {
    const { hub, port } = await startHub(track);
    const chat = client({ port, reconnect: { initialDelay: 8, maxDelay: 30, maxAttempts: 6 } });
    const delays: number[] = [];
    const causes: Error[] = [];
    chat.on('reconnecting', (attempt, delay, error) => {
      delays[attempt - 1] = delay;
      causes.push(error);
    });
    const ended = nextEvent<[Error | undefined]>(chat, 'end', 3000);
    await chat.connect();
    await hub.close(NO_WAIT);
    const [error] = await ended;
    expect(delays).toHaveLength(6);
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(30, 8 * 2 ** index));
    });
    expect(causes[0]).toBeInstanceOf(ConnectionLostError);
    for (const cause of causes.slice(1)) expect(cause).toBeInstanceOf(ConnectError);
    expect(error).toBeInstanceOf(ReconnectFailedError);
    expect(error).toMatchObject({ code: 'ERR_RECONNECT_FAILED', attempts: 6, cause: { code: 'ERR_CONNECT_FAILED' } });
    expect(chat.isReconnecting).toBe(false);
    expect(() => chat.send('x')).toThrow(NotConnectedError);
  });

  it('asks retryStrategy for each delay with the attempt and the error, and stops when it returns null', async () => {
    const { hub, port } = await startHub(track);
    const asked: [number, string][] = [];
    const chat = client({
      port,
      reconnect: {
        retryStrategy: (attempt, error) => {
          asked.push([attempt, error.name]);
          return attempt <= 3 ? attempt * 5 : null;
        },
      },
    });
    const delays: number[] = [];
    chat.on('reconnecting', (_attempt, delay) => delays.push(delay));
    const ended = nextEvent<[Error | undefined]>(chat, 'end', 3000);
    await chat.connect();
    await hub.close(NO_WAIT);
    const [error] = await ended;
    expect(asked).toEqual([
      [1, 'ConnectionLostError'],
      [2, 'ConnectError'],
      [3, 'ConnectError'],
      [4, 'ConnectError'],
    ]);
    expect(delays).toEqual([5, 10, 15]);
    expect(error).toMatchObject({ attempts: 3 });
  });

  it('close() during the backoff cancels it at once and leaves no timer or socket behind', async () => {
    const before = { tcp: tcpHandles(), timers: timers() };
    const { hub, port } = await startHub(track);
    const chat = client({ port, reconnect: { initialDelay: 10_000, maxDelay: 10_000, retryStrategy: () => 10_000 } });
    const events = recordEvents(chat);
    await chat.connect();
    const waiting = nextEvent<[number, number]>(chat, 'reconnecting');
    await hub.close(NO_WAIT);
    expect((await waiting)[1]).toBe(10_000);
    const started = performance.now();
    await chat.close();
    expect(performance.now() - started).toBeLessThan(200);
    expect(events).toEqual(['connect', expect.stringMatching(/^disconnect:/) as string, 'reconnecting:1', 'end:none']);
    expect(chat.isReconnecting).toBe(false);
    expect(tcpHandles()).toBeLessThanOrEqual(before.tcp);
    expect(timers()).toBeLessThanOrEqual(before.timers);
  });

  it('close() while an attempt is connecting or a hub is unreachable also settles cleanly', async () => {
    const before = tcpHandles();
    const { hub, port } = await startHub(track);
    // Attempts fail fast against the closed port; close() lands in whichever phase it lands in.
    const chat = client({ port, reconnect: { retryStrategy: () => 0 } });
    await chat.connect();
    const tried = nextEvent<[number]>(chat, 'reconnecting');
    await hub.close(NO_WAIT);
    await tried;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await chat.close();
    expect(chat.isReconnecting).toBe(false);
    await eventually(() => tcpHandles() <= before, 1000, 'no socket left');
  });

  it('runs restore on each reconnection before flushing; one that hangs is timed out and retried, close() cuts it short', async () => {
    const before = tcpHandles();
    // Each connection is dropped by the fake hub after a moment, except while the client restores.
    const { port, sockets } = await fakeHub((socket, index) => {
      if (index === 0) setTimeout(() => socket.destroy(), 20);
    });
    let restores = 0;
    let aborts = 0;
    const chat = client({
      port,
      connectTimeout: 100,
      reconnect: { retryStrategy: () => 10 },
      restore: async (send, signal) => {
        restores += 1;
        send('restoring');
        // Never finishes on its own: only the timeout or the signal ends it.
        await new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborts += 1;
            reject(signal.reason as Error);
          });
        });
      },
    });
    const causes: Error[] = [];
    chat.on('reconnecting', (_attempt, _delay, error) => causes.push(error));
    await chat.connect();
    await eventually(() => causes.length >= 2, 2000, 'a restore to time out');
    expect(causes[1]).toMatchObject({ code: 'ERR_CONNECT_FAILED', message: expect.stringContaining('not restored within 100 ms') as string });
    // The timed-out hook was told to stop through its signal, so it holds nothing.
    expect(aborts).toBeGreaterThanOrEqual(1);
    await eventually(() => restores >= 2, 2000, 'a second restore');
    const started = performance.now();
    await chat.close();
    expect(performance.now() - started).toBeLessThan(200);
    expect(chat.isReconnecting).toBe(false);
    expect(sockets.length).toBeGreaterThanOrEqual(3);
    for (const socket of sockets) socket.destroy();
    await eventually(() => tcpHandles() <= before + 1, 1000, 'only the fake hub left');
  });

  it('reconnect.signal cancels the backoff and ends with an AbortError', async () => {
    const { hub, port } = await startHub(track);
    const controller = new AbortController();
    const chat = client({ port, reconnect: { retryStrategy: () => 10_000, signal: controller.signal } });
    await chat.connect();
    const waiting = nextEvent<[number]>(chat, 'reconnecting');
    await hub.close(NO_WAIT);
    await waiting;
    const ended = nextEvent<[Error | undefined]>(chat, 'end', 500);
    controller.abort('stop');
    const [error] = await ended;
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ cause: 'stop' });
    expect(chat.isReconnecting).toBe(false);
  });

  it('with reconnect: false, ends right after the disconnect with a ConnectionLostError', async () => {
    const { hub, port } = await startHub(track);
    const chat = client({ port, reconnect: false });
    const events = recordEvents(chat);
    const ended = nextEvent<[Error | undefined]>(chat, 'end');
    await chat.connect();
    await hub.close(NO_WAIT);
    const [error] = await ended;
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(events).toEqual(['connect', expect.stringMatching(/^disconnect:/) as string, expect.stringMatching(/^end:/) as string]);
    expect(() => chat.send('x')).toThrow(NotConnectedError);
  });

  it('never reconnects after close(), and ends without an error', async () => {
    const { port } = await startHub(track);
    const chat = client({ port, reconnect: quick });
    const events = recordEvents(chat);
    await chat.connect();
    await chat.close();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(events).toEqual(['connect', 'disconnect:closed', 'end:none']);
  });
});

describe('ChatClient offline queue', () => {
  it('queues sends while reconnecting, refuses the one over the limit, and flushes the rest in order', async () => {
    const first = await startHub(track);
    const chat = client({ port: first.port, reconnect: { retryStrategy: () => 20 }, maxOfflineMessages: 5 });
    await chat.connect();
    const waiting = nextEvent<[number]>(chat, 'reconnecting');
    await first.hub.close(NO_WAIT);
    await waiting;
    const sent = ['one', 'two', 'three', 'four', 'five'];
    for (const message of sent) expect(chat.send(message)).toBe(false);
    expect(chat.offlineQueueLength).toBe(5);
    let overflow: unknown;
    try {
      chat.send('six');
    } catch (error) {
      overflow = error;
    }
    expect(overflow).toBeInstanceOf(OfflineQueueFullError);
    expect(overflow).toMatchObject({ code: 'ERR_OFFLINE_QUEUE_FULL', queuedMessages: 5 });
    const received: string[] = [];
    chat.on('message', (message) => received.push(message));
    const drained = nextEvent<[]>(chat, 'drain', 3000);
    // An echoing hub sends each message back to its sender: what arrives is what was flushed, in order.
    await startHub(track, { echo: true }, { port: first.port });
    await nextEvent(chat, 'reconnect', 3000);
    await drained;
    expect(chat.offlineQueueLength).toBe(0);
    chat.send('after');
    await eventually(() => received.length === 6, 2000, 'the flushed messages');
    expect(received).toEqual([...sent, 'after']);
  });

  it('bounds the queue by bytes too', async () => {
    const first = await startHub(track);
    const chat = client({ port: first.port, reconnect: { retryStrategy: () => 10_000 }, maxOfflineBytes: 10 });
    await chat.connect();
    const waiting = nextEvent<[number]>(chat, 'reconnecting');
    await first.hub.close(NO_WAIT);
    await waiting;
    expect(chat.send('12345678')).toBe(false); // 9 bytes with its newline
    expect(() => chat.send('9')).toThrow(OfflineQueueFullError);
    expect(chat.offlineQueueLength).toBe(1);
  });

  it('hands back what it queued, on unsent, when it stops without reconnecting', async () => {
    const first = await startHub(track);
    const chat = client({ port: first.port, reconnect: { retryStrategy: () => 10_000 } });
    await chat.connect();
    const waiting = nextEvent<[number]>(chat, 'reconnecting');
    await first.hub.close(NO_WAIT);
    await waiting;
    chat.send('a');
    chat.send('b');
    const unsent = nextEvent<[(string | Uint8Array)[], Error]>(chat, 'unsent');
    await chat.close();
    const [messages, error] = await unsent;
    expect(messages).toEqual(['a', 'b']);
    expect(error).toBeInstanceOf(ConnectionLostError);
  });
});

describe('ChatClient heartbeat and bye (json framing)', () => {
  it('answers a ping with a pong carrying the same ts, and does not report pings as messages', async () => {
    const seen: string[][] = [];
    const { port } = await fakeHub((socket) => {
      seen.push(linesOf(socket));
      socket.write('{"v":1,"type":"ping","ts":12345}\n');
      socket.write('{"v":1,"type":"system","text":"hi","ts":1}\n');
    });
    const chat = client<JsonEnvelope>({ port, framing: jsonClientCodec });
    const messages: JsonEnvelope[] = [];
    chat.on('message', (message) => messages.push(message));
    await chat.connect();
    await eventually(() => (seen[0]?.length ?? 0) >= 1, 2000, 'the pong');
    expect(seen[0]?.map((line) => JSON.parse(line) as unknown)).toEqual([{ v: 1, type: 'pong', ts: 12345 }]);
    await eventually(() => messages.length === 1, 2000, 'the system message');
    expect(messages).toEqual([{ v: 1, type: 'system', text: 'hi', ts: 1 }]);
  });

  it("waits at least the bye's retryAfterMs before the first retry, and reports the bye", async () => {
    const { port, acceptedAt } = await fakeHub((socket, index) => {
      if (index === 0) {
        socket.end('{"v":1,"type":"bye","reason":"shutdown","message":"restarting","retryAfterMs":300,"ts":1}\n');
      }
    });
    const chat = client<JsonEnvelope>({ port, framing: jsonClientCodec, reconnect: { initialDelay: 5, maxDelay: 5 } });
    const byes: HubBye[] = [];
    chat.on('bye', (bye) => byes.push(bye));
    const gone = nextEvent<[DisconnectReason, Error | undefined]>(chat, 'disconnect');
    const reconnecting = nextEvent<[number, number, Error]>(chat, 'reconnecting');
    await chat.connect();
    const [reason] = await gone;
    const lostAt = performance.now();
    expect(reason).toBe('shutdown');
    expect(byes).toEqual([{ reason: 'shutdown', message: 'restarting', retryAfterMs: 300 }]);
    const [, delay, cause] = await reconnecting;
    expect(delay).toBe(300);
    expect(cause).toMatchObject({ reason: 'shutdown', bye: { retryAfterMs: 300 } });
    await nextEvent(chat, 'reconnect', 2000);
    expect(acceptedAt).toHaveLength(2);
    expect((acceptedAt[1] ?? 0) - lostAt).toBeGreaterThanOrEqual(290);
  });

  it('line clients of a real hub wait for its shutdown hint before coming back', async () => {
    const first = await startHub(track);
    const chat = client({ port: first.port, reconnect: { initialDelay: 5, maxDelay: 5 } });
    const byes: HubBye[] = [];
    chat.on('bye', (bye) => byes.push(bye));
    const reconnecting = nextEvent<[number, number, Error]>(chat, 'reconnecting');
    await chat.connect();
    await first.hub.close({ retryAfter: 400, retryJitter: 0 });
    const [attempt, delay, cause] = await reconnecting;
    expect(attempt).toBe(1);
    // The line said "reconnect in 1 s": whole seconds are all a text line carries.
    expect(delay).toBe(1000);
    expect(byes).toEqual([{ reason: 'shutdown', message: 'server shutting down; reconnect in 1 s', retryAfterMs: 1000 }]);
    expect(cause).toMatchObject({ reason: 'shutdown' });
  });

  /** A line client on a hub with `lineOptions` and a JSON client on a JSON hub, both connected and counted, and their `end` events to come. */
  async function lineAndJsonClients(lineOptions: HubOptions) {
    const lineHub = await startHub(track, lineOptions);
    const jsonHub = await startHub(track, { framing: 'json' });
    const line = client({ port: lineHub.port, reconnect: quick });
    const json = client<JsonEnvelope>({ port: jsonHub.port, framing: jsonClientCodec, reconnect: quick });
    const lineEnded = nextEvent<[Error | undefined]>(line, 'end', 3000);
    const jsonEnded = nextEvent<[Error | undefined]>(json, 'end', 3000);
    await line.connect();
    await json.connect();
    await eventually(() => lineHub.hub.clients.size === 1 && jsonHub.hub.clients.size === 1, 2000, 'both clients');
    return { lineHub, jsonHub, lineEnded, jsonEnded };
  }

  it('line clients kicked by a real hub stay away, JSON clients too', async () => {
    const { lineHub, jsonHub, lineEnded, jsonEnded } = await lineAndJsonClients({});
    for (const peer of [...lineHub.hub.clients, ...jsonHub.hub.clients]) peer.close();
    for (const [error] of [await lineEnded, await jsonEnded]) {
      expect(error).toBeInstanceOf(ReconnectFailedError);
      expect(error).toMatchObject({ attempts: 0, cause: { reason: 'kicked' } });
    }
    // Give a wrongly scheduled retry the time to show itself.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lineHub.hub.clients.size + jsonHub.hub.clients.size).toBe(0);
  });

  it('line and JSON clients banned by a real hub stay away: no knocking on a door that refuses them', async () => {
    const { lineHub, jsonHub, lineEnded, jsonEnded } = await lineAndJsonClients({ chat: true });
    let refused = 0;
    for (const { hub } of [lineHub, jsonHub]) {
      hub.on('refused', () => (refused += 1));
      hub.moderation.ban('127.0.0.1', { reason: 'spam' });
    }
    for (const [error] of [await lineEnded, await jsonEnded]) {
      expect(error).toBeInstanceOf(ReconnectFailedError);
      expect(error).toMatchObject({ attempts: 0, cause: { reason: 'banned' } });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(refused).toBe(0);
  });

  it('a line client refused at the door of a hub that bans it does not knock again', async () => {
    const { hub, port } = await startHub(track, { chat: true });
    hub.moderation.ban('127.0.0.1', { reason: 'spam' });
    let refused = 0;
    hub.on('refused', () => (refused += 1));
    const line = client({ port, reconnect: quick });
    const ended = nextEvent<[Error | undefined]>(line, 'end', 3000);
    await line.connect().catch(() => undefined);
    const [error] = await ended;
    expect(error).toMatchObject({ cause: { reason: 'banned' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(refused).toBe(1);
  });

  it('does not come back after a bye that says it was kicked', async () => {
    const { port, sockets } = await fakeHub((socket) => {
      socket.end('{"v":1,"type":"bye","reason":"kicked","message":"bye now","ts":1}\n');
    });
    let asked = 0;
    // Even a strategy that would always retry is not asked.
    const retryStrategy = (): number => {
      asked += 1;
      return 5;
    };
    const chat = client<JsonEnvelope>({ port, framing: jsonClientCodec, reconnect: { retryStrategy } });
    const ended = nextEvent<[Error | undefined]>(chat, 'end');
    await chat.connect();
    const [error] = await ended;
    expect(error).toBeInstanceOf(ReconnectFailedError);
    expect(error).toMatchObject({ attempts: 0, cause: { reason: 'kicked' } });
    expect(asked).toBe(0);
    expect(sockets).toHaveLength(1);
  });

  it('treats a hub that goes silent for heartbeatTimeout as dead, and reconnects', async () => {
    // The first connection hears nothing ever; the second is greeted.
    const { port, acceptedAt } = await fakeHub((socket, index) => {
      if (index > 0) socket.write('hello again\n');
    });
    const chat = client({ port, heartbeatTimeout: 150, reconnect: quick });
    const gone = nextEvent<[DisconnectReason, Error | undefined]>(chat, 'disconnect', 2000);
    await chat.connect();
    const connectedAt = performance.now();
    const [reason, error] = await gone;
    const silentFor = performance.now() - connectedAt;
    expect(reason).toBe('heartbeat');
    expect(error).toMatchObject({ code: 'ERR_CONNECTION' });
    expect(silentFor).toBeGreaterThanOrEqual(140);
    expect(silentFor).toBeLessThan(1000);
    const greeting = nextEvent<[string]>(chat, 'message', 2000);
    await nextEvent(chat, 'reconnect', 2000);
    expect(await greeting).toEqual(['hello again']);
    expect(acceptedAt).toHaveLength(2);
  });

  it("under 'auto', learns the hub's ping interval and notices when the pings stop", async () => {
    const { port } = await fakeHub((socket, index) => {
      if (index > 0) return;
      let pings = 0;
      const timer = setInterval(() => {
        pings += 1;
        if (pings > 3 || socket.destroyed) clearInterval(timer);
        else socket.write(`{"v":1,"type":"ping","ts":${pings}}\n`);
      }, 50);
    });
    const chat = client<JsonEnvelope>({ port, framing: jsonClientCodec, reconnect: quick });
    const gone = nextEvent<[DisconnectReason]>(chat, 'disconnect', 2000);
    await chat.connect();
    const started = performance.now();
    expect(await gone).toEqual(['heartbeat', expect.anything()]);
    // Three pings 50 ms apart, then silence: declared dead about 2 x 50 + 250 ms after the last.
    expect(performance.now() - started).toBeLessThan(1500);
    await nextEvent(chat, 'reconnect', 2000);
  });

  it('keeps a quiet connection whose hub never pings, under the default', async () => {
    const { port } = await fakeHub(() => undefined);
    const chat = client<JsonEnvelope>({ port, framing: jsonClientCodec });
    const events = recordEvents(chat);
    await chat.connect();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events).toEqual(['connect']);
  });
});

/** Timers this process holds (ref'ed or not). */
function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}
