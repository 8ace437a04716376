/** Types of `parse-prometheus-text-format` (it ships none): a port of Prometheus's own text parsers. */
declare module 'parse-prometheus-text-format' {
  /** One sample of a counter, gauge or untyped metric. */
  export interface ParsedSample {
    readonly value: string;
    readonly labels?: Readonly<Record<string, string>>;
  }
  /** One metric family, as prom2json writes it. */
  export interface ParsedFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly ParsedSample[];
  }
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
