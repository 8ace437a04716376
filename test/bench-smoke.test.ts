import { describe, expect, it } from 'vitest';
import { snapshotHubBuild } from '../bench/hub-build.js';
import { runBenchmarks } from '../bench/runner.js';
import { WORKLOAD_IDS } from '../bench/workloads.js';

// The benchmark's quick mode as a smoke test: every workload against the hub embedded as a
// library, every delivery verified. No timing is asserted; numbers live in bench/results/.
describe('benchmark quick mode', () => {
  it('runs every workload against the hub and verifies every delivery', async () => {
    // The same copy of dist/ the benchmark makes, so a build the copy misses (a chunk) fails here.
    const build = snapshotHubBuild();
    try {
      const run = await runBenchmarks({
        mode: 'quick',
        systems: ['hub-lib'],
        workloads: WORKLOAD_IDS,
        repetitions: 1,
        fullCheck: true,
        maxMinutes: 2,
        hubNodeFlags: [],
        hubBuild: build.dir,
        niceness: undefined,
        quietWaitMs: 0,
        progress: () => undefined,
      });
      const failures = run.samples.filter((sample) => !sample.ok).map((sample) => `${sample.workload}: ${sample.errors.join('; ')}`);
      expect(failures).toEqual([]);
      expect(run.samples.map((sample) => sample.workload)).toEqual([...WORKLOAD_IDS]);
      for (const sample of run.samples) {
        expect(sample.verified).toBe(true);
        expect(sample.deliveries).toBe(sample.expectedDeliveries);
      }
    } finally {
      build.remove();
    }
  }, 90_000);
});
