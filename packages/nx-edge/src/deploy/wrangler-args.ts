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
