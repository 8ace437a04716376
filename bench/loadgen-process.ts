import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ownSession, pinned, prioritise, type CpuPinning } from './cpu-pinning.js';
import type { Job, LoadgenEvent, LoadgenResult, MarkName } from './protocol.js';
import { ROOT } from './systems.js';

/** How the runner takes part in a load-generator run. */
export interface LoadgenOptions {
  readonly pinning: CpuPinning | null;
  /** Kill the load generator after this long. */
  readonly timeoutMs: number;
  /** Called at each mark with the load generator's pid; for idle-memory marks it waits until this resolves. */
  onMark(name: MarkName, pid: number): Promise<void> | void;
}

/** Runs `job` in a fresh load-generator process on the load-generator core. */
export function runLoadgen(job: Job, options: LoadgenOptions): Promise<LoadgenResult> {
  const { command, args } = pinned(options.pinning, 'loadgen', process.execPath, [
    '--import',
    'tsx',
    join(ROOT, 'bench', 'loadgen', 'main.ts'),
    JSON.stringify(job),
  ]);
  const child = spawn(command, args, { cwd: ROOT, detached: ownSession(options.pinning), stdio: ['pipe', 'pipe', 'pipe'] });
  prioritise(options.pinning, child.pid);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let outcome: LoadgenResult | Error | undefined;
    const timer = setTimeout(() => {
      outcome ??= new Error(`load generator timed out after ${options.timeoutMs} ms`);
      child.kill('SIGKILL');
    }, options.timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let event: LoadgenEvent;
      try {
        event = JSON.parse(line) as LoadgenEvent;
      } catch {
        return;
      }
      if (event.event === 'result') outcome ??= event.result;
      else if (event.event === 'failed') outcome ??= new Error(event.error);
      else {
        const name = event.name;
        Promise.resolve(options.onMark(name, child.pid ?? 0)).then(
          () => {
            if (name.startsWith('idle')) child.stdin.write('continue\n');
          },
          (error: unknown) => {
            outcome ??= error instanceof Error ? error : new Error(String(error));
            child.kill('SIGKILL');
          },
        );
      }
    });
    child.stdin.on('error', () => undefined);
    child.once('error', (error) => {
      outcome ??= error;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (outcome === undefined) reject(new Error(`load generator exited with ${code} and no result\n${stderr}`));
      else if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    });
  });
}
