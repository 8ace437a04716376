import type { DirectEnvelope, MessageEnvelope, RecoveryFailure, SystemEnvelope } from './envelope.js';

/** A chat message, as the `message` events of `JsonChatClient` and `BrowserChatClient` carry it. */
export interface ChatMessage {
  readonly id: string;
  /** The sender's nickname. */
  readonly sender: string;
  /** The room it was said in. */
  readonly room: string;
  readonly text: string;
  /** When the hub relayed it. */
  readonly time: Date;
  /** Whether it is a `/me` action. */
  readonly action: boolean;
  /** Whether the hub replayed it from its history (a replay, or a recovery after a reconnection) rather than relaying it now. */
  readonly history: boolean;
}

/** A direct message, as `direct` events carry it. */
export interface DirectMessage {
  readonly id: string;
  readonly sender: string;
  readonly to: string;
  readonly text: string;
  readonly time: Date;
  /** Whether the hub replayed it, recovering what this client missed while reconnecting. */
  readonly history: boolean;
}

/** The end of a replay, as `history` events carry it: what the `message` (or `direct`) events just before it were. */
export interface HistoryStatus {
  /** The room replayed; absent for this client's direct messages. */
  readonly room: string | undefined;
  /** How many messages were replayed. */
  readonly replayed: number;
  /** Set when this client asked to recover what it missed: whether it got exactly that. */
  readonly recovered: boolean | undefined;
  /**
   * Why not, when `recovered` is false (or the hub keeps no history: `off`). The application
   * should then resync that room by other means: it may have missed messages.
   */
  readonly reason: RecoveryFailure | undefined;
}

/** A `message` envelope as the `ChatMessage` a client's `message` event carries. */
export function chatMessageOf(envelope: MessageEnvelope): ChatMessage {
  return {
    id: envelope.id,
    sender: envelope.sender,
    room: envelope.room,
    text: envelope.text,
    time: new Date(envelope.ts),
    action: envelope.action === true,
    history: envelope.history === true,
  };
}

/** A `direct` envelope as the `DirectMessage` a client's `direct` event carries. */
export function directMessageOf(envelope: DirectEnvelope): DirectMessage {
  return { id: envelope.id, sender: envelope.sender, to: envelope.to, text: envelope.text, time: new Date(envelope.ts), history: envelope.history === true };
}

/** The notice that ends a replay (a `system` envelope with `replayed`) as a `HistoryStatus`, or `undefined` for any other notice. */
export function historyStatusOf(envelope: SystemEnvelope): HistoryStatus | undefined {
  if (envelope.replayed === undefined) return undefined;
  return { room: envelope.room, replayed: envelope.replayed, recovered: envelope.recovered, reason: envelope.reason as RecoveryFailure | undefined };
}
