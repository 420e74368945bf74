import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateNodesContextV2 } from '@nx/devkit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EMPTY_WORKER_TYPES } from '../types/worker-types';
import { buildTargets, createNodesV2, devTaskCommand } from './create-nodes';
import { templatePlaceholder } from '../config/template-config';
import { normalizePluginOptions } from './options';
import { isDevTarget } from '../dev/client/dev-target';

describe('createNodesV2', () => {
  let root: string;
  const context = (): CreateNodesContextV2 => ({ workspaceRoot: root, nxJsonConfiguration: { namedInputs: { production: ['default'] } } });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const run = (files: string[], options = {}) => createNodesV2[1](files, options, context());

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-nodes-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it('matches wrangler configs in every format', () => {
    expect(createNodesV2[0]).toBe('**/wrangler.{toml,jsonc,json}');
  });

  it('makes each Worker a project with types, build, dev, test, deploy, provision, backup and secrets targets', async () => {
    write('apps/api/wrangler.jsonc', '{ // api\n "name": "api", "main": "src/index.ts" }');
    const [[file, result]] = await run(['apps/api/wrangler.jsonc']);
    expect(file).toBe('apps/api/wrangler.jsonc');
    const project = result.projects!['apps/api'];
    expect(project.name).toBe('api');
    expect(Object.keys(project.targets!)).toEqual(['types', 'build', 'dev', 'test', 'deploy', 'provision', 'backup', 'secrets']);
    expect(project.targets!.build).toMatchObject({
      executor: '@aero/nx-edge:build',
      cache: true,
      inputs: ['production', '^production', '{projectRoot}/wrangler.jsonc'],
      outputs: ['{workspaceRoot}/dist/{projectRoot}'],
    });
    expect(project.targets!.dev).toMatchObject({ continuous: true, readyWhen: { signal: true } });
    for (const target of Object.values(project.targets!)) {
      expect(target.metadata?.description).toBeTruthy();
      expect(target.metadata?.technologies).toEqual(['cloudflare']);
      expect(target.metadata?.help?.command).toMatch(/^npx (wrangler|esbuild|vitest) .*--help$/);
    }
    // Nx Console's Project Details View: a Cloudflare Worker with its targets in one group.
    expect(project.metadata).toEqual({
      description: 'Cloudflare Worker api (wrangler.jsonc)',
      technologies: ['cloudflare'],
      targetGroups: { 'Cloudflare Worker': ['types', 'build', 'dev', 'test', 'deploy', 'provision', 'backup', 'secrets'] },
    });
  });

  it("runs dev through nx:run-commands with nx-edge's built CLI (no forked executor process), workspace-relative; the executor when the CLI is not built", () => {
    const cli = join(root, 'node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js');
    write('node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js', '');
    expect(devTaskCommand(root, cli)).toBe('exec node node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js dev');
    expect(devTaskCommand(join(root, 'apps'), cli)).toBe(`exec node ${cli} dev`); // installed outside: absolute
    expect(devTaskCommand(root, join(root, 'src/cli/nx-edge.js'))).toBeUndefined();
    // pnpm: the package lives in its store, linked from node_modules/@aero/nx-edge.
    const pnpmRoot = join(root, 'pnpm-ws');
    const store = join(pnpmRoot, 'node_modules/.pnpm/@aero+nx-edge@0.1.0/node_modules/@aero/nx-edge');
    write('pnpm-ws/node_modules/.pnpm/@aero+nx-edge@0.1.0/node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js', '');
    mkdirSync(join(pnpmRoot, 'node_modules/@aero'), { recursive: true });
    symlinkSync(store, join(pnpmRoot, 'node_modules/@aero/nx-edge'));
    expect(devTaskCommand(pnpmRoot, join(store, 'dist/src/cli/nx-edge.js'))).toBe('exec node node_modules/@aero/nx-edge/dist/src/cli/nx-edge.js dev');
    const options = normalizePluginOptions({});
    const dev = buildTargets('apps/api/wrangler.jsonc', { name: 'api' }, options, {}, [], false, 'node x/nx-edge.js dev').dev;
    expect(dev).toMatchObject({ executor: 'nx:run-commands', options: { command: 'node x/nx-edge.js dev' }, continuous: true, readyWhen: { logMatches: ' is ready: http' } });
    expect(isDevTarget(dev)).toBe(true);
    const fallback = buildTargets('apps/api/wrangler.jsonc', { name: 'api' }, options).dev;
    expect(fallback).toMatchObject({ executor: '@aero/nx-edge:dev', readyWhen: { signal: true } });
    expect(isDevTarget(fallback)).toBe(true);
    expect(isDevTarget({ executor: 'nx:run-commands', options: { command: 'node server.mjs' } })).toBe(false);
  });

  it('gives deploy and secrets one configuration per [env.<name>]', async () => {
    write('w/wrangler.toml', 'name = "w"\nmain = "i.ts"\n[env.staging]\n[env.production]\n');
    const [[, result]] = await run(['w/wrangler.toml']);
    const targets = result.projects!.w.targets!;
    expect(targets.deploy.configurations).toEqual({ staging: { env: 'staging' }, production: { env: 'production' } });
    expect(targets.secrets.configurations).toEqual({ staging: { env: 'staging' }, production: { env: 'production' } });
    expect(targets.deploy.dependsOn).toEqual(['build']); // it calls no other Worker
    expect(targets.provision.configurations).toEqual({ staging: { env: 'staging' }, production: { env: 'production' } });
  });

  it('takes target names from plugin options', async () => {
    write('w/wrangler.json', '{"name":"w"}');
    const [[, result]] = await run(['w/wrangler.json'], { buildTargetName: 'bundle', devTargetName: 'serve' });
    expect(Object.keys(result.projects!.w.targets!)).toEqual(['types', 'bundle', 'serve', 'test', 'deploy', 'provision', 'backup', 'secrets']);
    expect(result.projects!.w.targets!.serve.dependsOn).toEqual([]); // no upstream service
  });

  it('names the project as Nx would: project.json, package.json inside the workspace globs, else the wrangler name, then package.json, then folder', async () => {
    write('package.json', JSON.stringify({ name: 'root', workspaces: ['b'] }));
    write('a/wrangler.json', '{"name":"wa"}');
    write('a/project.json', '{"name":"from-project-json"}');
    write('b/wrangler.json', '{"name":"wb"}');
    write('b/package.json', '{"name":"@acme/b"}');
    write('c/wrangler.json', '{"name":"wc"}');
    write('c/package.json', '{"name":"@acme/c"}'); // outside the globs: Nx makes no project here, the Worker's name is used
    write('d/wrangler.json', '{}');
    write('e/wrangler.json', '{}');
    write('e/package.json', '{"name":"@acme/e"}');
    const results = await run(['a/wrangler.json', 'b/wrangler.json', 'c/wrangler.json', 'd/wrangler.json', 'e/wrangler.json']);
    expect(results.map(([, r]) => Object.values(r.projects!)[0].name)).toEqual(['from-project-json', '@acme/b', 'wc', 'd', '@acme/e']);
  });

  it('never gives two folders one name: derived names that clash are named by path, in one line naming both and the fix', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    write('legacy/auth/wrangler.json', '{"name":"auth"}');
    write('legacy/auth/package.json', '{"name":"@acme/auth"}');
    write('services/auth/wrangler.json', '{"name":"auth"}');
    write('services/auth/package.json', '{"name":"@acme/auth"}');
    const results = await run(['legacy/auth/wrangler.json', 'services/auth/wrangler.json']);
    expect(results.map(([, r]) => Object.values(r.projects!)[0].name)).toEqual(['legacy-auth', 'services-auth']);
    expect(warn.mock.calls.flat()).toContain(
      '[nx-edge] 2 Workers would be named "auth" (legacy/auth, services/auth): named "legacy-auth" and "services-auth" by their folders — give each a unique "name" in its project.json (or wrangler config).',
    );
  });

  it('skips template folders (placeholders in the config) and says so once, with the parse failures, in one line', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    write('templates/worker/wrangler.jsonc', '{ "name": "{{SERVICE_NAME}}", "main": "src/index.ts" }');
    write('bad/wrangler.toml', 'name = "bad"\nmain = \n');
    const results = await run(['templates/worker/wrangler.jsonc', 'bad/wrangler.toml']);
    expect(results.flatMap(([, r]) => Object.values(r.projects ?? {}).map((p) => p.name))).toEqual(['bad']);
    expect(warn.mock.calls.flat()).toEqual(['[nx-edge] 1 wrangler config failed to parse (their targets fail until fixed), 1 template folder skipped — details: npx nx-edge validate']);
  });

  it('a placeholder-like value elsewhere than name/main ("hello __world__" in vars) leaves the Worker in the graph', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    write('apps/hello/wrangler.jsonc', '{ "name": "hello", "main": "src/index.ts", "vars": { "GREETING": "hello __world__", "T": "{{not a placeholder here}}" } }');
    write('templates/t/wrangler.toml', 'name = "__NAME__"\nmain = "src/index.ts"\n');
    const results = await run(['apps/hello/wrangler.jsonc', 'templates/t/wrangler.toml']);
    const hello = Object.values(results[0][1].projects!)[0];
    expect(hello.name).toBe('hello');
    expect(Object.keys(hello.targets!)).toEqual(expect.arrayContaining(['types', 'build', 'deploy']));
    expect(results[1][1].projects ?? {}).toEqual({});
    expect(templatePlaceholder('name = "__NAME__"\n', 'w.toml')).toBe('its name "__NAME__" is a template placeholder');
    expect(templatePlaceholder('{ "name": "x", "main": "<%= main %>" }', 'w.jsonc')).toBe('its main "<%= main %>" is a template placeholder');
    // Not parseable because of its placeholders: still a template when its name line holds one.
    expect(templatePlaceholder('name = {{NAME}}\n', 'w.toml')).toMatch(/^its name or main holds a template placeholder/);
    expect(warn.mock.calls.flat().join('\n')).toContain('1 template folder skipped');
  });

  it('dev runs its Worker closure in one task: it depends only on the non-Worker services the closure declares, never on a Worker\'s dev or an imported lib\'s own dev watcher', async () => {
    write('libs/ui/package.json', JSON.stringify({ name: '@acme/ui', scripts: { dev: 'tsup --watch' } }));
    write('apps/gateway/wrangler.json', JSON.stringify({ name: 'gateway', services: [{ binding: 'USERS', service: 'users' }] }));
    write('apps/gateway/project.json', JSON.stringify({ name: 'gateway', implicitDependencies: ['mailer', '!other'] }));
    write('apps/users/wrangler.json', JSON.stringify({ name: 'users' }));
    write('apps/users/project.json', JSON.stringify({ name: 'users', implicitDependencies: ['postgres'] }));
    const results = Object.fromEntries((await run(['apps/gateway/wrangler.json', 'apps/users/wrangler.json'])).map(([f, r]) => [f.split('/')[1], Object.values(r.projects!)[0].targets!]));
    // users (a Worker) is brought up by gateway's task itself; mailer, and postgres that users needs, are not
    // Workers: they keep their Nx tasks. gateway imports @acme/ui (a createDependencies edge), which is not in it.
    expect(results.gateway.dev.dependsOn).toEqual([{ projects: ['mailer', 'postgres'], target: 'dev' }]);
    expect(results.users.dev.dependsOn).toEqual([{ projects: ['postgres'], target: 'dev' }]);
    // deploy the same: @acme/ui's own `deploy` (say, a publish) is never pulled in through the import.
    expect(results.gateway.deploy.dependsOn).toEqual([{ projects: ['users', 'mailer'], target: 'deploy', params: 'forward' }, 'build']);
  });

  it('a Worker\'s build depends on the build of each workspace package it imports whose entry is built output (a fresh clone builds)', async () => {
    write('package.json', JSON.stringify({ name: 'root', workspaces: ['packages/*', 'workers/*'] }));
    write('packages/db/package.json', JSON.stringify({ name: '@repo/db', exports: { '.': { import: './dist/index.js', types: './dist/index.d.ts' } }, scripts: { build: 'tsc' } }));
    write('packages/util/package.json', JSON.stringify({ name: '@repo/util', exports: './src/index.ts' })); // used from source: nothing to build
    write('workers/api/wrangler.json', JSON.stringify({ name: 'api' }));
    write('workers/api/package.json', JSON.stringify({ name: '@repo/api', dependencies: { '@repo/db': 'workspace:*', '@repo/util': 'workspace:*', hono: '^4' } }));
    const [[, result]] = await run(['workers/api/wrangler.json']);
    expect(result.projects!['workers/api'].targets!.build.dependsOn).toEqual([{ projects: ['@repo/db'], target: 'build' }]);
  });

  it('Workers that call each other (a cycle) get deploy ordered by the condensation, and dev no Worker task at all: no task-graph cycle', async () => {
    write('a/wrangler.json', JSON.stringify({ name: 'a', services: [{ binding: 'B', service: 'b' }] }));
    write('b/wrangler.json', JSON.stringify({ name: 'b', services: [{ binding: 'A', service: 'a' }, { binding: 'C', service: 'c' }] }));
    write('c/wrangler.json', JSON.stringify({ name: 'c' }));
    write('d/wrangler.json', JSON.stringify({ name: 'd', services: [{ binding: 'A', service: 'a' }] }));
    const results = Object.fromEntries((await run(['a/wrangler.json', 'b/wrangler.json', 'c/wrangler.json', 'd/wrangler.json'])).map(([f, r]) => [f.split('/')[0], Object.values(r.projects!)[0].targets!]));
    for (const w of ['a', 'b', 'c', 'd']) expect(results[w].dev.dependsOn).toEqual([]);
    expect(results.a.deploy.dependsOn).toEqual(['build']);
    expect(results.b.deploy.dependsOn).toEqual([{ projects: ['c', 'a'], target: 'deploy', params: 'forward' }, 'build']);
    expect(results.b.deploy.metadata).toMatchObject({ serviceCycle: ['a', 'b'] });
    // Outside the cycle: the services it calls go first.
    expect(results.d.deploy.dependsOn).toEqual([{ projects: ['a'], target: 'deploy', params: 'forward' }, 'build']);
    expect(results.c.deploy.dependsOn).toEqual(['build']);
  });

  it('types: cached from the configs wrangler types reads, its own and those of the Workers it calls', async () => {
    write('apps/api/wrangler.json', JSON.stringify({ name: 'api', services: [{ binding: 'USERS', service: 'users' }], env: { staging: { durable_objects: { bindings: [{ name: 'R', class_name: 'Room', script_name: 'rooms-staging' }] } } } }));
    write('apps/users/wrangler.toml', 'name = "users"');
    write('apps/rooms/wrangler.json', JSON.stringify({ name: 'rooms', env: { staging: {} } }));
    write('apps/queue/wrangler.json', JSON.stringify({ name: 'queue' }));
    const results = Object.fromEntries((await run(['apps/api/wrangler.json', 'apps/users/wrangler.toml', 'apps/rooms/wrangler.json', 'apps/queue/wrangler.json'])).map(([f, r]) => [f.split('/')[1], Object.values(r.projects!)[0].targets!]));
    expect(results.api.types).toMatchObject({
      executor: '@aero/nx-edge:types',
      cache: true,
      inputs: ['{projectRoot}/wrangler.json', '{projectRoot}/.dev.vars.example', '{workspaceRoot}/apps/rooms/wrangler.json', '{workspaceRoot}/apps/users/wrangler.toml'],
      outputs: ['{projectRoot}/worker-configuration.d.ts'],
    });
    expect(results.users.types.inputs).toEqual(['{projectRoot}/wrangler.toml', '{projectRoot}/.dev.vars.example']);
  });

  it('build and test run types first only where the Env file is ours: never rewrite a team\'s own wrangler types output, never add files on adoption', async () => {
    for (const w of ['ours', 'placeholder', 'theirs', 'none']) write(`apps/${w}/wrangler.json`, JSON.stringify({ name: w }));
    // Bound to 40 Workers: a long header line is still recognised.
    const bound = Array.from({ length: 40 }, (_, i) => `-c ../worker-number-${i}/wrangler.jsonc`).join(' ');
    write('apps/ours/worker-configuration.d.ts', `/* eslint-disable */\n// Generated by Wrangler by running \`wrangler types worker-configuration.d.ts -c wrangler.json ${bound} --include-runtime=false --env-file .dev.vars.example\` (hash: 1)\n`);
    write('apps/placeholder/worker-configuration.d.ts', EMPTY_WORKER_TYPES);
    write('apps/theirs/worker-configuration.d.ts', '// Generated by Wrangler by running `wrangler types --env-interface CloudflareBindings` (hash: 2)\n');
    const results = Object.fromEntries(
      (await run(['ours', 'placeholder', 'theirs', 'none'].map((w) => `apps/${w}/wrangler.json`))).map(([f, r]) => [f.split('/')[1], Object.values(r.projects!)[0].targets!]),
    );
    for (const w of ['ours', 'placeholder']) {
      expect(results[w].build.dependsOn, w).toEqual(['types']);
      expect(results[w].test.dependsOn, w).toEqual(['types']);
    }
    for (const w of ['theirs', 'none']) {
      expect(results[w].build.dependsOn, w).toBeUndefined();
      expect(results[w].types.executor, w).toBe('@aero/nx-edge:types'); // still there to run by hand
    }
  });

  it('uses the config wrangler itself would pick when a folder has several', async () => {
    write('w/wrangler.json', '{"name":"from-json"}');
    write('w/wrangler.toml', 'name = "from-toml"');
    const results = await run(['w/wrangler.json', 'w/wrangler.toml']);
    const names = results.flatMap(([, r]) => Object.values(r.projects ?? {}).map((p) => p.name));
    expect(names).toEqual(['from-json']);
  });

  it('skips build output, dependencies and local state', async () => {
    for (const dir of ['dist/apps/api', 'node_modules/x', 'apps/api/.wrangler/tmp', '.nx-edge/dev']) write(`${dir}/wrangler.json`, '{"name":"x"}');
    const results = await run(['dist/apps/api/wrangler.json', 'node_modules/x/wrangler.json', 'apps/api/.wrangler/tmp/wrangler.json', '.nx-edge/dev/wrangler.json']);
    expect(results.flatMap(([, r]) => Object.keys(r.projects ?? {}))).toEqual([]);
  });

  it('keeps a Worker whose config does not parse as a project (its targets fail loudly), in the summary line', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    write('bad/wrangler.toml', 'name = "bad"\nmain = \n');
    write('good/wrangler.toml', 'name = "good"');
    const results = await run(['bad/wrangler.toml', 'good/wrangler.toml']);
    expect(results.flatMap(([, r]) => Object.values(r.projects ?? {}).map((p) => p.name))).toEqual(['bad', 'good']);
    expect(Object.keys(results[0][1].projects!.bad.targets!)).toEqual(expect.arrayContaining(['build', 'dev', 'deploy']));
    expect(warn.mock.calls.flat().join('\n')).toBe('[nx-edge] 1 wrangler config failed to parse (their targets fail until fixed) — details: npx nx-edge validate');
  });

  it('falls back to the default inputs when the workspace defines no production inputs', async () => {
    write('w/wrangler.json', '{"name":"w"}');
    const [[, result]] = await createNodesV2[1](['w/wrangler.json'], {}, { workspaceRoot: root, nxJsonConfiguration: {} });
    expect(result.projects!.w.targets!.build.inputs).toEqual(['default', '^default', '{projectRoot}/wrangler.json']);
  });
});
