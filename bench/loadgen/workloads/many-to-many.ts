import type { ManyToManyJob } from '../../protocol.js';
import { closeAll, connectAll } from '../connect-all.js';
import { Inbox, inboxAt } from '../inbox.js';
import { joinBarrier } from '../join-barrier.js';
import { LatencySamples } from '../latency-samples.js';
import { sleep } from '../transport.js';
import { cpuNow, waitUntil, type WorkloadContext, type WorkloadOutcome } from '../workload-context.js';

/**
 * Every member sends one message every `intervalMs` (start times spread evenly over one
 * interval) and receives everyone else's; every delivery verified per sender, latency of
 * each after warm-up.
 */
export async function runManyToMany(job: ManyToManyJob, context: WorkloadContext): Promise<WorkloadOutcome> {
  const { transport, log, template } = context;
  const count = job.members;
  const inboxes = Array.from({ length: count }, (_, id) => new Inbox(id, count, log, template, job.fullCheck));
  const members = await connectAll(transport, count, (index) => ({ inbox: inboxAt(inboxes, index), sends: true }));
  const timers: NodeJS.Timeout[] = [];
  try {
    // Member 0 syncs; it does not get its own messages back (brokers' echoes are skipped).
    const first = members[0];
    if (first === undefined) throw new Error('no members');
    await joinBarrier(first, inboxes.slice(1));
    const perSender = Math.ceil(((job.warmupMs + job.measureMs) / job.intervalMs) * 1.2) + 4;
    const sentAt = Array.from({ length: count }, () => new Float64Array(perSender));
    const sent = new Int32Array(count);
    const samples = new LatencySamples(Math.round(((job.measureMs / job.intervalMs) * count * (count - 1)) * 1.1));
    let measureFrom = Number.POSITIVE_INFINITY;
    log.onDelivery = (_inbox, sender, seq) => {
      const at = sentAt[sender]?.[seq] ?? 0;
      if (at >= measureFrom) samples.add(performance.now() - at);
    };
    let sending = true;
    members.forEach((member, id) => {
      const fire = (): void => {
        const seq = sent[id] ?? 0;
        if (!sending || seq >= perSender) return;
        (sentAt[id] as Float64Array)[seq] = performance.now();
        member.send(id, seq, 1);
        sent[id] = seq + 1;
      };
      timers.push(
        setTimeout(() => {
          fire();
          timers.push(setInterval(fire, job.intervalMs));
        }, (id * job.intervalMs) / count),
      );
    });
    await sleep(job.warmupMs);
    context.mark('measure-start');
    measureFrom = performance.now();
    const startCpu = cpuNow();
    await sleep(job.measureMs);
    sending = false;
    const usedMs = cpuNow() - startCpu;
    const wallMs = performance.now() - measureFrom;
    context.mark('measure-end');
    for (const timer of timers) clearTimeout(timer);
    let totalSent = 0;
    for (const value of sent) totalSent += value;
    const expected = totalSent * (count - 1);
    await waitUntil(() => log.delivered >= expected || log.errorCount > 0, 30_000, () => `${log.delivered} of ${expected} delivered`);
    const complete = inboxes.every((inbox) => inbox.expected.every((next, sender) => sender === inbox.id || next === sent[sender]));
    return {
      expectedDeliveries: expected,
      complete,
      metrics: { ...samples.summary(), messagesSent: totalSent },
      cpu: { usedMs, wallMs },
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    closeAll(members);
  }
}
