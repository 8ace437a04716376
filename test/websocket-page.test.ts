import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CHAT_PAGE_CSP, chatPageHandler, serveChatPage } from '../src/websocket.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { startHub } from './helpers/hub.js';

const track = closeAfterEach();

describe('the chat page', () => {
  it('is served with a Content-Security-Policy that forbids inline scripts, and has none', async () => {
    const { hub } = await startHub(track, { chat: true });
    const web = track(await serveChatPage(hub, { port: 0, host: '127.0.0.1' }), (w) => w.close());
    const page = await fetch(web.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CHAT_PAGE_CSP);
    expect(CHAT_PAGE_CSP).toMatch(/script-src 'self';/);
    expect(CHAT_PAGE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    // Every script is a file of the page; no inline handler or style attribute anywhere.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0])).toEqual(['<script type="module" src="chat-page.js">']);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).toContain('<meta name="broadcast-chat-websocket" content="ws">');
    // Nothing from elsewhere: no URL with a scheme or a protocol-relative one.
    expect(html).not.toMatch(/(?:src|href)="(?:[a-z]+:|\/\/)/i);

    for (const [file, type] of [
      ['chat.css', 'text/css; charset=utf-8'],
      ['chat-page.js', 'text/javascript; charset=utf-8'],
      ['browser.js', 'text/javascript; charset=utf-8'],
      ['icon.svg', 'image/svg+xml'],
    ] as const) {
      const response = await fetch(new URL(file, web.url));
      expect(response.status, file).toBe(200);
      expect(response.headers.get('content-type'), file).toBe(type);
      expect(response.headers.get('content-security-policy'), file).toBe(CHAT_PAGE_CSP);
      const body = await response.text();
      // The page's scripts run in browsers: no Node module, nothing loaded from elsewhere.
      if (file.endsWith('.js')) expect(body, file).not.toMatch(/\brequire\(|from ['"]node:|from ['"]https?:/);
    }
    const missing = await fetch(new URL('../package.json', web.url));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CHAT_PAGE_CSP);
    expect((await fetch(web.url, { method: 'POST' })).status).toBe(405);
  });

  it('can be served by an application’s own server at a path of its choosing', async () => {
    const handler = chatPageHandler({ path: '/chat/', websocketPath: '/chat/socket?x="1"', title: 'Team <chat>' });
    const server = track(
      createServer((request, response) => {
        if (handler(request, response)) return;
        response.writeHead(418).end();
      }),
      (s) => new Promise((resolve) => s.close(resolve)),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const html = await (await fetch(`${base}/chat/`)).text();
    expect(html).toContain('<meta name="broadcast-chat-websocket" content="/chat/socket?x=&#34;1&#34;">');
    expect(html).toContain('<title>Team &#60;chat&#62;</title>');
    const redirect = await fetch(`${base}/chat`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/chat/');
    // Paths that are not the page's stay the application's.
    expect((await fetch(`${base}/`)).status).toBe(418);
    expect((await fetch(`${base}/chat/other`)).status).toBe(418);
    expect(() => chatPageHandler({ path: 'chat' })).toThrow(TypeError);
  });
});
