import { describe, expect, it } from 'vitest';
import { loadSpec, specFromDocument } from '../support/openapi.js';
import { effectiveSecurity, operationsOf, structuralProblems } from './openapi-structure.js';

const SPEC_FILES = ['spec/openbom.yaml', 'spec/jakamo-file-callback.yaml'];

describe.each(SPEC_FILES)('%s', (file) => {
  it('is structurally valid OpenAPI 3.1 (refs resolve, schemas compile, examples match, parameters and responses complete)', () => {
    expect(structuralProblems(loadSpec(file))).toEqual([]);
  });
});

describe('the structural checks catch a broken document', () => {
  const broken = specFromDocument(
    {
      openapi: '3.0.3',
      info: { title: 'broken' },
      security: [{ nowhere: [] }],
      paths: {
        '/a/{id}': {
          get: {
            operationId: 'same',
            parameters: [{ name: 'other', in: 'path', schema: { type: 'string' } }],
            responses: {
              '200': {
                description: 'ok',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Missing' }, example: 1 } },
              },
              '2xx': { description: 'bad key' },
              '404': {},
            },
          },
        },
        '/a/{key}': { get: { operationId: 'same', responses: {} } },
        '/b': {
          get: {
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
    },
    'broken.yaml',
  );
  const problems = structuralProblems(broken).join('\n');

  it.each([
    ['the OpenAPI version', /openapi must be 3\.1\.x, is 3\.0\.3/],
    ['missing info.version', /info\.title and info\.version/],
    ['an unresolvable $ref', /\$ref #\/components\/schemas\/Missing does not resolve/],
    ['twin templated paths', /paths \/a\/\{id\} and \/a\/\{key\} are the same templated path/],
    ['a duplicate operationId', /duplicate operationId same/],
    ['an operation without responses', /GET \/a\/\{key\}: no responses/],
    ['a malformed response key', /response key 2xx/],
    ['a response without description', /GET \/a\/\{id\} → 404: a response needs a description/],
    ['an optional path parameter', /path parameter other must be required/],
    ['a path parameter missing from the template', /path parameter other is not in the template/],
    ['a template parameter without a parameter', /\{id\} has no path parameter/],
    ['an undefined security scheme', /security scheme nowhere is not defined/],
    ['an invalid schema', /\/components\/schemas\/BadType: not a valid JSON Schema/],
    ['a schema example that does not match', /\/components\/schemas\/BadExample\/examples\/0 does not match/],
    ['a media example that does not match', /\/paths\/~1b\/get\/responses\/400\/content\/application~1json\/example does not match/],
  ])('reports %s', (_, pattern) => {
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
