import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: [{ find: /^bsdsock$/, replacement: new URL('./lib/index.ts', import.meta.url).pathname }] }, // examples/ import the package by name
  test: {
    include: ['test/**/*.test.ts'],
    // Native addon + real fds: every test file in its own child process.
    pool: 'forks',
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
