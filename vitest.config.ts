import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most tests wait on sockets, child processes and rate limits rather than the CPU: 3 workers on 2 cores.
    maxWorkers: 3,
    // Test files share a worker's module cache instead of importing the code again each (import time was the larger
    // part of a run). They can: no test mocks modules, stubs the environment or fakes global timers (time comes from
    // injected clocks), and every file closes the servers it starts.
    isolate: false,
  },
});
