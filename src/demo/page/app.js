// The Jakamo order line, simulated: lists and downloads an item's documents through the File Callback API
// the way Jakamo does, and shows the user exactly Jakamo's texts. Below it, a supplier's documents through the
// v2 API: list, upload (create, or replace when the name exists), download, delete. Plain browser JavaScript, no build step,
// type-checked by `npm run typecheck` (tsconfig.page.json).
// @ts-check
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
/** Base64 contents longer than this are cut in the traffic panel: the panel shows the request, not the file. */
const BASE64_EXCERPT_CHARS = 60;
const MAX_EXCHANGES = 25;

/**
 * The page's element with this id, of the expected kind; a page that lacks it fails here, loudly, not later.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} kind
 * @returns {T}
 */
function byId(id, kind) {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return element;
}
/** @param {string} id */
const $ = (id) => byId(id, HTMLElement);
/** @param {string} id */
const input = (id) => byId(id, HTMLInputElement);
/** @param {string} id */
const form = (id) => byId(id, HTMLFormElement);
/** @param {string} id */
const button = (id) => byId(id, HTMLButtonElement);
const ui = {
  form: form('order-form'),
  item: input('item-number'),
  revision: input('revision'),
  fetchButton: button('fetch-documents'),
  documents: $('documents'),
  message: $('message'),
  table: $('file-list'),
  rows: $('file-rows'),
  downloadMessage: $('download-message'),
  wrongKey: input('toggle-wrong-key'),
  unknownItem: input('toggle-unknown-item'),
  emptyRevision: input('toggle-empty-revision'),
  traffic: $('traffic'),
  trafficEmpty: $('traffic-empty'),
  trafficClear: button('traffic-clear'),
  exchangeTemplate: byId('exchange-template', HTMLTemplateElement),
  configError: $('config-error'),
};
const supplierUi = {
  section: $('suppliers'),
  listForm: form('supplier-form'),
  supplierId: input('supplier-id'),
  uploadForm: form('upload-form'),
  file: input('upload-file'),
  validTo: input('upload-valid-to'),
  message: $('supplier-message'),
  replaceOffer: $('replace-offer'),
  replaceText: $('replace-offer-text'),
  replaceButton: button('replace-button'),
  replaceCancel: button('replace-cancel'),
  table: $('supplier-list'),
  rows: $('supplier-rows'),
};

let config = { apiKeyHeader: 'X-API-KEY', apiKey: '', baseUrl: '' };
let listingSequence = 0;
/** The upload a 400 "use PUT" answer turned into a replace offer. */
let pendingReplace = null;

init();

async function init() {
  bindFieldToggle(ui.unknownItem, ui.item, UNKNOWN_ITEM);
  bindFieldToggle(ui.emptyRevision, ui.revision, '');
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void fetchDocuments();
  });
  ui.rows.addEventListener('click', onDownloadClick);
  bindSupplierView();
  ui.trafficClear.addEventListener('click', () => {
    ui.traffic.replaceChildren();
    ui.trafficEmpty.hidden = false;
  });
  try {
    const response = await fetch('/demo-config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    config = { ...config, ...(await response.json()) };
  } catch (error) {
    ui.configError.textContent = `Could not load /demo-config.json (${messageOf(error)}); requests go without an API key.`;
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

/** A table cell with the file's extension as a badge and its name (breakable at separators) under `testid`. */
function fileNameCell(fileName, testid) {
  const nameCell = cell('file-name');
  const badge = document.createElement('span');
  badge.className = 'ext';
  badge.setAttribute('aria-hidden', 'true');
  badge.textContent = extensionOf(fileName);
  const name = document.createElement('span');
  name.dataset.testid = testid;
  name.append(...breakableName(fileName));
  nameCell.append(badge, name);
  return nameCell;
}

function fileRow(file) {
  const row = document.createElement('tr');
  row.dataset.testid = 'file-row';
  const nameCell = fileNameCell(file.fileName, 'file-name');
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
/** @param {MouseEvent} event */
async function onDownloadClick(event) {
  const link = event.target instanceof Element ? event.target.closest('a[data-testid="download-link"]') : null;
  if (!(link instanceof HTMLAnchorElement)) return;
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

// ---- Supplier documents (File Callback API v2) ----

function bindSupplierView() {
  supplierUi.listForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void refreshSupplierDocuments();
  });
  supplierUi.uploadForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void uploadChosenFile();
  });
  supplierUi.replaceButton.addEventListener('click', () => void replacePending());
  supplierUi.replaceCancel.addEventListener('click', () => {
    hideReplaceOffer();
    setMessage(supplierUi.message, 'The stored document was kept.', 'info');
  });
  supplierUi.rows.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    if (!(button instanceof HTMLButtonElement)) return;
    if (button.dataset.action === 'download') void downloadSupplierDocument(button.dataset.link, button.dataset.fileName);
    if (button.dataset.action === 'delete') void deleteSupplierDocument(button.dataset.fileName);
  });
}

function supplierCollectionUrl() {
  return `${listingBase()}/suppliers/${encodeURIComponent(supplierUi.supplierId.value.trim())}/documents`;
}

/** Runs one v2 action with the section marked busy, so tests and screen readers know when it is done. */
async function supplierAction(action) {
  supplierUi.section.setAttribute('aria-busy', 'true');
  try {
    await action();
  } finally {
    supplierUi.section.setAttribute('aria-busy', 'false');
  }
}

function refreshSupplierDocuments({ keepMessage = false } = {}) {
  return supplierAction(async () => {
    const exchange = await send(supplierCollectionUrl());
    const body = await jsonOf(exchange.response);
    if (!exchange.response?.ok || !body || !Array.isArray(body.data)) {
      supplierUi.table.hidden = true;
      setMessage(supplierUi.message, `Could not list the documents: ${errorText(exchange.response, body)}`, 'error');
      return;
    }
    showSupplierDocuments(body.data);
    if (!keepMessage) {
      const count = body.data.length;
      setMessage(
        supplierUi.message,
        count === 0 ? 'This supplier has no documents.' : `${count} ${count === 1 ? 'document' : 'documents'}`,
        'info',
      );
    }
  });
}

function showSupplierDocuments(documents) {
  supplierUi.rows.replaceChildren(...documents.map(supplierRow));
  supplierUi.table.hidden = documents.length === 0;
}

function supplierRow(stored) {
  const row = document.createElement('tr');
  row.dataset.testid = 'supplier-row';
  const nameCell = fileNameCell(stored.fileName, 'supplier-file-name');
  const metaData = (stored.metaData ?? []).map(({ key, value }) => `${key}: ${value}`).join(', ');
  const actions = cell('file-download');
  actions.append(actionButton('download', 'Download', stored, 'secondary'), actionButton('delete', 'Delete', stored, 'secondary danger'));
  row.append(
    nameCell,
    cell('file-size', formatSize(stored.size)),
    cell('file-updated', formatTime(stored.updatedAt)),
    cell('file-meta', metaData),
    actions,
  );
  return row;
}

function actionButton(action, label, stored, className) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.dataset.action = action;
  button.dataset.testid = `supplier-${action}`;
  button.dataset.fileName = stored.fileName;
  if (stored.link) button.dataset.link = stored.link;
  button.textContent = label;
  button.setAttribute('aria-label', `${label} ${stored.fileName}`);
  return button;
}

/** Reads the chosen file, sends it base64-encoded as a new document; a name that exists turns into a replace offer. */
function uploadChosenFile() {
  return supplierAction(async () => {
    hideReplaceOffer();
    const file = supplierUi.file.files?.[0];
    if (!file) {
      setMessage(supplierUi.message, 'Choose a file to upload first.', 'error');
      return;
    }
    setMessage(supplierUi.message, `Uploading ${file.name}…`, 'info');
    const upload = {
      fileName: file.name,
      base64EncodedContents: toBase64(new Uint8Array(await file.arrayBuffer())),
      metaData: supplierUi.validTo.value ? [{ key: 'validTo', value: supplierUi.validTo.value }] : [],
    };
    const exchange = await send(supplierCollectionUrl(), { method: 'POST', body: JSON.stringify(upload) });
    const body = await jsonOf(exchange.response);
    if (exchange.response?.status === 201) {
      setMessage(supplierUi.message, `Uploaded ${file.name} (${formatSize(body?.size ?? file.size)}).`, 'info');
      supplierUi.uploadForm.reset();
      await refreshDocumentsAfterChange();
      return;
    }
    if (exchange.response?.status === 400 && /\bPUT\b/.test(errorText(exchange.response, body))) {
      pendingReplace = { upload, url: supplierCollectionUrl() };
      supplierUi.replaceText.textContent = `${errorText(exchange.response, body)}`;
      supplierUi.replaceOffer.hidden = false;
      setMessage(supplierUi.message, '', 'info');
      supplierUi.replaceButton.focus();
      return;
    }
    setMessage(supplierUi.message, `Upload failed: ${errorText(exchange.response, body)}`, 'error');
  });
}

function replacePending() {
  return supplierAction(async () => {
    if (!pendingReplace) return;
    const { upload, url } = pendingReplace;
    hideReplaceOffer();
    const exchange = await send(url, { method: 'PUT', body: JSON.stringify(upload) });
    const body = await jsonOf(exchange.response);
    if (exchange.response?.ok) {
      setMessage(supplierUi.message, `Replaced ${upload.fileName}.`, 'info');
      supplierUi.uploadForm.reset();
      await refreshDocumentsAfterChange();
    } else {
      setMessage(supplierUi.message, `Replace failed: ${errorText(exchange.response, body)}`, 'error');
    }
  });
}

function hideReplaceOffer() {
  pendingReplace = null;
  supplierUi.replaceOffer.hidden = true;
}

function deleteSupplierDocument(fileName) {
  return supplierAction(async () => {
    const exchange = await send(`${supplierCollectionUrl()}/${encodeURIComponent(fileName)}`, { method: 'DELETE' });
    const body = await jsonOf(exchange.response);
    if (!exchange.response?.ok) {
      setMessage(supplierUi.message, `Delete failed: ${errorText(exchange.response, body)}`, 'error');
      return;
    }
    setMessage(supplierUi.message, `Deleted ${fileName}.`, 'info');
    await refreshDocumentsAfterChange();
  });
}

function downloadSupplierDocument(link, fileName) {
  return supplierAction(async () => {
    const exchange = await send(link);
    if (!exchange.response?.ok) {
      setMessage(supplierUi.message, `Download failed: ${errorText(exchange.response, await jsonOf(exchange.response))}`, 'error');
      return;
    }
    saveBlob(await exchange.response.blob(), fileName);
    setMessage(supplierUi.message, `Downloaded ${fileName}.`, 'info');
  });
}

/** The list after an upload, replace or delete, keeping the message that said what happened. */
async function refreshDocumentsAfterChange() {
  const exchange = await send(supplierCollectionUrl());
  const body = await jsonOf(exchange.response);
  if (exchange.response?.ok && body && Array.isArray(body.data)) showSupplierDocuments(body.data);
}

/** The v2 error object as one sentence: its message and each entry of `errors`. */
function errorText(response, body) {
  if (!response) return 'the server could not be reached.';
  if (!body || typeof body.message !== 'string') return `HTTP ${response.status}.`;
  const details = Array.isArray(body.errors)
    ? body.errors.map((entry) => entry?.message).filter((text) => typeof text === 'string' && text !== body.message)
    : [];
  return [body.message, ...details].join(' — ');
}

async function jsonOf(response) {
  if (!response || !/json/i.test(response.headers.get('content-type') ?? '')) return null;
  try {
    return await response.clone().json();
  } catch {
    return null;
  }
}

/** Bytes → base64, a chunk at a time (String.fromCharCode takes only so many arguments). */
function toBase64(bytes) {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += 0x8000) binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  return btoa(binary);
}

function formatSize(bytes) {
  if (typeof bytes !== 'number') return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function formatTime(iso) {
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? '' : time.toLocaleString();
}

// ---- The traffic panel ----

/**
 * One request with the API key header, recorded in the traffic panel (a JSON body, when given, with its content type).
 * The response is returned with its body still readable: it is cloned for the panel's excerpt.
 */
/**
 * @param {string} url
 * @param {{ method?: string, body?: string }} [init]
 */
async function send(url, { method = 'GET', body } = {}) {
  const headers = { ...authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  const record = addExchange(method, url, headers, body);
  const started = performance.now();
  try {
    const response = await fetch(url, { method, headers, body, cache: 'no-store' });
    const elapsed = performance.now() - started;
    await record.complete(response.clone(), elapsed);
    return { response };
  } catch (error) {
    record.fail(error, performance.now() - started);
    return { response: null };
  }
}

function addExchange(method, url, headers, body) {
  const item = ui.exchangeTemplate.content.firstElementChild?.cloneNode(true);
  if (!(item instanceof HTMLElement)) throw new Error('the page has an empty #exchange-template');
  /** @param {string} selector */
  const q = (selector) => {
    const found = item.querySelector(selector);
    if (!(found instanceof HTMLElement)) throw new Error(`#exchange-template has no ${selector}`);
    return found;
  };
  q('.method').textContent = method;
  q('.url').textContent = url;
  q('.status').textContent = '…';
  q('.request-headers').textContent = `${method} ${url}\n${formatHeaders(
    Object.entries(headers).map(([name, value]) => [name, name === config.apiKeyHeader ? mask(value) : value]),
  )}`;
  if (body !== undefined) q('.request-body').textContent = requestBodyExcerpt(body);
  ui.traffic.prepend(item);
  ui.trafficEmpty.hidden = true;
  while (ui.traffic.children.length > MAX_EXCHANGES) ui.traffic.lastElementChild?.remove();

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
    return `(body unreadable: ${messageOf(error)})`;
  }
}

/** A v2 upload as the panel shows it: pretty JSON with the base64 contents cut to their first characters. */
function requestBodyExcerpt(body) {
  try {
    const upload = JSON.parse(body);
    const encoded = upload?.base64EncodedContents;
    if (typeof encoded === 'string' && encoded.length > BASE64_EXCERPT_CHARS) {
      upload.base64EncodedContents = `${encoded.slice(0, BASE64_EXCERPT_CHARS)}… (${encoded.length} characters)`;
    }
    return JSON.stringify(upload, null, 2);
  } catch {
    return body.length > BODY_EXCERPT_CHARS ? `${body.slice(0, BODY_EXCERPT_CHARS)}…` : body;
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

/** @param {unknown} error */
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Same rule as jakamo-kit's logs: no character of a key is shown. The page knows both keys it sends, so it names
 * which one went instead.
 */
function mask(secret) {
  if (!secret) return '(none)';
  return secret === WRONG_API_KEY ? '**** (the wrong key)' : '****';
}
