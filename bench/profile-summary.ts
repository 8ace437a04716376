/**
 * Summarises `.cpuprofile` files written by `npm run bench -- --cpu-prof DIR`: self time
 * per function, heaviest first, so the hub's hot path can be read without DevTools.
 *
 *   tsx bench/profile-summary.ts DIR [top=30]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: tsx bench/profile-summary.ts DIR [top]');
const top = Number(process.argv[3] ?? 30);
const selfMicros = new Map<string, number>();
let total = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const names = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    names.set(node.id, `${functionName === '' ? '(anonymous)' : functionName}${where}`);
  }
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const name = names.get(id) ?? '?';
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
    total += delta;
  });
}
const rows = [...selfMicros.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [name, micros] of rows) process.stdout.write(`${((micros * 100) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}\n`);
