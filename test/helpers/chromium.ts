/**
 * Debian's Chromium, driven by playwright-core (which downloads no browser), for the tests of
 * the chat page: one headless browser per test file, with a fresh profile every run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Chromium before the tests of the surrounding `describe` and closes it (and removes its
 * profile) after them. Returns the browser context, `undefined` until launched.
 */
export function useChromium(options: { viewport?: { width: number; height: number } } = {}): () => BrowserContext | undefined {
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
  return () => context;
}
