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

  it('adds @nx/devkit at the workspace\'s own nx version (one copy for every Nx package), and none where nx is not pinned', async () => {
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx: '23.2.1', '@nx/workspace': '23.2.1' } }));
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'package.json').devDependencies['@nx/devkit']).toBe('23.2.1');
    const kept = createTreeWithEmptyWorkspace();
    kept.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx: '24.0.6', '@nx/devkit': '24.0.0' } }));
    await initGenerator(kept, { skipFormat: true });
    expect(readJson(kept, 'package.json').devDependencies['@nx/devkit']).toBe('24.0.0');
    const none = createTreeWithEmptyWorkspace();
    none.write('package.json', JSON.stringify({ name: 'ws' }));
    await initGenerator(none, { skipFormat: true });
    expect(readJson(none, 'package.json').devDependencies['@nx/devkit']).toBeUndefined();
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

  it('hands a script over only when the inferred target does exactly what it did, carrying its flags; keeps the rest, saying why', async () => {
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    tree.write('package.json', JSON.stringify({ name: 'ws', workspaces: ['workers/*'] }));
    tree.write('workers/gateway/wrangler.toml', 'name = "gateway"\nmain = "src/index.ts"\n');
    tree.write(
      'workers/gateway/package.json',
      JSON.stringify({
        name: '@acme/gateway',
        scripts: { dev: 'wrangler dev --port 3000', deploy: 'npx wrangler deploy --minify -c wrangler.toml', test: 'vitest run --coverage', build: 'tsc -b && node build.mjs', lint: 'eslint .' },
      }),
    );
    tree.write('workers/api/wrangler.jsonc', '{ "name": "api", "main": "src/index.ts" }');
    tree.write(
      'workers/api/package.json',
      JSON.stringify({ name: 'api', scripts: { dev: 'wrangler dev --remote', deploy: 'bun run build && wrangler deploy', test: 'vitest --test-scheduled', types: 'wrangler types --env-interface CloudflareBindings' } }),
    );
    await initGenerator(tree, { skipFormat: true });
    const gateway = readJson(tree, 'workers/gateway/package.json');
    expect(gateway.scripts).toEqual({ dev: 'nx run @acme/gateway:dev', deploy: 'nx run @acme/gateway:deploy', test: 'nx run @acme/gateway:test', build: 'tsc -b && node build.mjs', lint: 'eslint .' });
    expect(gateway.nx.includedScripts).toEqual(['build', 'lint']);
    // The flags are in the targets' options: nothing the script did is lost.
    expect(gateway.nx.targets).toEqual({ dev: { options: { port: 3000 } }, build: { options: { minify: true } }, test: { options: { coverage: true } } });
    // Every script of api does more than the target: all kept, untouched, each with its reason.
    expect(readJson(tree, 'workers/api/package.json').scripts).toEqual({ dev: 'wrangler dev --remote', deploy: 'bun run build && wrangler deploy', test: 'vitest --test-scheduled', types: 'wrangler types --env-interface CloudflareBindings' });
    const said = info.mock.calls.flat().join('\n');
    expect(said).toContain('nx-edge: workers/gateway/package.json: "dev": "wrangler dev --port 3000" → "nx run @acme/gateway:dev" (the inferred dev target does the same; --port 3000 → dev option port 3000; kept out of nx.includedScripts)');
    expect(said).toContain('nx-edge: workers/api/package.json: "deploy": "bun run build && wrangler deploy" kept as the deploy target: it is a compound command: its other steps would not run in the inferred target.');
    expect(said).toContain('"dev": "wrangler dev --remote" kept as the dev target: --remote has no equivalent in the inferred dev target');
    // A kept pipeline that minifies makes the inferred build minify too.
    tree.write('workers/api/package.json', JSON.stringify({ ...readJson(tree, 'workers/api/package.json'), scripts: { deploy: 'bun run build && wrangler deploy --minify' } }));
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'workers/api/package.json').nx.targets).toEqual({ build: { options: { minify: true } } });
    expect(info.mock.calls.flat()).toContain('nx-edge: workers/api/package.json: the inferred build minifies, as "deploy" ("bun run build && wrangler deploy --minify") does (build option minify: true)');
    expect(said).toContain('"types": "wrangler types --env-interface CloudflareBindings" kept as the types target: --env-interface CloudflareBindings has no equivalent in the inferred types target');
    // Idempotent: a second run changes nothing.
    const before = tree.listChanges().map((c) => [c.path, c.content?.toString()]);
    await initGenerator(tree, { skipFormat: true });
    expect(tree.listChanges().map((c) => [c.path, c.content?.toString()])).toEqual(before);
  });

  it('never touches a template folder, nor a folder outside the workspace globs (its scripts replace nothing there)', async () => {
    tree.write('package.json', JSON.stringify({ name: 'ws', workspaces: ['workers/*'] }));
    tree.write('workers/{{SERVICE_NAME}}/wrangler.jsonc', '{ "name": "{{SERVICE_NAME}}", "main": "src/index.ts" }');
    tree.write('workers/{{SERVICE_NAME}}/package.json', JSON.stringify({ name: '{{SERVICE_NAME}}', scripts: { dev: 'wrangler dev' } }));
    tree.write('legacy/old/wrangler.toml', 'name = "old"\nmain = "src/index.ts"\n');
    tree.write('legacy/old/package.json', JSON.stringify({ name: 'old', scripts: { build: 'tsc && wrangler deploy --dry-run' } }));
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'workers/{{SERVICE_NAME}}/package.json').scripts.dev).toBe('wrangler dev');
    expect(readJson(tree, 'legacy/old/package.json')).toEqual({ name: 'old', scripts: { build: 'tsc && wrangler deploy --dry-run' } });
    expect(info.mock.calls.flat().join('\n')).not.toMatch(/legacy\/old|SERVICE_NAME/);
  });

  it('creates nx.json when the repo has none (all or nothing: the plugin is registered with the scripts it hands over)', async () => {
    tree.delete('nx.json');
    const info = vi.spyOn(logger, 'info').mockImplementation(() => undefined);
    tree.write('package.json', JSON.stringify({ name: 'ws', workspaces: ['apps/*'] }));
    tree.write('apps/a/wrangler.toml', 'name = "a"\nmain = "src/index.ts"\n');
    tree.write('apps/a/package.json', JSON.stringify({ name: 'a', scripts: { dev: 'wrangler dev' } }));
    await initGenerator(tree, { skipFormat: true, skipPackageJson: true });
    const nxJson = readJson(tree, 'nx.json');
    expect(nxJson.plugins).toEqual(['@aero/nx-edge']);
    expect(nxJson.namedInputs.production).toContain('!{projectRoot}/**/*.{spec,test}.{ts,tsx,mts,cts,js,jsx,mjs,cjs}');
    expect(readJson(tree, 'apps/a/package.json').scripts.dev).toBe('nx run a:dev');
    expect(info.mock.calls.flat()).toContain(
      'nx-edge: nx.json created (the repo had none): registers the @aero/nx-edge plugin; pluginsConfig["@nx/js"].analyzeSourceFiles: true (lib imports become graph edges); namedInputs.default; namedInputs.sharedGlobals; namedInputs.production',
    );
  });

  it('adds dev dependencies only: no empty "dependencies" appears', async () => {
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: {} }));
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'package.json')).not.toHaveProperty('dependencies');
    expect(readJson(tree, 'package.json').devDependencies.wrangler).toBeDefined();
  });
});

describe('init and a wrangler outside the supported range', () => {
  it('says which command fixes it, in the lockfile\'s package manager, and changes no version; --upgrade replaces it', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { wrangler: '^3.114.0' } }));
    tree.write('pnpm-lock.yaml', 'lockfileVersion: 9\n');
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    await initGenerator(tree, { skipFormat: true });
    expect(readJson(tree, 'package.json').devDependencies.wrangler).toBe('^3.114.0');
    expect(warn.mock.calls.flat().join('\n')).toMatch(/package\.json pins wrangler \^3\.114\.0, outside what @aero\/nx-edge supports \(>=4\.86\.0 <5\): its targets will refuse to run until you run pnpm add -D -w wrangler@\S+ @cloudflare\/workers-types@\S+ \(or nx g @aero\/nx-edge:init --upgrade\)\./);
    await initGenerator(tree, { skipFormat: true, upgrade: true });
    expect(readJson(tree, 'package.json').devDependencies.wrangler).toBe(toolchainFor().wrangler);
  });
});
