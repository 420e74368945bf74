import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse as parseToml } from 'smol-toml';
import { parse as parseJsonc } from 'jsonc-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { compatibilityDateFor, functionGenerator } from './function';
import { libGenerator } from '../lib/lib';

describe('function generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });

  it('creates a Worker in apps/<name> with jsonc config, source, test and project.json', async () => {
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    for (const file of ['wrangler.jsonc', 'src/index.ts', 'src/index.spec.ts', 'tsconfig.json', '.dev.vars.example', 'project.json']) {
      expect(tree.exists(`apps/api/${file}`)).toBe(true);
    }
    expect(tree.exists('apps/api/wrangler.toml')).toBe(false);
    const config = parseJsonc(tree.read('apps/api/wrangler.jsonc', 'utf-8')!);
    expect(config).toMatchObject({ name: 'api', main: 'src/index.ts', compatibility_flags: ['nodejs_compat'] });
    expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toMatch(/^\s*\/\//m);
    const project = readProjectConfiguration(tree, 'api');
    expect(project.tags).toEqual(['type:function']);
    expect(project.targets ?? {}).toEqual({});
  });

  it('writes toml with --configFormat=toml, in --directory, with extra tags', async () => {
    await functionGenerator(tree, { name: 'users', configFormat: 'toml', directory: 'services/users', tags: 'scope:core, team:a', skipFormat: true });
    const config = parseToml(tree.read('services/users/wrangler.toml', 'utf-8')!);
    expect(config).toMatchObject({ name: 'users', main: 'src/index.ts' });
    expect(tree.exists('services/users/wrangler.jsonc')).toBe(false);
    expect(readProjectConfiguration(tree, 'users').tags).toEqual(['type:function', 'scope:core', 'team:a']);
  });

  it('--envs creates an [env.<name>] section per environment (vars repeated), in jsonc and toml, keeping comments', async () => {
    await functionGenerator(tree, { name: 'api', envs: 'staging, production', skipFormat: true });
    await functionGenerator(tree, { name: 'users', configFormat: 'toml', envs: 'staging', skipFormat: true });
    const api = parseJsonc(tree.read('apps/api/wrangler.jsonc', 'utf-8')!);
    expect(api.env).toEqual({ staging: { vars: {} }, production: { vars: {} } });
    expect(tree.read('apps/api/wrangler.jsonc', 'utf-8')).toMatch(/^\s*\/\//m);
    expect((parseToml(tree.read('apps/users/wrangler.toml', 'utf-8')!) as { env: unknown }).env).toEqual({ staging: { vars: {} } });
    await expect(functionGenerator(tree, { name: 'web', envs: 'Staging', skipFormat: true })).rejects.toThrow('--envs: "Staging" is not a valid environment name');
  });

  it('never writes a compatibility date newer than the installed workerd supports', () => {
    const date = compatibilityDateFor(process.cwd(), new Date('2099-01-01'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed workerd's date, as the generator reads it
    expect(date).toBe(require('workerd').compatibilityDate);
    expect(compatibilityDateFor(process.cwd(), new Date('2020-05-05'))).toBe('2020-05-05');
  });

  it('refuses an existing project, naming where it is and how to proceed', async () => {
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    await expect(functionGenerator(tree, { name: 'api', skipFormat: true })).rejects.toThrow(
      'Project "api" already exists at apps/api. Choose another name, or pass --directory',
    );
  });

  it.each(['../../outside', 'apps/../../outside', '/tmp/elsewhere', '.'])('refuses --directory=%s outside the workspace, writing nothing', async (directory) => {
    const before = tree.listChanges().length;
    await expect(functionGenerator(tree, { name: 'ok5', directory, skipFormat: true })).rejects.toThrow(/is (outside the workspace|the workspace root itself) \(.*\): generators write only inside the workspace/);
    await expect(libGenerator(tree, { name: 'ok6', directory })).rejects.toThrow(/generators write only inside the workspace/);
    expect(tree.listChanges().length).toBe(before);
  });

  it('accepts an absolute --directory inside the workspace, made relative', async () => {
    await functionGenerator(tree, { name: 'abs', directory: `${tree.root}/services/abs/`, skipFormat: true });
    expect(tree.exists('services/abs/wrangler.jsonc')).toBe(true);
  });

  it('refuses a non-empty directory and writes nothing', async () => {
    tree.write('apps/web/index.html', '<p>mine</p>');
    await expect(functionGenerator(tree, { name: 'web', skipFormat: true })).rejects.toThrow(/apps\/web already exists and is not empty/);
    expect(tree.exists('apps/web/wrangler.jsonc')).toBe(false);
  });

  it('refuses fastify, explaining why it cannot run on Workers and what to use', async () => {
    await expect(functionGenerator(tree, { name: 'x', framework: 'fastify', skipFormat: true })).rejects.toThrow(
      /--framework=fastify cannot run on Workers: .*new Function\(\).*Use --framework=hono/,
    );
    expect(tree.exists('apps/x/wrangler.jsonc')).toBe(false);
  });

  it.each([
    ['hono', "from 'hono'", ['hono']],
    ['express', "from '@aero/edge-runtime/adapters'", ['express']],
    ['nestjs', "from '@nestjs/core'", ['@nestjs/core', '@nestjs/common', '@nestjs/platform-express', 'reflect-metadata']],
  ])('scaffolds --framework=%s with its dependencies and a workerd spec', async (framework, importLine, deps) => {
    await functionGenerator(tree, { name: 'web', framework: framework as 'hono', skipFormat: true });
    expect(tree.read('apps/web/src/index.ts', 'utf-8')).toContain(importLine);
    expect(tree.read('apps/web/src/index.spec.ts', 'utf-8')).toContain('startWorker');
    const pkg = JSON.parse(tree.read('package.json', 'utf-8')!);
    for (const dep of deps) expect(pkg.dependencies[dep]).toBeDefined();
  });

  it('names the templates for an unknown --framework (fastify still explained, but no longer offered)', async () => {
    await expect(functionGenerator(tree, { name: 'x', framework: 'koa' as never, skipFormat: true })).rejects.toThrow('--framework=koa is not a template of this generator. Use one of: none, hono, express, nestjs.');
    const schema = JSON.parse(readFileSync(join(__dirname, 'schema.json'), 'utf8'));
    expect(schema.properties.framework.enum).toBeUndefined();
    expect(schema.properties.framework['x-prompt'].items.map((i: { value: string }) => i.value)).toEqual(['none', 'hono', 'express', 'nestjs']);
  });

  it('takes a DNS label as the name, suggesting one for anything else', async () => {
    await expect(functionGenerator(tree, { name: 'MyApi', skipFormat: true })).rejects.toThrow(
      '"MyApi" is not a valid Worker name: it must be a DNS label — 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash. Try "my-api".',
    );
    await expect(functionGenerator(tree, { name: 'api-', skipFormat: true })).rejects.toThrow('Try "api".');
    await expect(functionGenerator(tree, { name: 'a'.repeat(70), skipFormat: true })).rejects.toThrow(`Try "${'a'.repeat(63)}".`);
    await functionGenerator(tree, { name: 'a'.repeat(63), skipFormat: true });
    expect(tree.exists(`apps/${'a'.repeat(63)}/wrangler.jsonc`)).toBe(true);
  });

  it('nestjs turns on decorators in the Worker tsconfig', async () => {
    await functionGenerator(tree, { name: 'web', framework: 'nestjs', skipFormat: true });
    expect(JSON.parse(tree.read('apps/web/tsconfig.json', 'utf-8')!).compilerOptions.experimentalDecorators).toBe(true);
  });

  it('registers the plugin (composes init)', async () => {
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    expect(JSON.parse(tree.read('nx.json', 'utf-8')!).plugins).toContain('@aero/nx-edge');
  });

  it('extends tsconfig.base.json so @shared/* aliases resolve', async () => {
    await functionGenerator(tree, { name: 'api', skipFormat: true });
    expect(tree.exists('tsconfig.base.json')).toBe(true);
    expect(JSON.parse(tree.read('apps/api/tsconfig.json', 'utf-8')!).extends).toBe('../../tsconfig.base.json');
  });
  it('leaves package.json alone with --skipPackageJson, even for a framework with dependencies', async () => {
    const before = tree.read('package.json', 'utf-8');
    await functionGenerator(tree, { name: 'web', framework: 'hono', skipPackageJson: true, skipFormat: true });
    expect(tree.read('package.json', 'utf-8')).toBe(before);
  });
});
