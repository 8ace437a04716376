import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonChatClient, type ChatMessage } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, nextEvent } from './helpers/sockets.js';
import { killAll, Spawned } from './fixtures/spawned.js';

// Issue 5, "A kill -9 of the hub under load, then a restart: clients reconnect with jitter and
// resume their rooms". The hub runs in its own process (test/fixtures/chaos-hub.ts) so that it
// can be killed with SIGKILL: no goodbye, no FIN from the application, no retry hint.

const track = closeAfterEach();
afterEach(killAll);

const CLIENTS = 20;
const ROOMS = 5;
const FIXTURE = join('test', 'fixtures', 'chaos-hub.ts');
/** Full jitter over capped exponential backoff: attempt n waits a random time below min(1000, 100 * 2^(n-1)) ms. */
const RECONNECT = { initialDelay: 100, maxDelay: 1000 };

/** The two rooms client `index` joins (besides the default room); it talks in the second. */
const roomsOf = (index: number): [string, string] => [`r${index % ROOMS}`, `r${(index + 1) % ROOMS}`];
const nickOf = (index: number): string => `c${index}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The hub in a process of its own, so that it can be killed; `port` 0 takes a free one. */
function spawnHub(name: string, port: number): Spawned {
  return new Spawned(name, process.execPath, ['--import', 'tsx', FIXTURE, String(port), 'json']);
}

describe('kill -9 of the hub under load', () => {
  it(`${CLIENTS} JsonChatClients in rooms reconnect by themselves, with jitter, to a hub restarted on the same port, and resume their rooms`, async () => {
    const first = spawnHub('hub-1', 0);
    const port = Number((await first.waitFor(/READY (\d+)/))[1]);

    const clients = Array.from({ length: CLIENTS }, (_, index) =>
      track(new JsonChatClient({ host: '127.0.0.1', port, nick: nickOf(index), reconnect: RECONNECT, connectTimeout: 3000 }), (client) => client.close()),
    );
    const received = clients.map(() => [] as ChatMessage[]);
    const reconnectedAt = new Array<number>(CLIENTS).fill(0);
    const firstDelays: number[] = [];
    const disconnects: string[] = [];
    clients.forEach((client, index) => {
      client.on('message', (message) => received[index]?.push(message));
      client.on('disconnect', (reason) => disconnects.push(reason));
      client.on('reconnecting', (attempt, delayMs) => {
        if (attempt === 1) firstDelays.push(delayMs);
      });
      client.on('reconnect', () => (reconnectedAt[index] = Date.now()));
    });
    await Promise.all(clients.map((client) => client.connect()));
    for (const [index, client] of clients.entries()) {
      for (const room of roomsOf(index)) {
        const joined = nextEvent(client, 'join', 3000);
        client.join(room);
        await joined;
      }
    }

    // Load: every connected client says a numbered line in one of its rooms every 20 ms.
    let tick = 0;
    const traffic = setInterval(() => {
      tick += 1;
      for (const [index, client] of clients.entries()) {
        if (client.isConnected) client.send(`load ${index} ${tick}`, roomsOf(index)[tick % 2]);
      }
    }, 20);
    const delivered = (): number => received.reduce((sum, list) => sum + list.length, 0);
    try {
      await eventually(() => delivered() > 2000, 5000, 'traffic to flow');

      // SIGKILL, mid-traffic. Every client notices by itself.
      first.child.kill('SIGKILL');
      await first.exited;
      await eventually(() => disconnects.length === CLIENTS, 5000, 'every client to notice the hub is gone');
      expect(clients.every((client) => !client.isConnected)).toBe(true);
      // Down for a while: the clients' first attempts are refused and they back off.
      await sleep(300);

      const restartedAt = Date.now();
      const second = spawnHub('hub-2', port);
      await second.waitFor(`READY ${port}`);
      await eventually(() => reconnectedAt.every((at) => at !== 0), 10_000, 'every client to reconnect');
      const times = reconnectedAt.map((at) => at - restartedAt);
      if (process.env.PROBE_LOG) console.log({ times: [...times].sort((a, b) => a - b), firstDelays, disconnects: [...new Set(disconnects)] });

      // Jitter: the clients chose different waits and came back spread out, not in one burst.
      expect(new Set(firstDelays).size).toBeGreaterThan(CLIENTS / 2);
      const sorted = [...times].sort((a, b) => a - b);
      expect((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)).toBeGreaterThanOrEqual(100);
      // No 20 ms window holds more than half of them.
      for (const [at, start] of sorted.entries()) {
        const inWindow = sorted.slice(at).filter((time) => time - start < 20).length;
        expect(inWindow).toBeLessThanOrEqual(CLIENTS / 2);
      }

      // Each restored its own nickname and rooms, and talks where it talked before.
      for (const [index, client] of clients.entries()) {
        expect(client.isConnected).toBe(true);
        expect(client.nick).toBe(nickOf(index));
        expect([...client.rooms].sort()).toEqual(['lobby', ...roomsOf(index)].sort());
        expect(client.room).toBe(roomsOf(index)[1]);
      }
    } finally {
      clearInterval(traffic);
    }

    // The restarted hub agrees: a message said in each room after the restart reaches exactly
    // its members, from the right nickname.
    await sleep(100); // the last load lines in flight
    for (const list of received) list.length = 0;
    for (const [index, client] of clients.entries()) {
      for (const room of roomsOf(index)) client.send(`after ${index} ${room}`, room);
    }
    const membersOf = (room: string): number[] => clients.map((_, index) => index).filter((index) => roomsOf(index).includes(room));
    const expectedFor = (index: number): string[] =>
      roomsOf(index)
        .flatMap((room) => membersOf(room).filter((other) => other !== index).map((other) => `${room} ${nickOf(other)} after ${other} ${room}`))
        .sort();
    const heardBy = (index: number): string[] =>
      (received[index] ?? []).filter((message) => message.text.startsWith('after ')).map((message) => `${message.room} ${message.sender} ${message.text}`).sort();
    await eventually(() => clients.every((_, index) => heardBy(index).length >= expectedFor(index).length), 5000, 'the after-restart messages');
    for (const index of clients.keys()) expect(heardBy(index)).toEqual(expectedFor(index));
    await Promise.all(clients.map((client) => client.close()));
  }, 30_000);
});
