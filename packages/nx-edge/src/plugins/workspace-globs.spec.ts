import { describe, expect, it } from 'vitest';
import { inWorkspaceGlobs, pnpmPackages } from './workspace-globs';

describe('workspace globs', () => {
  it('reads pnpm-workspace.yaml packages, quoted or not, list or inline', () => {
    expect(pnpmPackages(`packages:\n  - 'apps/*'\n  - "services/**"\n  - libs/core # the core\n  - '!**/test/**'\ncatalog:\n  x: 1\n`)).toEqual(['apps/*', 'services/**', 'libs/core', '!**/test/**']);
    expect(pnpmPackages(`packages: ['apps/*', "tools/*"]\n`)).toEqual(['apps/*', 'tools/*']);
  });

  it('matches roots like the package manager: *, **, negation', () => {
    const globs = ['apps/*', 'services/**', '!services/legacy/**'];
    expect(inWorkspaceGlobs('apps/api', globs)).toBe(true);
    expect(inWorkspaceGlobs('apps/api/sub', globs)).toBe(false);
    expect(inWorkspaceGlobs('services/a/b', globs)).toBe(true);
    expect(inWorkspaceGlobs('services', globs)).toBe(true);
    expect(inWorkspaceGlobs('services/legacy/x', globs)).toBe(false);
    expect(inWorkspaceGlobs('outside/api', globs)).toBe(false);
  });
});
