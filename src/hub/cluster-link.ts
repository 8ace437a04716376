import { nickSkeleton } from '../protocol/names.js';
import type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, ClusterPayload, PresenceEntry } from '../cluster/adapter.js';
import type { ChatMode } from './chat/chat-mode.js';
import type { ChatEvent, DirectEnvelope, MessageEnvelope } from '../protocol/envelope.js';
import { FrameCache } from '../transport/frame-cache.js';
import type { NicknameRegistry } from './nicknames.js';
import { PAUSED_BY_CLUSTER, type Peer } from './peer.js';
import type { RoomRegistry } from './rooms.js';
import { ClusterUnavailableError } from '../cluster/cluster-error.js';
import { isModerationType, readModeration } from '../cluster/moderation-wire.js';
import type { KickDetail } from './membership.js';
import type { HubModeration } from './moderation/moderation.js';

/**
 * The parts of a hub the link reads and delivers to.
 * @internal
 */
export interface LinkedHub<D> {
  readonly peers: ReadonlySet<Peer<D>>;
  readonly rooms: RoomRegistry<Peer<D>>;
  readonly nicknames: NicknameRegistry<Peer<D>>;
  /** Guest names start with this and a `-`; any other name a peer connects with (from authentication) is claimed. */
  readonly guestPrefix: string;
  readonly chat: ChatMode<D> | undefined;
  readonly moderation: HubModeration<D>;
  status(status: AdapterStatus): void;
  error(error: Error): void;
}

/**
 * A hub's side of its cluster adapter: turns what happens on the hub into cluster events, and
 * cluster events from other hubs into deliveries to local peers. The hub calls it only when it
 * has an adapter, so a single hub pays nothing.
 * @internal
 */
export class ClusterLink<D> implements AdapterHost {
  readonly adapter: ClusterAdapter;
  private readonly hub: LinkedHub<D>;
  /**
   * Peers the hub stopped reading from because what they sent found the adapter's outbound
   * budget spent: read from again when it drains. Pausing the sender, rather than dropping,
   * keeps the broker's subscribers under their limits and loses nothing.
   */
  private readonly held = new Set<Peer<D>>();

  constructor(adapter: ClusterAdapter, hub: LinkedHub<D>) {
    this.adapter = adapter;
    this.hub = hub;
    // Moderation tells the other hubs its bans and topics, and finds clients there to kick or mute.
    hub.moderation.cluster = {
      hubId: adapter.hubId,
      findRemote: (nick) => adapter.findNick(nick),
      share: (event) => {
        // Not held back for it: an operator's action is a few bytes, and never waits behind a sender.
        adapter.publish(event);
      },
    };
    adapter.attach(this);
  }

  // What this hub tells the others.

  /** A plain (not chat) relay of `message` to `room`, sent by `from` when a peer sent it. */
  relayed(room: string, message: unknown, from?: Peer<D>): void {
    if (!this.adapter.publish({ type: 'message', room, payload: toPayload(message) })) this.hold(from);
  }

  /** A chat message or direct message, as chat mode rendered it. */
  chatRelayed(event: MessageEnvelope | DirectEnvelope): void {
    if (!this.adapter.publish(event.type === 'message' ? { type: 'message', room: event.room, event } : { type: 'direct', event })) {
      this.hold(this.hub.nicknames.find(event.sender));
    }
  }

  /** `hub.broadcast()` (no room) or `hub.to(room).broadcast()`. */
  broadcast(message: unknown, room?: string): void {
    this.adapter.publish(room === undefined ? { type: 'broadcast', payload: toPayload(message) } : { type: 'broadcast', room, payload: toPayload(message) });
  }

  connected(peer: Peer<D>): void {
    // Not held back for it: connecting is not something the client sent.
    this.adapter.publish({ type: 'connect', nick: peer.nick, room: peer.room });
    // A name given by authentication (not a guest name) is claimed like a renamed one.
    if (!peer.nick.startsWith(`${this.hub.guestPrefix}-`)) this.claimInBackground(peer.nick, 'given by authentication');
  }

  joined(peer: Peer<D>, room: string): void {
    if (!this.adapter.publish({ type: 'join', nick: peer.nick, room })) this.hold(peer);
  }

  /** `peer` left `room`; `kick` when an operator removed it (a kick, a room ban), which the other hubs show so. */
  left(peer: Peer<D>, room: string, kick?: KickDetail): void {
    const event: ClusterEvent =
      kick === undefined ? { type: 'leave', nick: peer.nick, room } : kick.reason === '' ? { type: 'leave', nick: peer.nick, room, kicked: true, by: kick.by } : { type: 'leave', nick: peer.nick, room, kicked: true, by: kick.by, reason: kick.reason };
    if (!this.adapter.publish(event)) this.hold(peer);
  }

  renamed(peer: Peer<D>, previous: string): void {
    if (!this.adapter.publish({ type: 'nick', from: previous, nick: peer.nick, rooms: [...peer.rooms] })) this.hold(peer);
    // A change of case or look keeps the same claim: only a new skeleton frees the old one.
    if (nickSkeleton(previous) !== nickSkeleton(peer.nick)) this.adapter.releaseNick(previous);
    // A name set with `peer.setNick()` skipped the cluster check: claim it now, and say so if
    // another hub had it (the `/nick` command claims before renaming: then this finds it claimed).
    this.claimInBackground(peer.nick, 'set with setNick()');
  }

  /** Claims a name the hub already gave, reporting (it cannot refuse any more) when another hub holds it. */
  private claimInBackground(nick: string, how: string): void {
    this.adapter.claimNick(nick).then(
      (ok) => {
        if (!ok) this.hub.error(new ClusterUnavailableError('cluster', `nickname '${nick}' ${how} is also held on another hub`));
      },
      () => undefined,
    );
  }

  disconnected(peer: Peer<D>, rooms: readonly string[], reason: string | undefined): void {
    this.held.delete(peer);
    this.adapter.publish(reason === undefined ? { type: 'disconnect', nick: peer.nick, rooms } : { type: 'disconnect', nick: peer.nick, rooms, reason });
    this.adapter.releaseNick(peer.nick);
  }

  /** Stops reading from `peer` until the adapter drains (messages the host application relays, with no peer, cannot wait so). */
  private hold(peer: Peer<D> | undefined): void {
    if (peer === undefined || !peer.isOpen || this.held.has(peer)) return;
    this.held.add(peer);
    peer.pauseReading(PAUSED_BY_CLUSTER);
  }

  close(): Promise<void> {
    return this.adapter.close();
  }

  // AdapterHost: what the others tell this hub.

  localPresence(): PresenceEntry[] {
    const entries: PresenceEntry[] = [];
    for (const peer of this.hub.peers) entries.push({ nick: peer.nick, rooms: [...peer.rooms] });
    return entries;
  }

  sharedState(): ClusterEvent[] {
    return this.hub.moderation.sharedState();
  }

  apply(event: ClusterEvent, origin = 'unknown'): void {
    const { rooms, chat } = this.hub;
    const ts = Date.now();
    if (isModerationType(event.type)) {
      this.moderate(event, origin);
      return;
    }
    switch (event.type) {
      case 'message':
        if (chat !== undefined && event.event !== undefined) chat.deliverRemote(rooms.membersOf(event.room), event.event, false);
        else if (chat === undefined && event.payload !== undefined) deliverFrames(rooms.membersOf(event.room), fromPayload(event.payload));
        return;
      case 'direct': {
        const peer = this.hub.nicknames.find(event.event.to);
        if (peer !== undefined && chat !== undefined) chat.deliverRemote([peer], event.event, false);
        return;
      }
      case 'broadcast':
        deliverFrames(event.room === undefined ? this.hub.peers : rooms.membersOf(event.room), fromPayload(event.payload));
        return;
      case 'connect':
      case 'join':
        this.notice(rooms.membersOf(event.room), { v: 1, type: 'join', nick: event.nick, room: event.room, ts });
        return;
      case 'leave':
        this.notice(rooms.membersOf(event.room), event.kicked === true && typeof event.by === 'string' ? kickedEvent(event.nick, event.room, event.by, event.reason, ts) : leaveEvent(event.nick, event.room, event.reason, ts));
        return;
      case 'nick': {
        const audience = new Set<Peer<D>>();
        for (const room of event.rooms) for (const member of rooms.membersOf(room)) audience.add(member);
        this.notice(audience, { v: 1, type: 'nick', from: event.from, nick: event.nick, ts });
        return;
      }
      case 'disconnect':
        for (const room of event.rooms) this.notice(rooms.membersOf(room), leaveEvent(event.nick, room, event.reason, ts));
        return;
      default:
        return;
    }
  }

  /**
   * A ban, topic, kick or mute from hub `origin`, checked field by field before moderation
   * applies it: one that is malformed, or that this hub cannot take (a full ban list), is
   * ignored and reported as an `adapterError`, never thrown.
   */
  private moderate(event: unknown, origin: string): void {
    const type = String((event as { type?: unknown }).type).slice(0, 16);
    try {
      this.hub.moderation.applyRemote(readModeration(event), origin);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.hub.error(new ClusterUnavailableError('cluster', `ignored a '${type}' event from hub ${origin.slice(0, 64)}: ${why}`, error));
    }
  }

  status(status: AdapterStatus): void {
    this.hub.status(status);
  }

  drained(): void {
    const held = [...this.held];
    this.held.clear();
    for (const peer of held) peer.resumeReading(PAUSED_BY_CLUSTER);
  }

  error(error: Error): void {
    this.hub.error(error);
  }

  private notice(members: Iterable<Peer<D>>, event: ChatEvent): void {
    this.hub.chat?.deliverRemote(members, event, true);
  }
}

function leaveEvent(nick: string, room: string, reason: string | undefined, ts: number): ChatEvent {
  return reason === undefined ? { v: 1, type: 'leave', nick, room, ts } : { v: 1, type: 'leave', nick, room, ts, reason };
}

function kickedEvent(nick: string, room: string, by: string, reason: string | undefined, ts: number): ChatEvent {
  return reason === undefined || reason === '' ? { v: 1, type: 'leave', nick, room, ts, kicked: true, by } : { v: 1, type: 'leave', nick, room, ts, kicked: true, by, reason };
}

function toPayload(message: unknown): ClusterPayload {
  if (typeof message === 'string') return { text: message };
  return { base64: Buffer.from(message as Uint8Array).toString('base64') };
}

function fromPayload(payload: ClusterPayload): FrameCache {
  return new FrameCache('text' in payload ? payload.text : Buffer.from(payload.base64, 'base64'));
}

function deliverFrames<D>(members: Iterable<Peer<D>>, frames: FrameCache): void {
  for (const peer of members) peer.deliver(frames.frameFor(peer.frameEncoder));
}
