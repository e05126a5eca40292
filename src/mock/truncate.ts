import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { ConnectionDropped } from './errors.js';

/** What @hono/node-server passes as c.env besides the request: the response it would write to. */
type NodeResponseBindings = { outgoing?: ServerResponse } | undefined;

/**
 * The "truncate" fault: `response`'s head with a Content-Length for the whole body, then only its first `bytes`
 * bytes, then the connection is cut — what a client sees when a server or a proxy dies mid-response.
 * Sets c.res to what goes out; `response` itself (body read) still tells the caller which status was sent.
 * On a real socket the head and the bytes are written here and node-server is told the response is already sent;
 * in-process (app.request()) the body stream breaks off with an error after those bytes, as fetch() reports a cut.
 */
export async function sendTruncated(c: Context, response: Response, bytes: number): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set('Content-Length', String(body.byteLength));
  const sent = body.subarray(0, Math.min(bytes, body.byteLength));
  // Cleared first: Hono re-wraps a response assigned over another one, and node-server recognises only the original.
  c.res = undefined;

  const outgoing = (c.env as NodeResponseBindings)?.outgoing;
  if (outgoing) {
    outgoing.writeHead(response.status, Object.fromEntries(headers));
    // Cut only once the bytes reached the socket, so the client really receives them before the connection dies.
    outgoing.write(sent, () => outgoing.destroy());
    c.res = RESPONSE_ALREADY_SENT;
    return;
  }
  let delivered = false;
  const brokenBody = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!delivered && sent.byteLength > 0) controller.enqueue(sent);
      else controller.error(new ConnectionDropped());
      delivered = true;
    },
  });
  c.res = new Response(brokenBody, { status: response.status, headers });
}
