export { BroadcastHub } from './hub.js';
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PORT,
} from './defaults.js';
export type { BroadcastOptions, HubCloseOptions, HubEvents, HubListenOptions, HubOptions } from './hub.js';
export { Peer } from './peer.js';
export type { OversizedMessagePolicy, SlowConsumerPolicy } from './peer.js';
export { ChatClient } from './client.js';
export type { ChatClientConnectOptions, ChatClientEvents, ChatClientOptions } from './client.js';
export { DEFAULT_RECONNECT_INITIAL_DELAY_MS, DEFAULT_RECONNECT_MAX_DELAY_MS, MAX_RETRY_AFTER_MS } from './reconnect.js';
export type { ReconnectOptions, ReconnectStrategy } from './reconnect.js';
export { DEFAULT_MAX_OFFLINE_BYTES, DEFAULT_MAX_OFFLINE_MESSAGES } from './offline-queue.js';
export type { HeartbeatTimeout, HubBye } from './client-heartbeat.js';
export type { DisconnectReason } from './disconnect-reason.js';
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
export type { Codec, Decoder, DecoderOptions, FramingError, InvalidUtf8Policy } from './framing/codec.js';
export { framingNames, resolveCodec } from './framing/builtin-codecs.js';
export type { BinaryFramingName, Framing, FramingName, TextFramingName } from './framing/builtin-codecs.js';
export { LineDecoder, lineCodec } from './framing/line-codec.js';
export { RawDecoder, rawCodec } from './framing/raw-codec.js';
export { LengthPrefixDecoder, lengthPrefixCodec } from './framing/length-codec.js';
export { AutoDecoder, autoCodec } from './framing/auto-codec.js';
export { MAX_ROOMS_PER_PEER } from './hub.js';
export type { RelayOptions, RoomHandle } from './hub.js';
export { MessageContext } from './message-context.js';
export type { MessageHandler } from './handler-chain.js';
export { HandlerError } from './handler-error.js';
export { NameError } from './name-error.js';
export type { NameKind } from './name-error.js';
export { MAX_NICK_LENGTH, NICK_PATTERN, nickProblem } from './nicknames.js';
export { DEFAULT_ROOM, MAX_ROOM_LENGTH, ROOM_PATTERN, roomProblem } from './rooms.js';
export { parseCommand } from './chat/commands.js';
export type { CommandEntry, CommandHandler, CommandInvocation, CommandOptions } from './chat/commands.js';
export type { ChatOptions } from './chat/chat-mode.js';
export { defaultFormatter, toSafeLine } from './chat/formatter.js';
export type { ChatFormatter, FormatContext } from './chat/formatter.js';
export { PROTOCOL_VERSION } from './chat/envelope.js';
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
} from './chat/envelope.js';
export { EnvelopeError } from './chat/envelope-error.js';
export { DEFAULT_MAX_TEXT_LENGTH, parseEnvelope, validateEnvelope } from './chat/envelope-schema.js';
export type { EnvelopeSource } from './chat/envelope-schema.js';
export { JsonDecoder, createJsonCodec, jsonClientCodec, jsonCodec } from './framing/json-codec.js';
export type { JsonCodecOptions, JsonEnvelope } from './framing/json-codec.js';
export { MixedDecoder, mixedCodec } from './framing/mixed-codec.js';
export { isStructuredCodec } from './framing/structured.js';
export type { StructuredCodec } from './framing/structured.js';
export { JsonChatClient } from './json-chat-client.js';
export { RefusedError } from './refused-error.js';
export type { ChatMessage, DirectMessage, JsonChatClientEvents, JsonChatClientOptions } from './json-chat-client.js';
export type { AdapterHost, AdapterStatus, ClusterAdapter, ClusterEvent, ClusterPayload, PresenceEntry, RemotePeer } from './adapter.js';
export { BrokerAdapter, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_PRESENCE_TIMEOUT } from './cluster/broker-adapter.js';
export type { BrokerAdapterOptions, BrokerAdapterStats } from './cluster/broker-adapter.js';
export type { BrokerTransport, TransportHandlers } from './cluster/broker-transport.js';
export { DEFAULT_MAX_FRAME_BYTES } from './cluster/broker-transport.js';
export { ClusterUnavailableError } from './cluster/cluster-error.js';
export { MemoryBroker } from './cluster/memory-broker.js';
export { AuthError } from './auth/auth-error.js';
export type { AuthFailureReason } from './auth/auth-error.js';
export type { AuthDecision, Authenticate, AuthRequest, AuthTlsInfo, HubAuthOptions } from './auth/authenticate.js';
export { DEFAULT_AUTH_TIMEOUT_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_PRE_AUTH_BYTES } from './defaults.js';
export type { HubTlsOptions, RemoteEndpoint } from './tls-options.js';
export { MAX_TOKEN_LENGTH } from './chat/envelope-schema.js';
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
export type { FloodOptions, FloodPolicy, HubLimitOptions } from './limits/limit-options.js';
export type { DrainOptions } from './drain.js';
export type { AdmissionRefusal } from './connection-limiter.js';
export type { ByeEnvelope, ClientPongEnvelope, PingEnvelope } from './chat/envelope.js';
