/**
 * The cluster tests, the same for every broker: hubs in separate processes, line clients
 * spread across them, and the broker or a hub taken away in the middle.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../fixtures/spawned.js';
import { lineMatching, linesOf } from './chat.js';
import { hubStats, missingBrokerTest, OwnBroker, removeNatsBucket, sharedBrokerUrl, startHubProcess, testPrefix, type BrokerKind, type HubProcess } from './cluster.js';
import { RawPeer } from './sockets.js';

const clients: RawPeer[] = [];

/** A line client on `port`, welcomed, and named `nick` when one is given. */
async function client(port: number, nick?: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  clients.push(peer);
  await lineMatching(peer, '* welcome, ');
  if (nick !== undefined) {
    peer.write(`/nick ${nick}\n`);
    await lineMatching(peer, `is now known as ${nick}`, 5000);
  }
  return peer;
}

/** Asks `/who ROOM` until the answer lists exactly `names` (presence crosses hubs asynchronously). */
async function whoBecomes(peer: RawPeer, room: string, names: string[], ms = 5000): Promise<void> {
  const expected = `* in ${room}: ${[...names].sort().join(', ')}`;
  const deadline = Date.now() + ms;
  for (;;) {
    peer.write(`/who ${room}\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answers = linesOf(peer).filter((line) => line.startsWith(`* in ${room}: `) || line === `* nobody is in ${room}`);
    if (answers.at(-1) === expected) return;
    if (Date.now() > deadline) throw new Error(`/who ${room} said ${JSON.stringify(answers.at(-1))}, expected ${JSON.stringify(expected)}`);
  }
}

/** The numbers of `sender`'s messages `<sender>-<n>` in what `peer` received, in arrival order. */
function numbersFrom(peer: RawPeer, sender: string, room?: string): number[] {
  const pattern = new RegExp(`^${room === undefined ? '' : `\\[${room}\\] `}${sender}: ${sender}-(\\d+)$`);
  const numbers: number[] = [];
  for (const line of linesOf(peer)) {
    const match = pattern.exec(line);
    if (match !== null) numbers.push(Number(match[1]));
  }
  return numbers;
}

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The numbers `<word>-<n>` that `peer` received as whole lines ending so (a host's broadcasts), in arrival order. */
function numbered(peer: RawPeer, word: string): number[] {
  const pattern = new RegExp(`(?:^|\\s)${word}-(\\d+)$`);
  const numbers: number[] = [];
  for (const line of linesOf(peer)) {
    const match = pattern.exec(line);
    if (match !== null) numbers.push(Number(match[1]));
  }
  return numbers;
}

/** Every hub saw every frame of the others once: none missed, none twice. */
async function expectCleanStreams(hubs: readonly HubProcess[]): Promise<void> {
  for (const [index, hub] of hubs.entries()) {
    const stats = await hubStats(hub);
    expect({ hub: index, missed: stats.missed, duplicates: stats.duplicates }).toEqual({ hub: index, missed: 0, duplicates: 0 });
  }
}

/** Defines the cluster tests for `kind`, or one skipped test that says what is missing. */
export function clusterSuite(kind: BrokerKind, missing: string | undefined): void {
  if (missing !== undefined) {
    describe(`${kind} cluster`, () => {
      missingBrokerTest(missing);
    });
    return;
  }

  afterEach(() => {
    for (const peer of clients.splice(0)) peer.destroy();
  });
  afterAll(async () => {
    await killAll();
  });

  describe(`${kind} cluster: three hubs in three processes`, () => {
    const prefix = testPrefix();
    const url = sharedBrokerUrl(kind);
    let hubs: HubProcess[] = [];

    beforeAll(async () => {
      hubs = await Promise.all(range(3).map(() => startHubProcess(kind, url, prefix)));
    }, 30_000);
    afterAll(async () => {
      for (const hub of hubs) hub.process.signal('SIGTERM');
      await Promise.all(hubs.map((hub) => hub.process.waitExit()));
      if (kind === 'nats') await removeNatsBucket(url, prefix);
    }, 15_000);

    const port = (index: number): number => hubs[index % 3]?.port ?? 0;

    it('delivers every sender’s messages to every receiver on every hub, in order, once', async () => {
      const count = 150;
      const names = range(6).map((index) => `p${index}`);
      const peers = await Promise.all(names.map((nick, index) => client(port(index), nick)));
      // Senders on all three hubs, two of them on the same hub.
      const senders = [0, 1, 2, 3];
      // In rounds of bursts of 1 to 12 lines, one write each and a pause between rounds: each
      // hub publishes many frames over many turns, with the senders' bursts interleaved.
      const next = senders.map(() => 0);
      for (let round = 0; round < 40 && next.some((n) => n < count); round += 1) {
        for (const [slot, index] of senders.entries()) {
          const from = next[slot] ?? count;
          const to = Math.min(count, from + 1 + ((round * 5 + slot * 3) % 12));
          if (from < to) peers[index]?.write(range(to - from).map((k) => `${names[index] ?? ''}-${from + k}\n`).join(''));
          next[slot] = to;
        }
        await sleep(3 + (round % 4) * 2);
      }
      expect(next).toEqual(senders.map(() => count));
      await Promise.all(
        peers.map(async (peer, index) => {
          const expected = senders.filter((sender) => sender !== index).length * count;
          await peer.until(() => senders.reduce((sum, sender) => sum + (sender === index ? 0 : numbersFrom(peer, names[sender] ?? '').length), 0) >= expected, 15_000);
        }),
      );
      await sleep(200);
      for (const [index, peer] of peers.entries()) {
        for (const sender of senders) {
          const got = numbersFrom(peer, names[sender] ?? '');
          expect(got, `${names[index] ?? ''} from ${names[sender] ?? ''}`).toEqual(sender === index ? [] : range(count));
        }
      }
      await expectCleanStreams(hubs);
    }, 30_000);

    it('splits a turn too big for one broker message, and delivers it all, in order', async () => {
      const [writer, near, far] = await Promise.all([client(port(0), 'bulk'), client(port(0)), client(port(2))]);
      // 30,000 host broadcasts in one turn of hub 0 are about 1.5 MB of events, over NATS's
      // 1 MB max_payload and the adapters' 1 MiB frame cap.
      const broadcasts = 30_000;
      hubs[0]?.process.type(`burst ${broadcasts} hb\n`);
      // And a client's burst of short lines in one write: a 64 KiB read of them is about 1 MB of events.
      const lines = 20_000;
      writer.write(range(lines).map((n) => `bulk-${n}\n`).join(''));
      await Promise.all([near, far].map((peer) => peer.until(() => numbered(peer, 'hb').length >= broadcasts && numbersFrom(peer, 'bulk').length >= lines, 20_000)));
      for (const peer of [near, far]) {
        expect(numbered(peer, 'hb')).toEqual(range(broadcasts));
        expect(numbersFrom(peer, 'bulk')).toEqual(range(lines));
      }
      // Hub 1 had no peer of these: its counters say it got every frame, once.
      await expectCleanStreams(hubs);
      const [sender] = hubs;
      if (sender === undefined) throw new Error('no hubs');
      expect((await hubStats(sender)).dropped).toBe(0);
      expect(hubs.flatMap((hub) => hub.process.printed.stdout.split('\n').filter((line) => line.startsWith('ERROR')))).toEqual([]);
    }, 40_000);

    it('carries rooms, direct messages and the host’s broadcasts across hubs', async () => {
      const [alice, bob, carol] = await Promise.all([client(port(0), 'alice'), client(port(1), 'bob'), client(port(2), 'carol')]);
      alice.write('/join dev\n');
      bob.write('/join dev\n');
      await lineMatching(alice, '* alice joined dev');
      await whoBecomes(carol, 'dev', ['alice', 'bob']);
      bob.write('bob-1\n');
      await lineMatching(alice, '[dev] bob: bob-1');
      alice.write('/msg carol psst\n');
      await lineMatching(carol, '[dm] alice: psst');
      carol.write('/msg bob hi there\n');
      await lineMatching(bob, '[dm] carol: hi there');
      carol.write('/msg nobody-here hi\n');
      await lineMatching(carol, '! nobody is called nobody-here');
      hubs[2]?.process.type('broadcast from the host of hub 2\n');
      await Promise.all([alice, bob, carol].map((peer) => lineMatching(peer, 'from the host of hub 2')));
      // The room message reached the room only, and the direct messages their receiver only.
      carol.write('/who\n');
      await lineMatching(carol, /^\* in lobby: .*alice.*bob.*carol/);
      expect(linesOf(carol).some((line) => line.includes('bob-1'))).toBe(false);
      expect(linesOf(bob).some((line) => line.includes('psst'))).toBe(false);
      expect(linesOf(alice).some((line) => line.includes('hi there'))).toBe(false);
    }, 20_000);

    it('lists everyone on every hub in /who, and drops who left', async () => {
      const room = 'presence';
      const [ann, ben, cid] = await Promise.all([client(port(0), 'ann'), client(port(1), 'ben'), client(port(2), 'cid')]);
      for (const peer of [ann, ben, cid]) peer.write(`/join ${room}\n`);
      await whoBecomes(ann, room, ['ann', 'ben', 'cid']);
      await whoBecomes(cid, room, ['ann', 'ben', 'cid']);
      ben.write('/leave presence\n');
      cid.destroy();
      await whoBecomes(ann, room, ['ann']);
      await lineMatching(ann, '* cid left presence');
    }, 20_000);

    it('gives a nickname to one peer of the cluster only', async () => {
      const [one, two] = await Promise.all([client(port(0)), client(port(1))]);
      one.write('/nick zed\n');
      two.write('/nick zed\n');
      // Each hears the other's rename too: only its own (under its guest name) counts.
      const outcome = async (peer: RawPeer): Promise<'won' | 'lost'> => {
        const guest = /^\* welcome, (\S+):/.exec(linesOf(peer)[0] ?? '')?.[1] ?? '?';
        const line = await lineMatching(peer, new RegExp(`^\\* ${guest} is now known as zed$|^! nickname 'zed' is already taken$`));
        return line.startsWith('!') ? 'lost' : 'won';
      };
      const results = await Promise.all([outcome(one), outcome(two)]);
      expect([...results].sort()).toEqual(['lost', 'won']);
      // Once the winner is gone the name is free again, on any hub.
      const [winner, loser] = results[0] === 'won' ? [one, two] : [two, one];
      winner.destroy();
      const deadline = Date.now() + 5000;
      for (;;) {
        loser.write('/nick zed\n');
        await new Promise((resolve) => setTimeout(resolve, 150));
        if (linesOf(loser).some((line) => line.endsWith('is now known as zed'))) break;
        if (Date.now() > deadline) throw new Error(`zed never became free: ${linesOf(loser).slice(-3).join(' | ')}`);
      }
    }, 20_000);
    it('refuses a look-alike of a name held on another hub (aIice beside alice), and lets the holder change its own case', async () => {
      const alice = await client(port(0), 'alice');
      const other = await client(port(1));
      // Presence crosses hubs asynchronously: ask until the other hub knows alice.
      const deadline = Date.now() + 5000;
      for (;;) {
        other.write('/nick aIice\n');
        await new Promise((resolve) => setTimeout(resolve, 150));
        if (linesOf(other).some((line) => line.startsWith("! nickname 'aIice' looks too much like 'alice'"))) break;
        if (linesOf(other).some((line) => line.endsWith('is now known as aIice'))) throw new Error('aIice was given beside alice');
        if (Date.now() > deadline) throw new Error(`no refusal: ${linesOf(other).slice(-3).join(' | ')}`);
      }
      alice.write('/nick Alice\n');
      await lineMatching(alice, '* alice is now known as Alice', 5000);
    }, 20_000);
  });

  describe(`${kind} cluster: graceful close`, () => {
    it('frees the nicknames of a hub closed with hub.close() at once, and says goodbye for each of its peers', async () => {
      const url = sharedBrokerUrl(kind);
      const prefix = testPrefix();
      // Claims live far longer than the test waits: only their release can free the name in time.
      const timings = { heartbeat: 1000, timeout: 30_000 };
      const [stay, closing] = await Promise.all([startHubProcess(kind, url, prefix, timings), startHubProcess(kind, url, prefix, timings)]);
      const watcher = await client(stay.port, 'watcher');
      await client(closing.port, 'ada');
      await whoBecomes(watcher, 'lobby', ['ada', 'watcher']);
      // SIGTERM: the fixture awaits hub.close(), then exits.
      closing.process.signal('SIGTERM');
      expect((await closing.process.exited).code).toBe(0);
      // Her own goodbye (no reason given), not the one the others make up when her hub says bye or falls silent.
      await lineMatching(watcher, /^\* ada left lobby/, 3000);
      expect(linesOf(watcher).filter((line) => line.startsWith('* ada left lobby'))).toEqual(['* ada left lobby']);
      // A new hub knows nothing of ada: only the broker's claim could refuse her name.
      const fresh = await startHubProcess(kind, url, prefix, timings);
      const newcomer = await client(fresh.port);
      const deadline = Date.now() + 3000;
      for (;;) {
        newcomer.write('/nick ada\n');
        await sleep(150);
        if (linesOf(newcomer).some((line) => line.endsWith('is now known as ada'))) break;
        if (Date.now() > deadline) throw new Error(`ada was not freed by hub.close(): ${linesOf(newcomer).slice(-3).join(' | ')}`);
      }
      // The release was not just late: nothing about it went wrong.
      expect(closing.process.printed.stdout.split('\n').filter((line) => line.startsWith('ERROR'))).toEqual([]);
      for (const hub of [stay, fresh]) hub.process.signal('SIGTERM');
      await Promise.all([stay, fresh].map((hub) => hub.process.exited));
      if (kind === 'nats') await removeNatsBucket(url, prefix);
    }, 30_000);
  });

  describe(`${kind} cluster: failures`, () => {
    let broker: OwnBroker | undefined;
    afterAll(async () => {
      await killAll();
      await broker?.close();
    });

    it('keeps local delivery through a broker restart, then recovers by itself', async () => {
      broker = await OwnBroker.start(kind);
      const prefix = testPrefix();
      const [one, two] = await Promise.all([startHubProcess(kind, broker.url, prefix), startHubProcess(kind, broker.url, prefix)]);
      const [talker, neighbour, faraway] = await Promise.all([client(one.port, 'talker'), client(one.port, 'neighbour'), client(two.port, 'faraway')]);
      // Traffic all along: a numbered message every 20 ms.
      let sent = 0;
      const ticker = setInterval(() => {
        talker.write(`talker-${sent}\n`);
        sent += 1;
      }, 20);
      try {
        await faraway.until(() => numbersFrom(faraway, 'talker').length >= 5, 5000);
        await broker.stop();
        await Promise.all([one.process.waitFor('STATUS disconnected'), two.process.waitFor('STATUS disconnected')]);
        const during = sent;
        await neighbour.until(() => numbersFrom(neighbour, 'talker').length >= during + 5, 5000);
        // What needs the other hubs is refused, with a reason, rather than dropped or misreported.
        talker.write('/msg faraway are you there?\n');
        await lineMatching(talker, '! cannot reach faraway: the link to the other hubs is disconnected');
        neighbour.write('/nick newname\n');
        await lineMatching(neighbour, `! ${kind}: cannot check nickname 'newname' with the other hubs: the broker is unreachable`);
        await broker.start();
        await Promise.all([one.process.waitFor('STATUS connected', 'stdout', 10_000), two.process.waitFor('STATUS connected', 'stdout', 10_000)]);
        const after = sent;
        await faraway.until(() => numbersFrom(faraway, 'talker').some((n) => n > after + 5), 5000);
      } finally {
        clearInterval(ticker);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      // On the talker's own hub: every message, in order.
      expect(numbersFrom(neighbour, 'talker')).toEqual(range(sent));
      // Across the outage: in order, never twice, some lost (at most once).
      const far = numbersFrom(faraway, 'talker');
      expect(far.every((n, index) => index === 0 || n > (far[index - 1] ?? -1))).toBe(true);
      expect(far.length).toBeLessThan(sent);
      // Back to normal both ways, presence and nickname claims included.
      faraway.write('faraway-0\n');
      await lineMatching(talker, 'faraway: faraway-0');
      await whoBecomes(faraway, 'lobby', ['faraway', 'neighbour', 'talker']);
      const newcomer = await client(two.port);
      newcomer.write('/nick talker\n');
      await lineMatching(newcomer, "! nickname 'talker' is already taken");
    }, 40_000);

    it('hears a hub restarted under the same fixed id at once, and drops the peers of its old run', async () => {
      const url = sharedBrokerUrl(kind);
      const prefix = testPrefix();
      // A presence timeout far beyond the test's waits: expiry cannot be what lets the new run in.
      const timings = { heartbeat: 1000, timeout: 30_000 };
      const hubId = `fixed-${prefix}`;
      const [stay, first] = await Promise.all([startHubProcess(kind, url, prefix, timings), startHubProcess(kind, url, prefix, timings, hubId)]);
      const listener = await client(stay.port, 'listener');
      const old = await client(first.port, 'old');
      // Many frames from the first run, one per turn: a new run numbered from 1 stays behind them.
      const frames = 60;
      for (const n of range(frames)) {
        old.write(`old-${n}\n`);
        await sleep(3);
      }
      await listener.until(() => numbersFrom(listener, 'old').length >= frames, 5000);
      first.process.signal('SIGKILL');
      await first.process.exited;
      const second = await startHubProcess(kind, url, prefix, timings, hubId);
      expect(second.hubId).toBe(hubId);
      await lineMatching(listener, '* old left lobby (hub restarted)', 5000);
      const fresh = await client(second.port, 'fresh');
      fresh.write('fresh-0\n');
      await lineMatching(listener, 'fresh: fresh-0', 3000);
      await whoBecomes(listener, 'lobby', ['fresh', 'listener']);
      expect(numbersFrom(listener, 'old')).toEqual(range(frames));
      const stats = await hubStats(stay);
      expect({ missed: stats.missed, duplicates: stats.duplicates }).toEqual({ missed: 0, duplicates: 0 });
      for (const hub of [stay, second]) hub.process.signal('SIGTERM');
      await Promise.all([stay, second].map((hub) => hub.process.exited));
      if (kind === 'nats') await removeNatsBucket(url, prefix);
    }, 30_000);

    it('goes on without a hub killed with SIGKILL, expires its presence, and frees its names', async () => {
      const url = sharedBrokerUrl(kind);
      const prefix = testPrefix();
      const timings = { heartbeat: 300, timeout: 900 };
      const hubs = await Promise.all(range(3).map(() => startHubProcess(kind, url, prefix, timings)));
      const [watcher, other, victim] = await Promise.all([client(hubs[0]?.port ?? 0, 'watcher'), client(hubs[1]?.port ?? 0, 'other'), client(hubs[2]?.port ?? 0, 'victim')]);
      await whoBecomes(watcher, 'lobby', ['other', 'victim', 'watcher']);
      const killedAt = Date.now();
      hubs[2]?.process.signal('SIGKILL');
      await victim.waitClosed();
      other.write('other-0\n');
      await lineMatching(watcher, 'other: other-0');
      await lineMatching(watcher, '* victim left lobby (hub unreachable)', 5000);
      const expiredAfter = Date.now() - killedAt;
      // Within the presence timeout plus one heartbeat (the sweep's period), and some slack for a busy machine.
      expect(expiredAfter).toBeLessThan(timings.timeout + timings.heartbeat + 1000);
      await whoBecomes(other, 'lobby', ['other', 'watcher']);
      // Its client reconnects to another hub and takes its name back once the claim expired.
      const back = await client(hubs[0]?.port ?? 0);
      const deadline = Date.now() + 3000;
      for (;;) {
        back.write('/nick victim\n');
        await new Promise((resolve) => setTimeout(resolve, 150));
        if (linesOf(back).some((line) => line.endsWith('is now known as victim'))) break;
        if (Date.now() > deadline) throw new Error(`victim never became free: ${linesOf(back).slice(-3).join(' | ')}`);
      }
      for (const hub of hubs.slice(0, 2)) hub.process.signal('SIGTERM');
      await Promise.all(hubs.map((hub) => hub.process.exited));
      if (kind === 'nats') await removeNatsBucket(url, prefix);
    }, 30_000);
  });
}
