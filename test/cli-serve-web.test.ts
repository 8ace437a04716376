import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pageUrl, type WebPage } from '../src/cli/serve-web.js';
import { TextLog } from '../src/cli/text-log.js';
import { CHAT_PAGE_CSP } from '../src/websocket.js';
import { assertCliBuilt, cli, killAll, ROOT, Spawned } from './fixtures/spawned.js';
import { closeSockets, exitServe, namedClient, startWebServe } from './helpers/serve-cli.js';
import { eventually } from './helpers/sockets.js';
import { WsPeer } from './helpers/websocket.js';

// `broadcast-chat serve --web`: the chat page and its WebSocket served by the spawned CLI beside
// its TCP port, with browsers played by `ws` clients and nc by line clients, on 127.0.0.1.
const peers = new Set<WsPeer>();
const servers = new Set<Server>();

beforeAll(assertCliBuilt);
afterEach(async () => {
  for (const peer of peers) peer.close();
  peers.clear();
  for (const server of servers) server.close();
  servers.clear();
  closeSockets();
  await killAll();
});

/** A WebSocket client of the page's `/ws` (or `path`), closed after the test. */
async function webSocket(webPort: number, options: { origin?: string; path?: string } = {}): Promise<WsPeer> {
  const peer = await WsPeer.open(`ws://127.0.0.1:${webPort}${options.path ?? '/ws'}`, options.origin === undefined ? {} : { origin: options.origin });
  peers.add(peer);
  return peer;
}

/** A browser user who has said hello as `nick` and been renamed. */
async function namedWebSocket(webPort: number, nick: string): Promise<WsPeer> {
  const peer = await webSocket(webPort);
  peer.send({ type: 'hello', nick });
  await eventually(() => peer.ofType('nick').some((event) => event.nick === nick), 5000, `${nick}'s nickname`);
  return peer;
}

describe('serve --web', () => {
  it('serves the chat page and its WebSocket beside the TCP port: browsers and nc in one chat', async () => {
    const { server, port, webPort, pageUrl } = await startWebServe('web', ['--chat']);
    expect(server.printed.stdout).toContain(`Server started on 127.0.0.1:${port} (framing: mixed, chat mode)\nChat page at ${pageUrl}\n`);

    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CHAT_PAGE_CSP);
    expect(await page.text()).toContain('<script type="module" src="chat-page.js">');

    const ada = await namedWebSocket(webPort, 'ada');
    const bob = await namedClient(port, 'bob');
    bob.send('hi ada');
    await eventually(() => ada.ofType('message').some((message) => message.sender === 'bob' && message.text === 'hi ada'), 5000, 'bob to ada');
    ada.send({ type: 'message', text: 'hi bob' });
    await bob.waitFor('ada: hi bob\n');
    await server.waitFor('ada: hi bob\n');

    server.type('/who\n');
    await server.waitFor(/^ {2}ada +127\.0\.0\.1:\d+ websocket +lobby$/m);
    server.type('hello browsers\n');
    await eventually(() => ada.ofType('system').some((notice) => notice.text === 'host: hello browsers'), 5000, "the operator's line");

    // Answered as over TCP: the hub and the door share the package's classes, errors included.
    ada.send('{"v":1,"type":"frobnicate"}');
    await eventually(() => ada.ofType('error').some((error) => error.code === 'ERR_INVALID_ENVELOPE'), 5000, 'the error envelope');

    expect(await exitServe(server)).toBe(0);
    await eventually(() => ada.closed !== undefined, 5000, 'the WebSocket to close');
    expect(ada.ofType('bye')).toMatchObject([{ reason: 'shutdown' }]);
    expect(ada.closed?.code).toBe(1001);
    await bob.waitFor('* server shutting down; reconnect in');
  });

  it('is a chat on its own, and the operator kicks a browser user with the reason in its goodbye', async () => {
    const { server, webPort } = await startWebServe('kick');
    expect(server.printed.stdout).toContain('(framing: mixed, chat mode)');
    const ada = await namedWebSocket(webPort, 'ada');
    server.type('/kick ada spamming\n');
    await eventually(() => ada.closed !== undefined, 5000, 'the WebSocket to close');
    expect(ada.ofType('bye')).toMatchObject([{ reason: 'kicked', message: 'kicked from lobby by host: spamming' }]);
    expect(ada.closed).toEqual({ code: 1008, reason: 'kicked: kicked from lobby by host: spamming' });
    expect(ada.ofType('system').map((notice) => notice.text)).not.toContainEqual(expect.stringContaining('kicked'));
    await server.waitFor(/Kicked ada \(127\.0\.0\.1:\d+\) from lobby by host: spamming\n/);
    await server.waitFor(/Connection closed from 127\.0\.0\.1:\d+: ada \(kicked\)\n/);
    expect(await exitServe(server)).toBe(0);
  });

  it("lets in pages of its own origin only, by default, and logs the others' refusal", async () => {
    const { server, webPort } = await startWebServe('same origin');
    const own = await webSocket(webPort, { origin: `http://127.0.0.1:${webPort}` });
    expect(own.refusedStatus).toBeUndefined();
    expect(own.socket.readyState).toBe(own.socket.OPEN);
    const foreign = await webSocket(webPort, { origin: 'https://evil.example' });
    expect(foreign.refusedStatus).toBe(403);
    await server.waitFor(/^Refused a WebSocket from 127\.0\.0\.1 \(origin: https:\/\/evil\.example\)$/m);
    const lost = await webSocket(webPort, { path: '/elsewhere' });
    expect(lost.refusedStatus).toBe(404);
    await server.waitFor(/^Refused a WebSocket from 127\.0\.0\.1 \(path: \/elsewhere\)$/m);
    expect(await exitServe(server)).toBe(0);
  });

  it('lets in the pages of --web-origin instead, and logs in JSON where the page is and what it refused', async () => {
    const { server, webPort, pageUrl } = await startWebServe('origins', ['--log', 'json', '--web-origin', 'https://chat.example.com,https://chat.example.org']);
    expect(server.printed.stdout).toMatch(new RegExp(`"event":"web-listening","address":"127.0.0.1","port":${webPort},"url":"${pageUrl}"`));
    const listed = await webSocket(webPort, { origin: 'https://chat.example.org' });
    expect(listed.refusedStatus).toBeUndefined();
    expect(listed.socket.readyState).toBe(listed.socket.OPEN);
    // The list replaces the default: the page's own origin is no longer in it.
    const own = await webSocket(webPort, { origin: `http://127.0.0.1:${webPort}` });
    expect(own.refusedStatus).toBe(403);
    await server.waitFor(`"event":"web-refused","address":"127.0.0.1","reason":"origin","origin":"http://127.0.0.1:${webPort}"}`);
    expect(await exitServe(server)).toBe(0);
  });

  it('says in one line that the chat page cannot listen, and exits 1', async () => {
    const taken = createServer();
    servers.add(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const webPort = (taken.address() as { port: number }).port;
    const program = cli('web port taken', ['serve', '--host', '127.0.0.1', '--port', '0', '--web', String(webPort), '--web-host', '127.0.0.1']);
    expect(await program.waitExit()).toEqual({ code: 1, signal: null });
    expect(program.printed.stderr).toBe(`Could not start the chat page on 127.0.0.1:${webPort}: address already in use (EADDRINUSE)\n`);
    expect(program.printed.stdout).not.toContain('Server started');
  });
});

describe('the line that says where the chat page is', () => {
  it('sends people to localhost when the page listens on every interface, and to its address otherwise', () => {
    const lines: string[] = [];
    const log = new TextLog((line) => lines.push(line), true, 'lobby');
    for (const [address, family, url] of [
      ['0.0.0.0', 'IPv4', 'http://0.0.0.0:8080/'],
      ['::', 'IPv6', 'http://[::]:8080/'],
      ['::1', 'IPv6', 'http://[::1]:8080/'],
      ['127.0.0.1', 'IPv4', 'http://127.0.0.1:8080/'],
    ] as const) {
      const bound = { address, family, port: 8080 };
      // Only what pageUrl reads of the server serveChatPage returns.
      log.webStarted(bound, pageUrl({ url, address: () => bound } as unknown as WebPage));
    }
    expect(lines).toEqual([
      'Chat page at http://localhost:8080/ (listening on 0.0.0.0:8080)',
      'Chat page at http://localhost:8080/ (listening on [::]:8080)',
      'Chat page at http://[::1]:8080/',
      'Chat page at http://127.0.0.1:8080/',
    ]);
  });
});

describe('serve --web without the ws package', () => {
  let copy = '';
  beforeAll(() => {
    // The built package without node_modules, as installed without ws.
    copy = mkdtempSync(join(tmpdir(), 'broadcast-chat-no-ws-'));
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'web'), join(copy, 'web'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  });
  afterAll(() => {
    if (copy !== '') rmSync(copy, { recursive: true, force: true });
  });

  it('says in one line which package to install, and exits 1 without serving', async () => {
    expect(existsSync(join(tmpdir(), 'node_modules', 'ws'))).toBe(false);
    const program = new Spawned('serve --web', process.execPath, [join(copy, 'dist', 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--web', '0']);
    expect(await program.waitExit()).toEqual({ code: 1, signal: null });
    expect(program.printed.stderr).toBe('Could not start server: --web needs the ws package, which is not installed: npm install ws\n');
    expect(program.printed.stdout).toBe('');
  });

  it('serves without it when --web is not given', async () => {
    const program = new Spawned('serve', process.execPath, [join(copy, 'dist', 'cli.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--chat']);
    await program.waitFor(/Server started on 127\.0\.0\.1:\d+/);
    program.type('exit\n');
    expect(await program.waitExit()).toEqual({ code: 0, signal: null });
  });
});
