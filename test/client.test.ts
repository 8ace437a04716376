import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AlreadyConnectedError,
  BroadcastChatError,
  ChatClient,
  ConnectError,
  describeSocketError,
  MessageTooLargeError,
  NotConnectedError,
  type DisconnectReason,
  type FramingError,
  type HubBye,
} from '../src/internals.js';
import { closeAfterEach, tcpHandles } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { freePort } from './fixtures/spawned.js';

const track = closeAfterEach();

function client<T = string>(made: ChatClient<T>): ChatClient<T> {
  return track(made, (c) => c.close());
}


/** A plain TCP server standing in for a hub that misbehaves: `onSocket` decides what it does. */
async function fakeHub(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  track(server, (s) => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => s.close(resolve));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

describe('ChatClient.connect()', () => {
  it('rejects with a readable ConnectError when no hub listens, leaving no handle and no event behind', async () => {
    const port = await freePort();
    const before = tcpHandles();
    const chat = client(new ChatClient({ host: '127.0.0.1', port }));
    const events: string[] = [];
    chat.on('connect', () => events.push('connect'));
    chat.on('disconnect', () => events.push('disconnect'));
    const failure = await chat.connect().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectError);
    expect(failure).toMatchObject({ code: 'ERR_CONNECT_FAILED', host: '127.0.0.1', port, cause: { code: 'ECONNREFUSED' } });
    expect((failure as Error).message).toBe(`could not connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
    expect(chat.isConnected).toBe(false);
    expect(tcpHandles()).toBeLessThanOrEqual(before);
    expect(() => chat.send('x')).toThrow(NotConnectedError);
    await chat.close();
    expect(events).toEqual([]);
  });

  it('can try again after a refusal', async () => {
    const chat = client(new ChatClient({ host: '127.0.0.1', port: await freePort() }));
    await expect(chat.connect()).rejects.toBeInstanceOf(ConnectError);
    const { port } = await startHub(track);
    const retry = client(new ChatClient({ host: '127.0.0.1', port }));
    await retry.connect();
    expect(retry.isConnected).toBe(true);
  });

  it('honours an AbortSignal, already aborted or aborted while connecting', async () => {
    const { port } = await startHub(track);
    const before = tcpHandles();
    const early = client(new ChatClient({ host: '127.0.0.1', port }));
    await expect(early.connect({ signal: AbortSignal.abort('stop') })).rejects.toMatchObject({ code: 'ERR_ABORTED', cause: 'stop' });
    const late = client(new ChatClient({ host: '127.0.0.1', port }));
    const controller = new AbortController();
    const pending = late.connect({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(late.isConnected).toBe(false);
    await eventually(() => tcpHandles() <= before, 2000, 'no TCP handle left');
  });

  it('rejects a second connect() with an AlreadyConnectedError while connecting or connected, and allows one after close()', async () => {
    const { port } = await startHub(track);
    const chat = client(new ChatClient({ host: '127.0.0.1', port }));
    const first = chat.connect();
    const whileConnecting = await chat.connect().catch((error: unknown) => error);
    expect(whileConnecting).toBeInstanceOf(AlreadyConnectedError);
    expect(whileConnecting).toBeInstanceOf(BroadcastChatError);
    expect(whileConnecting).toMatchObject({ code: 'ERR_ALREADY_CONNECTED', name: 'AlreadyConnectedError' });
    await first;
    await expect(chat.connect()).rejects.toMatchObject({ code: 'ERR_ALREADY_CONNECTED' });
    // The connection the first call opened is untouched.
    expect(chat.isConnected).toBe(true);
    await chat.close();
    await chat.connect();
    expect(chat.isConnected).toBe(true);
  });

  it('describes socket errors in words, IPv6 hosts in brackets', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' });
    expect(new ConnectError('::1', 9, refused).message).toBe('could not connect to [::1]:9: connection refused (ECONNREFUSED)');
    expect(describeSocketError(new AggregateError([refused], ''))).toBe('connection refused (ECONNREFUSED)');
    expect(describeSocketError(Object.assign(new Error(''), { code: 'EWHATEVER' }))).toBe('EWHATEVER');
    expect(describeSocketError('plain')).toBe('plain');
  });
});

describe('ChatClient.send()', () => {
  it('throws NotConnectedError before connect() and after close()', async () => {
    const { port } = await startHub(track);
    const chat = client(new ChatClient({ host: '127.0.0.1', port }));
    expect(() => chat.send('too early')).toThrow(NotConnectedError);
    expect(() => chat.send('too early')).toThrow(expect.objectContaining({ code: 'ERR_NOT_CONNECTED' }) as Error);
    await chat.connect();
    expect(chat.send('fine')).toBe(true);
    const closing = chat.close();
    expect(() => chat.send('too late')).toThrow(NotConnectedError);
    await closing;
  });

  it('close() delivers everything sent, even what backpressure held back', async () => {
    let received = 0;
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const { port, sockets } = await fakeHub((socket) => {
      socket.pause();
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.on('end', () => {
        ended();
        socket.end();
      });
    });
    const chat = client(new ChatClient({ host: '127.0.0.1', port }));
    await chat.connect();
    await eventually(() => sockets.length === 1);
    const line = 'c'.repeat(999);
    const turns = 16;
    const perTurn = 1000;
    for (let turn = 0; turn < turns; turn += 1) {
      for (let index = 0; index < perTurn; index += 1) chat.send(line);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const closed = chat.close();
    sockets[0]?.resume();
    await done;
    await closed;
    expect(received).toBe(turns * perTurn * (line.length + 1));
  });
});

describe('ChatClient disconnect reasons', () => {
  it("reports 'closed' when it closes itself, 'hub-closed' when the hub just goes, and the reason a text hub gives", async () => {
    const { hub, port } = await startHub(track);
    const mine = client(new ChatClient({ host: '127.0.0.1', port, reconnect: false }));
    const cut = client(new ChatClient({ host: '127.0.0.1', port, reconnect: false }));
    const theirs = client(new ChatClient({ host: '127.0.0.1', port, reconnect: false }));
    // One at a time, so that hub.clients (in arrival order) lists them in this order.
    for (const [index, chat] of [mine, cut, theirs].entries()) {
      await chat.connect();
      await eventually(() => hub.clients.size === index + 1);
    }
    const cutPeer = [...hub.clients][1];
    const mineGone = nextEvent<[DisconnectReason, Error | undefined]>(mine, 'disconnect');
    await mine.close();
    expect(await mineGone).toEqual(['closed', undefined]);
    expect(mine.isConnected).toBe(false);
    // destroy() says nothing: the client only sees the connection end.
    const cutGone = nextEvent<[DisconnectReason, Error | undefined]>(cut, 'disconnect');
    cutPeer?.destroy();
    expect(await cutGone).toEqual(['hub-closed', undefined]);
    const bye = nextEvent<[HubBye]>(theirs, 'bye');
    const theirsGone = nextEvent<[DisconnectReason, Error | undefined]>(theirs, 'disconnect');
    await hub.close({ retryAfter: 3000, retryJitter: 0 });
    expect(await bye).toEqual([{ reason: 'shutdown', message: 'server shutting down; reconnect in 3 s', retryAfterMs: 3000 }]);
    expect(await theirsGone).toEqual(['shutdown', undefined]);
    expect(theirs.isConnected).toBe(false);
  });

  it('takes a farewell line for a chat message unless the connection closes right after it', async () => {
    const { hub, port } = await startHub(track);
    const spoofer = client(new ChatClient({ host: '127.0.0.1', port, reconnect: false }));
    const victim = client(new ChatClient({ host: '127.0.0.1', port, reconnect: false }));
    await spoofer.connect();
    await eventually(() => hub.clients.size === 1);
    await victim.connect();
    await eventually(() => hub.clients.size === 2);
    const victimPeer = [...hub.clients][1];
    const byes: HubBye[] = [];
    victim.on('bye', (bye) => byes.push(bye));
    const spoofed = nextEvent<[string]>(victim, 'message');
    spoofer.send('* disconnected: kicked (closed by the server)');
    // The hub defuses a line that reads as its own goodbye.
    expect(await spoofed).toEqual(['\\* disconnected: kicked (closed by the server)']);
    const after = nextEvent<[string]>(victim, 'message');
    spoofer.send('just kidding');
    await after;
    const gone = nextEvent<[DisconnectReason, Error | undefined]>(victim, 'disconnect');
    victimPeer?.destroy();
    expect(await gone).toEqual(['hub-closed', undefined]);
    expect(byes).toEqual([]);
  });

  it("reports 'reset' when the hub resets the connection", async () => {
    const { port, sockets } = await fakeHub(() => undefined);
    const chat = client(new ChatClient({ host: '127.0.0.1', port }));
    await chat.connect();
    await eventually(() => sockets.length === 1);
    const gone = nextEvent<[DisconnectReason, Error | undefined]>(chat, 'disconnect');
    sockets[0]?.resetAndDestroy();
    const [reason, error] = await gone;
    expect(reason).toBe('reset');
    expect(error).toMatchObject({ code: 'ECONNRESET' });
  });

  it('works with await using', async () => {
    const { hub, port } = await startHub(track);
    let seen: ChatClient | undefined;
    {
      await using chat = new ChatClient({ host: '127.0.0.1', port });
      seen = chat;
      await chat.connect();
      await eventually(() => hub.clients.size === 1);
    }
    expect(seen.isConnected).toBe(false);
    await eventually(() => hub.clients.size === 0, 2000, 'the hub to see the client go');
  });
});

describe('ChatClient framings', () => {
  it('round-trips binary Buffers through a length-framed hub', async () => {
    const { port } = await startHub<Buffer>(track, { framing: 'length' });
    const sender = client(new ChatClient<Buffer>({ host: '127.0.0.1', port, framing: 'length' }));
    const receiver = client(new ChatClient<Buffer>({ host: '127.0.0.1', port, framing: 'length' }));
    await sender.connect();
    await receiver.connect();
    const got: Buffer[] = [];
    receiver.on('message', (message) => got.push(message));
    const sent = [
      Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)),
      Buffer.alloc(0),
      Buffer.from('\n\r\n\0', 'latin1'),
      randomBytes(60_000),
      Buffer.from([0xff, 0xfe, 0xc3]),
    ];
    for (const message of sent) sender.send(message);
    await eventually(() => got.length === sent.length, 5000, 'every message');
    expect(got).toEqual(sent);
    for (const message of got) expect(Buffer.isBuffer(message)).toBe(true);
  });

  it("an 'auto' client learns that a raw-speaking server sends bare text, and answers in kind", async () => {
    const heard: Buffer[] = [];
    const { port } = await fakeHub((socket) => {
      socket.write('welcome, no newline');
      socket.on('data', (chunk: Buffer) => heard.push(chunk));
    });
    const chat = client(new ChatClient({ host: '127.0.0.1', port, framing: 'auto' }));
    const first = nextEvent<[string]>(chat, 'message');
    await chat.connect();
    expect(await first).toEqual(['welcome, no newline']);
    expect(chat.framing).toBe('raw');
    chat.send('hi there');
    await eventually(() => Buffer.concat(heard).length >= 8, 2000, 'the server to hear');
    expect(Buffer.concat(heard).toString()).toBe('hi there');
  });

  it("drops a message over its maxMessageBytes and reports it on 'error' when listened to", async () => {
    const { port } = await fakeHub((socket) => {
      socket.write(`${'z'.repeat(100)}\nsmall\n`);
    });
    const chat = client(new ChatClient({ host: '127.0.0.1', port, maxMessageBytes: 16 }));
    const errors: FramingError[] = [];
    chat.on('error', (error) => errors.push(error));
    const message = nextEvent<[string]>(chat, 'message');
    await chat.connect();
    expect(await message).toEqual(['small']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MessageTooLargeError);
  });
});
