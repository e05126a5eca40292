/** Options as the caller gives them → validated settings with defaults. Anything that makes a run impossible is a CannotRunError. */
import { randomBytes } from 'node:crypto';
import { headerName, SettingValueError, type SettingType } from '../src/shared/settings.js';
import type { ConformanceOptions } from './types.js';

/** The suite cannot run at all (bad options, nothing listening, DNS failure): one clear line, exit code 2. */
export class CannotRunError extends Error {
  override name = 'CannotRunError';
}

export interface Settings {
  /** Without a trailing slash. */
  baseUrl: string;
  apiKeyHeader: string;
  material: string;
  revision?: string;
  otherRevision?: string;
  unknownMaterial: string;
  /** A revision of `material` that does not exist. */
  unknownRevision: string;
  strict: boolean;
  timeoutMs: number;
  latencyBudgetMs: number;
  /** Origins besides the base URL's where links may point; they are sent the key, as Jakamo sends it. */
  allowedLinkOrigins: string[];
  /** With `v2`: the supplier the v2 checks work under, one that does not exist, and a marker unique to this run. */
  v2?: V2Settings;
}

export interface V2Settings {
  supplier: string;
  unknownSupplier: string;
  /** In the name of every document the run creates, so its checks find (and delete) exactly their own. */
  runMarker: string;
}

export const DEFAULT_API_KEY_HEADER = 'X-API-KEY';
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_LATENCY_BUDGET_MS = 2_000;

export function resolveSettings(options: ConformanceOptions): Settings {
  const baseUrl = normaliseBaseUrl(options.baseUrl);
  if (!options.apiKey) throw new CannotRunError('an API key is required (JAKAMO_API_KEY)');
  if (!options.material) throw new CannotRunError('a material (item number) with files is required (--material)');
  const apiKeyHeader = valid(headerName, options.apiKeyHeader ?? DEFAULT_API_KEY_HEADER, 'the API key header');
  if (options.otherRevision !== undefined && options.otherRevision === (options.revision ?? '')) {
    throw new CannotRunError('the other revision must differ from the revision');
  }
  const unknownMaterial = options.unknownMaterial ?? `JKCHECK-${randomBytes(6).toString('hex')}-NOSUCHITEM`;
  if (unknownMaterial === options.material) throw new CannotRunError('the unknown material must differ from the material');
  return {
    baseUrl,
    apiKeyHeader,
    material: options.material,
    revision: options.revision || undefined,
    otherRevision: options.otherRevision,
    unknownMaterial,
    unknownRevision: `JKCHECK-${randomBytes(4).toString('hex')}-NOSUCHREV`,
    strict: options.strict ?? false,
    timeoutMs: positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeout'),
    latencyBudgetMs: positive(options.latencyBudgetMs, DEFAULT_LATENCY_BUDGET_MS, 'latency budget'),
    allowedLinkOrigins: (options.allowLinkOrigins ?? []).map((origin, index) => valid(linkOrigin, origin, `allowLinkOrigins[${index}]`)),
    ...(options.v2 ? { v2: v2Settings(options.supplier) } : {}),
  };
}

function v2Settings(supplier: string | undefined): V2Settings {
  if (!supplier) throw new CannotRunError('the v2 checks need a supplier id to create test documents under (--supplier)');
  return {
    supplier: valid(supplierId, supplier, 'the supplier id'),
    unknownSupplier: `JKCHECK-${randomBytes(6).toString('hex')}-NOSUCHSUPPLIER`,
    runMarker: `jkcheck-${randomBytes(4).toString('hex')}`,
  };
}

function normaliseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CannotRunError(`"${raw}" is not a valid URL (expected e.g. https://plm.example.com/api/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CannotRunError(`"${raw}" is not an http:// or https:// URL`);
  if (url.username || url.password)
    throw new CannotRunError('the base URL must not contain credentials; the API key goes in JAKAMO_API_KEY');
  if (url.search || url.hash) throw new CannotRunError(`the base URL must not have a query or fragment: "${raw}"`);
  return url.href.replace(/\/+$/, '');
}

/** `https://files.example.com` (scheme, host and port; nothing else). The `check` command reads it with the same type. */
export const linkOrigin: SettingType<string> = {
  expected: 'an http or https origin, e.g. https://files.example.com',
  parse(raw) {
    const url = URL.canParse(raw.trim()) ? new URL(raw.trim()) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new SettingValueError(`must be ${linkOrigin.expected}`);
    if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
      throw new SettingValueError(`must be an origin only (scheme, host and port), e.g. ${url.origin}`);
    }
    return url.origin;
  },
};

/** The v2 contract's `supplier-id` is a path segment; one that cannot be one would test the URL, not the server. */
export const supplierId: SettingType<string> = {
  expected: 'a supplier id without spaces, /, ?, # or %',
  parse(raw) {
    const id = raw.trim();
    if (id === '' || /[\s/?#%]/.test(id)) throw new SettingValueError('must be a path segment: not empty, no spaces, /, ?, # or %');
    return id;
  },
};

/** A value checked by the type `check` reads it with; a bad one cannot run, named as `what` (never repeated: it might carry a credential). */
function valid<T>(type: SettingType<T>, raw: string, what: string): T {
  try {
    return type.parse(raw, 'flag');
  } catch (error) {
    if (error instanceof SettingValueError) throw new CannotRunError(`${what}: ${error.message}`);
    throw error;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new CannotRunError(`the ${name} must be a positive number of milliseconds`);
  return value;
}
