/**
 * Reads a POST/PUT body as it arrives, so that memory per upload stays a small constant whatever the document's size.
 *
 * The body is a JSON object whose one big member is `base64EncodedContents`. The scanner follows JSON's string and
 * nesting structure byte by byte (strings are skipped with indexOf), lifts that member's string out of the body and
 * decodes it, 4 characters at a time, into `sink` (the document store's temporary file) while checking that it is
 * canonical base64. Everything else (fileName, metaData, ignored members) stays in a small "rest of the body" where
 * the string was replaced by "" — that rest is what JSON.parse and the schema then check, so every rule and message
 * of the non-streaming path still applies; the scanner decides nothing JSON.parse would decide differently.
 */
import type { ErrorEntry } from '../errors.js';

/** What a body may hold besides the contents: 100 metaData entries at their limits, every character \u-escaped. */
export const MAX_BODY_REST_BYTES = 3 * 1024 * 1024;

const CONTENTS_FIELD = 'base64EncodedContents';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BASE64_ALPHABET = /^[A-Za-z0-9+/]*$/;
/** JSON's one-character escapes; none of them stands for a base64 character except "\/". */
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export interface ScannedUpload {
  /** The body with the contents string replaced by "" (or the whole body when it has no such string). */
  rest: Uint8Array;
  /** Whether a `base64EncodedContents` string was found at the top level (and streamed to the sink). */
  contentsFound: boolean;
  /** Decoded bytes written to the sink. */
  contentsBytes: number;
  /** Problems found while streaming, each naming base64EncodedContents. */
  errors: ErrorEntry[];
}

/** Why reading stopped before the end of the body: the body cannot be accepted whatever else it holds. */
export class UploadRefusedError extends Error {
  constructor(readonly entry: ErrorEntry) {
    super(entry.message);
  }
}

export interface ScanLimits {
  maxBodyBytes: number;
  maxContentBytes: number;
  /** Messages for the two size refusals (decoded contents, whole body) and for non-canonical base64. */
  tooLarge(what: string): ErrorEntry;
  notBase64: ErrorEntry;
}

/**
 * Reads `body` to its end (or until it is refused, then cancels it) and streams the decoded contents to `sink`.
 * Throws UploadRefusedError for a body over a limit; other problems are returned in `errors`.
 */
export async function scanUpload(
  body: ReadableStream<Uint8Array> | null,
  sink: (bytes: Uint8Array) => Promise<void>,
  limits: ScanLimits,
): Promise<ScannedUpload> {
  const scanner = new UploadScanner(sink, limits);
  if (!body) return scanner.finish();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      await scanner.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  return scanner.finish();
}

type Mode = 'structure' | 'string' | 'contents';

class UploadScanner {
  private mode: Mode = 'structure';
  private depth = 0;
  private topIsObject = false;
  /** At the top level of the object, where the next string is a member name. */
  private expectingName = false;
  private lastName: string | undefined;
  /** Raw bytes of a member name being read (small: it is part of the rest). */
  private nameBytes: number[] | undefined;
  private escaped = false;
  /** Hex digits still expected after \u inside the contents, and those read so far. */
  private unicodeEscape: string | undefined;

  private readonly restChunks: Uint8Array[] = [];
  private restBytes = 0;
  private bodyBytes = 0;

  private contentsFound = false;
  private readonly decoder: Base64StreamDecoder;

  constructor(
    sink: (bytes: Uint8Array) => Promise<void>,
    private readonly limits: ScanLimits,
  ) {
    this.decoder = new Base64StreamDecoder(sink, limits);
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.bodyBytes += chunk.byteLength;
    if (this.bodyBytes > this.limits.maxBodyBytes) {
      throw new UploadRefusedError(this.limits.tooLarge(`makes the request body larger than ${this.limits.maxBodyBytes} bytes`));
    }
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const specials = new SpecialBytes(bytes);
    // Where the part of this chunk that belongs to the rest starts; -1 while inside the contents string.
    let restStart = this.mode === 'contents' ? -1 : 0;
    // The contents' characters found in this chunk, fed to the decoder at once.
    let contents: string[] = [];
    let index = 0;
    while (index < bytes.length) {
      if (this.mode === 'contents') {
        if (this.escaped || this.unicodeEscape !== undefined) {
          const char = this.escapeByte(bytes[index]!);
          if (char !== undefined) contents.push(char);
          index++;
          continue;
        }
        const end = specials.next(index);
        contents.push(bytes.toString('latin1', index, end));
        index = end;
        if (index >= bytes.length) break;
        if (bytes[index] === BACKSLASH) {
          this.escaped = true;
          index++;
          continue;
        }
        // The closing quote: the rest gets `""` where the string was.
        await this.decoder.feed(contents.join(''));
        contents = [];
        this.mode = 'string';
        restStart = index;
        continue;
      }
      if (this.mode === 'string') {
        index = this.stringByte(bytes, index, specials);
        continue;
      }
      const byte = bytes[index]!;
      if (byte === QUOTE) {
        const isContents = this.depth === 1 && this.topIsObject && !this.expectingName && this.lastName === CONTENTS_FIELD;
        if (isContents) {
          if (this.contentsFound) this.decoder.fail({ field: CONTENTS_FIELD, message: `${CONTENTS_FIELD} must appear only once.` });
          this.contentsFound = true;
          this.lastName = undefined;
          // Keep the opening quote in the rest, leave out everything up to the closing one.
          this.appendRest(bytes.subarray(restStart, index + 1));
          this.mode = 'contents';
          index++;
          restStart = -1;
          continue;
        }
        if (this.depth === 1 && this.topIsObject && this.expectingName) this.nameBytes = [];
        this.mode = 'string';
        index++;
        continue;
      }
      this.structureByte(byte);
      index++;
    }
    if (contents.length > 0) await this.decoder.feed(contents.join(''));
    if (restStart >= 0) this.appendRest(bytes.subarray(restStart));
  }

  finish(): Promise<ScannedUpload> {
    return this.decoder.end().then(() => ({
      rest: Buffer.concat(this.restChunks),
      contentsFound: this.contentsFound,
      contentsBytes: this.decoder.decodedBytes,
      errors: this.decoder.errors,
    }));
  }

  /** One byte after a backslash inside the contents: the escaped character (or undefined while \u is incomplete). */
  private escapeByte(byte: number): string | undefined {
    const char = String.fromCharCode(byte);
    if (this.unicodeEscape !== undefined) {
      this.unicodeEscape += char;
      if (this.unicodeEscape.length < 4) return undefined;
      const code = /^[0-9A-Fa-f]{4}$/.test(this.unicodeEscape) ? Number.parseInt(this.unicodeEscape, 16) : Number.NaN;
      this.unicodeEscape = undefined;
      // Not a character at all: JSON.parse would refuse the body; here it cannot be base64 either.
      return Number.isNaN(code) ? '\0' : String.fromCharCode(code);
    }
    this.escaped = false;
    if (char !== 'u') return SIMPLE_ESCAPES[char] ?? '\0';
    this.unicodeEscape = '';
    return undefined;
  }

  /** Inside a string kept in the rest: finds its end, collecting a member name's bytes. Returns the next index. */
  private stringByte(bytes: Buffer, index: number, specials: SpecialBytes): number {
    if (this.escaped) {
      this.escaped = false;
      this.nameBytes?.push(bytes[index]!);
      return index + 1;
    }
    const end = specials.next(index);
    if (this.nameBytes) for (let i = index; i < end; i++) this.nameBytes.push(bytes[i]!);
    if (end >= bytes.length) return end;
    if (bytes[end] === BACKSLASH) {
      this.escaped = true;
      this.nameBytes?.push(BACKSLASH);
      return end + 1;
    }
    this.mode = 'structure';
    if (this.nameBytes) {
      this.lastName = decodeName(this.nameBytes);
      this.nameBytes = undefined;
      this.expectingName = false;
    }
    return end + 1;
  }

  private structureByte(byte: number): void {
    switch (byte) {
      case 0x7b: // {
        if (this.depth === 0) {
          this.topIsObject = true;
          this.expectingName = true;
        }
        this.depth++;
        break;
      case 0x5b: // [
        this.depth++;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        this.depth--;
        break;
      case 0x2c: // ,
        if (this.depth === 1 && this.topIsObject) {
          this.expectingName = true;
          this.lastName = undefined;
        }
        break;
      default:
        // A value other than a string (number, literal, whitespace, ':') ends the member's interest in its name.
        if (this.depth === 1 && byte !== 0x3a && byte > 0x20) this.lastName = undefined;
    }
  }

  private appendRest(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.restBytes += bytes.byteLength;
    if (this.restBytes > MAX_BODY_REST_BYTES) {
      throw new UploadRefusedError({ message: `The request body holds more than ${MAX_BODY_REST_BYTES} bytes besides ${CONTENTS_FIELD}.` });
    }
    // Copied: the chunk's memory belongs to the stream.
    this.restChunks.push(Buffer.from(bytes));
  }
}

/**
 * The next quote or backslash at or after a position, for one chunk. Each search goes on from where the last one
 * stopped, so a chunk full of escapes (a JSON writer escaping every "/") is still scanned once, not once per escape.
 */
class SpecialBytes {
  private quote = -1;
  private backslash = -1;

  constructor(private readonly bytes: Buffer) {}

  next(from: number): number {
    if (this.quote !== this.bytes.length && this.quote < from) this.quote = this.find(QUOTE, from);
    if (this.backslash !== this.bytes.length && this.backslash < from) this.backslash = this.find(BACKSLASH, from);
    return Math.min(this.quote, this.backslash);
  }

  private find(byte: number, from: number): number {
    const at = this.bytes.indexOf(byte, from);
    return at < 0 ? this.bytes.length : at;
  }
}

/** A member name as JSON.parse would read it; undefined when it is not valid JSON (the full parse reports that). */
function decodeName(raw: number[]): string | undefined {
  try {
    return JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * Canonical base64 (RFC 4648 §4, as Buffer encodes it) decoded 4 characters at a time: alphabet A–Z a–z 0–9 + /,
 * "=" padding only at the end and only to a multiple of 4, zero pad bits. Stops writing at the first problem.
 */
class Base64StreamDecoder {
  readonly errors: ErrorEntry[] = [];
  decodedBytes = 0;
  private pending = '';
  private padding = 0;
  private lastQuad = '';
  private failed = false;

  constructor(
    private readonly sink: (bytes: Uint8Array) => Promise<void>,
    private readonly limits: ScanLimits,
  ) {}

  fail(entry: ErrorEntry): void {
    this.failed = true;
    if (!this.errors.some((seen) => seen.message === entry.message)) this.errors.push(entry);
  }

  async feed(text: string): Promise<void> {
    if (this.failed || text.length === 0) return;
    const firstPad = text.indexOf('=');
    const data = firstPad < 0 ? text : text.slice(0, firstPad);
    const pads = firstPad < 0 ? '' : text.slice(firstPad);
    if ((this.padding > 0 && data.length > 0) || !BASE64_ALPHABET.test(data) || /[^=]/.test(pads)) return this.fail(this.limits.notBase64);
    this.padding += pads.length;
    if (this.padding > 2) return this.fail(this.limits.notBase64);
    const all = this.pending + data + pads;
    const whole = all.length - (all.length % 4);
    this.pending = all.slice(whole);
    if (whole === 0) return;
    const quads = all.slice(0, whole);
    this.lastQuad = quads.slice(-4);
    const decoded = Buffer.from(quads, 'base64');
    this.decodedBytes += decoded.byteLength;
    if (this.decodedBytes > this.limits.maxContentBytes) {
      throw new UploadRefusedError(this.limits.tooLarge(`decodes to more than ${this.limits.maxContentBytes} bytes`));
    }
    await this.sink(decoded);
  }

  /** Checks what only the end can tell: a whole number of quads, and zero pad bits in the last one. */
  async end(): Promise<void> {
    if (this.failed) return;
    if (this.pending.length > 0) return this.fail(this.limits.notBase64);
    if (this.padding > 0 && Buffer.from(this.lastQuad, 'base64').toString('base64') !== this.lastQuad) this.fail(this.limits.notBase64);
  }
}
