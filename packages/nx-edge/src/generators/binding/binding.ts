import { getProjects, logger, names, type ProjectConfiguration, type Tree } from '@nx/devkit';
import { join } from 'node:path';
import { appendConfigArrayItem } from '../../config/edit-config';
import { findIsolationProblems } from '../../config/env-isolation';
import { deployedWorkerName, envResourceName } from '../../config/env-names';
import { configFormatOf, parseWranglerConfig, WRANGLER_CONFIG_FILES, type WorkerConfig, type WranglerConfig } from '../../config/wrangler-config';
import { UserError } from '../../utils/user-error';
import type { BindingGeneratorSchema } from './schema';

function configFileOf(tree: Tree, project: ProjectConfiguration): string | undefined {
  return WRANGLER_CONFIG_FILES.map((f) => join(project.root, f)).find((f) => tree.exists(f));
}

/** Every binding name a section already uses, whatever its kind. */
export function bindingNames(section: WorkerConfig): string[] {
  return [
    ...(section.kv_namespaces ?? []).map((b) => b.binding),
    ...(section.d1_databases ?? []).map((b) => b.binding),
    ...(section.r2_buckets ?? []).map((b) => b.binding),
    ...(section.services ?? []).map((b) => b.binding),
    ...(section.queues?.producers ?? []).map((b) => b.binding),
    ...(section.durable_objects?.bindings ?? []).map((b) => b.name),
    ...(section.hyperdrive ?? []).map((b) => b.binding),
    ...Object.keys(section.vars ?? {}),
  ];
}

/** The Worker name a project deploys as: its wrangler `name`, else the project name. */
function workerNameOf(tree: Tree, name: string, project: ProjectConfiguration): string | undefined {
  const file = configFileOf(tree, project);
  if (!file) return undefined;
  try {
    return parseWranglerConfig(tree.read(file, 'utf-8') ?? '', file).name ?? name;
  } catch {
    return name;
  }
}

function configOf(tree: Tree, project: ProjectConfiguration): WranglerConfig | undefined {
  const file = configFileOf(tree, project);
  if (!file) return undefined;
  try {
    return parseWranglerConfig(tree.read(file, 'utf-8') ?? '', file);
  } catch {
    return undefined;
  }
}

/**
 * The Worker name to bind to: the target's deployed name in `env` (wrangler's `<name>-<env>`, or the
 * env's own `name`) when binding inside an env, so staging never calls production.
 */
function resolveServiceTarget(tree: Tree, service: string, env: string | undefined): { name: string; note?: string } {
  const projects = getProjects(tree);
  let found: [string, ProjectConfiguration] | undefined;
  const byProject = projects.get(service);
  if (byProject && workerNameOf(tree, service, byProject)) found = [service, byProject];
  else for (const [name, project] of projects) if (workerNameOf(tree, name, project) === service) found = [name, project];
  if (found) {
    const [projectName, project] = found;
    const top = workerNameOf(tree, projectName, project)!;
    if (!env) return { name: top };
    const config = configOf(tree, project);
    const inEnv = config ? deployedWorkerName(config, env) : undefined;
    if (!inEnv) {
      throw new UserError(
        `${projectName} has no [env.${env}] in its wrangler config, so it has no ${env} Worker to bind to (binding to "${top}" would make ${env} call production). Add [env.${env}] to ${projectName}'s config first, or bind at the top level (drop --env).`,
      );
    }
    return { name: inEnv, note: `${projectName}'s deployed name in ${env}` };
  }
  const workers = [...projects].filter(([n, p]) => workerNameOf(tree, n, p)).map(([n]) => n);
  throw new UserError(
    `--service=${service} is not a Worker of this workspace. Known Workers: ${workers.join(', ') || '(none)'}. Create it with nx g @aero/nx-edge:function ${service}, or edit the config by hand for an external service.`,
  );
}

export function bindingEntry(options: BindingGeneratorSchema, projectName: string, tree: Tree): { path: string[]; item: Record<string, unknown>; note?: string } {
  const kebab = names(options.binding).fileName.replace(/_/g, '-');
  // An env's resources get their own names (api-db-staging): never the top level's (production's).
  const own = (base: string) => envResourceName(base, options.env);
  switch (options.type) {
    case 'kv':
      return { path: ['kv_namespaces'], item: { binding: options.binding, ...(options.id ? { id: options.id } : {}) } };
    case 'd1':
      return {
        path: ['d1_databases'],
        item: {
          binding: options.binding,
          database_name: options.databaseName ?? own(`${projectName}-${kebab}`),
          ...(options.id ? { database_id: options.id } : {}),
          migrations_dir: 'migrations',
        },
      };
    case 'r2':
      return { path: ['r2_buckets'], item: { binding: options.binding, bucket_name: options.bucketName ?? own(`${projectName}-${kebab}`) } };
    case 'queue':
      return { path: ['queues', 'producers'], item: { binding: options.binding, queue: options.queue ?? own(kebab) } };
    case 'service': {
      if (!options.service) throw new UserError('--type=service needs --service=<worker>, the Worker to bind to.');
      const target = resolveServiceTarget(tree, options.service, options.env);
      return { path: ['services'], item: { binding: options.binding, service: target.name }, note: target.note ? `${options.binding} → ${target.name} (${target.note})` : undefined };
    }
    case 'do': {
      if (!options.className) throw new UserError('--type=do needs --className=<DurableObjectClass>.');
      return {
        path: ['durable_objects', 'bindings'],
        item: { name: options.binding, class_name: options.className, ...(options.scriptName ? { script_name: options.scriptName } : {}) },
      };
    }
    default:
      throw new UserError(`--type=${String(options.type)} is not a binding type. Use one of: kv, d1, r2, queue, service, do.`);
  }
}

export async function bindingGenerator(tree: Tree, options: BindingGeneratorSchema): Promise<void> {
  const project = getProjects(tree).get(options.project);
  if (!project) {
    throw new UserError(`Project "${options.project}" does not exist. Run nx show projects to list them, or create it with nx g @aero/nx-edge:function ${options.project}.`);
  }
  const file = configFileOf(tree, project);
  if (!file) {
    throw new UserError(`${options.project} has no wrangler config in ${project.root}; only Workers take bindings.`);
  }
  const text = tree.read(file, 'utf-8') ?? '';
  const config: WranglerConfig = parseWranglerConfig(text, file);
  let section: WorkerConfig = config;
  if (options.env) {
    const env = config.env?.[options.env];
    if (!env) {
      const known = Object.keys(config.env ?? {});
      throw new UserError(`${file} has no [env.${options.env}] section (known: ${known.join(', ') || 'none'}). Add the section first, or drop --env.`);
    }
    section = env;
  }
  if (bindingNames(section).includes(options.binding)) {
    throw new UserError(`${file}${options.env ? ` [env.${options.env}]` : ''} already has a binding named ${options.binding}. Pick another --binding name.`);
  }
  const { path, item, note } = bindingEntry(options, config.name ?? options.project, tree);
  const fullPath = options.env ? ['env', options.env, ...path] : path;
  let next = appendConfigArrayItem(text, configFormatOf(file), fullPath, item, file);
  if (options.env) {
    // A name given by hand that is the top level's (or another env's) would leak across envs.
    const workers = [...getProjects(tree)].flatMap(([name, p]) => {
      const c = configOf(tree, p);
      return c ? [{ project: name, config: c }] : [];
    });
    const leak = findIsolationProblems(parseWranglerConfig(next, file), file, next, workers).find((p) => p.env === options.env && p.binding === options.binding);
    if (leak) throw new UserError(leak.message);
  }
  if (note) logger.info(`nx-edge: ${note}`);
  // A class defined in this Worker needs a migration that creates it before the first deploy.
  if (options.type === 'do' && !options.scriptName) {
    const migrated = (config.migrations ?? []).some((m) => {
      const entry = m as Record<string, unknown>;
      return ['new_classes', 'new_sqlite_classes'].some((k) => Array.isArray(entry[k]) && (entry[k] as string[]).includes(options.className!));
    });
    if (!migrated) {
      const tag = `v${(config.migrations ?? []).length + 1}`;
      next = appendConfigArrayItem(next, configFormatOf(file), ['migrations'], { tag, new_sqlite_classes: [options.className] }, file);
    }
  }
  tree.write(file, next);
}

export default bindingGenerator;
