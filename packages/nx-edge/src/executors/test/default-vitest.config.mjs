// Used by @aero/nx-edge:test when the project has no vitest config of its own, so that a config
// further up the tree (a monorepo's root) is not picked up by accident. `@shared/*` imports
// resolve through the project's tsconfig (which extends tsconfig.base.json).
export default {
  resolve: { tsconfigPaths: true },
  test: {
    // Files of one vitest worker share its module state, so startWorker() can hand the next file the
    // Worker the previous one used (storage emptied) instead of starting workerd again: ~1 s per file.
    isolate: false,
    // vitest's own default: specs in tests/, __tests__/, next to the code — wherever `vitest run` finds them.
    include: ['**/*.{test,spec}.?(c|m)[jt]s?(x)'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.wrangler/**', '**/.nx-edge/**'],
  },
};
