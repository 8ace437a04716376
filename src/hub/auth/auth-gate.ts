import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { ClientHelloEnvelope } from '../../protocol/envelope.js';
import { AUTH_PREFIX, type InputKind } from '../../protocol/classify.js';
import { farewellLine, seconds } from '../../protocol/farewell.js';
import { NameError } from '../../protocol/name-error.js';
import { ModerationError } from '../moderation/moderation-error.js';
import { PAUSED_BY_AUTH, type Peer } from '../peer.js';
import { AuthError, type AuthFailureReason } from './auth-error.js';
import type { AuthDecision, Authenticate, AuthGrant, AuthRequest, AuthTlsInfo } from './authenticate.js';

/**
 * What the gate needs from its hub.
 * @internal
 */
export interface AuthGateHost<D> {
  /**
   * Makes the connection a client (in `hub.clients`, the default room, announced), under
   * `nick` if given. Throws a `NameError`, having changed nothing, when `nick` cannot be had.
   */
  admit(peer: Peer<D>, nick: string | undefined): void;
  /** Handles a message that arrived while the peer waited, now that it is a client. */
  replay(peer: Peer<D>, message: unknown, kind: InputKind): void;
  /** Reports a failure: the hub's `authFailed` event. */
  failed(peer: Peer<D>, error: AuthError): void;
  /** Refuses something, in the peer's protocol: an `error` envelope for JSON peers. */
  refuse(peer: Peer<D>, code: string, message: string): void;
}

/** @internal */
export interface AuthGateOptions<D> {
  readonly authenticate: Authenticate<D>;
  readonly authTimeout: number;
  readonly maxPreAuthBytes: number;
}

const WAITING = 0; // no credentials yet
const CHECKING = 1; // the hook is deciding
const FAILED = 2; // refused and closing; kept until its socket closes, so the hub can tell it was never a client

/** A message that arrived while its peer waited, with what it is. */
interface Waiting {
  readonly message: unknown;
  readonly kind: InputKind;
}

interface Held {
  state: number;
  bytes: number;
  readonly socket: Duplex;
  readonly timer: NodeJS.Timeout;
  readonly onData: (chunk: Buffer) => void;
  controller: AbortController | undefined;
  /** Messages decoded after the credentials (the same chunk can hold more); replayed, in order, once the peer is in. */
  backlog: Waiting[];
}

/**
 * Holds each new connection until the `authenticate` hook lets it in. The hub creates its
 * `Peer` (so that its bytes are decoded) but not the client: no nickname, no room, not in
 * `hub.clients`, no `connect` event. The first message is the credential; reading then pauses
 * (TCP pushes back on anything more) until the hook decides, so a client cannot queue work or
 * memory while it waits, and the hook being slow for one connection delays no other.
 *
 * Bytes are counted on the socket itself, ahead of the decoder, so that a client is cut the
 * moment it passes `maxPreAuthBytes`, not after the decoder has buffered a whole message.
 * @internal
 */
export class AuthGate<D> {
  private readonly host: AuthGateHost<D>;
  private readonly options: AuthGateOptions<D>;
  private readonly held = new Map<Peer<D>, Held>();

  constructor(host: AuthGateHost<D>, options: AuthGateOptions<D>) {
    this.host = host;
    this.options = options;
  }

  /** Connections waiting for a decision (failed ones whose socket has not closed yet included). */
  get size(): number {
    return this.held.size;
  }

  /** Whether `peer` is held here: not a client yet (or refused and closing). */
  isHeld(peer: Peer<D>): boolean {
    return this.held.has(peer);
  }

  /** Starts holding a new connection; `socket` is the peer's own. */
  hold(peer: Peer<D>, socket: Duplex): void {
    const { authTimeout, maxPreAuthBytes } = this.options;
    const held: Held = {
      state: WAITING,
      bytes: 0,
      socket,
      timer: setTimeout(() => {
        this.fail(peer, 'timeout', `authentication timed out (${seconds(authTimeout)})`);
      }, authTimeout),
      onData: (chunk) => {
        held.bytes += chunk.length;
        if (held.bytes > maxPreAuthBytes) this.fail(peer, 'too-large', `more than ${maxPreAuthBytes} bytes sent before authenticating`);
      },
      controller: undefined,
      backlog: [],
    };
    held.timer.unref();
    // Ahead of the peer's own listener: a chunk that crosses the cap is never decoded.
    socket.prependListener('data', held.onData);
    this.held.set(peer, held);
  }

  /**
   * Takes a message the peer sent, if the peer is still held: the first is its credential,
   * the rest wait for the decision. Returns `false` for a client that is already in.
   */
  intercept(peer: Peer<D>, message: unknown, kind: InputKind): boolean {
    const held = this.held.get(peer);
    if (held === undefined) return false;
    if (held.state !== WAITING) {
      if (held.state === CHECKING) held.backlog.push({ message, kind });
      return true;
    }
    held.state = CHECKING;
    peer.pauseReading(PAUSED_BY_AUTH);
    const { credentials, hello } = readCredentials(message, kind);
    // A JSON client's first envelope is replayed once it is in, unless it only carried credentials.
    if (hello === undefined && !isText(message)) held.backlog.push({ message, kind });
    else if (hello?.nick !== undefined) held.backlog.push({ message: hello, kind });
    const controller = new AbortController();
    held.controller = controller;
    const request: AuthRequest<D> = { peer, credentials, hello, tls: tlsInfo(held.socket), signal: controller.signal };
    let decision: AuthDecision | Promise<AuthDecision>;
    try {
      decision = this.options.authenticate(request);
    } catch (error) {
      this.refused(peer, held, error);
      return true;
    }
    if (isPromiseLike(decision)) {
      decision.then(
        (value) => {
          this.decide(peer, held, value);
        },
        (error: unknown) => {
          this.refused(peer, held, error);
        },
      );
    } else {
      this.decide(peer, held, decision);
    }
    return true;
  }

  /**
   * The peer's socket closed. Returns whether it was held (never a client), so that the hub
   * only has the door to reopen; one still waiting is reported as `closed`.
   */
  forget(peer: Peer<D>): boolean {
    const held = this.held.get(peer);
    if (held === undefined) return false;
    this.held.delete(peer);
    if (held.state !== FAILED) {
      this.release(held);
      this.host.failed(peer, new AuthError('the connection closed before it authenticated', 'closed'));
    }
    return true;
  }

  /** The hub is closing: drops every connection that is not in yet (they were never promised anything). */
  shutdown(): void {
    for (const peer of this.held.keys()) peer.destroy('shutdown');
  }

  private decide(peer: Peer<D>, held: Held, decision: unknown): void {
    if (this.held.get(peer) !== held || held.state !== CHECKING) return; // timed out, cut or gone meanwhile
    const grant = isGrant(decision) ? decision : undefined;
    const named = grant === undefined ? decision : grant.nick;
    const nick = typeof named === 'string' && named !== '' ? named : undefined;
    if (decision !== true && nick === undefined && grant === undefined) {
      this.fail(peer, 'rejected', 'authentication failed');
      return;
    }
    if (!peer.isOpen) return;
    // Before it is a client: its greeting and first NAMES already show it as one.
    if (grant?.operator === true) peer.markOperator(true);
    try {
      this.host.admit(peer, nick);
    } catch (error) {
      // A name that cannot be had, or is banned: the client is told which, as a refusal.
      const told = error instanceof NameError || error instanceof ModerationError;
      this.fail(peer, told ? 'rejected' : 'error', told ? error.message : 'authentication failed', error);
      return;
    }
    // A name from the hook is the identity the hub vouches for: a hello's own nick does not override it.
    const backlog = nick === undefined ? held.backlog : held.backlog.filter((waiting) => waiting.kind !== 'hello');
    this.held.delete(peer);
    this.release(held);
    // Resume before replaying: a handler chain that pauses during the replay keeps its own pause.
    peer.resumeReading(PAUSED_BY_AUTH);
    for (const { message, kind } of backlog) {
      // A listener or handler may have closed it meanwhile.
      if (!isOpen(peer)) return;
      this.host.replay(peer, message, kind);
    }
  }

  private refused(peer: Peer<D>, held: Held, error: unknown): void {
    if (this.held.get(peer) !== held || held.state !== CHECKING) return;
    if (error instanceof AuthError) this.fail(peer, 'rejected', error.message, error);
    else this.fail(peer, 'error', 'authentication failed', error);
  }

  /** Refuses the peer: reports it, tells it why in its protocol, and closes it with reason `auth-failed`. */
  private fail(peer: Peer<D>, reason: AuthFailureReason, message: string, cause?: unknown): void {
    const held = this.held.get(peer);
    if (held === undefined || held.state === FAILED) return;
    held.state = FAILED;
    this.release(held);
    this.host.failed(peer, new AuthError(message, reason, cause === undefined ? undefined : { cause }));
    if (!peer.isOpen) return;
    if (peer.framing === 'json') this.host.refuse(peer, 'ERR_AUTH_FAILED', message);
    // Raw framing has no room for a farewell, but a raw peer has been sent nothing else, so
    // one notice cannot merge with a message of ours.
    if (peer.framing === 'raw') peer.send(farewellLine({ reason: 'auth-failed', message }));
    peer.close('auth-failed', message);
  }

  private release(held: Held): void {
    clearTimeout(held.timer);
    held.socket.off('data', held.onData);
    held.controller?.abort();
    held.backlog = [];
  }
}

/** Reads `isOpen` afresh: a call is not narrowed away like a property checked earlier. */
function isOpen<D>(peer: Peer<D>): boolean {
  return peer.isOpen;
}

function isText(message: unknown): boolean {
  return typeof message === 'string' || message instanceof Uint8Array;
}

/** The credentials in a first message: text as it is, a JSON `hello`'s token (the hello itself comes back without it). */
function readCredentials(message: unknown, kind: InputKind): { credentials: string | undefined; hello: ClientHelloEnvelope | undefined } {
  // `/auth <token>` is how ChatClient presents a token; a bare first line is an nc user's.
  if (typeof message === 'string') return { credentials: kind === 'hello' ? message.slice(AUTH_PREFIX.length) : message, hello: undefined };
  if (message instanceof Uint8Array) return { credentials: Buffer.from(message).toString('utf8'), hello: undefined };
  if (kind !== 'hello') return { credentials: undefined, hello: undefined };
  const { token, ...hello } = message as ClientHelloEnvelope;
  return { credentials: token, hello };
}

function tlsInfo(socket: Duplex): AuthTlsInfo | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const certificate = socket.getPeerCertificate();
  return {
    authorized: socket.authorized,
    authorizationError: socket.authorizationError,
    // An empty object means the client sent none.
    certificate: Object.keys(certificate).length === 0 ? undefined : certificate,
    protocol: socket.getProtocol(),
  };
}

/**
 * An `AuthGrant`: a plain object with `nick` (a string) or `operator` (a boolean) and no other
 * key. Anything else refuses, as before grants existed: a hook that returns the user record it
 * found (`{ id: 3 }`) by mistake must not let everyone in.
 */
function isGrant(value: unknown): value is AuthGrant {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((key) => key === 'nick' || key === 'operator')) return false;
  const { nick, operator } = value as { nick?: unknown; operator?: unknown };
  return (nick === undefined || typeof nick === 'string') && (operator === undefined || typeof operator === 'boolean');
}

function isPromiseLike(value: unknown): value is PromiseLike<AuthDecision> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
