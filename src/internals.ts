/**
 * broadcast-chat/internals: everything `broadcast-chat` exports, plus what the library's own
 * entry points and tests build on and what few applications need: the decoder classes, the
 * protocol helpers, and every default value. Less stable than the main entry point: names
 * here may change in a minor release.
 */
export * from './index.js';
export {
  DEFAULT_AUTH_TIMEOUT_MS,
  DEFAULT_CLIENT_MAX_MESSAGE_BYTES,
  DEFAULT_COMMAND_BURST,
  DEFAULT_COMMAND_RATE,
  DEFAULT_CONGESTION_GRACE_MS,
  DEFAULT_CONGESTION_MARK_BYTES,
  DEFAULT_DELIVERIES_PER_TURN,
  DEFAULT_INPUT_BYTES_PER_TURN,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_FLOOD_BURST,
  DEFAULT_FLOOD_MAX_BACKLOG,
  DEFAULT_FLOOD_RATE,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_HOST,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_DELAY_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CLIENTS_PER_ADDRESS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_PRE_AUTH_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS,
  DEFAULT_PORT,
  DEFAULT_RETRY_AFTER_MS,
  DEFAULT_RETRY_JITTER_MS,
  DEFAULT_SOFT_QUEUED_BYTES,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- still exported for code that uses it
  DEFAULT_SOFT_QUEUED_SECONDS,
  DEFAULT_SOFT_QUEUED_TIMEOUT_MS,
  MAX_RETRY_AFTER_MS,
} from './defaults.js';
export { describeSocketError } from './errors.js';
export { DEFAULT_RECONNECT_INITIAL_DELAY_MS, DEFAULT_RECONNECT_MAX_DELAY_MS } from './client/reconnect.js';
export { DEFAULT_MAX_OFFLINE_BYTES, DEFAULT_MAX_OFFLINE_MESSAGES } from './client/offline-queue.js';
export { DEFAULT_MESSAGES_HIGH_WATER_MARK } from './client/message-iterator.js';
export { framingNames, isAdaptiveCodec, resolveCodec } from './protocol/builtin-codecs.js';
export { classify } from './protocol/classify.js';
export { asProtocol, isProtocol, renderAsLine, renderBare, sayNothing, textProtocol } from './protocol/protocol.js';
export { byeEnvelope, closeFarewell, farewellLine, parseFarewellLine, shutdownFarewell } from './protocol/farewell.js';
export type { Farewell, FarewellWords } from './protocol/farewell.js';
export { LineDecoder } from './protocol/line-codec.js';
export { RawDecoder } from './protocol/raw-codec.js';
export { LengthPrefixDecoder } from './protocol/length-codec.js';
export { AUTO_DETECT_TIMEOUT_MS, AutoDecoder } from './protocol/auto-codec.js';
export { MAX_JOINED_BYTES } from './transport/frame-journal.js';
export { JsonDecoder } from './protocol/json-codec.js';
export { MixedDecoder } from './protocol/mixed-codec.js';
export { isStructuredCodec } from './protocol/structured.js';
export { DEFAULT_MAX_TEXT_LENGTH, MAX_TOKEN_LENGTH } from './protocol/envelope-schema.js';
export { DEFAULT_ROOM, MAX_NICK_LENGTH, MAX_ROOM_LENGTH } from './protocol/names.js';
export { parseCommand } from './hub/commands.js';
export {
  DEFAULT_CLUSTER_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MAX_BACKLOG_BYTES,
  DEFAULT_MAX_IN_FLIGHT_BYTES,
  DEFAULT_PRESENCE_TIMEOUT_MS,
  DEFAULT_PUBLISH_BURST_BYTES,
  DEFAULT_PUBLISH_BYTES_PER_SECOND,
} from './cluster/broker-adapter.js';
export { DEFAULT_MAX_FRAME_BYTES } from './cluster/broker-transport.js';
export {
  DEFAULT_HISTORY_BYTES,
  DEFAULT_HISTORY_MAX_AGE_MS,
  DEFAULT_HISTORY_MESSAGES,
  DEFAULT_HISTORY_REPLAY,
  DEFAULT_HISTORY_TOTAL_BYTES,
  DEFAULT_RECOVERY_WINDOW_MS,
  HISTORY_ENTRY_OVERHEAD_BYTES,
} from './hub/history/history-options.js';
export { GREETING_HOLD_MS } from './hub/history/chat-history.js';
export { HISTORY_LINE_MARK } from './hub/chat/chat-mode.js';
export { MAX_HISTORY_REQUEST } from './protocol/envelope-schema.js';
export { isDuration } from './hub/moderation/duration.js';
export { isOperatorHash } from './hub/moderation/operator-password.js';
export { DEFAULT_MAX_BANS, DEFAULT_OPER_RATE } from './hub/moderation/moderation-options.js';
export { DEFAULT_EXPENSIVE_COMMAND_RATE } from './hub/limits/limit-options.js';
