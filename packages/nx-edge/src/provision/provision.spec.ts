// Real wrangler against the fake Cloudflare API: plan, apply (ids written back into jsonc with its
// comments), re-run is a no-op.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'jsonc-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { createWranglerRunner } from '../wrangler/wrangler-cli';
import { applyDestroy, applyImports, applyProvision, boundByDeployedWorkers, destroyList, formatDestroy, formatPlan, parseImports, planProvision } from './provision';
import { parseWranglerConfig } from '../config/wrangler-config';

let api: FakeCloudflareApi;
let root: string;
let configFile: string;
// `wrangler r2 bucket info` POSTs a read-only GraphQL metrics query; everything else non-GET writes.
const writes = () => api.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql');

const CONFIG = `{
  // the orders service
  "name": "orders",
  "main": "src/index.ts",
  "env": {
    "staging": {
      // staging resources: ids filled in by provision
      "kv_namespaces": [{ "binding": "CACHE" }],
      "d1_databases": [{ "binding": "DB", "database_name": "orders-staging" }],
      "r2_buckets": [{ "binding": "FILES", "bucket_name": "orders-files-staging" }, { "binding": "EXPORTS", "bucket_name": "orders-exports-staging" }],
      "queues": { "producers": [{ "binding": "JOBS", "queue": "orders-jobs-staging" }] }
    }
  }
}
`;

beforeEach(async () => {
  api = await startFakeCloudflareApi();
  root = mkdtempSync(join(tmpdir(), 'nx-edge-provision-'));
  mkdirSync(join(root, '.home', 'tmp'), { recursive: true });
  mkdirSync(join(root, 'apps/orders'), { recursive: true });
  configFile = join(root, 'apps/orders/wrangler.jsonc');
  writeFileSync(configFile, CONFIG);
});

afterEach(async () => {
  await api.close();
  rmSync(root, { recursive: true, force: true });
});

const deps = () => ({
  runWrangler: createWranglerRunner(root, {
    ...fakeApiEnv(api),
    XDG_CONFIG_HOME: join(root, '.home'),
    WRANGLER_REGISTRY_PATH: join(root, '.home', 'registry'),
    TMPDIR: join(root, '.home', 'tmp'),
  }),
  log: () => undefined,
});

describe('provision (real wrangler, fake Cloudflare API)', { timeout: 180_000 }, () => {
  it('plans, creates what is missing, writes ids back keeping comments, and a re-run changes nothing', async () => {
    api.account().r2Buckets.push({ name: 'orders-files-staging', creation_date: new Date().toISOString() });
    const plan = await planProvision(configFile, 'staging', deps(), root);
    expect(formatPlan(plan, root)).toEqual([
      'orders-staging (env staging) — apps/orders/wrangler.jsonc',
      '  create        KV namespace orders-staging-CACHE (binding CACHE); writes env.staging.kv_namespaces[0].id',
      '  create        D1 database orders-staging (binding DB); writes env.staging.d1_databases[0].database_id',
      '  exists        R2 bucket orders-files-staging (binding FILES)',
      '  create        R2 bucket orders-exports-staging (binding EXPORTS)',
      '  create        queue orders-jobs-staging',
    ]);
    expect(writes()).toEqual([]);

    await applyProvision(plan, deps(), root);
    const account = api.account();
    expect(account.kvNamespaces.map((n) => n.title)).toEqual(['orders-staging-CACHE']);
    expect(account.d1Databases.map((d) => d.name)).toEqual(['orders-staging']);
    expect(account.queues.map((q) => q.queue_name)).toEqual(['orders-jobs-staging']);
    expect(account.r2Buckets.map((b) => b.name).sort()).toEqual(['orders-exports-staging', 'orders-files-staging']);
    const text = readFileSync(configFile, 'utf8');
    expect(text).toContain('// the orders service');
    expect(text).toContain('// staging resources: ids filled in by provision');
    const config = parse(text);
    expect(config.env.staging.kv_namespaces[0].id).toBe(account.kvNamespaces[0].id);
    expect(config.env.staging.d1_databases[0].database_id).toBe(account.d1Databases[0].uuid);

    const creates = writes().length;
    const again = await planProvision(configFile, 'staging', deps(), root);
    expect(again.resources.map((r) => r.action)).toEqual(['exists', 'exists', 'exists', 'exists', 'exists']);
    expect(writes().length).toBe(creates);
    expect(readFileSync(configFile, 'utf8')).toBe(text);
  });

  it('finds its resources on a later page of a large account (25 D1 databases, 120 KV namespaces): creates nothing twice', async () => {
    const account = api.account();
    for (let i = 0; i < 25; i++) account.d1Databases.push({ uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `a-db-${String(i).padStart(2, '0')}`, created_at: new Date().toISOString() });
    for (let i = 0; i < 120; i++) account.kvNamespaces.push({ id: `kv${String(i).padStart(30, '0')}`, title: `a-ns-${String(i).padStart(3, '0')}` });
    account.d1Databases.push({ uuid: 'd1-on-the-last-page', name: 'orders-staging', created_at: new Date().toISOString() });
    account.kvNamespaces.push({ id: 'kv-on-the-last-page', title: 'orders-staging-CACHE' });
    const plan = await planProvision(configFile, 'staging', deps(), root);
    expect(plan.resources.filter((r) => r.kind === 'd1_databases' || r.kind === 'kv_namespaces').map((r) => [r.name, r.action, r.id])).toEqual([
      ['orders-staging-CACHE', 'write', 'kv-on-the-last-page'],
      ['orders-staging', 'write', 'd1-on-the-last-page'],
    ]);
    // wrangler paged through both lists (10 databases, 100 namespaces a page).
    expect(api.calls('/d1/database', 'GET').filter((r) => r.path.endsWith('/d1/database')).length).toBeGreaterThanOrEqual(3);
    expect(api.calls('/storage/kv/namespaces', 'GET').filter((r) => r.path.endsWith('/namespaces')).length).toBeGreaterThanOrEqual(2);
  });

  it('adopts a resource that exists under the expected name: writes its id, creates nothing', async () => {
    writeFileSync(configFile, `{\n  // cache only\n  "name": "orders",\n  "env": { "staging": { "kv_namespaces": [{ "binding": "CACHE" }] } }\n}\n`);
    api.account().kvNamespaces.push({ id: 'kv-made-by-hand', title: 'orders-staging-CACHE' });
    const plan = await planProvision(configFile, 'staging', deps(), root);
    expect(formatPlan(plan, root)[1]).toBe(
      '  would change  KV namespace orders-staging-CACHE (binding CACHE) exists as kv-made-by-hand; writes env.staging.kv_namespaces[0].id',
    );
    expect(await applyProvision(plan, deps(), root)).toEqual({ created: 0, written: 1 });
    expect(writes()).toEqual([]);
    const text = readFileSync(configFile, 'utf8');
    expect(parse(text).env.staging.kv_namespaces[0].id).toBe('kv-made-by-hand');
    expect(text).toContain('// cache only');
  });

  it('destroy: deletes every resource of the env, the last created first, removes their ids (comments kept); provision creates them again', async () => {
    await applyProvision(await planProvision(configFile, 'staging', deps(), root), deps(), root);
    const plan = await planProvision(configFile, 'staging', deps(), root);
    const resources = destroyList(plan);
    expect(formatDestroy(plan, resources, root).slice(1).map((l) => l.replace(/ [0-9a-f-]{32,36}$/, ' <id>'))).toEqual([
      '  destroy       queue orders-jobs-staging',
      '  destroy       R2 bucket orders-files-staging (binding FILES)',
      '  destroy       R2 bucket orders-exports-staging (binding EXPORTS)',
      '  destroy       D1 database orders-staging (binding DB) <id>',
      '  destroy       KV namespace orders-staging-CACHE (binding CACHE) <id>',
    ]);
    expect(await applyDestroy(plan, resources, deps(), root)).toEqual({ deleted: 5, removed: 2 });
    const account = api.account();
    expect([account.kvNamespaces, account.d1Databases, account.r2Buckets, account.queues]).toEqual([[], [], [], []]);
    const text = readFileSync(configFile, 'utf8');
    expect(text).toContain('// staging resources: ids filled in by provision');
    expect(parse(text).env.staging.kv_namespaces[0]).toEqual({ binding: 'CACHE' });
    expect(parse(text).env.staging.d1_databases[0]).toEqual({ binding: 'DB', database_name: 'orders-staging' });
    expect((await planProvision(configFile, 'staging', deps(), root)).resources.map((r) => r.action)).toEqual(['create', 'create', 'create', 'create', 'create']);
  });

  it('destroy refuses what another deployed Worker (or env) binds; a Worker never deployed does not hold it', async () => {
    await applyProvision(await planProvision(configFile, 'staging', deps(), root), deps(), root);
    const plan = await planProvision(configFile, 'staging', deps(), root);
    const reports = parseWranglerConfig(JSON.stringify({ name: 'reports', env: { production: { d1_databases: [{ binding: 'ORDERS', database_name: 'orders-staging' }] } } }), 'apps/reports/wrangler.json');
    const orders = parseWranglerConfig(readFileSync(configFile, 'utf8'), 'apps/orders/wrangler.jsonc');
    const workers = [{ project: 'orders', config: orders }, { project: 'reports', config: reports }];
    const record = { time: '2026-11-30T10:00:00.000Z', project: 'reports', worker: 'reports-production', env: 'production', result: 'deployed' as const };
    const bound = boundByDeployedWorkers({ ...plan, resources: destroyList(plan) }, 'orders', workers, [record]);
    expect(bound.map((b) => [b.resource.name, b.by])).toEqual([['orders-staging', [{ project: 'reports', worker: 'reports-production', env: 'production', deployedAt: '2026-11-30T10:00:00.000Z' }]]]);
    expect(boundByDeployedWorkers({ ...plan, resources: destroyList(plan) }, 'orders', workers, [])).toEqual([]);
    // Its own env is what is being destroyed: that binding does not count.
    expect(boundByDeployedWorkers({ ...plan, resources: destroyList(plan) }, 'orders', workers, [{ ...record, project: 'orders', worker: 'orders-staging', env: 'staging' }])).toEqual([]);
  });

  it('import: points a binding at an existing resource by name or id and writes it, comments kept; a wrong name or binding says so and writes nothing', async () => {
    api.account().kvNamespaces.push({ id: 'kv-legacy', title: 'legacy-cache' });
    api.account().d1Databases.push({ uuid: 'd1-legacy-uuid', name: 'legacy-orders', created_at: new Date().toISOString() });
    expect(await applyImports(configFile, 'staging', parseImports('CACHE=legacy-cache,DB=d1-legacy-uuid'), deps(), root)).toBe(3);
    const text = readFileSync(configFile, 'utf8');
    expect(text).toContain('// staging resources: ids filled in by provision');
    expect(parse(text).env.staging.kv_namespaces[0]).toEqual({ binding: 'CACHE', id: 'kv-legacy' });
    expect(parse(text).env.staging.d1_databases[0]).toEqual({ binding: 'DB', database_name: 'legacy-orders', database_id: 'd1-legacy-uuid' });
    expect(writes()).toEqual([]);
    await expect(applyImports(configFile, 'staging', parseImports('CACHE=nope'), deps(), root)).rejects.toThrow('no KV namespace named or with id "nope" in this account; nothing was written. List them with wrangler (e.g. npx wrangler kv namespace list).');
    await expect(applyImports(configFile, 'staging', parseImports('MISSING=legacy-cache'), deps(), root)).rejects.toThrow('has no KV, D1, R2 or queue producer binding MISSING');
    expect(() => parseImports('legacy-cache')).toThrow('--import legacy-cache: expected BINDING=<name or id>, e.g. --import CACHE=legacy-cache.');
    expect(readFileSync(configFile, 'utf8')).toBe(text);
    // Staging pointed at production's namespace: refused by the env isolation check, nothing written.
    const isolated = `{\n  "name": "orders",\n  "kv_namespaces": [{ "binding": "CACHE", "id": "kv-prod" }],\n  "env": {\n    "staging": { "kv_namespaces": [{ "binding": "CACHE" }] },\n    "production": { "kv_namespaces": [{ "binding": "CACHE", "id": "kv-prod" }] }\n  }\n}\n`;
    writeFileSync(configFile, isolated);
    api.account().kvNamespaces.push({ id: 'kv-prod', title: 'orders-production-CACHE' });
    await expect(applyImports(configFile, 'staging', parseImports('CACHE=kv-prod'), deps(), root)).rejects.toThrow(/cannot import env "staging" — it would reach another environment's Workers or data/);
    expect(readFileSync(configFile, 'utf8')).toBe(isolated);
  });
});
