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
