import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { lineMatching, linesOf } from './helpers/chat.js';
import { RawPeer } from './helpers/sockets.js';

const example = fileURLToPath(new URL('../examples/custom-handler.ts', import.meta.url));
const children: ChildProcess[] = [];
const sockets: RawPeer[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(
    children.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
});

/** Starts the example on a free port and resolves with that port. */
function startExample(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', example], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      reject(new Error(`the example did not start: ${output}`));
    }, 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /chat on [\d.]+:(\d+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited with ${String(code)}: ${output}`));
    });
  });
}

describe('examples/custom-handler.ts', () => {
  it('rolls dice for the room and filters words', async () => {
    const port = await startExample();
    const alice = await RawPeer.connect(port);
    sockets.push(alice);
    await lineMatching(alice, 'welcome', 5000);
    alice.write('/nick alice\n');
    await lineMatching(alice, 'known as alice');
    const bob = await RawPeer.connect(port);
    sockets.push(bob);
    await lineMatching(bob, 'welcome', 5000);

    alice.write('/roll 3d6\n');
    const rolled = await lineMatching(bob, 'rolls 3d6');
    const match = /^\* alice rolls 3d6: (\d) \+ (\d) \+ (\d) = (\d+)$/.exec(rolled);
    expect(match).not.toBeNull();
    const [one, two, three, total] = (match ?? []).slice(1).map(Number) as [number, number, number, number];
    for (const die of [one, two, three]) expect(die).toBeGreaterThanOrEqual(1);
    for (const die of [one, two, three]) expect(die).toBeLessThanOrEqual(6);
    expect(total).toBe(one + two + three);
    expect(await lineMatching(alice, 'you 3d6')).toMatch(/^\* you 3d6: /);

    alice.write('/roll 0d0\n');
    expect(await lineMatching(alice, 'usage')).toBe('! usage: /roll NdM, e.g. /roll 2d6');

    alice.write('well darn it, HECK\n');
    expect(await lineMatching(bob, 'well')).toBe('alice: well **** it, ****');
    expect(linesOf(bob).some((line) => /darn|heck/i.test(line))).toBe(false);
  });
});
