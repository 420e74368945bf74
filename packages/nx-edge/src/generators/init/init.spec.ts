import { logger, readJson, readNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initGenerator } from './init';
import { toolchainFor } from '../../utils/versions';

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('registers the plugin once, even when run twice', async () => {
    await initGenerator(tree, { skipFormat: true });
    await initGenerator(tree, { skipFormat: true });
    const plugins = readNxJson(tree)!.plugins!.filter((p) => (typeof p === 'string' ? p : p.plugin) === '@aero/nx-edge');
    expect(plugins).toHaveLength(1);
  });

  it('keeps a plugin entry registered with options', async () => {
    const nxJson = readNxJson(tree)!;
    nxJson.plugins = [{ plugin: '@aero/nx-edge', options: { buildTargetName: 'bundle' } }];
    tree.write('nx.json', JSON.stringify(nxJson));
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: '@aero/nx-edge', options: { buildTargetName: 'bundle' } }]);
  });

  it('adds the .gitignore entries that keep secrets and local state out of git', async () => {
    tree.write('.gitignore', 'node_modules\n.wrangler/\n');
    await initGenerator(tree, { skipFormat: true });
    const gitignore = tree.read('.gitignore', 'utf-8')!;
    expect(gitignore.match(/\.wrangler\//g)).toHaveLength(1);
    for (const line of ['.dev.vars*', '!.dev.vars.example', '.nx-edge/', '.nx/']) expect(gitignore.split('\n')).toContain(line);
    expect(gitignore.startsWith('node_modules\n')).toBe(true);
  });

  it('adds wrangler (with the workers-types it wants, for the running Node), vitest and the runtime as dev dependencies, never a second miniflare', async () => {
    await initGenerator(tree, { skipFormat: true });
    const { devDependencies } = readJson(tree, 'package.json');
    const { wrangler, workersTypes } = toolchainFor(process.versions.node);
    expect(devDependencies).toMatchObject({ wrangler, '@cloudflare/workers-types': workersTypes, vitest: expect.any(String) });
    expect(devDependencies.miniflare).toBeUndefined();
    expect(devDependencies['@aero/edge-runtime']).toBeDefined();

    const other = createTreeWithEmptyWorkspace();
    await initGenerator(other, { skipFormat: true, skipPackageJson: true });
    expect(readJson(other, 'package.json').devDependencies?.wrangler).toBeUndefined();
  });

  it('keeps a version the workspace already pinned', async () => {
    tree.write('package.json', JSON.stringify({ name: 'w', devDependencies: { wrangler: '4.80.0' } }));
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'package.json').devDependencies.wrangler).toBe('4.80.0');
  });

  it('leaves existing wrangler configs untouched', async () => {
    const text = '# mine\nname = "legacy"\nmain = "src/index.ts"\n';
    tree.write('workers/legacy/wrangler.toml', text);
    await initGenerator(tree, { skipFormat: true });
    expect(tree.read('workers/legacy/wrangler.toml', 'utf-8')).toBe(text);
  });

  it('defines the named inputs the inferred targets hash', async () => {
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)!.namedInputs!.production).toEqual(expect.arrayContaining(['default', '!{projectRoot}/.dev.vars*']));
  });

  it('hands wrangler/vitest scripts of Worker folders over to the inferred targets, keeps the rest, and says so', async () => {
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    tree.write('workers/gateway/wrangler.toml', 'name = "gateway"\nmain = "src/index.ts"\n');
    tree.write(
      'workers/gateway/package.json',
      JSON.stringify({ name: '@acme/gateway', scripts: { dev: 'wrangler dev', deploy: 'wrangler deploy --minify', test: 'vitest run', build: 'tsc -b && node build.mjs', lint: 'eslint .' } }),
    );
    await initGenerator(tree, { skipFormat: true });
    const pkg = readJson(tree, 'workers/gateway/package.json');
    expect(pkg.scripts).toEqual({ dev: 'nx run gateway:dev', deploy: 'nx run gateway:deploy', test: 'nx run gateway:test', build: 'tsc -b && node build.mjs', lint: 'eslint .' });
    expect(pkg.nx.includedScripts).toEqual(['build', 'lint']);
    expect(info.mock.calls.flat()).toContain('nx-edge: workers/gateway/package.json: "dev": "wrangler dev" → "nx run gateway:dev" (the inferred dev target applies; kept out of nx.includedScripts)');
    expect(warn.mock.calls.flat().join('\n')).toContain('"build": "tsc -b && node build.mjs" still replaces the inferred build target');
    // Idempotent, and --keepScripts leaves everything.
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'workers/gateway/package.json')).toEqual(pkg);
    tree.write('workers/other/wrangler.toml', 'name = "other"\nmain = "src/index.ts"\n');
    tree.write('workers/other/package.json', JSON.stringify({ name: 'other', scripts: { dev: 'wrangler dev' } }));
    await initGenerator(tree, { skipFormat: true, keepScripts: true });
    expect(readJson(tree, 'workers/other/package.json').scripts.dev).toBe('wrangler dev');
  });

  it('adds dev dependencies only: no empty "dependencies" appears', async () => {
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: {} }));
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'package.json')).not.toHaveProperty('dependencies');
    expect(readJson(tree, 'package.json').devDependencies.wrangler).toBeDefined();
  });
});
