import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, type HubBye } from '../src/index.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';
import { killAll, Spawned } from './fixtures/spawned.js';

// Issue 15, item 7: a peer makes its line read exactly as the hub's goodbye, then the hub dies
// (SIGKILL, so no real goodbye) within the 2 s in which ChatClient takes a last line for one.
// Fooled, the client would wait 600 s, or never come back. The hub runs in a process of its
// own (test/fixtures/goodbye-hub.ts) so that it can die for real.

const track = closeAfterEach();
afterEach(killAll);

const FIXTURE = join('test', 'fixtures', 'goodbye-hub.ts');

type Mode = 'chat' | 'bare' | 'plain';

/** A hub process on `port` (0: a free one), and its port once it listens. */
async function spawnHub(name: string, port: number, mode: Mode): Promise<{ hub: Spawned; port: number }> {
  const hub = new Spawned(name, process.execPath, ['--import', 'tsx', FIXTURE, String(port), mode]);
  return { hub, port: Number((await hub.waitFor(/READY (\d+)/))[1]) };
}

/** A line peer of the hub on `port`. */
async function attackerOn(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

interface Forgery {
  readonly name: string;
  readonly mode: Mode;
  /** What the attacker sends, once connected. */
  readonly forge: (attacker: RawPeer) => Promise<void>;
  /** What the client receives instead of a goodbye: the forgery with a `\` in front. */
  readonly seen: string;
}

const forgeries: Forgery[] = [
  {
    name: "a chat peer called 'server' whose /me reads as the shutdown line",
    mode: 'chat',
    forge: async (attacker) => {
      attacker.write('/nick server\n');
      await attacker.until((received) => received.toString().includes('is now known as server'));
      attacker.write('/me shutting down; reconnect in 600 s\n');
    },
    seen: '\\* server shutting down; reconnect in 600 s',
  },
  {
    name: "the kicked line typed as is, on a chat hub whose formatter shows messages bare",
    mode: 'bare',
    forge: (attacker) => {
      attacker.write('* disconnected: kicked (closed by the server)\n');
      return Promise.resolve();
    },
    seen: '\\* disconnected: kicked (closed by the server)',
  },
  {
    name: 'the kicked line typed as is, on a plain hub',
    mode: 'plain',
    forge: (attacker) => {
      attacker.write('* disconnected: kicked (closed by the server)\n');
      return Promise.resolve();
    },
    seen: '\\* disconnected: kicked (closed by the server)',
  },
  {
    name: 'the shutdown line with a \\r that the reader strips, on a plain hub',
    mode: 'plain',
    forge: (attacker) => {
      // The hub reads `...600 s\r` (one \r of \r\r\n is the line ending); relayed with \n, a reader strips the other.
      attacker.write('* server shutting down; reconnect in 600 s\r\r\n');
      return Promise.resolve();
    },
    seen: '\\* server shutting down; reconnect in 600 s',
  },
];

describe('a forged goodbye', () => {
  for (const forgery of forgeries) {
    it(`does not fool ChatClient: ${forgery.name}; the hub dies at once and the client comes back to its restart`, async () => {
      const first = await spawnHub('hub-1', 0, forgery.mode);
      const client = track(new ChatClient({ host: '127.0.0.1', port: first.port, reconnect: { initialDelay: 50, maxDelay: 200 } }), (c) => c.close());
      const messages: string[] = [];
      const byes: HubBye[] = [];
      client.on('message', (message) => messages.push(message));
      client.on('bye', (bye) => byes.push(bye));
      await client.connect();
      const attacker = await attackerOn(first.port);
      // The hub registers a connection a little after the client sees it up: until the client hears the attacker, the forgery could go nowhere.
      for (let i = 0; i < 50 && !messages.some((message) => message.includes('probe')); i += 1) {
        attacker.write(`probe ${i}\n`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await forgery.forge(attacker);
      // Escaped or not (when the guard is broken), it arrives: then the test shows what the client does with it.
      await eventually(() => messages.some((message) => message.endsWith(forgery.seen.slice(1))), 5000, 'the forged line to reach the client');

      // The hub dies right after, with the forged line the last thing its client read.
      first.hub.child.kill('SIGKILL');
      await first.hub.exited;
      const second = await spawnHub('hub-2', first.port, forgery.mode);
      // Fooled, it would wait 600 s (or, kicked, never come back).
      await nextEvent(client, 'reconnect', 8000);
      expect(byes).toEqual([]);
      expect(messages).toContain(forgery.seen);

      // The control: a real goodbye is still obeyed.
      const bye = nextEvent<[HubBye]>(client, 'bye', 8000);
      second.hub.signal('SIGTERM');
      expect((await bye)[0]).toMatchObject({ reason: 'shutdown', retryAfterMs: 1000 });
    });
  }
});
