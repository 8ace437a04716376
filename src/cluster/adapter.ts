/**
 * The contract between a `BroadcastHub` and whatever joins it to other hubs, in the manner of
 * socket.io's adapters: the hub hands the adapter what must cross hubs (relayed messages, host
 * broadcasts, direct messages to peers elsewhere, presence), and the adapter hands back what
 * other hubs published, for the hub to deliver to its own peers. A hub without an adapter
 * stays a single process and pays nothing for this.
 */
import type { DirectEnvelope, MessageEnvelope } from '../protocol/envelope.js';
import type { BrokerHistoryLimits } from './broker-history.js';
import type { HistoryStore } from './history-store.js';

/** A message body as it crosses hubs: text as is, binary (`'length'` framing) in base64. */
export type ClusterPayload = { readonly text: string } | { readonly base64: string };

/** A peer as other hubs see it: its nickname and the rooms it is in. */
export interface PresenceEntry {
  readonly nick: string;
  readonly rooms: readonly string[];
}

/** A remote peer, with the id of the hub it is connected to. */
export interface RemotePeer extends PresenceEntry {
  readonly hub: string;
}

/**
 * What one hub tells the others. Presence events carry the peer's rooms, so that a receiving
 * hub can announce them without having seen every earlier event.
 */
export type ClusterEvent =
  /** A relayed message: rendered `event` in chat mode, the verbatim `payload` otherwise. */
  | { readonly type: 'message'; readonly room: string; readonly event?: MessageEnvelope; readonly payload?: ClusterPayload }
  /** A chat direct message to a peer on another hub. */
  | { readonly type: 'direct'; readonly event: DirectEnvelope }
  /** The host application's `hub.broadcast()` (every peer) or `hub.to(room).broadcast()`. */
  | { readonly type: 'broadcast'; readonly room?: string; readonly payload: ClusterPayload }
  | { readonly type: 'connect'; readonly nick: string; readonly room: string }
  | { readonly type: 'join'; readonly nick: string; readonly room: string }
  /** `kicked` and `by`: removed by an operator (a kick or a room ban), as a local leave would say. */
  | { readonly type: 'leave'; readonly nick: string; readonly room: string; readonly reason?: string; readonly kicked?: true; readonly by?: string }
  | { readonly type: 'nick'; readonly from: string; readonly nick: string; readonly rooms: readonly string[] }
  | { readonly type: 'disconnect'; readonly nick: string; readonly rooms: readonly string[]; readonly reason?: string }
  /**
   * The sender's whole presence, in answer to `hello`: in one event, or, when it is too big for
   * one broker message, in consecutive parts numbered from 0, all but the last with `more`.
   */
  | { readonly type: 'presence'; readonly peers: readonly PresenceEntry[]; readonly part?: number; readonly more?: boolean }
  /**
   * A hub (re)joined the cluster and asks the others for their presence; with `to`, only the
   * hubs named there answer (a hub that missed some of their events asks them again).
   */
  | { readonly type: 'hello'; readonly to?: readonly string[] }
  /**
   * The heartbeat: the sender is alive. It travels ahead of whatever the sender still has
   * waiting to be published, so that no backlog delays it; `n` (peers) and `m` (room
   * memberships) count its presence when nothing is waiting, so that a receiver can check its
   * copy and ask again if it differs.
   */
  | { readonly type: 'beat'; readonly n?: number; readonly m?: number }
  /** The sender has applied the frames of run `r` of hub `hub` up to number `s`: flow control, see `maxInFlightBytes`. */
  | { readonly type: 'ack'; readonly hub: string; readonly r: string; readonly s: number }
  /** A hub is closing: forget its peers now rather than at expiry. */
  | { readonly type: 'bye' }
  | ModerationEvent;

/**
 * A ban as it crosses hubs. Its expiry is an absolute time (ms since the epoch), so that every
 * hub lifts it at the same moment whenever it heard of it.
 */
export interface WireBan {
  readonly mask: string;
  /** The room it bans from; absent for a ban from the whole hub. */
  readonly room?: string;
  readonly reason: string;
  readonly by: string;
  readonly setAt: number;
  readonly expiresAt?: number;
}

/** A room's topic as it crosses hubs; `text: ''` is a topic cleared. */
export interface WireTopic {
  readonly room: string;
  readonly text: string;
  readonly by: string;
  readonly setAt: number;
}

/**
 * Moderation across hubs. Bans and topics are state every hub keeps (`sync`: sent to a hub
 * that joined, not a new action); kicks and mutes act on one client, so they name the hub it
 * is connected to (`hub`), and only that hub acts.
 */
export type ModerationEvent =
  | { readonly type: 'ban'; readonly ban: WireBan; readonly sync?: true }
  /** `at`: when it was lifted (absent from a hub that did not say: now). */
  | { readonly type: 'unban'; readonly mask: string; readonly room?: string; readonly by: string; readonly at?: number; readonly sync?: true }
  | { readonly type: 'topic'; readonly topic: WireTopic; readonly sync?: true }
  | { readonly type: 'kick'; readonly hub: string; readonly nick: string; readonly room?: string; readonly reason: string; readonly by: string }
  | { readonly type: 'mute'; readonly hub: string; readonly nick: string; readonly expiresAt?: number; readonly by: string }
  | { readonly type: 'unmute'; readonly hub: string; readonly nick: string; readonly by: string };

/**
 * The link's state: `connecting` until first subscribed, `connected`, `disconnected` while the
 * broker is unreachable (local delivery goes on; what crosses hubs meanwhile is lost), and
 * `closed` after `hub.close()`.
 */
export type AdapterStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** What the hub offers its adapter (for those who write their own `ClusterAdapter`). */
export interface AdapterHost {
  /** The hub's own peers, for presence snapshots. */
  localPresence(): PresenceEntry[];
  /**
   * The state this hub shares with the others (bans, topics), as events marked `sync`: sent
   * after its presence to a hub that says `hello`, so that a hub that joins later, or comes
   * back, learns them. Optional: a host without shared state has none.
   */
  sharedState?(): ClusterEvent[];
  /** Delivers an event published by hub `origin` to the local peers it concerns. */
  apply(event: ClusterEvent, origin: string): void;
  /** The link's state changed. */
  status(status: AdapterStatus): void;
  /** Trouble with the broker; the hub goes on. */
  error(error: Error): void;
  /** The adapter can take events again after `publish()` returned `false`: the hub reads from the senders it held back. */
  drained(): void;
}

/**
 * Joins a hub to others. `broadcast-chat/redis` and `broadcast-chat/nats` provide one each;
 * `BrokerAdapter` builds one on any publish/subscribe transport.
 */
export interface ClusterAdapter {
  /** A unique id of this hub in the cluster. */
  readonly hubId: string;
  /** The link's state. */
  readonly status: AdapterStatus;
  /**
   * Binds the adapter to its hub and starts connecting. Called once, by the hub's
   * constructor; an adapter serves one hub.
   */
  attach(host: AdapterHost): void;
  /** Resolves once the adapter is subscribed for the first time, so nothing published after it is missed. */
  ready(): Promise<void>;
  /**
   * Sends an event to every other hub. Fire and forget: at most once, in order per hub. Returns
   * `false` once the adapter's outbound budget is spent (the event is still sent, later): the
   * hub then stops reading from the peer the event came from until `AdapterHost.drained()`.
   */
  publish(event: ClusterEvent): boolean;
  /** Reserves `nick` across the cluster for this hub; resolves `false` when another hub holds it. */
  claimNick(nick: string): Promise<boolean>;
  /** Gives up a nickname this hub claimed. */
  releaseNick(nick: string): void;
  /** A peer on another hub with this nickname (any case), if one is known. */
  findNick(nick: string): RemotePeer | undefined;
  /** Peers on other hubs, as last heard. */
  remotePeers(): RemotePeer[];
  /** Disconnects from the broker, telling the other hubs first. */
  close(): Promise<void>;
  /**
   * A history store in the broker, shared by every hub of the cluster, on this adapter's
   * connection: the hub uses it when it keeps history and was given no `history.store`.
   * `onError` hears of failed writes and reads (the hub reports them as `adapterError`s).
   * Optional: an adapter without it leaves each hub its own history in memory.
   */
  historyStore?(limits: BrokerHistoryLimits, onError: (error: Error) => void): HistoryStore | undefined;
}
