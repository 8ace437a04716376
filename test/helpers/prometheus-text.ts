/**
 * Reading what a `/metrics` endpoint serves the way Prometheus would: parsed by
 * `parse-prometheus-text-format` (a port of Prometheus's text parsers), then held to the rules
 * that parser is lenient about, so that a scrape Prometheus would reject fails the test.
 */
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A parsed exposition, with lookups by metric name and labels. */
export class Exposition {
  readonly families: readonly ParsedFamily[];

  constructor(text: string) {
    this.families = parsePrometheusTextFormat(text);
    checkRules(text, this.families);
  }

  /** The family called `name`, or `undefined`. */
  family(name: string): ParsedFamily | undefined {
    return this.families.find((family) => family.name === name);
  }

  /**
   * The value of the one sample of `name` whose labels are exactly `labels` plus `common`;
   * throws when there is none, so that a missing series fails the test with its name.
   */
  value(name: string, labels: Readonly<Record<string, string>> = {}, common: Readonly<Record<string, string>> = {}): number {
    const family = this.family(name);
    if (family === undefined) throw new Error(`no metric ${name}`);
    const wanted = { ...common, ...labels };
    const sample = family.metrics.find((candidate) => sameLabels(candidate.labels ?? {}, wanted));
    if (sample === undefined) throw new Error(`no sample ${name}${JSON.stringify(wanted)}; have ${JSON.stringify(family.metrics)}`);
    return numberOf(sample.value);
  }
}

/** Fetches and parses `http://127.0.0.1:<port>/metrics`, checking the status and content type. */
export async function scrape(port: number): Promise<Exposition> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}: ${text}`);
  const type = response.headers.get('content-type');
  if (type !== 'text/plain; version=0.0.4; charset=utf-8') throw new Error(`/metrics has content type ${String(type)}`);
  return new Exposition(text);
}

/** GETs `path` on the metrics port; returns the status and body. */
export async function probe(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

/** A sample's value as the text format writes it: `+Inf`, `-Inf` and `NaN` included. */
function numberOf(value: string): number {
  if (value === '+Inf') return Infinity;
  if (value === '-Inf') return -Infinity;
  return Number(value);
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** What Prometheus insists on and the parser lets through. */
function checkRules(text: string, families: readonly ParsedFamily[]): void {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`bad metric name ${family.name}`);
    if (seen.has(family.name)) throw new Error(`metric ${family.name} appears twice`);
    seen.add(family.name);
    if (family.type === 'UNTYPED') throw new Error(`metric ${family.name} has no TYPE (or a sample outside its family)`);
    if (family.help === '') throw new Error(`metric ${family.name} has no HELP`);
    if (family.type === 'COUNTER' && !family.name.endsWith('_total')) throw new Error(`counter ${family.name} does not end in _total`);
    const series = new Set<string>();
    for (const sample of family.metrics) {
      const value = sample.value;
      if (!/^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/.test(value)) throw new Error(`${family.name} has the value ${JSON.stringify(value)}`);
      if (family.type === 'COUNTER' && !(numberOf(value) >= 0)) throw new Error(`counter ${family.name} is ${value}`);
      const labels = sample.labels ?? {};
      for (const name of Object.keys(labels)) if (!LABEL_NAME.test(name)) throw new Error(`${family.name} has the label name ${name}`);
      const key = JSON.stringify(Object.entries(labels).sort());
      if (series.has(key)) throw new Error(`${family.name}${key} appears twice`);
      series.add(key);
    }
  }
}
