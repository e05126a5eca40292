import { Hono } from 'hono';
import { readAsset } from '../shared/assets.js';

/** What the simulator page needs to call the File Callback API as Jakamo's integration settings would. */
export interface DemoPageConfig {
  apiKeyHeader: string;
  apiKey: string;
  /** Base URL of the File Callback API; "" means the page's own origin. */
  baseUrl: string;
}

const PAGE_FILES = [
  { route: '/', asset: 'index.html', contentType: 'text/html; charset=utf-8' },
  { route: '/app.js', asset: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  { route: '/style.css', asset: 'style.css', contentType: 'text/css; charset=utf-8' },
] as const;

const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  // The page runs only its own script and talks only to its own origin (the adapter routes beside it).
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'",
};

/** The simulator page (plain files shipped as assets, read once) and its /demo-config.json. */
export function createPageApp(config: DemoPageConfig): Hono {
  const app = new Hono();
  for (const { route, asset, contentType } of PAGE_FILES) {
    const bytes = readAsset(`src/demo/page/${asset}`);
    app.get(route, (c) => c.body(new Uint8Array(bytes), 200, { ...PAGE_HEADERS, 'Content-Type': contentType }));
  }
  app.get('/demo-config.json', (c) => c.json(config, 200, { 'Cache-Control': 'no-store' }));
  return app;
}
