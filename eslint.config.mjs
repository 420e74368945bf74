// Lint: typescript-eslint's type-aware rules over every TypeScript file (packages, specs, e2e, test-support),
// each file typed by the project that owns it in the solution tsconfig.json.
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.spec.ts', 'e2e/**/*.ts', 'test-support/**/*.ts'];
/** `any` and what flows from it, allowed where it is the point (see the two blocks that use it). */
const ANY_ALLOWED = Object.fromEntries(
  ['no-explicit-any', 'no-unsafe-member-access', 'no-unsafe-assignment', 'no-unsafe-return', 'no-unsafe-call', 'no-unsafe-argument'].map((rule) => [`@typescript-eslint/${rule}`, 'off']),
);

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'tmp/**', 'coverage/**', '.nx/**', 'packages/nx-edge/src/**/files/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['vitest.config.mts'] }, tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (a parameter an interface requires, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Generators, executors, CLI commands and Worker handlers are async by contract (Nx, the CLI and workerd
      // await them); a body that happens not to await is no bug.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The testing API (startWorker, getTestKV…) hands tests Miniflare's proxies of KV, D1, R2 and RPC stubs as
    // `any` on purpose: a Node test has no workers-types, and a cast on every binding call would be noise.
    files: ['packages/nx-edge/src/testing/**/*.ts'],
    rules: ANY_ALLOWED,
  },
  {
    // Tests read what real processes print (JSON.parse of a report, a status page, a history file) and build
    // malformed input on purpose (a manifest with a null resource): the value is `any` by nature and the
    // assertion itself is the type check.
    files: TESTS,
    rules: ANY_ALLOWED,
  },
);
