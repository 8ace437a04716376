import type { ModerationEvent, RemotePeer, WireBan } from '../../cluster/adapter.js';
import type { BanEntry } from './ban-list.js';

/**
 * What moderation needs of the cluster, when the hub has an adapter: who is connected to the
 * other hubs, and a way to tell them. Bans and topics are told to every hub, which each keep
 * them; kicks and mutes of a client on another hub go to that hub, which acts.
 * @internal
 */
export interface ModerationCluster {
  /** The hub id this hub has in the cluster: kicks and mutes addressed to it are for its clients. */
  readonly hubId: string;
  /** A client of that name (any case) on another hub, if one is known. */
  findRemote(nick: string): RemotePeer | undefined;
  /** Tells every other hub. */
  share(event: ModerationEvent): void;
}

/** Longest `by` that crosses hubs (they refuse longer): an operator's nickname is at most 24. */
const MAX_WIRE_BY = 64;

/**
 * Who acted, as it crosses hubs: at most 64 characters, none of them control characters (which
 * the other hubs refuse). Nicknames and `server` pass as they are; only a `by` of the
 * application's own can be cut.
 */
export function wireBy(by: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = by.slice(0, MAX_WIRE_BY).replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, '?');
  return clean === '' ? 'server' : clean;
}

/** A ban as it crosses hubs: the same fields, with the expiry as an absolute time. */
export function wireBan(entry: BanEntry): WireBan {
  const ban: { -readonly [K in keyof WireBan]: WireBan[K] } = { mask: entry.mask, reason: entry.reason, by: wireBy(entry.by), setAt: entry.setAt };
  if (entry.room !== undefined) ban.room = entry.room;
  if (entry.expiresAt !== undefined) ban.expiresAt = entry.expiresAt;
  return ban;
}
