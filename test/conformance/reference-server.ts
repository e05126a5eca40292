/**
 * A File Callback implementation written for the conformance tests, following spec/jakamo-file-callback.yaml —
 * deliberately NOT our adapter. `defect` plants exactly one bug; `variation` is a correct alternative that must pass.
 */
import { create as contentDisposition } from 'content-disposition';
import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { listen, type RunningServer } from '../../src/shared/server.js';

export const DEFECTS = [
  'unknown-404',
  'bad-key-empty-200',
  'login-redirect',
  'no-auth',
  'missing-description',
  'empty-file-name',
  'relative-link',
  'foreign-link',
  'data-not-array',
  'html-body',
  'download-ignores-key',
  'download-500',
  'download-no-content-type',
  'revision-ignored',
  'empty-revision-500',
  'missing-material-500',
  'stack-trace-on-traversal',
  'key-echo',
  'crlf-500',
  'repeated-500',
  'slow',
  // Principle 1: the key never comes back.
  'key-in-401-body',
  'key-in-debug-header',
  'key-base64-cookie',
  'key-part-in-error',
  // Principle 2: a link not downloaded is not a pass.
  'links-other-port',
  'links-https-on-http',
  // Principle 3: auth is exact.
  'key-prefix-accepted',
  'key-case-insensitive',
  'key-startswith',
  'key-in-query-accepted',
  'download-compares-8-chars',
  // Principle 4: a download is the file.
  'download-html-page',
  'download-json-error',
  'download-cut',
  'download-wrong-signature',
  'download-other-name',
  // Principle 5: transport is part of the contract.
  'listing-bad-encoding',
  'listing-reset',
  // Principle 7: say what JSON says.
  'listing-bom',
] as const;
export type Defect = (typeof DEFECTS)[number];

/** Correct behaviours a strict reading might wrongly reject. */
export type Variation =
  '403-instead-of-401' | 'empty-description' | 'no-type' | 'query-links' | 'unicode-names' | 'newline-flood' | 'echoes-presented-key';

export interface ReferenceOptions {
  apiKey: string;
  apiKeyHeader?: string;
  defect?: Defect;
  variation?: Variation;
  /** Delay of every listing under the `slow` defect. */
  slowMs?: number;
}

export const MATERIAL = '55-554354';
/** A material that exists and has no files. */
export const MATERIAL_WITHOUT_FILES = '77-000001';
export const REVISIONS = { latest: '120', older: '119' } as const;

interface StoredFile {
  fileName: string;
  description: string;
  type: string;
  contentType: string;
  content: string;
}

const FILES: Record<string, Record<string, StoredFile[]>> = {
  [MATERIAL]: {
    [REVISIONS.older]: [
      {
        fileName: 'File1.pdf',
        description: 'Assembly drawing',
        type: 'Drawing',
        contentType: 'application/pdf',
        content: '%PDF-1.4 revision 119',
      },
      {
        fileName: 'Spec.xml',
        description: 'Specification',
        type: 'Specification',
        contentType: 'application/xml',
        content: '<spec rev="119"/>',
      },
    ],
    [REVISIONS.latest]: [
      {
        fileName: 'File1.pdf',
        description: 'Assembly drawing',
        type: 'Drawing',
        contentType: 'application/pdf',
        content: '%PDF-1.4 revision 120',
      },
      {
        fileName: 'File2.xml',
        description: 'Specification',
        type: 'Specification',
        contentType: 'application/xml',
        content: '<spec rev="120"/>',
      },
    ],
  },
};
FILES[MATERIAL_WITHOUT_FILES] = { A: [] };
const LATEST: Record<string, string> = { [MATERIAL]: REVISIONS.latest, [MATERIAL_WITHOUT_FILES]: 'A' };

/** Under `unicode-names`: the same files under names a careless encoder breaks. */
const UNICODE_NAMES: Record<string, string> = {
  'File1.pdf': 'Zeichnung Ä-測試 #1.pdf',
  'File2.xml': 'Spéc & "Ω".xml',
  'Spec.xml': 'Spéc & "Ω".xml',
};

const FAKE_NODE_TRACE = `Error: invalid material path
    at resolveMaterialPath (/srv/reference/app.js:42:13)
    at Object.<anonymous> (/srv/reference/app.js:88:5)
    at Module._compile (node:internal/modules/cjs/loader:1256:14)`;

export function createReferenceApp(options: ReferenceOptions): Hono {
  const { apiKey, defect, variation } = options;
  const header = options.apiKeyHeader ?? 'X-API-KEY';
  const app = new Hono();
  // Planted crashes answer Hono's plain 500 without logging, so test output stays readable.
  app.onError((_error, c) => c.text('Internal Server Error', 500));

  const error = (c: Context, status: 400 | 401 | 403 | 404 | 500, message: string) => {
    const echo = defect === 'key-echo' && status === 400 ? { request: { headers: { [header]: c.req.header(header) } } } : {};
    return c.json({ message, errors: [], ...echo }, status);
  };

  const authorised = (c: Context, download = false) => {
    const presented = c.req.header(header);
    if (defect === 'key-in-query-accepted' && (c.req.query('api_key') === apiKey || c.req.query(header) === apiKey)) return true;
    if (presented === undefined) return false;
    if (defect === 'key-prefix-accepted') return apiKey.startsWith(presented);
    if (defect === 'key-case-insensitive') return presented.toLowerCase() === apiKey.toLowerCase();
    if (defect === 'key-startswith') return presented.startsWith(apiKey);
    if (defect === 'download-compares-8-chars' && download) return presented.slice(0, 8) === apiKey.slice(0, 8);
    return presented === apiKey;
  };
  const rejectAuth = (c: Context) => {
    if (defect === 'login-redirect' && c.req.header(header) === undefined) return c.redirect('/login?next=%2F', 302);
    const status = variation === '403-instead-of-401' ? 403 : 401;
    if (defect === 'key-in-401-body')
      return c.json(
        { message: 'Missing or wrong API key', errors: [], debug: { expected: apiKey, got: c.req.header(header) ?? null } },
        status,
      );
    if (defect === 'key-in-debug-header') c.header('X-Debug-Auth', `expected=${apiKey}`);
    if (defect === 'key-base64-cookie')
      c.header('Set-Cookie', `jk_session=${Buffer.from(JSON.stringify({ auth: 'failed', key: apiKey })).toString('base64')}; HttpOnly`);
    // Echoing what the caller sent shows them nothing new (a near miss of the key included): correct, if chatty.
    if (variation === 'echoes-presented-key')
      return c.json({ message: `Wrong API key: ${c.req.header(header) ?? '(none)'}`, errors: [] }, status);
    if (defect === 'key-part-in-error')
      return c.json({ message: `Wrong API key; expected one starting ${apiKey.slice(0, 16)}…`, errors: [] }, status);
    return error(c, variation === '403-instead-of-401' ? 403 : 401, 'Missing or wrong API key');
  };

  app.get('/materials/documents', async (c) => {
    const presented = c.req.header(header);
    const primary = presented === apiKey && c.req.query('materialId') === MATERIAL && c.req.query('revision') === REVISIONS.latest;
    if (primary && defect === 'listing-bad-encoding')
      return new Response('{"data":[]}', { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } });
    if (primary && defect === 'listing-reset')
      return cutAnswer(c, { 'Content-Type': 'application/json' }, '{"data":[{"fileName":"File1.pdf"');
    const badKeyLooksEmpty = defect === 'bad-key-empty-200' && presented !== undefined && presented !== apiKey;
    if (badKeyLooksEmpty) return c.json({ data: [] });
    if (!authorised(c) && defect !== 'no-auth') return rejectAuth(c);
    if (defect === 'slow') await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 150));
    if (defect === 'repeated-500' && (c.req.queries('materialId')?.length ?? 0) > 1) throw new Error('materialId is not a string');

    const materialId = c.req.query('materialId');
    let revision = c.req.query('revision');
    if (materialId === undefined && defect === 'missing-material-500') throw new Error('Cannot read properties of undefined');
    if (variation === 'newline-flood' && (!materialId || /[^\w.-]/.test(materialId))) return c.text('\n'.repeat(300_000), 400);
    if (!materialId) return error(c, 400, 'materialId is required');
    if (defect === 'crlf-500' && /[\r\n]/.test(materialId)) throw new Error('invalid header value');
    if (defect === 'stack-trace-on-traversal' && [materialId, revision].some((v) => v?.includes('..'))) return c.text(FAKE_NODE_TRACE, 400);
    if (revision === '' && defect === 'empty-revision-500') throw new Error('empty revision');
    if (!revision || defect === 'revision-ignored') revision = LATEST[materialId];

    const revisions = FILES[materialId];
    if (!revisions && defect === 'unknown-404') return error(c, 404, 'No such material');
    const files = (revision && revisions?.[revision]) || [];
    const origin = new URL(c.req.url).origin;
    const documents = files.map((file) => toDocument(file, linkFor(origin, materialId, revision ?? '', displayName(file))));
    c.header('Cache-Control', 'no-store');
    if (defect === 'html-body')
      return c.html(`<html><body><ul>${documents.map((d) => `<li>${d.fileName}</li>`).join('')}</ul></body></html>`);
    if (defect === 'data-not-array') return c.json({ data: Object.fromEntries(documents.map((d) => [d.fileName, d])) });
    if (defect === 'listing-bom')
      return c.body(`\uFEFF${JSON.stringify({ data: documents })}`, 200, { 'Content-Type': 'application/json; charset=utf-8' });
    return c.json({ data: documents });
  });

  app.get('/files/:material/:revision/:name', (c) => {
    if (!authorised(c, true) && defect !== 'download-ignores-key') return rejectAuth(c);
    if (defect === 'download-500') return error(c, 500, 'storage unavailable');
    const name = c.req.param('name');
    const file = FILES[c.req.param('material')]?.[c.req.param('revision')]?.find((f) => displayName(f) === name);
    if (!file) return error(c, 404, 'No such file');
    if (defect === 'download-html-page')
      return c.html('<!DOCTYPE html><html><body><h1>Sign in</h1><form method="post"></form></body></html>');
    if (defect === 'download-json-error') return c.json({ error: 'document not found in storage' });
    const content = defect === 'download-wrong-signature' ? file.content.replace('%PDF-1.4', 'PDF export failed:') : file.content;
    const headers: Record<string, string> = {
      'Content-Disposition': contentDisposition(defect === 'download-other-name' ? 'download.bin' : displayName(file)),
    };
    if (defect !== 'download-no-content-type') headers['Content-Type'] = file.contentType;
    if (defect === 'download-cut') return cutAnswer(c, headers, content.slice(0, 8));
    return new Response(new TextEncoder().encode(content), { headers });
  });

  app.get('/login', (c) => c.html('<form method="post"><input name="user"><input name="password" type="password"></form>'));

  function displayName(file: StoredFile): string {
    return variation === 'unicode-names' ? (UNICODE_NAMES[file.fileName] ?? file.fileName) : file.fileName;
  }

  function linkFor(origin: string, material: string, revision: string, fileName: string): string {
    const path = `/files/${encodeURIComponent(material)}/${encodeURIComponent(revision)}/${encodeURIComponent(fileName)}${variation === 'query-links' ? '?disposition=attachment&v=2' : ''}`;
    if (defect === 'relative-link') return path;
    if (defect === 'links-other-port') {
      const other = new URL(origin);
      other.port = String(Number(other.port) + 1);
      return `${other.origin}${path}`;
    }
    if (defect === 'links-https-on-http') return `${origin.replace(/^http:/, 'https:')}${path}`;
    if (defect === 'foreign-link') {
      // The same server under another host name: another origin as far as a browser or Jakamo is concerned.
      const other = new URL(origin);
      other.hostname = other.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
      return `${other.origin}${path}`;
    }
    return `${origin}${path}`;
  }

  function toDocument(file: StoredFile, link: string): Record<string, string> {
    const document: Record<string, string> = { fileName: displayName(file), description: file.description, type: file.type, link };
    if (variation === 'empty-description') document.description = '';
    if (variation === 'no-type') delete document.type;
    if (defect === 'missing-description') delete document.description;
    if (defect === 'empty-file-name') document.fileName = '';
    return document;
  }

  return app;
}

/** Sends the status, headers (promising more bytes than come) and `start`, then drops the connection: a crashed handler or proxy. */
function cutAnswer(c: Context, headers: Record<string, string>, start: string): Response {
  const { outgoing } = c.env as { outgoing: ServerResponse };
  outgoing.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(start) + 1000) });
  outgoing.write(start);
  outgoing.socket?.destroy();
  return RESPONSE_ALREADY_SENT;
}

export function startReference(options: ReferenceOptions): Promise<RunningServer> {
  return listen(createReferenceApp(options));
}
