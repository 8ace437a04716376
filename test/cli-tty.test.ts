import { connect, type Socket } from 'node:net';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { closeAfterEach } from './helpers/cleanup.js';
import { nextEvent, startCliHub, type CliHub } from './helpers/cli-hub.js';
import { needs } from './helpers/tools.js';
import { cellWidth, renderScreen, wrapRows } from './fixtures/screen.js';
import { assertCliBuilt, CLI, killAll, portOf, PTY_RUN, Spawned } from './fixtures/spawned.js';

// `broadcast-chat connect` on a real pseudo-terminal, as a person sees it, against a hub on
// 127.0.0.1. The screen is rebuilt from every byte the program drew, and no row is ever
// scrolled away there: a line erased from the scrollback is missing from it too.
beforeAll(assertCliBuilt);
afterEach(killAll);
const track = closeAfterEach();

const HEADER = ['Starting client...', 'Connected to the server.', 'Type your messages below:'];
const LEFT = '\x1b[D';

/** The client on a terminal `columns` wide, connected to `hub`. */
async function clientOnTerminal(hub: CliHub, columns = 80): Promise<Spawned> {
  const connected = nextEvent(hub.hub, 'connect');
  const tty = new Spawned('client on a terminal', 'python3', [PTY_RUN, process.execPath, CLI, 'connect', `127.0.0.1:${hub.port}`], { PTY_COLUMNS: String(columns) });
  await tty.waitFor('You: ');
  await connected;
  return tty;
}

/** Types `keys` (a string's characters, or escape sequences) one at a time, as a person does: each is read, and drawn, before the next is sent. */
async function typeKeys(tty: Spawned, keys: Iterable<string>): Promise<void> {
  for (const key of keys) {
    await tty.waitFor(/$/); // everything drawn so far is seen
    tty.type(key);
    await tty.waitFor(/[\s\S]/); // the key's echo
  }
}

/**
 * Waits (up to 3 s) until the terminal shows `expected` (its last `last` rows, if given; drawn
 * `columns` wide, if given), then
 * asserts it: readline draws a prompt in several writes, and a wait for some text can return
 * between two of them.
 */
async function screenShows(tty: Spawned, expected: string[], last?: number, columns?: number): Promise<void> {
  const rows = (): string[] => {
    const lines = (columns === undefined ? renderScreen(tty.printed.stdout) : renderScreen(tty.printed.stdout, columns)).lines;
    return last === undefined ? lines : lines.slice(-last);
  };
  const deadline = Date.now() + 3000;
  while (JSON.stringify(rows()) !== JSON.stringify(expected) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(rows()).toEqual(expected);
}

/** Sends `text` to every client and waits until the terminal has shown it and redrawn `prompt` below it. */
async function arrive(hub: CliHub, tty: Spawned, text: string, prompt: string): Promise<void> {
  hub.hub.broadcast(text);
  await tty.waitFor(`Message received: ${text}`);
  await tty.waitFor(prompt);
}

/** The rows a prompt and its input take, as readline draws them: a row filled to the edge is followed by an empty one, where the cursor goes. */
function promptRows(text: string, columns = 80): string[] {
  const rows = wrapRows(text, columns);
  let cells = 0;
  for (const char of rows.at(-1) ?? '') cells += cellWidth(char);
  return cells === columns ? [...rows, ''] : rows;
}

// Terminal timing (readline's redraws against a pty on two busy cores) can race once: each test
// is retried, but a line console that loses lines fails every try.
const RETRY = { retry: 2 };

needs('python3').describe('broadcast-chat connect on a terminal', () => {
  it('prints incoming messages above the prompt and redraws the partially typed line', { ...RETRY, timeout: 30_000 }, async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const tty = await clientOnTerminal(hub);

    await typeKeys(tty, 'hel');
    await arrive(hub, tty, 'ping from the hub', 'You: hel');

    await screenShows(tty, [...HEADER, 'Message received: ping from the hub', 'You: hel']);
    const screen = renderScreen(tty.printed.stdout);
    expect([screen.row, screen.column]).toEqual([4, 'You: hel'.length]);

    // What was typed before the message is still there: finishing the line sends all of it.
    const said = nextEvent(hub.hub, 'message');
    tty.type('lo\r');
    expect((await said)[0]).toBe('hello');

    // Ctrl-C on a terminal reaches readline rather than the process: it still leaves gracefully.
    tty.type('\x03');
    await tty.waitFor('Closing connection...');
    expect(await tty.waitExit()).toEqual({ code: 0, signal: null });
    await screenShows(tty, ['You: hello', 'Closing connection...', ''], 3);
  });

  it('keeps every message, scrollback included, when a draft fills the 80-column row and three messages arrive', { ...RETRY, timeout: 60_000 }, async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const tty = await clientOnTerminal(hub);
    // 'You: ' and 75 characters: exactly one full row, so the cursor waits on the next one.
    const draft = 'x'.repeat(75);
    await typeKeys(tty, draft);
    for (const text of ['one', 'two', 'three']) await arrive(hub, tty, text, `You: ${draft}`);

    const messages = ['Message received: one', 'Message received: two', 'Message received: three'];
    await screenShows(tty, [...HEADER, ...messages, ...promptRows(`You: ${draft}`)]);
    // The draft is intact and the cursor after it: a key goes on the end, Enter sends it all.
    await typeKeys(tty, 'y');
    await screenShows(tty, [...HEADER, ...messages, `You: ${draft}`, 'y']);
    const said = nextEvent(hub.hub, 'message');
    tty.type('\r');
    expect((await said)[0]).toBe(`${draft}y`);
  });

  it('keeps the messages and a wrapping draft of accented and CJK characters, with the cursor inside it', { ...RETRY, timeout: 60_000 }, async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const tty = await clientOnTerminal(hub);
    // Over three rows, with double-width characters where the rows end: one that would
    // straddle the edge wraps whole, leaving the last cell of its row empty.
    const draft = `${'é'.repeat(40)}${'日本語'.repeat(6)}café ${'日本語'.repeat(15)}`;
    await typeKeys(tty, draft);
    // The cursor goes back a few characters, staying on the last row.
    const back = 4;
    await typeKeys(tty, Array<string>(back).fill(LEFT));
    for (const text of ['first', 'second', 'third']) await arrive(hub, tty, text, `You: ${draft}`);

    const rows = promptRows(`You: ${draft}`);
    expect(rows).toHaveLength(3);
    await screenShows(tty, [...HEADER, 'Message received: first', 'Message received: second', 'Message received: third', ...rows]);
    // The cursor is where it was: a key typed now lands there.
    const edited = `${draft.slice(0, -back)}!${draft.slice(-back)}`;
    tty.type('!');
    await tty.waitFor(`You: ${edited}`);
    await screenShows(tty, promptRows(`You: ${edited}`), 3);
    const said = nextEvent(hub.hub, 'message');
    tty.type('\r');
    expect((await said)[0]).toBe(edited);
  });

  it('loses no line and leaves no stale row when a wrapping draft arrives in one piece (a paste)', { ...RETRY, timeout: 30_000 }, async () => {
    const hub = await startCliHub(track, { framing: 'line' });
    const tty = await clientOnTerminal(hub);
    // One chunk: readline echoes it without redrawing, so the rows it wrapped over are news to it.
    const draft = `pasted ${'z'.repeat(150)}`;
    tty.type(draft);
    await tty.waitFor(draft);
    for (const text of ['after the paste', 'and again']) await arrive(hub, tty, text, `You: ${draft}`);
    await screenShows(tty, [...HEADER, 'Message received: after the paste', 'Message received: and again', ...promptRows(`You: ${draft}`)]);
  });

  it('keeps long messages and a wrapping draft on a narrow terminal', { ...RETRY, timeout: 60_000 }, async () => {
    const columns = 30;
    const hub = await startCliHub(track, { framing: 'line' });
    const tty = await clientOnTerminal(hub, columns);
    const draft = 'a draft longer than the whole terminal is wide';
    await typeKeys(tty, draft);
    const long = `a message that wraps too: ${'-'.repeat(40)}`;
    await arrive(hub, tty, long, `You: ${draft}`);
    await arrive(hub, tty, 'short', `You: ${draft}`);
    await screenShows(
      tty,
      [...HEADER.flatMap((line) => wrapRows(line, columns)), ...wrapRows(`Message received: ${long}`, columns), 'Message received: short', ...promptRows(`You: ${draft}`, columns)],
      undefined,
      columns,
    );
  });

  it("keeps the server console's log lines above a long draft", { ...RETRY, timeout: 60_000 }, async () => {
    const tty = new Spawned('server on a terminal', 'python3', [PTY_RUN, process.execPath, CLI, 'serve', '--host', '127.0.0.1', '--port', '0']);
    const port = await portOf(tty);
    // The operator's draft, over two rows, while clients come and the server logs them.
    const draft = `to everyone: ${'w'.repeat(100)}`;
    await typeKeys(tty, draft);
    const addresses: string[] = [];
    for (let client = 0; client < 3; client += 1) {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const opened = track(connect({ host: '127.0.0.1', port }), (s) => s.destroy());
        opened.once('connect', () => {
          resolve(opened);
        });
        opened.once('error', reject);
      });
      const address = `127.0.0.1:${socket.localPort ?? 0}`;
      addresses.push(address);
      await tty.waitFor(address);
      await tty.waitFor(draft);
    }
    await screenShows(tty, promptRows(draft), 2);
    const screen = renderScreen(tty.printed.stdout).lines;
    for (const address of addresses) expect(screen.filter((line) => line.includes(address))).toHaveLength(1);
  });
});
