import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  addProjectConfiguration,
  formatFiles,
  generateFiles,
  getProjects,
  logger,
  names,
  offsetFromRoot,
  runTasksInSerial,
  type Tree,
} from '@nx/devkit';
import { setJsoncValue } from '../../config/edit-config';
import { deployedWorkerName } from '../../config/env-names';
import { EMPTY_WORKER_TYPES, WORKER_TYPES_FILE } from '../../types/worker-types';
import { updateEnvTypes } from '../env-types';
import { UserError } from '../../utils/user-error';
import { workspaceDirectory } from '../../utils/workspace-directory';
import { expressVersion, FALLBACK_COMPATIBILITY_DATE, honoVersion, nestVersion, reflectMetadataVersion, rxjsVersion } from '../../utils/versions';
import { addDependenciesToPackageJson } from '@nx/devkit';
import { initGenerator } from '../init/init';
import { resolveMiniflare } from '../../wrangler/miniflare';
import { ensureBaseTsconfig } from '../lib/lib';
import type { FunctionGeneratorSchema, NormalizedFunctionOptions } from './schema';

/**
 * The newest date both the calendar and the installed workerd accept: a date newer than workerd
 * supports is a hard error at startup, so today's date cannot be written blindly.
 */
export function compatibilityDateFor(workspaceRoot: string, today = new Date()): string {
  const todayIso = today.toISOString().slice(0, 10);
  let supported = FALLBACK_COMPATIBILITY_DATE;
  try {
     // workerd's own newest date, read from the workerd that the workspace's wrangler runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a package found at run time, in the workspace
    const workerd = require(require.resolve('workerd', { paths: [resolveMiniflare(workspaceRoot).dir] })) as { compatibilityDate?: string };
    supported = workerd.compatibilityDate ?? supported;
  } catch {
    // wrangler not installed yet: the fallback is a date every supported workerd accepts.
  }
  return supported < todayIso ? supported : todayIso;
}

export function normalizeFunctionOptions(tree: Tree, options: FunctionGeneratorSchema): NormalizedFunctionOptions {
  const name = options.name ?? '';
  // A Worker name is a DNS label (it becomes <name>.<subdomain>.workers.dev).
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
    const suggestion = names(name).fileName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
    throw new UserError(
      `"${name}" is not a valid Worker name: it must be a DNS label — 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash.${suggestion && suggestion !== name ? ` Try "${suggestion}".` : ''}`,
    );
  }
  const projectRoot = options.directory !== undefined ? workspaceDirectory(tree.root, options.directory) : `apps/${name}`;
  const existing = getProjects(tree).get(name);
  if (existing) {
    throw new UserError(`Project "${name}" already exists at ${existing.root}. Choose another name, or pass --directory to place a new Worker elsewhere.`);
  }
  if (tree.exists(projectRoot) && tree.children(projectRoot).length > 0) {
    throw new UserError(`${projectRoot} already exists and is not empty. Pass --directory to place the Worker elsewhere.`);
  }
  if (options.framework === 'fastify') {
    throw new UserError(
      '--framework=fastify cannot run on Workers: Fastify\'s router (find-my-way) and serializers compile code with new Function(), which workerd forbids ("Code generation from strings disallowed"). Use --framework=hono (closest API) or express.',
    );
  }
  if (options.framework !== undefined && !['none', 'hono', 'express', 'nestjs'].includes(options.framework)) {
    throw new UserError(`--framework=${options.framework} is not a template of this generator. Use one of: none, hono, express, nestjs.`);
  }
  if (options.configFormat !== undefined && !['jsonc', 'toml'].includes(options.configFormat)) {
    throw new UserError(`--configFormat=${options.configFormat} is not a wrangler config format this generator writes. Use jsonc (wrangler.jsonc) or toml (wrangler.toml).`);
  }
  const tags = ['type:function', ...(options.tags ?? '').split(',').map((t) => t.trim()).filter(Boolean)];
  const envs = [...new Set((options.envs ?? '').split(',').map((e) => e.trim()).filter(Boolean))];
  const badEnv = envs.find((e) => !/^[a-z][a-z0-9-]*$/.test(e));
  if (badEnv) throw new UserError(`--envs: "${badEnv}" is not a valid environment name: use lowercase letters, digits and dashes (e.g. --envs=staging,production).`);
  return {
    name,
    projectRoot,
    configFormat: options.configFormat ?? 'jsonc',
    framework: options.framework ?? 'none',
    tags: [...new Set(tags)],
    compatibilityDate: compatibilityDateFor(tree.root),
    offsetFromRoot: offsetFromRoot(projectRoot),
    envs,
  };
}

/**
 * Empty `[env.<e>]` sections. Each repeats `vars` (wrangler does not inherit it and warns when the top
 * level has it and an env does not).
 */
export function withEnvironments(text: string, format: 'jsonc' | 'toml', envs: string[], name: string): string {
  if (format === 'toml') {
    return `${text.trimEnd()}\n${envs.map((e) => `\n# deployed as ${name}-${e}; bindings are not inherited from the top level: repeat them here\n[env.${e}]\n\n[env.${e}.vars]\n`).join('')}`;
  }
  let out = text;
  for (const env of envs) out = setJsoncValue(out, ['env', env], { vars: {} });
  return out;
}

/** Runtime dependencies each framework template imports. */
export const FRAMEWORK_DEPENDENCIES: Record<string, Record<string, string>> = {
  none: {},
  hono: { hono: honoVersion },
  express: { express: expressVersion },
  nestjs: { '@nestjs/common': nestVersion, '@nestjs/core': nestVersion, '@nestjs/platform-express': nestVersion, 'reflect-metadata': reflectMetadataVersion, rxjs: rxjsVersion },
};

function frameworkTemplates(framework: string): string {
  const dir = join(__dirname, 'files', framework);
  if (!existsSync(dir)) {
    throw new UserError(`No template for --framework=${framework} in this version of @aero/nx-edge. Use --framework=none.`);
  }
  return dir;
}

export async function functionGenerator(tree: Tree, schema: FunctionGeneratorSchema) {
  const options = normalizeFunctionOptions(tree, schema);
  const initTask = await initGenerator(tree, { skipFormat: true, skipPackageJson: schema.skipPackageJson, keepScripts: true });
  ensureBaseTsconfig(tree);
  const templateOptions = { ...options, tmpl: '', dot: '.' };
  generateFiles(tree, join(__dirname, 'files', 'common'), options.projectRoot, templateOptions);
  generateFiles(tree, frameworkTemplates(options.framework), options.projectRoot, templateOptions);
  // Exactly one wrangler config: the template folder holds both formats.
  tree.delete(join(options.projectRoot, options.configFormat === 'toml' ? 'wrangler.jsonc' : 'wrangler.toml'));
  if (options.envs.length) {
    const file = join(options.projectRoot, `wrangler.${options.configFormat}`);
    tree.write(file, withEnvironments(tree.read(file, 'utf-8')!, options.configFormat, options.envs, options.name));
    for (const env of options.envs) logger.info(`nx-edge: [env.${env}] deploys as ${deployedWorkerName({ name: options.name, env: { [env]: {} } }, env)}; bind its resources with nx g @aero/nx-edge:binding --project=${options.name} --env=${env} …`);
  }
  // An empty Env until the types target (run before build and test) generates the real one.
  tree.write(join(options.projectRoot, WORKER_TYPES_FILE), EMPTY_WORKER_TYPES);
  addProjectConfiguration(tree, options.name, {
    root: options.projectRoot,
    projectType: 'application',
    sourceRoot: `${options.projectRoot}/src`,
    tags: options.tags,
    targets: {},
  });
  const frameworkDeps = FRAMEWORK_DEPENDENCIES[options.framework] ?? {};
  const depsTask = Object.keys(frameworkDeps).length && !schema.skipPackageJson ? addDependenciesToPackageJson(tree, frameworkDeps, {}, undefined, true) : () => undefined;
  if (!schema.skipFormat) await formatFiles(tree);
  // After the install: wrangler writes the Env it will write on every build, so the first build
  // changes no file in git.
  const typesTask = () => updateEnvTypes(tree.root, options.name, options.projectRoot, Object.fromEntries(getProjects(tree)), 'quiet');
  return runTasksInSerial(initTask, depsTask, typesTask);
}

export default functionGenerator;
