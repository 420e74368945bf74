import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.spec.ts', 'packages/*/*.spec.ts', 'bench/**/*.spec.ts', 'scripts/**/*.spec.ts', 'test-support/**/*.spec.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', '**/files/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.ts'],
          environment: 'node',
          globalSetup: ['e2e/support/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // e2e files share one packed workspace template; run them one at a time on 2 cores.
          fileParallelism: false,
        },
      },
      {
        // What most users run: the toolchain, foundation, dev, deploy and testing e2e again, on Node 22 (from the npm
        // registry) with the newest wrangler 4.x — after the other projects, never beside them.
        test: {
          name: 'e2e-node22',
          include: ['e2e/toolchain.e2e.ts', 'e2e/foundation.e2e.ts', 'e2e/dev.e2e.ts', 'e2e/deploy.e2e.ts', 'e2e/backup.e2e.ts', 'e2e/testing.e2e.ts'],
          environment: 'node',
          env: { NX_EDGE_E2E_NODE: '22' },
          globalSetup: ['e2e/support/global-setup-node22.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
