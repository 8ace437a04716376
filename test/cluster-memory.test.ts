/**
 * The cluster machinery without a broker process: hubs in this process joined by a
 * `MemoryBroker`, and an adapter fed frames by hand to check what it drops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, MemoryBroker, type BrokerTransport, type ClusterEvent } from '../src/index.js';
import { SequenceFilter } from '../src/cluster/sequence-filter.js';
import { decodeFrame, encodeFrame } from '../src/cluster/wire.js';
import { closeAll, hubOn, lineMatching, linesOf, open, rawPeer } from './helpers/chat.js';
import { handTransport } from './helpers/cluster-hand.js';
import { eventually, RawPeer } from './helpers/sockets.js';

afterEach(closeAll);

describe('BrokerAdapter', () => {
  it('applies each frame of another hub once, in order, and never its own', async () => {
    const hand = handTransport();
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'me' });
    const { hub, port } = await hubOn({ adapter });
    await adapter.ready();
    const peer = await rawPeer(hub, port);
    const say = (text: string): ClusterEvent => ({ type: 'broadcast', payload: { text } });
    const handlers = hand.handlers();
    const message = (frame: string): void => {
      handlers.message(frame);
    };
    message(encodeFrame('other', 'run1', 1, [say('one'), say('and one more')]));
    message(encodeFrame('other', 'run1', 1, [say('one again')]));
    message(encodeFrame('me', 'run1', 1, [say('my own')]));
    message('not a frame');
    message(encodeFrame('other', 'run1', 3, [say('three')]));
    message(encodeFrame('other', 'run1', 2, [say('two, late')]));
    await lineMatching(peer, 'three');
    expect(linesOf(peer)).toEqual(['one', 'and one more', 'three']);
    expect(adapter.stats).toMatchObject({ received: 3, duplicates: 2, missed: 1 });
    // What this hub does goes out numbered, from 1.
    hub.broadcast('out');
    hub.broadcast('and out');
    await new Promise((resolve) => setImmediate(resolve));
    const frames = hand.published.map((frame) => JSON.parse(frame) as { o: string; r: string; s: number; e: ClusterEvent[] });
    // One turn's events travel as one frame, in order.
    expect(frames.at(-1)).toMatchObject({ o: 'me', s: frames.length, e: [say('out'), say('and out')] });
    expect(typeof frames.at(-1)?.r).toBe('string');
    expect(frames.map((frame) => frame.s)).toEqual(frames.map((_, index) => index + 1));
  });

  it('splits a turn over the transport’s frame limit into numbered frames under it, in order', async () => {
    const limit = 2000;
    const hand = handTransport(limit);
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'me' });
    const { hub } = await hubOn({ adapter });
    await adapter.ready();
    const before = hand.published.length;
    const publishedBefore = adapter.stats.published;
    const texts = Array.from({ length: 300 }, (_, n) => `line ${n} ${'é'.repeat(n % 7)}`);
    for (const text of texts) hub.broadcast(text);
    await new Promise((resolve) => setImmediate(resolve));
    const frames = hand.published.slice(before);
    expect(frames.length).toBeGreaterThan(5);
    for (const frame of frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(limit);
    const decoded = frames.map((frame) => decodeFrame(frame));
    expect(decoded.map((frame) => frame?.s)).toEqual(decoded.map((_, index) => before + index + 1));
    expect(decoded.flatMap((frame) => frame?.e ?? []).map((event) => (event.type === 'broadcast' && 'text' in event.payload ? event.payload.text : ''))).toEqual(texts);
    expect(adapter.stats).toMatchObject({ published: publishedBefore + texts.length, dropped: 0 });
  });

  it('reports what the broker refused, and an event too big for any frame, as adapterErrors', async () => {
    let refuse = false;
    const hand = handTransport(600, () => {
      if (refuse) throw new Error('MAX_PAYLOAD_EXCEEDED');
      return true;
    });
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'me' });
    const { hub } = await hubOn({ adapter });
    await adapter.ready();
    const errors: Error[] = [];
    hub.on('adapterError', (error) => errors.push(error));
    const published = adapter.stats.published;
    // Too big alone: dropped and reported; its neighbours still go.
    hub.broadcast('before');
    hub.broadcast('x'.repeat(1000));
    hub.broadcast('after');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map((error) => error.message)).toEqual(['hand: could not publish 1 of 3 events: an event of 1042 bytes does not fit in a 600-byte frame']);
    expect(adapter.stats).toMatchObject({ published: published + 2, dropped: 1 });
    refuse = true;
    hub.broadcast('refused');
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors[1]).toMatchObject({ code: 'ERR_CLUSTER_UNAVAILABLE', message: 'hand: could not publish 1 of 1 events: MAX_PAYLOAD_EXCEEDED' });
    expect(adapter.stats).toMatchObject({ published: published + 2, dropped: 2 });
  });

  it('takes a hub restarted under the same id (a new epoch) at once, and drops its old run’s peers', async () => {
    const hand = handTransport();
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'me' });
    const { hub, port } = await hubOn({ adapter, chat: true });
    await adapter.ready();
    const peer = await rawPeer(hub, port, '* welcome');
    const handlers = hand.handlers();
    const say = (text: string): ClusterEvent => ({ type: 'broadcast', payload: { text } });
    handlers.message(encodeFrame('other', 'run1', 1, [{ type: 'connect', nick: 'ghost', room: 'lobby' }]));
    for (let s = 2; s <= 50; s += 1) handlers.message(encodeFrame('other', 'run1', s, [say(`old ${s}`)]));
    handlers.message(encodeFrame('other', 'run2', 1, [say('new 1')]));
    // A straggler of the old run, after the new one began: neither delivered nor a restart.
    handlers.message(encodeFrame('other', 'run1', 51, [say('old 51')]));
    handlers.message(encodeFrame('other', 'run2', 2, [say('new 2')]));
    await lineMatching(peer, 'new 2');
    const lines = linesOf(peer);
    expect(lines.filter((line) => line.startsWith('new '))).toEqual(['new 1', 'new 2']);
    expect(lines).toContain('* ghost left lobby (hub restarted)');
    expect(lines).not.toContain('old 51');
    expect(adapter.remotePeers()).toEqual([]);
    expect(adapter.stats).toMatchObject({ duplicates: 1, missed: 0 });
  });

  it('lets the claims and releases in flight reach the broker before it closes the transport', async () => {
    // Each broker operation waits for the test to finish it, so the order is the adapter's alone.
    const waiting = new Map<string, () => void>();
    const log: string[] = [];
    const later = <T>(name: string, value: T): Promise<T> =>
      new Promise((resolve) => {
        log.push(name);
        waiting.set(name, () => {
          log.push(`${name} done`);
          resolve(value);
        });
      });
    const finish = (name: string): void => {
      const done = waiting.get(name);
      if (done === undefined) throw new Error(`${name} is not waiting: ${log.join(', ')}`);
      waiting.delete(name);
      done();
    };
    const transport: BrokerTransport = {
      name: 'slow',
      start: () => Promise.resolve(),
      publish: (frame) => {
        log.push(`publish ${(decodeFrame(frame)?.e ?? []).map((event) => event.type).join(' ')}`);
        return true;
      },
      claim: (key) => later(`claim ${key}`, true),
      refresh: () => Promise.resolve(),
      release: (key) => later(`release ${key}`, undefined),
      close: () => {
        log.push('close');
        return Promise.resolve();
      },
    };
    const adapter = new BrokerAdapter(transport, { hubId: 'me' });
    const errors: Error[] = [];
    adapter.attach({ localPresence: () => [], apply: () => undefined, status: () => undefined, error: (error) => errors.push(error), drained: () => undefined });
    await adapter.ready();
    await new Promise((resolve) => setImmediate(resolve));
    log.length = 0;
    const ada = adapter.claimNick('ada');
    finish('claim nick:ada');
    expect(await ada).toBe(true);
    // Her peer left (a release on its way), another is being named: then the hub closes.
    adapter.releaseNick('ada');
    const bob = adapter.claimNick('bob');
    const closed = adapter.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['claim nick:ada', 'claim nick:ada done', 'release nick:ada', 'claim nick:bob']);
    finish('release nick:ada');
    await new Promise((resolve) => setImmediate(resolve));
    // Still waiting for the claim: a name taken as the hub closes must be given up too.
    expect(log.slice(4)).toEqual(['release nick:ada done']);
    finish('claim nick:bob');
    expect(await bob).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    finish('release nick:bob');
    await closed;
    expect(log.slice(4)).toEqual(['release nick:ada done', 'claim nick:bob done', 'publish bye', 'release nick:bob', 'release nick:bob done', 'close']);
    expect(adapter.status).toBe('closed');
    expect(errors).toEqual([]);
  });

  it('refuses timings that would expire live hubs', () => {
    expect(() => new BrokerAdapter(handTransport().transport, { heartbeatInterval: 1000, presenceTimeout: 1500 })).toThrow(RangeError);
  });
});

describe('SequenceFilter', () => {
  it('numbers per run of an origin, and retires the runs it left', () => {
    const filter = new SequenceFilter();
    expect(['a', 'a', 'a'].map((epoch, index) => filter.accept('hub', epoch, index + 1))).toEqual(['first', 'new', 'new']);
    expect(filter.accept('hub', 'a', 2)).toBe('old');
    expect(filter.accept('hub', 'b', 1)).toBe('restart');
    expect(filter.accept('hub', 'a', 4)).toBe('old');
    // Frame 2 of run b never came: applied, but said to follow a gap.
    expect(filter.accept('hub', 'b', 3)).toBe('gap');
    expect(filter.accept('hub', 'b', 4)).toBe('new');
    expect(filter.missed).toBe(1);
    filter.forget('hub');
    expect(filter.accept('hub', 'a', 9)).toBe('first');
  });
});

describe('hubs joined by a MemoryBroker', () => {
  it('relays plain and binary framings verbatim across hubs', async () => {
    const broker = new MemoryBroker();
    const hubs = await Promise.all([0, 1].map(() => hubOn({ adapter: new BrokerAdapter(broker.transport()) })));
    const [a, b] = hubs;
    if (a === undefined || b === undefined) throw new Error('no hubs');
    const sender = await rawPeer(a.hub, a.port);
    const receiver = await rawPeer(b.hub, b.port);
    sender.write('plain text\n');
    await lineMatching(receiver, 'plain text');
    expect(a.hub.adapter?.hubId).not.toBe(b.hub.adapter?.hubId);

    const binary = [0, 1].map(() => new BroadcastHub<Buffer>({ framing: 'length', adapter: new BrokerAdapter(broker.transport()) }));
    for (const hub of binary) open.push(hub);
    const received: Buffer[] = [];
    const [left, right] = binary;
    if (left === undefined || right === undefined) throw new Error('no hubs');
    const { port } = await right.listen({ port: 0, host: '127.0.0.1' });
    const listener = await RawPeer.connect(port);
    await eventually(() => right.clients.size === 1, 2000, 'the binary peer');
    left.broadcast(Buffer.from([0, 1, 2, 255]));
    await listener.until((bytes) => bytes.length >= 8, 2000);
    received.push(listener.received);
    listener.destroy();
    expect(received[0]).toEqual(Buffer.from([0, 0, 0, 4, 0, 1, 2, 255]));
  });

  it('costs a hub without an adapter nothing: no adapter, plain guest names', async () => {
    const { hub, port } = await hubOn({ chat: true });
    expect(hub.adapter).toBeUndefined();
    const peer = await rawPeer(hub, port);
    await lineMatching(peer, /^\* welcome, guest-1:/);
  });
});
