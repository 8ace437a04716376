/**
 * `serve --metrics PORT`: the metrics a real `broadcast-chat serve` process serves, scraped and
 * parsed by a Prometheus text parser while clients chat and one is refused.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, killAll } from './fixtures/spawned.js';
import { probe, scrape, type Exposition } from './helpers/prometheus-text.js';
import { closeSockets, exitServe, lineClient, startServe } from './helpers/serve-cli.js';

beforeAll(assertCliBuilt);
afterEach(async () => {
  closeSockets();
  await killAll();
});

async function scrapeUntil(port: number, done: (scraped: Exposition) => boolean, what: string): Promise<Exposition> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const scraped = await scrape(port);
    if (done(scraped)) return scraped;
    if (Date.now() > deadline) throw new Error(`no scrape showed ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('serve --metrics', () => {
  it('serves /metrics, /healthz and /readyz for the hub it runs, with the numbers its clients made', async () => {
    const { server, port } = await startServe('metrics', ['--metrics', '0', '--max-clients', '3', '--log', 'json']);
    const metrics = Number((await server.waitFor(/"event":"metrics-listening".*"port":(\d+)/))[1]);
    const [alice, bob] = [await lineClient(port), await lineClient(port)];
    await lineClient(port);
    const refused = await lineClient(port);
    await refused.waitFor('! server full (3 clients)\n');
    alice.send('one');
    alice.send('two');
    await bob.waitFor('one\ntwo\n');
    const scraped = await scrapeUntil(metrics, (s) => s.value('broadcast_chat_messages_received_total') === 2, 'two messages');
    expect(scraped.value('broadcast_chat_clients')).toBe(3);
    expect(scraped.value('broadcast_chat_refused_connections_total', { reason: 'server-full' })).toBe(1);
    // Two messages, each relayed to the two other clients.
    expect(scraped.value('broadcast_chat_deliveries_total')).toBeGreaterThanOrEqual(4);
    expect((await probe(metrics, '/healthz')).status).toBe(200);
    expect((await probe(metrics, '/readyz')).status).toBe(200);
    expect(await exitServe(server)).toBe(0);
  });

  it('says so in one line and exits 1 when its port is taken', async () => {
    const { server: first } = await startServe('first', ['--metrics', '0', '--log', 'json']);
    const taken = Number((await first.waitFor(/"event":"metrics-listening".*"port":(\d+)/))[1]);
    const { cli } = await import('./fixtures/spawned.js');
    const second = cli('second', ['serve', '--host', '127.0.0.1', '--port', '0', '--metrics', String(taken)]);
    expect((await second.waitExit()).code).toBe(1);
    expect(second.printed.stderr).toMatch(/^Could not start the metrics server on 127\.0\.0\.1:\d+: /m);
  });
});
