// The Jakamo order line, simulated: lists and downloads an item's documents through the File Callback API
// the way Jakamo does, and shows the user exactly Jakamo's texts. Plain browser JavaScript, no build step.
'use strict';

/** What Jakamo shows (File Callback API v1, section 4). */
const MESSAGES = {
  noFiles: 'No files found for this item number!',
  listingFailed: 'Unable to display files at this time. Try again later.',
  downloadFailed: 'Could not download file.',
};
const WRONG_API_KEY = 'wrong-api-key';
const UNKNOWN_ITEM = 'UNKNOWN-000000';
const BODY_EXCERPT_CHARS = 1500;
const MAX_EXCHANGES = 25;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('order-form'),
  item: $('item-number'),
  revision: $('revision'),
  fetchButton: $('fetch-documents'),
  documents: $('documents'),
  message: $('message'),
  table: $('file-list'),
  rows: $('file-rows'),
  downloadMessage: $('download-message'),
  wrongKey: $('toggle-wrong-key'),
  unknownItem: $('toggle-unknown-item'),
  emptyRevision: $('toggle-empty-revision'),
  traffic: $('traffic'),
  trafficEmpty: $('traffic-empty'),
  trafficClear: $('traffic-clear'),
  exchangeTemplate: $('exchange-template'),
  configError: $('config-error'),
};

let config = { apiKeyHeader: 'X-API-KEY', apiKey: '', baseUrl: '' };
let listingSequence = 0;

init();

async function init() {
  bindFieldToggle(ui.unknownItem, ui.item, UNKNOWN_ITEM);
  bindFieldToggle(ui.emptyRevision, ui.revision, '');
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void fetchDocuments();
  });
  ui.rows.addEventListener('click', onDownloadClick);
  ui.trafficClear.addEventListener('click', () => {
    ui.traffic.replaceChildren();
    ui.trafficEmpty.hidden = false;
  });
  try {
    const response = await fetch('/demo-config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    config = { ...config, ...(await response.json()) };
  } catch (error) {
    ui.configError.textContent = `Could not load /demo-config.json (${error.message}); requests go without an API key.`;
  }
  $('setting-base-url').textContent = listingBase();
  $('setting-header').textContent = config.apiKeyHeader;
  $('setting-key').textContent = mask(config.apiKey);
  document.body.dataset.ready = 'true';
}

/** A toggle that puts a simulated value into an order line field and gives the user's value back when cleared. */
function bindFieldToggle(toggle, field, simulatedValue) {
  let saved = field.value;
  toggle.addEventListener('change', () => {
    if (toggle.checked) {
      saved = field.value;
      field.value = simulatedValue;
    } else {
      field.value = saved;
    }
  });
}

function listingBase() {
  return new URL(config.baseUrl || '/', location.href).href.replace(/\/$/, '');
}

/** Jakamo reads materialId from the Item number field and omits `revision` when the Revision field is empty. */
function listingUrl() {
  const params = new URLSearchParams({ materialId: ui.item.value });
  if (ui.revision.value !== '') params.set('revision', ui.revision.value);
  return `${listingBase()}/materials/documents?${params}`;
}

function authHeaders() {
  return { [config.apiKeyHeader]: ui.wrongKey.checked ? WRONG_API_KEY : config.apiKey };
}

async function fetchDocuments() {
  const sequence = ++listingSequence;
  ui.documents.setAttribute('aria-busy', 'true');
  setMessage(ui.message, 'Fetching documents…', 'info');
  ui.downloadMessage.textContent = '';
  const outcome = await listDocuments();
  // A slower earlier answer must not overwrite a newer one.
  if (sequence !== listingSequence) return;
  ui.documents.setAttribute('aria-busy', 'false');
  showListing(outcome);
}

/** @returns {Promise<{ files: Array<{fileName: string, description: string, type?: string, link: string}> } | { error: true }>} */
async function listDocuments() {
  const url = listingUrl();
  const exchange = await send(url);
  if (!exchange.response || !exchange.response.ok) return { error: true };
  let body;
  try {
    body = JSON.parse(await exchange.response.text());
  } catch {
    return { error: true };
  }
  return isDocumentList(body) ? { files: body.data } : { error: true };
}

/** Jakamo's rule: data must be an array whose items carry fileName, link and description as strings. */
function isDocumentList(body) {
  if (!body || typeof body !== 'object' || !Array.isArray(body.data)) return false;
  return body.data.every(
    (file) =>
      file !== null &&
      typeof file === 'object' &&
      typeof file.fileName === 'string' &&
      typeof file.link === 'string' &&
      typeof file.description === 'string',
  );
}

function showListing(outcome) {
  ui.rows.replaceChildren();
  if ('error' in outcome) {
    ui.table.hidden = true;
    setMessage(ui.message, MESSAGES.listingFailed, 'error');
    return;
  }
  if (outcome.files.length === 0) {
    ui.table.hidden = true;
    setMessage(ui.message, MESSAGES.noFiles, 'info');
    return;
  }
  for (const file of outcome.files) ui.rows.append(fileRow(file));
  ui.table.hidden = false;
  setMessage(ui.message, `${outcome.files.length} ${outcome.files.length === 1 ? 'file' : 'files'}`, 'info');
}

function fileRow(file) {
  const row = document.createElement('tr');
  row.dataset.testid = 'file-row';
  const nameCell = cell('file-name');
  const badge = document.createElement('span');
  badge.className = 'ext';
  badge.setAttribute('aria-hidden', 'true');
  badge.textContent = extensionOf(file.fileName);
  const name = document.createElement('span');
  name.dataset.testid = 'file-name';
  name.append(...breakableName(file.fileName));
  nameCell.append(badge, name);
  const typeCell = cell('file-type', typeof file.type === 'string' ? file.type : '');
  const linkCell = cell('file-download');
  const link = document.createElement('a');
  link.href = file.link;
  link.className = 'download';
  link.dataset.testid = 'download-link';
  link.dataset.fileName = file.fileName;
  link.textContent = 'Download';
  link.setAttribute('aria-label', `Download ${file.fileName}`);
  linkCell.append(link);
  row.append(nameCell, cell('file-description', file.description), typeCell, linkCell);
  return row;
}

/** Long file names may wrap after an underscore (a word boundary in most part-file names) instead of mid-word. */
function breakableName(fileName) {
  return fileName.split(/(?<=_)/).flatMap((part, index) => (index === 0 ? [part] : [document.createElement('wbr'), part]));
}

function cell(className, text = '') {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  return td;
}

function extensionOf(fileName) {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1, dot + 5).toUpperCase() : 'FILE';
}

/** Jakamo fetches the link with the same API key header; the browser then saves the bytes under the listed name. */
async function onDownloadClick(event) {
  const link = event.target.closest('a[data-testid="download-link"]');
  if (!link) return;
  event.preventDefault();
  ui.downloadMessage.textContent = '';
  const exchange = await send(link.href);
  try {
    if (!exchange.response || !exchange.response.ok) throw new Error('download failed');
    saveBlob(await exchange.response.blob(), link.dataset.fileName);
  } catch {
    setMessage(ui.downloadMessage, MESSAGES.downloadFailed, 'error');
  }
}

function saveBlob(blob, fileName) {
  const objectUrl = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = objectUrl;
  anchor.download = fileName;
  anchor.hidden = true;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // Give the browser time to start the save before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
}

function setMessage(element, text, kind) {
  element.textContent = text;
  element.dataset.kind = kind;
}

/**
 * One GET with the API key header, recorded in the traffic panel.
 * The response is returned with its body still readable: it is cloned for the panel's excerpt.
 */
async function send(url) {
  const headers = authHeaders();
  const record = addExchange('GET', url, headers);
  const started = performance.now();
  try {
    const response = await fetch(url, { headers, cache: 'no-store' });
    const elapsed = performance.now() - started;
    await record.complete(response.clone(), elapsed);
    return { response };
  } catch (error) {
    record.fail(error, performance.now() - started);
    return { response: null };
  }
}

function addExchange(method, url, headers) {
  const item = ui.exchangeTemplate.content.firstElementChild.cloneNode(true);
  const q = (selector) => item.querySelector(selector);
  q('.method').textContent = method;
  q('.url').textContent = url;
  q('.status').textContent = '…';
  q('.request-headers').textContent = `${method} ${url}\n${formatHeaders(
    Object.entries(headers).map(([name, value]) => [name, mask(value)]),
  )}`;
  ui.traffic.prepend(item);
  ui.trafficEmpty.hidden = true;
  while (ui.traffic.children.length > MAX_EXCHANGES) ui.traffic.lastElementChild.remove();

  const setStatus = (text, kind, elapsed) => {
    q('.status').textContent = text;
    q('.status').dataset.kind = kind;
    q('.elapsed').textContent = `${Math.round(elapsed)} ms`;
  };
  return {
    async complete(response, elapsed) {
      setStatus(`${response.status} ${response.statusText}`.trim(), response.ok ? 'ok' : 'error', elapsed);
      q('.response-headers').textContent = `HTTP ${response.status} ${response.statusText}\n${formatHeaders([...response.headers])}`;
      q('.response-body').textContent = await bodyExcerpt(response);
    },
    fail(error, elapsed) {
      setStatus('network error', 'error', elapsed);
      q('.response-headers').textContent = `(no response: ${error.message})`;
    },
  };
}

async function bodyExcerpt(response) {
  try {
    const blob = await response.blob();
    const type = response.headers.get('content-type') ?? '';
    if (blob.size === 0) return '(empty body)';
    if (!/json|text|xml|yaml/i.test(type)) return `(${blob.size} bytes of ${type || 'unknown type'})`;
    const text = await blob.slice(0, BODY_EXCERPT_CHARS * 4).text();
    const pretty = prettyJson(text);
    return pretty.length > BODY_EXCERPT_CHARS ? `${pretty.slice(0, BODY_EXCERPT_CHARS)}\n… (${blob.size} bytes in all)` : pretty;
  } catch (error) {
    return `(body unreadable: ${error.message})`;
  }
}

function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function formatHeaders(entries) {
  return entries.map(([name, value]) => `${name}: ${value}`).join('\n');
}

/** Same rule as jakamo-kit's logs: enough to tell two keys apart, never enough to use one. */
function mask(secret) {
  if (!secret) return '(none)';
  if (secret.length <= 8) return '****';
  return `${secret.slice(0, 4)}****`;
}
