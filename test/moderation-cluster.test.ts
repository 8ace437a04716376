/**
 * Moderation across hubs: a ban, topic, kick or mute made on one hub holds on the others,
 * over a MemoryBroker, Redis and NATS alike; a hub that joins later learns the bans and
 * topics; and a malformed moderation event from the broker is ignored and reported, never
 * fatal. The Redis and NATS suites need the machine's brokers: they are skipped with the
 * reason where one is missing, and fail instead with REQUIRE_BROKERS=1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, MemoryBroker, type AdapterHost, type ClusterAdapter, type ClusterEvent, type HubOptions } from '../src/index.js';
import { closeAll, hubOn, lineMatching, linesOf, namedPeer, open, rawPeer } from './helpers/chat.js';
import { missingBroker, missingBrokerTest, OwnBroker, testPrefix } from './helpers/cluster.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { adapterFor, dropHistory, missingSharedBroker } from './history-cluster-helpers.js';

afterEach(closeAll);

type Kind = 'memory' | 'redis' | 'nats';

/** A host for an adapter with no hub behind it: a stand-in for a hostile or newer hub. */
const silentHost: AdapterHost = { localPresence: () => [], apply: () => undefined, status: () => undefined, error: () => undefined, drained: () => undefined };

for (const kind of ['memory', 'redis', 'nats'] as const satisfies readonly Kind[]) {
  const missing = kind === 'memory' ? undefined : await missingSharedBroker(kind);
  // The outage test starts and kills a broker of its own: it needs the server binary too.
  const noOwnBroker = kind === 'memory' || missing !== undefined ? undefined : await missingBroker(kind);

  describe(`moderation across hubs over ${kind}`, () => {
    if (missing !== undefined) {
      missingBrokerTest(missing);
      return;
    }

    /** A cluster of its own: a memory broker, or a prefix on the shared broker, removed after the test. */
    function cluster(): () => ClusterAdapter {
      if (kind === 'memory') {
        const broker = new MemoryBroker();
        return () => new BrokerAdapter(broker.transport());
      }
      const prefix = testPrefix();
      // Pushed first, so closed last: after the hubs are gone.
      open.push({ close: () => dropHistory(kind, prefix) });
      return () => adapterFor(kind, prefix);
    }

    /** A chat hub on the cluster, subscribed; its adapter errors are kept in `errors`. */
    async function clusterHub(adapter: () => ClusterAdapter, options: HubOptions = {}): Promise<{ hub: BroadcastHub; port: number; errors: Error[] }> {
      const link = adapter();
      const started = await hubOn({ chat: true, adapter: link, ...options });
      const errors: Error[] = [];
      started.hub.on('adapterError', (error) => errors.push(error));
      await link.ready();
      return { ...started, errors };
    }

    /** Waits until `hub` knows `nick` is on another hub (in `room`, if given). */
    async function sees(hub: BroadcastHub, nick: string, room?: string): Promise<void> {
      await eventually(() => hub.adapter?.findNick(nick)?.rooms.includes(room ?? 'lobby') === true, 5000, `${nick} to be seen from the other hub`);
    }

    it('disconnects a client banned on another hub, and refuses its name and address there with the reason', async () => {
      const adapter = cluster();
      const a = await clusterHub(adapter);
      const b = await clusterHub(adapter);
      const bob = await namedPeer(b.hub, b.port, 'bob');
      const carol = await namedPeer(b.hub, b.port, 'carol');
      await sees(a.hub, 'bob');
      const set = a.hub.moderation.ban('bob', { duration: '1h', reason: 'spam', by: 'ada' });
      await lineMatching(bob, /you are banned from this server \(spam; for (1h|60m)\)/);
      await bob.waitClosed();
      // On b, the same ban, with the same absolute expiry, and where it came from.
      expect(b.hub.moderation.bans()).toEqual([{ ...set, origin: a.hub.adapter?.hubId }]);
      expect(b.hub.findPeer('carol')).toBeDefined();
      // Back to b under the same name: refused, told why.
      const again = await rawPeer(b.hub, b.port);
      again.write('/nick bob\n');
      expect(await lineMatching(again, 'the nickname bob is banned')).toMatch(/\(spam; for (1h|60m)\)/);
      // An address ban set on a reaches b's door: carol (127.0.0.1) is cut, and refused when she comes back.
      const refused: string[] = [];
      b.hub.on('refused', (_remote, reason) => refused.push(reason));
      a.hub.moderation.ban('127.0.0.0/8', { reason: 'flood' });
      await lineMatching(carol, 'you are banned from this server (flood)');
      await carol.waitClosed();
      const door = await RawPeer.connect(b.port);
      open.push({
        close: () => {
          door.destroy();
          return Promise.resolve();
        },
      });
      await lineMatching(door, 'you are banned from this server (flood)');
      await door.waitClosed();
      expect(refused).toContain('banned');
      // Lifted on a, lifted on b.
      a.hub.moderation.unban('127.0.0.0/8');
      a.hub.moderation.unban('bob');
      await eventually(() => b.hub.moderation.bans().length === 0, 5000, 'the unbans to reach b');
      const back = await namedPeer(b.hub, b.port, 'bob');
      expect(b.hub.findPeer('bob')).toBeDefined();
      back.destroy();
      expect(b.errors).toEqual([]);
    });

    it('removes a client banned from a room on another hub, and refuses its join', async () => {
      const adapter = cluster();
      const a = await clusterHub(adapter);
      const b = await clusterHub(adapter);
      const bob = await namedPeer(b.hub, b.port, 'bob');
      bob.write('/join dev\n');
      await lineMatching(bob, 'bob joined dev');
      await sees(a.hub, 'bob', 'dev');
      a.hub.moderation.ban('bob', { room: 'dev', reason: 'off topic', by: 'ada' });
      await lineMatching(bob, 'bob was kicked from dev by ada (banned: off topic)');
      bob.write('/join dev\n');
      await lineMatching(bob, 'you are banned from dev (off topic)');
      expect(b.hub.moderation.bans('dev').map((ban) => ban.mask)).toEqual(['bob!*@*']);
    });

    it("shows a topic set on one hub to whoever joins the room on another", async () => {
      const adapter = cluster();
      const a = await clusterHub(adapter);
      const b = await clusterHub(adapter);
      const there = await namedPeer(b.hub, b.port, 'dora');
      there.write('/join dev\n');
      await lineMatching(there, 'dora joined dev');
      await sees(a.hub, 'dora', 'dev');
      a.hub.moderation.setTopic('dev', 'Be kind', { by: 'ada' });
      // Members there when it is set are told, as on the hub that set it...
      await lineMatching(there, 'topic of dev: Be kind (set by ada)');
      // ...and whoever joins later is shown it.
      const eve = await namedPeer(b.hub, b.port, 'eve');
      eve.write('/join dev\n');
      await lineMatching(eve, 'topic of dev: Be kind');
      expect(b.hub.moderation.topic('dev')).toEqual(a.hub.moderation.topic('dev'));
    });

    it("kicks and mutes, from an operator on one hub, a client on another", async () => {
      const adapter = cluster();
      const a = await clusterHub(adapter);
      const b = await clusterHub(adapter);
      const ada = await namedPeer(a.hub, a.port, 'ada');
      const opPeer = a.hub.findPeer('ada');
      if (opPeer === undefined) throw new Error('ada is not on a');
      a.hub.moderation.setOperator(opPeer);
      ada.write('/join dev\n');
      await lineMatching(ada, 'ada joined dev');
      const bob = await namedPeer(b.hub, b.port, 'bob');
      bob.write('/join dev\n');
      await lineMatching(bob, 'bob joined dev');
      await sees(a.hub, 'bob', 'dev');
      const kicks: string[] = [];
      b.hub.on('kick', (peer, room, by, reason) => kicks.push(`${peer.nick} ${room} ${by} ${reason}`));
      ada.write('/kick #dev bob spam\n');
      // Bob is told on his hub; ada, on hers, sees the kick as a kick.
      await lineMatching(bob, 'bob was kicked from dev by ada (spam)');
      await lineMatching(ada, 'bob was kicked from dev by ada (spam)');
      expect(kicks).toEqual(['bob dev ada spam']);
      expect(b.hub.findPeer('bob')?.rooms.has('dev')).toBe(false);
      // Not in that room any more, as a knows once the leave arrived: refused there.
      await eventually(() => a.hub.adapter?.findNick('bob')?.rooms.includes('dev') === false, 5000, 'a to see bob leave dev');
      ada.write('/kick #dev bob again\n');
      await lineMatching(ada, 'bob is not in dev');
      // A mute reaches him too: his room messages are refused, told why.
      ada.write('/mute bob 10m\n');
      await lineMatching(ada, 'muted bob for 10m');
      await lineMatching(bob, 'you are muted by ada for 10m');
      expect(b.hub.moderation.isMuted(b.hub.findPeer('bob') as never)).toBe(true);
      bob.write('hello?\n');
      await lineMatching(bob, /you are muted for (10m|9m)/);
      ada.write('/unmute bob\n');
      await lineMatching(bob, 'you are no longer muted');
      expect(b.errors).toEqual([]);
    });

    it('tells a hub started later the bans and topics already set', async () => {
      const adapter = cluster();
      const a = await clusterHub(adapter);
      const b = await clusterHub(adapter);
      a.hub.moderation.ban('mallory', { reason: 'spam', duration: '2h' });
      b.hub.moderation.ban('*!*@198.51.100.*', { room: 'dev' });
      a.hub.moderation.setTopic('dev', 'Be kind');
      await eventually(() => b.hub.moderation.bans().length === 1 && a.hub.moderation.bans('dev').length === 1, 5000, 'the bans to cross');
      const late = await clusterHub(adapter);
      await eventually(
        () => late.hub.moderation.bans().length === 1 && late.hub.moderation.bans('dev').length === 1 && late.hub.moderation.topic('dev') !== undefined,
        5000,
        'the late hub to learn the bans and the topic',
      );
      expect(late.hub.moderation.bans()[0]).toMatchObject({ mask: 'mallory!*@*', reason: 'spam', expiresAt: a.hub.moderation.bans()[0]?.expiresAt });
      expect(late.hub.moderation.topic('dev')?.text).toBe('Be kind');
      const mallory = await rawPeer(late.hub, late.port);
      mallory.write('/nick mallory\n');
      await lineMatching(mallory, /the nickname mallory is banned \(spam; for (2h|120m)\)/);
      const joiner = await namedPeer(late.hub, late.port, 'joiner');
      joiner.write('/join dev\n');
      await lineMatching(joiner, 'topic of dev: Be kind');
      expect(late.errors).toEqual([]);
    });

    if (kind !== 'memory') {
      if (noOwnBroker !== undefined) missingBrokerTest(noOwnBroker);
      else {
        it('tells hubs that lost the broker what was banned and set meanwhile, once it is back', async () => {
          const broker = await OwnBroker.start(kind);
          // Pushed first, so closed last: after the hubs are gone.
          open.push(broker);
          const prefix = testPrefix();
          const adapter = (): ClusterAdapter => adapterFor(kind, prefix, broker.url);
          const a = await clusterHub(adapter);
          const b = await clusterHub(adapter);
          const bob = await namedPeer(b.hub, b.port, 'bob');
          await broker.stop();
          await eventually(() => a.hub.adapter?.status === 'disconnected' && b.hub.adapter?.status === 'disconnected', 10_000, 'both hubs to lose the broker');
          // Set on a while nothing crosses: lost on the way, as any event then.
          a.hub.moderation.ban('bob', { reason: 'while you were away' });
          a.hub.moderation.setTopic('lobby', 'set meanwhile');
          await broker.start();
          await lineMatching(bob, 'you are banned from this server (while you were away)', 15_000);
          await eventually(() => b.hub.moderation.topic('lobby')?.text === 'set meanwhile', 5000, 'the topic to reach b');
        }, 30_000);
      }
    }

    it('keeps a lifted ban lifted and a cleared topic cleared when a hub that missed it still tells them', async () => {
      const adapter = cluster();
      const a = await clusterHub(adapter);
      const old = a.hub.moderation.ban('mallory', { by: 'ada' });
      const topic = a.hub.moderation.setTopic('dev', 'old news');
      await new Promise((resolve) => setTimeout(resolve, 5));
      a.hub.moderation.unban('mallory');
      a.hub.moderation.setTopic('dev', '');
      // A hub cut off before those changes, that comes back telling what it knew; and one newer ban of its own.
      const stale = adapter();
      const staleState: ClusterEvent[] = [
        { type: 'ban', ban: { mask: old.mask, reason: '', by: 'ada', setAt: old.setAt }, sync: true },
        { type: 'topic', topic: { room: 'dev', text: 'old news', by: 'server', setAt: topic?.setAt ?? 0 }, sync: true },
        { type: 'ban', ban: { mask: 'marker!*@*', reason: '', by: 'eve', setAt: Date.now() }, sync: true },
      ];
      stale.attach({ ...silentHost, sharedState: () => staleState });
      open.push({ close: () => stale.close() });
      await stale.ready();
      await eventually(() => a.hub.moderation.bans().length === 1, 5000, "a to take the stale hub's newer ban");
      expect(a.hub.moderation.bans().map((ban) => ban.mask)).toEqual(['marker!*@*']);
      expect(a.hub.moderation.topic('dev')).toBeUndefined();
      // A hub that joins hears both, in either order, and keeps the newer of each.
      a.hub.moderation.setTopic('other', 'last of what a tells');
      const late = await clusterHub(adapter);
      await eventually(() => late.hub.moderation.topic('other') !== undefined && late.hub.moderation.bans().some((ban) => ban.mask === 'marker!*@*'), 5000, 'the late hub to hear both');
      expect(late.hub.moderation.bans().map((ban) => ban.mask)).toEqual(['marker!*@*']);
      expect(late.hub.moderation.topic('dev')).toBeUndefined();
      expect([...a.errors, ...late.errors]).toEqual([]);
    });

    it('ignores and reports a malformed moderation event from the broker, and keeps its ban-list bound', async () => {
      const adapter = cluster();
      const b = await clusterHub(adapter, { moderation: { maxBans: 2 } });
      const carol = await namedPeer(b.hub, b.port, 'carol');
      // Another "hub" that publishes what no hub of ours would.
      const hostile = adapter();
      hostile.attach(silentHost);
      open.push({ close: () => hostile.close() });
      await hostile.ready();
      const now = Date.now();
      const bad = [
        { type: 'ban', ban: null },
        { type: 'ban', ban: { mask: 'x'.repeat(5000), reason: '', by: 'eve', setAt: now } },
        { type: 'ban', ban: { mask: 'carol', reason: 'line\nbreak', by: 'eve', setAt: now } },
        { type: 'ban', ban: { mask: 'carol', reason: '', by: 'eve', setAt: 'yesterday' } },
        { type: 'ban', ban: { mask: '***!***@***', reason: '', by: 'eve', setAt: now } },
        // A ban of everyone, as a hub of an older version could still send.
        { type: 'ban', ban: { mask: '*!*@*', reason: '', by: 'eve', setAt: now } },
        { type: 'topic', topic: { room: '../etc', text: 'hi', by: 'eve', setAt: now } },
        { type: 'kick', hub: hostile.hubId, nick: 42, reason: '', by: 'eve' },
        { type: 'unban', mask: ['carol'], by: 'eve' },
      ];
      for (const event of bad) hostile.publish(event as unknown as ClusterEvent);
      // Then three good bans, of which a list of two keeps two; and a ban already expired, which it ignores.
      for (const mask of ['one', 'two', 'three']) hostile.publish({ type: 'ban', ban: { mask, reason: '', by: 'eve', setAt: now } });
      hostile.publish({ type: 'ban', ban: { mask: 'carol', reason: '', by: 'eve', setAt: now - 2000, expiresAt: now - 1000 } });
      // A kick for a client of another hub is not this hub's to act on, whatever the name.
      hostile.publish({ type: 'kick', hub: 'elsewhere', nick: 'carol', reason: 'not yours', by: 'eve' });
      hostile.publish({ type: 'topic', topic: { room: 'lobby', text: 'still here', by: 'eve', setAt: now } });
      await lineMatching(carol, 'topic of lobby: still here');
      expect(b.errors.map((error) => error.message)).toEqual([
        ...bad.map((event) => expect.stringContaining(`ignored a '${event.type}' event from hub ${hostile.hubId}`) as unknown),
        expect.stringContaining('the ban list is full (2)') as unknown,
      ]);
      expect(b.hub.moderation.bans().map((ban) => ban.mask)).toEqual(['one!*@*', 'two!*@*']);
      // Carol is still there, and the hub still relays.
      expect(b.hub.findPeer('carol')).toBeDefined();
      b.hub.broadcast('alive');
      await lineMatching(carol, 'alive');
      expect(linesOf(carol).some((line) => line.includes('banned') || line.includes('kicked'))).toBe(false);
    });
  });
}
