import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BroadcastHub, DisconnectReason, HubOptions } from '../src/index.js';
import { attachWebSocket, closeMeaning, type AttachWebSocketOptions, type UpgradeRefusal } from '../src/websocket.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { selfSignedCertificate } from './helpers/tls.js';
import { needs } from './helpers/tools.js';
import { httpServer, WsPeer } from './helpers/websocket.js';

const track = closeAfterEach();

interface Setup {
  hub: BroadcastHub;
  tcpPort: number;
  server: Server;
  url: string;
  disconnects: DisconnectReason[];
}

/** A chat hub on TCP (`mixed`), with a WebSocket door on an HTTP server of its own. */
async function setup(hubOptions: HubOptions = {}, door: Partial<AttachWebSocketOptions> = {}): Promise<Setup> {
  const { hub, port: tcpPort } = await startHub(track, { chat: true, framing: 'mixed', ...hubOptions });
  const { server, port } = await httpServer(track);
  track(attachWebSocket(hub, { server, path: '/chat', ...door }), (d) => d.close({ drainTimeout: 500 }));
  const disconnects: DisconnectReason[] = [];
  hub.on('disconnect', (_peer, reason) => disconnects.push(reason));
  return { hub, tcpPort, server, url: `ws://127.0.0.1:${port}/chat`, disconnects };
}

async function wsUser(url: string, nick: string, options: Parameters<typeof WsPeer.open>[1] = {}): Promise<WsPeer> {
  const peer = track(await WsPeer.open(url, options), (p) => {
    p.close();
  });
  peer.send({ type: 'hello', nick });
  await eventually(() => peer.ofType('nick').some((event) => event.nick === nick), 5000, `${nick}'s name`);
  return peer;
}

async function tcpUser(port: number, nick: string): Promise<RawPeer> {
  const peer = track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  peer.write(`/nick ${nick}\n`);
  await peer.until((received) => received.toString('utf8').includes(`is now known as ${nick}`));
  return peer;
}

describe('attachWebSocket', () => {
  it('puts WebSocket users in the chat of the TCP users, each seeing the others with their names', async () => {
    const { hub, tcpPort, url } = await setup();
    const web = await wsUser(url, 'web');
    const nc = await tcpUser(tcpPort, 'nc');
    expect([...hub.clients].map((peer) => peer.framing).sort()).toEqual(['line', 'websocket']);
    web.send({ type: 'message', text: 'hello from the web' });
    await nc.until((received) => received.toString('utf8').includes('web: hello from the web\n'));
    nc.write('hello from nc\n');
    await eventually(() => web.ofType('message').some((message) => message.sender === 'nc' && message.text === 'hello from nc'), 5000, 'the message from nc');
    // Slash commands typed as in a terminal work the same.
    web.send({ type: 'message', text: '/join dev' });
    await eventually(() => web.ofType('join').some((event) => event.nick === 'web' && event.room === 'dev'), 5000, 'the join');
  });

  it('replays a room to a WebSocket user who types /history, marked as history', async () => {
    const { tcpPort, url } = await setup({ history: { messages: 10, replayOnJoin: 0 } });
    const nc = await tcpUser(tcpPort, 'nc');
    nc.write('one\ntwo\nthree\n');
    const web = await wsUser(url, 'web');
    web.send({ type: 'message', text: '/history 2' });
    await eventually(() => web.ofType('system').some((event) => event.replayed === 2), 5000, 'the end of the replay');
    expect(web.ofType('message').map((message) => [message.text, message.history])).toEqual([
      ['two', true],
      ['three', true],
    ]);
    expect(web.ofType('error')).toEqual([]);
  });

  it('refuses a foreign Origin with 403 before the upgrade, and lets same-origin, listed and Origin-less clients in', async () => {
    const { hub, url } = await setup({}, { origins: ['http://chat.test:8080'] });
    const refused: UpgradeRefusal[] = [];
    const foreign = track(await WsPeer.open(url, { origin: 'http://evil.test' }), (p) => {
      p.close();
    });
    expect(foreign.refusedStatus).toBe(403);
    const listed = track(await WsPeer.open(url, { origin: 'http://chat.test:8080' }), (p) => {
      p.close();
    });
    const bare = track(await WsPeer.open(url), (p) => {
      p.close();
    });
    expect(listed.refusedStatus).toBeUndefined();
    expect(bare.refusedStatus).toBeUndefined();
    await eventually(() => hub.clients.size === 2, 5000, 'two clients');

    // The default: the page's own host only.
    const { server: sameServer, url: sameUrl } = await setup();
    const door = attachWebSocket(hub, { server: sameServer, path: '/other' });
    door.on('refused', (_request, reason) => refused.push(reason));
    track(door, (d) => d.close());
    const host = new URL(sameUrl).host;
    const same = track(await WsPeer.open(sameUrl.replace('/chat', '/other'), { origin: `http://${host}` }), (p) => {
      p.close();
    });
    const other = track(await WsPeer.open(sameUrl.replace('/chat', '/other'), { origin: 'http://localhost:1' }), (p) => {
      p.close();
    });
    expect(same.refusedStatus).toBeUndefined();
    expect(other.refusedStatus).toBe(403);
    expect(refused).toEqual(['origin']);
  });

  it('closes a frame over maxMessageBytes with 1009, reports too-large, and the others go on', async () => {
    // maxPayload given as the hub's maxMessageBytes: the door reads it from the hub once the hub exposes it.
    const { tcpPort, url, disconnects } = await setup({ maxMessageBytes: 1024 }, { maxPayload: 1024 });
    const big = await wsUser(url, 'big');
    const web = await wsUser(url, 'web');
    const nc = await tcpUser(tcpPort, 'nc');
    big.send({ type: 'message', text: 'x'.repeat(2000) });
    await eventually(() => big.closed !== undefined, 5000, 'the close');
    expect(big.closed?.code).toBe(1009);
    await eventually(() => disconnects.includes('too-large'), 5000, 'the disconnect');
    web.send({ type: 'message', text: 'still here' });
    await nc.until((received) => received.toString('utf8').includes('web: still here\n'));
    nc.write('me too\n');
    await eventually(() => web.ofType('message').some((message) => message.text === 'me too'), 5000, 'the answer');
    // A message of exactly the limit is not too large.
    const text = 'y'.repeat(1024 - JSON.stringify({ v: 1, type: 'message', text: '' }).length);
    web.send({ type: 'message', text });
    await nc.until((received) => received.toString('utf8').includes(`web: ${text}\n`));
  });

  it('says goodbye with a bye and a close code: 1008 with the reason for a kick, 1001 with the retry hint at shutdown', async () => {
    const { hub, url, disconnects } = await setup();
    const kicked = await wsUser(url, 'kicked');
    const stays = await wsUser(url, 'stays');
    hub.findPeer('kicked')?.close('kicked', 'enough');
    await eventually(() => kicked.closed !== undefined, 5000, 'the kick');
    expect(kicked.closed).toEqual({ code: 1008, reason: 'kicked: enough' });
    expect(kicked.ofType('bye')).toMatchObject([{ reason: 'kicked', message: 'enough' }]);
    await hub.close({ retryAfter: 2000, retryJitter: 0, drainTimeout: 2000 });
    expect(stays.closed).toEqual({ code: 1001, reason: 'shutdown retry=2000: server shutting down; reconnect in 2 s' });
    expect(stays.ofType('bye')).toMatchObject([{ reason: 'shutdown', retryAfterMs: 2000 }]);
    expect(closeMeaning(stays.closed?.code ?? 0, stays.closed?.reason ?? '')).toEqual({ reason: 'shutdown', retryAfterMs: 2000 });
    expect(disconnects.sort()).toEqual(['kicked', 'shutdown']);
  });

  it('closes with the goodbye\'s code when the goodbye leaves in one write with the messages before it', async () => {
    const { hub, url, disconnects } = await setup();
    const kicked = await wsUser(url, 'kicked');
    // In one turn: the broadcasts and the bye are framed once each and joined into one buffer for this peer.
    hub.broadcast('first');
    hub.broadcast('second');
    hub.findPeer('kicked')?.close('kicked', 'enough');
    await eventually(() => kicked.closed !== undefined, 5000, 'the kick');
    expect(kicked.ofType('system').map((event) => event.text)).toEqual(expect.arrayContaining(['first', 'second']));
    expect(kicked.ofType('bye')).toMatchObject([{ reason: 'kicked', message: 'enough' }]);
    expect(kicked.closed).toEqual({ code: 1008, reason: 'kicked: enough' });
    expect(disconnects).toEqual(['kicked']);
  });

  needs('openssl').it('writes its frames through TLS too (wss), in order with ws\'s close frame', async () => {
    const { hub, port: tcpPort } = await startHub(track, { chat: true, framing: 'mixed' });
    const { key, cert } = selfSignedCertificate();
    const server = track(createHttpsServer({ key, cert }), (s) => {
      s.closeAllConnections();
      return new Promise((resolve) => s.close(resolve));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    track(attachWebSocket(hub, { server, path: '/chat' }), (d) => d.close({ drainTimeout: 500 }));
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/chat`;
    const web = await wsUser(url, 'web', { rejectUnauthorized: false });
    const nc = await tcpUser(tcpPort, 'nc');
    nc.write('over tls\n');
    await eventually(() => web.ofType('message').some((message) => message.text === 'over tls'), 5000, 'the message over TLS');
    hub.findPeer('web')?.close('kicked', 'tls');
    await eventually(() => web.closed !== undefined, 5000, 'the kick over TLS');
    expect(web.closed).toEqual({ code: 1008, reason: 'kicked: tls' });
  });

  it('turns a WebSocket over a connection cap away with a bye and close code 1008', async () => {
    const { hub, url } = await setup({ maxClientsPerAddress: 1 });
    const refusals: string[] = [];
    hub.on('refused', (_address, reason) => refusals.push(reason));
    const first = await wsUser(url, 'first');
    const second = track(await WsPeer.open(url), (p) => {
      p.close();
    });
    await eventually(() => second.closed !== undefined, 5000, 'the refusal');
    expect(refusals).toEqual(['too-many-from-address']);
    expect(second.ofType('bye')).toMatchObject([{ reason: 'too-many-from-address' }]);
    expect(second.closed?.code).toBe(1008);
    expect(second.closed?.reason).toMatch(/^too-many-from-address: /);
    expect(first.closed).toBeUndefined();
  });

  it('reports a client that closes as client-closed, and one cut without a close frame as reset', async () => {
    const { url, disconnects } = await setup();
    const leaves = await wsUser(url, 'leaves');
    leaves.socket.close(1000, 'bye');
    await eventually(() => disconnects.length === 1, 5000, 'the first disconnect');
    const cut = await wsUser(url, 'cut');
    // A reset, not a close frame: the TCP connection is destroyed.
    cut.socket.terminate();
    await eventually(() => disconnects.length === 2, 5000, 'the second disconnect');
    expect(disconnects).toEqual(['client-closed', 'reset']);
  });

  it('closes a WebSocket that does not answer pings, with reason heartbeat', async () => {
    const { url, disconnects } = await setup({}, { heartbeatInterval: 100 });
    const answers = await wsUser(url, 'answers');
    const silent = await wsUser(url, 'silent', { autoPong: false });
    await eventually(() => silent.closed !== undefined, 5000, 'the silent one to be closed');
    expect(silent.closed?.code).toBe(1008);
    expect(silent.closed?.reason).toMatch(/^heartbeat: no answer to ping within 0\.1 s/);
    expect(disconnects).toEqual(['heartbeat']);
    // Several intervals later, the one that answers is still there.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(answers.closed).toBeUndefined();
  });

  it('cuts a WebSocket that stops reading as a slow consumer: the queue counts what ws has not sent', async () => {
    const { hub, url, disconnects } = await setup({ maxQueuedBytes: 1024 * 1024, softQueuedBytes: 0 });
    const reader = await wsUser(url, 'reader');
    const slow = await wsUser(url, 'slow');
    // Stops reading from its TCP connection: the hub's writes back up, first in the kernel, then in the stream.
    slow.socket.pause();
    // Far less per turn than the cap: only a client that does not read can pass it.
    const chunk = 'z'.repeat(16 * 1024);
    for (let round = 0; round < 1000 && !disconnects.includes('slow-consumer'); round += 1) {
      for (let index = 0; index < 4; index += 1) hub.broadcast(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => disconnects.includes('slow-consumer'), 5000, 'the slow consumer to be cut');
    expect(disconnects).toEqual(['slow-consumer']);
    expect(hub.findPeer('slow')).toBeUndefined();
    expect(reader.closed).toBeUndefined();
  });

  it('needs a chat hub, a server and a path starting with /', async () => {
    const { hub } = await startHub(track, { framing: 'line' });
    const { server } = await httpServer(track);
    expect(() => attachWebSocket(hub, { server })).toThrow(/chat hub/);
    const { hub: chat } = await startHub(track, { chat: true });
    expect(() => attachWebSocket(chat, { server, path: 'ws' })).toThrow(TypeError);
    expect(() => attachWebSocket(chat, { server: Object.create(null) as Server })).toThrow(/server/);
    expect(() => attachWebSocket(chat, { server, origins: [42] as unknown as string[] })).toThrow(/origins/);
    expect(() => attachWebSocket(chat, { server, maxPayload: -1 })).toThrow(RangeError);
  });
});
