import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

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

export interface ListenOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Largest request head in bytes (URL + headers); Node answers 431 past it. */
  maxHeaderSize?: number;
  /** A client must send its whole request within this many ms. */
  requestTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/** Binds a Hono (or any fetch-style) app to a real socket with limits that keep slow or huge clients from holding it. */
export function listen(app: FetchApp, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: app.fetch,
        hostname: host,
        port: options.port ?? 0,
        serverOptions: {
          maxHeaderSize: options.maxHeaderSize ?? 16 * 1024,
          requestTimeout: options.requestTimeoutMs ?? 30_000,
          headersTimeout: options.headersTimeoutMs ?? 10_000,
          keepAliveTimeout: 5_000,
        },
      },
      (info: AddressInfo) => {
        const hostForUrl = info.family === 'IPv6' ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${hostForUrl}:${info.port}`,
          port: info.port,
          server: server as Server,
          close: () => closeServer(server as Server),
        });
      },
    ) as Server;
    server.once('error', reject);
  });
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
