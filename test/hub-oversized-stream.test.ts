import { performance } from 'node:perf_hooks';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_MESSAGE_BYTES, MessageTooLargeError, type BroadcastHub, type DisconnectReason, type OversizedMessagePolicy, type Peer } from '../src/internals.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';
import { eventually, RawPeer } from './helpers/sockets.js';

// Issue 5, "Oversized input": a 100 MB stream with no delimiter at a default line hub. The
// sender is handled within 100 ms of crossing maxMessageBytes, the hub never holds more than the
// limit plus one chunk for it, and the other clients lose nothing meanwhile. Run under both
// policies the hub offers (`oversizedMessage: 'drop' | 'disconnect'`).

const track = closeAfterEach();

const LIMIT = DEFAULT_MAX_MESSAGE_BYTES;
const TOTAL = 100 * 1024 * 1024;
const CHUNK = 64 * 1024;
/** The figure: the sender is handled within this of the write that crossed the limit. */
const HANDLED_WITHIN_MS = 100;
/** The whole stream must be written (or cut) well within this. */
const STREAM_BUDGET_MS = 10_000;

interface HubSide {
  /** Largest `bytesBuffered` of the flooder's peer after any chunk the hub read from it. */
  maxBuffered: number;
  /** Largest chunk the hub's socket read from the flooder. */
  maxChunk: number;
  /** Chunks read from the flooder. */
  chunks: number;
}

/**
 * A default line hub (only the policy differs) served on our own `net.Server`, so that a
 * listener of ours runs right after the hub's on every chunk and can read what the hub holds.
 */
async function watchedHub(policy: OversizedMessagePolicy): Promise<{ hub: BroadcastHub; port: number; flooderPort: { value: number }; side: HubSide }> {
  // Closed after the hub (cleanup runs newest first); the hub never closes a server it was given.
  const server = track(createServer(), closeServer);
  const { hub, port } = await startHub(track, { server, oversizedMessage: policy }, { close: { drainTimeout: 500 } });
  const side: HubSide = { maxBuffered: 0, maxChunk: 0, chunks: 0 };
  const flooderPort = { value: -1 };
  // Registered after the hub's own listener: the Peer and its socket listeners exist by now.
  server.on('connection', (socket: Socket) => {
    let peer: Peer | undefined;
    socket.on('data', (chunk: Buffer) => {
      if (socket.remotePort !== flooderPort.value) return;
      peer ??= [...hub.clients].find((candidate) => candidate.remotePort === socket.remotePort);
      side.chunks += 1;
      side.maxChunk = Math.max(side.maxChunk, chunk.length);
      side.maxBuffered = Math.max(side.maxBuffered, peer?.bytesBuffered ?? 0);
    });
  });
  return { hub, port, flooderPort, side };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

/** Resolves after the current I/O: lets the hub read what was just written. */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a 100 MB stream with no newline', () => {
  for (const policy of ['drop', 'disconnect'] as const) {
    it(`oversizedMessage '${policy}': the sender is handled within ${HANDLED_WITHIN_MS} ms of crossing the limit, held to the limit, and the others lose nothing`, async () => {
      const { hub, port, flooderPort, side } = await watchedHub(policy);
      const flooder = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
      flooderPort.value = flooder.socket.localPort ?? -1;
      const talker = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
      const listener = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
      await eventually(() => hub.clients.size === 3, 2000, 'three clients');
      const flooderPeer = [...hub.clients].find((peer) => peer.remotePort === flooderPort.value);
      if (flooderPeer === undefined) throw new Error('the flooder has no peer');

      const errors: { at: number; error: Error }[] = [];
      const gone = new Map<Peer, { at: number; reason: DisconnectReason }>();
      hub.on('clientError', (error, peer) => {
        if (peer === flooderPeer) errors.push({ at: performance.now(), error });
      });
      hub.on('disconnect', (peer, reason) => gone.set(peer, { at: performance.now(), reason }));
      let finAt: number | undefined;
      flooder.socket.on('end', () => (finAt ??= performance.now()));

      // The talker says numbered lines every 5 ms, before, through and after the flood (bounded in count).
      let said = 0;
      const talk = track(
        setInterval(() => {
          if (said < 4000) talker.write(`m${said++}\n`);
        }, 5),
        clearInterval,
      );
      await listener.newlinesReach(10, 2000);

      const chunk = Buffer.alloc(CHUNK, 'x');
      const started = performance.now();
      let written = 0;
      let crossedAt: number | undefined;
      while (written < TOTAL && !flooder.closed && finAt === undefined) {
        if (performance.now() - started > STREAM_BUDGET_MS) throw new Error(`only ${written} bytes written in ${STREAM_BUDGET_MS} ms`);
        const more = flooder.socket.write(chunk);
        written += chunk.length;
        // The write whose bytes take the unfinished line past the limit.
        if (crossedAt === undefined && written > LIMIT) crossedAt = performance.now();
        if (!more) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              clearTimeout(timer);
              flooder.socket.off('drain', done);
              flooder.socket.off('close', done);
              flooder.socket.off('end', done);
              resolve();
            };
            const timer = setTimeout(done, 1000);
            flooder.socket.on('drain', done);
            flooder.socket.on('close', done);
            flooder.socket.on('end', done);
          });
        } else {
          await yieldToIo();
        }
      }
      if (policy === 'drop') {
        // The hub read (and discarded) every byte: it never stopped reading to hold the sender off.
        await eventually(() => flooderPeer.bytesIn === written, 5000, 'the hub to read all 100 MB');
      }
      const streamMs = performance.now() - started;
      const saidByEnd = said;
      await eventually(() => said >= saidByEnd + 10, 2000, 'the talker to go on after the flood');
      clearInterval(talk);
      if (crossedAt === undefined) throw new Error('the limit was never crossed');

      // Handled: reported at once, as a MessageTooLargeError, and only once for the one line.
      expect(errors.length).toBeGreaterThanOrEqual(1);
      const [first] = errors;
      expect(first?.error).toBeInstanceOf(MessageTooLargeError);
      expect((first?.at ?? Infinity) - crossedAt).toBeLessThan(HANDLED_WITHIN_MS);
      // Never more than the limit plus one chunk held for it, at any chunk.
      expect(side.chunks).toBeGreaterThan(0);
      expect(side.maxBuffered).toBeLessThanOrEqual(LIMIT + side.maxChunk);
      expect(flooderPeer.bytesBuffered).toBe(0);

      if (policy === 'drop') {
        // The whole 100 MB went in; one line, one report; the sender is still a client.
        expect(written).toBe(TOTAL);
        expect(errors).toHaveLength(1);
        expect(flooderPeer.isOpen).toBe(true);
        // The rest of the line is skipped up to its newline, and the next line is heard.
        flooder.write('\nback to normal\n');
        await listener.until((received) => received.toString().includes('back to normal\n'), 2000);
      } else {
        // Cut: the hub stopped taking it, told it with its FIN within the same bound, and says why.
        expect(written).toBeLessThan(TOTAL);
        if (finAt === undefined) throw new Error('the flooder never saw the hub close');
        expect(finAt - crossedAt).toBeLessThan(HANDLED_WITHIN_MS);
        expect(flooderPeer.isOpen).toBe(false);
        await eventually(() => gone.has(flooderPeer), 2000, 'the flooder to be gone');
        expect(gone.get(flooderPeer)?.reason).toBe('too-large');
      }
      expect(streamMs).toBeLessThan(STREAM_BUDGET_MS);

      // The others lost nothing: every numbered line, in order, and nothing of the flood.
      const count = said;
      await listener.newlinesReach(count + (policy === 'drop' ? 1 : 0), 3000);
      const expected = Array.from({ length: count }, (_, index) => `m${index}`);
      const heard = listener.text.split('\n').filter((line) => line !== '');
      expect(heard.filter((line) => line.startsWith('m'))).toEqual(expected);
      expect(heard.filter((line) => !line.startsWith('m'))).toEqual(policy === 'drop' ? ['back to normal'] : []);
      expect(count).toBeGreaterThan(0);
      expect([...hub.clients].filter((peer) => peer !== flooderPeer).every((peer) => peer.isOpen)).toBe(true);
    }, 20_000);
  }
});
