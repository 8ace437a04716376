/**
 * `broadcast-chat/browser`: the chat client for web pages, with no Node module. Load it from a
 * `<script type="module">` (a hub's chat page serves it as `browser.js`) or bundle it.
 */
export { BrowserChatClient, BrowserChatError } from './browser/browser-chat-client.js';
export type { BrowserChatClientEvents, BrowserChatClientOptions, BrowserReconnectOptions, ChatMessage, DirectMessage, HistoryStatus } from './browser/browser-chat-client.js';
export { Emitter } from './browser/emitter.js';
export { parseHubEnvelope } from './browser/hub-envelopes.js';
export { closeMeaning } from './protocol/websocket-close.js';
export type { CloseMeaning } from './protocol/websocket-close.js';
export type { HubBye } from './protocol/control-frames.js';
export type { DisconnectReason } from './protocol/disconnect-reason.js';
export type { ClientEnvelope, ErrorEnvelope, HubEnvelope, JoinEnvelope, LeaveEnvelope, NickEnvelope, RecoveryFailure, SystemEnvelope, TopicEnvelope } from './protocol/envelope.js';
