import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import {
  attachLimits,
  DEFAULT_LIMITS,
  rejection,
  rejectionRequest,
  wasRendered,
  type Rejection,
  type RejectionStatus,
  type ServerLimits,
} from './limits.js';

export interface FetchApp {
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Where to listen, and any limit to change from DEFAULT_LIMITS (shared/limits.ts). */
export interface ListenOptions extends Partial<ServerLimits> {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

/** How long a rejected connection may take to read its error before it is destroyed. */
const REJECTION_GRACE_MS = 500;

/**
 * Binds a Hono (or any fetch-style) app to a real socket with limits that keep slow or huge clients from holding it
 * (see ServerLimits). Rejections are rendered by the app's enforceLimits() middleware in its own error shape; an app
 * without it gets Node's bodiless status line.
 */
export async function listen(app: FetchApp, options: ListenOptions = {}): Promise<RunningServer> {
  const { host = '127.0.0.1', port = 0, ...overrides } = options;
  const limits = resolveLimits(overrides);
  const refuse = (socket: Socket, value: Rejection, answer: Answer) => void refuseOnSocket(app, socket, value, answer);

  const listener = getRequestListener(
    (request, env) => {
      attachLimits(request, limits);
      const { incoming, outgoing } = env as { incoming: IncomingMessage; outgoing: ServerResponse };
      // HTTP/1.1 requires Host (RFC 9112 §3.2); Node's own check would answer a bodiless 400, so it is done here.
      if (incoming.httpVersion === '1.1' && incoming.headers.host === undefined)
        return renderRejection(app, rejection(400, 'The Host header is missing.'));
      if (hasBody(incoming)) {
        watchBodyProgress(incoming, limits.bodyIdleTimeoutMs, () => {
          const answer: Answer = outgoing.headersSent ? 'none' : incoming.method === 'HEAD' ? 'bodiless' : 'full';
          refuse(incoming.socket, rejection(408, `The request body stalled for ${limits.bodyIdleTimeoutMs} ms.`), answer);
        });
      }
      return app.fetch(request, env);
    },
    {
      hostname: host,
      // Requests @hono/node-server cannot turn into a Request (bad Host header, backslash in the path …) get a 400
      // in the app's shape; anything else that escapes the app answers a bare 500 as node-server would.
      errorHandler: (error) =>
        error instanceof RequestError
          ? renderRejection(app, rejection(400, 'The request line or Host header is malformed.'))
          : new Response(null, { status: 500 }),
    },
  );
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      requireHostHeader: false,
      // Node looks for timed-out requests this often (30 s by default, far too coarse for short timeouts).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    // The listener answers every error itself (errorHandler above); its promise only says when it is done.
    (incoming, outgoing) => void listener(incoming, outgoing),
  );
  if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400;
    refuse(socket, rejection(status, clientErrorDetail(status, limits)), clientErrorAnswer(socket, error.rawPacket));
  });
  // An Expect other than 100-continue is ignored (RFC 9110 allows it) rather than answered with Node's bodiless 417.
  server.on('checkExpectation', (incoming: IncomingMessage, outgoing: ServerResponse) => void listener(incoming, outgoing));

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const info = server.address() as AddressInfo;
      const hostForUrl = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({ url: `http://${hostForUrl}:${info.port}`, port: info.port, server, close: () => closeServer(server) });
    });
  });
}

function resolveLimits(overrides: Partial<ServerLimits>): ServerLimits {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...defined };
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      throw new RangeError(`listen(): ${name} must be a positive integer, got ${value}`);
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs)
    throw new RangeError('listen(): headersTimeoutMs must not exceed requestTimeoutMs');
  return limits;
}

/** Node's parser errors: an oversized head and the request timeouts have their own status; anything else is a 400. */
const CLIENT_ERROR_STATUS: Record<string, RejectionStatus> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

function clientErrorDetail(status: RejectionStatus, limits: ServerLimits): string {
  if (status === 431) return `The request line and headers exceed ${limits.maxHeaderSize} bytes.`;
  if (status === 408)
    return `The request did not arrive in time (its head within ${limits.headersTimeoutMs} ms, all of it within ${limits.requestTimeoutMs} ms).`;
  return 'The request is not valid HTTP/1.1.';
}

/** The response being written on a socket (Node keeps it as `_httpMessage`); null between requests. */
function inFlightResponse(socket: Socket): ServerResponse | null | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
}

/** As Node's own clientError handling: answer only when no response is in flight on the socket or none has started. */
function noResponseStarted(socket: Socket): boolean {
  return !inFlightResponse(socket)?.headersSent;
}

function hasBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Calls onIdle once when no bytes arrive on the socket for idleMs while the request body is still incomplete. */
function watchBodyProgress(incoming: IncomingMessage, idleMs: number, onIdle: () => void): void {
  const socket = incoming.socket;
  let bytesSeen = socket.bytesRead;
  let lastProgress = performance.now();
  const stop = () => {
    clearInterval(timer);
    socket.off('close', stop);
    incoming.off('close', stop);
  };
  const timer = setInterval(
    () => {
      if (incoming.complete || socket.destroyed) return stop();
      if (socket.bytesRead !== bytesSeen) {
        bytesSeen = socket.bytesRead;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress >= idleMs) {
        stop();
        onIdle();
      }
    },
    Math.max(10, Math.floor(idleMs / 4)),
  );
  timer.unref();
  // Stopped as soon as the request is done: on a keep-alive socket, listeners would otherwise pile up until a tick.
  incoming.once('close', stop);
  socket.once('close', stop);
}

/** The app's rendering of a rejection (through enforceLimits), or a bodiless response when it has no such middleware. */
async function renderRejection(app: FetchApp, value: Rejection): Promise<Response> {
  const request = rejectionRequest(value);
  try {
    const response = await app.fetch(request);
    if (wasRendered(request)) return response;
  } catch {
    // An app that cannot render it (not started yet, no middleware) still gets the status.
  }
  return new Response(null, { status: value.status });
}

/** How a rejection is answered: in full, without a body, or not at all (a response has begun). */
type Answer = 'full' | 'bodiless' | 'none';

/**
 * A parser error carries no request: the answer gets a body when the request it answers is known not to be a HEAD
 * (the one in flight, or the request line the unparsable bytes start with), or when nothing was answered on the
 * connection yet. Otherwise only the status goes out, as Node itself does, so no body can follow a HEAD's answer.
 */
function clientErrorAnswer(socket: Socket, rawPacket: Buffer | undefined): Answer {
  const inFlight = inFlightResponse(socket);
  if (inFlight?.headersSent) return 'none';
  const method = inFlight?.req?.method ?? /^([A-Z-]+) /.exec(rawPacket?.subarray(0, 32).toString('latin1') ?? '')?.[1];
  if (method !== undefined) return method === 'HEAD' ? 'bodiless' : 'full';
  return socket.bytesWritten === 0 ? 'full' : 'bodiless';
}

/** Writes the rejection straight to the socket (no request object exists, or the app is still reading one), then closes it. */
async function refuseOnSocket(app: FetchApp, socket: Socket, value: Rejection, answer: Answer): Promise<void> {
  const response = answer !== 'none' && socket.writable ? await renderRejection(app, value) : undefined;
  // The app may have started answering meanwhile (a slow request completing just now): then only close.
  if (!response || !socket.writable || !noResponseStarted(socket)) {
    socket.destroy();
    return;
  }
  socket.end(await rawResponse(response, answer === 'bodiless'));
  // Unread request bytes are still drained for a moment, so closing does not reset the connection under the answer.
  const timer = setTimeout(() => socket.destroy(), REJECTION_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Headers rawResponse writes itself. */
const FRAMING_HEADERS = new Set(['content-length', 'connection', 'transfer-encoding']);

async function rawResponse(response: Response, bodiless: boolean): Promise<Buffer> {
  const body = bodiless ? Buffer.alloc(0) : Buffer.from(await response.arrayBuffer());
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
  response.headers.forEach((value, name) => {
    if (!FRAMING_HEADERS.has(name) && !(bodiless && name === 'content-type')) head.push(`${name}: ${value}`);
  });
  head.push(`Content-Length: ${body.byteLength}`, 'Connection: close');
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still running after a grace period are cut so shutdown always ends.
    setTimeout(() => server.closeAllConnections(), 2_000).unref();
  });
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits 0. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    void stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
