import type { FanoutJob } from '../../protocol.js';
import { BatchWindow } from '../batch-window.js';
import { closeAll, connectAll } from '../connect-all.js';
import { Inbox, inboxAt } from '../inbox.js';
import { joinBarrier } from '../join-barrier.js';
import { sleep } from '../transport.js';
import { cpuNow, type WorkloadContext, type WorkloadOutcome } from '../workload-context.js';

const SENDER = 0;
/** Bytes that may be in flight to each receiver; keeps every system far from its slow-consumer limit. */
const MAX_IN_FLIGHT_BYTES = 1024 * 1024;
const MAX_BATCHES = 8;

/** One sender, `receivers` receivers: deliveries per second at saturation, in a measured window after warm-up. */
export async function runFanout(job: FanoutJob, context: WorkloadContext): Promise<WorkloadOutcome> {
  const { transport, log, template } = context;
  const inboxes = Array.from({ length: job.receivers }, () => new Inbox(-1, 1, log, template, job.fullCheck));
  const receivers = await connectAll(transport, job.receivers, (index) => ({ inbox: inboxAt(inboxes, index), sends: false }));
  const sender = await transport.connect({ sends: true });
  try {
    await joinBarrier(sender, inboxes);
    const window = new BatchWindow(
      job.receivers,
      (firstSeq, count) => {
        sender.send(SENDER, firstSeq, count);
      },
      { maxBatches: MAX_BATCHES, targetMs: 25, maxBatch: Math.max(1, Math.floor(MAX_IN_FLIGHT_BYTES / MAX_BATCHES / job.payloadBytes)) },
    );
    log.onDelivery = window.delivered;
    window.start();
    await sleep(job.warmupMs);
    context.mark('measure-start');
    const startedAt = performance.now();
    const startDelivered = log.delivered;
    const startCpu = cpuNow();
    await sleep(job.measureMs);
    const wallMs = performance.now() - startedAt;
    const measured = log.delivered - startDelivered;
    const usedMs = cpuNow() - startCpu;
    context.mark('measure-end');
    const batchSize = window.batchSize;
    const drain = window.stop();
    const timeout = sleep(30_000).then(() => 'timeout' as const);
    if ((await Promise.race([drain, timeout])) === 'timeout') throw new Error('deliveries still missing 30 s after the sender stopped');
    const complete = inboxes.every((inbox) => inbox.expected[SENDER] === window.sent);
    return {
      expectedDeliveries: window.sent * job.receivers,
      complete,
      metrics: {
        deliveriesPerSecond: (measured * 1000) / wallMs,
        messagesSent: window.sent,
        finalBatchSize: batchSize,
      },
      cpu: { usedMs, wallMs },
    };
  } finally {
    sender.close();
    closeAll(receivers);
  }
}
