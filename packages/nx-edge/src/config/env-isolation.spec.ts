import { describe, expect, it } from 'vitest';
import { findIsolationProblems, type WorkspaceWorker } from './env-isolation';
import { deployedWorkerName, envResourceName } from './env-names';
import { parseWranglerConfig, type WranglerConfig } from './wrangler-config';

const users: WorkspaceWorker = { project: 'users', config: { name: 'users', env: { staging: {}, production: { name: 'users-prod' } } } };
const audit: WorkspaceWorker = { project: 'audit', config: { name: 'audit' } }; // no envs
const check = (config: WranglerConfig, text = JSON.stringify(config)) => findIsolationProblems(config, 'apps/api/wrangler.jsonc', text, [users, audit]);

describe('env names', () => {
  it('follow wrangler: <name>-<env> unless the env names itself; resources get -<env> once', () => {
    expect(deployedWorkerName(users.config, 'staging')).toBe('users-staging');
    expect(deployedWorkerName(users.config, 'production')).toBe('users-prod');
    expect(deployedWorkerName(users.config)).toBe('users');
    expect(deployedWorkerName(users.config, 'qa')).toBeUndefined();
    expect(envResourceName('api-db', 'staging')).toBe('api-db-staging');
    expect(envResourceName('api-db-staging', 'staging')).toBe('api-db-staging');
  });
});

describe('env isolation', () => {
  it('passes an env whose bindings name its own env\'s Workers and resources', () => {
    const config: WranglerConfig = {
      name: 'api',
      services: [{ binding: 'USERS', service: 'users' }],
      d1_databases: [{ binding: 'DB', database_name: 'api-db', database_id: 'd1-prod' }],
      env: { staging: { services: [{ binding: 'USERS', service: 'users-staging' }], d1_databases: [{ binding: 'DB', database_name: 'api-db-staging', database_id: 'd1-stg' }] } },
    };
    expect(check(config)).toEqual([]);
  });

  it('refuses a staging service binding to the production Worker, naming file, env, binding and the name it should have', () => {
    const [problem, ...rest] = check({ name: 'api', env: { staging: { services: [{ binding: 'USERS', service: 'users' }] } } });
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ env: 'staging', key: 'services', binding: 'USERS', name: 'users', expected: 'users-staging' });
    expect(problem.message).toBe(
      'apps/api/wrangler.jsonc: [env.staging] services USERS names "users", but users is users\'s top-level (production) Worker — staging would reach it. Use "users-staging" (users deployed in staging), or mark that line // nx-edge: shared if staging should share it on purpose.',
    );
  });

  it('refuses another env\'s Worker, a tail consumer and a DO script name the same way; a Worker without the env is named as the fix', () => {
    const problems = check({
      name: 'api',
      env: {
        staging: {
          services: [{ binding: 'USERS', service: 'users-prod' }],
          tail_consumers: [{ service: 'audit' }],
          durable_objects: { bindings: [{ name: 'ROOMS', class_name: 'Room', script_name: 'users' }] },
        },
      },
    });
    expect(problems.map((p) => [p.key, p.name, p.expected])).toEqual([
      ['services', 'users-prod', 'users-staging'],
      ['durable_objects', 'users', 'users-staging'],
      ['tail_consumers', 'audit', undefined],
    ]);
    expect(problems[2].message).toContain('audit has no [env.staging]: add one to its wrangler config');
  });

  it('refuses resources shared with the top level or another env: D1 name and id, KV id, R2 bucket, queues', () => {
    const problems = check({
      name: 'api',
      d1_databases: [{ binding: 'DB', database_name: 'api-db', database_id: 'd1-prod' }],
      kv_namespaces: [{ binding: 'CACHE', id: 'kv-prod' }],
      r2_buckets: [{ binding: 'FILES', bucket_name: 'api-files' }],
      queues: { producers: [{ binding: 'JOBS', queue: 'jobs' }] },
      env: {
        staging: {
          d1_databases: [{ binding: 'DB', database_name: 'api-db', database_id: 'd1-prod' }],
          kv_namespaces: [{ binding: 'CACHE', id: 'kv-prod' }],
          r2_buckets: [{ binding: 'FILES', bucket_name: 'api-files-qa' }],
          queues: { producers: [{ binding: 'JOBS', queue: 'jobs' }] },
        },
        qa: { r2_buckets: [{ binding: 'FILES', bucket_name: 'api-files-qa' }] },
      },
    });
    expect(problems.map((p) => [p.env, p.key, p.name, p.expected])).toEqual([
      ['staging', 'kv_namespaces', 'kv-prod', undefined],
      ['staging', 'd1_databases', 'api-db', 'api-db-staging'],
      ['staging', 'd1_databases', 'd1-prod', undefined],
      // staging took qa's bucket; qa's own name is right, so only staging is told
      ['staging', 'r2_buckets', 'api-files-qa', 'api-files-staging'],
      ['staging', 'queues.producers', 'jobs', 'jobs-staging'],
    ]);
    expect(problems[1].message).toContain('staging would read and write production\'s data. Use "api-db-staging"');
    expect(problems[2].message).toContain('nx run <project>:provision -c staging');
  });

  it('lets a line marked "nx-edge: shared" through, in jsonc and in toml', () => {
    const jsonc = `{
  "name": "api",
  "env": { "staging": {
    "services": [
      { "binding": "USERS", "service": "users" } // nx-edge: shared (read-only lookups)
    ]
  } }
}`;
    expect(findIsolationProblems(parseWranglerConfig(jsonc, 'wrangler.jsonc'), 'wrangler.jsonc', jsonc, [users])).toEqual([]);
    const toml = `name = "api"\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "geo"\n[[env.staging.d1_databases]]\nbinding = "DB"\ndatabase_name = "geo" # nx-edge: shared\n`;
    expect(findIsolationProblems(parseWranglerConfig(toml, 'wrangler.toml'), 'wrangler.toml', toml, [])).toEqual([]);
  });
});
