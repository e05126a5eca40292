// Prints "N passed, M failed" from vitest's JSON results. A test file that failed to load (no tests ran in it)
// counts as one failure, so a broken import can never pass silently.
import { readFileSync } from 'node:fs';

let results = {};
try {
  results = JSON.parse(readFileSync(process.argv[2] ?? 'test-artifacts/vitest.json', 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const passed = results.numPassedTests ?? 0;
const brokenFiles = (results.testResults ?? []).filter(
  (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
).length;
console.log(`${passed} passed, ${(results.numFailedTests ?? 0) + brokenFiles} failed`);
