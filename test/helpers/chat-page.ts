/// <reference lib="dom" />
/**
 * The chat page under test: a chat hub on TCP (`mixed`: text and JSON clients) with its page on
 * a port of its own, and what a tab of it shows.
 */
import type { Page } from 'playwright-core';
import type { BroadcastHub, HubOptions } from '../../src/index.js';
import { serveChatPage, type ChatPageServer, type ServeChatPageOptions } from '../../src/websocket.js';
import type { Track } from './cleanup.js';
import { startHub } from './hub.js';

/** How long a test waits for the page to show something. */
export const WAIT_MS = 15_000;

/** A chat hub on TCP and its page, both closed after the test. */
export async function chatWithPage(track: Track, hubOptions: HubOptions = {}, pageOptions: ServeChatPageOptions = {}): Promise<{ hub: BroadcastHub; port: number; web: ChatPageServer }> {
  const { hub, port } = await startHub(track, { chat: true, framing: 'mixed', ...hubOptions });
  const web = track(await serveChatPage(hub, { port: 0, host: '127.0.0.1', ...pageOptions }), (w) => w.close({ drainTimeout: 500 }));
  return { hub, port, web };
}

/** Waits for the page to say it is connected as `nick`. */
export async function connected(page: Page, nick: string): Promise<void> {
  await page.waitForFunction((name) => document.querySelector('#status')?.getAttribute('data-state') === 'connected' && document.querySelector('#status')?.textContent === `connected as ${name}`, nick, { timeout: WAIT_MS });
}
