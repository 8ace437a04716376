import { randomBytes } from 'node:crypto';
import type { ClusterEvent, ModerationEvent, RemotePeer, WireBan, WireTopic } from '../../cluster/adapter.js';
import type { Farewell } from '../../protocol/farewell.js';
import { assertRoomName } from '../../protocol/names.js';
import type { Admission } from '../limits/admission.js';
import type { Membership } from '../membership.js';
import type { Peer } from '../peer.js';
import type { BanEntry } from './ban-list.js';
import { BanList } from './ban-list.js';
import { BanRule } from './ban-rule.js';
import { formatDuration, formatRemaining, parseDuration } from './duration.js';
import { wireBan, wireBy, type ModerationCluster } from './moderation-cluster.js';
import { ModerationError } from './moderation-error.js';
import { resolveModeration, type ModerationOptions, type ResolvedModeration } from './moderation-options.js';
import { OperAttempts } from './oper-attempts.js';
import { verifyOperatorPassword } from './operator-password.js';
import { TopicBook, type RoomTopic } from './topics.js';

/** Who acts when the application does: the name shown as `by`. */
const SERVER = 'server';
/** Longest reason kept, in characters. */
const MAX_REASON_LENGTH = 200;
/** Most operator passwords hashed at once, hub-wide: scrypt runs on libuv's few threads, which DNS and files share. */
const MAX_OPER_CHECKS = 2;

/** Options of `hub.moderation.kick()`. */
export interface KickOptions {
  /** The room to remove the client from. Default: the room it talks in. */
  room?: string | undefined;
  /** Why, shown to everyone in the room. */
  reason?: string | undefined;
  /** Who kicks, shown as `by`. Default `server`. */
  by?: string | undefined;
}

/** Options of `hub.moderation.ban()`. */
export interface BanOptions {
  /** Ban from this room only (IRC `MODE #room +b`). Default: from the whole hub. */
  room?: string | undefined;
  /** How long: `10m`, `2h`, `7d`, or milliseconds. Default: until `unban()`. */
  duration?: string | number | undefined;
  /** Why, told to whoever the ban refuses. */
  reason?: string | undefined;
  /** Who bans, shown as `by`. Default `server`. */
  by?: string | undefined;
}

/** Options of `hub.moderation.mute()`. */
export interface MuteOptions {
  /** How long: `10m`, `2h`, or milliseconds. Default: until `unmute()` or the client leaves. */
  duration?: string | number | undefined;
  /** Who mutes, shown as `by`. Default `server`. */
  by?: string | undefined;
}

/**
 * What moderation says through chat mode: its replies and refusals, a banned client's quit
 * reason, a topic's change. (Chat mode is this; it reads the moderation, so moderation names only
 * what it needs of it.) @internal
 */
export interface ModerationChat<D> {
  reply(peer: Peer<D>, text: string): boolean;
  refuse(peer: Peer<D>, code: string, message: string): boolean;
  setQuitReason(peer: Peer<D>, reason: string): void;
  announceTopic(room: string, topic: RoomTopic | undefined, by: string): void;
}

/** Who moderation events and refusals name, and where they go. @internal */
export interface ModerationHost<D> {
  readonly members: Membership<D>;
  readonly chat: ModerationChat<D> | undefined;
  readonly admission: Admission;
  /** Emits a hub event (`kick`, `ban`, `unban`, `mute`, `unmute`, `topic`, `operator`); a listener that throws is the hub's `error`. */
  emit(event: string, args: readonly unknown[]): void;
}

interface Mute {
  readonly expiresAt: number | undefined;
  readonly by: string;
}

/**
 * The hub's moderation, the same for every kind of client: operators, kicks, bans (of the hub
 * and of rooms, by nickname, mask or address, with expiry), mutes and room topics. Clients
 * reach it through the chat commands (`/kick`, `/ban`...), their JSON envelopes and IRC's
 * verbs; the application through `hub.moderation`. In a cluster, bans and topics are told to
 * every hub, which each keep and enforce them, and a kick or mute of a client on another hub
 * goes to that hub.
 */
export class HubModeration<D = Record<string, unknown>> {
  private readonly host: ModerationHost<D>;
  private readonly options: ResolvedModeration;
  private readonly hubBans: BanList;
  private readonly roomBans = new Map<string, BanList>();
  private readonly mutes = new Map<Peer<D>, Mute>();
  private readonly topics = new TopicBook();
  private readonly attempts: OperAttempts;
  /** Operator passwords being hashed now. */
  private checking = 0;
  /** A hash no password matches: an unknown operator name costs as much as a wrong password. */
  private readonly decoy = `scrypt$16384$8$1$${randomBytes(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`;
  /** The other hubs, when the hub has an adapter (set by its cluster link). @internal */
  cluster: ModerationCluster | undefined;

  /** @internal */
  constructor(host: ModerationHost<D>, options: ModerationOptions | undefined) {
    this.host = host;
    this.options = resolveModeration(options);
    this.hubBans = new BanList(this.options.maxBans, Date.now);
    this.attempts = new OperAttempts(this.options.operRate);
    host.members.guard = this;
    host.admission.screen = (address) => this.screen(address);
  }

  // ---- operators ----

  /** Whether `peer` is an operator (the same as `peer.operator`). */
  isOperator(peer: Peer<D>): boolean {
    return peer.operator;
  }

  /** Makes `peer` an operator (or, with `false`, no longer one); emits `operator` when that changes. */
  setOperator(peer: Peer<D>, operator = true): void {
    if (peer.operator === operator) return;
    peer.markOperator(operator);
    this.host.chat?.reply(peer, operator ? 'you are now an operator' : 'you are no longer an operator');
    this.host.emit('operator', [peer, operator]);
  }

  /** Whether operator accounts are configured (`moderation.operators`). */
  get hasOperatorAccounts(): boolean {
    return this.options.operators.size > 0;
  }

  /**
   * `/oper NAME PASSWORD`: makes `peer` an operator when the password matches the account's
   * hash. Throws `ERR_OPER_FAILED` for a wrong name or password, and when the peer's address
   * has tried too often (`moderation.operRate`), before any hashing.
   * @internal
   */
  async operate(peer: Peer<D>, name: string, password: string): Promise<void> {
    if (!this.attempts.admit(peer.remoteAddress)) throw new ModerationError('ERR_OPER_FAILED', 'too many operator password attempts: wait and try again');
    if (this.checking >= MAX_OPER_CHECKS) throw new ModerationError('ERR_OPER_FAILED', 'the server is busy checking operator passwords: try again');
    const hash = this.options.operators.get(name);
    this.checking += 1;
    let ok: boolean;
    try {
      ok = await verifyOperatorPassword(hash ?? this.decoy, password);
    } finally {
      this.checking -= 1;
    }
    if (!ok || hash === undefined) throw new ModerationError('ERR_OPER_FAILED', 'wrong operator name or password');
    if (peer.isOpen) this.setOperator(peer, true);
  }

  /** Throws `ERR_NOT_OPERATOR` unless `peer` is an operator. @internal */
  requireOperator(peer: Peer<D>): void {
    if (!peer.operator) throw new ModerationError('ERR_NOT_OPERATOR', 'you are not an operator (/oper NAME PASSWORD)');
  }

  // ---- kicks ----

  /**
   * Removes a client from a room (default: the room it talks in), telling the room (a `leave`
   * with `kicked: true` and `by`, IRC `KICK`) and emitting `kick`. A client kicked from a room
   * that is not its only one stays in its others; kicked from its only room, it is back in the
   * default room; kicked from the default room when that is its only room, it has nowhere to
   * go, and is disconnected (reason `kicked`). Throws `ERR_NO_SUCH_NICK` (nobody of that name,
   * or not in that room).
   */
  kick(target: Peer<D> | string, options: KickOptions = {}): void {
    const remote = this.remote(target);
    if (remote !== undefined) {
      if (options.room !== undefined && !remote.rooms.includes(options.room)) throw new ModerationError('ERR_NO_SUCH_NICK', `${remote.nick} is not in ${options.room}`);
      const event = { type: 'kick', hub: remote.hub, nick: remote.nick, reason: clip(options.reason ?? ''), by: wireBy(options.by ?? SERVER) } as const;
      this.cluster?.share(options.room === undefined ? event : { ...event, room: options.room });
      return;
    }
    const peer = this.resolve(target);
    const room = options.room ?? peer.room;
    if (!peer.rooms.has(room)) throw new ModerationError('ERR_NO_SUCH_NICK', `${peer.nick} is not in ${room}`);
    const by = options.by ?? SERVER;
    const reason = clip(options.reason ?? '');
    this.remove(peer, room, by, reason);
    this.host.emit('kick', [peer, room, by, reason]);
  }

  private remove(peer: Peer<D>, room: string, by: string, reason: string): void {
    const members = this.host.members;
    const kick = { by, reason };
    if (room === members.rooms.defaultRoom && peer.rooms.size === 1) {
      // Nowhere left to be: out of the room, then out of the chat, told why.
      members.evict(peer, room, kick);
      peer.close('kicked', `kicked from ${room} by ${by}${reason === '' ? '' : `: ${reason}`}`);
      return;
    }
    members.leave(peer, room, kick);
  }

  // ---- bans ----

  /**
   * Bans `target` (a nickname, a mask such as `*!*@10.0.0.*`, an address or a network such as
   * `10.0.0.0/8`) from the hub, or with `room` from that room. A hub ban turns matching clients
   * away at the door (reason `banned`, told the reason) and from taking a matching nickname,
   * and disconnects those connected now; a room ban refuses them at join and removes those in
   * the room now. Replaces a ban on the same mask. Throws `ERR_BAD_MASK`, `ERR_BAD_DURATION` or
   * `ERR_TOO_MANY_BANS`; `ERR_BAD_MASK` too for a hub ban that would match everyone (`*!*@*`,
   * `0.0.0.0/0`), which would shut the hub to all, operators included. A room ban may (it
   * closes the room, as `+b *!*@*` does on IRC).
   */
  ban(target: string, options: BanOptions = {}): BanEntry {
    const rule = BanRule.parse(target);
    const room = options.room;
    refuseBanOfEveryone(rule, room);
    if (room !== undefined) assertRoomName(room);
    const duration = options.duration === undefined ? undefined : parseDuration(options.duration);
    const setAt = Date.now();
    const by = options.by ?? SERVER;
    const entry: BanEntry = { mask: rule.mask, kind: rule.kind, room, reason: clip(options.reason ?? ''), by, setAt, expiresAt: duration === undefined ? undefined : setAt + duration };
    this.listFor(room, true).add(rule, entry);
    this.host.emit('ban', [entry]);
    this.cluster?.share({ type: 'ban', ban: wireBan(entry) });
    this.enforce(rule, entry);
    return entry;
  }

  /**
   * Lifts the ban on `target` (as given to `ban()`, or as `bans()` lists it); returns it, or
   * `undefined` when there was none here. In a cluster the other hubs lift it too, even when
   * this one had none (it may have missed it, or had no room for it).
   */
  unban(target: string, options: { room?: string | undefined; by?: string | undefined } = {}): BanEntry | undefined {
    let mask: string;
    let parsed = true;
    try {
      mask = BanRule.parse(target).mask;
    } catch {
      mask = target;
      parsed = false;
    }
    const at = Date.now();
    // In a cluster the lifting is remembered (a room list is made for it), so that a hub that missed it cannot bring the ban back.
    let list = this.listFor(options.room, false);
    if (list === undefined && parsed && this.cluster !== undefined) {
      if (options.room !== undefined) assertRoomName(options.room);
      list = this.listFor(options.room, true);
    }
    const entry = list?.remove(mask, at);
    if (entry !== undefined) this.host.emit('unban', [entry]);
    if (parsed && this.cluster !== undefined) {
      const event = { type: 'unban', mask, by: wireBy(options.by ?? SERVER), at } as const;
      this.cluster.share(options.room === undefined ? event : { ...event, room: options.room });
    }
    return entry;
  }

  /** The bans in force: of the hub, or with `room` of that room. */
  bans(room?: string): BanEntry[] {
    return this.listFor(room, false)?.list() ?? [];
  }

  /** The ban in force on a client called `nick` at `address` (of the hub, or with `room` of that room), if any. */
  findBan(nick: string, address: string, room?: string): BanEntry | undefined {
    return this.listFor(room, false)?.find({ nick, address });
  }

  /** The door's check: the farewell for a connection from a banned address. @internal */
  screen(address: string): Farewell | undefined {
    if (this.hubBans.isEmpty) return undefined;
    const ban = this.hubBans.findAddress(address);
    return ban === undefined ? undefined : { reason: 'banned', message: bannedText('you are banned from this server', ban) };
  }

  /** Membership's check before a client joins a room. @internal */
  checkJoin(peer: Peer<D>, room: string): void {
    const list = this.roomBans.get(room);
    const ban = list?.find({ nick: peer.nick, address: peer.remoteAddress }) ?? undefined;
    if (ban !== undefined) throw new ModerationError('ERR_BANNED', bannedText(`you are banned from ${room}`, ban));
  }

  /** Membership's check before a client takes a nickname. @internal */
  checkNick(peer: Peer<D>, nick: string): void {
    const ban = this.hubBans.isEmpty ? undefined : this.hubBans.find({ nick, address: peer.remoteAddress });
    if (ban !== undefined) throw new ModerationError('ERR_BANNED', bannedText(`the nickname ${nick} is banned`, ban));
  }

  /** Applies a new ban to whoever it matches now. */
  private enforce(rule: BanRule, entry: BanEntry): void {
    const members = this.host.members;
    if (entry.room === undefined) {
      for (const peer of [...members.peers]) {
        if (!rule.matches({ nick: peer.nick, address: peer.remoteAddress })) continue;
        this.host.chat?.setQuitReason(peer, `banned${entry.reason === '' ? '' : `: ${entry.reason}`}`);
        peer.close('banned', bannedText('you are banned from this server', entry));
      }
      return;
    }
    for (const peer of [...members.rooms.membersOf(entry.room)]) {
      if (rule.matches({ nick: peer.nick, address: peer.remoteAddress })) this.remove(peer, entry.room, entry.by, `banned${entry.reason === '' ? '' : `: ${entry.reason}`}`);
    }
  }

  private listFor(room: string | undefined, create: true): BanList;
  private listFor(room: string | undefined, create: false): BanList | undefined;
  private listFor(room: string | undefined, create: boolean): BanList | undefined {
    if (room === undefined) return this.hubBans;
    let list = this.roomBans.get(room);
    if (list === undefined && create) {
      // As many rooms with bans as rooms with topics: a bound that no real hub meets.
      if (this.roomBans.size >= 10_000) throw new ModerationError('ERR_TOO_MANY_BANS', 'too many rooms have bans');
      list = new BanList(this.options.maxBans, Date.now);
      this.roomBans.set(room, list);
    }
    return list;
  }

  // ---- mutes ----

  /**
   * Mutes a client: its room messages and actions are refused (`ERR_MUTED`, IRC 404) until
   * `unmute()`, the duration ends, or it disconnects. Direct messages and commands still work.
   */
  mute(target: Peer<D> | string, options: MuteOptions = {}): void {
    const duration = options.duration === undefined ? undefined : parseDuration(options.duration);
    const by = options.by ?? SERVER;
    const expiresAt = duration === undefined ? undefined : Date.now() + duration;
    const remote = this.remote(target);
    if (remote !== undefined) {
      const event = { type: 'mute', hub: remote.hub, nick: remote.nick, by: wireBy(by) } as const;
      this.cluster?.share(expiresAt === undefined ? event : { ...event, expiresAt });
      return;
    }
    this.muteUntil(this.resolve(target), expiresAt, by, duration === undefined ? undefined : formatDuration(duration));
  }

  /** Mutes `peer` until `expiresAt` (`undefined`: until unmuted); `length` is how long, as the operator said it. */
  private muteUntil(peer: Peer<D>, expiresAt: number | undefined, by: string, length?: string): void {
    this.prune();
    this.mutes.set(peer, { expiresAt, by });
    const shown = expiresAt === undefined ? '' : ` for ${length ?? formatRemaining(expiresAt - Date.now())}`;
    this.host.chat?.reply(peer, `you are muted by ${by}${shown}: your messages are not relayed`);
    this.host.emit('mute', [peer, expiresAt, by]);
  }

  /**
   * Lifts a mute; returns whether the client was muted (for a client on another hub: `true`,
   * the request is sent to its hub).
   */
  unmute(target: Peer<D> | string, options: { by?: string | undefined } = {}): boolean {
    const remote = this.remote(target);
    if (remote !== undefined) {
      this.cluster?.share({ type: 'unmute', hub: remote.hub, nick: remote.nick, by: wireBy(options.by ?? SERVER) });
      return true;
    }
    const peer = this.resolve(target);
    const was = this.muteOf(peer) !== undefined;
    this.mutes.delete(peer);
    if (!was) return false;
    this.host.chat?.reply(peer, 'you are no longer muted');
    this.host.emit('unmute', [peer]);
    return true;
  }

  /** Whether `peer` is muted now. */
  isMuted(peer: Peer<D>): boolean {
    return this.mutes.size !== 0 && this.muteOf(peer) !== undefined;
  }

  /** The relay's check: refuses (and tells) a muted sender. Costs one size check when nobody is muted. @internal */
  refuseMuted(peer: Peer<D>, room: string): boolean {
    if (this.mutes.size === 0) return false;
    const mute = this.muteOf(peer);
    if (mute === undefined) return false;
    const until = mute.expiresAt === undefined ? '' : ` for ${formatRemaining(mute.expiresAt - Date.now())}`;
    this.host.chat?.refuse(peer, 'ERR_MUTED', `you are muted${until}: your messages to ${room} are not relayed`);
    return true;
  }

  private muteOf(peer: Peer<D>): Mute | undefined {
    const mute = this.mutes.get(peer);
    if (mute === undefined) return undefined;
    if (!peer.isOpen || (mute.expiresAt !== undefined && mute.expiresAt <= Date.now())) {
      this.mutes.delete(peer);
      return undefined;
    }
    return mute;
  }

  /** Drops mutes of clients that are gone or whose time is up, so that the map follows the muted. */
  private prune(): void {
    for (const peer of [...this.mutes.keys()]) this.muteOf(peer);
  }

  // ---- topics ----

  /** The topic of `room`, if it has one. */
  topic(room: string): RoomTopic | undefined {
    return this.topics.get(room);
  }

  /**
   * Sets the topic of `room` (blank text clears it), tells the room (a `topic` envelope, IRC
   * `TOPIC`, a `* topic` line) and emits `topic`. Text is made one inert line of at most 300
   * characters. Returns the topic, or `undefined` when cleared.
   */
  setTopic(room: string, text: string, options: { by?: string | undefined } = {}): RoomTopic | undefined {
    assertRoomName(room);
    const by = options.by ?? SERVER;
    const rooms = this.host.members.rooms;
    const topic = this.topics.set(room, text, by, (name) => rooms.membersOf(name).size === 0);
    this.host.chat?.announceTopic(room, topic, by);
    this.host.emit('topic', [room, topic, by]);
    this.cluster?.share({ type: 'topic', topic: { room, text: topic?.text ?? '', by: wireBy(by), setAt: topic?.setAt ?? Date.now() } });
    return topic;
  }

  // ---- the cluster ----

  /**
   * Applies what hub `origin` did (an event `readModeration()` checked): a ban or topic is kept
   * and enforced here as if set here (`ban` and `topic` are emitted, with `entry.origin`); a
   * kick or mute for a client of this hub acts on it. Throws (`ModerationError`, `RangeError`)
   * for what cannot be applied (a mask that does not parse, a full ban list): the link reports
   * it, and the hub goes on.
   * @internal
   */
  applyRemote(event: ModerationEvent, origin: string): void {
    switch (event.type) {
      case 'ban':
        this.applyBan(event.ban, origin, event.sync === true);
        return;
      case 'unban':
        this.applyUnban(event.mask, event.room, event.at, event.sync === true);
        return;
      case 'topic':
        this.applyTopic(event.topic, event.sync === true);
        return;
      default:
        break;
    }
    // Kicks and mutes: for a client of this hub only; one gone meanwhile is nothing to do.
    if (event.hub !== this.cluster?.hubId) return;
    const peer = this.host.members.nicknames.find(event.nick);
    if (peer === undefined) return;
    if (event.type === 'kick') {
      if (event.room === undefined || peer.rooms.has(event.room)) this.kick(peer, { room: event.room, reason: event.reason, by: event.by });
    } else if (event.type === 'mute') this.muteUntil(peer, event.expiresAt, event.by);
    else this.unmute(peer);
  }

  /**
   * What this hub shares with a hub that joins: its bans and topics, as `sync` events (each
   * hub sends all it has; the joining hub keeps the newest of each).
   * @internal
   */
  sharedState(): ClusterEvent[] {
    const events: ClusterEvent[] = [];
    const scopes: [string | undefined, BanList][] = [[undefined, this.hubBans], ...this.roomBans];
    for (const [room, list] of scopes) {
      for (const entry of list.list()) events.push({ type: 'ban', ban: wireBan(entry), sync: true });
      for (const [mask, at] of list.liftedMasks()) events.push(room === undefined ? { type: 'unban', mask, by: SERVER, at, sync: true } : { type: 'unban', mask, room, by: SERVER, at, sync: true });
    }
    for (const topic of this.topics.all()) events.push({ type: 'topic', topic: { ...topic, by: wireBy(topic.by) }, sync: true });
    return events;
  }

  private applyUnban(target: string, room: string | undefined, at: number | undefined, sync: boolean): void {
    if (room !== undefined) assertRoomName(room);
    const mask = BanRule.parse(target).mask;
    const list = this.listFor(room, true);
    // A ban set here after the lifting (as this hub was told) stands: the newer wins.
    if (sync && at !== undefined && (list.get(mask)?.setAt ?? 0) > at) return;
    const entry = list.remove(mask, at ?? Date.now());
    if (entry !== undefined) this.host.emit('unban', [entry]);
  }

  private applyBan(wire: WireBan, origin: string, sync: boolean): void {
    const rule = BanRule.parse(wire.mask);
    // A hub of an older version may still send one.
    refuseBanOfEveryone(rule, wire.room);
    if (wire.room !== undefined) assertRoomName(wire.room);
    // Lifted already (the expiry is absolute): nothing to keep.
    if (wire.expiresAt !== undefined && wire.expiresAt <= Date.now()) return;
    const list = this.listFor(wire.room, true);
    const known = list.get(rule.mask);
    // The same ban again (several hubs answer a join with what they know), an older one than
    // ours, or one lifted since (a hub that missed the unban still tells it).
    if (known !== undefined && (known.setAt === wire.setAt || (sync && known.setAt > wire.setAt))) return;
    if (sync && (list.liftedAt(rule.mask) ?? -1) >= wire.setAt) return;
    const entry: BanEntry = { mask: rule.mask, kind: rule.kind, room: wire.room, reason: clip(wire.reason), by: wire.by, setAt: wire.setAt, expiresAt: wire.expiresAt, origin };
    list.add(rule, entry);
    this.host.emit('ban', [entry]);
    this.enforce(rule, entry);
  }

  private applyTopic(wire: WireTopic, sync: boolean): void {
    assertRoomName(wire.room);
    // A hub that joins keeps the newest topic (or clearing) of those it is sent, and announces none of them.
    if (sync && (this.topics.changedAt(wire.room) ?? -1) >= wire.setAt) return;
    const rooms = this.host.members.rooms;
    const topic = this.topics.set(wire.room, wire.text, wire.by, (name) => rooms.membersOf(name).size === 0, wire.setAt);
    if (!sync) this.host.chat?.announceTopic(wire.room, topic, wire.by);
    this.host.emit('topic', [wire.room, topic, wire.by]);
  }

  // ---- helpers ----

  /** The client on another hub that a name given to `kick()` or `mute()` means, when it is not one of ours. */
  private remote(target: Peer<D> | string): RemotePeer | undefined {
    if (typeof target !== 'string' || this.cluster === undefined || this.host.members.nicknames.find(target) !== undefined) return undefined;
    return this.cluster.findRemote(target);
  }

  private resolve(target: Peer<D> | string): Peer<D> {
    if (typeof target !== 'string') {
      if (!this.host.members.peers.has(target)) throw new ModerationError('ERR_NO_SUCH_NICK', 'that client is not connected');
      return target;
    }
    const peer = this.host.members.nicknames.find(target);
    if (peer === undefined) throw new ModerationError('ERR_NO_SUCH_NICK', `nobody is called ${target.slice(0, 32)}`);
    return peer;
  }
}

/** What a banned client is told: `you are banned from dev (spam; until 12:00 UTC)`. */
function bannedText(what: string, ban: BanEntry): string {
  const parts: string[] = [];
  if (ban.reason !== '') parts.push(ban.reason);
  if (ban.expiresAt !== undefined) parts.push(`for ${formatRemaining(ban.expiresAt - Date.now())}`);
  return parts.length === 0 ? what : `${what} (${parts.join('; ')})`;
}

function clip(text: string): string {
  return text.trim().slice(0, MAX_REASON_LENGTH);
}

/** Throws `ERR_BAD_MASK` for a hub ban (no `room`) that would match everyone: it would shut the hub to all, operators included. */
function refuseBanOfEveryone(rule: BanRule, room: string | undefined): void {
  if (room === undefined && rule.matchesEveryone) throw new ModerationError('ERR_BAD_MASK', `'${rule.mask}' would ban everyone from the hub: stop the hub, or ban from a room`);
}
