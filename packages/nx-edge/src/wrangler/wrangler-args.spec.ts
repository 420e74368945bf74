import { describe, expect, it } from 'vitest';
import { buildDeployArgs, buildRollbackArgs, buildSecretBulkArgs, buildSecretListArgs, buildSecretPutArgs, envArgs } from './wrangler-args';

describe('wrangler argument builders', () => {
  it('passes --env for an env, --env "" for the top level of a config with envs, nothing otherwise', () => {
    expect(envArgs('staging', true)).toEqual(['--env', 'staging']);
    expect(envArgs(undefined, true)).toEqual(['--env', '']);
    expect(envArgs(undefined, false)).toEqual([]);
  });

  it('deploys the given config to the env, into a dispatch namespace when asked', () => {
    expect(buildDeployArgs('staging', { configFile: '/ws/dist/apps/api/wrangler.json', hasEnvironments: true })).toEqual([
      'deploy', '--config', '/ws/dist/apps/api/wrangler.json', '--env', 'staging',
    ]);
    expect(buildDeployArgs('production', { configFile: 'w.json', hasEnvironments: true, dispatchNamespace: 'customers-prod', message: 'ci 42' })).toEqual([
      'deploy', '--config', 'w.json', '--env', 'production', '--dispatch-namespace', 'customers-prod', '--message', 'ci 42',
    ]);
    expect(buildDeployArgs(undefined, { configFile: 'w.json', hasEnvironments: false, dryRunOutDir: '/tmp/out' })).toEqual([
      'deploy', '--config', 'w.json', '--dry-run', '--outdir', '/tmp/out',
    ]);
  });

  it('rolls back to an explicit version without prompting', () => {
    expect(buildRollbackArgs('staging', { configFile: 'w.json', hasEnvironments: true, versionId: 'v-1', message: 'health check failed' })).toEqual([
      'rollback', 'v-1', '--config', 'w.json', '--env', 'staging', '--message', 'health check failed', '--yes',
    ]);
  });

  it('never puts a secret value on argv: put and bulk take only names and flags', () => {
    const options = { configFile: 'w.json', hasEnvironments: true };
    expect(buildSecretPutArgs('API_KEY', 'staging', options)).toEqual(['secret', 'put', 'API_KEY', '--config', 'w.json', '--env', 'staging']);
    expect(buildSecretBulkArgs('staging', options)).toEqual(['secret', 'bulk', '--config', 'w.json', '--env', 'staging']);
    expect(buildSecretListArgs(undefined, options)).toEqual(['secret', 'list', '--config', 'w.json', '--env', '', '--format', 'json']);
  });
});
