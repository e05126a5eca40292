import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { PerMethodRouter } from '../../src/mock/router.js';

describe('PerMethodRouter', () => {
  /** The contract's conflicting POST shapes beside GET routes, and a middleware for all methods. */
  function app() {
    const hono = new Hono({ router: new PerMethodRouter() });
    const router = hono.router;
    hono.use('*', async (c, next) => {
      await next();
      c.res.headers.set('x-seen-by', 'all');
    });
    hono.get('/bom/:bomId', (c) => c.text(`get ${c.req.param('bomId')}`));
    hono.get('/bom/:bomId/revision/:n', (c) => c.text(`revision ${c.req.param('n')} of ${c.req.param('bomId')}`));
    hono.post('/bom/create', (c) => c.text('create'));
    hono.post('/bom/:bomId/propertyvalue', (c) => c.text(`property of ${c.req.param('bomId')}`));
    hono.notFound((c) => c.text('none', 404));
    return { hono, router };
  }

  it('matches each method with its own router: the fast one for GET, one that takes the POST routes for POST', async () => {
    const { hono, router } = app();
    const answer = async (method: string, path: string) => {
      const res = await hono.request(path, { method });
      return `${res.status} ${await res.text()} ${res.headers.get('x-seen-by')}`;
    };
    expect(await answer('GET', '/bom/b1')).toBe('200 get b1 all');
    expect(await answer('GET', '/bom/b1/revision/2')).toBe('200 revision 2 of b1 all');
    expect(await answer('POST', '/bom/create')).toBe('200 create all');
    expect(await answer('POST', '/bom/b1/propertyvalue')).toBe('200 property of b1 all');
    // No PATCH routes: the all-methods middleware still runs, then nothing matches.
    expect(await answer('PATCH', '/bom/b1')).toBe('404 none all');
    const names = (router as unknown as { routers: Map<string, { name: string }> }).routers;
    expect(names.get('GET')?.name).toBe('SmartRouter + RegExpRouter');
    expect(names.get('POST')?.name).toBe('SmartRouter + TrieRouter');
  });

  it('refuses routes added once matching has begun', async () => {
    const { hono } = app();
    await hono.request('/bom/b1');
    expect(() => hono.get('/late', (c) => c.text('late'))).toThrow(/cannot be added/);
  });
});
