import type { AdapterConfig } from '../config.js';
import { createTransport, type OpenBomTransport, type TransportOptions } from './transport.js';
import { OpenBomError, type OpenBomClient, type OpenBomTable, type RequestOptions } from './types.js';

export type OpenBomClientOptions = TransportOptions;

/** The OpenBOM settings of a loaded adapter configuration. */
export type OpenBomSettings = Pick<
  AdapterConfig['openbom'],
  'url' | 'appKey' | 'username' | 'password' | 'requestsPerSecond' | 'timeoutMs' | 'maxRetries'
>;

/** The client a loaded configuration describes; `extra` adds what is not configuration (logger, state, telemetry, test doubles). */
export function openBomClientFromConfig(
  settings: OpenBomSettings,
  extra: Partial<Omit<OpenBomClientOptions, 'baseUrl' | 'appKey' | 'username' | 'password'>> = {},
): OpenBomClient {
  return createOpenBomClient({
    baseUrl: settings.url,
    appKey: settings.appKey,
    username: settings.username,
    password: settings.password,
    requestsPerSecond: settings.requestsPerSecond,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    ...extra,
  });
}

/** The OpenBOM calls the adapter makes, over one transport (auth, permits, retries: see transport.ts). */
export function createOpenBomClient(options: OpenBomClientOptions): OpenBomClient {
  return openBomClientOver(createTransport(options));
}

export function openBomClientOver(transport: OpenBomTransport): OpenBomClient {
  async function getTable(path: string, params: Record<string, string>, options: RequestOptions | undefined): Promise<OpenBomTable> {
    const data = await transport.getJson<Partial<OpenBomTable> | null>(path, { ...options, params });
    if (!data || !Array.isArray(data.columns) || !Array.isArray(data.cells) || !data.cells.every(Array.isArray)) {
      throw new OpenBomError(`OpenBOM sent a document without columns and cells (GET ${path})`);
    }
    return { columns: data.columns.map(String), cells: data.cells };
  }

  async function getArray(path: string, params: Record<string, string>, options: RequestOptions | undefined): Promise<unknown[]> {
    const data: unknown = await transport.getJson(path, { ...options, params });
    if (!Array.isArray(data)) throw new OpenBomError(`OpenBOM sent something other than a list (GET ${path})`);
    return data as unknown[];
  }

  return {
    async listCatalogs(options) {
      const items = await getArray('/catalogs', {}, options);
      return items.flatMap((item) => {
        const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
        return typeof id === 'string' && id !== '' ? [{ id, ...(typeof name === 'string' ? { name } : {}) }] : [];
      });
    },
    getCatalog: (catalogId, options) => getTable('/catalog/:id', { id: catalogId }, options),
    async listItemRevisions(catalogId, partNumber, options) {
      const items = await getArray('/catalog/:id/revisions/partnumber/:partNumber', { id: catalogId, partNumber }, options);
      return items.filter((item): item is { revision?: unknown } => item !== null && typeof item === 'object');
    },
    getMergedRevisions: (catalogId, partNumber, options) =>
      getTable('/catalog/:id/revisions/merged/partnumber/:partNumber', { id: catalogId, partNumber }, options),
    openFile: (fileUrl, options) => transport.openFile(fileUrl, options),
  };
}
