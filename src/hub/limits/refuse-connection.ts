import type { Duplex } from 'node:stream';
import { END_GRACE_MS } from '../../defaults.js';
import type { Farewell } from '../../protocol/farewell.js';
import type { Protocol } from '../../protocol/protocol.js';

/**
 * Turns away a connection the hub will not serve (no `Peer` is created): says why in the
 * hub's protocol's refusal (`! server full (10000 clients)` for text, a `bye` envelope for
 * `json`, nothing for `length` and custom framings, which have no room for a notice), ends it
 * at once, and destroys the socket shortly after, so a client that keeps its half open (`nc`)
 * does not hold the slot. What it sends meanwhile is read and discarded: closing over unread
 * input would reset the connection and could lose the line.
 * @internal
 */
export function refuseConnection(socket: Duplex, protocol: Protocol<unknown>, farewell: Farewell): void {
  socket.on('error', ignore);
  socket.resume();
  const frame = protocol.refusal(farewell);
  if (frame === undefined) socket.end();
  else socket.end(frame);
  setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
}

function ignore(): void {
  // A refused client that resets is of no concern.
}
