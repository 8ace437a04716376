import type { PeerCertificate } from 'node:tls';
import type { ClientHelloEnvelope } from '../../protocol/envelope.js';
import type { Peer } from '../peer.js';

/** What the TLS layer knows about a connection, for hooks that check client certificates. */
export interface AuthTlsInfo {
  /** Whether the client's certificate was verified against the hub's `ca` (needs `requestCert`). */
  readonly authorized: boolean;
  /** Why it was not, when it was not. */
  readonly authorizationError: Error | undefined;
  /** The client's certificate, if it sent one. */
  readonly certificate: PeerCertificate | undefined;
  /** The negotiated protocol, such as `TLSv1.3`. */
  readonly protocol: string | null;
}

/** What an `authenticate` hook is asked to decide about. */
export interface AuthRequest<D = Record<string, unknown>> {
  /**
   * The connection asking to be let in: its address, port and `data` (which the hook may
   * fill in, say with the user it found). It is not in `hub.clients` yet, has no nickname,
   * receives no broadcasts and is in no room.
   */
  readonly peer: Peer<D>;
  /**
   * What the client presented: for text framings, its first message, verbatim (for `line`,
   * the first line without its newline); for JSON clients, the `token` of their `hello`
   * envelope. `undefined` when a JSON client's first envelope carries no token.
   */
  readonly credentials: string | undefined;
  /** A JSON client's `hello` envelope (without its token), when that is what it sent first. */
  readonly hello: ClientHelloEnvelope | undefined;
  /** Set on a TLS hub: the handshake's outcome, for hooks that check client certificates. */
  readonly tls: AuthTlsInfo | undefined;
  /**
   * Aborted once the answer no longer matters (the client left, `authTimeout` passed, the hub
   * is closing), so that a slow lookup can be cancelled.
   */
  readonly signal: AbortSignal;
}

/** An `authenticate` hook's answer that lets a client in with more than a name. */
export interface AuthGrant {
  /** The nickname to give it (refused if invalid, taken or banned); default a guest name (or its hello's). */
  readonly nick?: string | undefined;
  /** Make it an operator of the hub (moderation: `/kick`, `/ban`, `/mute`, `/topic`...). */
  readonly operator?: boolean | undefined;
}

/**
 * What an `authenticate` hook answers: `true` lets the client in under a guest name; a
 * non-empty string lets it in under that nickname (refused if the name is invalid or taken);
 * an `AuthGrant` (`{ nick: 'ada', operator: true }`) with a name and operator status; `false`
 * (or anything else) refuses it.
 */
export type AuthDecision = boolean | string | AuthGrant;

/**
 * Decides whether a connection may join. May be async; a slow hook delays only the connection
 * it is deciding about. Throwing refuses the client: an `AuthError`'s message is told to it,
 * any other error is reported (on `authFailed`, as `cause`) but the client only hears
 * `authentication failed`.
 */
export type Authenticate<D = Record<string, unknown>> = (request: AuthRequest<D>) => AuthDecision | Promise<AuthDecision>;

/** The authentication options of `new BroadcastHub()`. */
export interface HubAuthOptions<D = Record<string, unknown>> {
  /**
   * Checks each connection's credentials before it may join (see `AuthRequest` for what it
   * gets). Until the hook lets it in, a connection receives no broadcasts, is not announced,
   * is not in `hub.clients`, and may send at most `maxPreAuthBytes`. Default: none, and then
   * every connection joins at once (what `nc` users expect).
   */
  authenticate?: Authenticate<D>;
  /**
   * Milliseconds a connection gets, from connecting, to be let in by `authenticate`; then it is
   * told why and cut with reason `auth-failed`. Only applies when `authenticate` is set.
   * Default 10000.
   */
  authTimeout?: number;
  /**
   * Most bytes a connection may send before `authenticate` lets it in; one that sends more is
   * told why and cut with reason `auth-failed`. Only applies when `authenticate` is set.
   * Default 4096.
   */
  maxPreAuthBytes?: number;
}
