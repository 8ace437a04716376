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
export type { OversizedMessagePolicy } from './peer.js';
export { ChatClient } from './client.js';
export type { ChatClientConnectOptions, ChatClientEvents, ChatClientOptions } from './client.js';
export type { DisconnectReason } from './disconnect-reason.js';
export {
  AbortError,
  BroadcastChatError,
  ConnectError,
  ConnectionError,
  HubClosedError,
  InvalidUtf8Error,
  ListenError,
  ListenerError,
  MessageTooLargeError,
  NotConnectedError,
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
export type { ChatMessage, DirectMessage, JsonChatClientEvents, JsonChatClientOptions } from './json-chat-client.js';
