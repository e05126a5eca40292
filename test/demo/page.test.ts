/**
 * The simulator page in Debian's Chromium (playwright-core), against the real demo: mock + adapter + page on one origin.
 * Checks that the page asks exactly what Jakamo asks and shows exactly what Jakamo shows.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromium as chromiumInstalled, missing } from '../support/prerequisites.js';
import { DEMO_API_KEY, DEMO_API_KEY_HEADER, startDemo, type RunningDemo } from '../../src/demo/app.js';

const root = join(import.meta.dirname, '../..');
const ARTIFACTS = join(root, 'test-artifacts');

const NO_FILES = 'No files found for this item number!';
const LISTING_FAILED = 'Unable to display files at this time. Try again later.';
const DOWNLOAD_FAILED = 'Could not download file.';

describe.skipIf(missing(chromiumInstalled))('the demo page in Chromium', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    demo = await startDemo({ port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    // One tab for all tests (a new renderer costs ~0.5 s); each test starts from a fresh load of the page.
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  beforeEach(async () => {
    await page.goto(`${demo.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
  });

  afterEach(async () => {
    await page.unrouteAll();
  });

  const isListing = (request: Request) => new URL(request.url()).pathname === '/materials/documents';

  /** Submits the order line and waits until the page has shown the answer; returns the listing request it sent. */
  async function fetchDocuments(submit: () => Promise<void> = () => page.click('#fetch-documents')): Promise<Request> {
    const [request] = await Promise.all([page.waitForRequest(isListing), submit()]);
    await page.waitForSelector('#documents[aria-busy="false"]');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent !== '');
    return request;
  }

  const message = () => page.textContent('#message');
  const listedFileNames = () => page.locator('[data-testid="file-name"]').allTextContents();

  describe('the simulator page', () => {
    it('asks for each revision the way Jakamo does and lists different files for 119 and 120', async () => {
      await page.fill('#revision', '119');
      const first = await fetchDocuments();
      const revision119 = await listedFileNames();
      expect(new URL(first.url()).search).toBe('?materialId=55-554354&revision=119');
      expect(first.headers()[DEMO_API_KEY_HEADER.toLowerCase()]).toBe(DEMO_API_KEY);

      await page.fill('#revision', '120');
      await fetchDocuments();
      const revision120 = await listedFileNames();

      expect(revision119.length).toBeGreaterThan(0);
      expect(revision120.length).toBeGreaterThan(0);
      expect(revision120).not.toEqual(revision119);
      expect(revision119.join()).toContain('rev119');
      expect(revision120.join()).toContain('rev120');
      // Description and type columns come from the listing.
      await expect(page.locator('[data-testid="file-row"] .file-type').allTextContents()).resolves.toContain('Drawing');
    });

    it('leaves the revision parameter out when the revision field is empty, and lists the latest', async () => {
      await page.check('#toggle-empty-revision');
      expect(await page.inputValue('#revision')).toBe('');
      const request = await fetchDocuments();
      expect(new URL(request.url()).searchParams.has('revision')).toBe(false);
      expect((await listedFileNames()).join()).toContain('rev120');

      await page.uncheck('#toggle-empty-revision');
      expect(await page.inputValue('#revision')).toBe('120');
    });

    it('downloads a file with the API key and saves the bytes under the listed name', async () => {
      await fetchDocuments();
      const link = page.locator('[data-testid="download-link"]').first();
      const [fileName, href] = await Promise.all([link.getAttribute('data-file-name'), link.getAttribute('href')]);
      const [download, request] = await Promise.all([
        page.waitForEvent('download'),
        page.waitForRequest((r) => r.url() === href),
        link.click(),
      ]);
      expect(request.headers()[DEMO_API_KEY_HEADER.toLowerCase()]).toBe(DEMO_API_KEY);
      expect(download.suggestedFilename()).toBe(fileName);
      const saved = readFileSync(await download.path());
      const expected = await fetch(href!, { headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY } }).then((r) => r.arrayBuffer());
      expect(saved.length).toBeGreaterThan(0);
      expect(saved.equals(Buffer.from(expected))).toBe(true);
      expect(await page.textContent('#download-message')).toBe('');
    });

    it('shows "No files found for this item number!" for an unknown item', async () => {
      await page.check('#toggle-unknown-item');
      const request = await fetchDocuments();
      expect(new URL(request.url()).searchParams.get('materialId')).toBe(await page.inputValue('#item-number'));
      expect(await message()).toBe(NO_FILES);
      expect(await page.isHidden('#file-list')).toBe(true);
    });

    it("shows Jakamo's generic error with a wrong API key, and the panel masks the key", async () => {
      await page.check('#toggle-wrong-key');
      const request = await fetchDocuments();
      expect(request.headers()[DEMO_API_KEY_HEADER.toLowerCase()]).not.toBe(DEMO_API_KEY);
      expect(await message()).toBe(LISTING_FAILED);
      expect(await page.isHidden('#file-list')).toBe(true);

      const exchange = page.locator('[data-testid="exchange"]').first();
      await expect(exchange.locator('.status').textContent()).resolves.toMatch(/^401/);
      const panel = await page.textContent('#traffic');
      expect(panel).toContain(`${DEMO_API_KEY_HEADER}: **** (the wrong key)`);
      expect(panel).not.toContain('wrong-api-key');
    });

    it('shows "Could not download file." when the download is refused', async () => {
      await fetchDocuments();
      await page.check('#toggle-wrong-key');
      let downloads = 0;
      const countDownload = () => downloads++;
      page.on('download', countDownload);
      await page.locator('[data-testid="download-link"]').first().click();
      await page.waitForFunction((text) => document.querySelector('#download-message')?.textContent === text, DOWNLOAD_FAILED);
      page.off('download', countDownload);
      expect(downloads).toBe(0);
      // The listing stays as it was.
      expect((await listedFileNames()).length).toBeGreaterThan(0);
    });

    it('fetches from the keyboard: Tab to the fields, Enter submits', async () => {
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('item-number');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('revision');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('119');
      const request = await fetchDocuments(() => page.keyboard.press('Enter'));
      expect(new URL(request.url()).searchParams.get('revision')).toBe('119');
      expect((await listedFileNames()).join()).toContain('rev119');
    });

    it('records the raw exchange, keeps the key masked, and saves a screenshot', async () => {
      await fetchDocuments();
      const exchange = page.locator('[data-testid="exchange"]').first();
      await exchange.locator('summary').click();
      await expect(exchange.locator('.request-headers').textContent()).resolves.toMatch(
        new RegExp(`^${DEMO_API_KEY_HEADER}: \\*{4}$`, 'm'),
      );
      await expect(exchange.locator('.response-body').textContent()).resolves.toContain('"fileName"');
      expect(await page.textContent('body')).not.toContain(DEMO_API_KEY);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-page.png'), fullPage: true });
    });
  });

  /** Jakamo's rules for a listing answer, checked with answers the adapter would never give (intercepted in the browser). */
  describe("the page applies Jakamo's rules to any listing answer", () => {
    const cases: Array<{ name: string; status: number; body: string; shows: string }> = [
      { name: '200 with an empty data array', status: 200, body: '{"data":[]}', shows: NO_FILES },
      { name: '404', status: 404, body: '{"message":"Not found","errors":[]}', shows: LISTING_FAILED },
      { name: '500', status: 500, body: '', shows: LISTING_FAILED },
      { name: '200 that is not JSON', status: 200, body: '<html>login</html>', shows: LISTING_FAILED },
      { name: '200 without data', status: 200, body: '{"files":[]}', shows: LISTING_FAILED },
      {
        name: '200 with a file missing its link',
        status: 200,
        body: '{"data":[{"fileName":"a.pdf","description":""}]}',
        shows: LISTING_FAILED,
      },
      {
        name: '200 with a description that is not a string',
        status: 200,
        body: '{"data":[{"fileName":"a.pdf","description":null,"link":"http://x/a"}]}',
        shows: LISTING_FAILED,
      },
    ];
    for (const { name, status, body, shows } of cases) {
      it(`${name} → "${shows}"`, async () => {
        await page.route(/\/materials\/documents\?/, (route) => route.fulfill({ status, body, contentType: 'application/json' }));
        await fetchDocuments();
        expect(await message()).toBe(shows);
        expect(await page.isHidden('#file-list')).toBe(true);
      });
    }

    it('lists a file without a type, leaving the type cell empty', async () => {
      const body = JSON.stringify({ data: [{ fileName: 'plain.txt', description: '', link: `${demo.url}/plain.txt` }] });
      await page.route(/\/materials\/documents\?/, (route) => route.fulfill({ status: 200, body, contentType: 'application/json' }));
      await fetchDocuments();
      expect(await listedFileNames()).toEqual(['plain.txt']);
      expect(await page.locator('[data-testid="file-row"] .file-type').textContent()).toBe('');
    });
  });

  /** The v2 supplier-documents view: the page calls the v2 API with the configured key, as Jakamo would push documents. */
  describe('the supplier documents view (API v2)', () => {
    const SUPPLIER = '54454543';
    const collectionPath = (supplier: string) => `/suppliers/${encodeURIComponent(supplier)}/documents`;
    const supplierMessage = () => page.textContent('#supplier-message');
    const supplierFileNames = () => page.locator('[data-testid="supplier-file-name"]').allTextContents();

    /** Does something in the view and waits until the view is idle again (it marks itself busy while it works). */
    async function inSupplierView(act: () => Promise<unknown>): Promise<void> {
      await act();
      await page.waitForSelector('#suppliers[aria-busy="false"]');
    }

    async function chooseFile(name: string, contents: Buffer, mimeType = 'application/octet-stream') {
      await page.setInputFiles('#upload-file', { name, mimeType, buffer: contents });
    }

    /** Uploads a file and returns the request the page sent. */
    async function upload(name: string, contents: Buffer): Promise<Request> {
      await chooseFile(name, contents);
      let request: Request | undefined;
      await inSupplierView(async () => {
        [request] = await Promise.all([
          page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname.startsWith('/suppliers/')),
          page.click('#upload-button'),
        ]);
      });
      return request!;
    }

    async function listFor(supplier: string) {
      await page.fill('#supplier-id', supplier);
      await inSupplierView(() => page.click('#supplier-list-button'));
    }

    const stored = (supplier: string) =>
      fetch(`${demo.url}${collectionPath(supplier)}`, { headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY } }).then(
        (r) => r.json() as Promise<{ data: Array<{ fileName: string; link: string }> }>,
      );

    it('uploads a chosen file, lists it, downloads the same bytes and deletes it', async () => {
      expect(await page.inputValue('#supplier-id')).toBe(SUPPLIER);
      await listFor(SUPPLIER);
      expect(await supplierMessage()).toBe('This supplier has no documents.');

      const name = 'Zeichnung Ä-1 (rev B).pdf';
      const contents = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256))]);
      await page.fill('#upload-valid-to', '2024-05-05');
      const request = await upload(name, contents);
      expect(new URL(request.url()).pathname).toBe(collectionPath(SUPPLIER));
      expect(request.headers()[DEMO_API_KEY_HEADER.toLowerCase()]).toBe(DEMO_API_KEY);
      const sent = JSON.parse(request.postData()!) as { fileName: string; base64EncodedContents: string; metaData: unknown };
      expect(sent.fileName).toBe(name);
      expect(Buffer.from(sent.base64EncodedContents, 'base64').equals(contents)).toBe(true);
      expect(sent.metaData).toEqual([{ key: 'validTo', value: '2024-05-05' }]);
      expect(await supplierMessage()).toBe(`Uploaded ${name} (2.9 KiB).`);
      expect(await supplierFileNames()).toEqual([name]);
      expect(await page.textContent('[data-testid="supplier-row"] .file-meta')).toBe('validTo: 2024-05-05');

      const [download, downloadRequest] = await Promise.all([
        page.waitForEvent('download'),
        page.waitForRequest(
          (r) => r.method() === 'GET' && new URL(r.url()).pathname === `${collectionPath(SUPPLIER)}/${encodeURIComponent(name)}`,
        ),
        page.click('[data-testid="supplier-download"]'),
      ]);
      expect(downloadRequest.headers()[DEMO_API_KEY_HEADER.toLowerCase()]).toBe(DEMO_API_KEY);
      expect(download.suggestedFilename()).toBe(name);
      expect(readFileSync(await download.path()).equals(contents)).toBe(true);

      const [deleteRequest] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'DELETE'),
        inSupplierView(() => page.click(`[aria-label="Delete ${name}"]`)),
      ]);
      expect(deleteRequest.headers()[DEMO_API_KEY_HEADER.toLowerCase()]).toBe(DEMO_API_KEY);
      expect(await supplierMessage()).toBe(`Deleted ${name}.`);
      expect(await supplierFileNames()).toEqual([]);
      expect(await page.isHidden('#supplier-list')).toBe(true);
      expect((await stored(SUPPLIER)).data).toEqual([]);
    });

    it('offers to replace a document whose name exists, and replaces it with PUT', async () => {
      const supplier = 'DEMO-REPLACE';
      await listFor(supplier);
      await upload('offer.txt', Buffer.from('first version'));
      await upload('offer.txt', Buffer.from('second version'));
      expect(await page.isVisible('#replace-offer')).toBe(true);
      expect(await page.textContent('#replace-offer-text')).toMatch(/already exists .* use PUT to replace it/);

      const [put] = await Promise.all([
        page.waitForRequest((r) => r.method() === 'PUT'),
        inSupplierView(() => page.click('#replace-button')),
      ]);
      expect(new URL(put.url()).pathname).toBe(collectionPath(supplier));
      expect(await supplierMessage()).toBe('Replaced offer.txt.');
      expect(await page.isHidden('#replace-offer')).toBe(true);
      const { data } = await stored(supplier);
      expect(data.map((d) => d.fileName)).toEqual(['offer.txt']);
      const link = data[0]!.link;
      expect(await fetch(link, { headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY } }).then((r) => r.text())).toBe('second version');

      // Declining keeps the stored document and sends nothing.
      await upload('offer.txt', Buffer.from('third version'));
      let requests = 0;
      const count = () => requests++;
      page.on('request', count);
      await page.click('#replace-cancel');
      page.off('request', count);
      expect(requests).toBe(0);
      expect(await supplierMessage()).toBe('The stored document was kept.');
      expect(await fetch(link, { headers: { [DEMO_API_KEY_HEADER]: DEMO_API_KEY } }).then((r) => r.text())).toBe('second version');
    });

    it('says what went wrong in the words of the v2 error object', async () => {
      await inSupplierView(() => page.click('#upload-button'));
      expect(await supplierMessage()).toBe('Choose a file to upload first.');

      await page.check('#toggle-wrong-key');
      await listFor(SUPPLIER);
      expect(await supplierMessage()).toBe(
        `Could not list the documents: Unauthorized — Missing or invalid API key in the ${DEMO_API_KEY_HEADER} header.`,
      );
      await page.uncheck('#toggle-wrong-key');

      await listFor('not a supplier id!');
      expect(await supplierMessage()).toMatch(/^Could not list the documents: Bad request — supplierId must be 1 to 128 letters/);
    });

    it('shows the v2 traffic with the key masked and the base64 cut short, and saves a screenshot', async () => {
      const supplier = 'DEMO-SCREENSHOT';
      await listFor(supplier);
      await page.fill('#upload-valid-to', '2025-12-31');
      await upload('Assembly drawing 4711.pdf', Buffer.alloc(48_000, 7));
      await upload('Material certificate 3.1.pdf', Buffer.alloc(12_500, 3));
      await upload('Material certificate 3.1.pdf', Buffer.alloc(100, 3));
      expect(await supplierFileNames()).toEqual(['Assembly drawing 4711.pdf', 'Material certificate 3.1.pdf']);

      const post = page.locator('[data-testid="exchange"]', { has: page.locator('.method', { hasText: 'POST' }) }).first();
      await post.locator('summary').click();
      const requestBody = await post.locator('.request-body').textContent();
      expect(requestBody).toContain('"fileName": "Material certificate 3.1.pdf"');
      // The last POST: 100 bytes of 0x03, whose 136 base64 characters are cut after 60.
      expect(requestBody).toContain(`"base64EncodedContents": "${Buffer.alloc(100, 3).toString('base64').slice(0, 60)}… (136 characters)"`);
      await expect(post.locator('.request-headers').textContent()).resolves.toMatch(new RegExp(`^${DEMO_API_KEY_HEADER}: \\*{4}$`, 'm'));
      expect(await page.textContent('body')).not.toContain(DEMO_API_KEY);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'demo-page-suppliers.png'), fullPage: true });
    });
  });
});
