import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the tests check with bpftool that nothing of theirs stays loaded: files must not overlap
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
