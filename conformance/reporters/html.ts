/**
 * One self-contained HTML file (inline styles, no scripts, nothing fetched at view time — the page's CSP forbids it):
 * a verdict and a plain-words summary at the top, then the checks grouped as in the pretty report, each failure with
 * what the Jakamo user sees, why, and the request and response that decided it.
 */
import type { CheckResult, RecordedRequest, RecordedResponse, Report } from '../types.js';
import { AREAS, groupByArea, isWarning, summaryLine } from './details.js';

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.verdict{border-radius:8px;padding:18px 22px;color:#fff;margin-bottom:16px}
.verdict p{margin:6px 0 0}.ok{background:#1f7a3a}.warn{background:#9a6700}.bad{background:#b42318}
.summary{background:#fff;border-radius:8px;padding:14px 22px;margin-bottom:8px}
.summary ul{margin:6px 0 0;padding-left:20px}.summary li{margin-bottom:6px}.summary small{color:#556}a{color:#1a56a8}
.counts span{display:inline-block;margin-right:18px;font-weight:600}
.check{background:#fff;border-radius:6px;margin:6px 0;padding:8px 14px;border-left:5px solid #ccd}
.check.pass{border-color:#1f7a3a}.check.fail{border-color:#b42318}.check.warn{border-color:#d4a017}.check.skip{border-color:#aab}
.badge{display:inline-block;min-width:44px;text-align:center;font-size:12px;font-weight:700;border-radius:4px;padding:1px 6px;margin-right:8px;color:#fff}
.pass .badge{background:#1f7a3a}.fail .badge{background:#b42318}.warn .badge{background:#9a6700}.skip .badge{background:#778}
code{font:13px ui-monospace,Menlo,Consolas,monospace}
.id{color:#556}.message{margin:4px 0 0 60px;color:#333;overflow-wrap:anywhere}
dl{margin:8px 0 4px 60px;display:grid;grid-template-columns:150px 1fr;gap:4px 12px}
dt{font-weight:600;color:#445}dd{margin:0;overflow-wrap:anywhere}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;background:#f0f1f4;border-radius:4px;padding:6px 8px;font:12px ui-monospace,Menlo,Consolas,monospace;max-height:320px;overflow:auto}
.sees{font-weight:600;color:#8a1c12}
footer{color:#667;font-size:13px;margin-top:28px}
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');
}

function page(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Nothing but the inline style may load: the report never calls the network, whoever opens it.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body><main>${body}</main></body>`,
    '</html>',
    '',
  ].join('\n');
}

type Kind = 'pass' | 'fail' | 'warn' | 'skip';

function kindOf(result: CheckResult, strict: boolean): Kind {
  if (result.status === 'pass' || result.status === 'skip') return result.status;
  return isWarning(result, strict) ? 'warn' : 'fail';
}

const LABEL: Record<Kind, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

export function renderHtml(report: Report, options: { strict?: boolean } = {}): string {
  const strict = options.strict ?? false;
  const { summary, results } = report;
  const failures = results.filter((r) => kindOf(r, strict) === 'fail');
  const warnings = results.filter((r) => kindOf(r, strict) === 'warn');
  const verdict =
    failures.length > 0
      ? {
          kind: 'bad',
          head: `Not ready: ${failures.length} problem(s) Jakamo users would run into`,
          text: 'Fix the failures below before Jakamo users rely on this server.',
        }
      : warnings.length > 0
        ? {
            kind: 'warn',
            head: 'Ready, with recommendations',
            text: `Everything Jakamo needs works. ${warnings.length} recommendation(s) of the contract are not followed.`,
          }
        : { kind: 'ok', head: 'Ready: Jakamo will work with this server', text: 'Every check of the File Callback contract passed.' };
  const problem = (result: CheckResult) =>
    `<li><a href="#${escapeHtml(result.id)}"><code>${escapeHtml(result.id)}</code></a>: ${escapeHtml(result.jakamoUserSees ?? result.title)}<br><small>${escapeHtml(result.message.length > 200 ? `${result.message.slice(0, 200)}…` : result.message)}</small></li>`;
  const body = [
    `<section class="verdict ${verdict.kind}"><h1>${escapeHtml(verdict.head)}</h1><p>${escapeHtml(verdict.text)}</p></section>`,
    '<section class="summary">',
    `<p class="counts"><span>${summary.passed} passed</span><span>${summary.failed} failed</span><span>${summary.warnings} warning(s)</span><span>${summary.skipped} skipped</span></p>`,
    failures.length > 0 ? `<p>To fix — what Jakamo users would see:</p><ul>${failures.map(problem).join('')}</ul>` : '',
    warnings.length > 0 ? `<p>Recommended:</p><ul>${warnings.map(problem).join('')}</ul>` : '',
    '</section>',
    ...[...groupByArea(results)].map(
      ([area, group]) => `<h2>${escapeHtml(AREAS[area] ?? area)}</h2>${group.map((result) => renderCheck(result, strict)).join('\n')}`,
    ),
    `<footer>jakamo-kit check · ${escapeHtml(summaryLine(summary))}${strict ? ' · strict: recommendations count as failures' : ''}</footer>`,
  ].join('\n');
  return page(`jakamo-kit check: ${summaryLine(summary)}`, body);
}

function renderCheck(result: CheckResult, strict: boolean): string {
  const kind = kindOf(result, strict);
  const severity = result.severity === 'SHOULD' ? ' (SHOULD)' : '';
  const head = `<div><span class="badge">${LABEL[kind]}</span><code class="id">${escapeHtml(result.id)}</code>${escapeHtml(severity)} — ${escapeHtml(result.title)}</div>`;
  const message = `<div class="message">${escapeHtml(result.message)}</div>`;
  if (result.status !== 'fail') return `<div class="check ${kind}" id="${escapeHtml(result.id)}">${head}${message}</div>`;
  const rows: Array<[string, string]> = [];
  if (result.jakamoUserSees) rows.push(['Jakamo user sees', `<span class="sees">${escapeHtml(result.jakamoUserSees)}</span>`]);
  rows.push(['Why', escapeHtml(result.why)]);
  if (result.request) rows.push(['Request', `<pre>${escapeHtml(requestText(result.request))}</pre>`]);
  if (result.response) rows.push(['Response', `<pre>${escapeHtml(responseText(result.response))}</pre>`]);
  const details = `<dl>${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${value}</dd>`).join('')}</dl>`;
  return `<div class="check ${kind}" id="${escapeHtml(result.id)}">${head}${message}${details}</div>`;
}

function requestText(request: RecordedRequest): string {
  return [`${request.method} ${request.url}`, ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`)].join('\n');
}

function responseText(response: RecordedResponse): string {
  const head = [`${response.status}`, ...Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`)];
  const size = `(${response.bodyBytes}${response.truncated ? '+' : ''} bytes${response.truncated ? ', cut' : ''})`;
  return [...head, '', response.body, size].join('\n');
}

/** The page when the suite could not run: why, and what to do. */
export function renderHtmlCannotRun(reason: string): string {
  const body = `<section class="verdict bad"><h1>The check could not run</h1><p>${escapeHtml(reason)}</p></section><section class="summary"><p>No check was judged: fix the reason above (the base URL, the API key, the options) and run again.</p></section>`;
  return page('jakamo-kit check: could not run', body);
}
