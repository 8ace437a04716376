/**
 * The chat the random-reset tests run (test/history-chaos.test.ts on one hub,
 * test/history-cluster-chaos.test.ts across three): one sender per room streaming numbered
 * messages, receivers behind TCP switches that the test cuts, and the check that every receiver
 * ends with every message of its room exactly once, in order.
 */
import { expect } from 'vitest';
import { JsonChatClient, type HistoryStatus } from '../../src/index.js';
import type { Track } from './cleanup.js';
import { eventually, nextEvent } from './sockets.js';
import type { TcpSwitch } from './tcp-switch.js';

/** Rooms of the chat, each with one sender. */
export const CHAOS_ROOMS = 4;
/** Between two messages of one sender. */
const SEND_EVERY_MS = 10;

/** Room 0 is the default room, which a client is back in with its hello, before any join. */
export const chaosRoomName = (index: number): string => (index === 0 ? 'lobby' : `room${index}`);

/** A receiver and what it heard: the numbers of its room's messages, and the ends of its replays. */
export interface ChaosReceiver {
  readonly client: JsonChatClient;
  readonly received: number[];
  readonly statuses: HistoryStatus[];
}

/** Connects room `r`'s sender to the hub on `portOf(r)`, in its room. */
export async function chaosSenders(track: Track, portOf: (room: number) => number): Promise<JsonChatClient[]> {
  const senders: JsonChatClient[] = [];
  for (let room = 0; room < CHAOS_ROOMS; room += 1) {
    const sender = track(new JsonChatClient({ host: '127.0.0.1', port: portOf(room), nick: `sender${room}` }), (c) => c.close());
    await sender.connect();
    if (room > 0) {
      const joined = nextEvent(sender, 'join');
      sender.join(chaosRoomName(room));
      await joined;
    }
    senders.push(sender);
  }
  return senders;
}

/** Connects receiver `i` through `links[i]`, in room `i % CHAOS_ROOMS`, reconnecting within 100 ms of a cut. */
export async function chaosReceivers(track: Track, links: readonly TcpSwitch[]): Promise<ChaosReceiver[]> {
  const receivers: ChaosReceiver[] = [];
  for (const [index, link] of links.entries()) {
    const room = chaosRoomName(index % CHAOS_ROOMS);
    const client = track(
      new JsonChatClient({ host: '127.0.0.1', port: link.port, nick: `r${index}`, reconnect: { retryStrategy: () => 10 + Math.floor(Math.random() * 90) } }),
      (c) => c.close(),
    );
    const received: number[] = [];
    const statuses: HistoryStatus[] = [];
    client.on('message', (message) => {
      if (message.room === room) received.push(Number(message.text.split(':')[1]));
    });
    client.on('history', (status) => statuses.push(status));
    await client.connect();
    if (room !== 'lobby') {
      const joined = nextEvent(client, 'join');
      client.join(room);
      await joined;
    }
    receivers.push({ client, received, statuses });
  }
  return receivers;
}

/**
 * Streams numbered messages from every sender for `ms`, calling `cut` every 40 to 160 ms with a
 * link chosen at random among those up. Returns how many messages each room's sender sent.
 */
export async function streamWithCuts(senders: readonly JsonChatClient[], links: readonly TcpSwitch[], ms: number, cut: (link: TcpSwitch) => void): Promise<number[]> {
  const sent = new Array<number>(CHAOS_ROOMS).fill(0);
  const started = Date.now();
  const streaming = setInterval(() => {
    for (let room = 0; room < CHAOS_ROOMS; room += 1) {
      sent[room] = (sent[room] ?? 0) + 1;
      senders[room]?.send(`${room}:${sent[room]}`);
    }
  }, SEND_EVERY_MS);
  while (Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, 40 + Math.random() * 120));
    const link = links[Math.floor(Math.random() * links.length)];
    if (link?.up !== true) continue;
    cut(link);
  }
  clearInterval(streaming);
  return [...sent];
}

/** Waits for every receiver to be back with its room's last message, then checks it heard 1..N exactly once, in order, and no recovery failed. */
export async function expectEveryMessageOnce(receivers: readonly ChaosReceiver[], last: readonly number[]): Promise<void> {
  await eventually(
    () => receivers.every(({ client, received }, index) => received.at(-1) === last[index % CHAOS_ROOMS] && client.isConnected),
    30_000,
    'every receiver to have its room up to the last message',
  );
  for (const [index, { received, statuses }] of receivers.entries()) {
    const expected = Array.from({ length: last[index % CHAOS_ROOMS] ?? 0 }, (_, n) => n + 1);
    // Exactly once and in order: the list is 1..N, nothing missing, doubled or swapped.
    expect(received, `receiver r${index}`).toEqual(expected);
    expect(
      statuses.filter((status) => status.recovered === false),
      `receiver r${index}'s recoveries`,
    ).toEqual([]);
  }
}

/** The replays that recovered something, of the default room and of the others. */
export function recoveries(receivers: readonly ChaosReceiver[]): { lobby: number; rooms: number } {
  const recovered = receivers.flatMap(({ statuses }) => statuses).filter((status) => status.recovered === true && status.replayed > 0);
  return { lobby: recovered.filter((status) => status.room === 'lobby').length, rooms: recovered.filter((status) => status.room?.startsWith('room') === true).length };
}
