/** The documented server's port: where `listen()` binds and `ChatClient` connects when given none. */
export const DEFAULT_PORT = 8000;
/** The documented server's address (every IPv4 interface), used when `listen()` is given none. */
export const DEFAULT_HOST = '0.0.0.0';
/** Largest message accepted by default, in bytes (64 KiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/** Most bytes that may wait for one client by default before it is cut (4 MiB). */
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Milliseconds a closing connection gets to take what is queued before it is cut. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
