import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NON_INHERITABLE_BINDING_KEYS, resolveEnvironment, type WorkerConfig, type WranglerConfig } from '../config/wrangler-config';
import { BINDING_KINDS, bindingKind } from '../config/bindings';
import { devVarsKeys } from '../local/dev-vars';
import { UserError } from '../utils/user-error';

export interface BindingProblem {
  /** e.g. "kv_namespaces" */
  key: string;
  /** The binding name (or var name) concerned. */
  binding: string;
  message: string;
}

/** The names a section declares under one key: vars and define by key, bindings as their kind says. */
function bindingNames(section: WorkerConfig, key: string): string[] {
  const value = section[key];
  if (key === 'vars' || key === 'define') return value && typeof value === 'object' ? Object.keys(value) : [];
  const kind = bindingKind(key);
  if (kind) return kind.names(section);
  if (Array.isArray(value)) return (value as { binding?: string; name?: string }[]).map((b) => b?.binding ?? b?.name ?? '').filter(Boolean);
  if (value && typeof value === 'object') return [(value as { binding?: string }).binding ?? key];
  return [];
}

const sectionLabel = (env?: string) => (env ? `[env.${env}]` : 'the top level');

/**
 * What would make `wrangler deploy --env <env>` ship a Worker with bindings that are missing or
 * point nowhere: a binding declared at the top level but not repeated in the env (wrangler does not
 * inherit bindings or vars), and a KV/D1/R2/Hyperdrive binding without its id.
 */
export function findBindingProblems(config: WranglerConfig, env: string | undefined): BindingProblem[] {
  return [...missingInEnv(config, env), ...missingIds(config, env)];
}

/** Bindings and vars the top level declares and the env does not repeat (wrangler does not inherit them). */
export function missingInEnv(config: WranglerConfig, env: string | undefined): BindingProblem[] {
  const problems: BindingProblem[] = [];
  const resolved = resolveEnvironment(config, env);
  if (env) {
    const { env: _envs, ...top } = config;
    for (const key of NON_INHERITABLE_BINDING_KEYS) {
      const topNames = bindingNames(top, key);
      if (topNames.length === 0) continue;
      const envNames = new Set(bindingNames(resolved, key));
      for (const name of topNames) {
        if (envNames.has(name)) continue;
        const kind = key === 'vars' ? 'var' : key === 'define' ? 'define' : `${key} binding`;
        problems.push({
          key,
          binding: name,
          message: `${kind} "${name}" is declared at the top level but not in [env.${env}] — wrangler does not inherit ${key} into environments, so the ${env} Worker would have no ${name}. Add it under env.${env}.${key}${key === 'vars' ? '' : ' with the ' + env + ' resource'}.`,
        });
      }
    }
  }
  return problems;
}

/** Bindings a deploy cannot ship as they are: KV/D1/R2/Hyperdrive/Vectorize/Workflow without their id or name, queue producers without a queue. */
function missingIds(config: WranglerConfig, env: string | undefined): BindingProblem[] {
  const resolved = resolveEnvironment(config, env);
  return BINDING_KINDS.flatMap((kind) =>
    (kind.incomplete?.(resolved) ?? []).map(({ binding, missing, field }) => ({
      key: kind.key,
      binding,
      message: field
        ? `${kind.key} binding "${binding}" in ${sectionLabel(env)} has no ${missing}. Set "${field}"${env ? ` under env.${env}.${kind.key}` : ''}, or create it with the provision target.`
        : `queue producer "${binding}" in ${sectionLabel(env)} names no queue. Set "queue".`,
    })),
  );
}

/** Throws one UserError naming the env, every problem binding and the file, before anything is uploaded. */
export function assertDeployableBindings(config: WranglerConfig, env: string | undefined, file: string): void {
  const problems = findBindingProblems(config, env);
  if (problems.length === 0) return;
  throw new UserError(
    `${file}: cannot deploy ${env ? `env "${env}"` : 'the top level'} — ${problems.length} binding problem${problems.length > 1 ? 's' : ''}, nothing was uploaded:\n${problems
      .map((p) => `  - ${p.message}`)
      .join('\n')}`,
  );
}



/**
 * Secrets a Worker needs: the keys of `.dev.vars.example` in its folder (the onboarding template,
 * committed without values) plus the `requiredSecrets` option.
 */
export function requiredSecretNames(projectDir: string, option: string[] = []): string[] {
  const names = [...option];
  const example = join(projectDir, '.dev.vars.example');
  if (existsSync(example)) for (const key of devVarsKeys(readFileSync(example, 'utf8'))) if (!names.includes(key)) names.push(key);
  return names;
}

export function assertRequiredSecrets(required: string[], present: string[], context: { worker: string; env?: string; project: string }): void {
  const missing = required.filter((name) => !present.includes(name));
  if (missing.length === 0) return;
  const target = context.env ? `${context.project}:secrets --configuration=${context.env}` : `${context.project}:secrets`;
  const many = missing.length > 1;
  throw new UserError(
    `${context.worker}${context.env ? ` (env ${context.env})` : ''} is missing required secret${many ? 's' : ''} ${missing.join(', ')} — nothing was uploaded. ` +
      `Set ${many ? 'each' : 'it'} with: printf %s "$VALUE" | nx run ${target} set ${missing[0]}` +
      (many ? `, or put them in .dev.vars.${context.env ?? '<env>'} next to the wrangler config and run: nx run ${target} push` : '') +
      '.',
  );
}
