/**
 * The cluster machinery without a broker process: hubs in this process joined by a
 * `MemoryBroker`, and an adapter fed frames by hand to check what it drops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, MemoryBroker, type BrokerTransport, type ClusterEvent, type TransportHandlers } from '../src/index.js';
import { encodeFrame } from '../src/cluster/wire.js';
import { closeAll, hubOn, lineMatching, linesOf, open, rawPeer } from './helpers/chat.js';
import { eventually, RawPeer } from './helpers/sockets.js';

afterEach(closeAll);

/** A transport whose frames the test writes itself. */
function handTransport(): { transport: BrokerTransport; handlers: () => TransportHandlers; published: string[] } {
  let given: TransportHandlers | undefined;
  const published: string[] = [];
  const transport: BrokerTransport = {
    name: 'hand',
    start: (handlers) => {
      given = handlers;
      return Promise.resolve();
    },
    publish: (frame) => {
      published.push(frame);
      return true;
    },
    claim: () => Promise.resolve(true),
    refresh: () => Promise.resolve(),
    release: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return {
    transport,
    published,
    handlers: () => {
      if (given === undefined) throw new Error('not started');
      return given;
    },
  };
}

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
    message(encodeFrame('other', 1, [say('one'), say('and one more')]));
    message(encodeFrame('other', 1, [say('one again')]));
    message(encodeFrame('me', 1, [say('my own')]));
    message('not a frame');
    message(encodeFrame('other', 3, [say('three')]));
    message(encodeFrame('other', 2, [say('two, late')]));
    await lineMatching(peer, 'three');
    expect(linesOf(peer)).toEqual(['one', 'and one more', 'three']);
    expect(adapter.stats).toMatchObject({ received: 3, duplicates: 2, missed: 1 });
    // What this hub does goes out numbered, from 1.
    hub.broadcast('out');
    hub.broadcast('and out');
    await new Promise((resolve) => setImmediate(resolve));
    const frames = hand.published.map((frame) => JSON.parse(frame) as { o: string; s: number; e: ClusterEvent[] });
    // One turn's events travel as one frame, in order.
    expect(frames.at(-1)).toEqual({ o: 'me', s: frames.length, e: [say('out'), say('and out')] });
    expect(frames.map((frame) => frame.s)).toEqual(frames.map((_, index) => index + 1));
  });

  it('refuses timings that would expire live hubs', () => {
    expect(() => new BrokerAdapter(handTransport().transport, { heartbeatInterval: 1000, presenceTimeout: 1500 })).toThrow(RangeError);
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
