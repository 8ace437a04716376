import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { DisconnectReason, Peer } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';

// Issue 5, "Slowloris": hundreds of clients sending a byte a second and never a newline are all
// closed by the partial-message timeout, with bounded memory. (The small, fast version with a
// 300 ms timeout is in hub-liveness.test.ts.)

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const track = closeAfterEach();

const LORISES = 320;
/** Each loris sends one byte this often, starting at a random moment within the first interval. */
const TRICKLE_MS = 1000;
/**
 * Longer than the trickle interval, so each loris sends a second byte (at least) before it is
 * cut: a timer that restarted on every byte, rather than on every completed message, would
 * never cut them, and this test would fail.
 */
const PARTIAL_TIMEOUT_MS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('slowloris at scale', () => {
  it(`${LORISES} clients trickling a byte a second, never a newline, are all cut with reason 'timeout', with bounded memory`, async () => {
    const { hub, port } = await startHub(track, { partialMessageTimeout: PARTIAL_TIMEOUT_MS }, { close: { drainTimeout: 500 } });
    hub.on('clientError', () => undefined);
    const gone = new Map<Peer, { reason: DisconnectReason; at: number }>();
    hub.on('disconnect', (peer, reason) => gone.set(peer, { reason, at: Date.now() }));

    // A healthy pair that keeps chatting in whole lines all along: never cut.
    const chatter = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    const reader = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    await eventually(() => hub.clients.size === 2, 2000, 'the healthy pair');
    const healthy = new Set(hub.clients);

    const heapBefore = heapAfterGc();

    // Connect in batches, as a botnet would not bother to, but the kernel's accept backlog likes.
    const lorises = track<RawPeer[]>([], (list) => {
      for (const loris of list) loris.destroy();
    });
    for (let batch = 0; batch < LORISES; batch += 40) {
      lorises.push(...(await Promise.all(Array.from({ length: Math.min(40, LORISES - batch) }, () => RawPeer.connect(port)))));
    }
    await eventually(() => hub.clients.size === LORISES + 2, 5000, 'every loris connected');
    const byPort = new Map([...hub.clients].map((peer) => [peer.remotePort, peer]));
    const peers = lorises.map((loris) => {
      const peer = byPort.get(loris.socket.localPort ?? -1);
      if (peer === undefined) throw new Error('a loris has no peer');
      return peer;
    });

    // Each loris: a byte now and then, at its own phase, until the hub closes it.
    const firstByteAt = new Array<number>(LORISES).fill(0);
    const bytesSent = new Array<number>(LORISES).fill(0);
    const timers: NodeJS.Timeout[] = [];
    const trickle = (index: number): void => {
      const loris = lorises[index];
      if (loris === undefined || loris.closed) return;
      loris.write('x');
      bytesSent[index] = (bytesSent[index] ?? 0) + 1;
      if (firstByteAt[index] === 0) firstByteAt[index] = Date.now();
    };
    let said = 0;
    let heapPeak = 0;
    let heldPeak = 0;
    const chat = setInterval(() => {
      if (said < 200) chatter.write(`ok ${said++}\n`);
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      // What the hub holds for all the lorises together: never more than they sent.
      heldPeak = Math.max(
        heldPeak,
        peers.reduce((sum, peer) => sum + peer.bytesBuffered, 0),
      );
    }, 50);
    const started = Date.now();
    try {
      for (let index = 0; index < LORISES; index += 1) {
        const phase = Math.floor((index / LORISES) * TRICKLE_MS);
        timers.push(
          setTimeout(() => {
            trickle(index);
            timers.push(setInterval(trickle, TRICKLE_MS, index));
          }, phase),
        );
      }
      // Every loris is cut one partial timeout after its first byte, plus a sweep or so; the last
      // starts ~1 s in. Bounded well beyond that.
      await eventually(() => peers.every((peer) => gone.has(peer)), TRICKLE_MS + PARTIAL_TIMEOUT_MS + 5000, 'every loris cut');
    } finally {
      for (const timer of timers) clearTimeout(timer);
      clearInterval(chat);
    }
    const elapsed = Date.now() - started;

    // All of them, for the partial-message timeout, none too early, each after trickling more than one byte.
    const reasons = new Set(peers.map((peer) => gone.get(peer)?.reason));
    expect([...reasons]).toEqual(['timeout']);
    const lifetimes = peers.map((peer, index) => (gone.get(peer)?.at ?? 0) - (firstByteAt[index] ?? 0));
    expect(Math.min(...lifetimes)).toBeGreaterThanOrEqual(PARTIAL_TIMEOUT_MS - 100);
    expect(Math.max(...lifetimes)).toBeLessThan(PARTIAL_TIMEOUT_MS + 3000);
    expect(Math.min(...peers.map((peer) => peer.bytesIn))).toBeGreaterThanOrEqual(2);
    // The hub held at most the bytes they sent (a few each), never anything beyond.
    expect(heldPeak).toBeLessThanOrEqual(bytesSent.reduce((sum, sent) => sum + sent, 0));
    // Every one was told why and closed.
    await Promise.all(lorises.map((loris) => loris.waitClosed(3000)));
    for (const loris of lorises) expect(loris.text).toMatch(/\* disconnected: timeout \(message left unfinished for 2 s\)\n$/);

    // The healthy pair was never cut and heard everything, in order.
    expect(hub.clients).toEqual(healthy);
    expect([...healthy].every((peer) => peer.isOpen)).toBe(true);
    await reader.newlinesReach(said, 2000);
    expect(reader.text).toBe(Array.from({ length: said }, (_, index) => `ok ${index}\n`).join(''));

    // Memory: hundreds of open connections cost a bounded amount, and it all comes back once
    // the test lets go of its own handles on them (the hub keeps none: it holds only the pair).
    lorises.length = 0;
    peers.length = 0;
    byPort.clear();
    gone.clear();
    await sleep(50);
    const heapAfter = heapAfterGc();
    if (process.env.PROBE_LOG) console.log({ elapsed, heapBefore, heapPeak, heapAfter, heldPeak, lifetimes: [Math.min(...lifetimes), Math.max(...lifetimes)] });
    expect(heapPeak - heapBefore).toBeLessThan(64 * 1024 * 1024);
    expect(heapAfter - heapBefore).toBeLessThan(4 * 1024 * 1024);
  }, 20_000);
});
