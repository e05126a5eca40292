/**
 * TLS failures in plain words. A TLS failure is a misconfiguration (https:// against a plain-HTTP server, an untrusted
 * or expired certificate), not a network blip: callers fail at once, without retries, with this one line instead of
 * OpenSSL's text ("…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:…").
 */

type ErrorLike = { code?: unknown; cause?: unknown; errors?: unknown };

/** The system error code behind a fetch failure: fetch wraps it in `cause`, sometimes in an AggregateError's parts. */
export function errorCodeOf(error: unknown): string | undefined {
  for (let current = error as ErrorLike | undefined, depth = 0; current && depth < 4; depth++) {
    if (typeof current.code === 'string') return current.code;
    const parts = Array.isArray(current.errors) ? (current.errors as ErrorLike[]) : [];
    const coded = parts.find((part) => typeof part?.code === 'string');
    if (coded) return coded.code as string;
    current = current.cause as ErrorLike | undefined;
  }
  return undefined;
}

const UNTRUSTED: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'signed by a self-signed authority this machine does not trust; for a private CA set NODE_EXTRA_CA_CERTS',
  UNABLE_TO_GET_ISSUER_CERT: 'signed by an authority this machine does not know; for a private CA set NODE_EXTRA_CA_CERTS',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'signed by an authority this machine does not know; for a private CA set NODE_EXTRA_CA_CERTS',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its chain is incomplete or signed by an unknown authority',
  CERT_UNTRUSTED: 'not trusted for this purpose',
  CERT_REVOKED: 'revoked',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
  CERT_REJECTED: 'rejected',
};

/**
 * What went wrong, when `error` (from fetch) is a TLS failure reaching `url`: a phrase to follow "the server" or a
 * name ("OpenBOM"), e.g. "does not speak TLS: try http://127.0.0.1:4010". Undefined for any other failure.
 */
export function describeTlsFailure(error: unknown, url: string): string | undefined {
  const code = errorCodeOf(error);
  if (code === undefined) return undefined;
  const target = new URL(url);
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || code === 'ERR_SSL_HTTP_REQUEST') {
    return `does not speak TLS: try http://${target.host}`;
  }
  if (code === 'CERT_HAS_EXPIRED') return 'has a certificate that has expired';
  if (code === 'CERT_NOT_YET_VALID') return 'has a certificate that is not valid yet (or this machine’s clock is wrong)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return `has a certificate that is not for ${target.hostname}`;
  }
  const untrusted = UNTRUSTED[code];
  if (untrusted) return `has a certificate that is not trusted (${untrusted})`;
  if (/^CERT_|_CERT(_|$)/.test(code)) return `has a certificate that cannot be verified (${code})`;
  if (/^ERR_SSL_.*(PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS)/.test(code)) {
    return 'shares no TLS version with this client (TLS 1.2 or later is needed)';
  }
  if (/^ERR_SSL_|^ERR_TLS_|^EPROTO$/.test(code)) return `refused the TLS handshake (${code})`;
  return undefined;
}
