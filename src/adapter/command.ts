import type { Command } from 'commander';
import { createLogger } from '../shared/logger.js';
import { listen, stopOnSignals } from '../shared/server.js';
import { parseNonNegativeInt, parsePort, parsePositiveInt, UsageError } from '../shared/cli-support.js';
import { createAdapterApp } from './app.js';
import { defaultPublicBaseUrl, describeConfig, loadAdapterConfig, type AdapterFlags } from './config.js';
import { openBomClientFromConfig } from './openbom-client.js';
import { createSharedState } from './state/index.js';
import { createFileSystemStore, type SupplierDocumentStore } from './supplier-documents/index.js';

/** `jakamo-kit serve`: the Jakamo File Callback API in front of OpenBOM (or the mock). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the Jakamo File Callback API from OpenBOM (secrets from JAKAMO_API_KEYS, OPENBOM_APP_KEY, OPENBOM_USERNAME, OPENBOM_PASSWORD)')
    .option('--config <file>', 'YAML configuration file (see adapter.example.yaml)')
    .option('--port <port>', 'port to listen on (default 8080)', parsePort)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--public-base-url <url>', 'base URL of the download links (default http://<host>:<port>)')
    .option('--api-key-header <name>', 'header carrying the Jakamo API key (default X-API-KEY)')
    .option('--openbom-url <url>', 'OpenBOM API base URL (default https://developer-api.openbom.com)')
    .option('--catalogs <ids>', 'comma-separated catalog ids to search (default all)')
    .option('--timeout <ms>', 'OpenBOM request timeout in ms (default 10000)', parsePositiveInt)
    .option('--requests-per-second <n>', 'most requests per second sent to OpenBOM (default 5)', parsePositiveInt)
    .option('--cache-ttl <seconds>', 'how long part indexes and listings are cached (default 60)', parseNonNegativeInt)
    .option('--max-retries <n>', 'retries of a failed OpenBOM request (default 3)', parseNonNegativeInt)
    .option('--data-dir <dir>', 'where v2 supplier documents are stored (default ./data)')
    .option('--max-document-bytes <n>', 'largest v2 supplier document accepted, in bytes (default 52428800, 50 MiB)', parsePositiveInt)
    .option('--state-url <url>', 'memory (default), or redis://… / rediss://… to share tokens, rate limit and caches between replicas')
    .option('--state-key-prefix <prefix>', 'start of every Redis key name (default jakamo-kit:)')
    .action(async (options: AdapterFlags & { config?: string }) => {
      const { config: configFile, ...flags } = options;
      const config = loadAdapterConfig({ flags, env: process.env, ...(configFile !== undefined ? { configFile } : {}) });
      const logger = createLogger();
      const supplierDocuments = await openSupplierDocuments(config.dataDir);
      // Before listening: a replica that cannot reach its Redis at start exits (exit 1) instead of answering 502s.
      const state = await createSharedState(config.state, { appKey: config.openbom.appKey, openBomUrl: config.openbom.url }, logger);
      const openbom = openBomClientFromConfig(config.openbom, { logger, state });
      // The app is built once the port is known, so that --port 0 still yields usable default links.
      let app: ReturnType<typeof createAdapterApp> | undefined;
      const server = await listen({ fetch: (request) => app!.fetch(request) }, { host: config.host, port: config.port });
      if (config.publicBaseUrl === defaultPublicBaseUrl(config.host, config.port)) {
        config.publicBaseUrl = defaultPublicBaseUrl(config.host, server.port);
      }
      app = createAdapterApp({ config, openbom, logger, supplierDocuments, state });
      // Before the start-up line: whoever waits for that line may stop the process right after it.
      stopOnSignals(async () => {
        await server.close();
        await state.close();
      });
      logger.info('jakamo-kit serve listening', { url: server.url, config: describeConfig(config) });
      if (/^https?:\/\/(0\.0\.0\.0|\[::\])[:/]/.test(config.publicBaseUrl)) {
        logger.warn('download links point at a wildcard address; set --public-base-url to the address Jakamo uses', {
          publicBaseUrl: config.publicBaseUrl,
        });
      }
    });
}

/** The filesystem store under --data-dir; a directory that cannot be created or written is a usage error. */
async function openSupplierDocuments(dataDir: string): Promise<SupplierDocumentStore> {
  try {
    return await createFileSystemStore({ dir: dataDir });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`--data-dir: cannot store documents in ${dataDir} (${code})`);
  }
}
