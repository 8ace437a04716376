import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, killAll, type Spawned } from './fixtures/spawned.js';
import { LineSocket } from './fixtures/line-socket.js';
import { closeSockets, exitServe, lineClient, startServe } from './helpers/serve-cli.js';

// The library's limits, set on the command line, in the environment and in a config file,
// acting on real clients of a spawned `serve`.
let dir = '';

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'broadcast-chat-serve-limits-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  closeSockets();
  await killAll();
});

/** The reason the JSON log gives for the disconnect of the client on `port`. */
async function disconnectReason(server: Spawned, port: number | undefined): Promise<string> {
  const match = await server.waitFor(new RegExp(`"event":"disconnect".*"port":${String(port)},.*"reason":"([a-z-]+)"`));
  return match[1] ?? '';
}

describe('serve limits', () => {
  it('cuts clients by the timeouts, flood limit and message size it was given', async () => {
    const { server, port } = await startServe('limits', [
      '--log', 'json', '--framing', 'line', '--idle-timeout', '1500ms', '--partial-message-timeout', '400ms',
      '--flood', '2:1:disconnect', '--max-message-bytes', '16', '--oversized-message', 'disconnect',
    ]);
    const idle = await lineClient(port);
    const idlePort = idle.socket.localPort;
    const partial = await lineClient(port);
    partial.socket.write('an unfinished');
    expect(await disconnectReason(server, partial.socket.localPort)).toBe('timeout');
    await partial.waitFor('* disconnected: timeout (message left unfinished');

    const flooder = await lineClient(port);
    for (let i = 0; i < 5; i += 1) flooder.send(`m${i}`);
    expect(await disconnectReason(server, flooder.socket.localPort)).toBe('flood');

    const talker = await lineClient(port);
    talker.send('x'.repeat(40));
    expect(await disconnectReason(server, talker.socket.localPort)).toBe('too-large');

    expect(await disconnectReason(server, idlePort)).toBe('idle');
    await idle.waitFor('* disconnected: idle (no input');
    expect(await exitServe(server)).toBe(0);
  });

  it('cuts a JSON client that stops answering the heartbeat', async () => {
    const { server, port } = await startServe('heartbeat', ['--log', 'json', '--framing', 'json', '--heartbeat-interval', '300ms']);
    const quiet = await lineClient(port);
    quiet.send('{"v":1,"type":"hello","nick":"quiet"}');
    await quiet.waitFor('"type":"ping"');
    expect(await disconnectReason(server, quiet.socket.localPort)).toBe('heartbeat');
    expect(await exitServe(server)).toBe(0);
  });

  it('drops slash commands past --command-burst and --command-rate, and none with --no-command-rate', async () => {
    const limited = await startServe('command rate', ['--chat', '--framing', 'line', '--command-burst', '2', '--command-rate', '0.01']);
    const eager = await lineClient(limited.port);
    eager.socket.write('/who\n'.repeat(4));
    await eager.waitFor('! too many commands: more than 2 at once, then 0.01 per second, are dropped\n');
    eager.send('still talking');
    await limited.server.waitFor('guest-1: still talking\n');
    expect(eager.received.match(/^\* in lobby: /gm)).toHaveLength(2);
    expect(await exitServe(limited.server)).toBe(0);

    // More than the library's burst of 40 at once, every one answered.
    const free = await startServe('no command rate', ['--chat', '--framing', 'line', '--no-command-rate']);
    const busy = await lineClient(free.port);
    busy.socket.write('/who\n'.repeat(60));
    for (let answer = 0; answer < 60; answer += 1) await busy.waitFor('* in lobby: ');
    expect(busy.received).not.toContain('too many commands');
    expect(await exitServe(free.server)).toBe(0);
  });

  it('takes limits from the environment and a config file as from flags', async () => {
    const file = join(dir, 'chat.json');
    writeFileSync(file, JSON.stringify({ echo: true, maxClientsPerAddress: 5 }));
    // The environment wins over the file: one client per address.
    const { server, port } = await startServe('configured', ['--config', file], { BROADCAST_CHAT_MAX_CLIENTS_PER_ADDRESS: '1' });
    const first = await lineClient(port);
    await server.waitFor('New connection');
    first.send('hello me');
    await first.waitFor('hello me\n');
    const second = await LineSocket.open(port);
    await second.waitFor('! too many connections from your address');
    second.close();
    await server.waitFor('Refused a connection from 127.0.0.1 (too-many-from-address)\n');
    expect(await exitServe(server)).toBe(0);
  });
});
