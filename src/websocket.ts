/**
 * `broadcast-chat/websocket`: browsers in the same chat as the TCP clients. Attaches a hub to an
 * HTTP(S) server as a WebSocket door, and serves the chat page. Needs the `ws` package (an
 * optional peer dependency); the core `broadcast-chat` entry never loads it.
 */
export { attachWebSocket, WebSocketDoor } from './websocket/websocket-door.js';
export type { AttachWebSocketOptions, UpgradeRefusal, WebSocketDoorCloseOptions, WebSocketDoorEvents } from './websocket/websocket-door.js';
export type { OriginPolicy } from './websocket/origin-policy.js';
export { serveChatPage, DEFAULT_WEB_PORT } from './websocket/serve-chat-page.js';
export type { ChatPageServer, ServeChatPageOptions } from './websocket/serve-chat-page.js';
export { CHAT_PAGE_CSP, chatPageHandler } from './websocket/chat-page-handler.js';
export type { ChatPageOptions } from './websocket/chat-page-handler.js';
export { WebSocketStream } from './websocket/websocket-stream.js';
export type { WebSocketStreamOptions } from './websocket/websocket-stream.js';
export {
  CLOSE_ABNORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_NORMAL,
  CLOSE_POLICY,
  CLOSE_TOO_LARGE,
  CLOSE_TRY_AGAIN_LATER,
  closeCodeFor,
  closeFrameFor,
  closeMeaning,
} from './protocol/websocket-close.js';
export type { CloseFrame, CloseMeaning } from './protocol/websocket-close.js';
export { createWebSocketJsonProtocol, websocketJsonProtocol, WebSocketJsonDecoder } from './protocol/websocket-json.js';
export type { WebSocketJsonOptions } from './protocol/websocket-json.js';
