import { describe, expect, it } from 'vitest';
import type { BroadcastHub } from '../src/index.js';
import { chaosReceivers, chaosSenders, expectEveryMessageOnce, recoveries, streamWithCuts } from './helpers/chaos-chat.js';
import { closeAfterEach } from './helpers/cleanup.js';
import { missingBrokerTest, testPrefix, type BrokerKind } from './helpers/cluster.js';
import { startHub } from './helpers/hub.js';
import { adapterFor, dropHistory, missingSharedBroker, Switch } from './history-cluster-helpers.js';

const track = closeAfterEach();

const HUBS = 3;
const RECEIVERS = 20;
/**
 * 10 s of streaming with cuts per broker (test/history-chaos.test.ts streams 20 s on one hub):
 * two brokers in one file, on a shared CI machine.
 */
const STREAM_MS = 10_000;

for (const kind of ['redis', 'nats'] as const satisfies readonly BrokerKind[]) {
  const missing = await missingSharedBroker(kind);

  describe(`recovery across three hubs over ${kind}, under random resets`, () => {
    if (missing !== undefined) {
      missingBrokerTest(missing);
      return;
    }

    it(
      'gives every client every message of its room exactly once, in order, though it comes back through another hub',
      async () => {
        const prefix = testPrefix();
        track(prefix, (p) => dropHistory(kind, p));
        const hubs: { hub: BroadcastHub; port: number }[] = [];
        for (let index = 0; index < HUBS; index += 1) {
          const adapter = adapterFor(kind, prefix);
          hubs.push(await startHub(track, { framing: 'json', history: { messages: 500 }, adapter }, { close: { timeout: 2000 } }));
          await adapter.ready();
        }
        const portOf = (index: number): number => hubs[index % HUBS]?.port ?? 0;
        // Each room's sender on a hub of its own: the others get its messages later than their own.
        const senders = await chaosSenders(track, portOf);
        const links: Switch[] = [];
        for (let index = 0; index < RECEIVERS; index += 1) links.push(await Switch.to(portOf(index), track));
        const receivers = await chaosReceivers(track, links);

        let kills = 0;
        let moves = 0;
        const last = await streamWithCuts(senders, links, STREAM_MS, (link) => {
          // The load balancer sends its next connection to another hub.
          const at = hubs.findIndex((hub) => hub.port === link.target);
          link.target = portOf(at + 1 + Math.floor(Math.random() * (HUBS - 1)));
          moves += 1;
          link.kill(Math.random() < 0.5 ? 0 : Math.floor(Math.random() * 80));
          kills += 1;
        });

        // Rooms and direct messages recover on any hub.
        await expectEveryMessageOnce(receivers, last);
        expect(kills).toBeGreaterThan(20);
        expect(moves).toBe(kills);
        const recovered = recoveries(receivers);
        expect(recovered.lobby).toBeGreaterThan(3);
        expect(recovered.rooms).toBeGreaterThan(10);
      },
      90_000,
    );
  });
}
