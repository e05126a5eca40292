/**
 * The pipeline in front of every route: what a route throws is journaled with the status sent, and a synchronous
 * route is answered synchronously (what lets @hono/node-server write a cached GET without awaiting anything).
 */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { MockDeps, MockEnv } from '../../src/mock/context.js';
import { ApiError, ConnectionDropped, errorResponse } from '../../src/mock/errors.js';
import { FaultRules } from '../../src/mock/faults.js';
import { Journal } from '../../src/mock/journal.js';
import { createPipeline, type ErrorHandler } from '../../src/mock/pipeline.js';
import { StorageSigner } from '../../src/mock/storage.js';
import { MockStore } from '../../src/mock/store.js';
import { TokenStore } from '../../src/mock/tokens.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { APP_KEY, IDS, USERNAME, buildTestFixture } from './fixture-builder.js';
import { bodyOf, jsonBody, startMock } from './helpers.js';

const statusesOf = async (admin: (path: string) => Promise<Response>) =>
  (await bodyOf(await admin('/__admin/requests'))).requests.map(
    (r: { method: string; path: string; status: number }) => `${r.method} ${r.path} ${r.status}`,
  );

describe('the pipeline in the mock', () => {
  it('journals the status of what the route threw, of 404, 405 and 413, as sent', async () => {
    const { api, admin } = await startMock({ maxBodyBytes: 64 });
    const sent = [
      (await api('/bom/no-such-bom')).status,
      (await api('/bom/create', { method: 'POST', body: '{not json' })).status,
      (await api('/nowhere')).status,
      (await api('/boms', { method: 'POST' })).status,
      (await api('/bom/create', jsonBody({ docName: 'x'.repeat(100) }))).status,
      (await api(`/bom/${IDS.robot}`)).status,
    ];
    expect(sent).toEqual([404, 400, 404, 405, 413, 200]);
    expect((await statusesOf(admin)).slice(1)).toEqual([
      'GET /bom/no-such-bom 404',
      'POST /bom/create 400',
      'GET /nowhere 404',
      'POST /boms 405',
      'POST /bom/create 413',
      `GET /bom/${IDS.robot} 200`,
    ]);
  });
});

describe('createPipeline', () => {
  /** One route behind the pipeline on a bare Hono app (no middleware), and a logged-in user's headers. */
  function harness(route: Parameters<ReturnType<typeof createPipeline>>[0]) {
    const clock = new ManualClock();
    const deps: MockDeps = {
      store: new MockStore(buildTestFixture(), clock),
      tokens: new TokenStore(clock, 60),
      limiter: undefined,
      retryAfter: true,
      journal: new Journal(),
      faults: new FaultRules(),
      signer: new StorageSigner(clock, 60),
      clock,
      logger: silentLogger,
      adminToken: undefined,
      maxBodyBytes: 1024,
    };
    const onError: ErrorHandler = (error, c) => {
      if (error instanceof ConnectionDropped) throw error;
      if (error instanceof ApiError) return errorResponse(c, error.status, error.message);
      return errorResponse(c, 500, 'unexpected');
    };
    const app = new Hono<MockEnv>();
    app.get('/route', createPipeline(deps, onError)(route));
    app.onError(onError);
    const headers = { 'x-openbom-appkey': APP_KEY, 'x-openbom-accesstoken': deps.tokens.issue(USERNAME).access_token };
    const fetch = (init?: RequestInit) => app.fetch(new Request('http://mock.test/route', { headers, ...init }));
    const journaled = () => deps.journal.list().map((entry) => entry.status);
    return { fetch, journaled };
  }

  it('answers a synchronous route synchronously, journaled at once', () => {
    const { fetch, journaled } = harness((c) => c.json({ user: c.get('user') }));
    const reply = fetch();
    expect(reply).toBeInstanceOf(Response);
    expect((reply as Response).status).toBe(200);
    expect(journaled()).toEqual([200]);
  });

  it('answers an error thrown synchronously synchronously too, through the error handler', async () => {
    const { fetch, journaled } = harness(() => {
      throw new ApiError(404, 'Document not found.');
    });
    const reply = fetch();
    expect(reply).toBeInstanceOf(Response);
    expect(await bodyOf(reply as Response)).toEqual({ error: 'Document not found.' });
    expect(journaled()).toEqual([404]);
  });

  it('journals an asynchronous route when it settles: its error status, or 0 when the connection was dropped', async () => {
    const failing = harness(async () => {
      throw new ApiError(400, 'Malformed JSON in request body.');
    });
    expect((await failing.fetch()).status).toBe(400);
    expect(failing.journaled()).toEqual([400]);

    const dropped = harness(async () => {
      throw new ConnectionDropped();
    });
    await expect(dropped.fetch()).rejects.toThrow(ConnectionDropped);
    expect(dropped.journaled()).toEqual([0]);
  });

  it('authenticates before the route: a missing token is a 401 and the route never runs', async () => {
    let ran = false;
    const { fetch, journaled } = harness((c) => {
      ran = true;
      return c.json({});
    });
    const reply = await fetch({ headers: { 'x-openbom-appkey': APP_KEY } });
    expect(reply.status).toBe(401);
    expect(ran).toBe(false);
    expect(journaled()).toEqual([401]);
  });
});
