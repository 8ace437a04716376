import type { MachineInfo } from './machine-info.js';
import type { BenchRun } from './runner.js';
import { formatValue, type Summary } from './summary.js';
import { systemSpec, type SystemId } from './systems.js';
import { workloadSpec, type Mode, type WorkloadId } from './workloads.js';

/** Everything the markdown is made from. */
export interface ReportInput {
  readonly mode: Mode;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly run: BenchRun;
  readonly summary: Summary;
  readonly workloads: readonly WorkloadId[];
  readonly systems: readonly SystemId[];
  readonly repetitions: number;
  readonly hubLaunch: string;
  /** Relative link to the chart, if one was written. */
  readonly chart?: string;
}

function pinningText(run: BenchRun): string {
  const pinning = run.pinning;
  if (pinning === null) return 'none (taskset missing or one core)';
  const cores = pinning.serverCore === undefined ? 'unpinned' : `server on core ${pinning.serverCore}, load generator on core ${pinning.loadgenCore ?? '?'} (taskset)`;
  return pinning.niceness === undefined ? cores : `${cores}, each in its own session whose autogroup runs at nice ${pinning.niceness}`;
}

const label = (system: SystemId): string => systemSpec(system).label;
const percent = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(0)}%` : '–');

/** The header: machine, versions, commands, method. */
export function methodSection(input: ReportInput): string {
  const { machine, run } = input;
  const versions = Object.entries(machine.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return [
    `- Run: ${run.startedAt}, ${input.mode} mode, ${input.repetitions} repetition(s) of each pair, ${run.minutes.toFixed(1)} min.`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Linux ${machine.kernel}; Node ${machine.node}; commit ${machine.commit}.`,
    `- Versions: ${versions}.`,
    `- Pinning: ${pinningText(run)}.`,
    `- Command: \`${input.command}\`. The hub: \`${input.hubLaunch}\`.`,
  ].join('\n');
}

/** The matrix of medians: a row per workload, a column per system. */
export function matrixTable(input: ReportInput): string {
  const systems = input.systems.filter((system) => input.summary.cells.some((cell) => cell.system === system));
  const rows = [`| workload | ${systems.map(label).join(' | ')} |`, `|---|${systems.map(() => '---:').join('|')}|`];
  for (const workload of input.workloads) {
    const spec = workloadSpec(workload);
    const cells = systems.map((system) => {
      const cell = input.summary.cells.find((candidate) => candidate.workload === workload && candidate.system === system);
      if (cell === undefined) return '';
      if (cell.ok === 0) return 'failed';
      return `${formatValue(cell.median, spec.unit)}${cell.ok < cell.runs ? ` (${cell.runs - cell.ok} failed)` : ''}`;
    });
    rows.push(`| ${spec.title} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

/** hub ÷ each baseline, per workload. */
export function ratioTable(input: ReportInput, hub: SystemId): string {
  const others = input.systems.filter((system) => system !== hub && input.summary.ratios.some((ratio) => ratio.hub === hub && ratio.other === system));
  if (others.length === 0) return '';
  const rows = [`| ${label(hub)} ÷ | ${others.map(label).join(' | ')} |`, `|---|${others.map(() => '---:').join('|')}|`];
  for (const workload of input.workloads) {
    const cells = others.map((other) => {
      const ratio = input.summary.ratios.find((candidate) => candidate.workload === workload && candidate.hub === hub && candidate.other === other);
      if (ratio === undefined || !Number.isFinite(ratio.ratio)) return '–';
      const spread = Number.isFinite(ratio.pairedMin) && ratio.pairedMin !== ratio.pairedMax ? ` (${ratio.pairedMin.toFixed(2)}–${ratio.pairedMax.toFixed(2)})` : '';
      return `${ratio.ratio.toFixed(2)}${spread}`;
    });
    rows.push(`| ${workloadSpec(workload).short} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

/** The issue's goals, met or not. */
export function goalTable(input: ReportInput): string {
  const rows = ['| goal | judged for | met | numbers |', '|---|---|---|---|'];
  for (const goal of input.summary.goals) {
    rows.push(`| ${goal.goal} | ${label(goal.hub)} | ${goal.met === null ? 'n/a' : goal.met ? 'yes' : '**no**'} | ${goal.detail} |`);
  }
  return rows.join('\n');
}

function detailTables(input: ReportInput): string {
  const sections: string[] = [];
  for (const workload of input.workloads) {
    const spec = workloadSpec(workload);
    const rows = [
      `### ${spec.title}`,
      '',
      `${spec.better === 'higher' ? 'Higher' : 'Lower'} is better. CPU columns: medians over the measured window, % of one core (other = everything else on the machine).`,
      '',
      '| system | median | min – max | verified runs | server CPU | load-gen CPU | other CPU | deliveries per server CPU-s |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    ];
    for (const cell of input.summary.cells.filter((candidate) => candidate.workload === workload)) {
      rows.push(
        `| ${label(cell.system)} | ${formatValue(cell.median, spec.unit)} | ${formatValue(cell.min, spec.unit)} – ${formatValue(cell.max, spec.unit)} | ${cell.ok}/${cell.runs} | ${percent(cell.serverCpuPercent)} | ${percent(cell.loadgenCpuPercent)} | ${percent(cell.otherCpuPercent)} | ${formatValue(cell.deliveriesPerServerCpuSecond, 'deliveries/s')} |`,
      );
    }
    sections.push(rows.join('\n'));
  }
  return sections.join('\n\n');
}

function failures(input: ReportInput): string {
  const failed = input.run.samples.filter((sample) => !sample.ok);
  const lines = failed.map((sample) => `- ${sample.workload} #${sample.repetition + 1} ${sample.system}: ${sample.errors.join(' / ').replace(/\s+/g, ' ').slice(0, 400)}`);
  for (const skip of input.run.skipped) lines.push(`- ${skip.system} skipped: ${skip.reason}`);
  if (input.run.cutShort > 0) lines.push(`- ${input.run.cutShort} runs not started: the time limit was reached`);
  return lines.length === 0 ? 'None: every run completed and every delivery was verified.' : lines.join('\n');
}

/** The full report for bench/results/. */
export function renderReport(input: ReportInput): string {
  return [
    `# broadcast-chat benchmark (${input.mode})`,
    '',
    methodSection(input),
    '',
    input.chart === undefined ? '' : `![benchmark chart](${input.chart})\n`,
    '## Medians',
    '',
    matrixTable(input),
    '',
    '## Ratios',
    '',
    'Hub median ÷ the other system\'s median; in brackets the smallest and largest ratio of runs of the same repetition. For latency and memory, lower is better, so a ratio under 1 favours the hub.',
    '',
    ratioTable(input, 'hub'),
    '',
    ratioTable(input, 'hub-lib'),
    '',
    '## Goals (issue 6)',
    '',
    goalTable(input),
    '',
    '## Details',
    '',
    detailTables(input),
    '',
    '## Failures',
    '',
    failures(input),
    '',
  ].join('\n');
}
