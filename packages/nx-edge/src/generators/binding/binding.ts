import { getProjects, names, type ProjectConfiguration, type Tree } from '@nx/devkit';
import { join } from 'node:path';
import { appendConfigArrayItem } from '../../config/edit-config';
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

function resolveServiceTarget(tree: Tree, service: string): string {
  const projects = getProjects(tree);
  const byProject = projects.get(service);
  if (byProject) {
    const worker = workerNameOf(tree, service, byProject);
    if (worker) return worker;
  }
  for (const [name, project] of projects) if (workerNameOf(tree, name, project) === service) return service;
  const workers = [...projects].filter(([n, p]) => workerNameOf(tree, n, p)).map(([n]) => n);
  throw new UserError(
    `--service=${service} is not a Worker of this workspace. Known Workers: ${workers.join(', ') || '(none)'}. Create it with nx g @aero/nx-edge:function ${service}, or edit the config by hand for an external service.`,
  );
}

export function bindingEntry(options: BindingGeneratorSchema, projectName: string, tree: Tree): { path: string[]; item: Record<string, unknown> } {
  const kebab = names(options.binding).fileName.replace(/_/g, '-');
  switch (options.type) {
    case 'kv':
      return { path: ['kv_namespaces'], item: { binding: options.binding, ...(options.id ? { id: options.id } : {}) } };
    case 'd1':
      return {
        path: ['d1_databases'],
        item: {
          binding: options.binding,
          database_name: options.databaseName ?? `${projectName}-${kebab}`,
          ...(options.id ? { database_id: options.id } : {}),
          migrations_dir: 'migrations',
        },
      };
    case 'r2':
      return { path: ['r2_buckets'], item: { binding: options.binding, bucket_name: options.bucketName ?? `${projectName}-${kebab}` } };
    case 'queue':
      return { path: ['queues', 'producers'], item: { binding: options.binding, queue: options.queue ?? kebab } };
    case 'service': {
      if (!options.service) throw new UserError('--type=service needs --service=<worker>, the Worker to bind to.');
      return { path: ['services'], item: { binding: options.binding, service: resolveServiceTarget(tree, options.service) } };
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
  const { path, item } = bindingEntry(options, config.name ?? options.project, tree);
  const fullPath = options.env ? ['env', options.env, ...path] : path;
  let next = appendConfigArrayItem(text, configFormatOf(file), fullPath, item, file);
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
