/** The documented server's port: where `listen()` binds and `ChatClient` connects when given none. */
export const DEFAULT_PORT = 8000;
/** The documented server's address (every IPv4 interface), used when `listen()` is given none. */
export const DEFAULT_HOST = '0.0.0.0';
/** Largest message accepted by default, in bytes (64 KiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * Largest message a client accepts from its hub by default: above the largest frame a hub with
 * the default `maxMessageBytes` renders, so that what a hub accepts is always deliverable. A
 * line's sender and room add a few dozen bytes; a JSON envelope escapes `"` and `\` in two
 * bytes and a control character in six, so 64 KiB of text can become up to 384 KiB of frame.
 */
export const DEFAULT_CLIENT_MAX_MESSAGE_BYTES = 512 * 1024;
/** Most bytes that may wait for one client by default before it is cut (4 MiB). */
export const DEFAULT_MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** Milliseconds a closing connection gets to take what is queued before it is cut. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
/** Most clients connected at once, by default (10,000); more are refused with reason `server-full`. */
export const DEFAULT_MAX_CLIENTS = 10_000;
/** Most clients connected at once from one IP address, by default (2,500); more are refused with reason `too-many-from-address`. */
export const DEFAULT_MAX_CLIENTS_PER_ADDRESS = 2_500;
/** Queued bytes of one client that, held for `DEFAULT_SOFT_QUEUED_TIMEOUT_MS`, get it cut as a slow consumer (1 MiB). */
export const DEFAULT_SOFT_QUEUED_BYTES = 1024 * 1024;
/** Milliseconds a client may stay over the soft output cap before it is cut (10 s). */
export const DEFAULT_SOFT_QUEUED_TIMEOUT_MS = 10_000;
/** @deprecated `DEFAULT_SOFT_QUEUED_TIMEOUT_MS` in seconds. */
export const DEFAULT_SOFT_QUEUED_SECONDS = DEFAULT_SOFT_QUEUED_TIMEOUT_MS / 1000;
/** Milliseconds without any input before a client is cut with reason `idle` (1 hour). */
export const DEFAULT_IDLE_TIMEOUT_MS = 60 * 60 * 1000;
/** Milliseconds a client may leave a message unfinished before it is cut with reason `timeout` (30 s: the slowloris defence). */
export const DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS = 30_000;
/** Milliseconds between the pings sent to JSON clients; one not answered by the next is cut with reason `heartbeat` (30 s). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;
/** Milliseconds of silence before TCP keepalive probes start on every client socket (30 s). */
export const DEFAULT_KEEPALIVE_DELAY_MS = 30_000;
/** Shortest time clients are told to wait before reconnecting after a shutdown (1 s). */
export const DEFAULT_RETRY_AFTER_MS = 1000;
/** Largest random extra wait added per client to `DEFAULT_RETRY_AFTER_MS`, so that they do not all come back at once (9 s). */
export const DEFAULT_RETRY_JITTER_MS = 9000;
/** Burst of flood control when the CLI's `--flood` gives none, and a sensible start for `flood.burst` (5 messages). */
export const DEFAULT_FLOOD_BURST = 5;
/** Messages per second a client may keep sending under flood control, as a sensible start for `flood.rate` (2). */
export const DEFAULT_FLOOD_RATE = 2;
/** Messages the `slow` flood policy holds back per client before it gives up and cuts the client with reason `flood` (1,000). */
export const DEFAULT_FLOOD_MAX_BACKLOG = 1000;
/**
 * Milliseconds a closed connection is kept after everything sent to it has been handed to the
 * operating system and our FIN queued (100 ms). Clients such as `nc` keep their half open, so
 * waiting for their FIN would make every close take the whole close timeout; the kernel still
 * delivers what was sent after the socket is destroyed.
 */
export const END_GRACE_MS = 100;
/** The longest interval of the hub's one liveness sweep (1 s); shorter when a timeout is configured shorter. */
export const MAX_SWEEP_INTERVAL_MS = 1000;
/** Milliseconds a connection gets to pass the `authenticate` hook (when one is set) before it is cut with reason `auth-failed` (10 s). */
export const DEFAULT_AUTH_TIMEOUT_MS = 10_000;
/** Most bytes a connection may send before the `authenticate` hook lets it in (4 KiB: a JWT fits); more, and it is cut. */
export const DEFAULT_MAX_PRE_AUTH_BYTES = 4096;
/** Milliseconds a TLS handshake may take before the hub drops the connection (10 s). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * The longest `retryAfterMs` a hub's `bye` is obeyed for, in ms. A hub is trusted to say when
 * to come back, but not to park a client for ever with one bad number.
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Most bytes a hub reads from all its clients together in one event-loop turn: what one turn
 * can owe a receiver is bounded by it, whatever the number of senders. A quarter of a MiB
 * keeps a turn short (a few ms of work at most) and is far above what chat traffic reads.
 */
export const DEFAULT_INPUT_BYTES_PER_TURN = 256 * 1024;

/**
 * Frames a hub queues for its clients in one event-loop turn before it reads no more input
 * until the next: 50,000 deliveries take some tens of ms, so 1,000 senders writing into a room
 * of 1,000 at once are taken a few dozen at a time rather than in one stall of a second.
 */
export const DEFAULT_DELIVERIES_PER_TURN = 50_000;

/** Bytes owed to one client past which the hub stops reading until it drains (at most a quarter of `maxQueuedBytes`). */
export const DEFAULT_CONGESTION_MARK_BYTES = 1024 * 1024;

/**
 * How long one congested client may hold every reader back, in ms: long enough for a healthy
 * reader to take a burst, short enough that a stuck one stalls no one for long (its own
 * output caps then cut it).
 */
export const DEFAULT_CONGESTION_GRACE_MS = 1000;

/** Slash commands a client may send at once before `DEFAULT_COMMAND_RATE` applies: enough for a JSON client restoring its nickname and 32 rooms. */
export const DEFAULT_COMMAND_BURST = 40;

/** Slash commands per second a client may send after its burst. */
export const DEFAULT_COMMAND_RATE = 4;
