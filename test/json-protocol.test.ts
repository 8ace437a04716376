import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AlreadyConnectedError,
  BroadcastChatError,
  ConnectError,
  ConnectionLostError,
  JsonChatClient,
  RefusedError,
  type ChatMessage,
  type DirectMessage,
  type ErrorEnvelope,
  type JoinEnvelope,
  type JsonChatClientOptions,
  type NickEnvelope,
  type SystemEnvelope,
} from '../src/index.js';
import { before, closeAll, hubOn, jsonClient, lineMatching, namedPeer, open, rawPeer, settle } from './helpers/chat.js';
import { eventually, nextEvent } from './helpers/sockets.js';

afterEach(closeAll);

describe('the json framing', () => {
  it('welcomes a JSON client with its name and relays structured messages', async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    expect(hub.isChat).toBe(true);
    const alice = await jsonClient(port, { nick: 'alice' });
    const bob = await jsonClient(port, { nick: 'bob' });
    expect(alice.nick).toBe('alice');
    expect(alice.room).toBe('lobby');
    const received = nextEvent<[ChatMessage]>(bob, 'message');
    alice.send('hello bob');
    const [message] = await received;
    expect(message).toMatchObject({ sender: 'alice', room: 'lobby', text: 'hello bob', action: false });
    expect(message.id).toMatch(/^[0-9a-f]{8}-\w+$/);
    expect(message.time.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('runs join, leave, nick and direct envelopes through the same commands as their slash forms', async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    const bob = await jsonClient(port, { nick: 'bob' });
    const seen: string[] = [];
    hub.on('message', (text, peer) => seen.push(`${peer.nick}:${text}`));

    const joined = nextEvent<[JoinEnvelope]>(alice, 'join');
    alice.join('dev');
    expect((await joined)[0]).toMatchObject({ nick: 'alice', room: 'dev' });
    expect(alice.room).toBe('dev');
    expect([...alice.rooms]).toEqual(['lobby', 'dev']);

    const renamed = nextEvent<[NickEnvelope]>(bob, 'nick');
    alice.rename('alicia');
    expect((await renamed)[0]).toMatchObject({ from: 'alice', nick: 'alicia' });
    await eventually(() => alice.nick === 'alicia', 2000, 'alice to learn her new name');

    const direct = nextEvent<[DirectMessage]>(bob, 'direct');
    alice.sendTo('bob', 'just you');
    expect((await direct)[0]).toMatchObject({ sender: 'alicia', to: 'bob', text: 'just you' });

    const left = nextEvent<[JoinEnvelope]>(alice, 'leave');
    alice.leave('dev');
    expect((await left)[0]).toMatchObject({ nick: 'alicia', room: 'dev' });
    expect(alice.room).toBe('lobby');
    expect(seen).toEqual(['alice:/join dev', 'alice:/nick alicia', 'alicia:/msg bob just you', 'alicia:/leave dev']);
  });

  it('answers commands with system envelopes that list names', async () => {
    const { port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    await jsonClient(port, { nick: 'bob' });
    const answer = nextEvent<[SystemEnvelope]>(alice, 'system');
    alice.command('/who');
    expect((await answer)[0]).toMatchObject({ text: 'in lobby: alice, bob', names: ['alice', 'bob'] });
  });

  it('refuses a taken nickname at connect', async () => {
    const { port } = await hubOn({ framing: 'json' });
    await jsonClient(port, { nick: 'alice' });
    await expect(jsonClient(port, { nick: 'Alice' })).rejects.toMatchObject({ code: 'ERR_NAME_TAKEN' });
  });

  it('refuses a message to a room the sender is not in', async () => {
    const { port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    const refused = nextEvent<[ErrorEnvelope]>(alice, 'refused');
    alice.send('hi', 'elsewhere');
    expect((await refused)[0]).toMatchObject({ code: 'ERR_NOT_IN_ROOM' });
  });
});

describe('plain-text and JSON clients in one chat', () => {
  it('share messages, rooms, direct messages and notices', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const carol = await namedPeer(hub, port, 'carol');
    const alice = await jsonClient(port, { nick: 'alice' });
    expect(await lineMatching(carol, 'alice')).toMatch(/joined lobby|known as alice/);

    const fromCarol = nextEvent<[ChatMessage]>(alice, 'message');
    carol.write('hi from nc\n');
    expect((await fromCarol)[0]).toMatchObject({ sender: 'carol', room: 'lobby', text: 'hi from nc' });

    alice.send('hi from json');
    expect(await lineMatching(carol, 'hi from json')).toBe('alice: hi from json');

    alice.sendTo('carol', 'secret');
    expect(await lineMatching(carol, 'secret')).toBe('[dm] alice: secret');

    const dm = nextEvent<[DirectMessage]>(alice, 'direct');
    carol.write('/msg alice back at you\n');
    expect((await dm)[0]).toMatchObject({ sender: 'carol', to: 'alice', text: 'back at you' });

    const action = nextEvent<[ChatMessage]>(alice, 'message');
    carol.write('/me waves\n');
    expect((await action)[0]).toMatchObject({ sender: 'carol', text: 'waves', action: true });

    const aliceJoined = nextEvent<[JoinEnvelope]>(alice, 'join');
    alice.join('dev');
    await aliceJoined;
    // The relay runs right after the message event, so once it fires the message is out.
    const said = nextEvent<[string]>(hub, 'message');
    alice.send('in dev');
    expect((await said)[0]).toBe('in dev');
    const carolJoined = nextEvent<[JoinEnvelope]>(alice, 'join');
    carol.write('/join dev\n');
    expect((await carolJoined)[0]).toMatchObject({ nick: 'carol', room: 'dev' });
    alice.send('now you hear me');
    expect(await lineMatching(carol, 'now you hear me')).toBe('[dev] alice: now you hear me');
    await settle([carol], hub);
    expect(before(carol).some((line) => line.includes('in dev'))).toBe(false);
  });

  it('keeps a JSON message with newlines on one line for text peers', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const carol = await namedPeer(hub, port, 'carol');
    const alice = await jsonClient(port, { nick: 'alice' });
    alice.send('line one\ncarol: forged\r\nend');
    expect(await lineMatching(carol, 'line one')).toBe('alice: line one carol: forged  end');
    await settle([carol], hub);
    expect(before(carol).filter((line) => line.startsWith('carol:'))).toEqual([]);
  });

  it('does not greet a mixed-framing peer before it has spoken', async () => {
    const { hub, port } = await hubOn({ framing: 'mixed' });
    const quiet = await rawPeer(hub, port);
    await jsonClient(port, { nick: 'alice' });
    await settle([quiet], hub);
    // It heard only the host's marker: no welcome, no join notice in a framing it may not speak.
    expect(before(quiet)).toEqual([]);
  });
});

/** A plain TCP server standing in for a JSON hub: records every line each connection sends; `onLine` answers it. */
async function fakeJsonHub(onLine: (socket: Socket, line: string, connection: number) => void = () => undefined): Promise<{ port: number; connections: string[][]; sockets: Socket[] }> {
  const connections: string[][] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    const lines: string[] = [];
    const connection = connections.push(lines) - 1;
    sockets.push(socket);
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        lines.push(line);
        onLine(socket, line, connection);
      }
    });
  });
  open.push({
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections, sockets };
}

/** Answers a `hello` as a hub does: a welcome granting the nickname asked for. */
function welcome(socket: Socket, line: string): void {
  const envelope = JSON.parse(line) as { type: string; nick?: string };
  if (envelope.type !== 'hello') return;
  const nick = envelope.nick ?? 'guest-1';
  socket.write(`${JSON.stringify({ v: 1, type: 'system', text: `welcome, ${nick}`, nick, room: 'lobby', ts: Date.now() })}\n`);
}

/** A JSON client, not yet connected, closed after the test. */
function newJsonClient(options: JsonChatClientOptions): JsonChatClient {
  const client = new JsonChatClient({ host: '127.0.0.1', ...options });
  open.push(client);
  return client;
}

describe('JsonChatClient.connect()', () => {
  it("rejects a refused nickname with a RefusedError carrying the hub's code and message, and closes", async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    await jsonClient(port, { nick: 'alice' });
    const impostor = newJsonClient({ port, nick: 'Alice', reconnect: false });
    const refusals: ErrorEnvelope[] = [];
    impostor.on('refused', (event) => refusals.push(event));
    const error = await impostor.connect().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RefusedError);
    expect(error).toBeInstanceOf(BroadcastChatError);
    expect(error).toMatchObject({ name: 'RefusedError', code: 'ERR_NAME_TAKEN', hubCode: 'ERR_NAME_TAKEN', message: refusals[0]?.message });
    expect((error as Error).message).toMatch(/alice/i);
    expect(impostor.isConnected).toBe(false);
    await eventually(() => hub.clients.size === 1, 2000, 'the refused client to be gone');
  });

  it("keeps a code that is not the library's as hubCode, with code ERR_REFUSED", async () => {
    const { hub, port } = await hubOn({ framing: 'json' });
    hub.use((ctx) => {
      if (ctx.envelope?.type === 'hello') ctx.refuse('ERR_NOT_TODAY', 'not today');
    });
    const error = await newJsonClient({ port, nick: 'mallory', reconnect: false })
      .connect()
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RefusedError);
    expect(error).toMatchObject({ code: 'ERR_REFUSED', hubCode: 'ERR_NOT_TODAY', message: 'not today' });
  });

  it('rejects with a ConnectError when no welcome comes within connectTimeout, and closes', async () => {
    const { port, sockets } = await fakeJsonHub();
    const client = newJsonClient({ port, connectTimeout: 100, reconnect: false });
    const error = await client.connect().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: 'ERR_CONNECT_FAILED', host: '127.0.0.1', port, cause: expect.any(Error) as Error });
    expect((error as Error).message).toBe(`could not connect to 127.0.0.1:${port}: connected, but no welcome from the hub within 100 ms`);
    expect(client.isConnected).toBe(false);
    await eventually(() => sockets[0]?.readableEnded === true, 2000, 'the client to close its connection');
  });

  it('rejects with a ConnectError whose cause is a ConnectionLostError when the hub closes first, and does not reconnect', async () => {
    const { port, connections } = await fakeJsonHub((socket, line) => {
      if (!line.includes('"hello"')) return;
      // The first client's hub just hangs up; the second's says why.
      if (connections.length === 1) socket.end();
      else socket.end(`${JSON.stringify({ v: 1, type: 'bye', reason: 'shutdown', message: 'going away', ts: Date.now() })}\n`);
    });
    const silent = await newJsonClient({ port, nick: 'alice' })
      .connect()
      .catch((thrown: unknown) => thrown);
    expect(silent).toBeInstanceOf(ConnectError);
    expect(silent).toMatchObject({ code: 'ERR_CONNECT_FAILED', port });
    expect((silent as Error).cause).toBeInstanceOf(ConnectionLostError);
    expect((silent as Error).cause).toMatchObject({ reason: 'hub-closed', bye: undefined });
    expect((silent as Error).message).toBe(`could not connect to 127.0.0.1:${port}: the connection to the hub was lost (hub-closed)`);

    const told = newJsonClient({ port, nick: 'bob' });
    const error = await told.connect().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).cause).toMatchObject({ reason: 'shutdown', bye: { reason: 'shutdown', message: 'going away' } });
    expect((error as Error).message).toContain('the hub said bye (shutdown): going away');
    expect(told.isReconnecting).toBe(false);
    // Reconnecting (on by default) never starts for a connect() that failed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(connections).toHaveLength(2);
  });

  it('rejects a second connect() with an AlreadyConnectedError, leaving the connection up', async () => {
    const { port } = await hubOn({ framing: 'json' });
    const alice = await jsonClient(port, { nick: 'alice' });
    await expect(alice.connect()).rejects.toBeInstanceOf(AlreadyConnectedError);
    expect(alice.isConnected).toBe(true);
    expect(alice.nick).toBe('alice');
  });

  it('sends one hello carrying both nick and token, on connect and on each reconnection', async () => {
    const { port, connections, sockets } = await fakeJsonHub(welcome);
    const hello = { v: 1, type: 'hello', nick: 'alice', token: 's3cret' };
    const client = newJsonClient({ port, nick: 'alice', token: 's3cret', reconnect: { initialDelay: 10 } });
    await client.connect();
    expect(client.nick).toBe('alice');
    // A marker sent afterwards arrives after anything the client sent while connecting.
    client.send('marker 1');
    await eventually(() => connections[0]?.some((line) => line.includes('marker 1')) === true, 2000, 'the first marker');
    expect(connections[0]?.map((line) => JSON.parse(line) as unknown)).toEqual([hello, { v: 1, type: 'message', text: 'marker 1' }]);

    const reconnected = nextEvent<[number]>(client, 'reconnect');
    sockets[0]?.destroy();
    await reconnected;
    expect(client.nick).toBe('alice');
    client.send('marker 2');
    await eventually(() => connections[1]?.some((line) => line.includes('marker 2')) === true, 2000, 'the second marker');
    expect(connections[1]?.map((line) => JSON.parse(line) as unknown)).toEqual([hello, { v: 1, type: 'message', text: 'marker 2' }]);
  });
});
