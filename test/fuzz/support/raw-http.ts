/** A raw HTTP/1.1 client for tests that must send what fetch will not: slow, malformed or oversized requests. */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

export interface ExchangeOptions {
  /** Pause between the pieces, to play a slow client. */
  delayMs?: number;
  /** Half-close after the last piece (default true); false keeps sending nothing, as a stalled client does. */
  end?: boolean;
  /** Give up after this many ms (default 3000). */
  deadlineMs?: number;
}

/**
 * Sends the pieces (one after the other, `delayMs` apart; stops once the server closes) and collects everything
 * until the server closes. Resolves with the bytes received, how long the server took to close, and how many
 * pieces went out before it did (fewer than all: the server cut the client off while it was still sending).
 */
export function exchange(
  port: number,
  pieces: Buffer | string | Array<Buffer | string>,
  { delayMs = 0, end = true, deadlineMs = 3_000 }: ExchangeOptions = {},
): Promise<{ data: Buffer; elapsedMs: number; piecesSent: number }> {
  const parts = Array.isArray(pieces) ? pieces : [pieces];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let piecesSent = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined); // A reset after the answer is the server closing; what arrived is judged.
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), elapsedMs: performance.now() - started, piecesSent });
    });
    void (async () => {
      for (const [index, part] of parts.entries()) {
        if (index > 0 && delayMs > 0) await sleep(delayMs);
        if (socket.destroyed) return;
        socket.write(part);
        piecesSent++;
      }
      if (end && !socket.destroyed) socket.end();
    })();
  });
}

/** Parses HTTP/1.1 responses one after the other (interim 1xx skipped); throws on anything that is not HTTP. */
export function parseResponses(data: Buffer, headRequest: boolean): RawResponse[] {
  const responses: RawResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end === -1) throw new Error(`not an HTTP response: ${JSON.stringify(data.subarray(offset, offset + 200).toString('latin1'))}`);
    const [statusLine = '', ...headerLines] = data.subarray(offset, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (!match) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
    const status = Number(match[1]);
    const headers = new Map(
      headerLines.map((header) => [header.slice(0, header.indexOf(':')).toLowerCase(), header.slice(header.indexOf(':') + 1).trim()]),
    );
    offset = end + 4;
    if (status < 200) continue;
    let body: Buffer;
    if (headRequest || status === 204 || status === 304) body = Buffer.alloc(0);
    else if (headers.get('transfer-encoding')?.includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = data.indexOf('\r\n', offset);
        const size = parseInt(data.subarray(offset, sizeEnd).toString('latin1'), 16);
        if (sizeEnd === -1 || Number.isNaN(size)) throw new Error('a chunked body that does not parse');
        offset = sizeEnd + 2 + size + 2;
        if (size === 0) break;
        parts.push(data.subarray(sizeEnd + 2, sizeEnd + 2 + size));
      }
      body = Buffer.concat(parts);
    } else if (headers.has('content-length')) {
      const length = Number(headers.get('content-length'));
      body = data.subarray(offset, offset + length);
      if (body.length < length) throw new Error(`a body cut short: ${body.length} of ${length} bytes`);
      offset += length;
    } else {
      body = data.subarray(offset);
      offset = data.length;
    }
    responses.push({ status, headers, body });
  }
  return responses;
}
