import { ConnectError, describeSocketError, ReconnectFailedError } from '../internals.js';
import type { HubBye } from '../protocol/control-frames.js';
import type { DisconnectReason } from '../protocol/disconnect-reason.js';

/** A connection that was up and is gone: why, as the client reported it. */
interface Loss {
  readonly reason: DisconnectReason;
  readonly error: Error | undefined;
  readonly bye: HubBye | undefined;
}

/** Reasons that mean the connection broke rather than closed: the client then exits with 1. */
const BROKEN: ReadonlySet<DisconnectReason> = new Set(['reset', 'error', 'heartbeat']);

/**
 * The terminal client's account of its connection: one line for each change of state (lost
 * and reconnecting, an attempt failed, back, ended), from the client's lifecycle events, and
 * the exit code once it has ended. The hub's farewell (`bye`, or its closing line) becomes
 * part of the line for the loss, so that a shutdown is told once.
 */
export class ConnectionReport {
  private readonly print: (line: string) => void;
  private bye: HubBye | undefined;
  /** The loss not yet told. */
  private loss: Loss | undefined;
  /** The last loss, told or not: what decides the exit code. */
  private lastLoss: Loss | undefined;

  constructor(print: (line: string) => void) {
    this.print = print;
  }

  /** The hub said why it is closing the connection (it closes next). */
  farewell(bye: HubBye): void {
    this.bye = bye;
  }

  /** The connection was lost. Told with what follows: reconnecting, or the end. */
  disconnected(reason: DisconnectReason, error?: Error): void {
    this.loss = { reason, error, bye: this.bye };
    this.lastLoss = this.loss;
    this.bye = undefined;
  }

  /** The client will try again in `delayMs`: after a loss, or after an attempt that failed. */
  reconnecting(delayMs: number, error: Error): void {
    const loss = this.loss;
    this.loss = undefined;
    if (loss === undefined) {
      this.print(`Could not reconnect (${describeFailure(error)}); trying again in ${seconds(delayMs)}...`);
      return;
    }
    const why = lossReason(loss, true);
    this.print(`Disconnected from the server${why === undefined ? '' : ` (${why})`}; reconnecting in ${seconds(delayMs)}...`);
  }

  /** The client is connected again. */
  reconnected(): void {
    this.print('Reconnected to the server.');
  }

  /** The client stopped for good (not at the user's request); returns the exit code. */
  ended(error: Error | undefined): number {
    const loss = this.loss;
    this.loss = undefined;
    if (loss !== undefined) {
      const why = lossReason(loss, false);
      this.print(`Disconnected from the server${why === undefined ? '' : ` (${why})`}.`);
    } else if (error instanceof ReconnectFailedError) {
      this.print(`Gave up reconnecting: ${describeFailure(error.cause)}.`);
      return 1;
    }
    return this.lastLoss !== undefined && BROKEN.has(this.lastLoss.reason) ? 1 : 0;
  }
}

/** Why a connection was lost, for people, or `undefined` when the server just closed it. */
function lossReason(loss: Loss, reconnecting: boolean): string | undefined {
  const { bye } = loss;
  if (bye !== undefined) {
    // A shutdown's own words say when to come back: the line says when the client will.
    if (bye.reason === 'shutdown') return reconnecting ? 'server shutting down' : bye.message;
    return bye.message === '' ? bye.reason : `${bye.reason}: ${bye.message}`;
  }
  switch (loss.reason) {
    case 'hub-closed':
      return undefined;
    case 'reset':
      return 'connection reset';
    case 'heartbeat':
      return 'the server stopped answering';
    case 'error':
      return loss.error === undefined ? 'connection error' : describeSocketError(loss.error);
    default:
      return loss.reason;
  }
}

/** What went wrong with an attempt: the socket's error for a connection that failed, else the message. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConnectError) return describeSocketError(error.cause);
  return error instanceof Error ? error.message : String(error);
}

/** A delay for people: `7 s`, `0.3 s`. */
export function seconds(ms: number): string {
  return `${Math.max(0.1, Math.round(ms / 100) / 10)} s`;
}
