// The contract suite: provision, deploy, secrets, a gradual rollout, tail, backup/restore and destroy of one
// Worker with a KV namespace, a D1 database and an R2 bucket, through nx-edge's own cores and the real
// wrangler. In `npm test` it runs against the fake Cloudflare API; `npm run test:live` runs the same steps
// against a real account (CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID), with unique names, and removes
// everything afterwards, even when a step fails.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRestore, planRestore } from '../../packages/nx-edge/src/backup/restore';
import { runBackup } from '../../packages/nx-edge/src/backup/backup';
import { bundleWorker, writeDeployableConfig } from '../../packages/nx-edge/src/build';
import { readWranglerConfig } from '../../packages/nx-edge/src/config/wrangler-config';
import { readDeploymentRecords } from '../../packages/nx-edge/src/deploy/deploy-history';
import { deployService } from '../../packages/nx-edge/src/deploy/deploy-service';
import { promote } from '../../packages/nx-edge/src/deploy/rollout';
import type { LogRecord } from '../../packages/nx-edge/src/logs/log-record';
import { applyDestroy, applyProvision, destroyList, planProvision } from '../../packages/nx-edge/src/provision/provision';
import { runSecrets } from '../../packages/nx-edge/src/secrets/secrets';
import { startTailSessions } from '../../packages/nx-edge/src/tail/tail-session';
import { createWranglerRunner, wranglerOk, type RunWrangler } from '../../packages/nx-edge/src/wrangler/wrangler-cli';
import { spawnWranglerTail } from '../../packages/nx-edge/src/wrangler/wrangler-tail';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../fake-cloudflare/fake-cloudflare-api';

const REPO = join(__dirname, '..', '..');
/** `npm run test:live` sets it (and has checked the credentials are there). */
const LIVE = process.env.NX_EDGE_CONTRACT_TARGET === 'live';

describe(`the contract suite against ${LIVE ? 'a real Cloudflare account' : 'the fake Cloudflare API'}`, { timeout: LIVE ? 600_000 : 120_000 }, () => {
  const worker = `nxe-contract-${randomBytes(3).toString('hex')}`;
  let api: FakeCloudflareApi | undefined;
  let root: string;
  let env: Record<string, string | undefined>;
  let run: RunWrangler;
  let configFile: string;
  const lines: string[] = [];
  const log = (line: string) => void lines.push(line);
  const history = () => join(root, '.nx-edge', 'deployments.jsonl');
  const wrangler = (args: string[]) => wranglerOk(run, args, join(root, 'apps', 'contract'), `wrangler ${args.slice(0, 3).join(' ')}`);

  const build = async () => {
    const dir = join(root, 'apps', 'contract');
    const loaded = readWranglerConfig(configFile).config;
    await bundleWorker({ workspaceRoot: root, projectRoot: dir, configFile, config: loaded, outDir: join(root, 'dist', 'apps', 'contract') });
    writeDeployableConfig(loaded, dir, join(root, 'dist', 'apps', 'contract'), false);
  };
  const deploy = async (percentage?: number) => {
    await build();
    return deployService(
      { workspaceRoot: root, project: 'contract', projectRoot: 'apps/contract', configFile, options: { healthCheckPath: false, percentage }, runId: worker, historyFile: history() },
      { runWrangler: run, log, environment: env },
    );
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'nx-edge-contract-'));
    if (LIVE) env = { CLOUDFLARE_API_TOKEN: process.env.CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID: process.env.CLOUDFLARE_ACCOUNT_ID, WRANGLER_SEND_METRICS: 'false' };
    else {
      api = await startFakeCloudflareApi({ subdomain: 'contract' });
      env = fakeApiEnv(api);
    }
    env = { ...env, XDG_CONFIG_HOME: join(root, '.home'), NX_EDGE_RATE_LIMIT_WAIT_MS: LIVE ? undefined : '200' };
    run = createWranglerRunner(REPO, env);
    mkdirSync(join(root, 'apps', 'contract', 'src'), { recursive: true });
    writeFileSync(
      join(root, 'apps', 'contract', 'src', 'index.ts'),
      'export default { async fetch(request: Request, env: { GREETING: string }) { console.log(JSON.stringify({ level: "info", message: "contract hit " + new URL(request.url).pathname })); return new Response(env.GREETING ?? "none"); } };\n',
    );
    configFile = join(root, 'apps', 'contract', 'wrangler.json');
    writeFileSync(
      configFile,
      `${JSON.stringify(
        {
          name: worker,
          main: 'src/index.ts',
          compatibility_date: '2026-04-20',
          workers_dev: true,
          preview_urls: true,
          kv_namespaces: [{ binding: 'CACHE' }],
          d1_databases: [{ binding: 'DB', database_name: `${worker}-db` }],
          r2_buckets: [{ binding: 'FILES', bucket_name: `${worker}-files` }],
        },
        null,
        2,
      )}\n`,
    );
  });

  afterAll(async () => {
    // Everything this run made goes, whatever failed: the Worker, then whatever provision left.
    const quiet = async (args: string[]) => {
      await run(args, { cwd: join(root, 'apps', 'contract') }).catch(() => undefined);
    };
    await quiet(['delete', '--name', worker, '--force']);
    try {
      const plan = await planProvision(configFile, undefined, { runWrangler: run, log: () => undefined }, root);
      await applyDestroy(plan, destroyList(plan), { runWrangler: run, log: () => undefined }, root);
    } catch {
      await quiet(['d1', 'delete', `${worker}-db`, '--skip-confirmation']);
      await quiet(['r2', 'bucket', 'delete', `${worker}-files`]);
    }
    await api?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('provision creates the KV namespace, D1 database and R2 bucket and writes their ids', async () => {
    const plan = await planProvision(configFile, undefined, { runWrangler: run, log }, root);
    expect(plan.resources.map((r) => [r.kind, r.action])).toEqual([
      ['kv_namespaces', 'create'],
      ['d1_databases', 'create'],
      ['r2_buckets', 'create'],
    ]);
    await applyProvision(plan, { runWrangler: run, log }, root);
    const config = readWranglerConfig(configFile).config;
    expect(config.kv_namespaces?.[0].id).toMatch(/^[0-9a-f]{32}$/);
    expect(config.d1_databases?.[0].database_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('deploy uploads it and records it; a secret is set by value on stdin', async () => {
    await deploy();
    const [record] = readDeploymentRecords(history());
    expect(record).toMatchObject({ project: 'contract', worker, result: 'deployed' });
    expect(record.d1Bookmarks?.[0]).toMatchObject({ binding: 'DB', database: `${worker}-db` });
    await runSecrets({ workspaceRoot: root, project: 'contract', projectRoot: 'apps/contract', configFile, action: 'set', key: 'GREETING' }, { runWrangler: run, log, readValue: async () => 'hello from a secret' });
    const listed = await wrangler(['secret', 'list', '--name', worker, '--format', 'json']);
    expect(JSON.parse(listed.slice(listed.indexOf('[')))).toEqual([{ name: 'GREETING', type: 'secret_text' }]);
    if (api) expect(api.script(worker)!.secrets.get('GREETING')).toBe(api.digest('hello from a secret'));
  });

  it('a gradual rollout splits traffic, then promote moves the new version to 100 %', async () => {
    await deploy(50);
    const rolling = readDeploymentRecords(history()).at(-1)!;
    expect(rolling).toMatchObject({ result: 'rolling-out', percentage: 50 });
    const promoted = await promote({ project: 'contract', env: '', historyFile: history(), cwd: root }, { runWrangler: run, log });
    expect(promoted).toMatchObject({ result: 'promoted', liveVersion: rolling.versionId });
  });

  it('tail shows the Worker’s lines and leaves no session open', async () => {
    const records: LogRecord[] = [];
    const sessions = startTailSessions([{ project: 'contract', worker }], {
      filters: {},
      spawnTail: (args) => spawnWranglerTail(root, args, { wranglerBin: join(REPO, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), env: { ...process.env, ...env } }),
      onRecord: (record) => void records.push(record),
      onEarlyEnd: (end) => log(`tail ended early: ${end.output.join(' ')}`),
    });
    const url = readDeploymentRecords(history()).find((r) => r.url)?.url ?? `https://${worker}.${api?.subdomain}.workers.dev`;
    for (let i = 0; i < 120 && !records.some((r) => r.message.includes('contract hit /tail')); i++) {
      if (api) {
        if (api.openTails().some((t) => t.connected)) {
          const now = Date.now();
          api.emitTail({ scriptName: worker, outcome: 'ok', eventTimestamp: now, event: { request: { url: `${url}/tail`, method: 'GET', headers: {} }, response: { status: 200 } }, logs: [{ message: [JSON.stringify({ level: 'info', message: 'contract hit /tail' })], level: 'log', timestamp: now }], exceptions: [], diagnosticsChannelEvents: [] });
        }
      } else await fetch(`${url}/tail`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
    await sessions.stop();
    expect(records.some((r) => r.service === 'contract' && r.message.includes('contract hit /tail')), lines.join('\n')).toBe(true);
    if (api) expect(api.openTails()).toEqual([]);
  });

  it('backup then restore returns D1, KV and R2 to what they held', async () => {
    const config = readWranglerConfig(configFile).config;
    const kvId = config.kv_namespaces![0].id!;
    await wrangler(['d1', 'execute', `${worker}-db`, '--remote', '--yes', '--command', "CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT); INSERT INTO notes (text) VALUES ('kept')"]);
    await wrangler(['kv', 'key', 'put', 'greeting', 'kept', '--namespace-id', kvId, '--remote']);
    writeFileSync(join(root, 'object.txt'), 'kept');
    await wrangler(['r2', 'object', 'put', `${worker}-files/docs/a.txt`, '--file', join(root, 'object.txt'), '--remote']);
    const manifest = await runBackup({ workspaceRoot: root, project: 'contract', projectRoot: 'apps/contract', configFile }, { runWrangler: run, log, environment: env, wranglerVersion: 'contract' });
    expect(manifest!.resources.map((r) => [r.kind, r.count])).toEqual([['d1', 1], ['kv', 1], ['r2', 1]]);

    await wrangler(['d1', 'execute', `${worker}-db`, '--remote', '--yes', '--command', "INSERT INTO notes (text) VALUES ('lost')"]);
    await wrangler(['kv', 'key', 'put', 'greeting', 'changed', '--namespace-id', kvId, '--remote']);
    await wrangler(['r2', 'object', 'delete', `${worker}-files/docs/a.txt`, '--remote']);

    const home = join(root, 'backups', 'top-level', 'contract');
    const [stamp] = readdirSync(home).filter((name) => !name.startsWith('.'));
    const folder = join(home, stamp);
    const deps = { runWrangler: run, log, environment: env };
    await applyRestore(await planRestore(folder, undefined, root, deps), root, deps);
    const rows = await wrangler(['d1', 'execute', `${worker}-db`, '--remote', '--json', '--command', 'SELECT text FROM notes ORDER BY id']);
    expect((JSON.parse(rows) as { results: { text: string }[] }[])[0].results.map((r) => r.text)).toEqual(['kept']);
    expect((await wrangler(['kv', 'key', 'get', 'greeting', '--namespace-id', kvId, '--remote', '--text'])).trim()).toBe('kept');
    await wrangler(['r2', 'object', 'get', `${worker}-files/docs/a.txt`, '--file', join(root, 'back.txt'), '--remote']);
    expect(readFileSync(join(root, 'back.txt'), 'utf8')).toBe('kept');
  });

  it('destroy deletes the resources and takes their ids out of the config', async () => {
    await wrangler(['r2', 'object', 'delete', `${worker}-files/docs/a.txt`, '--remote']); // a bucket must be empty to go
    const plan = await planProvision(configFile, undefined, { runWrangler: run, log }, root);
    const { deleted } = await applyDestroy(plan, destroyList(plan), { runWrangler: run, log }, root);
    expect(deleted).toBe(3);
    const config = readWranglerConfig(configFile).config;
    expect([config.kv_namespaces?.[0].id, config.d1_databases?.[0].database_id]).toEqual([undefined, undefined]);
    if (api) expect([api.account().kvNamespaces, api.account().d1Databases, api.account().r2Buckets].map((list) => list.length)).toEqual([0, 0, 0]);
  });
});
