import type { LatencyJob } from '../../protocol.js';
import { closeAll, connectAll } from '../connect-all.js';
import { Inbox, inboxAt } from '../inbox.js';
import { joinBarrier } from '../join-barrier.js';
import { LatencySamples } from '../latency-samples.js';
import { cpuNow, waitUntil, type WorkloadContext, type WorkloadOutcome } from '../workload-context.js';

const SENDER = 0;

/**
 * One sender at a steady `messagesPerSecond`, each message written on its own as it falls
 * due; the latency of every delivery after warm-up, from just before the write to the
 * receiver's handling of it (one clock: sender and receivers share this process).
 */
export async function runLatency(job: LatencyJob, context: WorkloadContext): Promise<WorkloadOutcome> {
  const { transport, log, template } = context;
  const inboxes = Array.from({ length: job.receivers }, () => new Inbox(-1, 1, log, template, job.fullCheck));
  const receivers = await connectAll(transport, job.receivers, (index) => ({ inbox: inboxAt(inboxes, index), sends: false }));
  const sender = await transport.connect({ sends: true });
  try {
    await joinBarrier(sender, inboxes);
    const warmup = Math.round((job.warmupMs * job.messagesPerSecond) / 1000);
    const total = warmup + Math.round((job.measureMs * job.messagesPerSecond) / 1000);
    const sentAt = new Float64Array(total);
    const samples = new LatencySamples((total - warmup) * job.receivers);
    log.onDelivery = (_inbox, _sender, seq) => {
      if (seq >= warmup) samples.add(performance.now() - (sentAt[seq] ?? 0));
    };
    let sent = 0;
    let startCpu = 0;
    let startedAt = 0;
    const intervalMs = 1000 / job.messagesPerSecond;
    const begin = performance.now();
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor((performance.now() - begin) / intervalMs) + 1);
        while (sent < due) {
          if (sent === warmup) {
            context.mark('measure-start');
            startCpu = cpuNow();
            startedAt = performance.now();
          }
          sentAt[sent] = performance.now();
          sender.send(SENDER, sent, 1);
          sent += 1;
        }
        if (sent < total) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    const expected = total * job.receivers;
    await waitUntil(() => log.delivered >= expected || log.errorCount > 0, 30_000, () => `${log.delivered} of ${expected} delivered`);
    const usedMs = cpuNow() - startCpu;
    const wallMs = performance.now() - startedAt;
    context.mark('measure-end');
    return {
      expectedDeliveries: expected,
      complete: inboxes.every((inbox) => inbox.expected[SENDER] === total),
      metrics: { ...samples.summary(), messagesSent: total },
      cpu: { usedMs, wallMs },
    };
  } finally {
    sender.close();
    closeAll(receivers);
  }
}
