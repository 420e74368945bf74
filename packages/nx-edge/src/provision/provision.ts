import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { setConfigValue } from '../config/edit-config';
import { assertEnvIsolated } from '../config/env-isolation';
import { configFormatOf, environmentNames, parseWranglerConfig, resolveEnvironment, type WranglerConfig } from '../config/wrangler-config';
import { envArgs } from '../deploy/wrangler-args';
import { stripAnsi, wranglerErrorSummary, type RunWrangler } from '../deploy/wrangler-cli';
import { UserError } from '../utils/user-error';

export type ResourceKind = 'kv' | 'd1' | 'r2' | 'queue';

const KIND_LABEL: Record<ResourceKind, string> = { kv: 'KV namespace', d1: 'D1 database', r2: 'R2 bucket', queue: 'queue' };

export interface PlannedResource {
  kind: ResourceKind;
  /** KV title, D1 database name, R2 bucket or queue name. */
  name: string;
  binding?: string;
  /** create: missing in the account; exists: nothing to do; write: exists but the config lacks its id; unknown-id: the config's id is not in the account. */
  action: 'create' | 'exists' | 'write' | 'unknown-id';
  id?: string;
  /** Config edits to make (path → value), e.g. env.staging.kv_namespaces[0].id. */
  writes: { path: (string | number)[]; value: string }[];
}

export interface ProvisionPlan {
  worker: string;
  env?: string;
  configFile: string;
  resources: PlannedResource[];
}

interface Account {
  kv: { id: string; title: string }[];
  d1: { uuid: string; name: string }[];
  r2: Set<string>;
  queues: Set<string>;
}

export interface ProvisionDeps {
  runWrangler: RunWrangler;
  log: (line: string) => void;
}

function sectionPath(env: string | undefined, key: string, index: number, field: string): (string | number)[] {
  return env ? ['env', env, key, index, field] : [key, index, field];
}

const showPath = (path: (string | number)[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${p}`)).join('');

function parseJsonOutput<T>(text: string, what: string): T {
  const start = text.search(/[[{]/);
  try {
    return JSON.parse(start >= 0 ? text.slice(start) : text) as T;
  } catch {
    throw new UserError(`could not read ${what} from wrangler's output.`);
  }
}

async function wranglerOk(deps: ProvisionDeps, args: string[], cwd: string, what: string): Promise<string> {
  const result = await deps.runWrangler(args, { cwd });
  if (result.code !== 0) throw new UserError(`${what} failed: ${wranglerErrorSummary(result)}`);
  return result.stdout;
}

/** Reads what the account has, through wrangler (so its login, account and API settings apply). */
async function readAccount(config: WranglerConfig, env: string | undefined, configFile: string, deps: ProvisionDeps, names: { r2: string[]; queues: string[] }): Promise<Account> {
  const cwd = dirname(configFile);
  const common = ['--config', configFile, ...envArgs(env, environmentNames(config).length > 0)];
  const kv = parseJsonOutput<{ id: string; title: string }[]>(await wranglerOk(deps, ['kv', 'namespace', 'list', ...common], cwd, 'wrangler kv namespace list'), 'the KV namespaces');
  const d1 = parseJsonOutput<{ uuid: string; name: string }[]>(await wranglerOk(deps, ['d1', 'list', '--json', ...common], cwd, 'wrangler d1 list'), 'the D1 databases');
  const r2 = new Set<string>();
  for (const bucket of names.r2) {
    const result = await deps.runWrangler(['r2', 'bucket', 'info', bucket, '--json', ...common], { cwd });
    if (result.code === 0) r2.add(bucket);
    else if (!/10006|does not exist/i.test(stripAnsi(result.stderr + result.stdout))) throw new UserError(`wrangler r2 bucket info ${bucket} failed: ${wranglerErrorSummary(result)}`);
  }
  const queues = new Set<string>();
  for (const queue of names.queues) {
    const result = await deps.runWrangler(['queues', 'info', queue, ...common], { cwd });
    if (result.code === 0) queues.add(queue);
    else if (!/does not exist/i.test(stripAnsi(result.stderr + result.stdout))) throw new UserError(`wrangler queues info ${queue} failed: ${wranglerErrorSummary(result)}`);
  }
  return { kv, d1, r2, queues };
}

/** What `provision` would do for one env: compares the config with the account, changes nothing. */
export async function planProvision(configFile: string, env: string | undefined, deps: ProvisionDeps, workspaceRoot: string): Promise<ProvisionPlan> {
  const text = readFileSync(configFile, 'utf8');
  const config = parseWranglerConfig(text, relative(workspaceRoot, configFile));
  // Creating staging's resources under production's names would hand staging production's data.
  assertEnvIsolated(config, env, relative(workspaceRoot, configFile), text, [], 'provision');
  const resolved = resolveEnvironment(config, env);
  const worker = resolved.name ?? 'worker';
  const r2Names = (resolved.r2_buckets ?? []).map((b) => b.bucket_name).filter((n): n is string => !!n);
  const queueNames = [...new Set([...(resolved.queues?.producers ?? []).map((p) => p.queue), ...(resolved.queues?.consumers ?? []).map((c) => c.queue)].filter(Boolean))];
  const account = await readAccount(config, env, configFile, deps, { r2: r2Names, queues: queueNames });
  const resources: PlannedResource[] = [];

  (resolved.kv_namespaces ?? []).forEach((kv, index) => {
    const title = `${worker}-${kv.binding}`;
    if (kv.id) {
      const known = account.kv.some((n) => n.id === kv.id);
      resources.push({ kind: 'kv', name: account.kv.find((n) => n.id === kv.id)?.title ?? kv.id, binding: kv.binding, action: known ? 'exists' : 'unknown-id', id: kv.id, writes: [] });
      return;
    }
    const existing = account.kv.find((n) => n.title === title);
    resources.push({
      kind: 'kv',
      name: title,
      binding: kv.binding,
      action: existing ? 'write' : 'create',
      id: existing?.id,
      writes: [{ path: sectionPath(env, 'kv_namespaces', index, 'id'), value: existing?.id ?? '' }],
    });
  });

  (resolved.d1_databases ?? []).forEach((db, index) => {
    const name = db.database_name ?? `${worker}-${db.binding.toLowerCase()}`;
    const writes: PlannedResource['writes'] = db.database_name ? [] : [{ path: sectionPath(env, 'd1_databases', index, 'database_name'), value: name }];
    if (db.database_id) {
      const known = account.d1.some((d) => d.uuid === db.database_id);
      resources.push({ kind: 'd1', name, binding: db.binding, action: known ? (writes.length ? 'write' : 'exists') : 'unknown-id', id: db.database_id, writes });
      return;
    }
    const existing = account.d1.find((d) => d.name === name);
    writes.push({ path: sectionPath(env, 'd1_databases', index, 'database_id'), value: existing?.uuid ?? '' });
    resources.push({ kind: 'd1', name, binding: db.binding, action: existing ? 'write' : 'create', id: existing?.uuid, writes });
  });

  for (const bucket of resolved.r2_buckets ?? []) {
    if (!bucket.bucket_name) continue; // the deploy check names it; there is no name to create
    resources.push({ kind: 'r2', name: bucket.bucket_name, binding: bucket.binding, action: account.r2.has(bucket.bucket_name) ? 'exists' : 'create', writes: [] });
  }
  for (const queue of queueNames) {
    resources.push({ kind: 'queue', name: queue, action: account.queues.has(queue) ? 'exists' : 'create', writes: [] });
  }
  return { worker, env, configFile, resources };
}

export function formatPlan(plan: ProvisionPlan, workspaceRoot: string): string[] {
  const lines = [`${plan.worker}${plan.env ? ` (env ${plan.env})` : ''} — ${relative(workspaceRoot, plan.configFile)}`];
  if (plan.resources.length === 0) lines.push('  no KV namespaces, D1 databases, R2 buckets or queues in this env.');
  for (const r of plan.resources) {
    const label = `${KIND_LABEL[r.kind]} ${r.name}${r.binding ? ` (binding ${r.binding})` : ''}`;
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
  const common = ['--config', plan.configFile, ...envArgs(undefined, environmentNames(config).length > 0)];
  const cwd = dirname(plan.configFile);
  let created = 0;
  for (const r of plan.resources.filter((x) => x.action === 'create')) {
    const create: Record<ResourceKind, string[]> = {
      kv: ['kv', 'namespace', 'create', r.name],
      d1: ['d1', 'create', r.name],
      r2: ['r2', 'bucket', 'create', r.name],
      queue: ['queues', 'create', r.name],
    };
    await wranglerOk(deps, [...create[r.kind], ...common], cwd, `wrangler ${create[r.kind].slice(0, -1).join(' ')} ${r.name}`);
    created++;
    deps.log(`  created ${KIND_LABEL[r.kind]} ${r.name}`);
  }
  // Ids of what was just created, read back from the account rather than from wrangler's text.
  const needIds = plan.resources.filter((r) => r.action === 'create' && (r.kind === 'kv' || r.kind === 'd1'));
  if (needIds.length) {
    const fresh = await planProvision(plan.configFile, plan.env, deps, workspaceRoot);
    for (const r of needIds) {
      const match = fresh.resources.find((f) => f.kind === r.kind && f.name === r.name);
      if (!match?.id) throw new UserError(`created ${KIND_LABEL[r.kind]} ${r.name} but cannot find its id in the account; add it to ${relative(workspaceRoot, plan.configFile)} by hand.`);
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
