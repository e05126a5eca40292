/**
 * Claims of SECURITY.md that no other suite proves: loopback by default, how keys are compared, and that storage is
 * fetched without OpenBOM's headers on real sockets (the mock's journal sees what arrives).
 */
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAdapterConfig } from '../../src/adapter/config.js';
import { registerDemoCommand } from '../../src/demo/command.js';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { registerMockCommand } from '../../src/mock/command.js';
import { matchesAnySecret } from '../../src/shared/secrets.js';
import { listen } from '../../src/shared/server.js';
import { JAKAMO_KEY, OPENBOM_SECRETS, download, journal, listingUrl, startAdapterServer, startMockServer } from './rig.js';

const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe('who can reach what', () => {
  it('binds mock, demo, serve and every listen() to loopback unless told otherwise', async () => {
    const program = new Command();
    registerMockCommand(program);
    registerDemoCommand(program);
    for (const name of ['mock', 'demo']) {
      const command = program.commands.find((candidate) => candidate.name() === name)!;
      expect(command.options.find((option) => option.long === '--host')?.defaultValue, name).toBe('127.0.0.1');
    }
    const config = loadAdapterConfig({ env: { JAKAMO_API_KEYS: JAKAMO_KEY, ...OPENBOM_SECRETS } });
    expect(config.host).toBe('127.0.0.1');
    const server = await listen({ fetch: () => new Response('ok') });
    closers.push(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('how keys are compared', () => {
  const accepted = ['current-key-0123456789', 'previous-key-abcdefghij'];

  it('accepts each configured key (two during a rotation) and nothing else', () => {
    for (const key of accepted) expect(matchesAnySecret(key, accepted)).toBe(true);
    for (const presented of [
      undefined,
      '',
      'current-key-012345678',
      'current-key-01234567890',
      'CURRENT-KEY-0123456789',
      ' current-key-0123456789',
      accepted.join(','),
    ]) {
      expect(matchesAnySecret(presented, accepted), String(presented)).toBe(false);
    }
    expect(matchesAnySecret('anything', [])).toBe(false);
  });

  it('compares digests, so keys of any length meet timingSafeEqual at equal length (it throws on unequal ones)', () => {
    expect(() => matchesAnySecret('x', ['a-much-longer-key-'.repeat(20)])).not.toThrow();
    expect(matchesAnySecret('k'.repeat(10_000), ['k'.repeat(10_000)])).toBe(true);
  });
});

describe('what the storage redirect does with OpenBOM credentials', () => {
  it('sends the app key and token to OpenBOM only: storage requests arrive without either', async () => {
    const mock = await startMockServer({ fixture: loadDefaultFixture(), rateLimit: 0 });
    const adapter = await startAdapterServer(mock.url, { timeoutMs: 2000, maxRetries: 1, requestsPerSecond: 50, cacheTtlSeconds: 60 });
    closers.push(
      () => adapter.close(),
      () => mock.close(),
    );
    const listing = await fetch(listingUrl(adapter.url, '55-554354'), { headers: { 'X-API-KEY': JAKAMO_KEY } });
    const { data } = (await listing.json()) as { data: Array<{ link: string }> };
    for (const { link } of data) expect((await download(link)).complete).toBe(true);

    const entries = await journal(mock.url);
    const storage = entries.filter((entry) => entry.kind === 'storage');
    expect(storage).toHaveLength(data.length);
    // The journal shows a fingerprint (no character of the secret) when a header was sent, "" when it was not.
    for (const entry of storage) expect([entry.appKey, entry.accessToken]).toEqual(['', '']);
    const redirects = entries.filter((entry) => entry.path.startsWith('/document/'));
    expect(redirects).toHaveLength(data.length);
    for (const entry of redirects)
      expect([entry.appKey, entry.accessToken]).toEqual(['sha256:5181bf7b', expect.stringMatching(/^sha256:[0-9a-f]{8}$/)]);
  });
});

describe('what the adapter hands Jakamo from OpenBOM', () => {
  it('lists and serves OpenBOM file names without path parts, control or bidi characters, with nosniff', async () => {
    const fixture = loadDefaultFixture();
    const file = (name: string) => ({
      kind: 'file' as const,
      name,
      contentType: 'text/plain',
      bytes: new TextEncoder().encode(`content of ${JSON.stringify(name)}`),
    });
    fixture.catalogs[0]!.parts.push({
      row: {
        'Part Number': 'NAMES-1',
        Name: 'Names',
        Description: 'Hostile names',
        Revision: 'A',
        Drawing: file('../../../etc/passwd'),
        'CAD Model': file('invoice\u202Efdp.exe\r\nX-Injected: 1'),
      },
      revisions: [],
    });
    const mock = await startMockServer({ fixture, rateLimit: 0 });
    const adapter = await startAdapterServer(mock.url, { timeoutMs: 2000, maxRetries: 1, requestsPerSecond: 50, cacheTtlSeconds: 60 });
    closers.push(
      () => adapter.close(),
      () => mock.close(),
    );
    const listing = await fetch(listingUrl(adapter.url, 'NAMES-1'), { headers: { 'X-API-KEY': JAKAMO_KEY } });
    const { data } = (await listing.json()) as { data: Array<{ fileName: string; link: string }> };
    expect(data.map((document) => document.fileName).sort()).toEqual(['invoicefdp.exeX-Injected: 1', 'passwd']);
    for (const { link, fileName } of data) {
      const received = await download(link);
      expect(received.status).toBe(200);
      expect(received.headers['x-content-type-options']).toBe('nosniff');
      expect(received.headers['x-injected']).toBeUndefined();
      const disposition = String(received.headers['content-disposition']);
      expect(disposition).not.toMatch(/[/\\]|\.\.|\u202E/);
      expect(disposition).toContain(fileName === 'passwd' ? 'filename=passwd' : 'filename="invoicefdp.exeX-Injected: 1"');
      // The bytes are OpenBOM's file under its own name.
      expect(received.bytes.toString()).toMatch(/^content of /);
    }
  });
});
