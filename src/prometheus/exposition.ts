/**
 * The Prometheus text exposition format, version 0.0.4: what every Prometheus server, the
 * OpenTelemetry Collector's Prometheus receiver, VictoriaMetrics and the rest scrape, and what
 * prom-client's `register.metrics()` writes too (so the two can be served as one).
 */

/** The `Content-Type` of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One value of a metric, with its labels. */
export interface MetricSample {
  /** Label names and values; names match `[a-zA-Z_][a-zA-Z0-9_]*`, values are any text. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A metric and its values: what one `# HELP` and `# TYPE` pair introduce. */
export interface MetricFamily {
  /** The metric's name, `_total` included for counters. */
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly samples: readonly MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether `name` may name a metric (or start one's name, as a prefix may). */
export function isMetricName(name: string): boolean {
  return NAME.test(name);
}

/** Whether `name` may name a label (names starting with `__` are Prometheus's own). */
export function isLabelName(name: string): boolean {
  return LABEL.test(name) && !name.startsWith('__');
}

/**
 * Writes families in the text format. Every line ends with a newline, the last included, so
 * that the text can be appended to another exposition (prom-client's) as it is.
 */
export function formatExposition(families: readonly MetricFamily[]): string {
  let text = '';
  for (const family of families) {
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) text += `${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
  }
  return text;
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return '';
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Room names and reasons come from people and programs: a quote or a newline must not end the value. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
