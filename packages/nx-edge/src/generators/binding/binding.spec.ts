import { logger, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { functionGenerator } from '../function/function';
import { libGenerator } from '../lib/lib';
import { bindingGenerator, type Questions } from './binding';

describe('binding generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = createTreeWithEmptyWorkspace();
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    await functionGenerator(tree, { name: 'users', configFormat: 'toml', skipFormat: true });
  });

  const apiConfig = () => parseJsonc(tree.read('apps/api/wrangler.jsonc', 'utf-8')!);
  const usersConfig = () => parseToml(tree.read('apps/users/wrangler.toml', 'utf-8')!) as Record<string, any>;

  it.each(['__proto__', 'constructor', 'prototype'])('refuses --binding=%s, which would reshape env instead of adding a binding', async (binding) => {
    const before = tree.read('apps/api/wrangler.jsonc', 'utf-8');
    await expect(bindingGenerator(tree, { project: 'api', type: 'kv', binding })).rejects.toThrow(`--binding=${binding} is reserved`);
    expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toBe(before);
  });

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

  it('adds a Workflow (run locally) and a Vectorize index (remote-only) from the catalogue', async () => {
    await bindingGenerator(tree, { project: 'api', type: 'workflow', binding: 'SIGNUP', className: 'SignupFlow' });
    await bindingGenerator(tree, { project: 'api', type: 'vectorize', binding: 'EMBEDDINGS' });
    expect(apiConfig().workflows).toEqual([{ binding: 'SIGNUP', name: 'api-signup', class_name: 'SignupFlow' }]);
    expect(apiConfig().vectorize).toEqual([{ binding: 'EMBEDDINGS', index_name: 'api-embeddings' }]);
    await expect(bindingGenerator(tree, { project: 'api', type: 'workflow', binding: 'OTHER' })).rejects.toThrow('--type=workflow needs --className=<WorkflowClass>');
  });

  it('adds to an [env.<name>] section with --env', async () => {
    const text = tree.read('apps/api/wrangler.jsonc', 'utf-8')!.replace('"vars": {}', '"vars": {},\n  "env": { "staging": {} }');
    tree.write('apps/api/wrangler.jsonc', text);
    await bindingGenerator(tree, { project: 'api', type: 'kv', binding: 'CACHE', env: 'staging', id: 'stg' });
    expect(apiConfig().env.staging.kv_namespaces).toEqual([{ binding: 'CACHE', id: 'stg' }]);
    expect(apiConfig().kv_namespaces).toBeUndefined();
  });

  describe('with --env: names that stay in that env', () => {
    beforeEach(() => {
      tree.write('apps/api/wrangler.jsonc', tree.read('apps/api/wrangler.jsonc', 'utf-8')!.replace('"vars": {}', '"vars": {},\n  "env": { "staging": {} }'));
      tree.write('apps/users/wrangler.toml', `${tree.read('apps/users/wrangler.toml', 'utf-8')}\n[env.staging]\n`);
    });

    it('binds a service to the target\'s deployed name in that env, and says so', async () => {
      const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
      await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users', env: 'staging' });
      expect(apiConfig().env.staging.services).toEqual([{ binding: 'USERS', service: 'users-staging' }]);
      expect(info.mock.calls.flat().join('\n')).toContain("nx-edge: USERS → users-staging (users's deployed name in staging)");
    });

    it('without --env, adds the binding to the top level and to every env under that env\'s names, saying so', async () => {
      const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
      await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users' });
      await bindingGenerator(tree, { project: 'api', type: 'd1', binding: 'DB', databaseName: 'main-db' });
      expect(apiConfig().services).toEqual([{ binding: 'USERS', service: 'users' }]);
      expect(apiConfig().env.staging.services).toEqual([{ binding: 'USERS', service: 'users-staging' }]);
      // A name given by hand is the top level's; the env gets its own default name.
      expect(apiConfig().d1_databases[0].database_name).toBe('main-db');
      expect(apiConfig().env.staging.d1_databases[0].database_name).toBe('api-db-staging');
      expect(info.mock.calls.flat()).toContain("nx-edge: USERS added to the top level, [env.staging] of apps/api/wrangler.jsonc (wrangler does not inherit bindings into envs), each under that env's names");
    });

    it('gives D1, R2 and queues env-suffixed names, never the top level\'s', async () => {
      await bindingGenerator(tree, { project: 'api', type: 'd1', binding: 'DB' });
      await bindingGenerator(tree, { project: 'api', type: 'r2', binding: 'FILES', env: 'staging' });
      await bindingGenerator(tree, { project: 'api', type: 'queue', binding: 'JOBS', env: 'staging' });
      expect(apiConfig().d1_databases[0].database_name).toBe('api-db');
      expect(apiConfig().env.staging.d1_databases[0].database_name).toBe('api-db-staging');
      expect(apiConfig().env.staging.r2_buckets[0].bucket_name).toBe('api-files-staging');
      expect(apiConfig().env.staging.queues.producers[0].queue).toBe('jobs-staging');
    });

    it('refuses a target Worker without that env, and a hand-given name that is production\'s', async () => {
      tree.write('apps/users/wrangler.toml', tree.read('apps/users/wrangler.toml', 'utf-8')!.replace('[env.staging]', ''));
      const before = tree.read('apps/api/wrangler.jsonc', 'utf-8');
      await expect(bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users', env: 'staging' })).rejects.toThrow(
        'users has no [env.staging] in its wrangler config, so it has no staging Worker to bind to (binding to "users" would make staging call production). Add [env.staging] to users\'s config first, or bind at the top level (drop --env).',
      );
      await bindingGenerator(tree, { project: 'api', type: 'd1', binding: 'DB', env: 'staging' });
      await bindingGenerator(tree, { project: 'api', type: 'd1', binding: 'MAIN' });
      await expect(bindingGenerator(tree, { project: 'api', type: 'd1', binding: 'OTHER', env: 'staging', databaseName: 'api-main' })).rejects.toThrow(/uses D1 database "api-main", the same as the top level/);
      expect(apiConfig().env.staging.d1_databases.map((d: { binding: string }) => d.binding)).toEqual(['DB', 'MAIN']);
      // Without --env, a service whose target lacks one of this Worker's envs is refused whole: nothing written.
      const written = tree.read('apps/api/wrangler.jsonc', 'utf-8');
      await expect(bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users' })).rejects.toThrow('users has no [env.staging]');
      expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toBe(written);
      expect(before).toBeTruthy();
    });
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

  describe('asking for what is missing, in order, offering only Workers', () => {
    /** Answers in order, recording each question and its choices. */
    const scripted = (answers: string[], canAsk = true) => {
      const asked: { message: string; choices?: string[]; initial?: string }[] = [];
      const questions: Questions = {
        canAsk: () => canAsk,
        chooseOne: async (message, choices) => {
          asked.push({ message, choices: choices.map((c) => (c.label ? `${c.value}=${c.label}` : c.value)) });
          return answers.shift()!;
        },
        askText: async (message, options) => {
          asked.push({ message, initial: options?.initial });
          return answers.shift() ?? options?.initial ?? '';
        },
      };
      return { questions, asked };
    };
    beforeEach(async () => {
      await libGenerator(tree, { name: 'db', skipFormat: true });
    });

    it('type=service asks for the Worker to call (never a lib, never itself), then the name with a default from it', async () => {
      const { questions, asked } = scripted(['api', 'service', 'users']);
      await bindingGenerator(tree, {}, questions);
      expect(asked).toEqual([
        { message: 'Which Worker should get the binding?', choices: ['api', 'users'] },
        {
          message: 'Which kind of binding?',
          choices: [
            'kv=KV namespace',
            'd1=D1 database',
            'r2=R2 bucket',
            'service=Service binding to another Worker',
            'do=Durable Object namespace',
            'queue=Queue producer',
            'workflow=Workflow',
            'vectorize=Vectorize index (remote-only)',
          ],
        },
        { message: 'Which Worker should api call?', choices: ['users'] },
        { message: 'Binding name (as seen on env)?', initial: 'USERS' },
      ]);
      expect(apiConfig().services).toEqual([{ binding: 'USERS', service: 'users' }]);
    });

    it('type=do asks for the class, and names the binding after it', async () => {
      const { questions, asked } = scripted(['ChatRoom']);
      await bindingGenerator(tree, { project: 'api', type: 'do' }, questions);
      expect(asked.map((q) => q.message)).toEqual(['Durable Object class name (exported by the Worker that hosts it)?', 'Binding name (as seen on env)?']);
      expect(asked[1].initial).toBe('CHAT_ROOM');
      expect(apiConfig().durable_objects.bindings).toEqual([{ name: 'CHAT_ROOM', class_name: 'ChatRoom' }]);
    });

    it('without a terminal (CI, Nx Console, --no-interactive) it names the valid answers instead', async () => {
      const { questions } = scripted([], false);
      await expect(bindingGenerator(tree, {}, questions)).rejects.toThrow('--project is required: the Worker to add the binding to. Workers in this workspace: api, users.');
      await expect(bindingGenerator(tree, { project: 'db', type: 'kv', binding: 'X' }, questions)).rejects.toThrow(
        '"db" is not a Worker (it has no wrangler config); only Workers take bindings. Workers in this workspace: api, users.',
      );
      await expect(bindingGenerator(tree, { project: 'api' }, questions)).rejects.toThrow(/^--type is required: kv \(KV namespace\), d1 \(D1 database\)/);
      await expect(bindingGenerator(tree, { project: 'api', type: 'service', binding: 'U' }, questions)).rejects.toThrow(
        '--type=service needs --service=<worker>, the Worker to bind to. Other Workers in this workspace: users.',
      );
      await expect(bindingGenerator(tree, { project: 'api', type: 'service', service: 'users' }, questions)).rejects.toThrow('--binding is required: the name the Worker sees on env, e.g. --binding=USERS.');
    });
  });

  describe('the generated spec stays green', () => {
    const spec = () => tree.read('apps/api/src/index.spec.ts', 'utf-8')!;

    it('a top-level service binding makes the spec start the bound Worker beside this one', async () => {
      await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users' });
      expect(spec()).toContain("startWorker({ projectRoot: fileURLToPath(new URL('..', import.meta.url)), services: { USERS: { projectRoot: '../users' } } })");
      await functionGenerator(tree, { name: 'billing', skipFormat: true });
      await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'BILLING', service: 'billing' });
      expect(spec()).toContain("services: { BILLING: { projectRoot: '../billing' }, USERS: { projectRoot: '../users' } } })");
    });

    it('leaves a spec it does not recognise alone and says what to add', async () => {
      tree.write('apps/api/src/index.spec.ts', 'export {};\n');
      const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
      await bindingGenerator(tree, { project: 'api', type: 'service', binding: 'USERS', service: 'users' });
      expect(spec()).toBe('export {};\n');
      expect(info.mock.calls.flat().join('\n')).toContain("pass startWorker({ services: { USERS: { projectRoot: '../users' } } })");
    });
  });
});
