import { Redis } from 'ioredis';
import { connect as natsConnect } from 'nats';
import { describe, expect, it } from 'vitest';
import { answerFromStream } from '../src/cluster/broker-history.js';
import type { HistoryPage, HistoryStore, StoredEvent } from '../src/cluster/history-store.js';
import type { HistoryStatus } from '../src/client/json-chat-client.js';
import { JsonChatClient, MemoryHistoryStore, type BroadcastHub, type ClusterAdapter, type HistoryOptions } from '../src/index.js';
import { NatsHistoryStore } from '../src/nats.js';
import { RedisHistoryStore } from '../src/redis.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { missingBrokerTest, sharedBrokerUrl, testPrefix, type BrokerKind } from './helpers/cluster.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { adapterFor, closedPort, deadAdapter, dropHistory, missingSharedBroker, Switch } from './history-cluster-helpers.js';

const track = closeAfterEach();

function message(id: string, ts: number, room = 'lobby'): StoredEvent {
  return { v: 1, type: 'message', id, sender: 'ada', room, text: id, ts };
}

describe('a recovery from a shared stream', () => {
  // Hub b's events came to the client's hub late: b1 is before a2 in the stream, after it on the wire.
  const stream = [message('a-1', 1000), message('b-1', 1500), message('a-2', 1600), message('a-3', 1700)];
  const limits = { reorderWindow: 2000, reorderEvents: 64, messages: 100 };

  it('returns what follows the id plus the reorder window before it, oldest first', () => {
    const page = answerFromStream(stream, { limit: 100, after: 'a-2' }, limits) as { events: StoredEvent[] };
    expect(page.events.map((event) => event.id)).toEqual(['a-1', 'b-1', 'a-2', 'a-3']);
  });

  it('bounds the window in time and in events', () => {
    const short = answerFromStream(stream, { limit: 100, after: 'a-2' }, { ...limits, reorderWindow: 200 }) as { events: StoredEvent[] };
    expect(short.events.map((event) => event.id)).toEqual(['b-1', 'a-2', 'a-3']);
    const few = answerFromStream(stream, { limit: 100, after: 'a-3' }, { ...limits, reorderEvents: 1 }) as { events: StoredEvent[] };
    expect(few.events.map((event) => event.id)).toEqual(['a-2', 'a-3']);
  });

  it('tells an id past the last `messages` as too old, and one of an empty stream as unknown', () => {
    expect(answerFromStream(stream, { limit: 100, after: 'a-1' }, { ...limits, messages: 3 })).toEqual<HistoryPage>({ missing: 'too-old' });
    expect(answerFromStream([], { limit: 100, after: 'a-1' }, limits)).toEqual<HistoryPage>({ missing: 'unknown' });
  });
});

describe('a replay from a store that answers later', () => {
  it('leaves out what comes live, and every later event of the same hub, so that nothing is out of order', async () => {
    const memory = new MemoryHistoryStore();
    let release: (() => void) | undefined;
    let asked = false;
    // A broker store: slow, and it may have events this hub has not relayed yet (`extra`).
    const store: HistoryStore = {
      shared: true,
      append: (key, event) => {
        memory.append(key, event);
      },
      read: (key, query) => {
        asked = true;
        return new Promise<HistoryPage>((resolve) => {
          release = () => {
            const page = memory.read(key, query) as { events: StoredEvent[] };
            const last = page.events.at(-1);
            const hub = last === undefined ? 'x' : last.id.slice(0, last.id.lastIndexOf('-'));
            resolve({ events: [...page.events, { ...message(`${hub}-zz`, Date.now()), text: 'from the broker, not here yet' }] });
          };
        });
      },
      delete: (key) => {
        memory.delete(key);
      },
      size: () => memory.size(),
    };
    const { port } = await startHub(track, { framing: 'json', history: { store } });
    const sender = track(new JsonChatClient({ host: '127.0.0.1', port, nick: 'sender' }), (c) => c.close());
    await sender.connect();
    const watcher = track(new JsonChatClient({ host: '127.0.0.1', port, nick: 'watcher' }), (c) => c.close());
    await watcher.connect();
    const watched: string[] = [];
    watcher.on('message', (m) => watched.push(m.text));
    sender.send('m1');
    sender.send('m2');
    await eventually(() => watched.length === 2, 5000, 'the first two to be relayed');
    const late = track(new JsonChatClient({ host: '127.0.0.1', port, nick: 'late', history: 10 }), (c) => c.close());
    const got: string[] = [];
    late.on('message', (m) => got.push(m.text));
    // Its connect() resolves once the nickname is confirmed, which waits behind the replay.
    const connected = late.connect();
    await eventually(() => asked, 5000, 'the replay to be asked of the store');
    // Relayed while the store reads: held for the late client, behind its replay.
    sender.send('m3');
    sender.send('m4');
    await eventually(() => watched.length === 4, 5000, 'two more to be relayed');
    release?.();
    await connected;
    await eventually(() => got.length >= 4, 5000, 'the late client to have four messages');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual(['m1', 'm2', 'm3', 'm4']);
  });
});

for (const kind of ['redis', 'nats'] as const satisfies readonly BrokerKind[]) {
  const missing = await missingSharedBroker(kind);

  describe(`history in ${kind}`, () => {
    if (missing !== undefined) {
      missingBrokerTest(missing);
      return;
    }

    async function clusterHub(prefix: string, history: boolean | HistoryOptions = true, adapter: ClusterAdapter = adapterFor(kind, prefix)): Promise<{ hub: BroadcastHub; port: number }> {
      const started = await startHub(track, { framing: 'json', history, adapter }, { close: { timeout: 1000 } });
      await adapter.ready();
      return started;
    }

    function cluster(): string {
      const prefix = testPrefix();
      // Tracked first, so dropped last: after the hubs are gone.
      track(prefix, (p) => dropHistory(kind, p));
      return prefix;
    }

    async function client(port: number, nick: string, options: ConstructorParameters<typeof JsonChatClient>[0] = {}): Promise<JsonChatClient> {
      const chat = track(new JsonChatClient({ host: '127.0.0.1', port, nick, ...options }), (c) => c.close());
      await chat.connect();
      return chat;
    }

    function texts(chat: JsonChatClient): string[] {
      const seen: string[] = [];
      chat.on('message', (m) => seen.push(m.text));
      return seen;
    }

    /**
     * Two hubs of one cluster, a sender on the first, and a roamer that reaches the first through
     * a switch the test can point at the second: what it hears (`got`) and its replays' ends.
     */
    async function roaming(history: boolean | HistoryOptions, retryMs: number) {
      const prefix = cluster();
      const first = await clusterHub(prefix, history);
      const second = await clusterHub(prefix, history);
      const sender = await client(first.port, 'sender');
      const link = await Switch.to(first.port, track);
      const roamer = await client(link.port, 'roamer', { reconnect: { retryStrategy: () => retryMs } });
      const got = texts(roamer);
      const statuses: HistoryStatus[] = [];
      roamer.on('history', (status) => statuses.push(status));
      return { second, sender, link, roamer, got, statuses };
    }

    it('tells the last id of a room another hub wrote, once it has asked the broker for it', async () => {
      const prefix = cluster();
      const writer = await clusterHub(prefix);
      const ada = await client(writer.port, 'ada');
      const bob = await client(writer.port, 'bob');
      const ids: string[] = [];
      bob.on('message', (m) => ids.push(m.id));
      ada.send('one');
      ada.send('two');
      await eventually(() => ids.length === 2, 5000, 'both messages relayed');
      // A store of a hub that wrote nothing: it does not know at first, and asks the broker once.
      const adapter = adapterFor(kind, prefix);
      await clusterHub(prefix, true, adapter);
      const store = adapter.historyStore?.({}, () => undefined);
      if (store?.last === undefined) throw new Error(`the ${kind} adapter gives no history store with last()`);
      expect(store.last('lobby')).toBeUndefined();
      await eventually(() => store.last?.('lobby') !== undefined, 5000, 'the last id to be fetched');
      expect(store.last('lobby')).toBe(ids[1]);
    });

    it('replays a room from the broker on a hub that never saw it', async () => {
      const prefix = cluster();
      const first = await clusterHub(prefix);
      const second = await clusterHub(prefix);
      const ada = await client(first.port, 'ada');
      const bob = await client(second.port, 'bob');
      const heard = texts(bob);
      for (const text of ['one', 'two', 'three']) ada.send(text);
      await eventually(() => heard.length === 3, 5000, 'bob to hear three messages over the broker');
      // A hub started now holds nothing in memory: what it replays comes from the broker.
      const third = await clusterHub(prefix);
      const late = track(new JsonChatClient({ host: '127.0.0.1', port: third.port, nick: 'cy', history: 3 }), (c) => c.close());
      const replayed: { text: string; history: boolean }[] = [];
      late.on('message', (m) => replayed.push({ text: m.text, history: m.history }));
      const ended = nextEvent<[HistoryStatus]>(late, 'history');
      await late.connect();
      const [status] = await ended;
      expect(status.replayed).toBe(3);
      expect(replayed).toEqual([
        { text: 'one', history: true },
        { text: 'two', history: true },
        { text: 'three', history: true },
      ]);
    });

    it('recovers exactly what a client missed when it comes back through another hub', async () => {
      const { second, sender, link, roamer, got, statuses } = await roaming(true, 300);
      const watched = texts(await client(second.port, 'watcher'));
      for (let n = 1; n <= 5; n += 1) sender.send(`m${n}`);
      await eventually(() => got.length === 5, 5000, 'the roamer to hear five messages');
      const directs: { text: string; history: boolean }[] = [];
      roamer.on('direct', (d) => directs.push({ text: d.text, history: d.history }));
      // The load balancer sends it elsewhere next time. Its connection goes silent first: the
      // first hub still delivers a direct message (and a message), which never arrive.
      link.target = second.port;
      const lost = nextEvent(roamer, 'disconnect');
      link.kill(300);
      sender.sendTo('roamer', 'secret');
      for (let n = 6; n <= 10; n += 1) sender.send(`m${n}`);
      await lost;
      await eventually(() => watched.length === 10, 5000, 'the other hub to relay all ten');
      await eventually(() => statuses.some((s) => s.room === 'lobby') && statuses.some((s) => s.room === undefined), 10_000, 'the roamer to recover on the second hub');
      expect(statuses.find((s) => s.room === 'lobby')?.recovered).toBe(true);
      // Exactly once, in order: the replay's window before the id is dropped by the client.
      expect(got).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10']);
      // The session's direct messages too: the broker says where its log is.
      expect(statuses.find((s) => s.room === undefined)).toMatchObject({ recovered: true, replayed: 1 });
      expect(directs).toEqual([{ text: 'secret', history: true }]);
    });

    it('says too-old when what the client saw has left the shared history', async () => {
      const { second, sender, link, roamer, got, statuses } = await roaming({ messages: 5 }, 300);
      const watched = texts(await client(second.port, 'watcher'));
      sender.send('seen');
      await eventually(() => got.length === 1, 5000, 'the roamer to hear the first message');
      link.target = second.port;
      const lost = nextEvent(roamer, 'disconnect');
      link.kill(0);
      await lost;
      for (let n = 1; n <= 12; n += 1) sender.send(`missed${n}`);
      await eventually(() => watched.length === 13, 5000, 'the other hub to relay them');
      await eventually(() => statuses.some((s) => s.room === 'lobby'), 10_000, 'the roamer to hear how its recovery went');
      expect(statuses.find((s) => s.room === 'lobby')).toMatchObject({ recovered: false, reason: 'too-old' });
    });

    it('tells a client away longer than the window, back through another hub, that it could not recover', async () => {
      const { second, sender, link, got, statuses } = await roaming({ recoveryWindow: 1000 }, 3000);
      sender.send('seen');
      await eventually(() => got.length === 1, 5000, 'the roamer to hear the first message');
      link.target = second.port;
      link.kill(0);
      sender.send('missed');
      await eventually(() => statuses.length === 2, 10_000, 'the roamer to hear how its recoveries went');
      expect(statuses.find((s) => s.room === 'lobby')).toMatchObject({ recovered: false, reason: 'too-old' });
      expect(statuses.find((s) => s.room === undefined)).toMatchObject({ recovered: false, reason: 'too-old' });
      expect(got).toEqual(['seen']);
    });

    it('keeps any room name apart in the broker', async () => {
      const prefix = cluster();
      const odd = ['a.b', 'a.b *>/ü 🙂', 'a:b', '@not-a-log', ''];
      let store: RedisHistoryStore | NatsHistoryStore;
      if (kind === 'redis') {
        const redis = track(new Redis(sharedBrokerUrl('redis')), (r) => {
          r.disconnect();
        });
        store = new RedisHistoryStore({ client: redis, prefix });
      } else {
        const nc = await natsConnect({ servers: sharedBrokerUrl('nats') });
        track(nc, (c) => c.close());
        store = new NatsHistoryStore({ connection: nc, prefix });
      }
      odd.forEach((room, index) => {
        store.append(room, message(`x-${index}`, Date.now(), room), false);
      });
      await store.close();
      for (const [index, room] of odd.entries()) {
        const page = (await store.read(room, { limit: 10 })) as { events: StoredEvent[] };
        expect(page.events.map((event) => event.id), room).toEqual([`x-${index}`]);
      }
      expect(store.lost).toBe(0);
    });

    it('falls back to the hub memory when the broker cannot be reached, and says so', async () => {
      const prefix = cluster();
      const port = await closedPort();
      const adapter = deadAdapter(kind, port, prefix);
      const { hub, port: hubPort } = await startHub(track, { framing: 'json', history: true, adapter }, { close: { timeout: 500 } });
      const errors: Error[] = [];
      hub.on('adapterError', (error) => errors.push(error));
      // Guests: a nickname would need the broker to be claimed.
      const ada = track(new JsonChatClient({ host: '127.0.0.1', port: hubPort }), (c) => c.close());
      await ada.connect();
      ada.send('kept');
      ada.send('here');
      const late = track(new JsonChatClient({ host: '127.0.0.1', port: hubPort, history: 2 }), (c) => c.close());
      const replayed = texts(late);
      const ended = nextEvent<[HistoryStatus]>(late, 'history', 8000);
      await eventually(() => errors.some((error) => error.message.includes('history')), 5000, 'the failed write to be reported');
      await late.connect();
      await ended;
      expect(replayed).toEqual(['kept', 'here']);
      expect(hub.stats().history?.messages).toBe(2);
    });
  });
}
