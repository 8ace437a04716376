import type { ChurnJob } from '../../protocol.js';
import { Inbox } from '../inbox.js';
import { joinBarrier } from '../join-barrier.js';
import type { Member } from '../transport.js';
import { waitUntil, type WorkloadContext, type WorkloadOutcome } from '../workload-context.js';

const PROBE_MESSAGES = 100;

/**
 * Opens and closes `connections` connections, `concurrency` at a time, each waiting until
 * the server has closed its side; then proves the server still relays (a fresh receiver
 * gets 100 messages from a fresh sender). The rate counts that probe in, since a server can
 * lag behind accepting and only catch up later.
 */
export async function runChurn(job: ChurnJob, context: WorkloadContext): Promise<WorkloadOutcome> {
  const { transport, log, template } = context;
  context.mark('measure-start');
  const startedAt = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < job.connections) {
      next += 1;
      await transport.churnOnce();
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.connections) }, worker));
  const churnedAt = performance.now();
  const inbox = new Inbox(-1, 1, log, template, job.fullCheck);
  const members: Member[] = [];
  try {
    const receiver = await transport.connect({ inbox, sends: false });
    members.push(receiver);
    const sender = await transport.connect({ sends: true });
    members.push(sender);
    await joinBarrier(sender, [inbox]);
    sender.send(0, 0, PROBE_MESSAGES);
    await waitUntil(() => inbox.delivered >= PROBE_MESSAGES || log.errorCount > 0, 10_000, () => `${inbox.delivered} of ${PROBE_MESSAGES} probe messages`);
    const servedAt = performance.now();
    context.mark('measure-end');
    return {
      expectedDeliveries: PROBE_MESSAGES,
      complete: inbox.expected[0] === PROBE_MESSAGES,
      metrics: {
        connectsPerSecond: (job.connections * 1000) / (servedAt - startedAt),
        clientSideConnectsPerSecond: (job.connections * 1000) / (churnedAt - startedAt),
      },
    };
  } finally {
    for (const member of members) member.close();
  }
}
