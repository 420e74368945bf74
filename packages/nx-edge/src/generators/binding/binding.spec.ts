import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { beforeEach, describe, expect, it } from 'vitest';
import { functionGenerator } from '../function/function';
import { bindingGenerator } from './binding';

describe('binding generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    await functionGenerator(tree, { name: 'users', configFormat: 'toml', skipFormat: true });
  });

  const apiConfig = () => parseJsonc(tree.read('apps/api/wrangler.jsonc', 'utf-8')!);
  const usersConfig = () => parseToml(tree.read('apps/users/wrangler.toml', 'utf-8')!) as Record<string, any>;

  it('adds a service binding to jsonc, keeping the comments', async () => {
    await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users' });
    expect(apiConfig().services).toEqual([{ binding: 'USERS', service: 'users' }]);
    expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toContain('// api: a Cloudflare Worker');
  });

  it('adds every kind of binding to toml, keeping every existing key and comment', async () => {
    const before = usersConfig();
    await bindingGenerator(tree, { project: 'users', type: 'kv', binding: 'CACHE', id: 'abc' });
    await bindingGenerator(tree, { project: 'users', type: 'd1', binding: 'DB' });
    await bindingGenerator(tree, { project: 'users', type: 'r2', binding: 'FILES' });
    await bindingGenerator(tree, { project: 'users', type: 'queue', binding: 'JOBS' });
    await bindingGenerator(tree, { project: 'users', type: 'do', binding: 'ROOM', className: 'Room' });
    const after = usersConfig();
    expect(after).toMatchObject({ name: before.name, main: before.main, compatibility_date: before.compatibility_date });
    expect(after.kv_namespaces).toEqual([{ binding: 'CACHE', id: 'abc' }]);
    expect(after.d1_databases).toEqual([{ binding: 'DB', database_name: 'users-db', migrations_dir: 'migrations' }]);
    expect(after.r2_buckets).toEqual([{ binding: 'FILES', bucket_name: 'users-files' }]);
    expect(after.queues.producers).toEqual([{ binding: 'JOBS', queue: 'jobs' }]);
    expect(after.durable_objects.bindings).toEqual([{ name: 'ROOM', class_name: 'Room' }]);
    expect(after.migrations).toEqual([{ tag: 'v1', new_sqlite_classes: ['Room'] }]);
    expect(tree.read('apps/users/wrangler.toml', 'utf-8')).toContain('# users: a Cloudflare Worker');
  });

  it('adds to an [env.<name>] section with --env', async () => {
    const text = tree.read('apps/api/wrangler.jsonc', 'utf-8')!.replace('"vars": {}', '"vars": {},\n  "env": { "staging": {} }');
    tree.write('apps/api/wrangler.jsonc', text);
    await bindingGenerator(tree, { project: 'api', type: 'kv', binding: 'CACHE', env: 'staging', id: 'stg' });
    expect(apiConfig().env.staging.kv_namespaces).toEqual([{ binding: 'CACHE', id: 'stg' }]);
    expect(apiConfig().kv_namespaces).toBeUndefined();
  });

  describe('refuses, writing nothing', () => {
    let before: string;
    beforeEach(() => {
      before = tree.read('apps/api/wrangler.jsonc', 'utf-8')!;
    });
    const unchanged = () => expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toBe(before);

    it('an unknown project', async () => {
      await expect(bindingGenerator(tree, { project: 'nope', type: 'kv', binding: 'X' })).rejects.toThrow(/Project "nope" does not exist/);
    });

    it('a duplicate binding name', async () => {
      await bindingGenerator(tree, { project: 'api', type: 'kv', binding: 'CACHE' });
      before = tree.read('apps/api/wrangler.jsonc', 'utf-8')!;
      await expect(bindingGenerator(tree, { project: 'api', type: 'r2', binding: 'CACHE' })).rejects.toThrow(/already has a binding named CACHE/);
      unchanged();
    });

    it('a service that is not a Worker of the workspace', async () => {
      await expect(bindingGenerator(tree, { project: 'api', type: 'service', binding: 'X', service: 'billing' })).rejects.toThrow(
        /--service=billing is not a Worker of this workspace\. Known Workers: api, users/,
      );
      unchanged();
    });

    it('an unknown env', async () => {
      await expect(bindingGenerator(tree, { project: 'api', type: 'kv', binding: 'X', env: 'qa' })).rejects.toThrow(/no \[env\.qa\] section/);
      unchanged();
    });
  });
});
