import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildVitestArgs } from './test.impl';

describe('buildVitestArgs', () => {
  it('runs once in the project root with our default config when the project has none', () => {
    const args = buildVitestArgs({}, 'apps/api', '/ws');
    expect(args.slice(0, 3)).toEqual(['run', '--root', join('/ws', 'apps/api')]);
    expect(args[args.indexOf('--config') + 1]).toMatch(/default-vitest\.config\.mjs$/);
    expect(args).toContain('--passWithNoTests');
  });

  it('maps watch, coverage and the name filter, and passes other flags through', () => {
    const args = buildVitestArgs({ watch: true, coverage: true, testNamePattern: 'health', reporter: 'dot', bail: true }, 'apps/api', '/ws');
    expect(args[0]).toBe('watch');
    expect(args).toEqual(expect.arrayContaining(['--coverage.enabled', '--coverage.reportsDirectory', join('/ws', 'coverage', 'apps/api')]));
    expect(args).toEqual(expect.arrayContaining(['--testNamePattern', 'health', '--reporter=dot', '--bail']));
  });
});

describe('specs that did not run', () => {
  it('finds spec files where vitest would (tests/, __tests__/, next to the code), never in node_modules or dist', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { findSpecFiles, noSpecsRanProblem } = await import('./test.impl');
    const root = mkdtempSync(join(tmpdir(), 'nx-edge-specs-'));
    try {
      for (const file of ['w/tests/a.spec.ts', 'w/__tests__/b.test.mjs', 'w/src/c.test.tsx', 'w/src/d.ts', 'w/node_modules/x/e.spec.ts', 'w/dist/f.spec.js']) {
        mkdirSync(join(root, file, '..'), { recursive: true });
        writeFileSync(join(root, file), '');
      }
      const specs = findSpecFiles(root, 'w');
      expect(specs).toEqual(['w/__tests__/b.test.mjs', 'w/src/c.test.tsx', 'w/tests/a.spec.ts']);
      expect(noSpecsRanProblem('w', specs, 0)).toBe(
        'w: vitest ran no spec file, but the project has 3 (w/__tests__/b.test.mjs, w/src/c.test.tsx, w/tests/a.spec.ts). Its vitest config\'s include does not match them: fix the include (vitest\'s default is **/*.{test,spec}.?(c|m)[jt]s?(x)), or move the specs.',
      );
      expect(noSpecsRanProblem('w', specs, 3)).toBeUndefined();
      expect(noSpecsRanProblem('lib', [], 0)).toBeUndefined(); // no specs at all: nothing to run is fine
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
