import { describe, expect, it } from 'vitest';
import { AbortError, ChatClient, ConnectError, JsonChatClient, type ChatClientOptions, type ChatMessage, type JsonChatClientOptions } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { freePort } from './fixtures/spawned.js';

const track = closeAfterEach();

/** Tiny reconnect delays, so that a reconnection takes milliseconds. */
const quick = { initialDelay: 10, maxDelay: 40 };

/** Filler that makes 50 messages span several reads of a socket: a socket paused after a few would show. */
const bulk = 'm'.repeat(4000);

function client<T = string>(options: ChatClientOptions<T>): ChatClient<T> {
  return track(new ChatClient<T>({ host: '127.0.0.1', ...options }), (c) => c.close());
}

function jsonClient(options: JsonChatClientOptions): JsonChatClient {
  return track(new JsonChatClient({ host: '127.0.0.1', ...options }), (c) => c.close());
}

/** A connected client and a connected sender on a relay hub, and the hub's end of the client. */
async function relayPair(options: ChatClientOptions = {}, hubOptions = {}) {
  const { hub, port } = await startHub(track, hubOptions);
  const receiver = client({ port, ...options });
  await receiver.connect();
  const sender = client({ port });
  await sender.connect();
  await eventually(() => hub.clients.size === 2, 2000, 'both clients registered');
  return { hub, port, receiver, sender };
}

describe('for await (const message of client)', () => {
  it('yields what the message event carries, in order, and ends after close() with what was buffered', async () => {
    const { receiver, sender } = await relayPair();
    const heard: string[] = [];
    receiver.on('message', (message) => heard.push(message));
    for (const text of ['one', 'two', 'three']) sender.send(text);
    const looped: string[] = [];
    for await (const message of receiver) {
      looped.push(message);
      // The rest is buffered by now or soon; close() must not cost the loop what it already holds.
      if (looped.length === 1) {
        await eventually(() => heard.length === 3, 2000, 'all three messages');
        await receiver.close();
      }
    }
    expect(looped).toEqual(['one', 'two', 'three']);
    expect(looped).toEqual(heard);
  });

  it('ends without throwing when the hub goes and reconnect is off, after the end event', async () => {
    const { hub, receiver, sender } = await relayPair({ reconnect: false });
    const events: string[] = [];
    receiver.on('end', (error) => events.push(`end:${error?.name ?? 'none'}`));
    sender.send('last words');
    const looped: string[] = [];
    for await (const message of receiver) {
      looped.push(message);
      events.push(`message:${message}`);
      void hub.close();
    }
    events.push('loop ended');
    // A text hub's farewell line is a message too: the loop sees all the message event does.
    const farewell = expect.stringMatching(/^\* server shutting down/) as string;
    expect(looped).toEqual(['last words', farewell]);
    expect(events).toEqual(['message:last words', `message:${looped[1] ?? ''}`, 'end:ConnectionLostError', 'loop ended']);
  });

  it('goes on across a reconnection, and ends when reconnecting gives up', async () => {
    const { hub, receiver, sender } = await relayPair({ reconnect: { ...quick, maxAttempts: 2 } });
    const looped: string[] = [];
    const loop = (async () => {
      for await (const message of receiver) looped.push(message);
    })();
    sender.send('before');
    await eventually(() => looped.length === 1, 2000, 'the first message');
    // Cut the receiver's connection alone: it comes back to the same hub.
    const [receiving] = [...hub.clients].filter((peer) => peer.messagesIn === 0);
    receiving?.destroy();
    await nextEvent(receiver, 'reconnect');
    await eventually(() => hub.clients.size === 2, 2000, 'the receiver back');
    sender.send('after');
    await eventually(() => looped.length === 2, 2000, 'the second message');
    // Now the hub goes for good: two attempts fail, the client ends, and so does the loop.
    const ended = nextEvent<[Error | undefined]>(receiver, 'end');
    await sender.close();
    await hub.close({ retryAfter: 0, retryJitter: 0 });
    const [error] = await ended;
    expect(error?.name).toBe('ReconnectFailedError');
    await loop;
    expect(looped).toEqual(['before', 'after', expect.stringMatching(/^\* server shutting down/)]);
  });

  it('stops buffering on break: the socket is never paused by a loop that is gone', async () => {
    const { receiver, sender } = await relayPair();
    let heard = 0;
    receiver.on('message', () => (heard += 1));
    sender.send('first');
    // A bound of 2: a loop left behind would pause the socket after two more messages.
    for await (const message of receiver.messages({ highWaterMark: 2 })) {
      expect(message).toBe('first');
      break;
    }
    // 200 KB: more than one read of the socket, so that a pause would show.
    for (let i = 0; i < 50; i += 1) sender.send(`more ${i} ${bulk}`);
    await eventually(() => heard === 51, 3000, 'every message after the break');
  });

  it('lets await using stop a loop at the end of its scope', async () => {
    const { receiver, sender } = await relayPair();
    let heard = 0;
    receiver.on('message', () => (heard += 1));
    {
      await using messages = receiver.messages({ highWaterMark: 1 });
      sender.send('first');
      expect(await messages.next()).toEqual({ done: false, value: 'first' });
    }
    for (let i = 0; i < 50; i += 1) sender.send(`more ${i} ${bulk}`);
    await eventually(() => heard === 51, 3000, 'every message after the scope');
  });

  it('throws an AbortError when its signal fires, and lets go of the socket', async () => {
    const { receiver, sender } = await relayPair();
    let heard = 0;
    receiver.on('message', () => (heard += 1));
    const controller = new AbortController();
    const looped: string[] = [];
    const loop = (async () => {
      for await (const message of receiver.messages({ signal: controller.signal, highWaterMark: 1 })) {
        looped.push(message);
        controller.abort('enough');
      }
    })();
    sender.send('one');
    sender.send('two');
    const failure = await loop.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AbortError);
    expect(failure).toMatchObject({ code: 'ERR_ABORTED', cause: 'enough' });
    expect(looped).toEqual(['one']);
    for (let i = 0; i < 50; i += 1) sender.send(`more ${i} ${bulk}`);
    await eventually(() => heard === 52, 3000, 'every message after the abort');
    // Already aborted: the first next() rejects.
    await expect(receiver.messages({ signal: AbortSignal.abort('no') }).next()).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: 'no' });
  });

  it('ends at once when taken from a client that is not running, or whose connect() fails', async () => {
    const idle = client({ port: await freePort() });
    expect(await idle.messages().next()).toEqual({ done: true, value: undefined });
    // Taken while connect() is under way: it waits for the connection, and ends with its failure.
    const connecting = idle.connect();
    const taken = idle.messages();
    await expect(connecting).rejects.toBeInstanceOf(ConnectError);
    expect(await taken.next()).toEqual({ done: true, value: undefined });

    const { receiver } = await relayPair();
    await receiver.close();
    expect(await receiver[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  });

  it('gives every loop every message', async () => {
    const { receiver, sender } = await relayPair();
    const a = receiver.messages();
    const b = receiver.messages();
    sender.send('x');
    sender.send('y');
    expect([await a.next(), await a.next()]).toEqual([
      { done: false, value: 'x' },
      { done: false, value: 'y' },
    ]);
    expect([await b.next(), await b.next()]).toEqual([
      { done: false, value: 'x' },
      { done: false, value: 'y' },
    ]);
    await a.return();
    await b.return();
  });

  it('rejects a highWaterMark that is not a whole number above 0', async () => {
    const { receiver } = await relayPair();
    expect(() => receiver.messages({ highWaterMark: 0 })).toThrow(new RangeError('highWaterMark must be a whole number, 1 or more, got 0'));
    expect(() => receiver.messages({ highWaterMark: 1.5 })).toThrow(RangeError);
    expect(() => receiver.messages({ signal: 'stop' as unknown as AbortSignal })).toThrow(new TypeError('signal must be an AbortSignal, got "stop"'));
  });
});

describe('backpressure of a slow loop', () => {
  it('pauses the socket while the loop is full, leaves the backlog at the hub, and delivers every message in order', async () => {
    // The hub must keep the backlog rather than cut the slow client: that is its policy to choose, not the test's.
    const { hub, port } = await startHub(track, { maxQueuedBytes: 64 * 1024 * 1024, softQueuedBytes: 0 });
    const receiver = client({ port });
    await receiver.connect();
    await eventually(() => hub.clients.size === 1, 2000, 'the client registered');
    const [peer] = hub.clients;
    if (peer === undefined) throw new Error('no peer');

    const highWaterMark = 8;
    const filler = 'x'.repeat(4000);
    const total = 4000; // 16 MB: far more than the kernel's buffers on both sides hold
    // One read of the socket brings at most 64 KiB: the messages in it are decoded even if the
    // socket pauses half-way, so they may come on top of the mark.
    const bound = highWaterMark + Math.ceil((64 * 1024) / filler.length) + 1;
    const messages = receiver.messages({ highWaterMark });
    let most = 0;
    receiver.on('message', () => {
      most = Math.max(most, messages.buffered);
    });
    for (let i = 0; i < total; i += 1) hub.broadcast(`${i} ${filler}`);

    // The loop has not started: the client stops reading once it holds the mark.
    await eventually(() => messages.buffered >= highWaterMark, 3000, 'the loop to be full');
    // Give a client that did not pause every chance to read on: it would take all 16 MB.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(messages.buffered).toBeLessThanOrEqual(bound);
    // What the client did not read waits at the hub.
    expect(peer.bytesQueued).toBeGreaterThan(4 * 1024 * 1024);

    const seen: number[] = [];
    for await (const message of messages) {
      seen.push(Number(message.slice(0, message.indexOf(' '))));
      // A slow loop: it yields to the event loop after every message, and sleeps now and then.
      await new Promise((resolve) => setImmediate(resolve));
      if (seen.length % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      if (seen.length === total) break;
    }
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(most).toBeLessThanOrEqual(bound);
    expect(peer.bytesQueued).toBe(0);
  });

  // A socket left paused could never read the hub's end of the stream, and close() would wait
  // out its 5 s deadline: the test's own timeout, shorter, catches that.
  it('lets close() finish while the loop is full: the loop yields what it held, then ends', { timeout: 4000 }, async () => {
    const { hub, port } = await startHub(track, { maxQueuedBytes: 64 * 1024 * 1024, softQueuedBytes: 0 });
    const receiver = client({ port });
    await receiver.connect();
    await eventually(() => hub.clients.size === 1, 2000, 'the client registered');
    const messages = receiver.messages({ highWaterMark: 4 });
    const filler = 'z'.repeat(4000);
    for (let i = 0; i < 2000; i += 1) hub.broadcast(`${i} ${filler}`);
    await eventually(() => messages.buffered >= 4, 3000, 'the loop to be full');
    const held = messages.buffered;
    await receiver.close();
    let yielded = 0;
    for await (const message of messages) {
      expect(message.startsWith(`${yielded} `)).toBe(true);
      yielded += 1;
    }
    expect(yielded).toBe(held);
  });
});

describe('for await (const message of jsonChatClient)', () => {
  it('yields the ChatMessage of each message event, not direct messages, and ends on close()', async () => {
    const { port } = await startHub(track, { framing: 'json' });
    const ada = jsonClient({ port, nick: 'ada' });
    await ada.connect();
    const bob = jsonClient({ port, nick: 'bob' });
    await bob.connect();
    const heard: ChatMessage[] = [];
    ada.on('message', (message) => heard.push(message));
    const directs: string[] = [];
    ada.on('direct', (message) => directs.push(message.text));
    const looped: ChatMessage[] = [];
    const loop = (async () => {
      for await (const message of ada) looped.push(message);
    })();
    bob.send('hello');
    bob.sendTo('ada', 'psst');
    bob.send('/me waves');
    await eventually(() => heard.length === 2 && directs.length === 1, 2000, 'the messages');
    await ada.close();
    await loop;
    expect(looped.map((message) => [message.sender, message.text, message.action])).toEqual([
      ['bob', 'hello', false],
      ['bob', 'waves', true],
    ]);
    // The very objects the event carried.
    expect(looped[0]).toBe(heard[0]);
    expect(looped[1]).toBe(heard[1]);
    expect(directs).toEqual(['psst']);
  });

  it('pauses the JSON client too while its loop is full', async () => {
    const { hub, port } = await startHub(track, { framing: 'json', maxQueuedBytes: 64 * 1024 * 1024, softQueuedBytes: 0 });
    const ada = jsonClient({ port, nick: 'ada' });
    await ada.connect();
    const bob = jsonClient({ port, nick: 'bob' });
    await bob.connect();
    const adaPeer = [...hub.clients].find((peer) => peer.nick === 'ada');
    if (adaPeer === undefined) throw new Error('no peer');
    const messages = ada.messages({ highWaterMark: 4 });
    let heard = 0;
    ada.on('message', () => (heard += 1));
    const total = 4000;
    // Under the hub's 4000 characters a message: 16 MB in all.
    const filler = 'y'.repeat(3900);
    for (let i = 0; i < total; i += 1) bob.send(`${i} ${filler}`);
    await eventually(() => messages.buffered >= 4, 3000, 'the loop to be full');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // 16 MB sent, and the client stopped reading after a few envelopes.
    expect(heard).toBeLessThan(total / 2);
    expect(adaPeer.bytesQueued).toBeGreaterThan(0);
    let next = 0;
    for await (const message of messages) {
      expect(message.text.startsWith(`${next} `)).toBe(true);
      next += 1;
      if (next === total) break;
    }
    expect(heard).toBe(total);
  });
});
