import { addProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import migrations from '../../../migrations.json';
import workerTsconfigEnv from './worker-tsconfig-env';

const OLD_TSCONFIG = `{
  "extends": "../../tsconfig.base.json",
  // Workers run in workerd
  "compilerOptions": { "types": ["@cloudflare/workers-types"], "noEmit": true },
  "include": ["src/**/*.ts"]
}
`;

describe('migration 0.1.1: Worker tsconfigs see the generated Env', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    addProjectConfiguration(tree, 'api', { root: 'apps/api' });
    tree.write('apps/api/wrangler.jsonc', '{ "name": "api" }');
    tree.write('apps/api/tsconfig.json', OLD_TSCONFIG);
  });

  it('is registered for 0.1.1 in migrations.json', () => {
    expect(migrations.generators['update-0-1-1-worker-tsconfig-env']).toMatchObject({ version: '0.1.1', implementation: './dist/src/migrations/update-0-1-1/worker-tsconfig-env' });
  });

  it('adds worker-configuration.d.ts to a 0.1.0 Worker tsconfig, keeping its comments; a second run changes nothing', () => {
    workerTsconfigEnv(tree);
    const after = tree.read('apps/api/tsconfig.json', 'utf-8')!;
    expect(after).toContain('// Workers run in workerd');
    expect(after).toMatch(/"include": \[\s*"src\/\*\*\/\*\.ts",\s*"worker-configuration\.d\.ts"\s*\]/);
    workerTsconfigEnv(tree);
    expect(tree.read('apps/api/tsconfig.json', 'utf-8')).toBe(after);
  });

  it('leaves libraries and tsconfigs of another shape alone', () => {
    addProjectConfiguration(tree, 'db', { root: 'libs/db' });
    tree.write('libs/db/tsconfig.json', OLD_TSCONFIG);
    tree.write('apps/api/tsconfig.json', '{ "include": ["lib/**/*.ts"] }');
    workerTsconfigEnv(tree);
    expect(tree.read('libs/db/tsconfig.json', 'utf-8')).toBe(OLD_TSCONFIG);
    expect(tree.read('apps/api/tsconfig.json', 'utf-8')).toBe('{ "include": ["lib/**/*.ts"] }');
  });
});
