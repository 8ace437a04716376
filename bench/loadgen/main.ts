/**
 * The load generator: one process per measurement, pinned to its own core by the runner.
 * Reads a `Job` (JSON) from argv, runs it against the target and prints `LoadgenEvent`
 * lines on stdout. Exits when done; every connection it opened is closed first.
 */
import { createInterface } from 'node:readline';
import type { Job, LoadgenEvent, LoadgenResult, MarkName } from '../protocol.js';
import { DeliveryLog } from './inbox.js';
import { payloadTemplate } from './payload.js';
import { createTransport } from './transports/index.js';
import type { WorkloadContext, WorkloadOutcome } from './workload-context.js';
import { runChurn } from './workloads/churn.js';
import { runFanout } from './workloads/fanout.js';
import { runIdleMemory } from './workloads/idle-memory.js';
import { runLatency } from './workloads/latency.js';
import { runManyToMany } from './workloads/many-to-many.js';

function emit(event: LoadgenEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function runnerLines(): () => Promise<void> {
  const waiting: (() => void)[] = [];
  let banked = 0;
  createInterface({ input: process.stdin }).on('line', () => {
    const wake = waiting.shift();
    if (wake === undefined) banked += 1;
    else wake();
  });
  return () => {
    if (banked > 0) {
      banked -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
}

function run(job: Job, context: WorkloadContext): Promise<WorkloadOutcome> {
  switch (job.kind) {
    case 'fanout':
      return runFanout(job, context);
    case 'latency':
      return runLatency(job, context);
    case 'many-to-many':
      return runManyToMany(job, context);
    case 'idle-memory':
      return runIdleMemory(job, context);
    case 'churn':
      return runChurn(job, context);
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as Job;
  // The job is parsed JSON: check at run time what the type only promises.
  if ((job.target.host as string) !== '127.0.0.1') throw new Error('the load generator only talks to 127.0.0.1');
  const log = new DeliveryLog();
  const template = payloadTemplate(job.payloadBytes);
  const context: WorkloadContext = {
    transport: createTransport({ target: job.target, template, log }),
    log,
    template,
    mark: (name: MarkName) => {
      emit({ event: 'mark', name });
    },
    waitForRunner: runnerLines(),
  };
  const outcome = await run(job, context);
  // Let closes reach the wire before the process goes.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const result: LoadgenResult = {
    verified: outcome.complete && log.errorCount === 0 && log.delivered === outcome.expectedDeliveries,
    expectedDeliveries: outcome.expectedDeliveries,
    deliveries: log.delivered,
    errors: log.errorCount > 0 ? [...log.errors, `${log.errorCount} errors in all`] : outcome.complete ? [] : ['some receivers did not get every message'],
    metrics: outcome.metrics,
    loadgenCpuPercent: outcome.cpu === undefined ? null : (outcome.cpu.usedMs * 100) / outcome.cpu.wallMs,
  };
  emit({ event: 'result', result });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ event: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  },
);
