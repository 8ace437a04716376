import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, cli, killAll } from './fixtures/spawned.js';
import { closeSockets, exitServe, namedClient, startServe } from './helpers/serve-cli.js';

// `broadcast-chat serve --history N`: a room's last messages replayed to those who join late,
// with the spawned CLI and nc-style line clients on 127.0.0.1.

beforeAll(assertCliBuilt);
afterEach(async () => {
  closeSockets();
  await killAll();
});

/** Every line of `received` that is a replayed message, in order. */
function replayed(received: string): string[] {
  return received.split('\n').filter((line) => line.startsWith('(history) '));
}

describe('serve --history', () => {
  it('replays the last N messages of the room, marked (history), to a line client that joins late', async () => {
    const { server, port } = await startServe('history', ['--chat', '--history', '5']);
    expect(server.printed.stdout).toContain(`Server started on 127.0.0.1:${port} (framing: mixed, chat mode, history: 5 messages a room, 5 replayed on joining)\n`);
    const alice = await namedClient(port, 'alice');
    for (let n = 1; n <= 7; n += 1) alice.send(`message ${n}`);
    await server.waitFor('alice: message 7\n');

    // The replay comes with the welcome, before the rename namedClient waits for.
    const carol = await namedClient(port, 'carol');
    expect(replayed(carol.received)).toEqual(['(history) alice: message 3', '(history) alice: message 4', '(history) alice: message 5', '(history) alice: message 6', '(history) alice: message 7']);

    // Live messages come unmarked after it; /history shows the room's last ones again.
    alice.send('live now');
    await carol.waitFor('alice: live now\n');
    expect(carol.received).toContain('\nalice: live now\n');
    carol.send('/history 2');
    await carol.waitFor('(history) alice: message 7\n(history) alice: live now\n');
    expect(await exitServe(server)).toBe(0);
  });

  it('replays --history-replay N of them on joining', async () => {
    const { server, port } = await startServe('history replay', ['--chat', '--history', '10', '--history-replay', '2']);
    expect(server.printed.stdout).toContain('(framing: mixed, chat mode, history: 10 messages a room, 2 replayed on joining)\n');
    const alice = await namedClient(port, 'alice');
    for (let n = 1; n <= 4; n += 1) alice.send(`message ${n}`);
    await server.waitFor('alice: message 4\n');
    const carol = await namedClient(port, 'carol');
    expect(replayed(carol.received)).toEqual(['(history) alice: message 3', '(history) alice: message 4']);
    // All ten are kept: /history shows more than the replay.
    carol.send('/history 4');
    await carol.waitFor('(history) alice: message 1\n(history) alice: message 2\n(history) alice: message 3\n(history) alice: message 4\n');
    expect(await exitServe(server)).toBe(0);
  });

  it('keeps nothing with --history 0, as without the flag', async () => {
    const { server, port } = await startServe('no history', ['--chat', '--history', '0']);
    expect(server.printed.stdout).toContain(`Server started on 127.0.0.1:${port} (framing: mixed, chat mode)\n`);
    const alice = await namedClient(port, 'alice');
    alice.send('said before carol came');
    await server.waitFor('alice: said before carol came\n');
    const carol = await namedClient(port, 'carol');
    alice.send('said after');
    await carol.waitFor('alice: said after\n');
    expect(carol.received).not.toContain('said before carol came');
    expect(await exitServe(server)).toBe(0);
  });

  it('says in its JSON log how much history it keeps', async () => {
    const server = cli('history json', ['serve', '--host', '127.0.0.1', '--port', '0', '--chat', '--history', '20', '--log', 'json']);
    await server.waitFor('"event":"listening","address":"127.0.0.1"');
    expect(server.printed.stdout).toMatch(/"chat":true,"history":\{"messages":20,"replayOnJoin":10\}\}/);
    expect(await exitServe(server)).toBe(0);
  });
});
