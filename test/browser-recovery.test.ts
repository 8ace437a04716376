/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Recovery and moderation in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): the chat page and `BrowserChatClient` (loaded in the page as the page's own
 * `browser.js`) lose their connection through a TCP link that resets it, while others talk, and
 * come back with each message once, in order; a restarted hub says it could not recover, and why;
 * an operator's kick and topic show on the page, as text.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { BroadcastHub, hashOperatorPassword, JsonChatClient, type HubOptions } from '../src/index.js';
import type { BrowserChatClient } from '../src/browser.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { eventually, RawPeer } from './helpers/sockets.js';
import { chatWithPage, connected, WAIT_MS } from './helpers/chat-page.js';
import { useChromium } from './helpers/chromium.js';
import { TcpSwitch } from './helpers/tcp-switch.js';
import { needs } from './helpers/tools.js';


const track = closeAfterEach();

/** The page's address through `link`, which stands for the network between the browser and the page's server. */
const pageUrl = (link: TcpSwitch): string => `http://127.0.0.1:${link.port}/`;

/** What a `BrowserChatClient` in the page recorded, as `window.recorded` holds it. */
interface Recorded {
  messages: { id: string; sender: string; room: string; text: string; history: boolean }[];
  history: { room: string | null; replayed: number; recovered: boolean | null; reason: string | null }[];
  events: string[];
}

needs('chromium').describe('recovery and moderation in Chromium', () => {
  const browser = useChromium(track);

  /** A hub with history (text and JSON clients on TCP) and its page on a port of its own. */
  const chat = (hubOptions: HubOptions = {}): ReturnType<typeof chatWithPage> => chatWithPage(track, { history: true, ...hubOptions });

  /** A tab on `url`, with the script errors and console errors it reports. */
  async function open(url: string): Promise<{ page: Page; problems: string[] }> {
    // A reconnecting page logs its refused attempts: not script errors.
    const { page, problems } = await browser.open(url, (text) => text.includes('WebSocket connection to'));
    return { page, problems };
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#draft', text);
    await page.press('#draft', 'Enter');
  }

  /** The texts of the page's message lines, in order, `*` before those marked as replayed. */
  function shownMessages(page: Page): Promise<string[]> {
    return page.evaluate(() => [...document.querySelectorAll('#log li.message')].map((line) => `${line.classList.contains('history') && line.querySelector('.replayed')?.textContent === 'replayed' ? '*' : ''}${line.querySelector('.text')?.textContent ?? ''}`));
  }

  async function notice(page: Page, text: string): Promise<void> {
    await page.waitForFunction((wanted) => [...document.querySelectorAll('#log li.notice .text')].some((line) => line.textContent === wanted), text, { timeout: WAIT_MS });
  }

  async function jsonUser(port: number, nick: string): Promise<JsonChatClient> {
    const client = track(new JsonChatClient({ host: '127.0.0.1', port, nick, reconnect: false }), (c) => c.close());
    await client.connect();
    return client;
  }

  /** Sends `texts` from `client` in `room` and waits until the hub has relayed them all. */
  async function sayAll(hub: BroadcastHub, client: JsonChatClient, room: string, texts: string[]): Promise<void> {
    let relayed = 0;
    const count = (): void => {
      relayed += 1;
    };
    hub.on('message', count);
    try {
      for (const text of texts) client.send(text, room);
      await eventually(() => relayed >= texts.length, WAIT_MS, `${texts.length} messages relayed`);
    } finally {
      hub.off('message', count);
    }
  }

  /**
   * Starts a `BrowserChatClient` in `page` from the page's own `browser.js`, as `window.client`,
   * recording what it hears in `window.recorded`. A script in a string: the test runner would
   * rewrite an `import()` in a function.
   */
  async function browserClient(page: Page, options: Record<string, unknown>): Promise<void> {
    await page.evaluate(`(async () => {
      const { BrowserChatClient } = await import(new URL('browser.js', location.href).href);
      const recorded = { messages: [], history: [], events: [] };
      const client = new BrowserChatClient({ url: 'ws', reconnect: { initialDelay: 50, maxDelay: 200 }, ...${JSON.stringify(options)} });
      client.on('message', (message) => recorded.messages.push({ id: message.id, sender: message.sender, room: message.room, text: message.text, history: message.history }));
      client.on('history', (status) => recorded.history.push({ room: status.room ?? null, replayed: status.replayed, recovered: status.recovered ?? null, reason: status.reason ?? null }));
      client.on('reconnect', () => recorded.events.push('reconnect'));
      client.on('topic', (event) => recorded.events.push('topic ' + event.room + ': ' + event.text + ' (' + (event.by ?? '') + ')'));
      client.on('leave', (event) => recorded.events.push('leave ' + event.nick + ' ' + event.room + (event.kicked === true ? ' kicked by ' + (event.by ?? '') + ' (' + (event.reason ?? '') + ')' : '')));
      client.on('system', (event) => recorded.events.push('system ' + event.text));
      client.on('refused', (event) => recorded.events.push('refused ' + event.code));
      Object.assign(window, { recorded, client });
      await client.connect();
    })()`);
  }

  function recorded(page: Page): Promise<Recorded> {
    return page.evaluate(() => (window as unknown as { recorded: Recorded }).recorded);
  }

  /** Waits, at most `WAIT_MS`, until what the page's client recorded passes `check`. */
  async function whenRecorded(page: Page, check: (heard: Recorded) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      if (check(await recorded(page))) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
  }

  needs('chromium').it(
    'shows each message once and in order after the page loses its connection while others talk, marking the replayed ones',
    async () => {
      const { hub, port, web } = await chat();
      const link = await TcpSwitch.to(web.address().port, track);
      const { page, problems } = await open(`${pageUrl(link)}?nick=ada`);
      await connected(page, 'ada');
      const bob = await jsonUser(port, 'bob');
      const heardByBob: string[] = [];
      bob.on('message', (message) => heardByBob.push(message.text));
      bob.join('dev');
      await say(page, '/join dev');
      await page.waitForFunction(() => document.querySelector('#room-name')?.textContent === 'dev', undefined, { timeout: WAIT_MS });
      await eventually(() => hub.findPeer('bob')?.rooms.has('dev') === true, WAIT_MS, 'bob in dev');

      await sayAll(hub, bob, 'dev', ['before 1', 'before 2']);
      await page.waitForFunction(() => [...document.querySelectorAll('#log li.message .text')].some((line) => line.textContent === 'before 2'), undefined, { timeout: WAIT_MS });
      // Said after the last message the page saw: a recovery from there sends it back.
      await say(page, 'mine');
      await eventually(() => heardByBob.includes('mine'), WAIT_MS, 'bob to hear ada');

      link.cut();
      await page.waitForFunction(() => document.querySelector('#status')?.getAttribute('data-state') === 'reconnecting', undefined, { timeout: WAIT_MS });
      await eventually(() => hub.findPeer('ada') === undefined, WAIT_MS, 'the hub to notice ada is gone');
      await sayAll(hub, bob, 'lobby', ['lobby while away']);
      await sayAll(hub, bob, 'dev', ['away 1', 'away 2', 'away 3', 'away 4', 'away 5']);
      link.mend();

      await connected(page, 'ada');
      await eventually(() => hub.findPeer('ada')?.room === 'dev', WAIT_MS, 'ada back in dev');
      await sayAll(hub, bob, 'dev', ['after']);
      await page.waitForFunction(() => [...document.querySelectorAll('#log li.message .text')].some((line) => line.textContent === 'after'), undefined, { timeout: WAIT_MS });
      // The lobby’s recovery comes with the hello, dev's with its join: each room in its order.
      expect(await shownMessages(page)).toEqual(['before 1', 'before 2', 'mine', '*lobby while away', '*away 1', '*away 2', '*away 3', '*away 4', '*away 5', 'after']);
      const ends = await page.evaluate(() => [...document.querySelectorAll('#log li.replay-end')].map((line) => `${line.getAttribute('data-recovered') ?? ''}: ${line.querySelector('.text')?.textContent ?? ''}`));
      expect(ends).toEqual(['true: recovered 0 messages you missed in your direct messages', 'true: recovered 1 message you missed in lobby', 'true: recovered 6 messages you missed in dev']);
      expect(await page.textContent('#room-name')).toBe('dev');
      expect(problems).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'BrowserChatClient recovers with recovered: true, and after a hub restart says recovered: false and why',
    async () => {
      const first = await chat();
      const webPort = first.web.address().port;
      const link = await TcpSwitch.to(webPort, track);
      const { page, problems } = await open(pageUrl(link));
      const bob = await jsonUser(first.port, 'bob');
      await browserClient(page, { nick: 'ada' });
      await sayAll(first.hub, bob, 'lobby', ['one']);
      await whenRecorded(page, (heard) => heard.messages.length === 1, 'ada to hear one');

      link.cut();
      await eventually(() => first.hub.findPeer('ada') === undefined, WAIT_MS, 'the hub to notice ada is gone');
      await sayAll(first.hub, bob, 'lobby', ['two', 'three']);
      link.mend();
      await whenRecorded(page, (heard) => heard.events.includes('reconnect'), 'ada to reconnect');
      await sayAll(first.hub, bob, 'lobby', ['four']);
      await whenRecorded(page, (heard) => heard.messages.length >= 4, 'ada to hear four');
      let heard = await recorded(page);
      expect(heard.messages.map((message) => `${message.history ? '*' : ''}${message.text}`)).toEqual(['one', '*two', '*three', 'four']);
      expect(heard.history).toEqual([
        { room: null, replayed: 0, recovered: true, reason: null },
        { room: 'lobby', replayed: 2, recovered: true, reason: null },
      ]);

      // The hub restarts on the same port, its history gone: the session is unknown there.
      await bob.close();
      await first.hub.close({ retryAfter: 100, retryJitter: 0, drainTimeout: 1000 });
      await first.web.close();
      const { web } = await chat();
      link.target = web.address().port;
      await whenRecorded(page, (heard) => heard.events.filter((event) => event === 'reconnect').length === 2, 'ada to reconnect to the new hub');
      await whenRecorded(page, (heard) => heard.history.length === 4, 'the new hub’s answers');
      heard = await recorded(page);
      expect(heard.history.slice(2)).toEqual([
        { room: null, replayed: 0, recovered: false, reason: 'unknown' },
        { room: 'lobby', replayed: 0, recovered: false, reason: 'unknown' },
      ]);
      expect(heard.messages).toHaveLength(4);
      // The chat page around it (a guest) recovered too, and says what it could not.
      await page.waitForFunction(() => document.querySelectorAll('#log li.replay-end.missed[data-recovered="false"][data-reason="unknown"]').length === 2, undefined, { timeout: WAIT_MS });
      expect(problems).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'BrowserChatClient comes back in the rooms it was in and no other: a room the welcome puts it in that it had left is left again',
    async () => {
      const { hub, web } = await chat();
      const link = await TcpSwitch.to(web.address().port, track);
      const { page, problems } = await open(pageUrl(link));
      await browserClient(page, { nick: 'ada' });
      await page.evaluate(() => {
        const client = (window as unknown as { client: BrowserChatClient }).client;
        client.join('dev');
        client.leave('lobby');
      });
      await eventually(() => [...(hub.findPeer('ada')?.rooms ?? [])].join() === 'dev', WAIT_MS, 'ada in dev alone');
      await whenRecorded(page, (heard) => heard.events.includes('leave ada lobby'), 'ada to hear it left the lobby');
      link.cut();
      await eventually(() => hub.findPeer('ada') === undefined, WAIT_MS, 'the hub to notice ada is gone');
      link.mend();
      await whenRecorded(page, (heard) => heard.events.includes('reconnect'), 'ada to reconnect');
      expect([...(hub.findPeer('ada')?.rooms ?? [])]).toEqual(['dev']);
      expect(await page.evaluate(() => {
        const client = (window as unknown as { client: BrowserChatClient }).client;
        return [client.room, [...client.rooms].join()];
      })).toEqual(['dev', 'dev']);
      expect(problems).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'BrowserChatClient with recover: false and history: 3 asks for the last messages again and shows only those it had not seen',
    async () => {
      const { hub, port, web } = await chat();
      const link = await TcpSwitch.to(web.address().port, track);
      const { page, problems } = await open(pageUrl(link));
      const bob = await jsonUser(port, 'bob');
      await sayAll(hub, bob, 'lobby', ['old 1', 'old 2']);
      await browserClient(page, { nick: 'ada', recover: false, history: 3 });
      await whenRecorded(page, (heard) => heard.history.length === 1, 'the first replay');
      await sayAll(hub, bob, 'lobby', ['live 1']);
      await whenRecorded(page, (heard) => heard.messages.length === 3, 'ada to hear live 1');

      link.cut();
      await eventually(() => hub.findPeer('ada') === undefined, WAIT_MS, 'the hub to notice ada is gone');
      await sayAll(hub, bob, 'lobby', ['away 1']);
      link.mend();
      await whenRecorded(page, (heard) => heard.history.length === 2, 'the second replay');
      const heard = await recorded(page);
      // The second replay is old 2, live 1 and away 1: the two already seen are dropped by id.
      expect(heard.messages.map((message) => `${message.history ? '*' : ''}${message.text}`)).toEqual(['*old 1', '*old 2', 'live 1', '*away 1']);
      expect(heard.history).toEqual([
        { room: 'lobby', replayed: 2, recovered: null, reason: null },
        { room: 'lobby', replayed: 3, recovered: null, reason: null },
      ]);
      expect(problems).toEqual([]);
    },
    60_000,
  );

  needs('chromium').it(
    'shows an operator’s topic and kick on the page, typed as in the terminal or sent by BrowserChatClient, hostile text as text',
    async () => {
      const hash = await hashOperatorPassword('staple-horse');
      const { hub, port, web } = await chat({ moderation: { operators: { root: hash } } });
      hub.moderation.setTopic('dev', 'dev things only');
      const { page, problems } = await open(`${web.url}?nick=ada`);
      await connected(page, 'ada');
      const mallory = track(await RawPeer.connect(port), (p) => {
        p.destroy();
      });
      mallory.write('/nick mallory\n');
      await page.waitForFunction(() => [...document.querySelectorAll('#people li')].some((item) => item.textContent === 'mallory'), undefined, { timeout: WAIT_MS });

      await say(page, '/oper root staple-horse');
      await notice(page, 'you are now an operator');
      expect(await page.inputValue('#draft')).toBe('');
      const hostile = '<img src=x onerror="window.pwned=1">';
      await say(page, `/topic #lobby be kind ${hostile}`);
      await page.waitForFunction((text) => document.querySelector('#topic-text')?.textContent === text, `be kind ${hostile}`, { timeout: WAIT_MS });
      expect(await page.isVisible('#topic')).toBe(true);
      await notice(page, `topic of lobby: be kind ${hostile} (set by ada)`);

      await say(page, `/kick mallory spam ${hostile}`);
      await notice(page, `mallory was kicked by ada (spam ${hostile})`);
      await page.waitForFunction(() => ![...document.querySelectorAll('#people li')].some((item) => item.textContent === 'mallory'), undefined, { timeout: WAIT_MS });

      // A room with a topic shows it on joining; the topic line follows the room talked in.
      await say(page, '/join dev');
      await page.waitForFunction(() => document.querySelector('#topic-text')?.textContent === 'dev things only', undefined, { timeout: WAIT_MS });
      await page.click('#rooms button:text-is("lobby")');
      await page.waitForFunction((text) => document.querySelector('#topic-text')?.textContent === text, `be kind ${hostile}`, { timeout: WAIT_MS });

      // The same through BrowserChatClient's methods, from a second client in the tab.
      const bob = await jsonUser(port, 'bob');
      await browserClient(page, { nick: 'op' });
      await page.evaluate(() => {
        const client = (window as unknown as { client: BrowserChatClient }).client;
        client.oper('root', 'staple-horse');
        client.topic('lobby', 'set by a method');
        client.kick('bob', { room: 'lobby', reason: 'testing' });
      });
      await whenRecorded(page, (heard) => heard.events.includes('leave bob lobby kicked by op (testing)'), 'the kick event');
      const events = (await recorded(page)).events;
      expect(events).toContain('system you are now an operator');
      expect(events).toContain('topic lobby: set by a method (op)');
      await notice(page, 'bob was kicked by op (testing)');
      await page.waitForFunction(() => document.querySelector('#topic-text')?.textContent === 'set by a method', undefined, { timeout: WAIT_MS });
      await eventually(() => !bob.rooms.has('lobby'), WAIT_MS, 'bob out of the lobby');

      await page.waitForTimeout(200);
      expect(await page.evaluate(() => document.querySelectorAll('#log img, #topic img').length)).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      expect(problems).toEqual([]);
    },
    60_000,
  );
});
