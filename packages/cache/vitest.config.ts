import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The storage suites talk to real servers on two shared cores: generous bounds, so that a slow
    // machine fails only on a real hang. (Bounds, not timing assertions.)
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
