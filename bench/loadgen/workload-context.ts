import type { MarkName } from '../protocol.js';
import type { DeliveryLog } from './inbox.js';
import type { Transport } from './transport.js';

/** What a workload gets from the load generator's main. */
export interface WorkloadContext {
  readonly transport: Transport;
  readonly log: DeliveryLog;
  readonly template: Buffer;
  /** Tells the runner to sample the server now. */
  mark(name: MarkName): void;
  /** Waits for the runner to say it has sampled. */
  waitForRunner(): Promise<void>;
}

/** A workload's own outcome; main adds the delivery log's verdict. */
export interface WorkloadOutcome {
  readonly expectedDeliveries: number;
  /** Whether every inbox ended where it should (the log's error count is checked separately). */
  readonly complete: boolean;
  readonly metrics: Record<string, number>;
  /** CPU time the load generator used over the measured window, in ms, and the window's length. */
  readonly cpu?: { readonly usedMs: number; readonly wallMs: number };
}

/** Load-generator CPU time used so far, in ms. */
export function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Waits until `condition` holds, polling, or throws after `ms` with `what` in the message. */
export async function waitUntil(condition: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
