/**
 * For the snapshot tests: a small generated fixture with every feature a snapshot must carry over, the mock serving
 * it on 127.0.0.1 (rate limit on), and a comparison of every documented GET of two mocks, answer by answer.
 */
import { expect } from 'vitest';
import type { FixtureDoc } from '../../src/fixtures/document.js';
import { generateFixtureYaml } from '../../src/fixtures/generate.js';
import { parseFixture } from '../../src/fixtures/load.js';
import type { Fixture } from '../../src/fixtures/types.js';
import { createMockApp, type MockOptions } from '../../src/mock/app.js';
import type { JournalEntry } from '../../src/mock/journal.js';
import { listen, type RunningServer } from '../../src/shared/server.js';

/** The account's own user: documents are created by it (its name must be redacted from a snapshot). */
export const OWNER = { appKey: 'owner-app-key-0001', username: 'owner.secret@example.com', password: 'owner-password-0001' };
/** A second user of the same account that created nothing: a snapshot taken as it needs no redaction. */
export const TESTER = { appKey: 'tester-app-key-0002', username: 'tester@example.net', password: 'tester-password-0002' };

/** 6 parts in 1 catalog (files, part revisions with a changed and an emptied file), 2 BOMs (one with a view), an order BOM. */
export function smallFixtureDoc(): FixtureDoc {
  const doc = JSON.parse(generateFixtureYaml({ seed: 7, parts: 6, catalogs: 1, boms: 2 }).replace(/^(#[^\n]*\n)+/, '')) as FixtureDoc;
  doc.account = {
    appKeys: [OWNER.appKey, TESTER.appKey],
    users: [OWNER, TESTER].map(({ username, password }) => ({ username, password })),
  };
  const owned = [...(doc.catalogs ?? []), ...(doc.boms ?? []), ...(doc.orderBoms ?? []), ...(doc.templates ?? [])];
  for (const document of owned) document.createdBy = OWNER.username;
  for (const table of doc.propertyTables ?? []) table.createdBy = OWNER.username;
  const parts = doc.catalogs![0]!.parts;
  // Part 0 has a thumbnail and a drawing: revision A had another drawing and no thumbnail (empty file cell).
  parts[0]!.revisions = [
    {
      revision: 'A',
      state: 'Released',
      modified: '2023-03-01T10:00:00.000Z',
      modifiedBy: OWNER.username,
      row: {
        Revision: 'A',
        'Thumbnail image': null,
        Drawing: { name: 'old drawing A.pdf', base64: Buffer.from('%PDF-1.4 revision A').toString('base64') },
      },
    },
    { revision: 'B', state: 'In Work', modified: '2023-06-01T10:00:00.123Z', modifiedBy: 'colleague@example.org' },
  ];
  parts[4]!.row.Drawing = null;
  doc.boms![0]!.viewColumns = ['Part Number', 'Name', 'Quantity'];
  return doc;
}

/**
 * smallFixtureDoc plus what only a snapshot of a live account holds: cells kept verbatim (text in a number property,
 * JSON null, objects, arrays, "" in a file property), files on other documents, item revision entry ids, and
 * createdDate/modifiedDate text the mock would not write itself (other formats, unreadable, milliseconds).
 */
export function servedAsIsFixtureDoc(): FixtureDoc {
  const doc = smallFixtureDoc();
  const catalog = doc.catalogs![0]!;
  const [bom, subAssembly] = doc.boms!;
  const parts = catalog.parts;
  const pdf = (text: string) => Buffer.from(`%PDF-1.4 ${text}`).toString('base64');
  Object.assign(parts[1]!.row, {
    Cost: { verbatim: '12 EUR' },
    Material: { verbatim: { grade: 'A2', tags: ['food', null] } },
    Drawing: { name: 'shared sheet.pdf', base64: pdf('shared'), docId: '9b2f6c1e-3d4a-4e5f-8a6b-7c8d9e0f1a2b' },
  });
  Object.assign(parts[2]!.row, { Vendor: { verbatim: null }, 'Thumbnail image': { verbatim: '' } });
  Object.assign(parts[3]!.row, {
    Description: { verbatim: [1, 'two'] },
    // A file of another document of the account (a BOM).
    Drawing: { name: 'bom sheet.pdf', base64: pdf('on the BOM'), docId: subAssembly!.id },
  });
  const [revisionA, revisionB] = parts[0]!.revisions!;
  Object.assign(revisionA!, { id: 'e1a2b3c4-0000-4000-8000-00000000000a', modifiedDate: 'Wed, 01 Mar 2023 10:00:00 GMT' });
  revisionB!.id = 'e1a2b3c4-0000-4000-8000-00000000000b';
  Object.assign(catalog, { createdDate: '2023-01-02T03:04:05Z', modifiedDate: 'yesterday' });
  Object.assign(bom!, { createdDate: '02 Jan 2023; 03:04:05.678 GMT' });
  Object.assign(bom!.rows[1]!, { Cost: { verbatim: 'n/a' }, Vendor: { verbatim: { id: 7 } } });
  Object.assign(bom!.revisions![0]!, { createdDate: 'Tue, 04 Apr 2023 05:06:07 GMT', modifiedDate: '05 Apr 2023; 05:06:07 GMT' });
  Object.assign(doc.orderBoms![0]!, { createdDate: 'sometime in 2023' });
  return doc;
}

export function smallFixture(): Fixture {
  return parseFixture(JSON.stringify(smallFixtureDoc()));
}

export interface ServedMock {
  server: RunningServer;
  /** Access and refresh tokens the mock issued (seen on the wire), for the no-secrets test. */
  issuedTokens: string[];
  journal(): Promise<JournalEntry[]>;
  clearJournal(): Promise<void>;
  close(): Promise<void>;
}

/** The mock on 127.0.0.1 with OpenBOM's rate limit (5/s) on. */
export async function serveMock(fixture: Fixture, options: Partial<MockOptions> = {}): Promise<ServedMock> {
  const app = createMockApp({ fixture, ...options });
  const issuedTokens: string[] = [];
  const server = await listen(
    {
      async fetch(request) {
        const response = await app.fetch(request);
        const path = new URL(request.url).pathname;
        if ((path === '/login' || path === '/token/renew') && response.status === 200) {
          const body = (await response.clone().json()) as { access_token?: string; refresh_token?: string };
          for (const token of [body.access_token, body.refresh_token]) if (token) issuedTokens.push(token);
        }
        return response;
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
  const admin = (path: string, init?: RequestInit) => app.request(`http://mock.test${path}`, init);
  return {
    server,
    issuedTokens,
    journal: async () => ((await (await admin('/__admin/requests')).json()) as { requests: JournalEntry[] }).requests,
    clearJournal: async () => void (await admin('/__admin/requests', { method: 'DELETE' })),
    close: () => server.close(),
  };
}

/** Most journal entries of OpenBOM's API (not storage) that arrived within any 1000 ms. */
export function busiestSecond(entries: JournalEntry[]): number {
  const times = entries
    .filter((e) => e.kind === 'api')
    .map((e) => Date.parse(e.time))
    .sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** Every documented GET the fixture gives a path for (listings, documents, revisions, flattened, item, files). */
function documentedGets(fixture: Fixture): string[] {
  const e = encodeURIComponent;
  const paths = ['/boms', '/toplevelboms', '/orderboms', '/catalogs', '/templates', '/propertytables'];
  for (const c of fixture.catalogs) {
    paths.push(`/catalog/${c.id}`);
    for (const p of c.parts) {
      const pn = e(p.row['Part Number'] as string);
      paths.push(
        `/catalog/${c.id}/revisions/partnumber/${pn}`,
        `/catalog/${c.id}/revisions/merged/partnumber/${pn}`,
        `/catalog/${c.id}/item?partNumber=${pn}`,
      );
    }
  }
  for (const b of fixture.boms) {
    paths.push(`/bom/${b.id}`, `/bom/${b.id}?useview=false`, `/flattenedbom/${b.id}`, `/bom/${b.id}/revisions`);
    for (const r of b.revisions) paths.push(`/bom/${b.id}/revision/${r.revisionNumber}`);
  }
  for (const o of fixture.orderBoms) paths.push(`/orderbom/${o.id}`);
  for (const t of fixture.propertyTables) paths.push(`/propertytable/${t.id}`);
  return paths;
}

const BASE = 'http://mock.test';

/** An in-process mock (rate limit off) and a logged-in GET on it; file URLs are followed to their bytes. */
async function client(fixture: Fixture, credentials: { appKey: string; username: string; password: string }) {
  const app = createMockApp({ fixture, rateLimit: 0 });
  const login = await app.request(`${BASE}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-openbom-appkey': credentials.appKey },
    body: JSON.stringify({ username: credentials.username, password: credentials.password }),
  });
  const { access_token: token } = (await login.json()) as { access_token: string };
  const headers = { 'x-openbom-appkey': credentials.appKey, 'x-openbom-accesstoken': token };
  return {
    async get(path: string): Promise<{ status: number; body: unknown }> {
      const response = await app.request(`${BASE}${path}`, { headers });
      return { status: response.status, body: await response.json() };
    },
    async file(url: string): Promise<{ status: number; contentType: string | null; bytes: string }> {
      const redirect = await app.request(url, { headers });
      const location = redirect.headers.get('location');
      if (redirect.status !== 302 || !location) return { status: redirect.status, contentType: null, bytes: '' };
      const response = await app.request(location);
      return {
        status: response.status,
        contentType: response.headers.get('content-type'),
        bytes: Buffer.from(await response.arrayBuffer()).toString('base64'),
      };
    },
  };
}

/** File URLs anywhere in an answer. */
function fileUrls(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string' && value.startsWith(`${BASE}/document/`)) into.add(value);
  else if (Array.isArray(value)) for (const v of value) fileUrls(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) fileUrls(v, into);
  return into;
}

/**
 * Compares every documented GET of a mock serving `original` with one serving `snapshot`, answer by answer (both
 * in-process on the same base URL), then every file either names: status, content type and bytes. Returns the
 * number of answers compared.
 */
export async function expectSameAnswers(
  original: Fixture,
  originalLogin: { appKey: string; username: string; password: string },
  snapshot: Fixture,
  snapshotLogin: { appKey: string; username: string; password: string },
): Promise<number> {
  const a = await client(original, originalLogin);
  const b = await client(snapshot, snapshotLogin);
  const urls = new Set<string>();
  let compared = 0;
  for (const path of documentedGets(original)) {
    const [left, right] = [await a.get(path), await b.get(path)];
    expect(right, `GET ${path}`).toEqual(left);
    expect(left.status, `GET ${path}`).toBe(200);
    fileUrls(left.body, urls);
    compared++;
  }
  expect(urls.size).toBeGreaterThan(0);
  for (const url of urls) {
    const [left, right] = [await a.file(url), await b.file(url)];
    expect(right, `file ${url}`).toEqual(left);
    expect(left.status, `file ${url}`).toBe(200);
    compared++;
  }
  return compared;
}
