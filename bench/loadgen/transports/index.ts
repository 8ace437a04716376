import type { ClientProtocol } from '../../protocol.js';
import type { Transport, TransportContext } from '../transport.js';
import { lineTransport } from './line.js';
import { natsTransport } from './nats.js';
import { redisTransport } from './redis.js';
import { socketioTransport } from './socketio.js';
import { wsTransport } from './ws.js';

const factories: Readonly<Record<ClientProtocol, (context: TransportContext) => Transport>> = {
  line: lineTransport,
  redis: redisTransport,
  nats: natsTransport,
  ws: wsTransport,
  socketio: socketioTransport,
};

/** The transport for the target's protocol. */
export function createTransport(context: TransportContext): Transport {
  return factories[context.target.protocol](context);
}
