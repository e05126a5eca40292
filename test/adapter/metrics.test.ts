/**
 * `/metrics` (issue 15.3): the adapter's telemetry in Prometheus text format. The output is parsed line by line
 * against the exposition format's grammar, and the expected series and labels are looked up in it.
 */
import { describe, expect, it } from 'vitest';
import { createAdapterApp, type AdapterAppConfig } from '../../src/adapter/app.js';
import { createDocumentService } from '../../src/adapter/documents.js';
import { createAdapterMetrics, createMetricsApp } from '../../src/adapter/metrics.js';
import { createMemoryState } from '../../src/adapter/state/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { API_ORIGIN, APP_KEY, clientOfFake, createFakeOpenBom, PASSWORD, USERNAME } from './support/fake-openbom.js';

const KEY = 'jakamo-key-metrics-0001';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP_LINE = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/**
 * Parses the Prometheus text exposition format (0.0.4) strictly: every line is a HELP, a TYPE or a sample; each
 * family has one TYPE before its samples; a histogram's samples are its _bucket (with `le`), _sum and _count.
 */
function parsePrometheusText(text: string): { types: Map<string, string>; samples: Sample[] } {
  expect(text.endsWith('\n')).toBe(true);
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const type = TYPE_LINE.exec(line);
    if (type) {
      expect(types.has(type[1]!), `second TYPE for ${type[1]}`).toBe(false);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (HELP_LINE.test(line)) continue;
    const sample = SAMPLE_LINE.exec(line);
    expect(sample, `not a valid Prometheus line: ${line}`).not.toBeNull();
    const [, name, labelText = '', value] = sample!;
    const labels = Object.fromEntries(
      [...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, key, val]) => [key!, val!]),
    );
    const family = [name!, name!.replace(/_(bucket|sum|count)$/, '')].find((candidate) => types.has(candidate));
    expect(family, `sample before its TYPE: ${line}`).toBeDefined();
    if (types.get(family!) === 'histogram') {
      expect(name).toMatch(/_(bucket|sum|count)$/);
      if (name!.endsWith('_bucket')) expect(labels.le).toMatch(new RegExp(`^${VALUE}$`));
    }
    samples.push({ name: name!, labels, value: Number(value!.replace('Inf', 'Infinity')) });
  }
  return { types, samples };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  find(samples, name, labels).reduce((sum, sample) => sum + sample.value, 0);

function setup() {
  const fake = createFakeOpenBom();
  const clock = new ManualClock();
  const state = createMemoryState();
  // The gauge reads the document service, built below with this telemetry (the closure runs at scrape time).
  const { telemetry, registry } = createAdapterMetrics({ indexAgeSeconds: () => documents.indexStatus().ageSeconds });
  const openbom = clientOfFake(fake, { clock, maxRetries: 2, state, telemetry, random: () => 0 });
  const config: AdapterAppConfig = {
    publicBaseUrl: 'https://adapter.example.com',
    apiKeyHeader: 'X-API-KEY',
    apiKeys: [KEY],
    cacheTtlSeconds: 60,
    openbom: { url: API_ORIGIN, catalogs: [] },
    mapping: { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' },
  };
  const documents = createDocumentService({
    openbom,
    catalogs: [],
    openBomUrl: API_ORIGIN,
    mapping: config.mapping,
    cacheTtlSeconds: 60,
    clock,
    logger: silentLogger,
    state,
    telemetry,
  });
  const app = createAdapterApp({ config, openbom, clock, state, documents, telemetry });
  const get = (path: string, key: string | null = KEY) => app.request(path, { headers: key === null ? {} : { 'X-API-KEY': key } });
  const scrape = async () => {
    const response = await createMetricsApp(registry).request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };
  return { fake, clock, documents, get, scrape, registry };
}

describe('/metrics', () => {
  it('parses as Prometheus text and carries every series the issue asks for, with bounded labels', async () => {
    const { fake, clock, documents, get, scrape, registry } = setup();
    // OpenBOM answers 429 once and 503 once: a retry of each kind.
    let faults = ['429', '503'];
    fake.intercept = (request) => {
      if (!new URL(request.url).pathname.startsWith('/catalog/')) return undefined;
      const next = faults.shift();
      if (next === '429') return Response.json({ error: 'Too many requests.' }, { status: 429, headers: { 'Retry-After': '0' } });
      if (next === '503') return Response.json({ error: 'Something went wrong.' }, { status: 503 });
      return undefined;
    };
    await documents.warmUp();
    documents.stop();
    faults = [];
    expect((await get('/materials/documents?materialId=55-554354')).status).toBe(200);
    expect((await get('/materials/documents?materialId=55-554354&revision=119')).status).toBe(200);
    expect((await get('/materials/documents?materialId=55-554354', 'wrong-key')).status).toBe(401);
    expect((await get('/materials/documents/download?materialId=55-554354&column=Drawing&fileName=drawing-120.pdf')).status).toBe(200);
    expect((await get('/no/such/path/55-554354')).status).toBe(404);
    clock.advance(5_000);

    const { types, samples } = await scrape();
    const p = 'jakamo_kit_';
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith(p)))).toEqual({
      [`${p}jakamo_requests_total`]: 'counter',
      [`${p}jakamo_request_duration_seconds`]: 'histogram',
      [`${p}openbom_requests_total`]: 'counter',
      [`${p}openbom_request_duration_seconds`]: 'histogram',
      [`${p}openbom_rate_limited_total`]: 'counter',
      [`${p}openbom_retries_total`]: 'counter',
      [`${p}openbom_permit_wait_seconds`]: 'histogram',
      [`${p}cache_lookups_total`]: 'counter',
      [`${p}part_index_loaded`]: 'gauge',
      [`${p}part_index_age_seconds`]: 'gauge',
    });
    expect(total(samples, `${p}jakamo_requests_total`, { route: '/materials/documents', status: '200' })).toBe(2);
    expect(total(samples, `${p}jakamo_requests_total`, { route: '/materials/documents', status: '401' })).toBe(1);
    expect(total(samples, `${p}jakamo_requests_total`, { route: '/materials/documents/download', status: '200' })).toBe(1);
    expect(total(samples, `${p}jakamo_requests_total`, { route: 'unmatched', status: '404' })).toBe(1);
    expect(total(samples, `${p}jakamo_request_duration_seconds_count`, { route: '/materials/documents' })).toBe(3);
    expect(find(samples, `${p}jakamo_request_duration_seconds_bucket`, { route: '/materials/documents', le: '+Inf' })[0]?.value).toBe(3);
    expect(total(samples, `${p}openbom_requests_total`, { endpoint: 'POST /login', status: '200' })).toBe(1);
    expect(total(samples, `${p}openbom_requests_total`, { endpoint: 'GET /catalogs', status: '200' })).toBe(1);
    expect(total(samples, `${p}openbom_requests_total`, { endpoint: 'GET /catalog/:id', status: '429' })).toBe(1);
    expect(total(samples, `${p}openbom_requests_total`, { endpoint: 'GET /catalog/:id', status: '503' })).toBe(1);
    expect(total(samples, `${p}openbom_rate_limited_total`, { endpoint: 'GET /catalog/:id' })).toBe(1);
    expect(total(samples, `${p}openbom_retries_total`, { endpoint: 'GET /catalog/:id' })).toBe(2);
    expect(total(samples, `${p}openbom_permit_wait_seconds_count`, { priority: 'foreground' })).toBeGreaterThan(0);
    expect(total(samples, `${p}cache_lookups_total`, { cache: 'index', outcome: 'hit' })).toBe(3);
    expect(total(samples, `${p}cache_lookups_total`, { cache: 'listing', outcome: 'miss' })).toBe(1);
    expect(total(samples, `${p}part_index_loaded`)).toBe(1);
    expect(total(samples, `${p}part_index_age_seconds`)).toBe(5);
    // No raw path, id, part number, token or secret in any series.
    const text = await registry.metrics();
    for (const leak of [
      '55-554354',
      'cat-1',
      'drawing-120',
      '/no/such/path',
      KEY,
      'wrong-key',
      APP_KEY,
      PASSWORD,
      USERNAME,
      'access-',
      'refresh-',
      'signature',
    ]) {
      expect(text).not.toContain(leak);
    }
  });

  it('says no index is loaded until one is, and uses a registry of its own', async () => {
    const first = setup();
    const second = setup();
    expect(total((await first.scrape()).samples, 'jakamo_kit_part_index_loaded')).toBe(0);
    await first.get('/materials/documents?materialId=55-554354');
    expect(total((await first.scrape()).samples, 'jakamo_kit_jakamo_requests_total')).toBe(1);
    expect(total((await second.scrape()).samples, 'jakamo_kit_jakamo_requests_total')).toBe(0);
  });

  it('has a parser that refuses what is not Prometheus text (so the test above can fail)', () => {
    for (const bad of [
      '# TYPE x counter\nx{a=b} 1\n',
      '# TYPE x counter\nx 1 2 3\n',
      'x 1\n',
      '# TYPE x counter\nx{a="1"} one\n',
      '# TYPE x histogram\nx 1\n',
    ]) {
      expect(() => parsePrometheusText(bad), bad).toThrow();
    }
    expect(parsePrometheusText('# HELP x A counter.\n# TYPE x counter\nx{a="q\\"uote"} 1.5e3\n').samples).toEqual([
      { name: 'x', labels: { a: 'q\\"uote' }, value: 1500 },
    ]);
  });

  it('answers 404 for any other path of the metrics port', async () => {
    const { registry } = setup();
    expect((await createMetricsApp(registry).request('/')).status).toBe(404);
  });
});
