import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, type Peer } from '../src/index.js';
import { closeAfterEach, recordUncaught } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, nextEvent, openSocket, RawPeer } from './helpers/sockets.js';
import { killAll, Spawned } from './fixtures/spawned.js';

// Fault injection against a live hub: clients that reset, half-close, vanish or die while the
// hub writes to them, a 100 MB stream, and a hub killed with SIGKILL under a connected client.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const track = closeAfterEach();
afterEach(killAll);

const troubles = recordUncaught();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A well-behaved line client that keeps the full history of what it received. */
class Survivor {
  readonly lines: string[] = [];
  /** Lines received from survivors (`S...`) and from half-closers, counted as they arrive. */
  survivorLines = 0;
  halfCloseLines = 0;
  private rest = '';

  private constructor(
    readonly index: number,
    readonly socket: Socket,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      const parts = (this.rest + text).split('\n');
      this.rest = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        if (line.startsWith('S')) this.survivorLines += 1;
        else if (line.startsWith('CHAOS-HALF-')) this.halfCloseLines += 1;
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(index: number, port: number): Promise<Survivor> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new Survivor(index, socket);
  }
}


type Fault = 'reset-mid-message' | 'half-close' | 'vanish' | 'destroy-while-written' | 'reset-while-written';
const FAULTS: readonly Fault[] = ['reset-mid-message', 'half-close', 'vanish', 'destroy-while-written', 'reset-while-written'];

/** One misbehaving client; resolves once it has done its damage, `delayMs` after it connected (0: at once). */
async function misbehave(port: number, fault: Fault, id: string, delayMs = 0): Promise<void> {
  const socket = await openSocket(port);
  if (delayMs > 0) {
    // Connected, reading nothing, until its moment comes: one of the crowd until then.
    await sleep(delayMs);
  }
  switch (fault) {
    case 'reset-mid-message':
      // Half a message, never finished: it must never reach anyone.
      socket.write(`CHAOS-PARTIAL-${id}-${'p'.repeat(300)}`);
      await sleep(Math.random() * 20);
      socket.resetAndDestroy();
      return;
    case 'half-close':
      // A complete line, then FIN: the line must still reach everyone.
      socket.end(`CHAOS-HALF-${id}\n`);
      return;
    case 'vanish':
      socket.destroy();
      return;
    case 'destroy-while-written':
    case 'reset-while-written':
      // Wait until the hub is writing to it (the survivors' traffic), then die mid-stream.
      await new Promise<void>((resolve) => {
        socket.once('data', () => {
          resolve();
        });
        setTimeout(resolve, 200).unref();
      });
      if (fault === 'destroy-while-written') socket.destroy();
      else socket.resetAndDestroy();
      return;
  }
}

interface ChaosPlan {
  /** Well-behaved clients that stream all along and check everything they receive. */
  readonly survivors: number;
  /** Rounds of chaos. */
  readonly rounds: number;
  /** Misbehaving clients connected each round, each faulting once. */
  readonly chaosPerRound: number;
  /** Messages each survivor sends per round, in bursts spread over the round. */
  readonly perRound: number;
  /** Length of each round in ms: chaos clients fault at random moments within it, and survivors' bursts are spread over it. 0: as fast as possible. */
  readonly roundMs: number;
  /** Padding of each survivor message, in bytes. */
  readonly padding: number;
}

/**
 * Runs survivors streaming numbered messages while chaos clients reset, half-close, vanish or
 * die mid-write, then checks the full history each survivor received (every other survivor's
 * messages, complete, in order, no gap or duplicate; the half-closers' lines once; no
 * unfinished message of a reset client), and that the hub's registry is the survivors' live sockets.
 */
async function runChaos(plan: ChaosPlan): Promise<void> {
  const { hub, port } = await startHub(track, {}, { close: { timeout: 1000 } });
  hub.on('clientError', () => undefined);
  // How the hub saw each chaos client leave, and which peer sent each unfinished message it relayed.
  const reasons = new Map<Peer, string>();
  const partialSenders = new Map<string, Peer>();
  hub.on('disconnect', (peer, reason) => reasons.set(peer, reason));
  hub.on('message', (message, peer) => {
    if (message.startsWith('CHAOS-PARTIAL-')) partialSenders.set(message.split('-')[2] ?? '', peer);
  });
  const { survivors: SURVIVORS, rounds: ROUNDS, perRound: PER_ROUND, chaosPerRound: CHAOS_PER_ROUND, roundMs, padding } = plan;
  const pad = 'x'.repeat(padding);
  const survivors: Survivor[] = [];
  // Connected in batches, which the accept backlog likes.
  for (let index = 0; index < SURVIVORS; index += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, SURVIVORS - index) }, (_, offset) => Survivor.connect(index + offset, port)));
    for (const survivor of batch) survivors.push(track(survivor, (s) => s.socket.destroy()));
  }
  await eventually(() => hub.clients.size === SURVIVORS, 5000, 'every survivor connected');
  const halfCloses: string[] = [];
  const BURSTS = Math.min(PER_ROUND, 5);
  let sequence = 0;
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round += 1) {
    const roundStart = Date.now();
    const chaos: Promise<void>[] = [];
    for (let index = 0; index < CHAOS_PER_ROUND; index += 1) {
      const fault = FAULTS[(round * CHAOS_PER_ROUND + index) % FAULTS.length] ?? 'vanish';
      const id = `${round}.${index}`;
      if (fault === 'half-close') halfCloses.push(id);
      chaos.push(misbehave(port, fault, id, roundMs > 0 ? Math.random() * roundMs * 0.8 : 0));
    }
    // The survivors talk while the chaos goes on, in bursts spread over the round.
    let message = 0;
    for (let burst = 0; burst < BURSTS; burst += 1) {
      const upTo = Math.round(((burst + 1) * PER_ROUND) / BURSTS);
      for (; message < upTo; message += 1) {
        for (const survivor of survivors) survivor.socket.write(`S${survivor.index}:${sequence + message}:${pad}\n`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (roundMs > 0) await sleep(Math.max(0, roundStart + ((burst + 1) * roundMs) / BURSTS - Date.now()));
    }
    sequence += PER_ROUND;
    await Promise.all(chaos);
  }
  const chaosMs = Date.now() - started;
  const total = ROUNDS * PER_ROUND;
  const expectedLines = (SURVIVORS - 1) * total;
  // What the last half-closing clients sent may still be on its way when the survivors' last messages arrive.
  const delivered = (survivor: Survivor): boolean => survivor.survivorLines >= expectedLines && survivor.halfCloseLines >= halfCloses.length;
  await eventually(() => survivors.every(delivered), 15_000, 'every survivor and half-closer message delivered');
  const sequenceLine = new RegExp(`^S(\\d+):(\\d+):x{${padding}}$`);
  const expectedSequence = Array.from({ length: total }, (_, index) => index);
  for (const survivor of survivors) {
    const bySender = new Map<number, number[]>();
    for (const line of survivor.lines) {
      const match = sequenceLine.exec(line);
      if (match === null) continue;
      const list = bySender.get(Number(match[1])) ?? [];
      list.push(Number(match[2]));
      bySender.set(Number(match[1]), list);
    }
    // Complete, in order, no gap, no duplicate: the full history from each other survivor.
    expect(bySender.has(survivor.index)).toBe(false);
    expect(bySender.size).toBe(SURVIVORS - 1);
    for (const received of bySender.values()) expect(received).toEqual(expectedSequence);
    // Unfinished messages of reset clients never reach anyone. (Now and then resetAndDestroy()
    // ends with a FIN instead of an RST; the hub then saw a last line without its newline and a
    // clean close, as from `nc` at end of input, and relays it: that is allowed, an RST is not.)
    for (const line of survivor.lines.filter((text) => text.startsWith('CHAOS-PARTIAL-'))) {
      const sender = partialSenders.get(line.split('-')[2] ?? '');
      expect(sender === undefined ? 'unknown' : reasons.get(sender)).toBe('client-closed');
    }
    // What half-closing clients sent arrives, once.
    const halves = survivor.lines.filter((line) => line.startsWith('CHAOS-HALF-')).map((line) => line.slice('CHAOS-HALF-'.length));
    expect(halves.sort()).toEqual([...halfCloses].sort());
    // Nothing else: every line is a survivor's message or a half-closer's.
    expect(survivor.lines.every((line) => sequenceLine.test(line) || line.startsWith('CHAOS-HALF-') || line.startsWith('CHAOS-PARTIAL-'))).toBe(true);
  }
  // The registry matches the live sockets: the survivors, and nobody else.
  await eventually(() => hub.clients.size === SURVIVORS, 5000, 'the chaos clients all gone from hub.clients');
  expect([...hub.clients].every((peer: Peer) => peer.isOpen)).toBe(true);
  expect(new Set([...hub.clients].map((peer) => peer.remotePort))).toEqual(new Set(survivors.map((survivor) => survivor.socket.localPort)));
  expect(survivors.every((survivor) => !survivor.socket.destroyed)).toBe(true);
  expect(troubles).toEqual([]);
  if (process.env.PROBE_LOG) console.log({ ...plan, chaosMs, deliveries: SURVIVORS * expectedLines, chaosClients: ROUNDS * CHAOS_PER_ROUND });
}

describe('chaos', () => {
  it('resets, half-closes, vanishing clients and clients dying mid-write cost the survivors nothing', async () => {
    await runChaos({ survivors: 20, rounds: 10, perRound: 6, chaosPerRound: 20, roundMs: 0, padding: 100 });
  });

  it('at scale: 200 clients streaming while a tenth are reset (or half-close, vanish, die mid-write) every second', async () => {
    // 180 survivors plus 20 chaos clients a round, one round a second: ~2.6 million deliveries checked.
    await runChaos({ survivors: 180, rounds: 4, perRound: 20, chaosPerRound: 20, roundMs: 1000, padding: 8 });
  }, 30_000);

  it('carries a 100 MB stream to a reading client, byte for byte, without holding it', async () => {
    const { hub, port } = await startHub(track, {}, { close: { timeout: 1000 } });
    const sender = track(await openSocket(port), (socket) => socket.destroy());
    const receiver = track(await openSocket(port), (socket) => socket.destroy());
    await eventually(() => hub.clients.size === 2);
    const receiverPeer = [...hub.clients].at(-1);
    if (receiverPeer === undefined) throw new Error('the receiver is not connected');
    const TOTAL = 100 * 1024 * 1024;
    const LINE = 16 * 1024;
    // Random printable lines (base64), each ending in a newline: what goes in must come out unchanged.
    const block = Buffer.from(randomBytes(((LINE - 1) * 64 * 3) / 4).toString('base64'));
    const sentHash = createHash('sha256');
    const receivedHash = createHash('sha256');
    let received = 0;
    receiver.on('data', (chunk: Buffer) => {
      received += chunk.length;
      receivedHash.update(chunk);
    });
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    let queuedPeak = 0;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      queuedPeak = Math.max(queuedPeak, receiverPeer.bytesQueued);
    }, 5);
    try {
      let sent = 0;
      let index = 0;
      while (sent < TOTAL) {
        const start = (index % 64) * (LINE - 1);
        const line = Buffer.concat([block.subarray(start, start + LINE - 1), Buffer.from('\n')]);
        index += 1;
        sentHash.update(line);
        sent += line.length;
        // The sender waits for TCP to take its bytes, and keeps no more than 2 MB ahead of the
        // receiver: the application's own flow control, since the hub cuts a reader that falls
        // 4 MiB behind rather than slow everyone down.
        if (!sender.write(line)) await nextEvent<[]>(sender, 'drain', 10_000);
        if (sent - received > 2 * 1024 * 1024) await eventually(() => sent - received <= 1024 * 1024, 10_000, 'the receiver to catch up');
      }
      await eventually(() => received >= sent, 20_000, 'all 100 MB received');
      expect(received).toBe(sent);
      expect(receivedHash.digest('hex')).toBe(sentHash.digest('hex'));
    } finally {
      clearInterval(sampler);
    }
    // The hub held at most its queue cap for the receiver, and nowhere near the 100 MB.
    expect(queuedPeak).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(heapPeak - heapBefore).toBeLessThan(64 * 1024 * 1024);
    expect(hub.clients.size).toBe(2);
  }, 60_000);

  it('a ChatClient notices a hub killed with SIGKILL, and gets back to one restarted on the same port', async () => {
    const fixture = join('test', 'fixtures', 'chaos-hub.ts');
    const first = new Spawned('hub-1', process.execPath, ['--import', 'tsx', fixture, '0']);
    const port = Number((await first.waitFor(/READY (\d+)/))[1]);
    const reconnect = { initialDelay: 50, maxDelay: 200 };
    const alice = track(new ChatClient({ port, reconnect }), (client) => client.close());
    const bob = track(new ChatClient({ port, reconnect }), (client) => client.close());
    await alice.connect();
    await bob.connect();
    const hello = nextEvent<[string]>(bob, 'message');
    alice.send('before the crash');
    expect((await hello)[0]).toBe('before the crash');

    const lost = nextEvent<[string]>(alice, 'disconnect');
    first.child.kill('SIGKILL');
    await first.exited;
    const [reason] = await lost;
    expect(['reset', 'hub-closed', 'error']).toContain(reason);
    expect(alice.isConnected).toBe(false);

    const aliceBack = nextEvent<[number]>(alice, 'reconnect', 10_000);
    const bobBack = nextEvent<[number]>(bob, 'reconnect', 10_000);
    const second = new Spawned('hub-2', process.execPath, ['--import', 'tsx', fixture, String(port)]);
    await second.waitFor(`READY ${port}`);
    await aliceBack;
    await bobBack;
    const after = nextEvent<[string]>(bob, 'message');
    alice.send('after the restart');
    expect((await after)[0]).toBe('after the restart');
    // A brand-new client reaches the restarted hub too.
    const carol = track(new ChatClient({ port, reconnect: false }), (client) => client.close());
    await carol.connect();
    await alice.close();
    await bob.close();
    expect(troubles).toEqual([]);
  });

  it('RawPeer sanity: a reset peer is reported to the hub as reset, not as a crash', async () => {
    const { hub, port } = await startHub(track, {}, { close: { timeout: 1000 } });
    hub.on('clientError', () => undefined);
    const gone = nextEvent<[Peer, string]>(hub, 'disconnect');
    const peer = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await eventually(() => hub.clients.size === 1);
    peer.write('half a mess');
    await sleep(20);
    peer.socket.resetAndDestroy();
    expect((await gone)[1]).toBe('reset');
  });
});
