/**
 * Debian's Chromium, driven by playwright-core (which downloads no browser), for the tests of
 * the chat page: one headless browser per test file, with a fresh profile every run, and tabs
 * that collect the page's script and console errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Track } from './cleanup.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A tab: the page, the errors it reported (`page error: ...`, `console: ...`), and the response of its first load. */
export interface Tab {
  readonly page: Page;
  readonly problems: string[];
  readonly response: Response | null;
}

/** The browser of a test file. */
export interface Chromium {
  /** The browser context, `undefined` until launched. */
  context(): BrowserContext | undefined;
  /** Opens `url` in a new tab, closed after the test; console errors `ignore` accepts are not problems. */
  open(url: string, ignore?: (text: string) => boolean): Promise<Tab>;
}

/**
 * Launches Chromium before the tests of the surrounding `describe` and closes it (and removes its
 * profile) after them.
 */
export function useChromium(track: Track, options: { viewport?: { width: number; height: number } } = {}): Chromium {
  let profile = '';
  let context: BrowserContext | undefined;
  beforeAll(async () => {
    // A fresh profile every run: nothing remembered from an earlier one.
    profile = mkdtempSync(join(tmpdir(), 'broadcast-chat-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      ...(options.viewport === undefined ? {} : { viewport: options.viewport, deviceScaleFactor: 1 }),
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (profile !== '') rmSync(profile, { recursive: true, force: true });
  });
  return {
    context: () => context,
    open: async (url, ignore) => {
      if (context === undefined) throw new Error('no browser');
      const page = track(await context.newPage(), (p) => p.close());
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && ignore?.(message.text()) !== true) problems.push(`console: ${message.text()}`);
      });
      const response = await page.goto(url);
      return { page, problems, response };
    },
  };
}
