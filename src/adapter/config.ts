import { mask } from '../shared/secrets.js';
import {
  defineSettings,
  headerName,
  list,
  nonNegativeInt,
  port,
  positiveInt,
  SettingValueError,
  text,
  url,
  type SettingType,
} from '../shared/settings.js';
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
  /** Where /metrics is served (Prometheus text); absent: no metrics endpoint. */
  metrics?: { host: string; port: number };
}

export const DEFAULT_OPENBOM_URL = 'https://developer-api.openbom.com';
export const DEFAULT_DATA_DIR = './data';

/** The only source allowed to carry a Redis password: the environment, like every other secret. */
const STATE_URL_ENV = 'JAKAMO_KIT_STATE_URL';

/** `memory`, or a Redis URL; one with a password only from the environment (files and command lines leak). */
const stateUrl: SettingType<string> = {
  expected: 'memory or a redis:// or rediss:// URL',
  parse(value, source) {
    const text = value.trim();
    if (text === DEFAULT_STATE_URL) return text;
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
      throw new SettingValueError(`must be ${this.expected}`);
    }
    if (url.password && source !== 'env') {
      throw new SettingValueError(`must not carry a password here (files and command lines leak); set the URL in ${STATE_URL_ENV}`);
    }
    return text;
  },
};

/** `mapping.files` (YAML only): `[{ column, type? }]`, the type defaulting to the column's name. */
const fileColumns: SettingType<FileColumn[]> = {
  expected: 'a list of { column, type } entries',
  parse() {
    throw new SettingValueError(`must be ${this.expected}`);
  },
  fromYaml(value) {
    if (!Array.isArray(value)) throw new SettingValueError(`must be ${this.expected}`);
    return value.map((entry: unknown, index) => {
      const at = `entry ${index + 1}`;
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        throw new SettingValueError(`${at}: must be { column, type }`);
      }
      const { column, type, ...rest } = entry as Record<string, unknown>;
      const unknown = Object.keys(rest)[0];
      if (unknown !== undefined) throw new SettingValueError(`${at}: unknown key "${unknown}" (known: column, type)`);
      const nonEmpty = (name: string, given: unknown) => {
        if (typeof given !== 'string' || given.trim() === '') throw new SettingValueError(`${at}: ${name} must be a non-empty text`);
        return given.trim();
      };
      const name = nonEmpty('column', column);
      return { column: name, type: type === undefined ? name : nonEmpty('type', type) };
    });
  },
};

/** OpenBOM's budget per app key (its published 5 requests/s): declared once for every command that talks to OpenBOM. */
export const OPENBOM_REQUESTS_PER_SECOND_SETTING = {
  flag: '--requests-per-second <n>',
  env: 'OPENBOM_REQUESTS_PER_SECOND',
  yaml: 'openbom.requestsPerSecond',
  type: positiveInt,
  default: 5,
  help: 'most requests per second sent to OpenBOM',
} as const;

/** OpenBOM's credentials, from the environment only: declared once for every command that logs in to OpenBOM. */
export const OPENBOM_CREDENTIAL_SETTINGS = {
  appKey: {
    env: 'OPENBOM_APP_KEY',
    secret: true,
    fingerprint: true,
    required: true,
    type: text,
    help: 'the OpenBOM developer application key',
  },
  username: { env: 'OPENBOM_USERNAME', secret: true, required: true, type: text, help: 'the OpenBOM user to log in as' },
  password: { env: 'OPENBOM_PASSWORD', secret: true, required: true, type: text, help: "that user's password" },
} as const;

/**
 * Every setting of `serve` once: its flag, environment variable, place in the YAML file, type, default and help.
 * Precedence flag > environment > file > default (src/shared/settings.ts); secrets come from the environment only.
 */
export const serveSettings = defineSettings({
  port: { flag: '--port <port>', env: 'JAKAMO_PORT', yaml: 'port', type: port, default: 8080, help: 'port to listen on, 0 = a free one' },
  host: { flag: '--host <host>', env: 'JAKAMO_HOST', yaml: 'host', type: text, default: '127.0.0.1', help: 'address to listen on' },
  publicBaseUrl: {
    flag: '--public-base-url <url>',
    env: 'JAKAMO_PUBLIC_BASE_URL',
    yaml: 'publicBaseUrl',
    type: url({ base: true }),
    defaultHelp: 'http://<host>:<port>',
    help: 'base URL of the download links, as Jakamo reaches this server',
  },
  apiKeyHeader: {
    flag: '--api-key-header <name>',
    env: 'JAKAMO_API_KEY_HEADER',
    yaml: 'apiKeyHeader',
    type: headerName,
    default: 'X-API-KEY',
    help: 'header carrying the Jakamo API key',
  },
  openbomUrl: {
    flag: '--openbom-url <url>',
    env: 'OPENBOM_URL',
    yaml: 'openbom.url',
    type: url({ base: true }),
    default: DEFAULT_OPENBOM_URL,
    help: 'OpenBOM API base URL',
  },
  catalogs: {
    flag: '--catalogs <ids>',
    env: 'OPENBOM_CATALOGS',
    yaml: 'openbom.catalogs',
    type: list(text, { atLeastOne: 'catalog id' }),
    default: [] as string[],
    defaultHelp: 'all',
    help: 'catalog ids to search, comma-separated, in order',
  },
  timeout: {
    flag: '--timeout <ms>',
    env: 'OPENBOM_TIMEOUT_MS',
    yaml: 'openbom.timeoutMs',
    type: positiveInt,
    default: 10_000,
    help: 'OpenBOM request timeout in ms',
  },
  requestsPerSecond: OPENBOM_REQUESTS_PER_SECOND_SETTING,
  cacheTtl: {
    flag: '--cache-ttl <seconds>',
    env: 'JAKAMO_CACHE_TTL_SECONDS',
    yaml: 'cacheTtlSeconds',
    type: nonNegativeInt,
    default: 60,
    help: 'how long part indexes and listings are cached, in seconds',
  },
  maxRetries: {
    flag: '--max-retries <n>',
    env: 'OPENBOM_MAX_RETRIES',
    yaml: 'openbom.maxRetries',
    type: nonNegativeInt,
    default: 3,
    help: 'retries of a failed OpenBOM request',
  },
  dataDir: {
    flag: '--data-dir <dir>',
    env: 'JAKAMO_DATA_DIR',
    yaml: 'dataDir',
    type: text,
    default: DEFAULT_DATA_DIR,
    help: 'where v2 supplier documents are stored',
  },
  maxDocumentBytes: {
    flag: '--max-document-bytes <n>',
    env: 'JAKAMO_MAX_DOCUMENT_BYTES',
    yaml: 'maxDocumentBytes',
    type: positiveInt,
    default: DEFAULT_MAX_CONTENT_BYTES,
    help: 'largest v2 supplier document accepted, in bytes',
  },
  stateUrl: {
    flag: '--state-url <url>',
    env: STATE_URL_ENV,
    yaml: 'stateUrl',
    type: stateUrl,
    default: DEFAULT_STATE_URL,
    help: 'memory, or redis://… or rediss://… to share tokens, rate limit and caches between replicas',
  },
  stateKeyPrefix: {
    flag: '--state-key-prefix <prefix>',
    env: 'JAKAMO_KIT_STATE_KEY_PREFIX',
    yaml: 'stateKeyPrefix',
    type: text,
    default: DEFAULT_STATE_KEY_PREFIX,
    help: 'start of every Redis key name',
  },
  metricsPort: {
    flag: '--metrics-port <port>',
    env: 'JAKAMO_METRICS_PORT',
    yaml: 'metrics.port',
    type: port,
    defaultHelp: 'off',
    help: 'serve Prometheus metrics at /metrics on this port',
  },
  metricsHost: {
    flag: '--metrics-host <host>',
    env: 'JAKAMO_METRICS_HOST',
    yaml: 'metrics.host',
    type: text,
    default: '127.0.0.1',
    help: 'address the metrics port listens on',
  },
  partNumberColumn: {
    yaml: 'mapping.partNumberColumn',
    type: text,
    default: 'Part Number',
    help: "column holding the part number Jakamo's materialId is matched against",
  },
  revisionColumn: { yaml: 'mapping.revisionColumn', type: text, default: 'Revision', help: "column holding a row's revision" },
  descriptionColumn: {
    yaml: 'mapping.descriptionColumn',
    type: text,
    default: 'Description',
    help: 'column whose text describes each document',
  },
  fileColumns: {
    yaml: 'mapping.files',
    type: fileColumns,
    defaultHelp: 'every column holding OpenBOM files, typed by its name',
    help: 'the file columns and the type shown for each',
  },
  apiKeys: {
    env: 'JAKAMO_API_KEYS',
    secret: true,
    fingerprint: true,
    required: true,
    type: list(text, { atLeastOne: 'key' }),
    help: 'the API keys Jakamo may send, comma-separated, two during a rotation',
  },
  ...OPENBOM_CREDENTIAL_SETTINGS,
});

type ServeSpecs = typeof serveSettings.specs;
type FlagSetting = { [K in keyof ServeSpecs]: ServeSpecs[K] extends { flag: string } ? K : never }[keyof ServeSpecs];

/** Flags by setting name, as commander hands them over or as code sets them (numbers, lists); every one optional. */
export type AdapterFlags = Partial<Record<FlagSetting, string | number | readonly string[]>>;

export interface LoadAdapterConfigOptions {
  flags?: AdapterFlags;
  env?: Record<string, string | undefined>;
  /** Path of the YAML config file (--config). */
  configFile?: string;
}

/** Builds the adapter's configuration from a YAML file, the environment and flags (flags win); every problem in one line. */
export function loadAdapterConfig({ flags = {}, env = {}, configFile }: LoadAdapterConfigOptions): AdapterConfig {
  const values = serveSettings.resolve({
    // A value set in code is read as if typed: one parser, one set of errors.
    flags: Object.fromEntries(
      Object.entries(flags as Record<string, string | number | readonly string[] | undefined>)
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
    ),
    env,
    ...(configFile === undefined ? {} : { configFile }),
  });
  const { port, host } = values;
  return {
    port,
    host,
    publicBaseUrl: values.publicBaseUrl ?? defaultPublicBaseUrl(host, port),
    apiKeyHeader: values.apiKeyHeader,
    apiKeys: values.apiKeys,
    cacheTtlSeconds: values.cacheTtl,
    dataDir: values.dataDir,
    maxDocumentBytes: values.maxDocumentBytes,
    openbom: {
      url: values.openbomUrl,
      appKey: values.appKey,
      username: values.username,
      password: values.password,
      catalogs: values.catalogs,
      timeoutMs: values.timeout,
      requestsPerSecond: values.requestsPerSecond,
      maxRetries: values.maxRetries,
    },
    mapping: {
      partNumberColumn: values.partNumberColumn,
      revisionColumn: values.revisionColumn,
      descriptionColumn: values.descriptionColumn,
      ...(values.fileColumns ? { files: values.fileColumns } : {}),
    },
    state: { url: values.stateUrl, keyPrefix: values.stateKeyPrefix },
    ...(values.metricsPort !== undefined ? { metrics: { host: values.metricsHost, port: values.metricsPort } } : {}),
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
      appKey: mask(config.openbom.appKey, { fingerprint: true }),
      username: mask(config.openbom.username),
      password: mask(config.openbom.password),
      catalogs: config.openbom.catalogs.length === 0 ? 'all' : config.openbom.catalogs,
    },
    mapping: config.mapping,
    state: { url: describeStateUrl(config.state.url), keyPrefix: config.state.keyPrefix },
    metrics: config.metrics ?? 'off',
  };
}
