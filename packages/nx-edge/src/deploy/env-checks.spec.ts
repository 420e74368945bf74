import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WranglerConfig } from '../config/wrangler-config';
import { assertDeployableBindings, assertRequiredSecrets, findBindingProblems, requiredSecretNames } from './env-checks';

const config: WranglerConfig = {
  name: 'api',
  main: 'src/index.ts',
  kv_namespaces: [{ binding: 'CACHE', id: 'top-kv' }],
  d1_databases: [{ binding: 'DB', database_name: 'api-db', database_id: 'top-db' }],
  vars: { GREETING: 'hi' },
  env: {
    staging: {
      kv_namespaces: [{ binding: 'CACHE', id: 'staging-kv' }],
      d1_databases: [{ binding: 'DB', database_name: 'api-db-staging', database_id: 'staging-db' }],
      vars: { GREETING: 'hi from staging' },
    },
    production: {
      kv_namespaces: [{ binding: 'CACHE' }],
      vars: { GREETING: 'hi' },
    },
  },
};

describe('binding checks before a deploy', () => {
  it('accepts an env that repeats every binding with its own ids', () => {
    expect(findBindingProblems(config, 'staging')).toEqual([]);
    expect(findBindingProblems(config, undefined)).toEqual([]);
  });

  it('names bindings that exist only at the top level and ids that are missing', () => {
    const problems = findBindingProblems(config, 'production');
    expect(problems.map((p) => `${p.key}:${p.binding}`).sort()).toEqual(['d1_databases:DB', 'kv_namespaces:CACHE']);
    expect(problems.find((p) => p.key === 'd1_databases')!.message).toMatch(/not in \[env\.production\].*does not inherit/);
    expect(problems.find((p) => p.key === 'kv_namespaces')!.message).toMatch(/"CACHE" in \[env\.production\] has no KV namespace id/);
  });

  it('throws one error naming the env, the bindings and the file', () => {
    expect(() => assertDeployableBindings(config, 'production', 'apps/api/wrangler.jsonc')).toThrowError(
      /^apps\/api\/wrangler\.jsonc: cannot deploy env "production" — 2 binding problems, nothing was uploaded:\n {2}- d1_databases binding "DB"[\s\S]*\n {2}- kv_namespaces binding "CACHE"/,
    );
  });

  it('treats top-level vars missing from an env as a problem (wrangler drops them)', () => {
    const withVar: WranglerConfig = { name: 'w', vars: { A: '1', B: '2' }, env: { staging: { vars: { A: '1' } } } };
    expect(findBindingProblems(withVar, 'staging').map((p) => p.binding)).toEqual(['B']);
  });
});

describe('required secrets', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads names (never values) from .dev.vars.example plus the option', () => {
    dir = mkdtempSync(join(tmpdir(), 'nx-edge-secrets-'));
    writeFileSync(join(dir, '.dev.vars.example'), '# comment\nAPI_KEY=\nexport DB_PASSWORD="changeme"\n\nAPI_KEY=dup\n');
    expect(requiredSecretNames(dir, ['SENTRY_DSN'])).toEqual(['SENTRY_DSN', 'API_KEY', 'DB_PASSWORD']);
  });

  it('names every missing secret and how to set it', () => {
    expect(() => assertRequiredSecrets(['API_KEY', 'DB_PASSWORD'], ['API_KEY'], { worker: 'api-staging', env: 'staging', project: 'api' })).toThrowError(
      'api-staging (env staging) is missing required secret DB_PASSWORD — nothing was uploaded. Set it with: printf %s "$VALUE" | nx run api:secrets --configuration=staging set DB_PASSWORD.',
    );
    expect(() => assertRequiredSecrets(['A'], ['A', 'B'], { worker: 'w', project: 'w' })).not.toThrow();
  });
});
