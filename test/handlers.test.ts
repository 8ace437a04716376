import { afterEach, describe, expect, it, vi } from 'vitest';
import { HandlerError, type MessageContext, Peer } from '../src/index.js';
import { closeAll, hubOn, linesOf, rawPeer, settle } from './helpers/chat.js';
import { eventually, nextEvent } from './helpers/sockets.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeAll();
});

/** A promise with its resolve function exposed, to hold a handler until the test lets go. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('hub.use() handlers', () => {
  it('pass a message on unchanged, in order, after the message event', async () => {
    const { hub, port } = await hubOn();
    const seen: string[] = [];
    hub.on('message', (message) => seen.push(`event:${message}`));
    hub.use((ctx) => {
      seen.push(`first:${ctx.message}`);
    });
    hub.use((ctx) => {
      seen.push(`second:${ctx.message}`);
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('hello\n');
    expect(await b.lines(1)).toEqual(['hello']);
    expect(seen).toEqual(['event:hello', 'first:hello', 'second:hello']);
  });

  it('transform the message', async () => {
    const { hub, port } = await hubOn();
    hub.use((ctx) => {
      ctx.message = ctx.message.toUpperCase();
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('shout\n');
    expect(await b.lines(1)).toEqual(['SHOUT']);
  });

  it('drop a message: later handlers do not run and nothing is relayed', async () => {
    const { hub, port } = await hubOn();
    const later: string[] = [];
    hub.use((ctx) => {
      if (ctx.message.includes('spam')) ctx.drop();
    });
    hub.use((ctx) => {
      later.push(ctx.message);
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('buy spam\nok\n');
    expect(await b.lines(1)).toEqual(['ok']);
    await settle([b], hub);
    expect(linesOf(b)[0]).toBe('ok');
    expect(later).toEqual(['ok']);
  });

  it('reply to the sender alone', async () => {
    const { hub, port } = await hubOn();
    hub.use((ctx) => {
      if (ctx.message === 'ping') {
        ctx.reply('pong');
        ctx.drop();
      }
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('ping\n');
    expect(await a.lines(1)).toEqual(['pong']);
    await settle([a, b], hub);
    expect(linesOf(b)).toHaveLength(1); // only the marker
  });

  it('redirect a message to a room', async () => {
    const { hub, port } = await hubOn();
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const c = await rawPeer(hub, port);
    const [, peerB] = [...hub.clients] as [Peer, Peer, Peer];
    peerB.join('ops');
    hub.use((ctx) => {
      if (ctx.message.startsWith('!')) ctx.room = 'ops';
    });
    a.write('!alert\n');
    expect(await b.lines(1)).toEqual(['!alert']);
    await settle([c], hub);
    expect(linesOf(c)).toHaveLength(1);
  });

  it('redirect a message to one peer', async () => {
    const { hub, port } = await hubOn();
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const c = await rawPeer(hub, port);
    const [, , peerC] = [...hub.clients] as [Peer, Peer, Peer];
    hub.use((ctx) => {
      ctx.target = peerC;
    });
    a.write('psst\n');
    expect(await c.lines(1)).toEqual(['psst']);
    await settle([b], hub);
    expect(linesOf(b)).toHaveLength(1);
  });

  it('keep each sender in order behind a slow async handler without holding up others', async () => {
    const { hub, port } = await hubOn();
    const gate = deferred();
    const order: string[] = [];
    hub.use(async function slowForA(ctx: MessageContext) {
      order.push(`start:${ctx.message}`);
      if (ctx.message === 'a1') await gate.promise;
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const c = await rawPeer(hub, port);
    a.write('a1\na2\na3\n');
    await eventually(() => order.includes('start:a1'), 2000, 'a1 in the handler');
    b.write('b1\n');
    // b1 goes through while a1 is still held: other senders are not blocked.
    expect(await c.lines(1)).toEqual(['b1']);
    expect(order).toEqual(['start:a1', 'start:b1']);
    gate.resolve();
    expect(await c.lines(4)).toEqual(['b1', 'a1', 'a2', 'a3']);
    expect(order).toEqual(['start:a1', 'start:b1', 'start:a2', 'start:a3']);
  });

  it('keep order when some messages of a sender are async and some are not', async () => {
    const { hub, port } = await hubOn();
    hub.use(async (ctx) => {
      if (Number(ctx.message) % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const sent = Array.from({ length: 30 }, (_, index) => String(index));
    a.write(`${sent.join('\n')}\n`);
    expect(await b.lines(30)).toEqual(sent);
  });

  it('pause a sender whose queue behind a slow handler is full, and resume it', async () => {
    const { hub, port } = await hubOn({ maxPendingMessages: 5 });
    const paused = vi.spyOn(Peer.prototype, 'pauseReading');
    const resumed = vi.spyOn(Peer.prototype, 'resumeReading');
    const gate = deferred();
    let handled = 0;
    hub.use(async (ctx) => {
      handled += 1;
      if (ctx.message === '0') await gate.promise;
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const sent = Array.from({ length: 50 }, (_, index) => String(index));
    a.write(`${sent.join('\n')}\n`);
    await eventually(() => handled === 1 && paused.mock.calls.length === 1, 2000, 'the sender paused');
    expect(resumed).not.toHaveBeenCalled();
    gate.resolve();
    expect(await b.lines(50)).toEqual(sent);
    expect(resumed).toHaveBeenCalledTimes(1);
  });

  it('report a throwing handler as a HandlerError, drop that message and go on', async () => {
    const { hub, port } = await hubOn();
    hub.use(function explode(ctx) {
      if (ctx.message === 'boom') throw new Error('kaboom');
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const [peerA] = [...hub.clients] as [Peer, Peer];
    const reported = nextEvent<[Error, Peer]>(hub, 'clientError');
    a.write('boom\nafter\n');
    const [error, peer] = await reported;
    expect(error).toBeInstanceOf(HandlerError);
    expect(error).toMatchObject({ code: 'ERR_HANDLER', peerId: peerA.id, handler: "'explode' (#0)" });
    expect(error.message).toContain(peerA.id);
    expect((error.cause as Error).message).toBe('kaboom');
    expect(peer).toBe(peerA);
    expect(await b.lines(1)).toEqual(['after']);
    expect(peerA.isOpen).toBe(true);
  });

  it('report a rejecting handler, naming it by index when it has no name', async () => {
    const { hub, port } = await hubOn();
    hub.use(() => undefined);
    hub.use((ctx) => (ctx.message === 'bad' ? Promise.reject(new Error('nope')) : undefined));
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    const reported = nextEvent<[Error, Peer]>(hub, 'clientError');
    a.write('bad\ngood\n');
    const [error] = await reported;
    expect(error).toMatchObject({ code: 'ERR_HANDLER', handler: '#1' });
    expect(await b.lines(1)).toEqual(['good']);
  });

  it('can be removed', async () => {
    const { hub, port } = await hubOn();
    const upper = (ctx: MessageContext): void => {
      ctx.message = ctx.message.toUpperCase();
    };
    hub.use(upper);
    expect(hub.removeHandler(upper)).toBe(true);
    expect(hub.removeHandler(upper)).toBe(false);
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('quiet\n');
    expect(await b.lines(1)).toEqual(['quiet']);
  });
});

describe('hub.command() on a plain hub', () => {
  it('runs registered commands and relays everything else verbatim', async () => {
    const { hub, port } = await hubOn();
    hub.command('roll', (ctx, { args }) => {
      ctx.reply(`rolled ${args.join(',')}`);
    });
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('/roll 2 6\n/unknown stays text\n//roll escaped\n');
    expect(await a.lines(1)).toEqual(['rolled 2,6']);
    expect(await b.lines(2)).toEqual(['/unknown stays text', '/roll escaped']);
  });

  it('reports a command that throws with its name', async () => {
    const { hub, port } = await hubOn();
    hub.command('fail', () => {
      throw new Error('broken');
    });
    const a = await rawPeer(hub, port);
    const reported = nextEvent<[Error, Peer]>(hub, 'clientError');
    a.write('/fail\n');
    const [error] = await reported;
    expect(error).toMatchObject({ code: 'ERR_HANDLER', handler: '/fail' });
  });

  it('stops parsing a command once it is removed', async () => {
    const { hub, port } = await hubOn();
    hub.command('x', (ctx) => {
      ctx.reply('ran');
    });
    hub.command('x', null);
    expect(hub.commands).toEqual([]);
    const a = await rawPeer(hub, port);
    const b = await rawPeer(hub, port);
    a.write('/x\n');
    expect(await b.lines(1)).toEqual(['/x']);
    await settle([a], hub);
    expect(linesOf(a)).toHaveLength(1);
  });

  it('rejects invalid command names', async () => {
    const { hub } = await hubOn();
    expect(() => hub.command('has space', () => undefined)).toThrow(TypeError);
  });
});
