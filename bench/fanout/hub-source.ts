import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../systems.js';

/**
 * Which code the hub's benchmark server runs, as its script decides (bench/servers/hub-irc-server.ts,
 * hub-ws-server.ts): the build when dist/ has the door's entry and the core's, else src/ through
 * tsx. Said in the report, since a stale build measures old code and src/ through tsx is not what ships.
 */
export function hubSource(door: 'irc' | 'websocket'): string {
  const entry = join(ROOT, 'dist', `${door}.js`);
  if (!existsSync(entry) || !existsSync(join(ROOT, 'dist', 'index.js'))) return 'src/ through tsx (no build in dist/)';
  return `dist/ (built ${statSync(entry).mtime.toISOString()})`;
}
