import { getProjects, logger, type Tree } from '@nx/devkit';
import { stringify as stringifyToml } from 'smol-toml';
import { appendConfigArrayItem, setJsoncValue } from '../../config/edit-config';
import { deployedWorkerName, envResourceName } from '../../config/env-names';
import { configFormatOf, parseWranglerConfig, WRANGLER_CONFIG_FILES, type WranglerConfig } from '../../config/wrangler-config';
import { UserError } from '../../utils/user-error';
import { withEnvironments } from '../function/function';
import type { EnvGeneratorSchema } from './schema';

interface WorkerFile {
  project: string;
  file: string;
  text: string;
  config: WranglerConfig;
}

function workerFiles(tree: Tree): WorkerFile[] {
  const out: WorkerFile[] = [];
  for (const [project, p] of getProjects(tree)) {
    const file = WRANGLER_CONFIG_FILES.map((f) => `${p.root}/${f}`).find((f) => tree.exists(f));
    if (!file) continue;
    const text = tree.read(file, 'utf-8') ?? '';
    out.push({ project, file, text, config: parseWranglerConfig(text, file) });
  }
  return out;
}

type Item = Record<string, unknown>;
const list = (value: unknown): Item[] => (Array.isArray(value) ? (value as Item[]) : []);

/**
 * The env's copy of one Worker's bindings: each resource under that env's name (`api-db` → `api-db-staging`;
 * ids dropped, provision creates them), each service and Durable Object script bound to its target's deployed
 * name in that env. Anything it cannot carry safely is returned in `skipped`, with why.
 */
export function envBindings(
  config: WranglerConfig,
  env: string,
  targetName: (worker: string) => string | undefined,
): { lists: { path: string[]; items: Item[] }[]; objects: Record<string, unknown>; skipped: string[] } {
  const name = (n: unknown) => envResourceName(String(n), env);
  const raw = config as Record<string, unknown>;
  const skipped: string[] = [];
  const service = (worker: string, what: string) => {
    const target = targetName(worker);
    if (!target) throw new UserError(`${what} names the Worker "${worker}", which gets no [env.${env}] here (not in this workspace, or not given the env): add the env to it too (--projects), or bind by hand.`);
    return target;
  };
  const lists = [
    { path: ['kv_namespaces'], items: list(raw.kv_namespaces).map(({ binding }) => ({ binding })) },
    { path: ['d1_databases'], items: list(raw.d1_databases).map(({ binding, database_name, migrations_dir }) => ({ binding, database_name: name(database_name), ...(migrations_dir ? { migrations_dir } : {}) })) },
    { path: ['r2_buckets'], items: list(raw.r2_buckets).map(({ binding, bucket_name }) => ({ binding, bucket_name: name(bucket_name) })) },
    { path: ['queues', 'producers'], items: list((raw.queues as Item | undefined)?.producers).map(({ binding, queue }) => ({ binding, queue: name(queue) })) },
    { path: ['queues', 'consumers'], items: list((raw.queues as Item | undefined)?.consumers).map((c) => ({ ...c, queue: name(c.queue) })) },
    { path: ['services'], items: list(raw.services).map((s) => ({ ...s, service: service(String(s.service), `services binding ${String(s.binding)}`) })) },
    {
      path: ['durable_objects', 'bindings'],
      items: list((raw.durable_objects as Item | undefined)?.bindings).map((d) => ({ ...d, ...(typeof d.script_name === 'string' && d.script_name ? { script_name: service(d.script_name, `Durable Object ${typeof d.name === 'string' ? d.name : '?'}`) } : {}) })),
    },
    { path: ['vectorize'], items: list(raw.vectorize).map(({ binding, index_name }) => ({ binding, index_name: name(index_name) })) },
  ].filter((l) => l.items.length > 0);
  for (const h of list(raw.hyperdrive)) skipped.push(`hyperdrive ${String(h.binding)} (a Hyperdrive config is per database: create one for ${env} and bind it with its own id)`);
  const objects: Record<string, unknown> = {};
  for (const key of ['ai', 'browser', 'images', 'version_metadata']) if (raw[key] !== undefined) objects[key] = raw[key];
  return { lists, objects, skipped };
}

/** `nx g @aero/nx-edge:env staging [--projects=a,b]`: an environment for existing Workers. */
export async function envGenerator(tree: Tree, options: EnvGeneratorSchema): Promise<void> {
  const env = options.name;
  if (!/^[a-z][a-z0-9-]*$/.test(env ?? '')) throw new UserError(`"${env}" is not a valid environment name: use lowercase letters, digits and dashes (e.g. staging).`);
  const workers = workerFiles(tree);
  const asked = options.projects ? options.projects.split(',').map((p) => p.trim()).filter(Boolean) : workers.map((w) => w.project);
  const unknown = asked.filter((p) => !workers.some((w) => w.project === p));
  if (unknown.length) throw new UserError(`--projects: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a Worker' : 'are not Workers'} of this workspace. Workers: ${workers.map((w) => w.project).join(', ') || '(none)'}.`);
  const chosen = workers.filter((w) => asked.includes(w.project));
  // A Worker's deployed name in the env: its own env name when it has the env already, wrangler's `<name>-<env>` when it gets it now.
  const targetName = (worker: string) => {
    const target = workers.find((w) => (w.config.name ?? w.project) === worker || w.project === worker);
    if (!target) return undefined;
    if (target.config.env?.[env]) return deployedWorkerName(target.config, env);
    return chosen.includes(target) ? `${target.config.name ?? target.project}-${env}` : undefined;
  };
  const writes: { file: string; text: string }[] = [];
  for (const w of chosen) {
    if (w.config.env?.[env]) {
      logger.info(`nx-edge: ${w.file} has [env.${env}] already: left as it is`);
      continue;
    }
    const format = configFormatOf(w.file);
    const workerName = w.config.name ?? w.project;
    const { lists, objects, skipped } = envBindings(w.config, env, targetName);
    let text = withEnvironments(w.text, format === 'toml' ? 'toml' : 'jsonc', [env], workerName);
    const vars = (w.config as Record<string, unknown>).vars as Record<string, unknown> | undefined;
    if (format === 'toml') {
      // withEnvironments ended the file with [env.<env>.vars]: its keys follow it.
      if (vars && Object.keys(vars).length) text = `${text}${stringifyToml(vars).trimEnd()}\n`;
      for (const [key, value] of Object.entries(objects)) text = `${text}\n[env.${env}.${key}]\n${stringifyToml(value).trimEnd()}\n`;
    } else {
      if (vars && Object.keys(vars).length) text = setJsoncValue(text, ['env', env, 'vars'], vars);
      for (const [key, value] of Object.entries(objects)) text = setJsoncValue(text, ['env', env, key], value);
    }
    for (const { path, items } of lists) for (const item of items) text = appendConfigArrayItem(text, format, ['env', env, ...path], item, w.file);
    // Proof that nothing else moved: the top level parses to what it was.
    const after = parseWranglerConfig(text, w.file) as Record<string, unknown>;
    const { env: _before, ...topBefore } = w.config as Record<string, unknown>;
    const { env: envAfter, ...topAfter } = after;
    if (JSON.stringify(topBefore) !== JSON.stringify(topAfter) || !(envAfter as Record<string, unknown> | undefined)?.[env]) {
      throw new UserError(`${w.file}: could not add [env.${env}] without changing the rest of the file; add it by hand.`);
    }
    writes.push({ file: w.file, text });
    const carried = lists.reduce((n, l) => n + l.items.length, 0);
    logger.info(`nx-edge: ${w.file}: [env.${env}] added — deploys as ${workerName}-${env}; ${carried} binding${carried === 1 ? '' : 's'} under ${env} names${vars ? ', vars repeated' : ''}; nx run ${w.project}:provision -c ${env} creates its resources`);
    for (const s of skipped) logger.warn(`nx-edge: ${w.file}: [env.${env}] has no ${s}`);
  }
  // Every Worker checked before any file is written: all or nothing.
  for (const { file, text } of writes) tree.write(file, text);
}

export default envGenerator;
