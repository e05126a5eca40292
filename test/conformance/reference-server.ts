/**
 * A File Callback implementation written for the conformance tests, following spec/jakamo-file-callback.yaml —
 * deliberately NOT our adapter. `defect` plants exactly one bug; `variation` is a correct alternative that must pass.
 */
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
] as const;
export type Defect = (typeof DEFECTS)[number];

/** Correct behaviours a strict reading might wrongly reject. */
export type Variation = '403-instead-of-401' | 'empty-description' | 'no-type';

export interface ReferenceOptions {
  apiKey: string;
  apiKeyHeader?: string;
  defect?: Defect;
  variation?: Variation;
  /** Delay of every listing under the `slow` defect. */
  slowMs?: number;
}

export const MATERIAL = '55-554354';
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
      { fileName: 'File1.pdf', description: 'Assembly drawing', type: 'Drawing', contentType: 'application/pdf', content: '%PDF-1.4 revision 119' },
      { fileName: 'Spec.xml', description: 'Specification', type: 'Specification', contentType: 'application/xml', content: '<spec rev="119"/>' },
    ],
    [REVISIONS.latest]: [
      { fileName: 'File1.pdf', description: 'Assembly drawing', type: 'Drawing', contentType: 'application/pdf', content: '%PDF-1.4 revision 120' },
      { fileName: 'File2.xml', description: 'Specification', type: 'Specification', contentType: 'application/xml', content: '<spec rev="120"/>' },
    ],
  },
};
const LATEST: Record<string, string> = { [MATERIAL]: REVISIONS.latest };

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

  const authorised = (c: Context) => c.req.header(header) === apiKey;
  const rejectAuth = (c: Context) => {
    if (defect === 'login-redirect' && c.req.header(header) === undefined) return c.redirect('/login?next=%2F', 302);
    return error(c, variation === '403-instead-of-401' ? 403 : 401, 'Missing or wrong API key');
  };

  app.get('/materials/documents', async (c) => {
    const presented = c.req.header(header);
    const badKeyLooksEmpty = defect === 'bad-key-empty-200' && presented !== undefined && presented !== apiKey;
    if (badKeyLooksEmpty) return c.json({ data: [] });
    if (!authorised(c) && defect !== 'no-auth') return rejectAuth(c);
    if (defect === 'slow') await new Promise((resolve) => setTimeout(resolve, options.slowMs ?? 150));
    if (defect === 'repeated-500' && (c.req.queries('materialId')?.length ?? 0) > 1) throw new Error('materialId is not a string');

    const materialId = c.req.query('materialId');
    let revision = c.req.query('revision');
    if (materialId === undefined && defect === 'missing-material-500') throw new Error('Cannot read properties of undefined');
    if (!materialId) return error(c, 400, 'materialId is required');
    if (defect === 'crlf-500' && /[\r\n]/.test(materialId)) throw new Error('invalid header value');
    if (defect === 'stack-trace-on-traversal' && [materialId, revision].some((v) => v?.includes('..'))) return c.text(FAKE_NODE_TRACE, 400);
    if (revision === '' && defect === 'empty-revision-500') throw new Error('empty revision');
    if (!revision || defect === 'revision-ignored') revision = LATEST[materialId];

    const revisions = FILES[materialId];
    if (!revisions && defect === 'unknown-404') return error(c, 404, 'No such material');
    const files = (revision && revisions?.[revision]) || [];
    const origin = new URL(c.req.url).origin;
    const documents = files.map((file) => toDocument(file, linkFor(origin, materialId, revision ?? '', file.fileName)));
    c.header('Cache-Control', 'no-store');
    if (defect === 'html-body') return c.html(`<html><body><ul>${documents.map((d) => `<li>${d.fileName}</li>`).join('')}</ul></body></html>`);
    if (defect === 'data-not-array') return c.json({ data: Object.fromEntries(documents.map((d) => [d.fileName, d])) });
    return c.json({ data: documents });
  });

  app.get('/files/:material/:revision/:name', (c) => {
    if (!authorised(c) && defect !== 'download-ignores-key') return rejectAuth(c);
    if (defect === 'download-500') return error(c, 500, 'storage unavailable');
    const file = FILES[c.req.param('material')]?.[c.req.param('revision')]?.find((f) => f.fileName === c.req.param('name'));
    if (!file) return error(c, 404, 'No such file');
    const headers: Record<string, string> = { 'Content-Disposition': `attachment; filename="${file.fileName}"` };
    if (defect !== 'download-no-content-type') headers['Content-Type'] = file.contentType;
    return new Response(new TextEncoder().encode(file.content), { headers });
  });

  app.get('/login', (c) => c.html('<form method="post"><input name="user"><input name="password" type="password"></form>'));

  function linkFor(origin: string, material: string, revision: string, fileName: string): string {
    const path = `/files/${encodeURIComponent(material)}/${encodeURIComponent(revision)}/${encodeURIComponent(fileName)}`;
    if (defect === 'relative-link') return path;
    if (defect === 'foreign-link') {
      // The same server under another host name: another origin as far as a browser or Jakamo is concerned.
      const other = new URL(origin);
      other.hostname = other.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
      return `${other.origin}${path}`;
    }
    return `${origin}${path}`;
  }

  function toDocument(file: StoredFile, link: string): Record<string, string> {
    const document: Record<string, string> = { fileName: file.fileName, description: file.description, type: file.type, link };
    if (variation === 'empty-description') document.description = '';
    if (variation === 'no-type') delete document.type;
    if (defect === 'missing-description') delete document.description;
    if (defect === 'empty-file-name') document.fileName = '';
    return document;
  }

  return app;
}

export function startReference(options: ReferenceOptions): Promise<RunningServer> {
  return listen(createReferenceApp(options));
}
