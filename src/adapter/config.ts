import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../shared/cli-support.js';
import { mask } from '../shared/secrets.js';
import { DEFAULT_STATE_KEY_PREFIX, DEFAULT_STATE_URL, describeStateUrl, type StateSettings } from './state/shared-state.js';
import { DEFAULT_MAX_CONTENT_BYTES } from './supplier-documents/index.js';

/** A file column of the mapping: which OpenBOM column holds a file, and the `type` Jakamo shows for it. */
export interface FileColumn {
  column: string;
  type: string;
}

export interface MappingConfig {
  partNumberColumn: string;
  revisionColumn: string;
  descriptionColumn: string;
  /** Absent: every column whose cell is an OpenBOM file URL is a file, typed with the column name. */
  files?: FileColumn[];
}

export interface OpenBomConfig {
  url: string;
  appKey: string;
  username: string;
  password: string;
  /** Catalog ids to search, in order (the first one holding a part number wins); empty = all catalogs. */
  catalogs: string[];
  timeoutMs: number;
  requestsPerSecond: number;
  maxRetries: number;
}

export interface AdapterConfig {
  port: number;
  host: string;
  /** Origin (and optional path prefix) that download links are built on; no trailing slash. */
  publicBaseUrl: string;
  apiKeyHeader: string;
  /** Accepted Jakamo API keys (several while a key is being rotated). */
  apiKeys: string[];
  cacheTtlSeconds: number;
  /** Where v2 supplier documents are stored (`<dataDir>/supplier-documents`). */
  dataDir: string;
  /** Largest v2 supplier document accepted, in decoded bytes. */
  maxDocumentBytes: number;
  openbom: OpenBomConfig;
  mapping: MappingConfig;
  /** Where tokens, the rate limit and caches live: this process's memory, or Redis shared by replicas. */
  state: StateSettings;
}

/** Flags as commander hands them over (camel-cased option names); every one optional. */
export interface AdapterFlags {
  port?: number | string;
  host?: string;
  publicBaseUrl?: string;
  apiKeyHeader?: string;
  openbomUrl?: string;
  catalogs?: string | string[];
  timeout?: number | string;
  requestsPerSecond?: number | string;
  cacheTtl?: number | string;
  maxRetries?: number | string;
  stateUrl?: string;
  stateKeyPrefix?: string;
  dataDir?: string;
  maxDocumentBytes?: number | string;
}

export interface LoadAdapterConfigOptions {
  flags?: AdapterFlags;
  env?: Record<string, string | undefined>;
  /** Path of the YAML config file (--config). */
  configFile?: string;
}

export const DEFAULT_OPENBOM_URL = 'https://developer-api.openbom.com';
export const DEFAULT_DATA_DIR = './data';

type Kind = 'port' | 'string' | 'header' | 'url' | 'list' | 'positiveInt' | 'nonNegativeInt' | 'stateUrl';

/** The only source allowed to carry a Redis password: the environment, like every other secret. */
const STATE_URL_ENV = 'JAKAMO_KIT_STATE_URL';

/**
 * Every plain setting once: its flag, its environment variable, its place in the YAML file and its default.
 * Precedence is file < env < flag; each source is checked where it is read so an error names that source.
 */
const SETTINGS = [
  { key: 'port', flag: 'port', option: '--port', env: 'JAKAMO_PORT', file: ['port'], kind: 'port', fallback: 8080 },
  { key: 'host', flag: 'host', option: '--host', env: 'JAKAMO_HOST', file: ['host'], kind: 'string', fallback: '127.0.0.1' },
  { key: 'publicBaseUrl', flag: 'publicBaseUrl', option: '--public-base-url', env: 'JAKAMO_PUBLIC_BASE_URL', file: ['publicBaseUrl'], kind: 'url' },
  { key: 'apiKeyHeader', flag: 'apiKeyHeader', option: '--api-key-header', env: 'JAKAMO_API_KEY_HEADER', file: ['apiKeyHeader'], kind: 'header', fallback: 'X-API-KEY' },
  { key: 'cacheTtlSeconds', flag: 'cacheTtl', option: '--cache-ttl', env: 'JAKAMO_CACHE_TTL_SECONDS', file: ['cacheTtlSeconds'], kind: 'nonNegativeInt', fallback: 60 },
  { key: 'dataDir', flag: 'dataDir', option: '--data-dir', env: 'JAKAMO_DATA_DIR', file: ['dataDir'], kind: 'string', fallback: DEFAULT_DATA_DIR },
  { key: 'maxDocumentBytes', flag: 'maxDocumentBytes', option: '--max-document-bytes', env: 'JAKAMO_MAX_DOCUMENT_BYTES', file: ['maxDocumentBytes'], kind: 'positiveInt', fallback: DEFAULT_MAX_CONTENT_BYTES },
  { key: 'openbomUrl', flag: 'openbomUrl', option: '--openbom-url', env: 'OPENBOM_URL', file: ['openbom', 'url'], kind: 'url', fallback: DEFAULT_OPENBOM_URL },
  { key: 'catalogs', flag: 'catalogs', option: '--catalogs', env: 'OPENBOM_CATALOGS', file: ['openbom', 'catalogs'], kind: 'list', fallback: [] },
  { key: 'timeoutMs', flag: 'timeout', option: '--timeout', env: 'OPENBOM_TIMEOUT_MS', file: ['openbom', 'timeoutMs'], kind: 'positiveInt', fallback: 10_000 },
  { key: 'requestsPerSecond', flag: 'requestsPerSecond', option: '--requests-per-second', env: 'OPENBOM_REQUESTS_PER_SECOND', file: ['openbom', 'requestsPerSecond'], kind: 'positiveInt', fallback: 5 },
  { key: 'maxRetries', flag: 'maxRetries', option: '--max-retries', env: 'OPENBOM_MAX_RETRIES', file: ['openbom', 'maxRetries'], kind: 'nonNegativeInt', fallback: 3 },
  { key: 'stateUrl', flag: 'stateUrl', option: '--state-url', env: STATE_URL_ENV, file: ['stateUrl'], kind: 'stateUrl', fallback: DEFAULT_STATE_URL },
  { key: 'stateKeyPrefix', flag: 'stateKeyPrefix', option: '--state-key-prefix', env: 'JAKAMO_KIT_STATE_KEY_PREFIX', file: ['stateKeyPrefix'], kind: 'string', fallback: DEFAULT_STATE_KEY_PREFIX },
] as const satisfies ReadonlyArray<{
  key: string;
  flag: keyof AdapterFlags;
  option: string;
  env: string;
  file: readonly string[];
  kind: Kind;
  fallback?: unknown;
}>;

/** Secrets: from the environment only, so they stay out of files, shell history and process listings. */
const SECRET_ENV = {
  apiKeys: 'JAKAMO_API_KEYS',
  appKey: 'OPENBOM_APP_KEY',
  username: 'OPENBOM_USERNAME',
  password: 'OPENBOM_PASSWORD',
} as const;

const DEFAULT_MAPPING: MappingConfig = {
  partNumberColumn: 'Part Number',
  revisionColumn: 'Revision',
  descriptionColumn: 'Description',
};

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const configFileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: nonEmptyString,
    publicBaseUrl: nonEmptyString,
    apiKeyHeader: nonEmptyString,
    cacheTtlSeconds: { type: 'integer', minimum: 0 },
    stateUrl: nonEmptyString,
    stateKeyPrefix: nonEmptyString,
    dataDir: nonEmptyString,
    maxDocumentBytes: { type: 'integer', minimum: 1 },
    openbom: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: nonEmptyString,
        catalogs: { type: 'array', items: nonEmptyString },
        timeoutMs: { type: 'integer', minimum: 1 },
        requestsPerSecond: { type: 'integer', minimum: 1 },
        maxRetries: { type: 'integer', minimum: 0 },
      },
    },
    mapping: {
      type: 'object',
      additionalProperties: false,
      properties: {
        partNumberColumn: nonEmptyString,
        revisionColumn: nonEmptyString,
        descriptionColumn: nonEmptyString,
        files: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['column'],
            properties: { column: nonEmptyString, type: nonEmptyString },
          },
        },
      },
    },
  },
} as const;

let validateFile: ReturnType<Ajv['compile']> | undefined;

/** Builds the adapter's configuration from a YAML file, the environment and flags (flags win). */
export function loadAdapterConfig({ flags = {}, env = {}, configFile }: LoadAdapterConfigOptions): AdapterConfig {
  const file = configFile === undefined ? {} : readConfigFile(configFile);
  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const fromFlag = flags[setting.flag];
    const fromEnv = env[setting.env];
    const fromFile = valueAt(file, setting.file);
    if (fromFlag !== undefined) values[setting.key] = checkSetting(setting.kind, fromFlag, setting.option);
    else if (fromEnv !== undefined && fromEnv !== '') values[setting.key] = checkSetting(setting.kind, fromEnv, setting.env);
    else if (fromFile !== undefined) values[setting.key] = checkSetting(setting.kind, fromFile, `${setting.file.join('.')} in ${configFile}`);
    else if ('fallback' in setting) values[setting.key] = setting.fallback;
  }
  const port = values.port as number;
  const host = values.host as string;
  return {
    port,
    host,
    publicBaseUrl: ((values.publicBaseUrl as string | undefined) ?? defaultPublicBaseUrl(host, port)).replace(/\/+$/, ''),
    apiKeyHeader: values.apiKeyHeader as string,
    apiKeys: requireApiKeys(env),
    cacheTtlSeconds: values.cacheTtlSeconds as number,
    dataDir: values.dataDir as string,
    maxDocumentBytes: values.maxDocumentBytes as number,
    openbom: {
      url: (values.openbomUrl as string).replace(/\/+$/, ''),
      appKey: requireSecret(env, SECRET_ENV.appKey),
      username: requireSecret(env, SECRET_ENV.username),
      password: requireSecret(env, SECRET_ENV.password),
      catalogs: values.catalogs as string[],
      timeoutMs: values.timeoutMs as number,
      requestsPerSecond: values.requestsPerSecond as number,
      maxRetries: values.maxRetries as number,
    },
    mapping: readMapping(file),
    state: { url: values.stateUrl as string, keyPrefix: values.stateKeyPrefix as string },
  };
}

/** `http://<host>:<port>`, the link base when --public-base-url is not given. */
export function defaultPublicBaseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The configuration as it may be printed: secrets masked or counted, never shown. */
export function describeConfig(config: AdapterConfig): Record<string, unknown> {
  return {
    host: config.host,
    port: config.port,
    publicBaseUrl: config.publicBaseUrl,
    apiKeyHeader: config.apiKeyHeader,
    apiKeys: config.apiKeys.length,
    cacheTtlSeconds: config.cacheTtlSeconds,
    dataDir: config.dataDir,
    maxDocumentBytes: config.maxDocumentBytes,
    openbom: {
      ...config.openbom,
      appKey: mask(config.openbom.appKey),
      username: mask(config.openbom.username),
      password: mask(config.openbom.password),
      catalogs: config.openbom.catalogs.length === 0 ? 'all' : config.openbom.catalogs,
    },
    mapping: config.mapping,
    state: { url: describeStateUrl(config.state.url), keyPrefix: config.state.keyPrefix },
  };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`--config: cannot read ${path} (${code})`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new UsageError(`--config: ${path} is not valid YAML: ${firstLine(error)}`);
  }
  data ??= {};
  validateFile ??= new Ajv({ allErrors: false, strict: true }).compile(configFileSchema);
  if (!validateFile(data)) throw new UsageError(`--config: ${path}: ${describeSchemaError(validateFile.errors?.[0])}`);
  return data as Record<string, unknown>;
}

function describeSchemaError(error: ErrorObject | undefined): string {
  if (!error) return 'invalid configuration';
  const where = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'the file';
  if (error.keyword === 'additionalProperties') {
    const name = String((error.params as { additionalProperty: string }).additionalProperty);
    const secret = secretHint(name);
    return `unknown setting "${where === 'the file' ? name : `${where}.${name}`}"${secret}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Points at the environment variable when someone tries to put a secret into the file. */
function secretHint(name: string): string {
  const lower = name.toLowerCase();
  if (lower.includes('apikey') || lower === 'keys') return ` (API keys come from ${SECRET_ENV.apiKeys})`;
  if (lower.includes('appkey')) return ` (the app key comes from ${SECRET_ENV.appKey})`;
  if (lower.includes('user')) return ` (the username comes from ${SECRET_ENV.username})`;
  if (lower.includes('password')) return ` (the password comes from ${SECRET_ENV.password})`;
  return '';
}

function readMapping(file: Record<string, unknown>): MappingConfig {
  const mapping = (file.mapping ?? {}) as Partial<{ files: Array<{ column: string; type?: string }> }> & Partial<MappingConfig>;
  const files = mapping.files?.map(({ column, type }) => ({ column, type: type ?? column }));
  return {
    partNumberColumn: mapping.partNumberColumn ?? DEFAULT_MAPPING.partNumberColumn,
    revisionColumn: mapping.revisionColumn ?? DEFAULT_MAPPING.revisionColumn,
    descriptionColumn: mapping.descriptionColumn ?? DEFAULT_MAPPING.descriptionColumn,
    ...(files ? { files } : {}),
  };
}

function checkSetting(kind: Kind, raw: unknown, name: string): unknown {
  const fail = (what: string): never => {
    throw new UsageError(`${name}: ${what}`);
  };
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (kind) {
    case 'port':
    case 'positiveInt':
    case 'nonNegativeInt': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : NaN;
      if (kind === 'port' && !(Number.isInteger(n) && n >= 0 && n <= 65535)) return fail('must be a port number from 0 to 65535');
      if (kind === 'positiveInt' && !(Number.isSafeInteger(n) && n > 0)) return fail('must be a whole number above 0');
      if (kind === 'nonNegativeInt' && !(Number.isSafeInteger(n) && n >= 0)) return fail('must be a whole number, 0 or more');
      return n;
    }
    case 'string':
      return typeof text === 'string' && text !== '' ? text : fail('must not be empty');
    case 'header':
      // An HTTP header name is a token (RFC 9110); anything else could never arrive on a request.
      return typeof text === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(text) ? text : fail('must be an HTTP header name');
    case 'url': {
      if (typeof text !== 'string') return fail('must be an http(s) URL');
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        return fail('must be an http(s) URL');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must be an http(s) URL');
      if (url.search || url.hash || url.username || url.password) return fail('must not carry a query, fragment or credentials');
      return text;
    }
    case 'stateUrl': {
      if (text === DEFAULT_STATE_URL) return text;
      const url = typeof text === 'string' && URL.canParse(text) ? new URL(text) : undefined;
      if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
        return fail('must be memory or a redis:// or rediss:// URL');
      }
      if (url.password && name !== STATE_URL_ENV) return fail(`must not carry a password here (files and command lines leak); set the URL in ${STATE_URL_ENV}`);
      return text;
    }
    case 'list': {
      const items = Array.isArray(text) ? text.map((item) => String(item).trim()) : String(text).split(',').map((item) => item.trim());
      const ids = items.filter((item) => item !== '');
      return ids.length > 0 ? ids : fail('must list at least one catalog id (omit it to search all catalogs)');
    }
  }
}

function requireSecret(env: Record<string, string | undefined>, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new UsageError(`${name} is not set (OpenBOM credentials come from the environment)`);
  return value;
}

function requireApiKeys(env: Record<string, string | undefined>): string[] {
  const keys = (env[SECRET_ENV.apiKeys] ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (keys.length === 0) throw new UsageError(`${SECRET_ENV.apiKeys} is not set (comma-separated API keys Jakamo may send)`);
  return keys;
}

function valueAt(data: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
