// Real wrangler against the fake Cloudflare API (test-support/fake-cloudflare): what a deploy sends,
// what it refuses to send, health check and rollback.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../../../../test-support/fake-cloudflare/fake-cloudflare-api';
import { bundleWorker, copyAssets, writeDeployableConfig } from '../build';
import type { WorkspaceWorker } from '../config/env-isolation';
import { readWranglerConfig } from '../config/wrangler-config';
import { readDeploymentRecords } from './deploy-history';
import { deployService, type DeployServiceOptions } from './deploy-service';
import { createWranglerRunner } from '../wrangler/wrangler-cli';

let api: FakeCloudflareApi;
let root: string;
let health: Server;
let healthStatus: Record<string, number>;
let healthBase: string;

beforeEach(async () => {
  api = await startFakeCloudflareApi({ subdomain: 'acme' });
  root = mkdtempSync(join(tmpdir(), 'nx-edge-deploy-'));
  mkdirSync(join(root, '.home', 'tmp'), { recursive: true });
  healthStatus = {};
  health = createServer((req, res) => {
    const worker = (req.url ?? '').split('/')[1];
    res.writeHead(healthStatus[worker] ?? 200).end('ok');
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthBase = `http://127.0.0.1:${(health.address() as AddressInfo).port}/{worker}`;
});

afterEach(async () => {
  await api.close();
  await new Promise<void>((resolve) => health.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

function wranglerEnv() {
  return {
    ...fakeApiEnv(api),
    XDG_CONFIG_HOME: join(root, '.home'),
    WRANGLER_REGISTRY_PATH: join(root, '.home', 'registry'),
    TMPDIR: join(root, '.home', 'tmp'),
  };
}

async function addWorker(name: string, config: Record<string, unknown>, extraFiles: Record<string, string> = {}) {
  const dir = join(root, 'apps', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src/index.ts'), `export default { fetch: () => new Response('${name}') };\n`);
  writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name, main: 'src/index.ts', compatibility_date: '2026-04-20', ...config }, null, 2));
  for (const [file, text] of Object.entries(extraFiles)) writeFileSync(join(dir, file), text);
  const configFile = join(dir, 'wrangler.json');
  const loaded = readWranglerConfig(configFile).config;
  const outDir = join(root, 'dist', 'apps', name);
  const result = await bundleWorker({ workspaceRoot: root, projectRoot: dir, configFile, config: loaded, outDir });
  writeDeployableConfig(loaded, dir, outDir, result.files.length > 1);
  return configFile;
}

async function deploy(name: string, options: DeployServiceOptions, workspaceWorkers: WorkspaceWorker[] = []) {
  const lines: string[] = [];
  const run = deployService(
    {
      workspaceRoot: root,
      project: name,
      projectRoot: `apps/${name}`,
      configFile: join(root, 'apps', name, 'wrangler.json'),
      options: { healthCheckBaseUrl: healthBase, healthCheckAttempts: 2, healthCheckIntervalMs: 50, ...options },
      runId: 'run-1',
      historyFile: join(root, '.nx-edge', 'deployments.jsonl'),
      workspaceWorkers,
    },
    { runWrangler: createWranglerRunner(root, wranglerEnv()), log: (line) => lines.push(line), stream: (chunk) => lines.push(chunk), gitSha: () => 'abc1234' },
  );
  return { run, lines };
}

const ENVS = { staging: { kv_namespaces: [{ binding: 'CACHE', id: 'kv-staging' }] }, production: { kv_namespaces: [{ binding: 'CACHE', id: 'kv-prod' }] } };

describe('deploy (real wrangler, fake Cloudflare API)', { timeout: 120_000 }, () => {
  it('uploads the bundle to <name>-<env>, reads version and URL from the output file, health-checks and records it', async () => {
    await addWorker('c', { kv_namespaces: [{ binding: 'CACHE', id: 'kv-top' }], env: ENVS });
    const first = await deploy('c', { env: 'staging' });
    await first.run;
    // A new Worker: services lookup says 10090, then one PUT of the script.
    expect(api.calls('/workers/scripts/c-staging', 'PUT')).toHaveLength(1);
    expect(api.calls('/workers/scripts/c-staging', 'PUT')[0].parts).toEqual(['metadata', 'index.js']);
    const script = api.script('c-staging')!;
    const versionId = script.versions[0].id;
    expect(script.versions[0].bindings).toEqual([{ type: 'kv_namespace', name: 'CACHE' }]);

    const second = await deploy('c', { env: 'staging' });
    await second.run;
    // Existing Worker: a new version, then a deployment of it.
    expect(api.calls('/workers/scripts/c-staging/versions', 'POST')).toHaveLength(1);
    expect(script.deployments).toHaveLength(2);
    const history = readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl'));
    expect(history.map((r) => [r.project, r.env, r.result, r.gitSha, r.url])).toEqual([
      ['c', 'staging', 'deployed', 'abc1234', 'https://c-staging.acme.workers.dev'],
      ['c', 'staging', 'deployed', 'abc1234', 'https://c-staging.acme.workers.dev'],
    ]);
    expect(history[0].versionId).toBe(versionId);
    expect(history[1].versionId).toBe(script.versions[1].id);
    expect(second.lines.join('\n')).toContain('c-staging [staging]: https://c-staging.acme.workers.dev');
    expect(second.lines.join('\n')).toContain(`✔ c (staging) deployed: version ${script.versions[1].id.slice(0, 8)} c-staging → https://c-staging.acme.workers.dev`);
  });

  it('refuses before any upload when the env lacks a binding id, naming env, binding and file', async () => {
    await addWorker('c', { kv_namespaces: [{ binding: 'CACHE', id: 'kv-top' }], env: { staging: { kv_namespaces: [{ binding: 'CACHE' }] } } });
    const { run } = await deploy('c', { env: 'staging' });
    await expect(run).rejects.toThrow(/apps\/c\/wrangler\.json: cannot deploy env "staging"[\s\S]*"CACHE" in \[env\.staging\] has no KV namespace id/);
    expect(api.requests).toEqual([]);
    expect(readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl')).map((r) => r.result)).toEqual(['failed']);
  });

  it('refuses a staging binding to the production Worker (or a production database) before any upload, naming the fix', async () => {
    await addWorker('c', {
      d1_databases: [{ binding: 'DB', database_name: 'c-db', database_id: 'd1-prod' }],
      env: { staging: { services: [{ binding: 'USERS', service: 'users' }], d1_databases: [{ binding: 'DB', database_name: 'c-db', database_id: 'd1-stg' }] } },
    });
    const users: WorkspaceWorker = { project: 'users', config: { name: 'users', env: { staging: {} } } };
    for (const dryRun of [true, false]) {
      const { run } = await deploy('c', { env: 'staging', dryRun }, [users]);
      await expect(run).rejects.toThrow(
        /apps\/c\/wrangler\.json: cannot deploy env "staging" — it would reach another environment's Workers or data; nothing was uploaded:\n  - .*services USERS names "users", but users is users's top-level \(production\) Worker — staging would reach it\. Use "users-staging"[\s\S]*d1_databases DB uses D1 database "c-db", the same as the top level[\s\S]*Use "c-db-staging"/,
      );
    }
    expect(api.requests).toEqual([]);
  });

  it('refuses when a secret of .dev.vars.example is missing in the env, uploading nothing', async () => {
    await addWorker('c', { env: { staging: {} } }, { '.dev.vars.example': 'API_KEY=\nDB_PASSWORD=\n' });
    const { run } = await deploy('c', { env: 'staging' });
    await expect(run).rejects.toThrow(/c-staging \(env staging\) is missing required secrets API_KEY, DB_PASSWORD — nothing was uploaded/);
    expect(api.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('rolls back to the previous version when the health check fails, and fails saying so', async () => {
    await addWorker('c', { env: ENVS });
    await (await deploy('c', { env: 'staging' })).run;
    const good = api.script('c-staging')!.versions[0].id;
    healthStatus['c-staging'] = 503;
    const { run, lines } = await deploy('c', { env: 'staging' });
    await expect(run).rejects.toThrow(new RegExp(`c-staging failed its health check: GET http://127\\.0\\.0\\.1:\\d+/c-staging/health → HTTP 503 \\(2 attempts\\)\\. Rolled back: version ${good} serves c-staging again`));
    const script = api.script('c-staging')!;
    expect(script.deployments.at(-1)!.versions).toEqual([{ version_id: good, percentage: 100 }]);
    expect(lines.join('\n')).toContain(`rolling back to version ${good}`);
    const last = readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl')).at(-1)!;
    expect([last.result, last.rolledBackTo, last.versionId]).toEqual(['rolled-back', good, script.versions[1].id]);
  });

  it('a 500 from the API fails the deploy with wrangler\'s error and records it; a slow answer is waited for', async () => {
    await addWorker('c', { env: ENVS });
    const removeFailure = api.inject({ method: 'PUT', path: '/workers/scripts/c-staging', status: 500 });
    const failing = await deploy('c', { env: 'staging' });
    await expect(failing.run).rejects.toThrow(/wrangler deploy failed for c-staging: [\s\S]*injected failure \(500\)/);
    removeFailure();
    expect(api.script('c-staging')).toBeUndefined();
    api.inject({ method: 'GET', path: '/workers/subdomain', delayMs: 1500, times: 1 });
    await (await deploy('c', { env: 'staging' })).run;
    expect(api.script('c-staging')!.deployments).toHaveLength(1);
    const records = readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl'));
    expect(records.map((r) => r.result)).toEqual(['failed', 'deployed']);
    expect(records[0].reason).toMatch(/^wrangler deploy failed for c-staging: .*injected failure \(500\)/);
  });

  // Every API step of a deploy of an existing Worker, failing in turn: what the output and the history
  // say is live must be what the API says is live.
  // `outcome`: deployed (wrangler tolerates the failure and finishes), previous (nothing changed),
  // new (the new version is live although wrangler failed).
  const STEPS: { step: string; method: string; path: RegExp; outcome: 'deployed' | 'previous' | 'new' }[] = [
    { step: 'secrets check', method: 'GET', path: /\/workers\/scripts\/c-staging\/secrets$/, outcome: 'previous' },
    { step: 'settings read', method: 'GET', path: /\/workers\/scripts\/c-staging\/settings$/, outcome: 'deployed' },
    { step: 'version upload', method: 'POST', path: /\/workers\/scripts\/c-staging\/versions$/, outcome: 'previous' },
    { step: 'deployment', method: 'POST', path: /\/workers\/scripts\/c-staging\/deployments$/, outcome: 'previous' },
    { step: 'script settings', method: 'PATCH', path: /\/workers\/scripts\/c-staging\/script-settings$/, outcome: 'deployed' },
    { step: 'subdomain', method: 'POST', path: /\/workers\/scripts\/c-staging\/subdomain$/, outcome: 'new' },
    { step: 'routes', method: 'PUT', path: /\/workers\/scripts\/c-staging\/routes$/, outcome: 'new' },
    { step: 'schedules', method: 'PUT', path: /\/workers\/scripts\/c-staging\/schedules$/, outcome: 'new' },
  ];
  const STAGING = { staging: { routes: [{ pattern: 'c.example.com/*', zone_name: 'example.com' }], triggers: { crons: ['*/5 * * * *'] } } };
  const liveOf = (name: string) => api.script(name)?.deployments.at(-1)?.versions.find((v) => v.percentage === 100)?.version_id;

  it.each(STEPS)('a failure at the $step step: the report says what the API says is live ($outcome)', async ({ method, path, outcome }) => {
    await addWorker('c', { env: STAGING }, { '.dev.vars.example': 'API_KEY=\n' });
    api.account().scripts.set('c-staging', { name: 'c-staging', created_on: new Date().toISOString(), versions: [], deployments: [], secrets: new Map(), subdomainEnabled: true });
    api.script('c-staging')!.secrets.set('API_KEY', api.digest('x'));
    await (await deploy('c', { env: 'staging' })).run;
    const before = liveOf('c-staging')!;
    expect(before).toBeTruthy();
    const undo = api.inject({ method, path, status: 500 });
    const attempt = await deploy('c', { env: 'staging' });
    const error = await attempt.run.then(() => undefined, (e: Error) => e);
    undo();
    expect(api.requests.some((r) => r.route === 'injected failure')).toBe(true); // the step was reached
    const actual = liveOf('c-staging')!;
    const record = readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl')).at(-1)!;
    const printed = attempt.lines.join('\n');
    if (outcome === 'deployed') {
      expect(error).toBeUndefined();
      expect([record.result, record.versionId]).toEqual(['deployed', actual]);
      expect(actual).not.toBe(before);
      return;
    }
    expect(error?.message).toMatch(/injected failure \(500\)/);
    expect([record.result, record.live, record.liveVersion]).toEqual(['failed', outcome, actual]);
    if (outcome === 'previous') expect(actual).toBe(before);
    else {
      expect(actual).not.toBe(before);
      expect(record.versionId).toBe(actual);
      expect(printed).toContain(`but version ${actual} is live: checking it`);
      expect(printed).toContain('c-staging is healthy: GET'); // the live new version got its health check
    }
  });

  it('a new version left live by a failed step is health-checked, and rolled back when unhealthy', async () => {
    await addWorker('c', { env: STAGING });
    await (await deploy('c', { env: 'staging' })).run;
    const good = liveOf('c-staging')!;
    api.inject({ method: 'PUT', path: /\/workers\/scripts\/c-staging\/routes$/, status: 500 });
    healthStatus['c-staging'] = 503;
    const attempt = await deploy('c', { env: 'staging' });
    await expect(attempt.run).rejects.toThrow(new RegExp(`Rolled back: version ${good} serves c-staging again`));
    expect(liveOf('c-staging')).toBe(good);
    const record = readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl')).at(-1)!;
    expect([record.result, record.live, record.liveVersion]).toEqual(['rolled-back', 'previous', good]);
    expect(record.reason).toMatch(/before that: wrangler deploy failed for c-staging/);
  });

  it('ships static assets from the build output: assets.directory copied next to the bundle and uploaded with the version', async () => {
    const dir = join(root, 'apps', 'site');
    mkdirSync(join(dir, 'public', 'css'), { recursive: true });
    writeFileSync(join(dir, 'public', 'index.html'), '<h1>site</h1>');
    writeFileSync(join(dir, 'public', 'css', 'site.css'), 'body{}');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src/index.ts'), `export default { fetch: () => new Response('site') };\n`);
    writeFileSync(join(dir, 'wrangler.json'), JSON.stringify({ name: 'site', main: 'src/index.ts', compatibility_date: '2026-04-20', assets: { directory: './public', binding: 'ASSETS' } }));
    const loaded = readWranglerConfig(join(dir, 'wrangler.json')).config;
    const outDir = join(root, 'dist', 'apps', 'site');
    const result = await bundleWorker({ workspaceRoot: root, projectRoot: dir, configFile: join(dir, 'wrangler.json'), config: loaded, outDir });
    writeDeployableConfig(copyAssets(loaded, dir, outDir, 'apps/site/wrangler.json'), dir, outDir, result.files.length > 1);
    expect(JSON.parse(readFileSync(join(outDir, 'wrangler.json'), 'utf8')).assets).toEqual({ directory: './assets', binding: 'ASSETS' });
    expect(readFileSync(join(outDir, 'assets', 'css', 'site.css'), 'utf8')).toBe('body{}');
    await (await deploy('site', { healthCheckPath: false })).run;
    expect(api.script('site')!.versions.at(-1)!.assets).toEqual(['/css/site.css', '/index.html']);
  });

  it('deploys into a dispatch namespace', async () => {
    await addWorker('c', { env: ENVS });
    await (await deploy('c', { env: 'production', dispatchNamespace: 'customers' })).run;
    expect(api.calls('/workers/dispatch/namespaces/customers/scripts/c-production', 'PUT')).toHaveLength(1);
    expect(api.account().scripts.has('customers/c-production')).toBe(true);
  });

  it('--dry-run lists files and sizes, lets wrangler validate, and sends nothing', async () => {
    await addWorker('c', { env: ENVS });
    const { run, lines } = await deploy('c', { env: 'staging', dryRun: true });
    const outcome = await run;
    expect(outcome.plan!.files.map((f) => f.file)).toEqual(['index.js']);
    const text = lines.join('\n');
    expect(text).toMatch(/would deploy c as c-staging \(env staging\), from dist\/apps\/c:\n\s+index\.js\s+[\d.]+ (B|KiB)\s+gzip/);
    expect(text).toContain('nothing uploaded (dry run)');
    expect(api.requests).toEqual([]);
    expect(readDeploymentRecords(join(root, '.nx-edge', 'deployments.jsonl'))).toEqual([]);
  });
});

describe('deploy history file', { timeout: 120_000 }, () => {
  it('holds no secret values (only names and messages)', async () => {
    // Guard for the invariant the secrets tests rely on: records carry these keys only.
    const file = join(root, '.nx-edge', 'deployments.jsonl');
    await addWorker('c', { env: ENVS });
    await (await deploy('c', { env: 'staging' })).run;
    const keys = Object.keys(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]));
    expect(keys.sort()).toEqual(['env', 'gitSha', 'project', 'result', 'runId', 'time', 'url', 'versionId', 'worker']);
  });
});
