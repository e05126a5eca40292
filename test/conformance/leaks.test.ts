/** The error-page and stack-trace patterns: they must recognise each stack's leak and leave ordinary answers alone. */
import { describe, expect, it } from 'vitest';
import { leakProblems } from '../../conformance/checks/support.js';
import type { CheckContext } from '../../conformance/context.js';
import type { Exchange } from '../../conformance/http.js';

const ctx = { keyInAnswer: () => undefined } as unknown as CheckContext;

function answer(text: string, contentType = 'text/plain'): Exchange {
  return {
    request: { method: 'GET', url: 'http://127.0.0.1/materials/documents', headers: {} },
    response: {
      status: 400,
      headers: { 'content-type': contentType },
      contentType,
      text,
      body: new TextEncoder().encode(text),
      bytes: text.length,
      complete: true,
    },
    durationMs: 1,
  };
}

const LEAKS: Array<[string, string]> = [
  ['Node.js', 'TypeError: x.trim is not a function\n    at Object.<anonymous> (/srv/app.js:3:9)'],
  [
    'Node.js',
    'Error: boom\n    at handler (/srv/app/routes.js:12:5)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  ],
  ['Node.js', JSON.stringify({ error: 'boom', stack: 'Error: boom\n    at file:///srv/app.mjs:3:9' })],
  ['Python', 'Traceback (most recent call last):\n  File "/srv/app.py", line 9, in documents'],
  ['PHP', '<br />\n<b>Fatal error</b>:  Uncaught TypeError: trim(): Argument #1 in /var/www/api.php:4'],
  ['PHP', 'PHP Warning:  Undefined array key "materialId" in /var/www/api.php on line 4'],
  ['.NET', 'System.NullReferenceException: Object reference not set to an instance of an object.'],
  [
    '.NET',
    'Unhandled exception.\n   at Api.Controllers.DocumentsController.Get(String materialId) in C:\\src\\Api\\DocumentsController.cs:line 31',
  ],
  ['ASP.NET', "<h1>Server Error in '/' Application.</h1>"],
  ['Java', 'Exception in thread "main" java.lang.IllegalArgumentException'],
  ['Java', 'java.lang.NullPointerException\n\tat java.base/java.util.Objects.requireNonNull(Objects.java:209)'],
  ['Spring', '<html><body><h1>Whitelabel Error Page</h1></body></html>'],
  ['Django', "You're seeing this error because you have DEBUG = True in your Django settings file."],
  ['Go', 'panic: runtime error: index out of range [1] with length 1\n\ngoroutine 7 [running]:'],
  ['SQL', 'SQLSTATE[42000]: Syntax error or access violation: 1064 You have an error in your SQL syntax'],
];

const ORDINARY = [
  JSON.stringify({ message: 'materialId is required', errors: [{ message: 'materialId is required', field: 'materialId' }] }),
  JSON.stringify({
    data: [
      { fileName: 'Warning label.pdf', description: 'Look at the drawing (sheet 2: section A-A)', link: 'https://plm.example.com/f/1' },
    ],
  }),
  '<html><body><h1>400 Bad Request</h1><p>The request was invalid.</p></body></html>',
  'Unauthorized',
];

describe('leak patterns', () => {
  it.each(LEAKS)('recognise a %s leak', (_stack, text) => {
    expect(leakProblems(ctx, answer(text))).not.toEqual([]);
  });

  it.each(ORDINARY)('leave an ordinary answer alone: %s', (text) => {
    expect(leakProblems(ctx, answer(text))).toEqual([]);
  });

  it('report an echoed key', () => {
    const echoing = { keyInAnswer: () => ({ encoding: 'as is', text: 'k' }) } as unknown as CheckContext;
    expect(leakProblems(echoing, answer('{}'))).toEqual([
      expect.stringMatching(/shows the API key: your server shows your Jakamo API key to anyone who asks/),
    ]);
  });
});
