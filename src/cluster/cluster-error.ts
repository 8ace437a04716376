import { BroadcastChatError } from '../errors.js';

/**
 * Something that needs the broker could not be done because the broker is unreachable (a
 * nickname claim while disconnected), or the broker refused a command. Local delivery is not
 * affected; the hub reports these as `adapterError` or, for a `/nick`, answers the sender.
 */
export class ClusterUnavailableError extends BroadcastChatError {
  /** The broker's name: `redis`, `nats`, `memory`. */
  readonly broker: string;

  constructor(broker: string, message: string, cause?: unknown) {
    super('ERR_CLUSTER_UNAVAILABLE', `${broker}: ${message}`, cause === undefined ? undefined : { cause });
    this.broker = broker;
  }
}
