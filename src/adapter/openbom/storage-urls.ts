/**
 * What the adapter may do with a storage URL OpenBOM redirected to: whether to follow it at all, and how long it may
 * be reused for further downloads of the same file. Pure functions over the URL and a time.
 */

/** Reuse a URL that does not say when it expires for this long. */
export const DEFAULT_REDIRECT_REUSE_MS = 30_000;
/**
 * Never reuse a redirect for longer than this, whatever the URL allows: it bounds how long a file OpenBOM replaced
 * under the same name is still served from its old storage object.
 */
export const MAX_REDIRECT_REUSE_MS = 300_000;
/** Stop reusing a URL this long before it expires (capped at a quarter of its lifetime): clock skew, slow starts. */
export const REDIRECT_EXPIRY_MARGIN_MS = 30_000;

/**
 * Whether OpenBOM's Location may be fetched: `https:` only, or `http:` when OpenBOM itself is reached over `http:`
 * (the mock, a test rig). Anything else — `data:`, `file:`, `ftp:`, `javascript:`, a URL with credentials — never.
 */
export function isFollowableStorageUrl(location: URL, openBomUrl: URL): boolean {
  if (location.username || location.password) return false;
  return location.protocol === 'https:' || (location.protocol === 'http:' && openBomUrl.protocol === 'http:');
}

/**
 * When a presigned storage URL expires (epoch ms), read from what it carries; undefined when it does not say.
 * - AWS S3 SigV4: `X-Amz-Date` (YYYYMMDD'T'HHMMSS'Z') + `X-Amz-Expires` (seconds);
 * - Google Cloud Storage V4: `X-Goog-Date` + `X-Goog-Expires`;
 * - S3 SigV2, GCS V2, CloudFront, the mock: `Expires` (unix seconds; any case);
 * - Azure SAS: `se` (ISO 8601 date-time).
 * Parameter names are matched ignoring case; the earliest expiry wins when several are present.
 */
export function storageUrlExpiry(url: URL): number | undefined {
  const params = new Map<string, string>();
  for (const [name, value] of url.searchParams) if (!params.has(name.toLowerCase())) params.set(name.toLowerCase(), value);
  const found: number[] = [];
  for (const vendor of ['amz', 'goog']) {
    const signedAt = parseCompactDate(params.get(`x-${vendor}-date`));
    const lifetime = params.get(`x-${vendor}-expires`);
    if (signedAt !== undefined && lifetime !== undefined && /^\d{1,9}$/.test(lifetime)) found.push(signedAt + Number(lifetime) * 1000);
  }
  const expires = params.get('expires');
  if (expires !== undefined && /^\d{1,12}$/.test(expires)) found.push(Number(expires) * 1000);
  const azure = params.get('se');
  if (azure !== undefined && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(azure)) {
    const at = Date.parse(azure.includes('T') && !/(Z|[+-]\d{2}:?\d{2})$/.test(azure) ? `${azure}Z` : azure);
    if (!Number.isNaN(at)) found.push(at);
  }
  return found.length > 0 ? Math.min(...found) : undefined;
}

/**
 * Until when a redirect received at `receivedAt` may be reused: short of the expiry its URL carries (by the margin,
 * at most a quarter of its lifetime), else the default; never more than MAX_REDIRECT_REUSE_MS. A result at or before
 * `receivedAt` means "do not reuse".
 */
export function redirectUsableUntil(location: URL, receivedAt: number): number {
  const expiresAt = storageUrlExpiry(location);
  const until =
    expiresAt === undefined
      ? receivedAt + DEFAULT_REDIRECT_REUSE_MS
      : expiresAt - Math.min(REDIRECT_EXPIRY_MARGIN_MS, (expiresAt - receivedAt) / 4);
  return Math.min(until, receivedAt + MAX_REDIRECT_REUSE_MS);
}

/** `20261207T031500Z` → epoch ms. */
function parseCompactDate(value: string | undefined): number | undefined {
  const match = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hours, minutes, seconds] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hours, minutes, seconds);
}
