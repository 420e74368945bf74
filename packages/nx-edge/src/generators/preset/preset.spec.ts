import { getProjects, readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { presetGenerator } from './preset';

describe('preset generator (create-nx-workspace --preset=@aero/nx-edge)', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin and creates one Worker and one library, ignoring create-nx-workspace\'s own options', async () => {
    await presetGenerator(tree, { name: 'myorg', packageManager: 'npm', interactive: false, nxCloud: 'skip' });
    expect([...getProjects(tree).keys()].sort()).toEqual(['api', 'common']);
    expect(tree.exists('apps/api/wrangler.jsonc')).toBe(true);
    expect(tree.exists('apps/api/src/index.spec.ts')).toBe(true);
    expect(tree.exists('libs/common/src/index.spec.ts')).toBe(true);
    expect(readJson(tree, 'nx.json').plugins).toContain('@aero/nx-edge');
    expect(readJson(tree, 'package.json').devDependencies).toMatchObject({ '@aero/nx-edge': expect.any(String), wrangler: expect.any(String), vitest: expect.any(String) });
  });

  it('takes the names and framework of the first Worker and library', async () => {
    await presetGenerator(tree, { name: 'myorg', worker: 'gateway', lib: 'db', framework: 'hono' });
    expect([...getProjects(tree).keys()].sort()).toEqual(['db', 'gateway']);
    expect(tree.read('apps/gateway/src/index.ts', 'utf-8')).toContain("from 'hono'");
  });
});
