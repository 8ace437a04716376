/**
 * `broadcast-chat/prometheus` in-process: the text format as a Prometheus parser reads it, the
 * options checked, and the HTTP server's endpoints (`/metrics`, `/healthz`, `/readyz`) on a real
 * port, with a real cluster link for readiness.
 */
import { describe, expect, it } from 'vitest';
import { BroadcastHub, BrokerAdapter, MemoryBroker, type Peer } from '../src/index.js';
import { collectHubMetrics, formatExposition, hubMetricsText, serveMetrics, type MetricsServer } from '../src/prometheus.js';
import { RedisAdapter } from '../src/redis.js';
import { freePort } from './fixtures/spawned.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { missingBroker, missingBrokerTest, sharedBrokerUrl, testPrefix } from './helpers/cluster.js';
import { startHub } from './helpers/hub.js';
import { Exposition, probe, scrape } from './helpers/prometheus-text.js';
import { eventually, nextEvent, RawPeer } from './helpers/sockets.js';

const track = closeAfterEach();

async function metricsOf(hub: BroadcastHub, options: Parameters<typeof serveMetrics>[1] = {}): Promise<MetricsServer> {
  return track(await serveMetrics(hub, { port: 0, host: '127.0.0.1', ...options }), (server) => server.close());
}

describe('the text format', () => {
  it('escapes label values and help so that a Prometheus parser reads them back exactly', () => {
    const text = formatExposition([
      { name: 'odd_total', help: 'a help with a \\ and a\nnewline', type: 'counter', samples: [{ labels: { room: 'a "quoted" \\ room\nwith a newline' }, value: 3 }] },
      { name: 'odd_values', help: 'special values', type: 'gauge', samples: [{ value: Infinity }, { labels: { k: 'v' }, value: Number.NaN }, { labels: { k: 'w' }, value: 0.5 }] },
    ]);
    const parsed = new Exposition(text);
    expect(parsed.family('odd_total')?.help).toBe('a help with a \\ and a\nnewline');
    expect(parsed.value('odd_total', { room: 'a "quoted" \\ room\nwith a newline' })).toBe(3);
    expect(parsed.value('odd_values')).toBe(Infinity);
    expect(parsed.value('odd_values', { k: 'v' })).toBeNaN();
    expect(parsed.value('odd_values', { k: 'w' })).toBe(0.5);
    expect(text.endsWith('\n')).toBe(true);
  });

  it("writes a hub's metrics with its labels and prefix, and room series for the largest rooms only", async () => {
    const { hub, port } = await startHub(track, {});
    const peers: Peer[] = [];
    hub.on('connect', (peer) => peers.push(peer));
    for (let n = 0; n < 4; n += 1) {
      track(await RawPeer.connect(port), (socket) => {
        socket.destroy();
      });
    }
    await eventually(() => peers.length === 4, 2000, 'four clients');
    peers[0]?.join('beta');
    peers[1]?.join('beta');
    peers[2]?.join('alpha');
    const parsed = new Exposition(hubMetricsText(hub, { prefix: 'chat_', labels: { hub: 'eu-1' }, maxRooms: 2 }));
    const common = { hub: 'eu-1' };
    expect(parsed.value('chat_clients', {}, common)).toBe(4);
    expect(parsed.value('chat_rooms', {}, common)).toBe(3);
    expect(parsed.family('chat_room_members')?.metrics.map((sample) => sample.labels?.room)).toEqual(['lobby', 'beta']);
    expect(parsed.value('chat_room_members', { room: 'beta' }, common)).toBe(2);
    expect(parsed.value('chat_connections_total', {}, common)).toBe(4);
    expect(parsed.value('chat_refused_connections_total', { reason: 'server-full' }, common)).toBe(0);
    expect(parsed.family('chat_queued_bytes')).toBeDefined();
    expect(parsed.families.every((family) => family.name.startsWith('chat_'))).toBe(true);
    expect(new Exposition(hubMetricsText(hub, { maxRooms: 0, peers: false })).family('broadcast_chat_queued_bytes')).toBeUndefined();
    expect(collectHubMetrics(hub).find((family) => family.name === 'broadcast_chat_room_members')?.samples).toHaveLength(3);
  });

  it('refuses options that would write an invalid exposition, naming the option', () => {
    const hub = new BroadcastHub();
    expect(() => hubMetricsText(hub, { prefix: 'bad-prefix' })).toThrow(/prefix must start a Prometheus metric name/);
    expect(() => hubMetricsText(hub, { labels: { 'bad-name': 'x' } })).toThrow(/labels: "bad-name" is not a Prometheus label name/);
    expect(() => hubMetricsText(hub, { labels: { __reserved: 'x' } })).toThrow(TypeError);
    expect(() => hubMetricsText(hub, { labels: { room: 'x' } })).toThrow(/labels: "room" is a label the hub's metrics use themselves/);
    expect(() => hubMetricsText(hub, { maxRooms: -1 })).toThrow(RangeError);
    expect(() => hubMetricsText(hub, { maxRooms: 1.5 })).toThrow(/maxRooms must be 0 or a positive integer/);
  });
});

describe('serveMetrics()', () => {
  it('serves /metrics, /healthz and /readyz, answers 404 and 405, and closes with the hub', async () => {
    const hub = new BroadcastHub();
    const server = await metricsOf(hub);
    const port = server.address.port;
    // Not listening yet: alive is not, ready is not.
    expect(await probe(port, '/healthz')).toEqual({ status: 503, body: 'not listening\n' });
    expect(await probe(port, '/readyz')).toEqual({ status: 503, body: 'not listening\n' });
    await hub.listen({ port: 0, host: '127.0.0.1' });
    expect(await probe(port, '/healthz')).toEqual({ status: 200, body: 'listening\n' });
    expect(await probe(port, '/readyz')).toEqual({ status: 200, body: 'listening\n' });
    expect((await scrape(port)).value('broadcast_chat_clients')).toBe(0);
    expect((await probe(port, '/metrics?x=1')).status).toBe(200);
    expect(await probe(port, '/nowhere')).toEqual({ status: 404, body: 'not found: try /metrics, /healthz or /readyz\n' });
    const posted = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET, HEAD');
    await posted.text();
    const head = await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    await hub.close();
    // The metrics server follows the hub, without being told.
    await eventually(() => !server.server.listening, 2000, 'the metrics server closed');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it("asks the application's own readiness check", async () => {
    const { hub } = await startHub(track, {});
    let ready: boolean | Error = false;
    const server = await metricsOf(hub, {
      ready: () => {
        if (ready instanceof Error) throw ready;
        return Promise.resolve(ready);
      },
    });
    const port = server.address.port;
    expect(await probe(port, '/readyz')).toEqual({ status: 503, body: 'the application is not ready\n' });
    ready = new Error('database down');
    expect(await probe(port, '/readyz')).toEqual({ status: 503, body: "the application's readiness check failed: database down\n" });
    ready = true;
    expect(await probe(port, '/readyz')).toEqual({ status: 200, body: 'ready\n' });
    // Liveness does not ask the application.
    ready = false;
    expect((await probe(port, '/healthz')).status).toBe(200);
  });

  it('answers ready, and up, while the cluster link is connected', async () => {
    const adapter = new BrokerAdapter(new MemoryBroker().transport());
    const { hub } = await startHub(track, { adapter });
    const server = await metricsOf(hub);
    await adapter.ready();
    await eventually(() => adapter.status === 'connected', 2000, 'connected');
    expect(await probe(server.address.port, '/readyz')).toEqual({ status: 200, body: 'listening, cluster link connected\n' });
    expect((await scrape(server.address.port)).value('broadcast_chat_adapter_up')).toBe(1);
  });

  it('rejects with a ListenError when the port is taken, and checks its options first', async () => {
    const hub = new BroadcastHub();
    const first = await metricsOf(hub);
    await expect(serveMetrics(hub, { port: first.address.port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'ERR_LISTEN_FAILED' });
    await expect(serveMetrics(hub, { port: 70_000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
    await expect(serveMetrics(hub, { port: 0, host: '127.0.0.1', prefix: '9' })).rejects.toThrow(TypeError);
    await expect(serveMetrics(hub, { port: 0, host: '127.0.0.1', ready: 'yes' as unknown as () => boolean })).rejects.toThrow(/ready must be a function/);
  });
});

const missingRedis = await missingBroker('redis');
describe('readiness with the Redis adapter', () => {
  if (missingRedis !== undefined) {
    missingBrokerTest(missingRedis);
    return;
  }

  it('is not ready while the broker cannot be reached, and ready once it is', async () => {
    const nowhere = await freePort();
    const cut = new RedisAdapter({ redis: { host: '127.0.0.1', port: nowhere, maxRetriesPerRequest: 0 }, prefix: testPrefix() });
    const lonely = track(new BroadcastHub({ adapter: cut }), (hub) => hub.close({ timeout: 300 }));
    lonely.on('adapterError', () => undefined);
    await lonely.listen({ port: 0, host: '127.0.0.1' });
    const lonelyMetrics = await metricsOf(lonely);
    const answer = await probe(lonelyMetrics.address.port, '/readyz');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatch(/^cluster link (connecting|disconnected)\n$/);
    expect((await probe(lonelyMetrics.address.port, '/healthz')).status).toBe(200);
    const scraped = await scrape(lonelyMetrics.address.port);
    expect(scraped.value('broadcast_chat_adapter_up')).toBe(0);
    expect(scraped.value('broadcast_chat_adapter_status', { status: 'connected' })).toBe(0);

    const linked = new RedisAdapter({ redis: sharedBrokerUrl('redis'), prefix: testPrefix() });
    const { hub, port } = await startHub(track, { adapter: linked });
    const metrics = await metricsOf(hub);
    await linked.ready();
    await eventually(() => linked.status === 'connected', 5000, 'connected to Redis');
    expect(await probe(metrics.address.port, '/readyz')).toEqual({ status: 200, body: 'listening, cluster link connected\n' });
    const connected = nextEvent(hub, 'connect', 2000);
    const client = track(await RawPeer.connect(port), (socket) => {
      socket.destroy();
    });
    await connected;
    client.write('to the other hubs\n');
    await eventually(() => (hub.stats().adapter?.broker?.published ?? 0) > 0, 5000, 'published');
    const linkedScrape = await scrape(metrics.address.port);
    expect(linkedScrape.value('broadcast_chat_adapter_up')).toBe(1);
    expect(linkedScrape.value('broadcast_chat_adapter_status', { status: 'connected' })).toBe(1);
    expect(linkedScrape.value('broadcast_chat_adapter_published_events_total')).toBeGreaterThan(0);
    expect(linkedScrape.value('broadcast_chat_adapter_lag_events')).toBe(0);
  });
});
