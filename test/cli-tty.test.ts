import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderScreen } from './fixtures/screen.js';
import { assertCliBuilt, CLI, cli, killAll, portOf, PTY_RUN, Spawned } from './fixtures/spawned.js';

// The client on a real pseudo-terminal (80x24), as a person sees it. On 127.0.0.1 only.
beforeAll(assertCliBuilt);
afterEach(killAll);

describe('broadcast-chat connect on a terminal', () => {
  it('prints incoming messages above the prompt and redraws the partially typed line', async () => {
    const server = cli('server', ['serve', '--host', '127.0.0.1', '--port', '0']);
    const port = await portOf(server);
    const tty = new Spawned('client on a terminal', 'python3', [PTY_RUN, process.execPath, CLI, 'connect', '127.0.0.1', String(port)]);
    await tty.waitFor('You: ');
    await server.waitFor(/New connection from 127\.0\.0\.1:\d+\n/);

    tty.type('hel');
    await tty.waitFor('hel');
    server.type('ping from the operator\n');
    await tty.waitFor('Message received: ping from the operator');
    await tty.waitFor('You: hel');

    const screen = renderScreen(tty.printed.stdout);
    expect(screen.lines).toEqual([
      'Starting client...',
      'Connected to the server.',
      'Type your messages below:',
      'Message received: ping from the operator',
      'You: hel',
    ]);
    expect([screen.row, screen.column]).toEqual([4, 'You: hel'.length]);

    // What was typed before the message is still there: finishing the line sends all of it.
    tty.type('lo\r');
    await server.waitFor(/Received message from 127\.0\.0\.1:\d+: hello\n/);

    // Ctrl-C on a terminal reaches readline rather than the process: it still leaves gracefully.
    tty.type('\x03');
    await tty.waitFor('Closing connection...');
    expect(await tty.waitExit()).toEqual({ code: 0, signal: null });
    expect(renderScreen(tty.printed.stdout).lines.slice(-3)).toEqual(['You: hello', 'Closing connection...', '']);
  }, 30_000);
});
