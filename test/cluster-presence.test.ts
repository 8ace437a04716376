/**
 * Presence across hubs when it is bigger than a broker message: snapshots in parts under the
 * frame limit, put back together on the other side, asked for again when something was lost;
 * and heartbeats that say a hub is alive whatever else it has to send.
 */
import { describe, expect, it } from 'vitest';
import { BrokerAdapter, type AdapterHost, type ClusterEvent, type PresenceEntry } from '../src/index.js';
import { presenceEvents, SnapshotAssembler } from '../src/cluster/presence-snapshot.js';
import { decodeFrame, encodeFrame } from '../src/cluster/wire.js';
import { handTransport } from './helpers/cluster-hand.js';

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);
const longRoom = (index: number): string => `room-${String(index).padStart(3, '0')}-${'x'.repeat(23)}`;

/** `count` peers, each in 31 rooms of 32 characters and a room of its own. */
function crowd(count: number): PresenceEntry[] {
  return range(count).map((n) => ({ nick: `guest-ab12c-${n}`, rooms: [...range(31).map(longRoom), `own-${n}`] }));
}

/** A host for an adapter alone: its presence is `entries`; what it is told is recorded. */
function host(entries: () => PresenceEntry[]): AdapterHost & { errors: Error[]; applied: ClusterEvent[] } {
  const errors: Error[] = [];
  const applied: ClusterEvent[] = [];
  return {
    errors,
    applied,
    localPresence: entries,
    apply: (event) => applied.push(event),
    status: () => undefined,
    error: (error) => errors.push(error),
    drained: () => undefined,
  };
}

/** The events of frames published since `from`, in order. */
function eventsOf(published: readonly string[], from = 0): ClusterEvent[] {
  return published.slice(from).flatMap((frame) => decodeFrame(frame)?.e ?? []);
}

/** Item `index` of `items`, which must be there. */
function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index} of ${items.length}`);
  return item;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most `ms`) until `done` holds. */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('presence snapshots in parts', () => {
  it('cuts a presence too big for one event into parts under the limit, and puts them back together', () => {
    const entries = crowd(1000);
    expect(Buffer.byteLength(JSON.stringify(entries))).toBeGreaterThan(1024 * 1024);
    const limit = 64 * 1024;
    const parts = presenceEvents(entries, limit);
    expect(parts.length).toBeGreaterThan(16);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(limit);
    expect(parts.map((part) => [part.part, part.more])).toEqual(parts.map((_, index) => [index, index < parts.length - 1 ? true : undefined]));
    const assembler = new SnapshotAssembler();
    const results = parts.map((part) => assembler.add('hub-a', part));
    expect(results.slice(0, -1).every((result) => result === undefined)).toBe(true);
    expect(results.at(-1)).toEqual(entries);
  });

  it('splits one peer in too many rooms for a part by rooms, and keeps a small presence in one event', () => {
    const [peer] = crowd(1);
    if (peer === undefined) throw new Error('no peer');
    const parts = presenceEvents([peer, { nick: 'bob', rooms: ['lobby'] }], 300);
    expect(parts.length).toBeGreaterThan(4);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(300);
    const assembler = new SnapshotAssembler();
    expect(parts.map((part) => assembler.add('hub-a', part)).at(-1)).toEqual([peer, { nick: 'bob', rooms: ['lobby'] }]);
    // What fits goes as it always did: one event, no parts.
    expect(presenceEvents([{ nick: 'bob', rooms: ['lobby'] }], 300)).toEqual([{ type: 'presence', peers: [{ nick: 'bob', rooms: ['lobby'] }] }]);
  });

  it('gives up a snapshot with a part missing, and starts again at the next part 0', () => {
    const parts = presenceEvents(crowd(50), 4096);
    expect(parts.length).toBeGreaterThan(3);
    const assembler = new SnapshotAssembler();
    expect(assembler.add('hub-a', nth(parts, 0))).toBeUndefined();
    expect(assembler.add('hub-a', nth(parts, 2))).toBe('broken');
    // The rest of that snapshot is nothing to go on either; a whole new one is.
    expect(assembler.add('hub-a', nth(parts, 3))).toBe('broken');
    expect(parts.map((part) => assembler.add('hub-a', part)).at(-1)).toEqual(crowd(50));
  });
});

describe('BrokerAdapter presence', () => {
  it('answers a hello with a snapshot in frames under the limit, which another hub takes whole', async () => {
    const limit = 16 * 1024;
    const entries = crowd(300);
    const sending = handTransport(limit);
    const a = new BrokerAdapter(sending.transport, { hubId: 'a' });
    a.attach(host(() => entries));
    await a.ready();
    await turn();
    const start = sending.published.length;
    sending.handlers().message(encodeFrame('b', 'run1', 1, [{ type: 'hello' }]));
    await until(() => eventsOf(sending.published, start).some((event) => event.type === 'presence' && event.more === undefined), 2000, 'the last part');
    const frames = sending.published.slice(start);
    expect(frames.length).toBeGreaterThan(20);
    for (const frame of frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(limit);
    expect(a.stats).toMatchObject({ dropped: 0, waiting: 0 });

    const receiving = handTransport();
    const b = new BrokerAdapter(receiving.transport, { hubId: 'b' });
    const told = host(() => []);
    b.attach(told);
    await b.ready();
    for (const frame of sending.published) receiving.handlers().message(frame);
    const seen = b.remotePeers();
    expect(seen).toHaveLength(300);
    expect(seen.map(({ nick, rooms }) => ({ nick, rooms }))).toEqual(entries);
    expect(told.errors).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });

  it('asks a hub for its presence again when its heartbeat counts otherwise, or a snapshot broke off', async () => {
    const hand = handTransport();
    const b = new BrokerAdapter(hand.transport, { hubId: 'b', heartbeatInterval: 40, presenceTimeout: 5000 });
    b.attach(host(() => []));
    await b.ready();
    const message = (sequence: number, events: ClusterEvent[]): void => {
      hand.handlers().message(encodeFrame('a', 'run1', sequence, events));
    };
    const hellos = (): ClusterEvent[] => eventsOf(hand.published).filter((event) => event.type === 'hello' && event.to !== undefined);
    message(1, [{ type: 'presence', peers: [{ nick: 'ann', rooms: ['lobby'] }] }]);
    message(2, [{ type: 'beat', n: 1, m: 1 }]);
    // In step: a few heartbeats go by without a question.
    await sleep(200);
    expect(hellos()).toEqual([]);
    // A heartbeat counting two peers where we know of one: something was missed.
    message(3, [{ type: 'beat', n: 2, m: 2 }]);
    await until(() => hellos().length > 0, 2000, 'a hello to hub a');
    expect(hellos()[0]).toEqual({ type: 'hello', to: ['a'] });
    // Its answer puts it right, and the questions stop.
    message(4, [{ type: 'presence', peers: [{ nick: 'ann', rooms: ['lobby'] }, { nick: 'bo', rooms: ['lobby'] }] }]);
    message(5, [{ type: 'beat', n: 2, m: 2 }]);
    await sleep(100);
    const asked = hellos().length;
    await sleep(200);
    expect(hellos()).toHaveLength(asked);
    // A snapshot that broke off (part 1 of it never came) is asked for again too.
    const parts = presenceEvents(crowd(20), 2048);
    message(6, [nth(parts, 0)]);
    message(8, [nth(parts, 2)]);
    await until(() => hellos().length > asked, 2000, 'another hello to hub a');
    expect(b.remotePeers().map((peer) => peer.nick)).toEqual(['ann', 'bo']);
    await b.close();
  });

  it('sends its heartbeat ahead of a backlog, so that a hub with much to send is never taken for dead', async () => {
    const hand = handTransport();
    // A budget that a burst of host broadcasts spends at once, and that refills at a crawl.
    const a = new BrokerAdapter(hand.transport, { hubId: 'a', heartbeatInterval: 40, presenceTimeout: 5000, publishBytesPerSecond: 1024, publishBurstBytes: 1024 });
    a.attach(host(() => [{ nick: 'ann', rooms: ['lobby'] }]));
    await a.ready();
    await turn();
    // The first turn spends the budget (a frame may take more than is left), the next one waits.
    for (const batch of range(2)) {
      for (const n of range(500)) a.publish({ type: 'broadcast', payload: { text: `backlog ${batch}-${n} ${'x'.repeat(100)}` } });
      await turn();
    }
    expect(a.stats.waiting).toBe(500);
    const start = hand.published.length;
    await until(() => eventsOf(hand.published, start).filter((event) => event.type === 'beat').length >= 3, 2000, 'three heartbeats');
    // Without its presence counted: what is still waiting would change the count.
    expect(eventsOf(hand.published, start).find((event) => event.type === 'beat')).toEqual({ type: 'beat' });
    expect(a.stats.waiting).toBe(500);
    await a.close();
  });
});
