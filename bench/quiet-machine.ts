import { machineBusyMilliseconds } from './proc-stats.js';

/**
 * Waits, at most `maxWaitMs`, until the rest of the machine is quiet (less than
 * `thresholdPercent` of one core busy over half a second), since other work on the two
 * cores skews a measurement more than anything in it. Returns the last reading.
 */
export async function waitForQuiet(maxWaitMs: number, thresholdPercent = 30): Promise<number | null> {
  const deadline = Date.now() + maxWaitMs;
  let busy: number;
  do {
    const before = machineBusyMilliseconds();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = machineBusyMilliseconds();
    if (before === null || after === null) return null;
    busy = ((after - before) * 100) / (performance.now() - started);
    if (busy < thresholdPercent) return busy;
  } while (Date.now() < deadline);
  return busy;
}
