export { BroadcastHub } from './hub/hub.js';
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PORT,
} from './defaults.js';
export type { HubEvents } from './hub/events.js';
export type { ConnectionStats, HistoryStats, HubAdapterStats, HubStats, HubStatsOptions, QueuedStats } from './hub/stats.js';
export { HUB_CHANNELS } from './hub/diagnostics.js';
export type { HubAdapterStatusMessage, HubConnectMessage, HubDisconnectMessage, HubMessageMessage, HubRefusedMessage, HubSlowConsumerMessage } from './hub/diagnostics.js';
export type { AcceptOptions, BroadcastOptions, HubAddress, HubCloseOptions, HubListenOptions, HubOptions, UnixSocketAddress } from './hub/options.js';
export { Peer } from './hub/peer.js';
export type { OversizedMessagePolicy, SlowConsumerPolicy } from './hub/peer.js';
export { ChatClient } from './client/chat-client.js';
export type { ChatClientConnectOptions, ChatClientEvents, ChatClientOptions } from './client/chat-client.js';
export type { MessageIterator, MessageIteratorOptions } from './client/message-iterator.js';
export { DEFAULT_RECONNECT_INITIAL_DELAY_MS, DEFAULT_RECONNECT_MAX_DELAY_MS } from './client/reconnect.js';
export { MAX_RETRY_AFTER_MS } from './defaults.js';
export type { ReconnectOptions, ReconnectStrategy } from './client/reconnect.js';
export { DEFAULT_MAX_OFFLINE_BYTES, DEFAULT_MAX_OFFLINE_MESSAGES } from './client/offline-queue.js';
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
  describeSocketError,
} from './errors.js';
export type { BroadcastChatErrorCode } from './errors.js';
export type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from './protocol/codec.js';
export { framingNames, resolveCodec } from './protocol/builtin-codecs.js';
export type { BinaryFramingName, Framing, FramingName, TextFramingName } from './protocol/builtin-codecs.js';
export { LineDecoder, lineCodec } from './protocol/line-codec.js';
export { RawDecoder, rawCodec } from './protocol/raw-codec.js';
export { LengthPrefixDecoder, lengthPrefixCodec } from './protocol/length-codec.js';
export { AUTO_DETECT_TIMEOUT_MS, AutoDecoder, autoCodec } from './protocol/auto-codec.js';
export { MAX_ROOMS_PER_PEER } from './hub/options.js';
export type { RelayOptions, RoomHandle } from './hub/options.js';
export { MessageContext } from './hub/message-context.js';
export type { MessageHandler } from './hub/handler-chain.js';
export { HandlerError } from './hub/handler-error.js';
export { NameError } from './protocol/name-error.js';
export type { NameKind } from './protocol/name-error.js';
export { DEFAULT_ROOM, MAX_NICK_LENGTH, MAX_ROOM_LENGTH, NICK_PATTERN, ROOM_PATTERN, nickProblem, nickSkeleton, roomProblem } from './protocol/names.js';
export { parseCommand } from './hub/commands.js';
export type { CommandEntry, CommandHandler, CommandInvocation, CommandOptions } from './hub/commands.js';
export type { ChatOptions } from './hub/chat/chat-mode.js';
export { defaultFormatter, toSafeLine } from './protocol/formatter.js';
export type { ChatFormatter, FormatContext } from './protocol/formatter.js';
export { PROTOCOL_VERSION } from './protocol/envelope.js';
export type {
  ChatEvent,
  ClientDirectEnvelope,
  ClientEnvelope,
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
} from './protocol/envelope.js';
export { EnvelopeError } from './protocol/envelope-error.js';
export { DEFAULT_MAX_TEXT_LENGTH, parseEnvelope, validateEnvelope } from './protocol/envelope-schema.js';
export type { EnvelopeSource } from './protocol/envelope-schema.js';
export { JsonDecoder, createJsonCodec, jsonClientCodec, jsonCodec } from './protocol/json-codec.js';
export type { JsonCodecOptions, JsonEnvelope } from './protocol/json-codec.js';
export { MixedDecoder, mixedCodec } from './protocol/mixed-codec.js';
export { isStructuredCodec } from './protocol/structured.js';
export type { StructuredCodec } from './protocol/structured.js';
export { JsonChatClient } from './client/json-chat-client.js';
export { RefusedError } from './client/refused-error.js';
export type { ChatMessage, DirectMessage, JsonChatClientEvents, JsonChatClientOptions } from './client/json-chat-client.js';
export type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, ClusterPayload, PresenceEntry, RemotePeer } from './cluster/adapter.js';
export { BrokerAdapter, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_PRESENCE_TIMEOUT } from './cluster/broker-adapter.js';
export type { BrokerAdapterOptions, BrokerAdapterStats } from './cluster/broker-adapter.js';
export type { BrokerTransport, TransportHandlers } from './cluster/broker-transport.js';
export { DEFAULT_MAX_FRAME_BYTES } from './cluster/broker-transport.js';
export { ClusterUnavailableError } from './cluster/cluster-error.js';
export { MemoryBroker } from './cluster/memory-broker.js';
export { AuthError } from './hub/auth/auth-error.js';
export type { AuthFailureReason } from './hub/auth/auth-error.js';
export type { AuthDecision, Authenticate, AuthRequest, AuthTlsInfo, HubAuthOptions } from './hub/auth/authenticate.js';
export { DEFAULT_AUTH_TIMEOUT_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_PRE_AUTH_BYTES } from './defaults.js';
export type { HubTlsOptions, RemoteEndpoint } from './hub/tls.js';
export { MAX_TOKEN_LENGTH } from './protocol/envelope-schema.js';
export {
  DEFAULT_FLOOD_BURST,
  DEFAULT_FLOOD_MAX_BACKLOG,
  DEFAULT_FLOOD_RATE,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_DELAY_MS,
  DEFAULT_MAX_CLIENTS,
  DEFAULT_MAX_CLIENTS_PER_ADDRESS,
  DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_MS,
  DEFAULT_RETRY_JITTER_MS,
  DEFAULT_SOFT_QUEUED_BYTES,
  DEFAULT_SOFT_QUEUED_SECONDS,
} from './defaults.js';
export type { FloodOptions, FloodPolicy, HubLimitOptions } from './hub/limits/limit-options.js';
export type { DrainOptions } from './hub/drain.js';
export type { AdmissionRefusal } from './hub/limits/connection-limiter.js';
export type { ByeEnvelope, ClientPongEnvelope, PingEnvelope } from './protocol/envelope.js';
