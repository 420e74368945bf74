import { resolveEnvironment, type WranglerConfig } from './wrangler-config';

/**
 * The one place that knows what a Worker or a resource is called in an environment. wrangler deploys
 * `[env.<e>]` of Worker `api` as `api-<e>` unless the env sets its own `name`; nx-edge names an env's
 * own resources `<base>-<e>` (`api-db` → `api-db-staging`), so no env reaches another's data.
 */
export function deployedWorkerName(config: WranglerConfig, env?: string): string | undefined {
  if (env && !config.env?.[env]) return undefined;
  return resolveEnvironment(config, env).name;
}

/** Every name a Worker is deployed under: the top level's and each env's, by env ('' = top level). */
export function deployedWorkerNames(config: WranglerConfig): Map<string, string> {
  const names = new Map<string, string>();
  const top = deployedWorkerName(config);
  if (top) names.set(top, '');
  for (const env of Object.keys(config.env ?? {})) {
    const name = deployedWorkerName(config, env);
    if (name) names.set(name, env);
  }
  return names;
}

/** An env's own copy of a top-level resource name: `api-db` → `api-db-staging`. */
export function envResourceName(base: string, env?: string): string {
  if (!env) return base;
  return base.endsWith(`-${env}`) ? base : `${base}-${env}`;
}
