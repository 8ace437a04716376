/**
 * Run as a subprocess by test/hub-faults.test.ts: a hub with no listeners at all meets every
 * kind of client trouble, then closes. It must print `ok` and exit by itself, with status 0:
 * an unhandled 'error' would end it with status 1, and an open handle would keep it alive.
 */
import { BroadcastHub, ChatClient } from '../../src/index.js';
import { openSocket } from './sockets.js';

const started = Date.now();
const deadline = started + 10_000;


async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('fixture timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const hub = new BroadcastHub({ maxMessageBytes: 64, maxQueuedBytes: 32 * 1024, oversizedMessage: 'disconnect', invalidUtf8: 'reject' });
const { port } = await hub.listen({ port: 0, host: '127.0.0.1' });

const [resetter, tooLarge, invalid, stalled, flooder] = await Promise.all([openSocket(port), openSocket(port), openSocket(port), openSocket(port), openSocket(port)]);
await until(() => hub.clients.size === 5);

stalled.pause();
// The others read (and throw away) what they are sent; only `stalled` is a slow consumer.
for (const socket of [tooLarge, invalid, flooder]) socket.resume();
resetter.write('half a li');
resetter.resetAndDestroy();
tooLarge.write(`${'x'.repeat(1000)}\n`);
invalid.write(Buffer.from([0x61, 0xff, 0x0a]));
const line = `${'f'.repeat(60)}\n`;
for (let batch = 0; batch < 400 && hub.clients.size > 2; batch += 1) {
  if (!flooder.write(line.repeat(200))) await new Promise((resolve) => flooder.once('drain', resolve));
}
await until(() => hub.clients.size <= 2);

// A second hub on the same port fails to listen, with no listener for its 'error' either.
const second = new BroadcastHub();
const refused = await second.listen({ port, host: '127.0.0.1' }).then(
  () => false,
  (error: unknown) => (error as { code?: string }).code === 'ERR_LISTEN_FAILED',
);

// A client with no listeners meets a hub that goes away, and one that is not there.
const client = new ChatClient({ host: '127.0.0.1', port });
await client.connect();
await hub.close({ timeout: 1000 });
const notThere = await new ChatClient({ host: '127.0.0.1', port }).connect().then(
  () => false,
  (error: unknown) => (error as { code?: string }).code === 'ERR_CONNECT_FAILED',
);
for (const socket of [tooLarge, invalid, stalled, flooder]) socket.destroy();
await client.close();
console.log(refused && notThere ? 'ok' : `refused=${refused} notThere=${notThere}`);
