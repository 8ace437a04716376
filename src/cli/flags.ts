import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TextFramingName } from '../protocol/builtin-codecs.js';
import { CONNECT_FLAGS } from './connect-flags.js';
import { isServeOnlyFlag, SERVE_FLAGS } from './serve-flags.js';

/** The framings a console speaks: text ones, since what it reads and prints is text. */
export const CONSOLE_FRAMINGS: readonly TextFramingName[] = ['auto', 'line', 'raw'];

/** A subcommand, as its usage is looked up. */
export type Subcommand = 'serve' | 'connect' | 'hash-password';

/** `--help` (for the whole CLI, or one subcommand) or `--version`. */
export interface InfoCommand {
  readonly command: 'help' | 'version';
  readonly topic?: Subcommand;
}

/** A command line that cannot be run; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  /** The subcommand whose usage should be shown, if known. */
  readonly topic: Subcommand | undefined;

  constructor(message: string, topic?: Subcommand) {
    super(message);
    this.name = 'UsageError';
    this.topic = topic;
  }
}

/** The flags every subcommand's parser knows, so that a flag of the other one is named as such rather than unknown. */
export const COMMON_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  framing: { type: 'string', short: 'f' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  flood: { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  ...CONNECT_FLAGS,
  ...SERVE_FLAGS,
} as const;

/** Runs `parseArgs` over the common flags; a problem is a `UsageError` for `topic`. */
export function parseFlags(argv: readonly string[], topic: 'serve' | 'connect', maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: COMMON_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains well (unknown option, missing value) but suggests '--' escapes that do not apply here.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    throw new UsageError(message, topic);
  }
  if (topic === 'connect') {
    const serveOnly = Object.keys(parsed.values).find(isServeOnlyFlag);
    if (serveOnly !== undefined) throw new UsageError(`--${serveOnly} is an option of serve`, topic);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${parsed.positionals[maxPositionals] ?? ''}'`, topic);
  }
  return { ...parsed.values, positionals: parsed.positionals };
}

/** A host given on the command line, refused when empty. */
export function host(value: string, topic: 'serve' | 'connect'): string {
  if (value.trim() === '') throw new UsageError('the host cannot be empty', topic);
  return value;
}

/** A port given on the command line, from `min` to 65535. */
export function port(text: string, min: number, topic: 'serve' | 'connect'): number {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= 65_535)) {
    throw new UsageError(`invalid port '${text}': expected a number from ${min} to 65535`, topic);
  }
  return value;
}

/** Reads a PEM file named on the command line; one that cannot be read is a usage error, told at once. */
export function readPem(file: string, flag: string, topic: 'serve' | 'connect'): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, topic);
  }
}

/** A console framing given with `--framing`; `auto` when not given. */
export function framing(value: string | undefined, topic: 'serve' | 'connect'): TextFramingName {
  if (value === undefined) return 'auto';
  const found = CONSOLE_FRAMINGS.find((name) => name === value);
  if (found === undefined) throw new UsageError(`invalid framing '${value}': expected one of ${CONSOLE_FRAMINGS.join(', ')}`, topic);
  return found;
}
