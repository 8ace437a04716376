/**
 * The cluster under load, the same for every broker: a thousand clients whose presence is far
 * bigger than one broker message, and a client pasting megabytes of short lines while a quiet
 * pair in another room talks across hubs. Hubs run in processes of their own.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll } from '../fixtures/spawned.js';
import { lineMatching, linesOf } from './chat.js';
import { hubStats, missingBrokerTest, removeNatsBucket, sharedBrokerUrl, testPrefix, type BrokerKind, type HubProcess } from './cluster.js';
import { clientCount, printed, remoteView, startLoadHub } from './cluster-load.js';
import { RawPeer } from './sockets.js';

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const peers: RawPeer[] = [];
const sockets: Socket[] = [];
const hubs: HubProcess[] = [];

/** A line client on `port`, welcomed, named `nick`, in `room` too when one is given. */
async function client(port: number, nick: string, room?: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  peers.push(peer);
  await lineMatching(peer, '* welcome, ', 5000);
  peer.write(`/nick ${nick}\n`);
  await lineMatching(peer, `is now known as ${nick}`, 5000);
  if (room !== undefined) {
    peer.write(`/join ${room}\n`);
    await lineMatching(peer, `* ${nick} joined ${room}`, 5000);
  }
  return peer;
}

/** A connection that reads and throws away everything it is sent: a client that costs the test nothing. */
async function quietSocket(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1' });
  sockets.push(socket);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // Flowing without a listener: the data is read and dropped.
  socket.resume();
  return socket;
}

/** The numbers of `sender`'s messages `<sender>-<n>` in room `room` that `peer` received, in arrival order. */
function numbersFrom(peer: RawPeer, sender: string, room: string): number[] {
  const pattern = new RegExp(`^\\[${room}\\] ${sender}: ${sender}-(\\d+)$`);
  const numbers: number[] = [];
  for (const line of linesOf(peer)) {
    const match = pattern.exec(line);
    if (match !== null) numbers.push(Number(match[1]));
  }
  return numbers;
}

/** Waits until `probe` holds, asking every `every` ms, for at most `ms`. */
async function until(probe: () => Promise<boolean>, ms: number, what: string, every = 200): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

/** A room name of exactly 32 characters (the longest there may be). */
const longRoom = (index: number): string => `room-${String(index).padStart(3, '0')}-${'x'.repeat(23)}`;

/** Defines the load tests for `kind`, or one skipped test that says what is missing. */
export function clusterLoadSuite(kind: BrokerKind, missing: string | undefined): void {
  if (missing !== undefined) {
    describe(`${kind} cluster under load`, () => {
      missingBrokerTest(missing);
    });
    return;
  }

  const url = sharedBrokerUrl(kind);
  let prefix = testPrefix();

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.destroy();
    for (const socket of sockets.splice(0)) socket.destroy();
    // Closed as a hub closes (its nickname claims released), or killed if it takes too long.
    const closing = hubs.splice(0);
    for (const hub of closing) hub.process.signal('SIGTERM');
    await Promise.all(closing.map((hub) => hub.process.waitExit(5000).catch(() => undefined)));
    await killAll();
    if (kind === 'nats') await removeNatsBucket(url, prefix);
    prefix = testPrefix();
  }, 15_000);
  afterAll(async () => {
    await killAll();
  });

  describe(`${kind} cluster under load`, () => {
    it('keeps 1,000 clients in 31 long-named rooms in the other hub’s presence, heartbeat after heartbeat', async () => {
      const rooms = range(31).map(longRoom);
      expect(rooms.every((room) => room.length === 32)).toBe(true);
      // Short timings: a hub whose heartbeats did not get through would be dropped within 1.2 s.
      const timings = { heartbeatInterval: 400, presenceTimeout: 1200 };
      const a = await startLoadHub(kind, url, prefix, { ...timings, rooms });
      hubs.push(a);
      const target = await client(a.port, 'target');
      for (let batch = 0; batch < 999; batch += 111) await Promise.all(range(Math.min(111, 999 - batch)).map(() => quietSocket(a.port)));
      await until(async () => (await clientCount(a)) === 1000, 15_000, '1,000 clients on hub A');
      // Hub B comes after: all it knows of them is hub A's presence snapshot, about 1.1 MB, over
      // the broker's largest message (NATS's max_payload, the adapters' 1 MiB frames).
      const b = await startLoadHub(kind, url, prefix, timings);
      hubs.push(b);
      const watcher = await client(b.port, 'watcher', rooms[0]);
      const everyone = { peers: 1000, memberships: 1000 * 32 };
      await until(
        async () => {
          const view = await remoteView(b);
          return view.peers === everyone.peers && view.memberships === everyone.memberships;
        },
        10_000,
        'hub B to see all of hub A’s clients in all their rooms',
      );
      // Three presence timeouts, many heartbeats: nobody is dropped, not for a moment.
      const start = Date.now();
      for (let probe = 0; probe < 100 && Date.now() - start < 3 * timings.presenceTimeout; probe += 1) {
        expect(await remoteView(b)).toEqual(everyone);
        await sleep(150);
      }
      watcher.write('/msg target are you still there?\n');
      await lineMatching(target, '[dm] watcher: are you still there?', 5000);
      expect(linesOf(watcher).filter((line) => line.includes(' left '))).toEqual([]);
      expect((await hubStats(a)).dropped).toBe(0);
      expect((await hubStats(b)).missed).toBe(0);
      expect([...printed(a, 'ERROR'), ...printed(b, 'ERROR')]).toEqual([]);
    }, 60_000);

    it('delivers every message of a quiet pair while a client pastes 2 MB of short lines into another room', async () => {
      const [a, b] = await Promise.all([startLoadHub(kind, url, prefix), startLoadHub(kind, url, prefix)]);
      hubs.push(a, b);
      const [pat, mallory] = await Promise.all([client(a.port, 'pat', 'quiet'), client(a.port, 'mallory', 'noisy')]);
      const [quinn, reader] = await Promise.all([client(b.port, 'quinn', 'quiet'), client(b.port, 'reader', 'noisy')]);
      // Hub A has heard of hub B's pair member: the link works both ways before they talk.
      await lineMatching(pat, '* quinn joined quiet', 5000);
      // One-character lines: the most events (and so the most broker traffic, ~130 MB) 2 MiB of input can make.
      const pasteLines = 1024 * 1024;
      const paste = 'm\n'.repeat(pasteLines);
      expect(paste.length).toBe(2 * 1024 * 1024);
      const before = reader.newlines;
      const count = 550;
      let sent = 0;
      // The pair talks all along, 5 numbered messages each way per write, every 100 ms (11 s in all, while the paste crosses); the paste lands after the first writes.
      for (let round = 0; round < 200 && sent < count; round += 1) {
        const numbers = range(Math.min(5, count - sent)).map((k) => sent + k);
        pat.write(numbers.map((n) => `pat-${n}\n`).join(''));
        quinn.write(numbers.map((n) => `quinn-${n}\n`).join(''));
        sent += numbers.length;
        if (round === 3) mallory.write(paste);
        await sleep(100);
      }
      expect(sent).toBe(count);
      await quinn.until(() => numbersFrom(quinn, 'pat', 'quiet').length >= count, 60_000);
      await pat.until(() => numbersFrom(pat, 'quinn', 'quiet').length >= count, 60_000);
      expect(numbersFrom(quinn, 'pat', 'quiet')).toEqual(range(count));
      expect(numbersFrom(pat, 'quinn', 'quiet')).toEqual(range(count));
      // The paste was slowed down, not dropped: the reader across the cluster gets all of it.
      await reader.newlinesReach(before + pasteLines, 60_000);
      expect(linesOf(reader).filter((line) => line === '[noisy] mallory: m')).toHaveLength(pasteLines);
      // Both hubs stayed subscribed all along, neither lost a frame of the other, and hub A did
      // run out of budget (and held its senders back) rather than drop anything.
      for (const hub of [a, b]) {
        expect(printed(hub, 'STATUS').filter((line) => line !== 'STATUS connected')).toEqual([]);
        expect(printed(hub, 'ERROR')).toEqual([]);
        expect(await hubStats(hub)).toMatchObject({ missed: 0, dropped: 0, waiting: 0 });
      }
      expect((await hubStats(a)).throttled).toBeGreaterThan(0);
    }, 150_000);
  });
}
