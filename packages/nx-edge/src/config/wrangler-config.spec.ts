import { describe, expect, it } from 'vitest';
import { parseWranglerConfig, resolveEnvironment, consumedQueues, environmentNames } from './wrangler-config';
import { workerReferences } from './worker-references';

describe('parseWranglerConfig', () => {
  it('reads jsonc with comments and trailing commas', () => {
    const config = parseWranglerConfig('{\n  // the api\n  "name": "api",\n  "main": "src/index.ts",\n}', 'apps/api/wrangler.jsonc');
    expect(config).toEqual({ name: 'api', main: 'src/index.ts' });
  });

  it('reads toml with env sections', () => {
    const config = parseWranglerConfig('name = "api"\n[env.staging]\nvars = { A = "1" }\n', 'wrangler.toml');
    expect(environmentNames(config)).toEqual(['staging']);
  });

  it('names file and line on a toml syntax error, without a stack', () => {
    expect(() => parseWranglerConfig('name = "api"\nmain = \n', 'apps/api/wrangler.toml')).toThrow(
      /apps\/api\/wrangler\.toml:2: invalid TOML/,
    );
  });

  it('names file and line on a json syntax error', () => {
    expect(() => parseWranglerConfig('{\n "name": "api",\n "main" "x"\n}', 'w/wrangler.json')).toThrow(/w\/wrangler\.json:3: invalid JSON/);
  });

  it('rejects a services table that is not a list, naming the key', () => {
    expect(() => parseWranglerConfig('[services]\nbinding = "A"\n', 'wrangler.toml')).toThrow(/"services" must be a list/);
  });
});

describe('resolveEnvironment', () => {
  const config = parseWranglerConfig(
    JSON.stringify({
      name: 'api',
      main: 'src/index.ts',
      compatibility_date: '2026-04-20',
      kv_namespaces: [{ binding: 'CACHE', id: 'top' }],
      vars: { MODE: 'dev' },
      env: { staging: { vars: { MODE: 'staging' } }, production: { name: 'api-prod', kv_namespaces: [{ binding: 'CACHE', id: 'p' }] } },
    }),
    'wrangler.json',
  );

  it('inherits main and compatibility_date but not bindings or vars', () => {
    const staging = resolveEnvironment(config, 'staging');
    expect(staging).toMatchObject({ name: 'api-staging', main: 'src/index.ts', compatibility_date: '2026-04-20', vars: { MODE: 'staging' } });
    expect(staging.kv_namespaces).toBeUndefined();
  });

  it('keeps an env-level name', () => {
    expect(resolveEnvironment(config, 'production').name).toBe('api-prod');
  });

  it('gives the top level without an env', () => {
    expect(resolveEnvironment(config).kv_namespaces).toEqual([{ binding: 'CACHE', id: 'top' }]);
  });

  it('names the known environments when asked for a missing one', () => {
    expect(() => resolveEnvironment(config, 'qa')).toThrow(/no \[env\.qa\] section.*staging, production/);
  });
});

describe('workerReferences', () => {
  it('collects services, tail consumers, DO script names and queue producers across envs', () => {
    const config = parseWranglerConfig(
      JSON.stringify({
        services: [{ binding: 'USERS', service: 'users' }],
        tail_consumers: [{ service: 'tail' }],
        durable_objects: { bindings: [{ name: 'ROOM', class_name: 'Room', script_name: 'rooms' }, { name: 'LOCAL', class_name: 'L' }] },
        queues: { producers: [{ binding: 'Q', queue: 'jobs' }], consumers: [{ queue: 'inbox' }] },
        env: { staging: { services: [{ binding: 'USERS', service: 'users-staging' }, { binding: 'U2', service: 'users' }] } },
      }),
      'wrangler.json',
    );
    expect(workerReferences(config).map((r) => `${r.kind}:${r.target}`)).toEqual([
      'service:users',
      'durable_object:rooms',
      'queue_producer:jobs',
      'tail_consumer:tail',
      'service:users-staging',
    ]);
    expect(consumedQueues(config)).toEqual(['inbox']);
  });
});
