import { describe, expect, it } from 'vitest';
import { JsonChatClient, type BroadcastHub, type HubOptions, type JsonChatClientOptions } from '../src/index.js';
import type { HistoryStatus } from '../src/client/json-chat-client.js';
import { say } from './helpers/chat.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { TcpSwitch } from './helpers/tcp-switch.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function hubWith(options: HubOptions): Promise<{ hub: BroadcastHub; port: number }> {
  return startHub(track, { framing: 'json', ...options });
}

async function client(port: number, options: JsonChatClientOptions = {}): Promise<JsonChatClient> {
  const chat = track(new JsonChatClient({ host: '127.0.0.1', port, reconnect: { retryStrategy: () => 30 }, ...options }), (c) => c.close());
  await chat.connect();
  return chat;
}

async function joined(chat: JsonChatClient, room: string): Promise<void> {
  const done = nextEvent(chat, 'join');
  chat.join(room);
  await done;
}

/** Everything a client is sent, in order: messages as `text` (`h:` in front when replayed), direct messages as `dm:`, ends of replays as `[room n ok|reason]`. */
function transcript(chat: JsonChatClient): string[] {
  const seen: string[] = [];
  chat.on('message', (message) => seen.push(`${message.history ? 'h:' : ''}${message.text}`));
  chat.on('direct', (message) => seen.push(`dm${message.history ? ' h' : ''}:${message.text}`));
  chat.on('history', (status) => seen.push(`[${status.room ?? 'dm'} ${status.replayed} ${status.recovered === true ? 'ok' : (status.reason ?? '?')}]`));
  return seen;
}

function peerOf(hub: BroadcastHub, nick: string): { messagesOut: number } {
  const peer = [...hub.clients].find((candidate) => candidate.nick === nick);
  if (peer === undefined) throw new Error(`${nick} is not on the hub`);
  return peer;
}

describe('recovery after a reconnection', () => {
  it('gets exactly what it missed, rooms and direct messages, in order, before live traffic', async () => {
    const { hub, port } = await hubWith({ history: true });
    const link = await TcpSwitch.to(port, track);
    const alice = await client(link.port, { nick: 'alice' });
    await joined(alice, 'dev');
    const bob = await client(port, { nick: 'bob' });
    await joined(bob, 'dev');
    const carol = await client(port, { nick: 'carol' });
    await joined(carol, 'dev');
    await say(bob, alice, ['b1', 'b2']);
    const dm = nextEvent(alice, 'direct');
    carol.sendTo('alice', 'dm1');
    await dm;
    // The connection dies without a word: the hub still delivers to it, the bytes are lost.
    link.freeze();
    const before = peerOf(hub, 'alice').messagesOut;
    await say(bob, carol, ['b3', 'b4']);
    carol.sendTo('alice', 'dm2');
    await eventually(() => peerOf(hub, 'alice').messagesOut >= before + 3, 2000, 'the hub to send alice the lost ones');
    const seen = transcript(alice);
    const statuses: HistoryStatus[] = [];
    alice.on('history', (status) => statuses.push(status));
    const back = nextEvent(alice, 'reconnect');
    link.reset();
    await back;
    await eventually(() => seen.includes('[dev 2 ok]'), 2000, 'the recovery of dev');
    await say(bob, alice, ['b5']);
    expect(seen).toEqual(['dm h:dm2', '[dm 1 ok]', '[lobby 0 ok]', 'h:b3', 'h:b4', '[dev 2 ok]', 'b5']);
    expect(statuses.every((status) => status.recovered === true)).toBe(true);
  });

  it("holds a JSON client's traffic from its welcome to its hello, so that the recovery of its room comes first", async () => {
    const { hub, port } = await hubWith({ history: true });
    const bob = await client(port, { nick: 'bob' });
    const carol = await client(port, { nick: 'carol' });
    const first = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await first.until((received) => received.includes('"session"'));
    first.write('{"v":1,"type":"hello","nick":"alice"}\n');
    await say(bob, carol, ['m1']);
    await first.until((received) => received.includes('"m1"'));
    const session = envelopes(first).find((envelope) => envelope.session !== undefined)?.session;
    const seen = envelopes(first).find((envelope) => envelope.text === 'm1')?.id;
    first.destroy();
    await eventually(() => hub.findPeer('alice') === undefined, 2000, 'alice to be gone');
    await say(bob, carol, ['m2']);
    const second = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await second.until((received) => received.includes('"session"'));
    // Said after the welcome, before the hello: it waits for the recovery.
    await say(bob, carol, ['m3']);
    second.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'alice', session, after: seen })}\n`);
    await second.until((received) => received.includes('"m3"'));
    const order = envelopes(second)
      .filter((envelope) => envelope.type === 'message' || envelope.replayed !== undefined)
      .map((envelope) => (envelope.type === 'message' ? `${envelope.history === true ? 'h:' : ''}${envelope.text ?? ''}` : `[${envelope.room ?? 'dm'} ${envelope.replayed ?? 0}]`));
    expect(order).toEqual(['[dm 0]', 'h:m2', '[lobby 1]', 'm3']);
  });

  it('recovers with the old session when the connection that took it over died before the client saw the new one', async () => {
    const { hub, port } = await hubWith({ history: true });
    const bob = await client(port, { nick: 'bob' });
    const open = async (): Promise<RawPeer> => {
      const peer = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
      await peer.until((received) => received.includes('"session"'));
      return peer;
    };
    const first = await open();
    first.write('{"v":1,"type":"hello","nick":"alice"}\n');
    await eventually(() => hub.findPeer('alice') !== undefined, 2000, 'alice to be named');
    bob.sendTo('alice', 'dm1');
    await first.until((received) => received.includes('"dm1"'));
    bob.sendTo('alice', 'dm2');
    await first.until((received) => received.includes('"dm2"'));
    const session = envelopes(first).find((envelope) => envelope.session !== undefined)?.session;
    const seen = envelopes(first).find((envelope) => envelope.text === 'dm1')?.id;
    first.destroy();
    await eventually(() => hub.findPeer('alice') === undefined, 2000, 'alice to be gone');
    const hello = `${JSON.stringify({ v: 1, type: 'hello', nick: 'alice', session, afterDirect: seen })}\n`;
    // The hub reads this hello (its session takes over), but the connection dies before the
    // client reads the welcome: it still knows only the old session.
    const second = await open();
    second.write(hello);
    await second.until((received) => received.includes('"replayed"'));
    second.destroy();
    await eventually(() => hub.findPeer('alice') === undefined, 2000, 'alice to be gone again');
    const third = await open();
    third.write(hello);
    await third.until((received) => received.includes('"replayed"'));
    const recovered = envelopes(third).filter((envelope) => envelope.history === true || envelope.replayed !== undefined);
    expect(recovered.map((envelope) => envelope.text)).toEqual(['dm2', 'recovered 1 message you missed in your direct messages']);
  });

  it('tells a client away longer than the window that it could not recover, and why', async () => {
    const { port } = await hubWith({ history: { recoveryWindow: 200 } });
    const link = await TcpSwitch.to(port, track);
    const alice = await client(link.port, { nick: 'alice', reconnect: { retryStrategy: () => 600 } });
    await joined(alice, 'dev');
    const bob = await client(port, { nick: 'bob' });
    await joined(bob, 'dev');
    await say(bob, alice, ['b1']);
    const seen = transcript(alice);
    const back = nextEvent(alice, 'reconnect');
    link.reset();
    bob.send('b2');
    await back;
    await eventually(() => seen.some((entry) => entry.startsWith('[dev')), 2000, 'the answer for dev');
    expect(seen).toEqual(['[dm 0 too-old]', '[lobby 0 too-old]', '[dev 0 too-old]']);
  });

  it('says unknown to a hub that never knew the session, and off to one without history', async () => {
    const first = await hubWith({ history: true });
    const link = await TcpSwitch.to(first.port, track);
    const alice = await client(link.port, { nick: 'alice' });
    await joined(alice, 'dev');
    const seen = transcript(alice);
    // Another hub (as after a restart) behind the same address.
    const second = await hubWith({ history: true });
    const third = await hubWith({});
    link.target = second.port;
    let back = nextEvent(alice, 'reconnect');
    await first.hub.close({ timeout: 200, retryAfter: 0, retryJitter: 0 });
    await back;
    await eventually(() => seen.some((entry) => entry.startsWith('[dev')), 2000, 'the answer for dev');
    expect(seen).toEqual(['[dm 0 unknown]', '[lobby 0 unknown]', '[dev 0 unknown]']);
    seen.length = 0;
    link.target = third.port;
    back = nextEvent(alice, 'reconnect');
    await second.hub.close({ timeout: 200, retryAfter: 0, retryJitter: 0 });
    await back;
    await eventually(() => seen.some((entry) => entry.startsWith('[dev')), 2000, 'the answer for dev');
    expect(seen).toEqual(['[dm 0 off]', '[lobby 0 off]', '[dev 0 off]']);
  });

  it('recovers through an authenticate hook that names the client, the hello with the credentials asking', async () => {
    const { hub, port } = await hubWith({ history: true, authenticate: ({ credentials }) => (credentials?.startsWith('pass-') === true ? credentials.slice(5) : false) });
    const link = await TcpSwitch.to(port, track);
    const alice = await client(link.port, { token: 'pass-alice' });
    expect(alice.nick).toBe('alice');
    const bob = await client(port, { token: 'pass-bob' });
    await say(bob, alice, ['m1']);
    link.freeze();
    const before = peerOf(hub, 'alice').messagesOut;
    bob.send('m2');
    await eventually(() => peerOf(hub, 'alice').messagesOut > before, 2000, 'the hub to send alice m2');
    const seen = transcript(alice);
    const back = nextEvent(alice, 'reconnect');
    link.reset();
    await back;
    await eventually(() => seen.some((entry) => entry.startsWith('[lobby')), 2000, 'the recovery of the lobby');
    expect(seen).toEqual(['[dm 0 ok]', 'h:m2', '[lobby 1 ok]']);
  });

  it('answers late to a hello that is not the first envelope', async () => {
    const { port } = await hubWith({ history: true });
    const peer = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await peer.until((received) => received.includes('"session"'));
    peer.write('{"v":1,"type":"message","text":"hi"}\n{"v":1,"type":"hello","session":"whatever","after":"x-1"}\n');
    await peer.until((received) => received.includes('"room":"lobby","recovered"'));
    const notices = peer.text
      .split('\n')
      .filter((line) => line.includes('"replayed"'))
      .map((line) => JSON.parse(line) as { reason?: string; room?: string });
    expect(notices.map(({ room, reason }) => `${room ?? 'dm'} ${reason}`)).toEqual(['dm late', 'lobby late']);
  });
});

describe('privacy', () => {
  it('replays a direct message to its parties only, and only to the holder of the session', async () => {
    const { hub, port } = await hubWith({ history: true });
    const link = await TcpSwitch.to(port, track);
    // bob does not come back by himself: the test plays his return by hand.
    const bob = track(new JsonChatClient({ host: '127.0.0.1', port: link.port, nick: 'bob', reconnect: false }), (c) => c.close());
    let session = '';
    let lastDirect = '';
    bob.on('system', (notice) => {
      if (notice.session !== undefined) session = notice.session;
    });
    bob.on('direct', (message) => {
      lastDirect = message.id;
    });
    await bob.connect();
    const alice = await client(port, { nick: 'alice' });
    // carol shares the room, and recovers her own session later: none of it is hers.
    const carolLink = await TcpSwitch.to(port, track);
    const carol = await client(carolLink.port, { nick: 'carol' });
    const carolSeen = transcript(carol);
    const dm = nextEvent(bob, 'direct');
    alice.sendTo('bob', 'secret-1');
    await dm;
    link.freeze();
    const before = peerOf(hub, 'bob').messagesOut;
    alice.sendTo('bob', 'secret-2');
    await eventually(() => peerOf(hub, 'bob').messagesOut > before, 2000, 'the hub to send bob the second');
    // Someone else takes bob's name while he is away, and asks for everything it can.
    link.reset();
    await eventually(() => hub.findPeer('bob') === undefined, 2000, 'bob to be gone');
    const mallory = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await mallory.until((received) => received.includes('"session"'));
    mallory.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'bob', history: 100, after: '' })}\n`);
    await mallory.until((received) => received.includes('"replayed"'));
    carol.command('/history 100');
    await eventually(() => carolSeen.some((entry) => entry.startsWith('[lobby')), 2000, 'carol to get the lobby history');
    const carolBack = nextEvent(carol, 'reconnect');
    carolLink.reset();
    await carolBack;
    await eventually(() => carolSeen.some((entry) => entry.startsWith('[dm')), 2000, 'carol to recover her direct messages');
    expect(carolSeen.filter((entry) => entry.startsWith('[dm'))).toEqual(['[dm 0 ok]']);
    // A guessed session, in the hub's own form, recovers nothing.
    const guessed = `${session.split('.')[0] ?? ''}.AAAAAAAAAAAAAAAAAAAA`;
    mallory.write(`${JSON.stringify({ v: 1, type: 'hello', session: guessed })}\n`);
    const eve = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await eve.until((received) => received.includes('"session"'));
    eve.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'eve', session: guessed })}\n`);
    await eve.until((received) => received.includes('"replayed"'));
    for (const text of [mallory.text, eve.text, carolSeen.join('\n')]) expect(text).not.toContain('secret');
    expect(eve.text).toContain('"reason":"too-old"');
    // Only the session's holder gets them: bob, presenting it, gets the one he missed.
    const real = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await real.until((received) => received.includes('"session"'));
    real.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'bob2', session, afterDirect: lastDirect })}\n`);
    await real.until((received) => received.includes('"replayed"'));
    expect(real.text).toContain('"text":"secret-2","ts"');
    expect(real.text).not.toContain('secret-1');
    expect(real.text).toContain('"recovered":true');
  });

  it('gives no history of a room whose join a handler refused, nor before authentication', async () => {
    const { hub, port } = await hubWith({
      history: true,
      authenticate: ({ credentials }) => (credentials === 'good' ? true : false),
    });
    hub.use((ctx) => {
      if (ctx.peer.nick === 'mallory' && ctx.message === '/join secret') ctx.refuse('ERR_FORBIDDEN', 'not for you');
    });
    const alice = await client(port, { nick: 'alice', token: 'good' });
    await joined(alice, 'secret');
    const bob = await client(port, { nick: 'bob', token: 'good' });
    await joined(bob, 'secret');
    await say(alice, bob, ['classified-1', 'classified-2']);
    const mallory = await client(port, { nick: 'mallory', token: 'good' });
    const seen = transcript(mallory);
    const refused = nextEvent(mallory, 'refused');
    mallory.join('secret', { history: 50 });
    await refused;
    // Something said afterwards reaches mallory only if it is in the room: it is not.
    mallory.command('/history 50');
    await eventually(() => seen.some((entry) => entry.startsWith('[lobby')), 2000, 'the lobby history');
    // A join the /join command itself refuses (past the room limit) gives nothing either.
    const busy = await client(port, { nick: 'busy', token: 'good' });
    const busySeen = transcript(busy);
    for (let room = 1; room < 32; room += 1) busy.join(`r${room}`);
    await eventually(() => busy.rooms.size === 32, 5000, 'busy to be in 32 rooms');
    const limited = nextEvent<[{ code: string }]>(busy, 'refused');
    busy.join('secret', { history: 50 });
    expect((await limited)[0].code).toBe('ERR_LIMIT');
    busy.command('/history 1');
    await eventually(() => busySeen.some((entry) => entry.startsWith('[r31')), 2000, 'the history of busy\'s room');
    expect(seen.join('\n')).not.toContain('classified');
    expect(busySeen.join('\n')).not.toContain('classified');
    expect([...seen, ...busySeen].some((entry) => entry.startsWith('[secret'))).toBe(false);
    // Without the right token: turned away with no history at all.
    const stranger = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    stranger.write(`${JSON.stringify({ v: 1, type: 'hello', nick: 'stranger', token: 'bad', history: 100 })}\n`);
    await stranger.waitClosed();
    expect(stranger.text).toContain('ERR_AUTH_FAILED');
    expect(stranger.text).not.toContain('classified');
    expect(stranger.text).not.toContain('"replayed"');
  });
});

/** The envelopes a raw JSON peer has received, parsed. */
function envelopes(peer: RawPeer): { type?: string; text?: string; id?: string; session?: string; history?: boolean; replayed?: number; room?: string }[] {
  return peer.text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type?: string });
}
