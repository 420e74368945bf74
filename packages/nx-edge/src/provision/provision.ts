import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { removeConfigValue, setConfigValue } from '../config/edit-config';
import { assertEnvIsolated } from '../config/env-isolation';
import { configFormatOf, environmentNames, parseWranglerConfig, resolveEnvironment, type WorkerConfig, type WranglerConfig } from '../config/wrangler-config';
import { servesTraffic, type DeploymentRecord } from '../deploy/deploy-history';
import { configArgs } from '../wrangler/wrangler-args';
import { stripAnsi, wranglerErrorSummary, wranglerOk, type RunWrangler } from '../wrangler/wrangler-cli';
import { jsonFromOutput } from '../wrangler/wrangler-output';
import { BINDING_KINDS, type BindingKind, type PlannedResource, type ProvisionContext } from '../config/bindings';
import { UserError } from '../utils/user-error';

export type { PlannedResource };

/** The kinds provision creates: those of the binding catalogue that say how. */
const PROVISIONED = BINDING_KINDS.filter((k): k is BindingKind & { provision: NonNullable<BindingKind['provision']> } => !!k.provision);
const kindOf = (key: string) => PROVISIONED.find((k) => k.key === key)!.provision;

export interface ProvisionPlan {
  worker: string;
  env?: string;
  configFile: string;
  resources: PlannedResource[];
}

export interface ProvisionDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
}

const showPath = (path: (string | number)[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('');

/** How a binding kind reads the account for one env of one config, through wrangler. */
function provisionContext(configFile: string, config: WranglerConfig, env: string | undefined, deps: ProvisionDeps): ProvisionContext {
  const cwd = dirname(configFile);
  const common = configArgs(configFile, environmentNames(config).length > 0, env);
  return {
    worker: resolveEnvironment(config, env).name ?? 'worker',
    path: (key, index, field) => (env ? ['env', env, key, index, field] : [key, index, field]),
    at: (...path) => (env ? ['env', env, ...path] : path),
    wrangler: (args, what) => wranglerOk(deps.runWrangler, [...args, ...common], cwd, what),
    async found(args, notFound, what) {
      const result = await deps.runWrangler([...args, ...common], { cwd });
      if (result.code === 0) return true;
      if (notFound.test(stripAnsi(result.stderr + result.stdout))) return false;
      throw new UserError(`${what} failed: ${wranglerErrorSummary(result)}`);
    },
    json: jsonFromOutput,
  };
}

/** What `provision` would do for one env: compares the config with the account, changes nothing. */
export async function planProvision(configFile: string, env: string | undefined, deps: ProvisionDeps, workspaceRoot: string): Promise<ProvisionPlan> {
  const text = readFileSync(configFile, 'utf8');
  const config = parseWranglerConfig(text, relative(workspaceRoot, configFile));
  // Creating staging's resources under production's names would hand staging production's data.
  assertEnvIsolated(config, env, relative(workspaceRoot, configFile), text, [], 'provision');
  const resolved = resolveEnvironment(config, env);
  const worker = resolved.name ?? 'worker';
  const ctx = provisionContext(configFile, config, env, deps);
  const resources: PlannedResource[] = [];
  for (const kind of PROVISIONED) resources.push(...(await kind.provision.plan(resolved, ctx)));
  return { worker, env, configFile, resources };
}

export function formatPlan(plan: ProvisionPlan, workspaceRoot: string): string[] {
  const lines = [`${plan.worker}${plan.env ? ` (env ${plan.env})` : ''} — ${relative(workspaceRoot, plan.configFile)}`];
  if (plan.resources.length === 0) lines.push('  no KV namespaces, D1 databases, R2 buckets or queues in this env.');
  for (const r of plan.resources) {
    const label = `${kindOf(r.kind).resource} ${r.name}${r.binding ? ` (binding ${r.binding})` : ''}`;
    const writes = r.writes.map((w) => showPath(w.path)).join(', ');
    switch (r.action) {
      case 'exists':
        lines.push(`  exists        ${label}${r.id ? ` ${r.id}` : ''}`);
        break;
      case 'create':
        lines.push(`  create        ${label}${writes ? `; writes ${writes}` : ''}`);
        break;
      case 'write':
        lines.push(`  would change  ${label} exists${r.id ? ` as ${r.id}` : ''}; writes ${writes}`);
        break;
      case 'unknown-id':
        lines.push(`  unknown id    ${label}: ${r.id} is not in this account — fix the id by hand or remove it to have one created`);
        break;
    }
  }
  return lines;
}

/** Creates what the plan says is missing (with wrangler) and writes ids back, keeping comments. */
export async function applyProvision(plan: ProvisionPlan, deps: ProvisionDeps, workspaceRoot: string): Promise<{ created: number; written: number }> {
  const text = readFileSync(plan.configFile, 'utf8');
  const config = parseWranglerConfig(text, plan.configFile);
  // The config only supplies the account: with --env, `kv namespace create` would prefix the title with the env name.
  const common = configArgs(plan.configFile, environmentNames(config).length > 0, undefined);
  const cwd = dirname(plan.configFile);
  let created = 0;
  for (const r of plan.resources.filter((x) => x.action === 'create')) {
    const create = kindOf(r.kind).createArgs(r.name);
    await wranglerOk(deps.runWrangler, [...create, ...common], cwd, `wrangler ${create.slice(0, -1).join(' ')} ${r.name}`);
    created++;
    deps.log(`  created ${kindOf(r.kind).resource} ${r.name}`);
  }
  // Ids of what was just created, read back from the account rather than from wrangler's text.
  const needIds = plan.resources.filter((r) => r.action === 'create' && kindOf(r.kind).idAfterCreate);
  if (needIds.length) {
    const fresh = await planProvision(plan.configFile, plan.env, deps, workspaceRoot);
    for (const r of needIds) {
      const match = fresh.resources.find((f) => f.kind === r.kind && f.name === r.name);
      if (!match?.id) throw new UserError(`created ${kindOf(r.kind).resource} ${r.name} but cannot find its id in the account; add it to ${relative(workspaceRoot, plan.configFile)} by hand.`);
      r.id = match.id;
      r.writes = r.writes.map((w) => (w.value === '' ? { ...w, value: match.id! } : w));
    }
  }
  let next = text;
  let written = 0;
  const format = configFormatOf(plan.configFile);
  for (const r of plan.resources) {
    for (const w of r.writes) {
      const value = w.value || r.id;
      if (!value) continue;
      next = setConfigValue(next, format, w.path, value, relative(workspaceRoot, plan.configFile));
      written++;
    }
  }
  if (next !== text) {
    parseWranglerConfig(next, plan.configFile); // never leave a broken config behind
    writeFileSync(plan.configFile, next);
    deps.log(`  wrote ${written} value${written > 1 ? 's' : ''} into ${relative(workspaceRoot, plan.configFile)}`);
  }
  return { created, written };
}

/** A Worker of the workspace in one env (top level: env ""), with what it binds and whether it is deployed. */
export interface BoundElsewhere {
  project: string;
  worker: string;
  env: string;
  /** Its last deployment nx-edge recorded, when one left a version live. */
  deployedAt?: string;
}

/** The account resources a config section binds, as `kind:id` and `kind:name` keys. */
function boundKeys(section: WorkerConfig): Set<string> {
  const keys = new Set<string>();
  for (const kv of (section.kv_namespaces ?? []) as { id?: string }[]) if (kv.id) keys.add(`kv_namespaces:${kv.id}`);
  for (const db of (section.d1_databases ?? []) as { database_id?: string; database_name?: string }[]) {
    if (db.database_id) keys.add(`d1_databases:${db.database_id}`);
    if (db.database_name) keys.add(`d1_databases:${db.database_name}`);
  }
  for (const bucket of (section.r2_buckets ?? []) as { bucket_name?: string }[]) if (bucket.bucket_name) keys.add(`r2_buckets:${bucket.bucket_name}`);
  for (const q of [...(section.queues?.producers ?? []), ...(section.queues?.consumers ?? [])] as { queue?: string }[]) if (q.queue) keys.add(`queues:${q.queue}`);
  return keys;
}

const resourceKeys = (r: PlannedResource) => [`${r.kind}:${r.name}`, ...(r.id ? [`${r.kind}:${r.id}`] : [])];

/**
 * Which of the plan's resources another Worker of the workspace (or another env of this one) binds and
 * has deployed (a live version in .nx-edge/deployments.jsonl): destroying those would break it.
 */
export function boundByDeployedWorkers(
  plan: ProvisionPlan,
  project: string,
  workers: { project: string; config: WranglerConfig }[],
  records: DeploymentRecord[],
): { resource: PlannedResource; by: BoundElsewhere[] }[] {
  const users: (BoundElsewhere & { keys: Set<string> })[] = [];
  for (const w of workers) {
    for (const env of ['', ...environmentNames(w.config)]) {
      if (w.project === project && env === (plan.env ?? '')) continue;
      let section: WorkerConfig;
      try {
        section = resolveEnvironment(w.config, env || undefined);
      } catch {
        continue;
      }
      const worker = section.name ?? w.project;
      const live = records.filter((r) => r.worker === worker && r.env === env && (servesTraffic(r) || r.live === 'new' || r.live === 'previous')).at(-1);
      if (live) users.push({ project: w.project, worker, env, deployedAt: live.time, keys: boundKeys(section) });
    }
  }
  return plan.resources
    .map((resource) => ({ resource, by: users.filter((u) => resourceKeys(resource).some((k) => u.keys.has(k))).map(({ keys: _keys, ...u }) => u) }))
    .filter((x) => x.by.length > 0);
}

/** What destroy deletes: the env's resources that are in the account, the last created first. */
export function destroyList(plan: ProvisionPlan): PlannedResource[] {
  const order = PROVISIONED.map((k) => k.key);
  return plan.resources.filter((r) => r.action === 'exists' || (r.action === 'write' && r.id)).sort((a, b) => order.indexOf(b.kind) - order.indexOf(a.kind));
}

export function formatDestroy(plan: ProvisionPlan, resources: PlannedResource[], workspaceRoot: string): string[] {
  const lines = [`${plan.worker}${plan.env ? ` (env ${plan.env})` : ''} — ${relative(workspaceRoot, plan.configFile)}`];
  if (resources.length === 0) lines.push('  nothing of this env is in the account: nothing to destroy.');
  for (const r of resources) lines.push(`  destroy       ${kindOf(r.kind).resource} ${r.name}${r.binding ? ` (binding ${r.binding})` : ''}${r.id && r.id !== r.name ? ` ${r.id}` : ''}`);
  return lines;
}

/** Deletes each resource with wrangler (stopping at the first failure, which it names) and removes their ids from the config. */
export async function applyDestroy(plan: ProvisionPlan, resources: PlannedResource[], deps: ProvisionDeps, workspaceRoot: string): Promise<{ deleted: number; removed: number }> {
  const text = readFileSync(plan.configFile, 'utf8');
  const config = parseWranglerConfig(text, plan.configFile);
  const common = configArgs(plan.configFile, environmentNames(config).length > 0, undefined);
  const cwd = dirname(plan.configFile);
  const file = relative(workspaceRoot, plan.configFile);
  let deleted = 0;
  let next = text;
  let removed = 0;
  try {
    for (const r of resources) {
      const args = kindOf(r.kind).deleteArgs(r);
      await wranglerOk(deps.runWrangler, [...args, ...common], cwd, `wrangler ${args.filter((a) => !a.startsWith('-')).slice(0, 3).join(' ')} ${r.name}`);
      deleted++;
      deps.log(`  destroyed ${kindOf(r.kind).resource} ${r.name}`);
      // Its id now names nothing: the next provision creates it again.
      if (r.idPath) {
        next = removeConfigValue(next, configFormatOf(plan.configFile), r.idPath, file);
        removed++;
      }
    }
  } finally {
    // What was deleted is written even when a later deletion failed.
    if (next !== text) {
      parseWranglerConfig(next, plan.configFile);
      writeFileSync(plan.configFile, next);
      deps.log(`  removed ${removed} id${removed === 1 ? '' : 's'} from ${file}`);
    }
  }
  return { deleted, removed };
}

/** `BINDING=name-or-id` pairs of --import. */
export function parseImports(value: string | string[] | undefined): { binding: string; value: string }[] {
  const items = (Array.isArray(value) ? value : value ? [value] : []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(item);
    if (!m) throw new UserError(`--import ${item}: expected BINDING=<name or id>, e.g. --import CACHE=legacy-cache.`);
    return { binding: m[1], value: m[2] };
  });
}

/** Points each binding at an existing account resource (found by name or id) and writes it into the config, comments kept. */
export async function applyImports(configFile: string, env: string | undefined, imports: { binding: string; value: string }[], deps: ProvisionDeps, workspaceRoot: string, dryRun = false): Promise<number> {
  const text = readFileSync(configFile, 'utf8');
  const file = relative(workspaceRoot, configFile);
  const config = parseWranglerConfig(text, file);
  const section = resolveEnvironment(config, env);
  const ctx = provisionContext(configFile, config, env, deps);
  let next = text;
  let written = 0;
  for (const { binding, value } of imports) {
    const kinds = PROVISIONED.filter((k) => k.provision.importWrites(section, binding, { name: value }, ctx) !== undefined);
    if (kinds.length === 0) {
      throw new UserError(`${file}: ${env ? `[env.${env}]` : 'the top level'} has no KV, D1, R2 or queue producer binding ${binding}; add it first (nx g @aero/nx-edge:binding), then import.`);
    }
    const kind = kinds[0].provision;
    const found = await kind.find(value, ctx);
    if (!found) throw new UserError(`no ${kind.resource} named or with id "${value}" in this account; nothing was written. List them with wrangler (e.g. npx wrangler ${kind.createArgs('x').slice(0, -2).join(' ')} list).`);
    for (const w of kind.importWrites(section, binding, found, ctx)!) {
      next = setConfigValue(next, configFormatOf(configFile), w.path, w.value, file);
      written++;
    }
    deps.log(`  ${dryRun ? 'would import' : 'imported'} ${kind.resource} ${found.name}${found.id && found.id !== found.name ? ` (${found.id})` : ''} as ${binding}`);
  }
  // Pointing staging at production's resource would hand staging production's data.
  assertEnvIsolated(parseWranglerConfig(next, file), env, file, next, [], 'import');
  if (next !== text && !dryRun) writeFileSync(configFile, next);
  return written;
}
