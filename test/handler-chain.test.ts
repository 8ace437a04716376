import { describe, expect, it } from 'vitest';
import { HandlerChain, type ChainHost, type HandlerQueueLimits, type MessageHandler } from '../src/hub/handler-chain.js';
import { HandlerError } from '../src/hub/handler-error.js';
import { MessageContext, type ContextReplies } from '../src/hub/message-context.js';
import type { BroadcastHub } from '../src/hub/hub.js';
import type { Peer } from '../src/hub/peer.js';

type Data = Record<string, unknown>;
type Context = MessageContext<string, Data>;

/**
 * The part of a Peer the chain touches: its id (for errors), whether it is still open, and
 * reading paused and resumed. A stand-in, so that the chain runs with no socket at all.
 */
class FakePeer {
  isOpen = true;
  pauses = 0;
  resumes = 0;

  constructor(readonly id: string) {}

  pauseReading(): void {
    this.pauses += 1;
  }

  resumeReading(): void {
    this.resumes += 1;
  }

  /** Whether reading is paused now. */
  get paused(): boolean {
    return this.pauses > this.resumes;
  }
}

/** A host that records what the chain asks of it; `admit` decides what `begin` answers. */
class RecordingHost implements ChainHost<string, Data> {
  /** `peer:message` of every message begun, then of every one relayed, in order. */
  readonly begun: string[] = [];
  readonly finished: string[] = [];
  readonly failures: { peer: string; error: HandlerError }[] = [];
  admit: (ctx: Context) => boolean = () => true;
  finishHook: (ctx: Context) => void = () => undefined;

  begin(ctx: Context): boolean {
    this.begun.push(`${ctx.peer.id}:${ctx.message}`);
    return this.admit(ctx);
  }

  finish(ctx: Context): void {
    this.finishHook(ctx);
    this.finished.push(`${ctx.peer.id}:${ctx.message}`);
  }

  failed(peer: Peer<Data>, error: HandlerError): void {
    this.failures.push({ peer: peer.id, error });
  }
}

/** The chain never replies on its own; a context's replies are the hub's business. */
const noReplies: ContextReplies<Data> = { reply: () => false, refuse: () => false };
/** Nor does it read `ctx.hub`. */
const noHub = undefined as unknown as BroadcastHub<string, Data>;

const roomy: HandlerQueueLimits = { maxMessages: 1000, maxBytes: 1024 * 1024 };

function setup(limits: HandlerQueueLimits = roomy): { host: RecordingHost; chain: HandlerChain<string, Data> } {
  const host = new RecordingHost();
  return { host, chain: new HandlerChain<string, Data>(host, limits) };
}

/** The stand-in, typed as the Peer it stands in for. */
const asPeer = (peer: FakePeer): Peer<Data> => peer as unknown as Peer<Data>;

function send(chain: HandlerChain<string, Data>, peer: FakePeer, message: string): Context {
  const ctx = new MessageContext<string, Data>(noHub, noReplies, asPeer(peer), message, 'lobby');
  chain.push(ctx);
  return ctx;
}

/** A promise the test settles when it chooses. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/** Lets settled promises' callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('HandlerChain: synchronous handlers', () => {
  it('runs every handler in order, each seeing the one before, and relays at once', () => {
    const { host, chain } = setup();
    const seen: string[] = [];
    chain.use((ctx) => {
      seen.push(`first:${ctx.message}`);
      ctx.message = ctx.message.toUpperCase();
    });
    chain.use((ctx) => {
      seen.push(`second:${ctx.message}`);
      ctx.room = 'dev';
    });
    const ctx = send(chain, new FakePeer('a'), 'hi');
    // No promise anywhere: relayed before push() returned.
    expect(seen).toEqual(['first:hi', 'second:HI']);
    expect(host.finished).toEqual(['a:HI']);
    expect(ctx.room).toBe('dev');
  });

  it('stops at drop(): no later handler runs and nothing is relayed', () => {
    const { host, chain } = setup();
    const later: string[] = [];
    chain.use((ctx) => {
      if (ctx.message === 'spam') ctx.drop();
    });
    chain.use((ctx) => {
      later.push(ctx.message);
    });
    const peer = new FakePeer('a');
    send(chain, peer, 'spam');
    send(chain, peer, 'ham');
    expect(later).toEqual(['ham']);
    expect(host.finished).toEqual(['a:ham']);
  });

  it("runs nothing for a message the host's begin() refuses", () => {
    const { host, chain } = setup();
    let ran = 0;
    chain.use(() => {
      ran += 1;
    });
    host.admit = (ctx) => ctx.message !== 'refused';
    const peer = new FakePeer('a');
    send(chain, peer, 'refused');
    send(chain, peer, 'fine');
    expect(host.begun).toEqual(['a:refused', 'a:fine']);
    expect(ran).toBe(1);
    expect(host.finished).toEqual(['a:fine']);
  });

  it('relays straight away with no handler, and knows when it is empty', () => {
    const { host, chain } = setup();
    expect(chain.isEmpty).toBe(true);
    send(chain, new FakePeer('a'), 'plain');
    expect(host.finished).toEqual(['a:plain']);
    const handler: MessageHandler<string, Data> = () => undefined;
    chain.use(handler);
    expect(chain.isEmpty).toBe(false);
    expect(chain.remove(handler)).toBe(true);
    expect(chain.remove(handler)).toBe(false);
    expect(chain.isEmpty).toBe(true);
    chain.setFinal(() => undefined);
    expect(chain.isEmpty).toBe(false);
    chain.setFinal(undefined);
    expect(chain.isEmpty).toBe(true);
  });

  it('runs the final step after every handler, including handlers added after it', () => {
    const { chain } = setup();
    const order: string[] = [];
    chain.use(() => {
      order.push('early');
    });
    chain.setFinal(() => {
      order.push('final');
    });
    chain.use(() => {
      order.push('late');
    });
    send(chain, new FakePeer('a'), 'x');
    expect(order).toEqual(['early', 'late', 'final']);
  });

  it('no longer runs a removed handler', () => {
    const { host, chain } = setup();
    const upper: MessageHandler<string, Data> = (ctx) => {
      ctx.message = ctx.message.toUpperCase();
    };
    chain.use(upper);
    chain.remove(upper);
    send(chain, new FakePeer('a'), 'quiet');
    expect(host.finished).toEqual(['a:quiet']);
  });
});

describe('HandlerChain: asynchronous handlers', () => {
  it("holds a sender's later messages behind a pending one while other senders go on", async () => {
    const { host, chain } = setup();
    const gate = deferred();
    chain.use((ctx) => (ctx.message === 'a1' ? gate.promise : undefined));
    const a = new FakePeer('a');
    const b = new FakePeer('b');
    send(chain, a, 'a1');
    send(chain, a, 'a2');
    send(chain, b, 'b1');
    send(chain, a, 'a3');
    await settle();
    expect(host.finished).toEqual(['b:b1']);
    // Queued messages have not even begun: they start once the ones before them are done.
    expect(host.begun).toEqual(['a:a1', 'b:b1']);
    gate.resolve();
    await settle();
    expect(host.finished).toEqual(['b:b1', 'a:a1', 'a:a2', 'a:a3']);
    expect(host.begun).toEqual(['a:a1', 'b:b1', 'a:a2', 'a:a3']);
  });

  it('runs the handlers after an async one once it resolves, with what it changed', async () => {
    const { host, chain } = setup();
    const gate = deferred();
    chain.use(async (ctx) => {
      await gate.promise;
      ctx.message = `${ctx.message}!`;
    });
    const after: string[] = [];
    chain.use((ctx) => {
      after.push(ctx.message);
    });
    send(chain, new FakePeer('a'), 'wait');
    await settle();
    expect(after).toEqual([]);
    gate.resolve();
    await settle();
    expect(after).toEqual(['wait!']);
    expect(host.finished).toEqual(['a:wait!']);
  });

  it('keeps each sender in order when only some of its messages wait', async () => {
    const { host, chain } = setup();
    chain.use(async (ctx) => {
      if (Number(ctx.message) % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    });
    const a = new FakePeer('a');
    const b = new FakePeer('b');
    for (let index = 0; index < 20; index += 1) {
      send(chain, a, String(index));
      send(chain, b, String(index));
    }
    for (let round = 0; round < 50 && host.finished.length < 40; round += 1) await settle();
    const of = (id: string): string[] => host.finished.filter((entry) => entry.startsWith(`${id}:`));
    const expected = (id: string): string[] => Array.from({ length: 20 }, (_, index) => `${id}:${index}`);
    expect(of('a')).toEqual(expected('a'));
    expect(of('b')).toEqual(expected('b'));
  });

  it('finishes a message on the handlers it started with, even if the list changes meanwhile', async () => {
    const { host, chain } = setup();
    const gate = deferred();
    chain.use((ctx) => (ctx.message === 'first' ? gate.promise : undefined));
    const peer = new FakePeer('a');
    send(chain, peer, 'first');
    chain.use((ctx) => {
      ctx.message = `${ctx.message} (tagged)`;
    });
    gate.resolve();
    await settle();
    send(chain, peer, 'second');
    expect(host.finished).toEqual(['a:first', 'a:second (tagged)']);
  });

  it('does not relay a message dropped after an await', async () => {
    const { host, chain } = setup();
    chain.use(async (ctx) => {
      await Promise.resolve();
      if (ctx.message === 'drop me') ctx.drop();
    });
    const peer = new FakePeer('a');
    send(chain, peer, 'drop me');
    send(chain, peer, 'keep me');
    await settle();
    expect(host.finished).toEqual(['a:keep me']);
  });
});

describe('HandlerChain: a sender with too much waiting', () => {
  it('pauses the sender at maxMessages waiting, once, and resumes it when its queue is done', async () => {
    const { host, chain } = setup({ maxMessages: 3, maxBytes: 1024 * 1024 });
    const gate = deferred();
    chain.use((ctx) => (ctx.message === 'm0' ? gate.promise : undefined));
    const peer = new FakePeer('a');
    send(chain, peer, 'm0');
    send(chain, peer, 'm1');
    send(chain, peer, 'm2');
    expect(peer.pauses).toBe(0);
    send(chain, peer, 'm3');
    expect(peer.pauses).toBe(1);
    send(chain, peer, 'm4');
    expect(peer.pauses).toBe(1);
    gate.resolve();
    await settle();
    expect(host.finished).toEqual(['a:m0', 'a:m1', 'a:m2', 'a:m3', 'a:m4']);
    expect(peer.resumes).toBe(1);
    expect(peer.paused).toBe(false);
  });

  it('pauses the sender at maxBytes waiting (UTF-16 units for text)', () => {
    const { chain } = setup({ maxMessages: 1000, maxBytes: 10 });
    chain.use((ctx) => (ctx.message === 'hold' ? new Promise<void>(() => undefined) : undefined));
    const peer = new FakePeer('a');
    send(chain, peer, 'hold');
    send(chain, peer, '12345');
    send(chain, peer, '1234');
    expect(peer.pauses).toBe(0);
    send(chain, peer, '1');
    expect(peer.pauses).toBe(1);
  });

  it('resumes a paused sender as soon as its queue is under half the limits, even while a later message waits', async () => {
    const { host, chain } = setup({ maxMessages: 4, maxBytes: 1024 * 1024 });
    const gates = new Map([
      ['m0', deferred()],
      ['m3', deferred()],
    ]);
    chain.use((ctx) => gates.get(ctx.message)?.promise);
    const peer = new FakePeer('a');
    for (let index = 0; index <= 4; index += 1) send(chain, peer, `m${index}`);
    expect(peer.paused).toBe(true);
    gates.get('m0')?.resolve();
    await settle();
    // m1 and m2 went through, m3 waits, and only m4 queues behind it: under half of 4.
    expect(host.finished).toEqual(['a:m0', 'a:m1', 'a:m2']);
    expect(peer.paused).toBe(false);
    expect(peer.resumes).toBe(1);
    gates.get('m3')?.resolve();
    await settle();
    expect(host.finished).toEqual(['a:m0', 'a:m1', 'a:m2', 'a:m3', 'a:m4']);
    // Not resumed twice.
    expect(peer.resumes).toBe(1);
  });

  it('counts the bytes that leave the queue too, and resumes once under half of maxBytes', async () => {
    const { host, chain } = setup({ maxMessages: 1000, maxBytes: 10 });
    const gates = new Map([
      ['h0', deferred()],
      ['w1', deferred()],
    ]);
    chain.use((ctx) => gates.get(ctx.message)?.promise);
    const peer = new FakePeer('a');
    for (const message of ['h0', 'aaaaa', 'w1', 'bbb']) send(chain, peer, message);
    expect(peer.paused).toBe(true);
    gates.get('h0')?.resolve();
    await settle();
    // 'aaaaa' went, 'w1' waits: only 'bbb' (3) queues behind it, under half of 10.
    expect(host.finished).toEqual(['a:h0', 'a:aaaaa']);
    expect(peer.paused).toBe(false);
    gates.get('w1')?.resolve();
    await settle();
    expect(host.finished).toEqual(['a:h0', 'a:aaaaa', 'a:w1', 'a:bbb']);
  });

  it('stays paused while its queue is still over half the limits', async () => {
    const { host, chain } = setup({ maxMessages: 4, maxBytes: 1024 * 1024 });
    const gates = new Map([
      ['m0', deferred()],
      ['m1', deferred()],
    ]);
    chain.use((ctx) => gates.get(ctx.message)?.promise);
    const peer = new FakePeer('a');
    for (let index = 0; index <= 5; index += 1) send(chain, peer, `m${index}`);
    gates.get('m0')?.resolve();
    await settle();
    // m1 waits with m2..m5 behind it: four, not under half of 4.
    expect(host.finished).toEqual(['a:m0']);
    expect(peer.paused).toBe(true);
    gates.get('m1')?.resolve();
    await settle();
    expect(host.finished).toHaveLength(6);
    expect(peer.paused).toBe(false);
  });
});

describe('HandlerChain: errors', () => {
  it('reports a throwing handler as a HandlerError naming it, drops the message and goes on', () => {
    const { host, chain } = setup();
    chain.use(() => undefined);
    chain.use(function explode(ctx) {
      if (ctx.message === 'boom') throw new Error('kaboom');
    });
    const after: string[] = [];
    chain.use((ctx) => {
      after.push(ctx.message);
    });
    const peer = new FakePeer('peer-1');
    const ctx = send(chain, peer, 'boom');
    send(chain, peer, 'after');
    expect(ctx.dropped).toBe(true);
    expect(after).toEqual(['after']);
    expect(host.finished).toEqual(['peer-1:after']);
    expect(host.failures).toHaveLength(1);
    const { error } = host.failures[0] ?? {};
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ code: 'ERR_HANDLER', peerId: 'peer-1', handler: "'explode' (#1)" });
    expect((error?.cause as Error).message).toBe('kaboom');
  });

  it('reports a rejecting handler by index when it has no name, and moves the queue on', async () => {
    const { host, chain } = setup();
    const gate = deferred();
    chain.use(() => undefined);
    chain.use((ctx) => (ctx.message === 'bad' ? gate.promise : undefined));
    const peer = new FakePeer('a');
    send(chain, peer, 'bad');
    send(chain, peer, 'good');
    gate.reject(new Error('nope'));
    await settle();
    expect(host.failures.map(({ peer: id, error }) => [id, error.handler, (error.cause as Error).message])).toEqual([['a', '#1', 'nope']]);
    expect(host.finished).toEqual(['a:good']);
  });

  it('passes a HandlerError through as it is', () => {
    const { host, chain } = setup();
    const own = new HandlerError('a', '/roll', new Error('dice lost'));
    chain.setFinal(() => {
      throw own;
    });
    send(chain, new FakePeer('a'), '/roll');
    expect(host.failures.map(({ error }) => error)).toEqual([own]);
  });

  it("names the final step by its label, 'commands' unless told", () => {
    const { host, chain } = setup();
    chain.setFinal(() => {
      throw new Error('bad command');
    });
    send(chain, new FakePeer('a'), '/x');
    chain.setFinal(() => {
      throw new Error('bad dispatch');
    }, 'dispatcher');
    send(chain, new FakePeer('a'), '/y');
    expect(host.failures.map(({ error }) => error.handler)).toEqual(['commands', 'dispatcher']);
  });

  it("reports the relay throwing (a chat formatter, say) as 'relay' and goes on", () => {
    const { host, chain } = setup();
    host.finishHook = (ctx) => {
      if (ctx.message === 'unformattable') throw new Error('formatter bug');
    };
    const peer = new FakePeer('a');
    send(chain, peer, 'unformattable');
    send(chain, peer, 'fine');
    expect(host.failures.map(({ error }) => error.handler)).toEqual(['relay']);
    expect(host.finished).toEqual(['a:fine']);
  });
});

describe('HandlerChain: a sender that goes away', () => {
  it('drops what it had queued once forgotten', async () => {
    const { host, chain } = setup({ maxMessages: 2, maxBytes: 1024 * 1024 });
    const gate = deferred();
    chain.use((ctx) => (ctx.message === 'first' ? gate.promise : undefined));
    const peer = new FakePeer('a');
    send(chain, peer, 'first');
    send(chain, peer, 'queued 1');
    send(chain, peer, 'queued 2');
    chain.forget(asPeer(peer));
    gate.resolve();
    await settle();
    expect(host.begun).toEqual(['a:first']);
    // The message under way when it left completes; nothing queued behind it starts.
    expect(host.finished).toEqual(['a:first']);
  });

  it('runs nothing more for a sender that closed while a message waited', async () => {
    const { host, chain } = setup({ maxMessages: 2, maxBytes: 1024 * 1024 });
    const gate = deferred();
    chain.use((ctx) => (ctx.message === 'first' ? gate.promise : undefined));
    const peer = new FakePeer('a');
    send(chain, peer, 'first');
    send(chain, peer, 'queued 1');
    send(chain, peer, 'queued 2');
    expect(peer.paused).toBe(true);
    peer.isOpen = false;
    gate.resolve();
    await settle();
    expect(host.begun).toEqual(['a:first']);
    // Whoever paused it undoes it, so the peer's own bookkeeping balances.
    expect(peer.paused).toBe(false);
    // A later message of a new sender is not held behind the gone one.
    send(chain, new FakePeer('b'), 'hello');
    expect(host.finished).toEqual(['a:first', 'b:hello']);
  });
});
