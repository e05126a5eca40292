import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFixtureFile } from '../../src/fixtures/load.js';
import type { Fixture } from '../../src/fixtures/types.js';
import { createSnapshotSource } from '../../src/snapshot/openbom-source.js';
import { PLACEHOLDER_ACCOUNT, runSnapshot, type SnapshotOutcome, type SnapshotRunOptions } from '../../src/snapshot/run.js';
import type { SnapshotSource } from '../../src/snapshot/source.js';
import { parseFixture } from '../../src/fixtures/load.js';
import {
  busiestSecond,
  expectSameAnswers,
  servedAsIsFixtureDoc,
  serveMock,
  smallFixture,
  smallFixtureDoc,
  TESTER,
  type ServedMock,
} from './helpers.js';

const placeholderLogin = { appKey: PLACEHOLDER_ACCOUNT.appKeys[0], ...PLACEHOLDER_ACCOUNT.users[0] };

describe('fixtures snapshot against the mock (rate limit on)', () => {
  let fixture: Fixture;
  let mock: ServedMock;
  let out: string;

  beforeEach(async () => {
    fixture = smallFixture();
    mock = await serveMock(fixture);
    out = join(mkdtempSync(join(tmpdir(), 'snapshot-')), 'out');
  });
  afterEach(async () => {
    await mock.close();
    rmSync(join(out, '..'), { recursive: true, force: true });
  });

  const options = (source: SnapshotSource, extra: Partial<SnapshotRunOptions> = {}): SnapshotRunOptions => ({
    source,
    origin: mock.server.url,
    outDir: out,
    filesPerRow: Infinity,
    resume: false,
    secrets: TESTER,
    ...extra,
  });
  const source = () => createSnapshotSource({ baseUrl: mock.server.url, requestsPerSecond: 5, ...TESTER });

  it('serves, from the snapshot, every documented GET and file exactly as the original; never over 5 requests/s, no 429', async () => {
    const outcome = await runSnapshot(options(source()));

    expect(outcome.complete).toBe(true);
    expect(outcome.counts.incomplete).toBe(0);
    // A finished snapshot is only the fixture and its files.
    expect(existsSync(join(out, '.snapshot'))).toBe(false);
    const snapshot = loadFixtureFile(join(out, 'fixture.yaml'));
    expect(snapshot.account).toEqual({ appKeys: [...PLACEHOLDER_ACCOUNT.appKeys], users: [...PLACEHOLDER_ACCOUNT.users] });
    const compared = await expectSameAnswers(fixture, TESTER, snapshot, placeholderLogin);
    expect(compared).toBeGreaterThan(40);

    const journal = await mock.journal();
    expect(journal.filter((e) => e.status === 429)).toEqual([]);
    expect(busiestSecond(journal)).toBeLessThanOrEqual(5);
    // Every request was a read (plus the one login).
    expect(journal.filter((e) => e.method !== 'GET').map((e) => e.path)).toEqual(['/login']);
  });

  it('an interrupted run leaves a loadable partial fixture; --resume finishes it without asking again for what it had', async () => {
    const controller = new AbortController();
    const real = source();
    let answered = 0;
    // Stops the run after 6 answers: mid-catalog, with some parts (and their files) done.
    const stopping: SnapshotSource = {
      getJson: async (path, init) => {
        const body = await real.getJson(path, init);
        if (++answered === 6) controller.abort();
        return body;
      },
      openFile: (url, init) => real.openFile(url, init),
    };
    const stopped = await runSnapshot(options(stopping, { signal: controller.signal }));
    expect(stopped.complete).toBe(false);
    expect(stopped.stoppedBy).toBeInstanceOf(Error);

    const partial = loadFixtureFile(join(out, 'fixture.yaml'));
    const partialParts = partial.catalogs.reduce((n, c) => n + c.parts.length, 0);
    expect(partialParts).toBeLessThan(fixture.catalogs[0]!.parts.length);
    const stored = readFileSync(join(out, '.snapshot', 'answers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as { json?: string; file?: string });
    const fetchedBefore = new Set(
      stored.map((entry) => decodeURIComponent(entry.json ?? new URL(entry.file!).pathname + new URL(entry.file!).search)),
    );
    expect(fetchedBefore.size).toBeGreaterThanOrEqual(6);

    await mock.clearJournal();
    const outcome = await runSnapshot(options(source(), { resume: true }));
    expect(outcome.complete).toBe(true);
    expect(outcome.reused).toBeGreaterThanOrEqual(fetchedBefore.size);
    const asked = (await mock.journal()).filter((e) => e.kind === 'api' && e.path !== '/login').map((e) => decodeURIComponent(e.path));
    expect(asked.length).toBeGreaterThan(0);
    for (const path of asked) expect(fetchedBefore.has(path), `${path} asked again`).toBe(false);

    await expectSameAnswers(fixture, TESTER, loadFixtureFile(join(out, 'fixture.yaml')), placeholderLogin);
  });

  it('refuses to overwrite a snapshot without --resume, and to resume where there is none', async () => {
    await expect(runSnapshot(options(source(), { resume: true }))).rejects.toThrow(/no snapshot to resume/);
    await runSnapshot(options(source(), { catalogs: ['none'], boms: ['none'] }));
    await expect(runSnapshot(options(source()))).rejects.toThrow(/already holds a snapshot/);
    await expect(runSnapshot(options(source(), { resume: true }))).rejects.toThrow(/finished snapshot/);
  });
});

describe('fixtures snapshot keeps what OpenBOM served as it served it', () => {
  /**
   * Serves `original` on a mock, snapshots it and hands the outcome, the snapshot's folder and the mock to `check`;
   * everything is closed and removed after. What is kept is the subject here, not the budget (the tests above hold
   * the snapshot to OpenBOM's 5/s): mock and snapshot run at 50/s.
   */
  async function snapshotOf(original: Fixture, check: (outcome: SnapshotOutcome, out: string, mock: ServedMock) => Promise<void>) {
    const mock = await serveMock(original, { rateLimit: 50 });
    const out = join(mkdtempSync(join(tmpdir(), 'snapshot-')), 'out');
    try {
      const outcome = await runSnapshot({
        source: createSnapshotSource({ baseUrl: mock.server.url, requestsPerSecond: 50, ...TESTER }),
        origin: mock.server.url,
        outDir: out,
        filesPerRow: Infinity,
        resume: false,
        secrets: TESTER,
      });
      await check(outcome, out, mock);
    } finally {
      await mock.close();
      rmSync(join(out, '..'), { recursive: true, force: true });
    }
  }

  it("a file cell naming a document id not of OpenBOM's shape is left out (never fetched with the account), and the run goes on", async () => {
    const doc = smallFixtureDoc();
    Object.assign(doc.catalogs![0]!.parts[1]!.row, {
      Drawing: { name: 'odd.pdf', base64: Buffer.from('%PDF-1.4 odd').toString('base64'), docId: 'not-a-uuid' },
    });
    await snapshotOf(parseFixture(JSON.stringify(doc)), async (outcome, out, mock) => {
      expect(outcome.complete).toBe(true);
      expect(loadFixtureFile(join(out, 'fixture.yaml')).catalogs[0]!.parts[1]!.row.Drawing).toBeNull();
      expect((await mock.journal()).some((entry) => entry.path.includes('/document/not-a-uuid/'))).toBe(false);
    });
  });

  it('verbatim cells, files on other documents, entry ids and date text come back answer for answer', async () => {
    const original = parseFixture(JSON.stringify(servedAsIsFixtureDoc()));
    await snapshotOf(original, async (outcome, out) => {
      expect(outcome.complete).toBe(true);
      expect(outcome.warnings).toEqual([]);
      const snapshot = loadFixtureFile(join(out, 'fixture.yaml'));
      // Carried, not merely served alike: the fields are in the snapshot's fixture.
      const [part0, part1] = snapshot.catalogs[0]!.parts;
      expect(part0!.revisions.map((r) => r.id)).toEqual(['e1a2b3c4-0000-4000-8000-00000000000a', 'e1a2b3c4-0000-4000-8000-00000000000b']);
      expect(part1!.row.Cost).toEqual({ kind: 'verbatim', value: '12 EUR' });
      expect(part1!.row.Drawing).toMatchObject({ kind: 'file', name: 'shared sheet.pdf', docId: '9b2f6c1e-3d4a-4e5f-8a6b-7c8d9e0f1a2b' });
      expect(snapshot.catalogs[0]).toMatchObject({ createdDate: '2023-01-02T03:04:05Z', modifiedDate: 'yesterday' });
      await expectSameAnswers(original, TESTER, snapshot, placeholderLogin);
    });
  });
});
