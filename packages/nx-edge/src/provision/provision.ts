import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { setConfigValue } from '../config/edit-config';
import { assertEnvIsolated } from '../config/env-isolation';
import { configFormatOf, environmentNames, parseWranglerConfig, resolveEnvironment } from '../config/wrangler-config';
import { envArgs } from '../deploy/wrangler-args';
import { stripAnsi, wranglerErrorSummary, type RunWrangler } from '../deploy/wrangler-cli';
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

/** What `provision` would do for one env: compares the config with the account, changes nothing. */
export async function planProvision(configFile: string, env: string | undefined, deps: ProvisionDeps, workspaceRoot: string): Promise<ProvisionPlan> {
  const text = readFileSync(configFile, 'utf8');
  const config = parseWranglerConfig(text, relative(workspaceRoot, configFile));
  // Creating staging's resources under production's names would hand staging production's data.
  assertEnvIsolated(config, env, relative(workspaceRoot, configFile), text, [], 'provision');
  const resolved = resolveEnvironment(config, env);
  const worker = resolved.name ?? 'worker';
  const cwd = dirname(configFile);
  const common = ['--config', configFile, ...envArgs(env, environmentNames(config).length > 0)];
  const ctx: ProvisionContext = {
    worker,
    path: (key, index, field) => (env ? ['env', env, key, index, field] : [key, index, field]),
    wrangler: (args, what) => wranglerOk(deps, [...args, ...common], cwd, what),
    async found(args, notFound, what) {
      const result = await deps.runWrangler([...args, ...common], { cwd });
      if (result.code === 0) return true;
      if (notFound.test(stripAnsi(result.stderr + result.stdout))) return false;
      throw new UserError(`${what} failed: ${wranglerErrorSummary(result)}`);
    },
    json: parseJsonOutput,
  };
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
  const common = ['--config', plan.configFile, ...envArgs(undefined, environmentNames(config).length > 0)];
  const cwd = dirname(plan.configFile);
  let created = 0;
  for (const r of plan.resources.filter((x) => x.action === 'create')) {
    const create = kindOf(r.kind).createArgs(r.name);
    await wranglerOk(deps, [...create, ...common], cwd, `wrangler ${create.slice(0, -1).join(' ')} ${r.name}`);
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
