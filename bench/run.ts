/**
 * `npm run bench` / `npm run bench:quick`: runs every workload against the hub and the
 * baselines, writes bench/results/<mode>-<time>.{json,md} (and latest-<mode>.*), and in full
 * mode refreshes the generated part of docs/benchmarks.md and its chart.
 *
 * Options: --quick, --systems a,b, --workloads x,y, --repetitions N, --max-minutes M,
 * --full-check, --no-docs, --cpu-prof DIR (profile the hub processes), --out DIR,
 * --nice N (priority of the measured processes; full mode: -10 when allowed).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { snapshotHubBuild } from './hub-build.js';
import { machineInfo } from './machine-info.js';
import { goalTable, matrixTable, methodSection, ratioTable, renderReport, type ReportInput } from './report-markdown.js';
import { runBenchmarks } from './runner.js';
import { summarize } from './summary.js';
import { renderChart } from './svg-chart.js';
import { hubUsesCli, ROOT, SYSTEM_IDS, SYSTEMS, type SystemId } from './systems.js';
import { WORKLOAD_IDS, type WorkloadId } from './workloads.js';

const DOCS = join(ROOT, 'docs', 'benchmarks.md');
const START = '<!-- bench:generated:start -->';
const END = '<!-- bench:generated:end -->';

function list<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((item) => item.trim());
  for (const item of items) if (!(allowed as readonly string[]).includes(item)) throw new Error(`unknown ${what} '${item}'; expected ${allowed.join(', ')}`);
  return items as T[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      systems: { type: 'string' },
      workloads: { type: 'string' },
      repetitions: { type: 'string' },
      'max-minutes': { type: 'string' },
      'full-check': { type: 'boolean', default: false },
      'no-docs': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
      nice: { type: 'string' },
    },
  });
  const mode = values.quick ? 'quick' : 'full';
  const systems = list<SystemId>(values.systems, SYSTEM_IDS, 'system');
  const workloads = list<WorkloadId>(values.workloads, WORKLOAD_IDS, 'workload');
  const repetitions = Number(values.repetitions ?? (mode === 'full' ? 3 : 1));
  const outDir = values.out ?? join(ROOT, 'bench', 'results');
  const profileDir = values['cpu-prof'];
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const build = snapshotHubBuild();
  const command = `npm run ${mode === 'full' ? 'bench' : 'bench:quick'}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  process.stderr.write(`hub build: ${build.files.join(', ') || 'none (src via tsx)'}; ${hubUsesCli(build.dir) ? 'hub through the CLI' : 'hub through bench/servers/hub-server.ts'}\n`);
  try {
    const run = await runBenchmarks({
      mode,
      systems,
      workloads,
      repetitions,
      fullCheck: values['full-check'] || mode === 'quick',
      maxMinutes: Number(values['max-minutes'] ?? (mode === 'full' ? 75 : 5)),
      hubNodeFlags: profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir],
      hubBuild: build.dir,
      quietWaitMs: mode === 'full' ? 2000 : 0,
      niceness: values.nice === undefined ? (mode === 'full' ? -10 : undefined) : Number(values.nice),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    const summary = summarize(run, workloads, systems);
    const machine = machineInfo();
    const hubLaunch = hubUsesCli(build.dir) ? 'node dist/cli.js serve --host 127.0.0.1 --port P --framing line >/dev/null' : 'node --import tsx bench/servers/hub-server.ts';
    const stamp = run.startedAt.replace(/[:.]/g, '-');
    mkdirSync(outDir, { recursive: true });
    const labels = Object.fromEntries(SYSTEMS.map((system) => [system.id, system.label]));
    const title = `broadcast-chat vs baselines — ${machine.cores} cores, server and load generator pinned apart, medians of ${repetitions} (${mode})`;
    const chart = renderChart(summary.cells, systems, labels, title);
    writeFileSync(join(outDir, `${mode}-${stamp}.svg`), chart);
    const input: ReportInput = { mode, command, machine, run, summary, workloads, systems, repetitions, hubLaunch, chart: `${mode}-${stamp}.svg` };
    const json = JSON.stringify({ mode, command, hubLaunch, machine, ...run, summary }, null, 2);
    const markdown = renderReport(input);
    for (const name of [`${mode}-${stamp}`, `latest-${mode}`]) {
      writeFileSync(join(outDir, `${name}.json`), json);
      writeFileSync(join(outDir, `${name}.md`), name.startsWith('latest') ? markdown.replace(`](${mode}-${stamp}.svg)`, `](${mode}-${stamp}.svg)`) : markdown);
    }
    process.stderr.write(`report: ${relative(ROOT, join(outDir, `${mode}-${stamp}.md`))}\n`);
    if (mode === 'full' && !values['no-docs']) {
      writeFileSync(join(ROOT, 'docs', 'benchmarks.svg'), chart);
      updateDocs({ ...input, chart: 'benchmarks.svg' }, relative(join(ROOT, 'docs'), join(outDir, `${mode}-${stamp}.md`)));
      process.stderr.write('docs/benchmarks.md updated\n');
    }
    if (!summary.allVerified) process.stderr.write('some runs failed or were not verified: see the report\n');
    return summary.allVerified ? 0 : 1;
  } finally {
    build.remove();
  }
}

/** Replaces the generated part of docs/benchmarks.md, leaving the hand-written rest alone. */
function updateDocs(input: ReportInput, reportLink: string): void {
  const generated = [
    START,
    '<!-- Written by `npm run bench`; edit outside these markers. -->',
    '',
    methodSection(input),
    `- Full report: [${reportLink}](${reportLink}).`,
    '',
    `![benchmark chart](${input.chart ?? 'benchmarks.svg'})`,
    '',
    '### Medians',
    '',
    matrixTable(input),
    '',
    '### Ratios to the baselines',
    '',
    ratioTable(input, 'hub'),
    '',
    ratioTable(input, 'hub-lib'),
    '',
    '### Goals',
    '',
    goalTable(input),
    '',
    END,
  ].join('\n');
  const current = existsSync(DOCS) ? readFileSync(DOCS, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start === -1 || end === -1 ? `${current.trimEnd()}\n\n${generated}\n` : `${current.slice(0, start)}${generated}${current.slice(end + END.length)}`;
  writeFileSync(DOCS, next);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
