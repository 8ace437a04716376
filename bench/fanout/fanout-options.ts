import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../systems.js';
import { planPinning } from './fanout-pinning.js';
import type { FanoutSettings } from './measure-fanout.js';

/** The command-line options both fan-out benchmarks take (`parseArgs` form); the header of each script says what they do. */
export const FANOUT_OPTIONS = {
  receivers: { type: 'string', default: '100,1000' },
  seconds: { type: 'string', default: '3' },
  warmup: { type: 'string', default: '1' },
  window: { type: 'string', default: '64' },
  rounds: { type: 'string', default: '1' },
  loadgens: { type: 'string' },
  'no-pin': { type: 'boolean', default: false },
  nice: { type: 'string' },
  'quiet-wait': { type: 'string', default: '5000' },
  'max-other': { type: 'string', default: '25' },
  out: { type: 'string' },
  systems: { type: 'string' },
} as const;

/** The options as parsed. */
export interface FanoutValues {
  readonly receivers: string;
  readonly seconds: string;
  readonly warmup: string;
  readonly window: string;
  readonly rounds: string;
  readonly loadgens?: string | undefined;
  readonly 'no-pin': boolean;
  readonly nice?: string | undefined;
  readonly 'quiet-wait': string;
  readonly 'max-other': string;
  readonly out?: string | undefined;
  readonly systems?: string | undefined;
}

/** Everything a fan-out run needs besides its systems. */
export interface FanoutRun {
  readonly receiverCounts: readonly number[];
  readonly rounds: number;
  readonly settings: FanoutSettings;
  readonly outDir: string;
  /** System ids to run, or `undefined` for all. */
  readonly systems: ReadonlySet<string> | undefined;
}

function positive(name: string, value: string, integer = true): number {
  const number = Number(value);
  if (!(number > 0) || (integer && !Number.isInteger(number))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  return number;
}

/**
 * Reads the options. Receiver processes default to one per core left after the server's (one
 * on two cores: a second would only share that core with the first).
 */
export function fanoutRun(values: FanoutValues): FanoutRun {
  const loadgens = values.loadgens === undefined ? Math.max(1, availableParallelism() - 1) : positive('loadgens', values.loadgens);
  return {
    receiverCounts: values.receivers.split(',').map((count) => positive('receivers', count)),
    rounds: positive('rounds', values.rounds),
    settings: {
      window: positive('window', values.window),
      warmupMs: positive('warmup', values.warmup, false) * 1000,
      measureMs: positive('seconds', values.seconds, false) * 1000,
      loadgens,
      pinning: planPinning(!values['no-pin'], values.nice === undefined ? undefined : Number(values.nice)),
      quietWaitMs: Number(values['quiet-wait']),
      maxOtherPercent: Number(values['max-other']),
    },
    outDir: values.out ?? join(ROOT, 'bench', 'results'),
    systems: values.systems === undefined ? undefined : new Set(values.systems.split(',')),
  };
}
