import { logger, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { functionGenerator } from '../function/function';
import { bindingGenerator } from '../binding/binding';
import { envGenerator } from './env';

describe('env generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    await functionGenerator(tree, { name: 'users', configFormat: 'toml', skipFormat: true });
    await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users' });
    await bindingGenerator(tree, { project: 'api', type: 'd1', binding: 'DB' });
    await bindingGenerator(tree, { project: 'users', type: 'kv', binding: 'CACHE', id: 'kv-top' });
    await bindingGenerator(tree, { project: 'users', type: 'r2', binding: 'FILES' });
  });
  const api = () => parseJsonc(tree.read('apps/api/wrangler.jsonc', 'utf-8')!);
  const users = () => parseToml(tree.read('apps/users/wrangler.toml', 'utf-8')!) as Record<string, any>;

  it('adds the env to every Worker: bindings under env names, services to the target in that env, ids left for provision, comments kept', async () => {
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    const apiBefore = tree.read('apps/api/wrangler.jsonc', 'utf-8')!;
    await envGenerator(tree, { name: 'staging' });
    expect(api().env.staging.services).toEqual([{ binding: 'USERS', service: 'users-staging' }]);
    expect(api().env.staging.d1_databases).toEqual([{ binding: 'DB', database_name: 'api-db-staging', migrations_dir: 'migrations' }]);
    expect(users().env.staging.kv_namespaces).toEqual([{ binding: 'CACHE' }]);
    expect(users().env.staging.r2_buckets).toEqual([{ binding: 'FILES', bucket_name: 'users-files-staging' }]);
    // The top level is exactly as it was (comments included).
    const { env: _env, ...top } = api();
    const { env: _none, ...topBefore } = parseJsonc(apiBefore);
    expect(top).toEqual(topBefore);
    expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toContain('//');
    expect(info.mock.calls.flat().join('\n')).toContain('nx-edge: apps/api/wrangler.jsonc: [env.staging] added — deploys as api-staging; 2 bindings under staging names');
    // A second run changes nothing.
    const once = [tree.read('apps/api/wrangler.jsonc', 'utf-8'), tree.read('apps/users/wrangler.toml', 'utf-8')];
    await envGenerator(tree, { name: 'staging' });
    expect([tree.read('apps/api/wrangler.jsonc', 'utf-8'), tree.read('apps/users/wrangler.toml', 'utf-8')]).toEqual(once);
  });

  it('refuses, writing nothing, when a service target would not get the env', async () => {
    const before = tree.read('apps/api/wrangler.jsonc', 'utf-8');
    await expect(envGenerator(tree, { name: 'qa', projects: 'api' })).rejects.toThrow('services binding USERS names the Worker "users", which gets no [env.qa] here');
    expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toBe(before);
    await expect(envGenerator(tree, { name: 'QA' })).rejects.toThrow('"QA" is not a valid environment name');
    await expect(envGenerator(tree, { name: 'qa', projects: 'nope' })).rejects.toThrow('--projects: nope is not a Worker of this workspace');
  });
});
