import { defineConfig } from 'vitest/config';

// Guest tests boot real ELFs under Unicorn (one engine costs ~0.6 ms to start but a fault sweep reruns a guest
// once per user copy), so the timeout is generous. Forked workers keep koffi's native addon and each engine's
// ~1 GiB virtual reservation in separate processes; two of them because the CI machine has two cores.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
