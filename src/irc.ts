/**
 * `broadcast-chat/irc`: IRC clients (irssi, WeeChat, HexChat, bots on any IRC library) in the
 * same chat as the hub's other clients. `listenIrc(hub, { port: 6667 })` opens the door; rooms
 * are channels and nicknames are shared with every other kind of client. The IRC line codec
 * (parser, serializer, masks) is exported too, for tools and tests. See docs/irc.md.
 */
export { IrcDoor, listenIrc } from './irc/irc-door.js';
export type { IrcDoorCloseOptions, IrcRemote } from './irc/irc-door.js';
export { DEFAULT_IRC_PORT, DEFAULT_IRC_REGISTRATION_TIMEOUT_MS, DEFAULT_IRC_TLS_PORT, IRC_CAPABILITIES } from './irc/irc-options.js';
export type { IrcCapability, IrcDoorOptions, IrcListenOptions, ListenIrcOptions } from './irc/irc-options.js';
export { escapeTagValue, parseIrcLine, serializeIrcMessage, serializeTags, unescapeTagValue } from './protocol/irc-message.js';
export type { IrcMessage } from './protocol/irc-message.js';
export { isValidHostname, matchMask, splitUserhost } from './protocol/irc-mask.js';
export type { IrcUserhost } from './protocol/irc-mask.js';
export { IRC_MAX_LINE_BYTES, IRC_MAX_TAG_BYTES, IrcLineDecoder } from './protocol/irc-line-decoder.js';
export type { IrcLineSink } from './protocol/irc-line-decoder.js';
export { IrcNumeric } from './protocol/irc-numerics.js';
export type { IrcNumericCode } from './protocol/irc-numerics.js';
