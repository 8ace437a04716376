/**
 * broadcast-chat: what applications use. The decoder classes, the protocol helpers and every
 * default value are in `broadcast-chat/internals`.
 */
export { BroadcastHub } from './hub/hub.js';
export type { HubEvents } from './hub/events.js';
export type { HistoryOptions } from './hub/history/history-options.js';
export { MemoryHistoryStore } from './hub/history/memory-history-store.js';
export type { MemoryHistoryLimits } from './hub/history/memory-history-store.js';
export type { HistoryPage, HistoryQuery, HistorySize, HistoryStore, StoredEvent } from './cluster/history-store.js';
export type { RecoveryFailure } from './protocol/envelope.js';
export type { HistoryStatus } from './client/json-chat-client.js';
export type { ConnectionStats, HistoryStats, HubAdapterStats, HubStats, HubStatsOptions, QueuedStats } from './hub/stats.js';
export { HUB_CHANNELS } from './hub/diagnostics.js';
export type { HubAdapterStatusMessage, HubConnectMessage, HubDisconnectMessage, HubMessageMessage, HubRefusedMessage, HubSlowConsumerMessage } from './hub/diagnostics.js';
export type { AcceptOptions, BroadcastOptions, HubAddress, HubCloseOptions, HubListenOptions, HubOptions, UnixSocketAddress } from './hub/options.js';
export { Peer } from './hub/peer.js';
export type { OversizedMessagePolicy, SlowConsumerPolicy } from './hub/peer.js';
export { ChatClient } from './client/chat-client.js';
export type { ChatClientConnectOptions, ChatClientEvents, ChatClientOptions } from './client/chat-client.js';
export type { MessageIterator, MessageIteratorOptions } from './client/message-iterator.js';
export type { ReconnectOptions, ReconnectStrategy } from './client/reconnect.js';
export type { HeartbeatTimeout } from './client/liveness-monitor.js';
export type { HubBye } from './protocol/control-frames.js';
export type { DisconnectReason } from './protocol/disconnect-reason.js';
export {
  AbortError,
  AlreadyConnectedError,
  BroadcastChatError,
  ConnectError,
  ConnectionError,
  ConnectionLostError,
  HubClosedError,
  InvalidUtf8Error,
  ListenError,
  ListenerError,
  MessageTooLargeError,
  NotConnectedError,
  OfflineQueueFullError,
  ReconnectFailedError,
  SlowConsumerError,
} from './errors.js';
export type { BroadcastChatErrorCode } from './errors.js';
export type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from './protocol/codec.js';
export type { BinaryFramingName, Framing, FramingName, TextFramingName } from './protocol/builtin-codecs.js';
export type { InputKind } from './protocol/classify.js';
export type { Protocol, RenderContext } from './protocol/protocol.js';
export { lineCodec } from './protocol/line-codec.js';
export { rawCodec } from './protocol/raw-codec.js';
export { lengthPrefixCodec } from './protocol/length-codec.js';
export { autoCodec } from './protocol/auto-codec.js';
export { MAX_ROOMS_PER_PEER } from './hub/membership.js';
export type { RelayOptions, RoomHandle } from './hub/options.js';
export { MessageContext } from './hub/message-context.js';
export type { MessageHandler } from './hub/handler-chain.js';
export { HandlerError } from './hub/handler-error.js';
export { NameError } from './protocol/name-error.js';
export type { NameKind } from './protocol/name-error.js';
export { NICK_PATTERN, ROOM_PATTERN, nickProblem, nickSkeleton, roomProblem } from './protocol/names.js';
export type { CommandEntry, CommandHandler, CommandInvocation, CommandOptions } from './hub/commands.js';
export type { ChatOptions } from './hub/chat/chat-mode.js';
export { defaultFormatter, toSafeLine } from './protocol/formatter.js';
export type { ChatFormatter, FormatContext } from './protocol/formatter.js';
export { PROTOCOL_VERSION } from './protocol/envelope.js';
export type {
  ChatEvent,
  ClientBanEnvelope,
  ClientBansEnvelope,
  ClientDirectEnvelope,
  ClientEnvelope,
  ClientKickEnvelope,
  ClientModerationEnvelope,
  ClientMuteEnvelope,
  ClientOperEnvelope,
  ClientTopicEnvelope,
  ClientUnbanEnvelope,
  ClientUnmuteEnvelope,
  ClientHelloEnvelope,
  ClientJoinEnvelope,
  ClientLeaveEnvelope,
  ClientMessageEnvelope,
  ClientNickEnvelope,
  DirectEnvelope,
  ErrorEnvelope,
  HubEnvelope,
  JoinEnvelope,
  LeaveEnvelope,
  MessageEnvelope,
  NickEnvelope,
  SystemEnvelope,
  TopicEnvelope,
} from './protocol/envelope.js';
export { EnvelopeError } from './protocol/envelope-error.js';
export { parseEnvelope, validateEnvelope } from './protocol/envelope-schema.js';
export type { EnvelopeSource } from './protocol/envelope-schema.js';
export { createJsonCodec, jsonClientCodec, jsonCodec } from './protocol/json-codec.js';
export type { JsonCodecOptions, JsonEnvelope } from './protocol/json-codec.js';
export { mixedCodec } from './protocol/mixed-codec.js';
export type { StructuredCodec } from './protocol/structured.js';
export { JsonChatClient } from './client/json-chat-client.js';
export { RefusedError } from './client/refused-error.js';
export type { ChatMessage, DirectMessage, JsonChatClientEvents, JsonChatClientOptions } from './client/json-chat-client.js';
export type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, ClusterPayload, ModerationEvent, PresenceEntry, RemotePeer, WireBan, WireTopic } from './cluster/adapter.js';
export { BrokerAdapter } from './cluster/broker-adapter.js';
export type { BrokerAdapterOptions, BrokerAdapterStats } from './cluster/broker-adapter.js';
export type { BrokerTransport, TransportHandlers } from './cluster/broker-transport.js';
export { ClusterUnavailableError } from './cluster/cluster-error.js';
export { MemoryBroker } from './cluster/memory-broker.js';
export { AuthError } from './hub/auth/auth-error.js';
export type { AuthFailureReason } from './hub/auth/auth-error.js';
export type { AuthDecision, Authenticate, AuthGrant, AuthRequest, AuthTlsInfo, HubAuthOptions } from './hub/auth/authenticate.js';
export { HubModeration } from './hub/moderation/moderation.js';
export type { BanOptions, KickOptions, MuteOptions } from './hub/moderation/moderation.js';
export type { ModerationOptions } from './hub/moderation/moderation-options.js';
export type { BanEntry } from './hub/moderation/ban-list.js';
export type { BanKind } from './hub/moderation/ban-rule.js';
export type { RoomTopic } from './hub/moderation/topics.js';
export { ModerationError } from './hub/moderation/moderation-error.js';
export type { ModerationErrorCode } from './hub/moderation/moderation-error.js';
export { hashOperatorPassword, verifyOperatorPassword } from './hub/moderation/operator-password.js';
export type { HubTlsOptions, RemoteEndpoint } from './hub/tls.js';
export type { CommandRateOptions, FloodOptions, FloodPolicy, HubLimitOptions } from './hub/limits/limit-options.js';
export type { DrainOptions } from './hub/drain.js';
export type { AdmissionRefusal } from './hub/limits/connection-limiter.js';
export type { ByeEnvelope, ClientPongEnvelope, PingEnvelope } from './protocol/envelope.js';
