import type { ClusterAdapter, HubOptions } from '../internals.js';
import type { ServeData } from './operator-context.js';
import type { ServeCommand } from './serve-args.js';

/** The settings of `serve` that configure the hub itself. */
export type HubSettings = Omit<ServeCommand, 'command' | 'host' | 'port'>;

/**
 * The `new BroadcastHub()` options `serve` was asked for: each setting under the library's
 * own name, and only those given, so that the library's defaults apply to the rest.
 */
export function serveHubOptions(settings: HubSettings, adapter: ClusterAdapter | undefined): HubOptions<string | Buffer, ServeData> {
  const options: HubOptions<string | Buffer, ServeData> = { framing: settings.framing };
  if (settings.rawNotices !== undefined && settings.chat !== false) options.chat = { rawNotices: settings.rawNotices };
  else if (settings.chat !== undefined) options.chat = settings.chat;
  if (settings.room !== undefined) options.defaultRoom = settings.room;
  if (settings.guestPrefix !== undefined) options.guestPrefix = settings.guestPrefix;
  if (settings.echo !== undefined) options.echo = settings.echo;
  if (settings.operator !== undefined) options.moderation = { operators: { ...settings.operator } };
  // With a cluster adapter the hub keeps it on the broker by itself: serve only says how much.
  if (settings.history !== undefined && settings.history > 0) {
    options.history = settings.historyReplay === undefined ? { messages: settings.history } : { messages: settings.history, replayOnJoin: settings.historyReplay };
  }
  if (settings.maxClients !== undefined) options.maxClients = settings.maxClients;
  if (settings.maxClientsPerAddress !== undefined) options.maxClientsPerAddress = settings.maxClientsPerAddress;
  if (settings.maxMessageBytes !== undefined) options.maxMessageBytes = settings.maxMessageBytes;
  if (settings.oversizedMessage !== undefined) options.oversizedMessage = settings.oversizedMessage;
  if (settings.invalidUtf8 !== undefined) options.invalidUtf8 = settings.invalidUtf8;
  if (settings.maxQueuedBytes !== undefined) options.maxQueuedBytes = settings.maxQueuedBytes;
  if (settings.slowConsumerPolicy !== undefined) options.slowConsumerPolicy = settings.slowConsumerPolicy;
  if (settings.softQueuedBytes !== undefined) options.softQueuedBytes = settings.softQueuedBytes;
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the flag keeps its name: seconds read better on a command line
  if (settings.softQueuedSeconds !== undefined) options.softQueuedSeconds = settings.softQueuedSeconds;
  if (settings.idleTimeout !== undefined) options.idleTimeout = settings.idleTimeout;
  if (settings.partialMessageTimeout !== undefined) options.partialMessageTimeout = settings.partialMessageTimeout;
  if (settings.heartbeatInterval !== undefined) options.heartbeatInterval = settings.heartbeatInterval;
  if (settings.keepAliveDelay !== undefined) options.keepAliveDelay = settings.keepAliveDelay;
  if (settings.closeTimeout !== undefined) options.closeTimeout = settings.closeTimeout;
  if (settings.flood !== undefined) options.flood = settings.flood;
  if (settings.commandRate !== undefined) options.commandRate = settings.commandRate === false ? false : { burst: settings.commandRate.burst, rate: settings.commandRate.rate };
  if (settings.maxPendingMessages !== undefined) options.maxPendingMessages = settings.maxPendingMessages;
  if (settings.maxPendingBytes !== undefined) options.maxPendingBytes = settings.maxPendingBytes;
  if (settings.tls !== undefined) options.tls = { key: settings.tls.key, cert: settings.tls.cert };
  if (settings.handshakeTimeout !== undefined) options.handshakeTimeout = settings.handshakeTimeout;
  if (adapter !== undefined) options.adapter = adapter;
  return options;
}
