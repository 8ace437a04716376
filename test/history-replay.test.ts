import { describe, expect, it } from 'vitest';
import { BrokerAdapter, JsonChatClient, MemoryBroker, type ChatMessage, type HubOptions, type JsonChatClientOptions } from '../src/index.js';
import type { HistoryStatus } from '../src/client/json-chat-client.js';
import type { HistoryPage, HistoryQuery, HistoryStore, StoredEvent } from '../src/cluster/history-store.js';
import { MemoryHistoryStore } from '../src/hub/history/memory-history-store.js';
import { say } from './helpers/chat.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function hubWith(options: HubOptions): Promise<number> {
  const { port } = await startHub(track, options);
  return port;
}

async function linePeer(port: number, nick: string): Promise<RawPeer> {
  const peer = track(await RawPeer.connect(port), (p) => {
    p.destroy();
  });
  await peer.until((received) => received.includes('welcome'));
  peer.write(`/nick ${nick}\n`);
  await peer.until((received) => received.includes(`is now known as ${nick}`));
  return peer;
}

function lines(peer: RawPeer): string[] {
  const all = peer.text.split('\n');
  all.pop();
  return all;
}

async function client(port: number, options: JsonChatClientOptions = {}): Promise<JsonChatClient> {
  const chat = track(new JsonChatClient({ host: '127.0.0.1', port, ...options }), (c) => c.close());
  await chat.connect();
  return chat;
}

async function joined(chat: JsonChatClient, room: string, history?: number): Promise<void> {
  const done = nextEvent(chat, 'join');
  chat.join(room, history === undefined ? {} : { history });
  await done;
}

/** Everything a client is sent, in order: messages as `text` (`h:` in front when replayed), ends of replays as `[end room n]`. */
function transcript(chat: JsonChatClient): string[] {
  const seen: string[] = [];
  chat.on('message', (message) => seen.push(`${message.history ? 'h:' : ''}${message.text}`));
  chat.on('direct', (message) => seen.push(`dm${message.history ? ' h' : ''}:${message.text}`));
  chat.on('history', (status) => seen.push(`[end ${status.room ?? 'dm'} ${status.replayed}${status.reason === undefined ? '' : ` ${status.reason}`}]`));
  chat.on('refused', (error) => seen.push(`! ${error.code}`));
  return seen;
}

describe('history on text clients', () => {
  it('replays the last messages on join, marked (history), and /history N shows more', async () => {
    const port = await hubWith({ chat: true, history: { replayOnJoin: 2 } });
    const alice = await linePeer(port, 'alice');
    alice.write('/join dev\n');
    for (const text of ['m1', 'm2', 'm3', 'm4']) alice.write(`${text}\n`);
    const bob = await linePeer(port, 'bob');
    // Nothing was said in the lobby: connecting replays nothing.
    expect(lines(bob).some((line) => line.startsWith('(history)'))).toBe(false);
    bob.write('/join dev\n');
    await bob.until((received) => received.includes('(history) [dev] alice: m4'));
    const afterJoin = lines(bob).slice(lines(bob).indexOf('* bob joined dev'));
    expect(afterJoin.slice(0, 3)).toEqual(['* bob joined dev', '(history) [dev] alice: m3', '(history) [dev] alice: m4']);
    bob.write('/history 3\n');
    await bob.until((received) => received.includes('end of the history of dev (3 messages)'));
    expect(lines(bob).slice(-4)).toEqual(['(history) [dev] alice: m2', '(history) [dev] alice: m3', '(history) [dev] alice: m4', '* end of the history of dev (3 messages)']);
    alice.write('live\n');
    await bob.until((received) => received.includes('[dev] alice: live'));
    expect(lines(bob).at(-1)).toBe('[dev] alice: live');
    bob.write('/history x\n');
    await bob.until((received) => received.includes('usage: /history'));
  });

  it('reports what it keeps in hub.stats()', async () => {
    const { hub, port } = await startHub(track, { chat: true, history: true });
    expect(hub.stats().history).toEqual({ rooms: 0, messages: 0, bytes: 0 });
    const alice = await linePeer(port, 'alice');
    const bob = await linePeer(port, 'bob');
    alice.write('one\ntwo\n');
    await bob.until((received) => received.includes('alice: two'));
    expect(hub.stats().history).toMatchObject({ rooms: 1, messages: 2 });
    expect(hub.stats().history?.bytes).toBeGreaterThan(2 * 160);
    const plain = await startHub(track, { chat: true });
    expect(plain.hub.stats().history).toBeUndefined();
  });

  it('gives a live line that would read as history a backslash in front', async () => {
    const port = await hubWith({ chat: { formatter: (event) => (event.type === 'message' ? `(history) ${event.text}` : undefined) }, history: { replayOnJoin: 0 } });
    const alice = await RawPeer.connect(port);
    track(alice, (p) => {
      p.destroy();
    });
    const bob = await RawPeer.connect(port);
    track(bob, (p) => {
      p.destroy();
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    alice.write('forged\n');
    await bob.until((received) => received.includes('forged'));
    expect(lines(bob)).toContain('\\(history) forged');
    bob.write('/history 1\n');
    await bob.until((received) => received.includes('(history) (history) forged'));
  });
});

describe('history on JSON clients', () => {
  it('replays the last N on join as history, then says the replay is over, before live messages', async () => {
    const port = await hubWith({ framing: 'json', history: true });
    const alice = await client(port, { nick: 'alice' });
    await joined(alice, 'dev');
    const carol = await client(port, { nick: 'carol' });
    await joined(carol, 'dev');
    await say(alice, carol, ['d1', 'd2', 'd3', 'd4']);
    const bob = await client(port, { nick: 'bob' });
    const seen = transcript(bob);
    const ended = nextEvent<[HistoryStatus]>(bob, 'history');
    await joined(bob, 'dev', 3);
    const [status] = await ended;
    expect(status).toEqual({ room: 'dev', replayed: 3, recovered: undefined, reason: undefined });
    await say(alice, bob, ['live']);
    expect(seen).toEqual(['h:d2', 'h:d3', 'h:d4', '[end dev 3]', 'live']);
  });

  it('replays in full to a client connected again after close(): what its old connection saw hides nothing', async () => {
    const port = await hubWith({ framing: 'json', history: true });
    const alice = await client(port, { nick: 'alice' });
    const bob = await client(port, { nick: 'bob', history: 5 });
    await say(alice, bob, ['one', 'two']);
    await bob.close();
    const seen = transcript(bob);
    const ended = nextEvent<[HistoryStatus]>(bob, 'history');
    await bob.connect();
    await ended;
    expect(seen).toEqual(['h:one', 'h:two', '[end lobby 2]']);
  });

  it('asks on connect with the history option, and says when the hub keeps none', async () => {
    const withHistory = await hubWith({ framing: 'json', history: true });
    const alice = await client(withHistory, { nick: 'alice' });
    const bob = await client(withHistory, { nick: 'bob' });
    await say(alice, bob, ['one', 'two']);
    const carol = new JsonChatClient({ host: '127.0.0.1', port: withHistory, nick: 'carol', history: 5 });
    track(carol, (c) => c.close());
    const seen = transcript(carol);
    const ended = nextEvent<[HistoryStatus]>(carol, 'history');
    await carol.connect();
    await ended;
    expect(seen).toEqual(['h:one', 'h:two', '[end lobby 2]']);

    const without = await hubWith({ framing: 'json' });
    const dave = new JsonChatClient({ host: '127.0.0.1', port: without, nick: 'dave', history: 5 });
    track(dave, (c) => c.close());
    const off = nextEvent<[HistoryStatus]>(dave, 'history');
    await dave.connect();
    expect((await off)[0]).toEqual({ room: 'lobby', replayed: 0, recovered: undefined, reason: 'off' });
  });

  it('keeps the replay ahead of live messages while a slow store reads', async () => {
    const store = new GatedStore();
    const port = await hubWith({ framing: 'json', history: { store } });
    const alice = await client(port, { nick: 'alice' });
    await joined(alice, 'dev');
    const carol = await client(port, { nick: 'carol' });
    await joined(carol, 'dev');
    await say(alice, carol, ['d1', 'd2', 'd3']);
    const bob = await client(port, { nick: 'bob' });
    const seen = transcript(bob);
    // The store holds bob's read until told: what alice says meanwhile (carol hears it, so the
    // hub has relayed it) must reach bob after the replay.
    store.closed = true;
    await joined(bob, 'dev', 10);
    await say(alice, carol, ['live1', 'live2']);
    expect(seen).toEqual([]);
    const heard = nextEvent(bob, 'message');
    store.open();
    await heard;
    await say(alice, bob, ['live3']);
    expect(seen).toEqual(['h:d1', 'h:d2', 'h:d3', '[end dev 3]', 'live1', 'live2', 'live3']);
  });
});

describe('history across hubs of a cluster, in memory', () => {
  it("keeps what other hubs relayed in each hub's own history, with the ids they gave", async () => {
    const broker = new MemoryBroker();
    const adapters = [new BrokerAdapter(broker.transport()), new BrokerAdapter(broker.transport())];
    const ports = await Promise.all(adapters.map((adapter) => hubWith({ framing: 'json', history: true, adapter })));
    await Promise.all(adapters.map((adapter) => adapter.ready()));
    const [east = 0, west = 0] = ports;
    const alice = await client(east, { nick: 'alice' });
    await joined(alice, 'dev');
    const bob = await client(west, { nick: 'bob' });
    await joined(bob, 'dev');
    await eventually(() => adapters.every((adapter) => adapter.remotePeers().length === 1), 2000, 'each hub to see the other');
    const ids: string[] = [];
    bob.on('message', (message) => ids.push(message.id));
    await say(alice, bob, ['e1', 'e2']);
    // carol joins on the west hub, which only received e1 and e2 from the east: it has them.
    const carol = await client(west, { nick: 'carol' });
    const seen: ChatMessage[] = [];
    carol.on('message', (message) => seen.push(message));
    const ended = nextEvent<[HistoryStatus]>(carol, 'history');
    await joined(carol, 'dev', 10);
    await ended;
    expect(seen.map((message) => [message.text, message.id, message.history])).toEqual([
      ['e1', ids[0], true],
      ['e2', ids[1], true],
    ]);
  });
});

/** A store whose reads, while `closed`, wait until `open()`: one across the network, slow when it matters. */
class GatedStore implements HistoryStore {
  closed = false;
  private readonly inner = new MemoryHistoryStore();
  private waiting: (() => void)[] = [];

  append(key: string, event: StoredEvent): void {
    this.inner.append(key, event);
  }

  read(key: string, query: HistoryQuery): HistoryPage | Promise<HistoryPage> {
    if (!this.closed) return this.inner.read(key, query);
    return new Promise((resolve) => this.waiting.push(() => { resolve(this.inner.read(key, query)); }));
  }

  open(): void {
    this.closed = false;
    for (const wake of this.waiting.splice(0)) wake();
  }

  delete(key: string): void {
    this.inner.delete(key);
  }

  size(): ReturnType<HistoryStore['size']> {
    return this.inner.size();
  }
}
