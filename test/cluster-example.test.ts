import { afterEach, describe, expect, it } from 'vitest';
import { example, killAll } from './fixtures/spawned.js';
import { lineMatching, linesOf } from './helpers/chat.js';
import { missingBroker, missingBrokerTest, removeNatsBucket, sharedBrokerUrl, testPrefix, type BrokerKind } from './helpers/cluster.js';
import { RawPeer } from './helpers/sockets.js';

// examples/cluster.ts as its header runs it, on each broker there is: three hubs, one chat.
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const peer of peers.splice(0)) peer.destroy();
  await killAll();
});

for (const kind of ['redis', 'nats'] as const satisfies readonly BrokerKind[]) {
  const missing = await missingBroker(kind);
  describe(`examples/cluster.ts${kind === 'nats' ? ' --nats' : ''}`, () => {
    if (missing !== undefined) {
      missingBrokerTest(missing);
      return;
    }
    it('serves one chat on three ports', async () => {
      const prefix = testPrefix();
      const env = { HOST: '127.0.0.1', PORT: '0', PREFIX: prefix, REDIS_URL: sharedBrokerUrl('redis'), NATS_URL: sharedBrokerUrl('nats') };
      const cluster = example('cluster.ts', kind === 'nats' ? ['--nats'] : [], env);
      const match = await cluster.waitFor(/Chat on 127\.0\.0\.1, ports (\d+), (\d+), (\d+), over (Redis|NATS)\n/, 'stdout', 15_000);
      expect(match[4]).toBe(kind === 'nats' ? 'NATS' : 'Redis');
      const ports = match.slice(1, 4).map(Number);
      const names = ['ada', 'bea', 'cy'];
      for (const [index, port] of ports.entries()) {
        const peer = await RawPeer.connect(port);
        peers.push(peer);
        await lineMatching(peer, '* welcome, ');
        peer.write(`/nick ${names[index] ?? ''}\n`);
        await lineMatching(peer, `is now known as ${names[index] ?? ''}`);
      }
      const [ada, bea, cy] = peers as [RawPeer, RawPeer, RawPeer];
      ada.write('hello from hub 1\n');
      await lineMatching(bea, 'ada: hello from hub 1');
      await lineMatching(cy, 'ada: hello from hub 1');
      cy.write('/msg bea psst\n');
      await lineMatching(bea, '[dm] cy: psst');
      bea.write('/who\n');
      await lineMatching(bea, '* in lobby: ada, bea, cy');
      expect(linesOf(ada).some((line) => line.includes('psst'))).toBe(false);

      cluster.signal('SIGTERM');
      await cluster.waitFor('Closed.\n');
      expect(await cluster.waitExit()).toEqual({ code: 0, signal: null });
      if (kind === 'nats') await removeNatsBucket(sharedBrokerUrl('nats'), prefix);
    }, 30_000);
  });
}
