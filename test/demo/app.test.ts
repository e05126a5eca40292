import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEMO_API_KEY,
  DEMO_API_KEY_HEADER,
  DEMO_MATERIAL,
  DEMO_OTHER_REVISION,
  DEMO_REVISION,
  createDemoApp,
  demoExample,
  startDemo,
} from '../../src/demo/app.js';
import { runCli } from '../support/cli.js';
import { smallFixture } from '../snapshot/helpers.js';

const root = join(import.meta.dirname, '../..');
const pageConfig = { apiKeyHeader: 'X-Custom-Key', apiKey: 'page-key', baseUrl: '' };

/** A stand-in adapter that echoes what reached it. */
const echoAdapter = {
  fetch: async (request: Request) =>
    Response.json({ reached: 'adapter', method: request.method, url: request.url, key: request.headers.get('x-api-key') }, { status: 418 }),
};

describe('createDemoApp (page and adapter on one origin)', () => {
  const app = createDemoApp({ adapter: echoAdapter, page: pageConfig });

  it.each([
    ['/', 'index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'style.css', 'text/css; charset=utf-8'],
  ])('serves %s from the page assets', async (path, file, contentType) => {
    const response = await app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toBe(readFileSync(join(root, 'src/demo/page', file), 'utf8'));
  });

  it('serves the integration settings the page uses as /demo-config.json', async () => {
    const response = await app.request('/demo-config.json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(pageConfig);
  });

  it.each([
    ['GET', '/materials/documents?materialId=55-554354&revision=120'],
    ['GET', '/materials/documents/download?materialId=a&column=Drawing&fileName=x.pdf'],
    ['GET', '/no-such-page'],
    ['POST', '/'],
  ])('hands %s %s to the adapter unchanged', async (method, path) => {
    const response = await app.request(path, { method, headers: { 'X-API-KEY': 'k' } });
    expect(response.status).toBe(418);
    expect(await response.json()).toEqual({ reached: 'adapter', method, url: `http://localhost${path}`, key: 'k' });
  });
});

describe('startDemo', () => {
  it('serves listings whose links are on its own origin, refuses a wrong key, and stops both servers on close', async () => {
    const demo = await startDemo({ port: 0 });
    let closed = false;
    try {
      const listing = await fetch(`${demo.url}/materials/documents?materialId=55-554354`, {
        headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY },
      });
      expect(listing.status).toBe(200);
      const { data } = (await listing.json()) as { data: Array<{ link: string }> };
      expect(data.length).toBeGreaterThan(0);
      for (const { link } of data) expect(new URL(link).origin).toBe(demo.url);

      const refused = await fetch(`${demo.url}/materials/documents?materialId=55-554354`, { headers: { [DEMO_API_KEY_HEADER]: 'wrong' } });
      expect(refused.status).toBe(401);
      await refused.arrayBuffer();

      await demo.close();
      closed = true;
      await expect(fetch(`${demo.url}/`)).rejects.toThrow();
      await expect(fetch(`${demo.openBomUrl}/`)).rejects.toThrow();
    } finally {
      if (!closed) await demo.close();
    }
  });
});

describe('demo --fixtures (another fixture, e.g. a snapshot)', () => {
  it('serves the given fixture and picks its first part with two revisions as the example', async () => {
    const fixture = smallFixture();
    const part = fixture.catalogs[0]!.parts[0]!;
    const material = part.row['Part Number'] as string;
    const demo = await startDemo({ port: 0, fixture });
    try {
      expect(demo.example).toEqual({ material, revision: 'A', otherRevision: 'B' });
      const listing = await fetch(`${demo.url}/materials/documents?materialId=${encodeURIComponent(material)}`, {
        headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY },
      });
      expect(listing.status).toBe(200);
      const { data } = (await listing.json()) as { data: Array<{ link: string }> };
      expect(data.length).toBeGreaterThan(0);
      // Not the default fixture: its example item is not there.
      const absent = await fetch(`${demo.url}/materials/documents?materialId=${DEMO_MATERIAL}`, {
        headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY },
      });
      expect(((await absent.json()) as { data: unknown[] }).data).toEqual([]);
    } finally {
      await demo.close();
    }
  });

  it("keeps the contract's example for the default fixture; a fixture without parts has none", async () => {
    const demo = await startDemo({ port: 0 });
    await demo.close();
    expect(demo.example).toEqual({ material: DEMO_MATERIAL, revision: DEMO_REVISION, otherRevision: DEMO_OTHER_REVISION });
    expect(demoExample({ ...smallFixture(), catalogs: [] })).toBeUndefined();
  });

  it('refuses a fixture that does not load with one line and exit 2', () => {
    const result = runCli(['demo', '--fixtures', 'no/such/fixture.yaml', '--port', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('jakamo-kit: no/such/fixture.yaml:1:1: cannot read the fixture (ENOENT)\n');
  });
});
