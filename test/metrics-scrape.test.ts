/**
 * `/metrics` scraped from a hub in a process of its own (test/fixtures/metrics-hub.ts, a hub
 * with `serveMetrics`), as Prometheus scrapes it: parsed by a Prometheus text parser, under
 * traffic, a slow consumer, refusals and flood control, every number checked against what the
 * test did.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, ROOT, Spawned } from './fixtures/spawned.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { probe, scrape, type Exposition } from './helpers/prometheus-text.js';
import { RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();
afterEach(killAll);

const FIXTURE = join(ROOT, 'test', 'fixtures', 'metrics-hub.ts');
/** The label the fixture puts on every sample. */
const COMMON = { instance_name: 'fixture' };

/** Starts the fixture with these hub options; resolves with the process and its two ports. */
async function startMetricsHub(options: Record<string, unknown>): Promise<{ server: Spawned; port: number; metrics: number }> {
  const server = new Spawned('metrics hub', process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(options)]);
  const ready = await server.waitFor(/READY (\d+) (\d+)/);
  return { server, port: Number(ready[1]), metrics: Number(ready[2]) };
}

async function client(port: number): Promise<RawPeer> {
  return track(await RawPeer.connect(port), (peer) => {
    peer.destroy();
  });
}

/** Scrapes until `done` holds for a scrape (the hub works on its own time), at most 5 s; returns that scrape. */
async function scrapeUntil(port: number, done: (scraped: Exposition) => boolean, what: string): Promise<Exposition> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const scraped = await scrape(port);
    if (done(scraped)) return scraped;
    if (Date.now() > deadline) throw new Error(`no scrape showed ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const value = (scraped: Exposition, name: string, labels: Record<string, string> = {}): number => scraped.value(`broadcast_chat_${name}`, labels, COMMON);

describe('scraping a hub process', () => {
  it('counts traffic, refusals and a slow consumer as the clients saw them', async () => {
    const { server, port, metrics } = await startMetricsHub({ maxClients: 4, maxQueuedBytes: 128 * 1024, softQueuedBytes: 0 });
    const sender = await client(port);
    const readers = [await client(port), await client(port)];
    const stalled = await client(port);
    stalled.socket.pause();
    await scrapeUntil(metrics, (scraped) => value(scraped, 'clients') === 4, 'four clients');

    // Two more are turned away at the door.
    for (let n = 0; n < 2; n += 1) {
      const refused = await client(port);
      await refused.waitClosed(2000);
      expect(refused.text).toBe('! server full (4 clients)\n');
    }

    // Small lines, read by everyone.
    const small = Array.from({ length: 50 }, (_, n) => `message number ${n}\n`);
    sender.write(small.join(''));
    for (const reader of readers) await reader.newlinesReach(50, 5000);
    let received = small.join('').length;
    let lines = small.length;

    // Bigger lines until the stalled client is cut, 64 KiB a round (what one turn owes a reader
    // that keeps up stays under the cap): at most 200 rounds.
    const big = `${'z'.repeat(16 * 1024)}\n`;
    let scraped = await scrape(metrics);
    for (let round = 0; round < 200 && value(scraped, 'slow_consumers_total') === 0; round += 1) {
      sender.write(big.repeat(4));
      received += 4 * big.length;
      lines += 4;
      for (const reader of readers) await reader.newlinesReach(lines, 5000);
      scraped = await scrape(metrics);
    }
    scraped = await scrapeUntil(metrics, (each) => value(each, 'messages_received_total') === lines && value(each, 'clients') === 3, 'every line counted and the cut');

    expect(value(scraped, 'refused_connections_total', { reason: 'server-full' })).toBe(2);
    expect(value(scraped, 'refused_connections_total', { reason: 'too-many-from-address' })).toBe(0);
    // Shown before it first happens, as every reason a connection can be refused for.
    expect(value(scraped, 'refused_connections_total', { reason: 'banned' })).toBe(0);
    expect(value(scraped, 'disconnects_total', { reason: 'banned' })).toBe(0);
    expect(value(scraped, 'slow_consumers_total')).toBe(1);
    expect(value(scraped, 'disconnects_total', { reason: 'slow-consumer' })).toBe(1);
    expect(value(scraped, 'client_errors_total')).toBeGreaterThanOrEqual(1);
    expect(value(scraped, 'connections_total')).toBe(4);
    expect(value(scraped, 'clients_by_protocol', { protocol: 'line' })).toBe(3);
    expect(value(scraped, 'room_members', { room: 'lobby' })).toBe(3);
    // Everything the sender wrote was read, and relayed once per line.
    expect(value(scraped, 'received_bytes_total')).toBe(received);
    expect(value(scraped, 'messages_received_total')).toBe(lines);
    expect(value(scraped, 'messages_sent_total')).toBe(lines);
    // Each line went to both readers in full, and to the stalled client until it was cut.
    const deliveries = value(scraped, 'deliveries_total');
    expect(deliveries).toBeGreaterThanOrEqual(2 * lines);
    expect(deliveries).toBeLessThan(3 * lines);
    const toReaders = readers.reduce((sum, reader) => sum + reader.received.length, 0);
    expect(toReaders).toBe(2 * received);
    expect(value(scraped, 'sent_bytes_total')).toBeGreaterThanOrEqual(toReaders);
    expect(value(scraped, 'sent_bytes_total')).toBeLessThan(toReaders + received);
    expect(value(scraped, 'deliveries_dropped_total')).toBe(0);
    expect(value(scraped, 'queued_bytes')).toBeGreaterThanOrEqual(0);

    // A reader leaves: its goodbye is counted, and the gauges follow.
    readers[1]?.socket.end();
    scraped = await scrapeUntil(metrics, (each) => value(each, 'disconnects_total', { reason: 'client-closed' }) === 1, 'the reader gone');
    expect(value(scraped, 'clients')).toBe(2);
    expect(value(scraped, 'room_members', { room: 'lobby' })).toBe(2);

    expect(await probe(metrics, '/healthz')).toEqual({ status: 200, body: 'listening\n' });
    expect(await probe(metrics, '/readyz')).toEqual({ status: 200, body: 'listening\n' });
    server.type('close\n');
    await server.waitFor('CLOSED');
    expect((await server.waitExit()).code).toBe(0);
  });

  it('counts flood control and the refusals it sends', async () => {
    const { metrics, port } = await startMetricsHub({ flood: { burst: 3, rate: 0.001, policy: 'drop' } });
    const flooder = await client(port);
    const reader = await client(port);
    await scrapeUntil(metrics, (scraped) => value(scraped, 'clients') === 2, 'two clients');
    flooder.write(Array.from({ length: 20 }, (_, n) => `spam ${n}\n`).join(''));
    await reader.newlinesReach(3, 2000);
    const scraped = await scrapeUntil(metrics, (each) => value(each, 'messages_received_total') === 20, 'twenty lines read');
    expect(value(scraped, 'flood_actions_total', { action: 'dropped' })).toBe(17);
    expect(value(scraped, 'flood_actions_total', { action: 'delayed' })).toBe(0);
    expect(value(scraped, 'flood_actions_total', { action: 'cut' })).toBe(0);
    expect(value(scraped, 'rejected_messages_total', { code: 'ERR_FLOOD' })).toBe(1);
    expect(value(scraped, 'messages_sent_total')).toBe(3);
    expect(value(scraped, 'deliveries_total')).toBe(3 + 1);
  });
});
