/**
 * What a hub publishes is bounded: in rate (a token bucket over bytes), in what each other hub
 * has yet to apply (a window its acknowledgements move), and in what may wait meanwhile. Past
 * the budget the hub stops reading from the clients whose messages wait, and reads on once it
 * drains: they are slowed down, not dropped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerAdapter, MemoryBroker, type AdapterHost, type ClusterEvent } from '../src/index.js';
import { decodeFrame, encodeFrame } from '../src/cluster/wire.js';
import { closeAll, hubOn, lineMatching, rawPeer } from './helpers/chat.js';
import { handTransport } from './helpers/cluster-hand.js';

afterEach(closeAll);

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (at most `ms`) until `done` holds. */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A host for an adapter alone, recording its errors and how often it was told the budget drained. */
function host(): AdapterHost & { errors: Error[]; drains: number } {
  const told = {
    errors: [] as Error[],
    drains: 0,
    localPresence: () => [],
    apply: () => undefined,
    status: () => undefined,
    error: (error: Error) => told.errors.push(error),
    drained: () => {
      told.drains += 1;
    },
  };
  return told;
}

/** The texts of the host broadcasts in `frames`, in order. */
function broadcasts(frames: readonly string[]): string[] {
  return frames.flatMap((frame) => decodeFrame(frame)?.e ?? []).flatMap((event) => (event.type === 'broadcast' && 'text' in event.payload ? [event.payload.text] : []));
}

const bytesOf = (frames: readonly string[]): number => frames.reduce((sum, frame) => sum + Buffer.byteLength(frame), 0);

describe('BrokerAdapter flow control', () => {
  it('keeps what another hub has yet to apply under maxInFlightBytes, and sends on as it acknowledges', async () => {
    const limit = 64 * 1024;
    const window = 1024 * 1024;
    const hand = handTransport(limit);
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'a', maxInFlightBytes: window, heartbeatInterval: 60_000, presenceTimeout: 120_000 });
    const told = host();
    adapter.attach(told);
    await adapter.ready();
    await turn();
    const epoch = decodeFrame(hand.published[0] ?? '')?.r ?? '';
    let sequence = 0;
    const ack = (): void => {
      const last = decodeFrame(hand.published.at(-1) ?? '')?.s ?? 0;
      sequence += 1;
      hand.handlers().message(encodeFrame('b', 'run1', sequence, [{ type: 'ack', hub: 'a', r: epoch, s: last }]));
    };
    // Hub b says it is there (it has applied everything so far): from now on it counts.
    ack();
    const start = hand.published.length;
    const texts = range(3000).map((n) => `${n} ${'x'.repeat(1000)}`);
    for (const [index, text] of texts.entries()) {
      adapter.publish({ type: 'broadcast', payload: { text } });
      // Many turns, as a busy hub's are.
      if (index % 100 === 99) await turn();
    }
    await turn();
    // Sent up to the window (and one frame past it, which may take more than is left), the rest waiting.
    const first = hand.published.slice(start);
    expect(bytesOf(first)).toBeGreaterThanOrEqual(window);
    expect(bytesOf(first)).toBeLessThanOrEqual(window + limit);
    expect(adapter.stats.waiting).toBeGreaterThan(0);
    expect(adapter.publish({ type: 'broadcast', payload: { text: 'the last' } })).toBe(false);
    texts.push('the last');
    await turn();
    // Each acknowledgement lets about a window more go.
    for (let round = 0; round < 10 && adapter.stats.waiting > 0; round += 1) {
      const before = hand.published.length;
      ack();
      expect(bytesOf(hand.published.slice(before))).toBeLessThanOrEqual(window + limit);
    }
    expect(broadcasts(hand.published.slice(start))).toEqual(texts);
    expect(adapter.stats).toMatchObject({ waiting: 0, dropped: 0 });
    expect(adapter.stats.throttled).toBeGreaterThan(0);
    expect(told.drains).toBeGreaterThan(0);
    expect(told.errors).toEqual([]);
    await adapter.close();
  });

  it('stops waiting for a hub that has not answered for two heartbeat intervals', async () => {
    const hand = handTransport(64 * 1024);
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'a', maxInFlightBytes: 1024 * 1024, heartbeatInterval: 200, presenceTimeout: 60_000 });
    adapter.attach(host());
    await adapter.ready();
    await turn();
    const epoch = decodeFrame(hand.published[0] ?? '')?.r ?? '';
    hand.handlers().message(encodeFrame('b', 'run1', 1, [{ type: 'ack', hub: 'a', r: epoch, s: decodeFrame(hand.published.at(-1) ?? '')?.s ?? 0 }]));
    const texts = range(3000).map((n) => `${n} ${'x'.repeat(1000)}`);
    for (const text of texts) adapter.publish({ type: 'broadcast', payload: { text } });
    await turn();
    expect(adapter.stats.waiting).toBeGreaterThan(0);
    // Hub b never answers again (dead, or stuck): after two heartbeat intervals it holds nobody back.
    await until(() => adapter.stats.waiting === 0, 5000, 'the backlog to go out');
    expect(broadcasts(hand.published)).toEqual(texts);
    expect(adapter.stats.dropped).toBe(0);
    await adapter.close();
  });

  it('drops what does not fit under maxBacklogBytes, counted and reported once', async () => {
    const hand = handTransport();
    const adapter = new BrokerAdapter(hand.transport, { hubId: 'a', publishBytesPerSecond: 1, publishBurstBytes: 1, maxBacklogBytes: 64 * 1024, heartbeatInterval: 60_000, presenceTimeout: 120_000 });
    const told = host();
    adapter.attach(told);
    await adapter.ready();
    await turn();
    // The hello and the presence spent the budget: all of these wait, as far as there is room.
    const events: ClusterEvent[] = range(1000).map((n) => ({ type: 'broadcast', payload: { text: `${n} ${'x'.repeat(200)}` } }));
    for (const event of events) adapter.publish(event);
    await turn();
    for (const event of events) adapter.publish(event);
    await turn();
    const { waiting, dropped } = adapter.stats;
    expect(waiting).toBeGreaterThan(200);
    expect(waiting).toBeLessThan(400);
    expect(waiting + dropped).toBe(2000);
    expect(told.errors.map((error) => error.message)).toEqual([`hand: dropped ${1000 - waiting} events: over 65536 bytes are waiting for the broker`]);
    await adapter.close();
  });

  it('refuses budgets that cannot work', () => {
    const transport = handTransport().transport;
    expect(() => new BrokerAdapter(transport, { maxInFlightBytes: 64 * 1024 })).toThrow(/maxInFlightBytes must be at least 1048576/);
    expect(() => new BrokerAdapter(transport, { publishBytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new BrokerAdapter(transport, { publishBurstBytes: Number.NaN })).toThrow(RangeError);
    expect(() => new BrokerAdapter(transport, { maxBacklogBytes: -1 })).toThrow(RangeError);
  });
});

describe('hubs whose adapters run out of budget', () => {
  it('stop reading from the sender whose messages wait, read on as the budget refills, and lose nothing', async () => {
    const broker = new MemoryBroker();
    // 128 KiB a second: the sender's 2,000 lines, about 350 KB of events, take seconds to go.
    const budget = { publishBytesPerSecond: 128 * 1024, publishBurstBytes: 16 * 1024 };
    const [a, b] = await Promise.all([hubOn({ chat: true, adapter: new BrokerAdapter(broker.transport(), budget) }), hubOn({ chat: true, adapter: new BrokerAdapter(broker.transport()) })]);
    const reader = await rawPeer(b.hub, b.port, '* welcome');
    const sender = await rawPeer(a.hub, a.port, '* welcome');
    const [peer] = a.hub.clients;
    if (peer === undefined) throw new Error('no sender on hub a');
    const lines = range(2000).map((n) => `line ${n} ${'y'.repeat(60)}`);
    sender.write(lines.map((line) => `${line}\n`).join(''));
    let held = false;
    await until(
      () => {
        held ||= peer.isReadingPaused;
        return reader.newlines >= 2 + lines.length;
      },
      30_000,
      'every line on hub b',
    );
    await lineMatching(reader, lines.at(-1) ?? '');
    const got = reader.text.split('\n').filter((line) => line.includes(': line '));
    expect(got.map((line) => line.slice(line.indexOf(': ') + 2))).toEqual(lines);
    // The sender was held back on the way, and let go at the end.
    expect(held).toBe(true);
    expect(peer.isReadingPaused).toBe(false);
    const stats = (a.hub.adapter as BrokerAdapter).stats;
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats).toMatchObject({ dropped: 0, waiting: 0 });
  });
});
