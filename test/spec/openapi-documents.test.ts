/**
 * Our OpenAPI documents, held to a maintained linter (Redocly CLI, the recommended rules of redocly.yaml, as
 * `npm run lint` runs it) and to the contract facts the tests below spell out.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { HTTP_METHODS, escapePointerToken, loadSpec, type LoadedSpec, type SpecNode } from '../support/openapi.js';

const root = join(import.meta.dirname, '../..');
const SPEC_FILES = ['spec/openbom.yaml', 'spec/jakamo-file-callback.yaml'];

interface RedoclyProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer: string }>;
}

/** `redocly lint` with the project's redocly.yaml, as JSON: the problems it finds in one file. */
async function redoclyProblems(file: string): Promise<RedoclyProblem[]> {
  const args = [join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', '--config', join(root, 'redocly.yaml'), '--format', 'json', file];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 }).catch(
    // Exit code 1 means "problems found"; the report is on stdout all the same.
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return (JSON.parse(stdout) as { problems: RedoclyProblem[] }).problems;
}

const describeProblem = ({ severity, ruleId, location, message }: RedoclyProblem) => `${severity} ${ruleId} ${location[0]?.pointer ?? ''}: ${message}`;

interface OperationRef {
  template: string;
  method: string;
  node: SpecNode;
}

function operationsOf(spec: LoadedSpec): OperationRef[] {
  return Object.keys(spec.document.paths ?? {}).flatMap((template) => {
    const pathItem = spec.locate(`/paths/${escapePointerToken(template)}`);
    return HTTP_METHODS.filter((method) => pathItem.has(method)).map((method) => ({ template, method, node: pathItem.child(method)! }));
  });
}

/** The security requirements that apply to an operation: its own, else the document's. */
function effectiveSecurity(spec: LoadedSpec, operation: SpecNode): Array<Record<string, unknown>> {
  const own = operation.value.security;
  return (Array.isArray(own) ? own : (spec.document.security ?? [])) as Array<Record<string, unknown>>;
}

describe.each(SPEC_FILES)('%s', (file) => {
  it("is OpenAPI 3.1 without a single error from Redocly's recommended rules (examples included)", async () => {
    expect(loadSpec(file).document.openapi).toMatch(/^3\.1\.\d+$/);
    const errors = (await redoclyProblems(file)).filter((problem) => problem.severity === 'error');
    expect(errors.map(describeProblem)).toEqual([]);
  });
});

describe('the linter catches a broken document', () => {
  const broken = {
    openapi: '3.1.0',
    info: { title: 'broken' },
    servers: [{ url: 'http://127.0.0.1' }],
    security: [{ nowhere: [] }],
    paths: {
      '/a/{id}': {
        get: {
          summary: 'a',
          operationId: 'same',
          parameters: [{ name: 'other', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'ok',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' } } },
            },
            '404': {},
          },
        },
      },
      '/a/{key}': { get: { summary: 'twin', operationId: 'same', responses: { '200': { description: 'ok' } } } },
      '/b': {
        get: {
          summary: 'b',
          operationId: 'b',
          responses: {
            '400': {
              description: 'error',
              content: {
                'application/json': {
                  schema: { type: 'object', required: ['error'], properties: { error: { const: 'Right text.' } } },
                  example: { error: 'Wrong text.' },
                },
              },
            },
          },
        },
      },
    },
    components: { schemas: { BadType: { type: 'strin' }, BadExample: { type: 'integer', examples: ['seven'] } } },
  };
  let problems: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jakamo-kit-broken-spec-'));
    try {
      writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
      const found = await redoclyProblems(join(dir, 'broken.json'));
      problems = found.filter((problem) => problem.severity === 'error').map(describeProblem).join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it.each([
    ['missing info.version', /struct #\/info: The field `version` must be present/],
    ['an unresolvable $ref', /no-unresolved-refs .*responses\/200\/content/],
    ['twin templated paths', /no-identical-paths #\/paths\/~1a~1\{key\}/],
    ['a duplicate operationId', /operation-operationId-unique/],
    ['a response without description', /struct .*responses\/404: The field `description` must be present/],
    ['a path parameter missing from the template', /path-parameters-defined .*Path parameter `other` is not used/],
    ['a template parameter without a parameter', /path-parameters-defined .*does not define the path parameter `\{id\}`/],
    ['an undefined security scheme', /security-defined .*nowhere/],
    ['an invalid schema', /struct #\/components\/schemas\/BadType\/type/],
    ['a schema example that does not match', /no-invalid-schema-examples #\/components\/schemas\/BadExample\/examples\/0/],
    ['a media example that does not match', /no-invalid-media-type-examples #\/paths\/~1b\/get\/responses\/400/],
  ])('reports %s', async (_, pattern) => {
    expect(problems).toMatch(pattern);
  });
});

describe('spec/openbom.yaml', () => {
  const spec = loadSpec('spec/openbom.yaml');
  const operations = operationsOf(spec);

  it('numbers the 30 endpoints of the contract, each once (23 covers the BOM and the catalog form)', () => {
    const numbered = operations
      .filter(({ node }) => node.value['x-openbom-endpoint'] !== undefined)
      .map(({ template, method, node }) => ({ number: node.value['x-openbom-endpoint'], summary: String(node.value.summary), at: `${method} ${template}` }));
    const numbers = numbered.map(({ number }) => number);
    expect(new Set(numbers)).toEqual(new Set(Array.from({ length: 30 }, (_, index) => index + 1)));
    expect(numbers.filter((number) => number === 23)).toHaveLength(2);
    expect(numbered).toHaveLength(31);
    for (const { number, summary } of numbered) expect(summary.startsWith(`${String(number)}. `), summary).toBe(true);
  });

  it.each([
    ['post', '/login', 1],
    ['post', '/token/renew', 2],
    ['get', '/catalog/{catalogId}/revisions/partnumber/{partNumber}', 9],
    ['get', '/bom/{bomId}', 10],
    ['get', '/flattenedbom/{bomId}', 11],
    ['get', '/catalog/{catalogId}/revisions/merged/partnumber/{partNumber}', 16],
    ['post', '/boms/byparams', 19],
    ['put', '/bom/{bomId}/parts', 23],
    ['put', '/catalog/{catalogId}/parts', 23],
    ['get', '/document/{documentId}/image', 24],
    ['post', '/document/{documentId}/image', 25],
    ['post', '/catalog/{catalogId}/image', 26],
    ['delete', '/catalog/{catalogId}/removepart/{partName}', 30],
  ])('puts %s %s at contract endpoint %i', (method, template, number) => {
    expect(operations.find((op) => op.method === method && op.template === template)?.node.value['x-openbom-endpoint']).toBe(number);
  });

  it('serves the real-client extras, the storage path and the whole admin API', () => {
    const served = new Set(operations.map(({ method, template }) => `${method.toUpperCase()} ${template}`));
    for (const expected of [
      'GET /catalog/{catalogId}/item',
      'DELETE /catalog/{catalogId}/removepart',
      'DELETE /bom/{bomId}/removepart',
      'GET /__storage/{docId}/{fileName}',
      'HEAD /__storage/{docId}/{fileName}',
      'POST /__admin/reset',
      'GET /__admin/requests',
      'DELETE /__admin/requests',
      'GET /__admin/faults',
      'POST /__admin/faults',
      'DELETE /__admin/faults',
      'DELETE /__admin/faults/{id}',
      'POST /__admin/tokens/expire',
      'GET /__admin/state',
    ]) {
      expect(served, expected).toContain(expected);
    }
  });

  it('asks for the app key alone on /login and /token/renew, no OpenBOM auth on storage and admin, both headers elsewhere', () => {
    for (const { template, method, node } of operations) {
      const schemes = effectiveSecurity(spec, node).map((requirement) => Object.keys(requirement).sort().join('+'));
      const where = `${method} ${template}`;
      if (template === '/login' || template === '/token/renew') expect(schemes, where).toEqual(['appKey']);
      else if (template.startsWith('/__storage/')) expect(schemes, where).toEqual([]);
      else if (template.startsWith('/__admin/')) expect(schemes, where).toEqual(['', 'adminBearer', 'adminHeader']);
      else expect(schemes, where).toEqual(['accessToken+appKey']);
    }
  });

  it('documents the pipeline errors on every operation behind them: 403 and 429 behind the app key, 401 behind the token, 401 on admin', () => {
    for (const { template, method, node } of operations) {
      const statuses = Object.keys(node.value.responses as object);
      const schemes = effectiveSecurity(spec, node).flatMap((requirement) => Object.keys(requirement));
      const where = `${method} ${template}`;
      if (schemes.includes('appKey')) expect(statuses, where).toEqual(expect.arrayContaining(['403', '429', '500']));
      if (schemes.includes('accessToken')) expect(statuses, where).toContain('401');
      if (schemes.includes('adminBearer')) expect(statuses, where).toContain('401');
      if (node.value.requestBody !== undefined && !template.startsWith('/__admin/')) expect(statuses, where).toContain('413');
    }
  });

  it('fixes the contract texts of the auth errors', () => {
    const errorOf = (response: string) => {
      const schema = spec.locate(`/components/responses/${response}`).child('content')!.child('application/json')!.child('schema')!;
      return (schema.value.allOf as Array<{ properties?: { error?: { const?: string } } }>)[1]?.properties?.error?.const;
    };
    expect(errorOf('Unauthorized')).toBe('Missing or invalid access token.');
    expect(errorOf('InvalidAppKey')).toBe('Missing or invalid developer application key[app_key]');
    expect(errorOf('StorageDenied')).toBe('Request has expired or the signature does not match.');
    expect(errorOf('AdminUnauthorized')).toBe('Missing or invalid admin token.');
  });
});
