import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'lib/**/*.test.ts',
      'src/**/*.test.ts',
      'mocks/**/*.test.ts',
      'test/**/*.test.ts',
      'benchmarks/**/*.test.ts',
    ],
    // Tests start real servers on 127.0.0.1:0 and real SQLite databases; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
