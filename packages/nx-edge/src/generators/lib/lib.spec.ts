import { readJson, readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { libGenerator } from './lib';

describe('lib generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('creates libs/<name> and the @shared/<name> alias', async () => {
    await libGenerator(tree, { name: 'db', skipFormat: true });
    expect(tree.exists('libs/db/src/index.ts')).toBe(true);
    expect(tree.exists('libs/db/src/index.spec.ts')).toBe(true);
    expect(readJson(tree, 'tsconfig.base.json').compilerOptions.paths['@shared/db']).toEqual(['libs/db/src/index.ts']);
    const project = readProjectConfiguration(tree, 'db');
    expect(project.tags).toEqual(['type:lib']);
    expect(project.targets?.test?.executor).toBe('@aero/nx-edge:test');
  });

  it('keeps other paths and compiler options', async () => {
    tree.write('tsconfig.base.json', JSON.stringify({ compilerOptions: { strict: false, paths: { '@acme/x': ['x/index.ts'] } } }));
    await libGenerator(tree, { name: 'db', skipFormat: true });
    const { compilerOptions } = readJson(tree, 'tsconfig.base.json');
    expect(compilerOptions.strict).toBe(false);
    expect(compilerOptions.paths['@acme/x']).toEqual(['x/index.ts']);
  });

  it('is idempotent', async () => {
    await libGenerator(tree, { name: 'db', skipFormat: true });
    tree.write('libs/db/src/index.ts', 'export const edited = true;\n');
    await libGenerator(tree, { name: 'db', skipFormat: true });
    expect(tree.read('libs/db/src/index.ts', 'utf-8')).toBe('export const edited = true;\n');
  });

  it('refuses an alias that already points elsewhere', async () => {
    tree.write('tsconfig.base.json', JSON.stringify({ compilerOptions: { paths: { '@shared/db': ['old/db.ts'] } } }));
    await expect(libGenerator(tree, { name: 'db', skipFormat: true })).rejects.toThrow(/already maps @shared\/db to old\/db\.ts/);
  });
});
