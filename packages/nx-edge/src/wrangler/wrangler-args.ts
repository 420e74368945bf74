/**
 * argv for the wrangler commands nx-edge runs. Pure functions: what a user would type, as an array
 * (no shell, so names with spaces or quotes need no escaping).
 */

/**
 * `--env <name>`; for the top level of a config that has [env.*] sections, `--env ""` (without it
 * wrangler warns that it picked the top level implicitly); nothing for a config without envs.
 */
export function envArgs(env: string | undefined, hasEnvironments: boolean): string[] {
  if (env) return ['--env', env];
  return hasEnvironments ? ['--env', ''] : [];
}

/** `--config <file>` and the env flags for commands that act on a config's resources in one env. */
export function configArgs(configFile: string, hasEnvironments: boolean, env: string | undefined): string[] {
  return ['--config', configFile, ...envArgs(env, hasEnvironments)];
}

export interface DeployArgsOptions {
  /** The config wrangler deploys: the build's dist/<root>/wrangler.json, or the source config. */
  configFile: string;
  hasEnvironments: boolean;
  dispatchNamespace?: string;
  message?: string;
  tag?: string;
  /** `wrangler deploy --dry-run --outdir <dir>`: bundle and size, upload nothing. */
  dryRunOutDir?: string;
}

export function buildDeployArgs(env: string | undefined, options: DeployArgsOptions): string[] {
  const args = ['deploy', '--config', options.configFile, ...envArgs(env, options.hasEnvironments)];
  if (options.dispatchNamespace) args.push('--dispatch-namespace', options.dispatchNamespace);
  if (options.message) args.push('--message', options.message);
  if (options.tag) args.push('--tag', options.tag);
  if (options.dryRunOutDir) args.push('--dry-run', '--outdir', options.dryRunOutDir);
  return args;
}

export function buildRollbackArgs(env: string | undefined, options: { configFile: string; hasEnvironments: boolean; versionId?: string; message: string }): string[] {
  return [
    'rollback',
    ...(options.versionId ? [options.versionId] : []),
    '--config',
    options.configFile,
    ...envArgs(env, options.hasEnvironments),
    '--message',
    options.message,
    '--yes',
  ];
}

export function buildDeploymentsListArgs(env: string | undefined, options: { configFile: string; hasEnvironments: boolean }): string[] {
  return ['deployments', 'list', '--config', options.configFile, ...envArgs(env, options.hasEnvironments), '--json'];
}

export interface SecretArgsOptions {
  configFile: string;
  hasEnvironments: boolean;
}

/** `wrangler secret put KEY`: the value goes to stdin, never here. */
export function buildSecretPutArgs(key: string, env: string | undefined, options: SecretArgsOptions): string[] {
  return ['secret', 'put', key, '--config', options.configFile, ...envArgs(env, options.hasEnvironments)];
}

export function buildSecretListArgs(env: string | undefined, options: SecretArgsOptions): string[] {
  return ['secret', 'list', '--config', options.configFile, ...envArgs(env, options.hasEnvironments), '--format', 'json'];
}

export function buildSecretDeleteArgs(key: string, env: string | undefined, options: SecretArgsOptions): string[] {
  return ['secret', 'delete', key, '--config', options.configFile, ...envArgs(env, options.hasEnvironments)];
}

/** `wrangler secret bulk` with no file argument reads a JSON object from stdin. */
export function buildSecretBulkArgs(env: string | undefined, options: SecretArgsOptions): string[] {
  return ['secret', 'bulk', '--config', options.configFile, ...envArgs(env, options.hasEnvironments)];
}

/** `wrangler versions upload`: a new version that serves no traffic yet (a gradual rollout's first step). */
export function buildVersionsUploadArgs(env: string | undefined, options: { configFile: string; hasEnvironments: boolean; message?: string }): string[] {
  return ['versions', 'upload', '--config', options.configFile, ...envArgs(env, options.hasEnvironments), ...(options.message ? ['--message', options.message] : [])];
}

/**
 * `wrangler versions deploy <id>@<pct>…`: the traffic split, for a Worker named by its config (deploy)
 * or by its deployed name (promote, rollback: no config needed).
 */
export function buildVersionsDeployArgs(
  split: { versionId: string; percentage: number }[],
  target: { configFile: string; hasEnvironments: boolean; env?: string } | { name: string },
  message: string,
): string[] {
  const where = 'name' in target ? ['--name', target.name] : ['--config', target.configFile, ...envArgs(target.env, target.hasEnvironments)];
  return ['versions', 'deploy', ...split.map((s) => `${s.versionId}@${s.percentage}%`), ...where, '--message', message, '--yes'];
}

export function buildDeploymentsListByNameArgs(worker: string): string[] {
  return ['deployments', 'list', '--name', worker, '--json'];
}

/** `wrangler d1 time-travel info <db> --json`: the database's current bookmark (remote). */
export function buildTimeTravelInfoArgs(database: string, where: string[]): string[] {
  return ['d1', 'time-travel', 'info', database, '--json', ...where];
}

/** `wrangler d1 time-travel restore <db> --bookmark <b> --json` (with --json wrangler asks nothing). */
export function buildTimeTravelRestoreArgs(database: string, bookmark: string, where: string[]): string[] {
  return ['d1', 'time-travel', 'restore', database, '--bookmark', bookmark, '--json', ...where];
}
