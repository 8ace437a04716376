/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The chat page in a real headless Chromium (Debian's `chromium`, driven by playwright-core,
 * which downloads no browser): a browser user in the same chat as an nc-style text user and a
 * JsonChatClient, reconnecting after a hub restart, hostile text kept as text, foreign pages
 * refused, and an oversized frame closed with 1009.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { JsonChatClient, type ChatMessage, type HubOptions } from '../src/index.js';
import type { ServeChatPageOptions, UpgradeRefusal } from '../src/websocket.js';
import { ROOT } from './fixtures/spawned.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { chatWithPage, connected, WAIT_MS } from './helpers/chat-page.js';
import { useChromium } from './helpers/chromium.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { needs } from './helpers/tools.js';


const track = closeAfterEach();

needs('chromium').describe('the chat page in Chromium', () => {
  const browser = useChromium(track, { viewport: { width: 820, height: 520 } });

  /** A chat hub on TCP (`mixed`: text and JSON clients) and its page on a port of its own. */
  const chat = (hubOptions: HubOptions = {}, pageOptions: ServeChatPageOptions = {}): ReturnType<typeof chatWithPage> => chatWithPage(track, hubOptions, pageOptions);

  /** A tab on the page, failing the test on any script error or CSP report in it. */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    const { page, problems, response } = await browser.open(url);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    return { page, problems };
  }

  /** Waits until the page shows a message from `sender` saying `text`. */
  async function shown(page: Page, sender: string, text: string): Promise<void> {
    await page.waitForFunction(
      ([who, what]) => [...document.querySelectorAll('#log li.message')].some((line) => line.querySelector('.sender')?.textContent === who && line.querySelector('.text')?.textContent === what),
      [sender, text] as const,
      { timeout: WAIT_MS },
    );
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#draft', text);
    await page.press('#draft', 'Enter');
  }

  async function textUser(port: number, nick: string): Promise<RawPeer> {
    const peer = track(await RawPeer.connect(port), (p) => {
      p.destroy();
    });
    peer.write(`/nick ${nick}\n`);
    await peer.until((received) => received.toString('utf8').includes(`is now known as ${nick}`));
    return peer;
  }

  needs('chromium').it(
    'puts a browser user, an nc-style user and a JsonChatClient in one room, each seeing the others with their names',
    async () => {
      const { port, web } = await chat();
      const { page, problems } = await open(`${web.url}?nick=ada`);
      await connected(page, 'ada');
      const nc = await textUser(port, 'nc');
      const json = track(new JsonChatClient({ host: '127.0.0.1', port, nick: 'js', reconnect: false }), (client) => client.close());
      const heard: ChatMessage[] = [];
      json.on('message', (message) => heard.push(message));
      await json.connect();

      await say(page, 'hello from the browser');
      await shown(page, 'ada', 'hello from the browser');
      await nc.until((received) => received.toString('utf8').includes('ada: hello from the browser\n'));
      await eventually(() => heard.some((message) => message.sender === 'ada' && message.text === 'hello from the browser'), WAIT_MS, 'the JSON client to hear ada');
      nc.write('hello from nc\n');
      json.send('hello from json');
      await shown(page, 'nc', 'hello from nc');
      await shown(page, 'js', 'hello from json');
      await eventually(() => heard.some((message) => message.sender === 'nc' && message.text === 'hello from nc'), WAIT_MS, 'the JSON client to hear nc');
      await nc.until((received) => received.toString('utf8').includes('js: hello from json\n'));
      // Who is in the room, as the page shows it.
      await page.waitForFunction(() => [...document.querySelectorAll('#people li')].map((item) => item.textContent).join(',') === 'ada,js,nc', undefined, { timeout: WAIT_MS });
      // A /command typed as in a terminal.
      await say(page, '/me waves');
      await nc.until((received) => received.toString('utf8').includes('* ada waves\n'));
      await shown(page, 'ada', 'waves');
      expect(await page.locator('#log li.action').count()).toBe(1);

      // Labelled controls, and nothing wider than a phone's screen.
      expect(await page.getByRole('textbox', { name: /^Message/ }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(1);
      expect(await page.getByRole('log', { name: 'Messages' }).count()).toBe(1);
      // docs/web.png is this screenshot: refreshed with UPDATE_SCREENSHOTS=1 (or when missing), so
      // that a test run does not rewrite a tracked file with new timestamps every time.
      const screenshot = await page.screenshot();
      expect(screenshot.subarray(1, 4).toString('latin1')).toBe('PNG');
      const docsImage = join(ROOT, 'docs', 'web.png');
      if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(docsImage)) writeFileSync(docsImage, screenshot);
      await page.setViewportSize({ width: 360, height: 640 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(problems).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'reconnects after the hub restarts, restoring the name and rooms and keeping the draft',
    async () => {
      const first = await chat();
      const webPort = first.web.address().port;
      const { page, problems } = await open(`${first.web.url}?nick=ada`);
      await connected(page, 'ada');
      await say(page, '/join dev');
      await page.waitForFunction(() => document.querySelector('#room-name')?.textContent === 'dev', undefined, { timeout: WAIT_MS });
      await page.fill('#draft', 'a thought half written');

      await first.hub.close({ retryAfter: 300, retryJitter: 0, drainTimeout: 1000 });
      await first.web.close();
      await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'reconnecting', undefined, { timeout: WAIT_MS });

      // The hub comes back on the same port.
      const { hub, port } = await chat({}, { port: webPort });
      await connected(page, 'ada');
      await eventually(() => hub.findPeer('ada')?.room === 'dev', WAIT_MS, 'ada back in dev');
      expect([...(hub.findPeer('ada')?.rooms ?? [])].sort()).toEqual(['dev', 'lobby']);
      expect(await page.inputValue('#draft')).toBe('a thought half written');
      expect(await page.textContent('#room-name')).toBe('dev');

      const nc = await textUser(port, 'nc');
      nc.write('/join dev\n');
      await page.waitForFunction(() => [...document.querySelectorAll('#people li')].some((item) => item.textContent === 'nc'), undefined, { timeout: WAIT_MS });
      await page.press('#draft', 'Enter');
      await nc.until((received) => received.toString('utf8').includes('ada: a thought half written\n'));
      expect(await page.inputValue('#draft')).toBe('');
      // The page said it was reconnecting; the failed attempts while nothing listened are not script errors.
      expect(problems.filter((problem) => !problem.includes('WebSocket connection to'))).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'shows hostile text as text and runs nothing from it',
    async () => {
      const { port, web } = await chat();
      const { page, problems } = await open(`${web.url}?nick=ada`);
      await connected(page, 'ada');
      const nc = await textUser(port, 'mallory');
      const attacks = ['<img src=x onerror="document.title=\'pwned\';window.pwned=1">', '<script>window.pwned=2</script>', '<b>bold</b> &amp; <a href="javascript:alert(1)">link</a>'];
      for (const attack of attacks) nc.write(`${attack}\n`);
      for (const attack of attacks) await shown(page, 'mallory', attack);
      // Time for an image load (and its onerror) to have happened, had one been made.
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => document.querySelectorAll('#log img, #log script, #log b, #log a').length)).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(await page.title()).not.toBe('pwned');
      expect(problems).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'refuses a page of another origin with 403, before the upgrade',
    async () => {
      const { hub, web } = await chat();
      const refused: UpgradeRefusal[] = [];
      web.door.on('refused', (_request, reason) => refused.push(reason));
      // Another site: the same address, another port, so another origin.
      const other = track(
        createServer((_request, response) => {
          response.end('<!doctype html><title>elsewhere</title>');
        }),
        (server) => {
          server.closeAllConnections();
          return new Promise((resolve) => server.close(resolve));
        },
      );
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const context = browser.context();
      if (context === undefined) throw new Error('no browser');
      const page = track(await context.newPage(), (p) => p.close());
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const websocket = `${web.url.replace('http:', 'ws:')}ws`;
      const code = await page.evaluate(
        (url) =>
          new Promise<number | string>((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => {
              resolve('open');
            };
            socket.onclose = (event) => {
              resolve(event.code);
            };
          }),
        websocket,
      );
      expect(code).toBe(1006);
      expect(refused).toEqual(['origin']);
      expect(hub.clients.size).toBe(0);
    },
    60_000,
  );

  needs('chromium').it(
    'closes a frame over maxMessageBytes with 1009 and leaves the other users alone',
    async () => {
      const { port, web } = await chat({ maxMessageBytes: 4096 }, { maxPayload: 4096 });
      const { page } = await open(`${web.url}?nick=ada`);
      await connected(page, 'ada');
      const nc = await textUser(port, 'nc');
      const code = await page.evaluate(
        (url) =>
          new Promise<number>((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => {
              socket.send(JSON.stringify({ v: 1, type: 'message', text: 'x'.repeat(5000) }));
            };
            socket.onclose = (event) => {
              resolve(event.code);
            };
          }),
        new URL('ws', web.url.replace('http:', 'ws:')).href,
      );
      expect(code).toBe(1009);
      await say(page, 'still here');
      await nc.until((received) => received.toString('utf8').includes('ada: still here\n'));
      nc.write('so am I\n');
      await shown(page, 'nc', 'so am I');
    },
    60_000,
  );
});
