import { ModerationError } from './moderation-error.js';

/** Milliseconds per unit of a duration: `s`, `m`, `h`, `d`, `w`. */
const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest ban or mute a duration may ask for: a year (longer is "until lifted": give none). */
export const MAX_DURATION_MS = 366 * 86_400_000;

const DURATION = /^(\d{1,6})([smhdw])$/;

/** Whether `text` reads as a duration (`30s`, `10m`, `2h`, `7d`, `1w`). */
export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/**
 * Reads a duration such as `10m` or `2h` into milliseconds, or takes a number of milliseconds
 * as it is. Throws a `ModerationError` (`ERR_BAD_DURATION`) for anything else, for zero, and
 * for more than a year.
 */
export function parseDuration(value: string | number): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else {
    const match = DURATION.exec(value);
    if (match === null) throw new ModerationError('ERR_BAD_DURATION', `not a duration: '${value.slice(0, 32)}' (say 30s, 10m, 2h, 7d or 1w)`);
    ms = Number(match[1]) * (UNITS[match[2] ?? 's'] ?? 1000);
  }
  if (!Number.isFinite(ms) || ms <= 0) throw new ModerationError('ERR_BAD_DURATION', 'a duration must be more than zero');
  if (ms > MAX_DURATION_MS) throw new ModerationError('ERR_BAD_DURATION', 'a duration may be at most a year (give none to last until lifted)');
  return ms;
}

/** A duration for people: `10m`, `2h`, `90s`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['w', UNITS.w], ['d', UNITS.d], ['h', UNITS.h], ['m', UNITS.m]] as const) {
    if (size !== undefined && ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.ceil(ms / 1000)}s`;
}

/** Time left, for people, rounded up to its largest unit: `45s`, `10m`, `2h`, `3d`. */
export function formatRemaining(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))}s`;
  if (ms < 3_600_000) return `${Math.ceil(ms / 60_000)}m`;
  if (ms < 86_400_000) return `${Math.ceil(ms / 3_600_000)}h`;
  return `${Math.ceil(ms / 86_400_000)}d`;
}
