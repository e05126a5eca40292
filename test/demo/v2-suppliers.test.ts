/** The demo serves v2 supplier documents from memory: the cycle works behind the demo key, and nothing lands on disk. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_API_KEY, DEMO_API_KEY_HEADER, startDemo } from '../../src/demo/app.js';

describe('startDemo with v2 supplier documents', () => {
  it('runs the cycle behind the demo key, refuses a wrong key, and writes no data directory', async () => {
    const dataDirBefore = existsSync(join(process.cwd(), 'data'));
    const demo = await startDemo({ port: 0 });
    try {
      const collection = `${demo.url}/suppliers/54454543/documents`;
      const headers = { [DEMO_API_KEY_HEADER]: DEMO_API_KEY, 'Content-Type': 'application/json' };
      const body = JSON.stringify({ fileName: 'demo.txt', base64EncodedContents: Buffer.from('in memory').toString('base64') });

      const created = await fetch(collection, { method: 'POST', headers, body });
      expect(created.status).toBe(201);
      const { link } = (await created.json()) as { link: string };
      expect(link).toBe(`${collection}/demo.txt`);
      expect(await (await fetch(link, { headers })).text()).toBe('in memory');
      expect((await fetch(collection, { headers: { [DEMO_API_KEY_HEADER]: 'wrong' } })).status).toBe(401);
      expect((await fetch(link, { method: 'DELETE', headers })).status).toBe(200);
      expect(await (await fetch(collection, { headers })).json()).toEqual({ data: [] });
    } finally {
      await demo.close();
    }
    expect(existsSync(join(process.cwd(), 'data'))).toBe(dataDirBefore);
  });
});
