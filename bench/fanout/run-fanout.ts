import { machineInfo } from '../machine-info.js';
import type { FanoutRun } from './fanout-options.js';
import { pinSelf } from './fanout-pinning.js';
import { fanoutRows, writeFanoutReport, type FanoutGoal } from './fanout-report.js';
import { measureFanout, type FanoutSample, type FanoutSystem } from './measure-fanout.js';

const whole = (value: number | null): string => (value === null || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US'));

/**
 * Runs every system at every receiver count for `rounds` rounds (the order of the systems
 * flipping each round, so that a drift of the machine falls on all of them), prints a line per
 * measurement and the table, and writes the report. Resolves to the exit code: 1 when a
 * measurement failed or a message came out of order.
 */
export async function runFanoutBenchmark(options: {
  readonly name: string;
  readonly title: string;
  readonly command: string;
  readonly run: FanoutRun;
  readonly systems: readonly FanoutSystem[];
  readonly goal: FanoutGoal;
  readonly serverVersions: Readonly<Record<string, string>>;
  readonly hubSource: string;
}): Promise<number> {
  const { run } = options;
  const startedAt = new Date();
  // The sender shares the load generators' cores, never the server's.
  pinSelf(run.settings.pinning);
  const chosen = options.systems.filter((system) => run.systems === undefined || run.systems.has(system.id));
  const samples: FanoutSample[] = [];
  const failures: string[] = [];
  const skipped = new Set<string>();
  for (const receivers of run.receiverCounts) {
    for (let round = 0; round < run.rounds; round += 1) {
      const order = round % 2 === 0 ? chosen : [...chosen].reverse();
      for (const system of order) {
        if (skipped.has(system.id)) continue;
        try {
          const sample = await measureFanout(system, receivers, round, run.settings);
          if (sample === undefined) {
            skipped.add(system.id);
            failures.push(`${system.label}: not installed, skipped`);
            process.stderr.write(`${system.label}: not installed, skipped\n`);
            continue;
          }
          samples.push(sample);
          process.stderr.write(
            `${sample.label}, 1 -> ${receivers} #${round + 1}: ${whole(sample.messagesPerSecond)} msg/s, ${whole(sample.deliveriesPerSecond)} deliveries/s${sample.loadgenBound ? ' (load generator at its limit)' : ''}, server CPU ${whole(sample.serverCpuPercent)}%, ${whole(sample.deliveriesPerServerCpuSecond)} deliveries per server CPU-s, load gen ${whole(sample.loadgenCpuPercent)}%, other ${whole(sample.otherCpuPercent)}%${sample.errors > 0 ? `, ${sample.errors} out of order` : ''}\n`,
          );
        } catch (error) {
          const message = `${system.label}, 1 -> ${receivers} #${round + 1}: ${error instanceof Error ? error.message : String(error)}`;
          failures.push(message);
          process.stderr.write(`FAILED ${message}\n`);
        }
      }
    }
  }
  const rows = fanoutRows(samples);
  console.log('| workload | system | messages/s | deliveries/s | server CPU | deliveries per server CPU-s |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| 1 -> ${row.receivers} x 64 B | ${row.label} | ${whole(row.messagesPerSecond)} | ${whole(row.deliveriesPerSecond)} | ${whole(row.serverCpuPercent)}% | ${whole(row.deliveriesPerServerCpuSecond)} |`);
  const path = writeFanoutReport({ name: options.name, title: options.title, command: options.command, startedAt, run, machine: machineInfo(), serverVersions: options.serverVersions, hubSource: options.hubSource, samples, failures, goal: options.goal });
  process.stderr.write(`report: ${path}\n`);
  const measuredFailures = failures.filter((failure) => !failure.endsWith('not installed, skipped'));
  return measuredFailures.length > 0 || rows.some((row) => row.errors > 0) ? 1 : 0;
}
