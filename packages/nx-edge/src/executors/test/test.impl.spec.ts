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
