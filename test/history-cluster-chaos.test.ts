import { describe, expect, it } from 'vitest';
import type { HistoryStatus } from '../src/client/json-chat-client.js';
import { JsonChatClient, type BroadcastHub } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { missingBrokerTest, testPrefix, type BrokerKind } from './helpers/cluster.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { adapterFor, dropHistory, missingSharedBroker, Switch } from './history-cluster-helpers.js';

const track = closeAfterEach();

const HUBS = 3;
const ROOMS = 4;
/** Room 0 is the default room, which a client is back in with its hello, before any join. */
const roomName = (index: number): string => (index === 0 ? 'lobby' : `room${index}`);
const RECEIVERS = 20;
/**
 * 10 s of streaming with cuts per broker (test/history-chaos.test.ts streams 20 s on one hub):
 * two brokers in one file, on a shared CI machine.
 */
const STREAM_MS = 10_000;
/** Between two messages of one sender. */
const SEND_EVERY_MS = 10;

for (const kind of ['redis', 'nats'] as const satisfies readonly BrokerKind[]) {
  const missing = await missingSharedBroker(kind);

  describe(`recovery across three hubs over ${kind}, under random resets`, () => {
    if (missing !== undefined) {
      missingBrokerTest(missing);
      return;
    }

    it(
      'gives every client every message of its room exactly once, in order, though it comes back through another hub',
      async () => {
        const prefix = testPrefix();
        track(prefix, (p) => dropHistory(kind, p));
        const hubs: { hub: BroadcastHub; port: number }[] = [];
        for (let index = 0; index < HUBS; index += 1) {
          const adapter = adapterFor(kind, prefix);
          hubs.push(await startHub(track, { framing: 'json', history: { messages: 500 }, adapter }, { close: { timeout: 2000 } }));
          await adapter.ready();
        }
        const portOf = (index: number): number => hubs[index % HUBS]?.port ?? 0;
        // Each room's sender on a hub of its own: the others get its messages later than their own.
        const senders: JsonChatClient[] = [];
        for (let room = 0; room < ROOMS; room += 1) {
          const sender = track(new JsonChatClient({ host: '127.0.0.1', port: portOf(room), nick: `sender${room}` }), (c) => c.close());
          await sender.connect();
          if (room > 0) {
            const joined = nextEvent(sender, 'join');
            sender.join(roomName(room));
            await joined;
          }
          senders.push(sender);
        }
        const links: Switch[] = [];
        const received: number[][] = [];
        const statuses: HistoryStatus[][] = [];
        const receivers: JsonChatClient[] = [];
        for (let index = 0; index < RECEIVERS; index += 1) {
          const link = await Switch.to(portOf(index), track);
          const room = roomName(index % ROOMS);
          const receiver = track(
            new JsonChatClient({ host: '127.0.0.1', port: link.port, nick: `r${index}`, reconnect: { retryStrategy: () => 10 + Math.floor(Math.random() * 90) } }),
            (c) => c.close(),
          );
          const mine: number[] = [];
          const ends: HistoryStatus[] = [];
          receiver.on('message', (message) => {
            if (message.room === room) mine.push(Number(message.text.split(':')[1]));
          });
          receiver.on('history', (status) => ends.push(status));
          await receiver.connect();
          if (room !== 'lobby') {
            const joined = nextEvent(receiver, 'join');
            receiver.join(room);
            await joined;
          }
          links.push(link);
          received.push(mine);
          statuses.push(ends);
          receivers.push(receiver);
        }

        const sent = new Array<number>(ROOMS).fill(0);
        const started = Date.now();
        const streaming = setInterval(() => {
          for (let room = 0; room < ROOMS; room += 1) {
            sent[room] = (sent[room] ?? 0) + 1;
            senders[room]?.send(`${room}:${sent[room]}`);
          }
        }, SEND_EVERY_MS);
        let kills = 0;
        let moves = 0;
        while (Date.now() - started < STREAM_MS) {
          await new Promise((resolve) => setTimeout(resolve, 40 + Math.random() * 120));
          const link = links[Math.floor(Math.random() * links.length)];
          if (link?.up !== true) continue;
          // The load balancer sends its next connection to another hub.
          const at = hubs.findIndex((hub) => hub.port === link.target);
          link.target = portOf(at + 1 + Math.floor(Math.random() * (HUBS - 1)));
          moves += 1;
          link.kill(Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 80));
          kills += 1;
        }
        clearInterval(streaming);

        const last = [...sent];
        await eventually(
          () => received.every((mine, index) => mine.at(-1) === last[index % ROOMS] && receivers[index]?.isConnected === true),
          30_000,
          'every receiver to have its room up to the last message',
        );
        for (let index = 0; index < RECEIVERS; index += 1) {
          const expected = Array.from({ length: last[index % ROOMS] ?? 0 }, (_, n) => n + 1);
          expect(received[index], `receiver r${index}`).toEqual(expected);
          const ends = statuses[index] ?? [];
          // Rooms and direct messages recover on any hub.
          expect(ends.filter((status) => status.recovered === false), `receiver r${index}'s recoveries`).toEqual([]);
        }
        expect(kills).toBeGreaterThan(20);
        expect(moves).toBe(kills);
        const recovered = statuses.flat().filter((status) => status.recovered === true && status.replayed > 0);
        expect(recovered.filter((status) => status.room === 'lobby').length).toBeGreaterThan(3);
        expect(recovered.filter((status) => status.room?.startsWith('room') === true).length).toBeGreaterThan(10);
      },
      90_000,
    );
  });
}
