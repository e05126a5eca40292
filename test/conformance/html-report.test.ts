/**
 * The HTML report (`--reporter html`) in Chromium: one self-contained file that loads nothing from the network, a
 * verdict and summary a manager can read at the top, the checks grouped as in the pretty report, and every failure
 * with what the Jakamo user sees, why, the request and the response. A screenshot goes to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport, type Report } from '../../conformance/index.js';
import { renderCannotRun } from '../../conformance/reporters/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromium as chromiumInstalled, missing } from '../support/prerequisites.js';
import { API_KEY, runAgainstReference } from './helpers.js';

const artifacts = join(import.meta.dirname, '../../test-artifacts');
const work = mkdtempSync(join(tmpdir(), 'jk-html-report-'));

describe('the HTML report as text', () => {
  it('escapes what the server sent and carries no script or external reference', async () => {
    const report = await runAgainstReference({ defect: 'download-html-page' });
    const html = renderReport(report, 'html');
    expect(html).not.toMatch(/<script|<link |src=|@import|url\(/i);
    // The login page the server sent is shown as text, not rendered.
    expect(html).toContain('&#60;!DOCTYPE html&#62;&#60;html&#62;&#60;body&#62;&#60;h1&#62;Sign in');
    expect(html).not.toContain(API_KEY);
  });
});

describe.skipIf(missing(chromiumInstalled))('the HTML report in Chromium', () => {
  let browser: Browser;
  let report: Report;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    report = await runAgainstReference({ defect: 'download-html-page' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows a verdict, the summary, grouped checks and each failure in full, without touching the network', async () => {
    const file = join(work, 'report.html');
    writeFileSync(file, renderReport(report, 'html'));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(pathToFileURL(file).href);

    expect(requested).toEqual([pathToFileURL(file).href]);
    await expect(page.locator('.verdict h1').textContent()).resolves.toBe('Not ready: 1 problem(s) Jakamo users would run into');
    await expect(page.locator('.summary li').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^links\.download: "Could not download file\."File1\.pdf: an HTML page/),
    ]);
    expect(await page.locator('.summary li a').getAttribute('href')).toBe('#links.download');
    const sections = await page.locator('h2').allTextContents();
    expect(sections.slice(0, 5)).toEqual([
      'Listing',
      'Revisions',
      'Unknown materials and revisions',
      'Authentication and the API key',
      'Links and downloads',
    ]);

    const failure = page.locator('.check.fail#links\\.download');
    await expect(failure.locator('.badge').textContent()).resolves.toBe('FAIL');
    const details = (await failure.locator('dt').allTextContents()).join('|');
    expect(details).toBe('Jakamo user sees|Why|Request|Response');
    await expect(failure.locator('dd pre').first().textContent()).resolves.toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/files\/55-554354\/120\/File1\.pdf\n/,
    );
    await expect(failure.locator('dd pre').nth(1).textContent()).resolves.toMatch(/^200\n[^]*<!DOCTYPE html><html><body><h1>Sign in/);
    expect(await page.locator('.check.pass').count()).toBeGreaterThan(20);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'check-report.png'), fullPage: false });
    await failure.screenshot({ path: join(artifacts, 'check-report-failure.png') });
    await page.close();
  }, 60_000);

  it('a report of a run that could not run says so', async () => {
    const file = join(work, 'cannot-run.html');
    writeFileSync(file, renderCannotRun('cannot run: cannot reach http://127.0.0.1:9: connection refused (nothing is listening)', 'html'));
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    await expect(page.locator('.verdict').textContent()).resolves.toMatch(/^The check could not runcannot run: cannot reach/);
    await page.close();
  });
});
