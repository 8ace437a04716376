import { readFileSync } from 'node:fs';

/** Ticks per second of /proc/<pid>/stat times; 100 on every Linux Node supports. */
const CLOCK_TICKS = 100;

/** Resident memory of a process in bytes, from /proc (`null` off Linux or once it is gone). */
export function residentBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used, in milliseconds (`null` off Linux or once it is gone). */
export function cpuMilliseconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return ((user + system) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * CPU time all processes have used on the machine, in ms: user, nice and system time of
 * every core from /proc/stat (interrupt time left out). With the server's and the load
 * generator's own times it shows how much else ran during a measurement.
 */
export function machineBusyMilliseconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user, nice, system] = line.trim().split(/\s+/).slice(1, 4).map(Number);
    if (user === undefined || nice === undefined || system === undefined) return null;
    return ((user + nice + system) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
