import type { IdleMemoryJob } from '../../protocol.js';
import { closeAll, connectAll } from '../connect-all.js';
import { Inbox, inboxAt } from '../inbox.js';
import { joinBarrier } from '../join-barrier.js';
import type { WorkloadContext, WorkloadOutcome } from '../workload-context.js';

/**
 * Opens `baseConnections` receivers, lets the runner read the server's memory, opens
 * `connections` more, lets it read again, then closes everything. Each receiver is proven
 * live by the join barrier, so every connection counted is one the server has taken on.
 */
export async function runIdleMemory(job: IdleMemoryJob, context: WorkloadContext): Promise<WorkloadOutcome> {
  const { transport, log, template } = context;
  const total = job.baseConnections + job.connections;
  const inboxes = Array.from({ length: total }, () => new Inbox(-1, 1, log, template, job.fullCheck));
  const sender = await transport.connect({ sends: true });
  const members = await connectAll(transport, job.baseConnections, (index) => ({ inbox: inboxAt(inboxes, index), sends: false }));
  try {
    await joinBarrier(sender, inboxes.slice(0, job.baseConnections));
    context.mark('idle-base');
    await context.waitForRunner();
    members.push(
      ...(await connectAll(transport, job.connections, (index) => ({ inbox: inboxAt(inboxes, job.baseConnections + index), sends: false }))),
    );
    await joinBarrier(sender, inboxes);
    context.mark('idle-full');
    await context.waitForRunner();
    return { expectedDeliveries: 0, complete: inboxes.every((inbox) => inbox.synced), metrics: { connections: job.connections } };
  } finally {
    sender.close();
    closeAll(members);
  }
}
