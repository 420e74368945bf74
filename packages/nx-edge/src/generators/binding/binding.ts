import { getProjects, logger, names, type GeneratorCallback, type ProjectConfiguration, type Tree } from '@nx/devkit';
import { join, relative } from 'node:path';
import { appendConfigArrayItem } from '../../config/edit-config';
import { findIsolationProblems } from '../../config/env-isolation';
import { allBindingNames, GENERATED_KINDS } from '../../config/bindings';
import { deployedWorkerName } from '../../config/env-names';
import { configFormatOf, environmentNames, parseWranglerConfig, WRANGLER_CONFIG_FILES, type WorkerConfig, type WranglerConfig } from '../../config/wrangler-config';
import { updateEnvTypes } from '../env-types';
import { UserError } from '../../utils/user-error';
import { askText, canPrompt, chooseOne, type Choice } from '../../utils/prompts';
import { addServiceStandIn } from './spec-stand-in';
import type { BindingGeneratorSchema, BindingType } from './schema';

function configFileOf(tree: Tree, project: ProjectConfiguration): string | undefined {
  return WRANGLER_CONFIG_FILES.map((f) => join(project.root, f)).find((f) => tree.exists(f));
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
  const found = findServiceProject(tree, service);
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
  throw new UserError(
    `--service=${service} is not a Worker of this workspace. Known Workers: ${workerProjectNames(tree).join(', ') || '(none)'}. Create it with nx g @aero/nx-edge:function ${service}, or edit the config by hand for an external service.`,
  );
}

export function bindingEntry(options: BindingGeneratorSchema, projectName: string, tree: Tree): { path: string[]; item: Record<string, unknown>; note?: string } {
  const kind = GENERATED_KINDS.find((k) => k.generator.type === options.type);
  if (!kind) throw new UserError(`--type=${String(options.type)} is not a binding type. Use one of: ${GENERATED_KINDS.map((k) => k.generator.type).join(', ')}.`);
  let service: { name: string; note?: string } | undefined;
  if (options.type === 'service') {
    if (!options.service) throw new UserError('--type=service needs --service=<worker>, the Worker to bind to.');
    service = resolveServiceTarget(tree, options.service, options.env);
  }
  if (needsClass(options.type) && !options.className) throw new UserError(`--type=${options.type} needs --className=<Class>.`);
  const item = kind.generator.item({
    binding: options.binding,
    kebab: names(options.binding).fileName.replace(/_/g, '-'),
    worker: projectName,
    env: options.env,
    id: options.id,
    databaseName: options.databaseName,
    bucketName: options.bucketName,
    queue: options.queue,
    className: options.className,
    scriptName: options.scriptName,
    service: service?.name,
  });
  return { path: kind.generator.path, item, note: service?.note ? `${options.binding} → ${service.name} (${service.note})` : undefined };
}

/** Kinds whose entry names a class the Worker (or --scriptName) exports. */
const needsClass = (type: string) => type === 'do' || type === 'workflow';

export async function bindingGenerator(tree: Tree, schema: Partial<BindingGeneratorSchema>, questions: Questions = nxQuestions): Promise<GeneratorCallback> {
  const options = await completeOptions(tree, schema, questions);
  const project = getProjects(tree).get(options.project)!;
  const file = configFileOf(tree, project)!;
  const text = tree.read(file, 'utf-8') ?? '';
  const config: WranglerConfig = parseWranglerConfig(text, file);
  // wrangler does not inherit bindings into [env.*]: without --env, a Worker with envs gets the binding at the
  // top level and in every env, each under that env's names (a name given by hand is the top level's only).
  const envs = options.env ? [options.env] : [undefined, ...environmentNames(config)];
  let next = text;
  const notes: string[] = [];
  const placed: string[] = [];
  for (const env of envs) {
    let section: WorkerConfig = config;
    if (env) {
      const found = config.env?.[env];
      if (!found) {
        const known = Object.keys(config.env ?? {});
        throw new UserError(`${file} has no [env.${env}] section (known: ${known.join(', ') || 'none'}). Add the section first (nx g @aero/nx-edge:env ${env} --projects=${options.project}), or drop --env.`);
      }
      section = found;
    }
    if (allBindingNames(section).includes(options.binding)) {
      throw new UserError(`${file}${env ? ` [env.${env}]` : ''} already has a binding named ${options.binding}. Pick another --binding name.`);
    }
    const handGiven = env && !options.env ? { id: undefined, databaseName: undefined, bucketName: undefined, queue: undefined } : {};
    const { path, item, note } = bindingEntry({ ...options, ...handGiven, env }, config.name ?? options.project, tree);
    next = appendConfigArrayItem(next, configFormatOf(file), env ? ['env', env, ...path] : path, item, file);
    if (note) notes.push(note);
    placed.push(env ? `[env.${env}]` : 'the top level');
  }
  const isolatedEnvs = envs.filter((e): e is string => e !== undefined);
  if (isolatedEnvs.length) {
    // A name given by hand that is the top level's (or another env's) would leak across envs.
    const workers = [...getProjects(tree)].flatMap(([name, p]) => {
      const c = configOf(tree, p);
      return c ? [{ project: name, config: c }] : [];
    });
    const leak = findIsolationProblems(parseWranglerConfig(next, file), file, next, workers).find((p) => p.env !== undefined && isolatedEnvs.includes(p.env) && p.binding === options.binding);
    if (leak) throw new UserError(leak.message);
  }
  if (!options.env && envs.length > 1) logger.info(`nx-edge: ${options.binding} added to ${placed.join(', ')} of ${file} (wrangler does not inherit bindings into envs), each under that env's names`);
  const note = notes.join('; ');
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
  // The generated spec runs this Worker with the real target beside it, so it stays green (top level
  // only: specs run the top-level config).
  if (options.type === 'service' && !options.env) {
    const target = findServiceProject(tree, options.service!);
    if (target) addServiceStandIn(tree, project.root, options.binding, relative(project.root, target[1].root));
  }
  return () => updateEnvTypes(tree.root, options.project, project.root, Object.fromEntries(getProjects(tree)));
}

/** How the generator asks for what is missing: Nx's prompts, when Nx would prompt at all. */
export interface Questions {
  canAsk(): boolean;
  chooseOne(message: string, choices: Choice[], initial?: string): Promise<string>;
  askText(message: string, options?: { initial?: string; validate?: (value: string) => string | undefined }): Promise<string>;
}

const nxQuestions: Questions = { canAsk: () => canPrompt(), chooseOne, askText };

export const BINDING_TYPES: { value: BindingType; label: string; defaultName: string }[] = GENERATED_KINDS.map((k) => ({
  value: k.generator.type as BindingType,
  label: k.generator.label,
  defaultName: k.generator.defaultName,
}));

/** Projects that are Workers (have a wrangler config): the only ones that take or answer bindings. */
export function workerProjectNames(tree: Tree): string[] {
  return [...getProjects(tree)].filter(([, p]) => configFileOf(tree, p)).map(([name]) => name).sort();
}

/** The Worker project a service binding names: by project name, else by its wrangler `name`. */
function findServiceProject(tree: Tree, service: string): [string, ProjectConfiguration] | undefined {
  const projects = getProjects(tree);
  const byName = projects.get(service);
  if (byName && workerNameOf(tree, service, byName)) return [service, byName];
  return [...projects].find(([name, p]) => workerNameOf(tree, name, p) === service);
}

/**
 * Options in the order a person thinks of them (which Worker, what kind, which target, what name),
 * asking for what is missing when Nx may prompt and naming the valid answers when it may not. Only
 * Workers are offered where a Worker is needed, which Nx's schema prompts cannot do.
 */
export async function completeOptions(tree: Tree, schema: Partial<BindingGeneratorSchema>, questions: Questions): Promise<BindingGeneratorSchema> {
  const options = { ...schema };
  const workers = workerProjectNames(tree);
  const ask = questions.canAsk();
  const list = (names: string[]) => names.join(', ') || '(none yet: nx g @aero/nx-edge:function <name>)';
  if (!options.project) {
    if (!ask || workers.length === 0) throw new UserError(`--project is required: the Worker to add the binding to. Workers in this workspace: ${list(workers)}.`);
    options.project = await questions.chooseOne('Which Worker should get the binding?', workers.map((value) => ({ value })));
  }
  if (!workers.includes(options.project)) {
    const exists = getProjects(tree).has(options.project);
    throw new UserError(
      `${exists ? `"${options.project}" is not a Worker (it has no wrangler config); only Workers take bindings.` : `Project "${options.project}" does not exist.`} Workers in this workspace: ${list(workers)}.`,
    );
  }
  if (!options.type) {
    if (!ask) throw new UserError(`--type is required: ${BINDING_TYPES.map((t) => `${t.value} (${t.label})`).join(', ')}.`);
    options.type = (await questions.chooseOne('Which kind of binding?', BINDING_TYPES.map(({ value, label }) => ({ value, label })))) as BindingType;
  }
  if (!BINDING_TYPES.some((t) => t.value === options.type)) {
    throw new UserError(`--type=${String(options.type)} is not a binding type. Use one of: ${BINDING_TYPES.map((t) => t.value).join(', ')}.`);
  }
  let defaultName = BINDING_TYPES.find((t) => t.value === options.type)!.defaultName;
  if (options.type === 'service') {
    const others = workers.filter((w) => w !== options.project);
    if (!options.service) {
      if (!ask || others.length === 0) throw new UserError(`--type=service needs --service=<worker>, the Worker to bind to. Other Workers in this workspace: ${list(others)}.`);
      options.service = await questions.chooseOne(`Which Worker should ${options.project} call?`, others.map((value) => ({ value })));
    }
    defaultName = names(options.service).constantName;
  }
  if (needsClass(options.type)) {
    const what = options.type === 'do' ? 'Durable Object' : 'Workflow';
    if (!options.className) {
      if (!ask) throw new UserError(`--type=${options.type} needs --className=<${what.replace(' ', '')}Class>, the class exported by the Worker that hosts it (this one unless --scriptName names another).`);
      options.className = await questions.askText(`${what} class name (exported by the Worker that hosts it)?`, {
        validate: (value) => (/^[A-Za-z_$][\w$]*$/.test(value) ? undefined : 'A JavaScript class name, e.g. Counter'),
      });
    }
    defaultName = names(options.className).constantName;
  }
  if (!options.binding) {
    if (!ask) throw new UserError(`--binding is required: the name the Worker sees on env, e.g. --binding=${defaultName}.`);
    options.binding = await questions.askText('Binding name (as seen on env)?', {
      initial: defaultName,
      validate: (value) => (isValidBindingName(value) ? undefined : 'Letters, digits and _, not starting with a digit, not __proto__/constructor/prototype (e.g. USERS)'),
    });
  }
  if (!isValidBindingName(options.binding)) {
    throw new UserError(
      RESERVED_BINDING_NAMES.has(options.binding)
        ? `--binding=${options.binding} is reserved: as a key of env it would change the object itself, not add a binding. Pick another name (e.g. ${defaultName}).`
        : `--binding=${options.binding} is not a valid binding name: use letters, digits and _, not starting with a digit (e.g. ${defaultName}).`,
    );
  }
  return options as BindingGeneratorSchema;
}

const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names that, as a key of env or of a parsed config object, change the object itself instead of adding a binding. */
const RESERVED_BINDING_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** A binding name is a JavaScript identifier (env.NAME) that is not one of the object-shaping names. */
export function isValidBindingName(name: string): boolean {
  return BINDING_NAME.test(name) && !RESERVED_BINDING_NAMES.has(name);
}

export default bindingGenerator;
