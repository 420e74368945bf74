// Environments that cannot leak, in a fresh workspace with the real wrangler CLI and the fake
// Cloudflare API: env-aware names from the generators, the isolation check, true deploy reports under
// a failure at every API step, one reading of .dev.vars, loud validate/build, no secret on argv.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi } from '../test-support/fake-cloudflare/fake-cloudflare-api';
import { freePort, get } from './support/http';
import { createE2eWorkspace, type E2eWorkspace, type RunResult } from './support/workspace';

const TYPED_SECRET = `typed-${Date.now()}-NEVER-KEEP-ME`;
const DEV_VARS = `A="x # y" # note\nB=plain # trailing\nC="l1\\nl2"\nD='single \\n kept'\n`;
const EXPECTED_VARS = { A: 'x # y', B: 'plain', C: 'l1\nl2', D: 'single \\n kept' };



/** Every file under dir whose text contains needle (binary files too: a secret is a secret). */
function filesContaining(dir: string, needle: string, skip = /node_modules/): string[] {
  if (!existsSync(dir)) return [];
  const hits: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = join(current, entry);
      if (skip.test(full)) continue;
      const stat = statSync(full, { throwIfNoEntry: false });
      if (!stat) continue;
      if (stat.isDirectory()) walk(full);
      else if (stat.size < 20_000_000 && readFileSync(full).includes(needle)) hits.push(full);
    }
  };
  walk(dir);
  return hits;
}

describe('environments that cannot leak', () => {
  let ws: E2eWorkspace;
  let api: FakeCloudflareApi;
  let health: Server;
  let env: Record<string, string>;
  const printed: string[] = [];

  const nx = async (args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> => {
    const result = await ws.nx(args, { env: { ...env, ...opts.env }, input: opts.input });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const nxOk = async (args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> => {
    const result = await nx(args, opts);
    if (result.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  };
  const edgeCli = async (args: string[]): Promise<RunResult> => {
    const result = await ws.run('npx', ['nx-edge', ...args], { env });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const liveOf = (name: string) => api.script(name)?.deployments.at(-1)?.versions.find((v) => v.percentage === 100)?.version_id;
  const lastRecord = async () => {
    // (Read whole: `nx-edge history --json | head` is also fine — see the EPIPE check below.)
    const lines = (await edgeCli(['history', '--json'])).stdout.trim().split('\n');
    return JSON.parse(lines.at(-1)!) as { result: string; live?: string; liveVersion?: string; versionId?: string };
  };

  beforeAll(async () => {
    ws = await createE2eWorkspace('env-safety');
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    health = createServer((_req, res) => res.writeHead(200).end('ok'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    env = { ...fakeApiEnv(api), NX_EDGE_HEALTH_BASE_URL: `http://127.0.0.1:${(health.address() as AddressInfo).port}/{worker}` };
    await nxOk(['g', '@aero/nx-edge:function', 'users', '--envs=staging', '--no-interactive']);
    await nxOk(['g', '@aero/nx-edge:function', 'api', '--envs=staging', '--no-interactive']);
  }, 240_000);

  afterAll(async () => {
    await ws?.dispose();
    await api?.close();
    await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  });

  it('a binding on a Worker with envs goes to every env under that env\'s names (the target\'s staging Worker, staging\'s own database); provision keeps top level and staging apart', async () => {
    // No --env: the top level and [env.staging] both get it (wrangler does not inherit bindings into envs).
    const both = await nxOk(['g', '@aero/nx-edge:binding', '--project=api', '--type=service', '--binding=USERS', '--service=users', '--no-interactive']);
    expect(both.stdout).toContain("nx-edge: USERS → users-staging (users's deployed name in staging)");
    expect(both.stdout).toContain('nx-edge: USERS added to the top level, [env.staging] of apps/api/wrangler.jsonc');
    // Asked again for staging alone: it is there already.
    const again = await nx(['g', '@aero/nx-edge:binding', '--project=api', '--type=service', '--binding=USERS', '--service=users', '--env=staging', '--no-interactive']);
    expect(again.code).not.toBe(0);
    expect(again.stdout + again.stderr).toContain('apps/api/wrangler.jsonc [env.staging] already has a binding named USERS');
    await nxOk(['g', '@aero/nx-edge:binding', '--project=api', '--type=d1', '--binding=DB', '--no-interactive']);
    const config = ws.read('apps/api/wrangler.jsonc');
    expect(config).toMatch(/"staging":[\s\S]*"service": "users-staging"/);
    expect(config).toMatch(/"staging":[\s\S]*"database_name": "api-db-staging"/);

    await nxOk(['run', 'api:provision']);
    await nxOk(['run', 'api:provision', '--configuration=staging']);
    const dbs = api.account().d1Databases;
    expect(dbs.map((d) => d.name).sort()).toEqual(['api-db', 'api-db-staging']);
    expect(new Set(dbs.map((d) => d.uuid)).size).toBe(2);

    const deployed = await nxOk(['run-many', '-t', 'deploy', '--configuration=staging', '--output-style=static']);
    expect(deployed.stdout).toContain('✔ api (staging) deployed');
    // Nothing of ours makes wrangler warn (the built wrangler.json's rules, vars, $schema).
    expect(deployed.stdout + deployed.stderr).not.toMatch(/does not have a fallback|exists at the top level, but not on "env\.staging"|\$schema/);
    expect(deployed.stdout + deployed.stderr).not.toContain('▲ [WARNING]');
    // With Nx's default output style the tasks' output is folded; the run summary is not.
    const folded = await nxOk(['run-many', '-t', 'deploy', '--configuration=staging']);
    expect(folded.stdout).toContain('Output of');
    expect(folded.stdout).toMatch(/nx-edge: 2 Workers built\n\s+api\s+[\d.]+ \S+\s+gzip [\d.]+ \S+.*\n\s+users\s+/);
    expect(folded.stdout).toMatch(/✔ api \(staging\) deployed: version \w+ api-staging → https:\/\/api-staging\.acme\.workers\.dev/);
    expect(folded.stdout).toMatch(/✔ users \(staging\) deployed: version \w+ users-staging → https:\/\/users-staging\.acme\.workers\.dev/);
    const version = api.script('api-staging')!.versions.at(-1)!;
    expect(version.targets.USERS).toBe('users-staging');
    expect(version.targets.DB).toBe(dbs.find((d) => d.name === 'api-db-staging')!.uuid);
  }, 240_000);

  it('a hand-edited staging binding to production\'s Worker is refused by dry-run and deploy, naming the fix; nothing is uploaded', async () => {
    const good = ws.read('apps/api/wrangler.jsonc');
    ws.write('apps/api/wrangler.jsonc', good.replace('"service": "users-staging"', '"service": "users"'));
    const before = api.requests.length;
    for (const extra of [['--dry-run'], []]) {
      const refused = await nx(['run', 'api:deploy:staging', '--exclude-task-dependencies', '--output-style=static', ...extra]);
      expect(refused.code).not.toBe(0);
      expect(refused.stdout + refused.stderr).toContain(
        'apps/api/wrangler.jsonc: [env.staging] services USERS names "users", but users is users\'s top-level (production) Worker — staging would reach it. Use "users-staging" (users deployed in staging), or mark that line // nx-edge: shared if staging should share it on purpose.',
      );
    }
    expect(api.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    const validate = await edgeCli(['validate', '--json']);
    expect(validate.code).toBe(1);
    expect(JSON.parse(validate.stdout).problems.map((p: { kind: string }) => p.kind)).toContain('env-isolation');
    // Opting in on that line lets it through validate.
    ws.write('apps/api/wrangler.jsonc', good.replace('"service": "users-staging"', '"service": "users" // nx-edge: shared'));
    expect(JSON.parse((await edgeCli(['validate', '--json'])).stdout).problems.filter((p: { kind: string }) => p.kind === 'env-isolation')).toEqual([]);
    ws.write('apps/api/wrangler.jsonc', good);
  }, 240_000);

  // Every API step of a deploy of an existing Worker, failing in turn. `outcome`: deployed (wrangler
  // tolerates it), previous (nothing changed), new (the new version is live although wrangler failed).
  const STEPS: { step: string; method: string; path: string; outcome: 'deployed' | 'previous' | 'new' }[] = [
    { step: 'settings read', method: 'GET', path: '/workers/scripts/api-staging/settings', outcome: 'deployed' },
    { step: 'version upload', method: 'POST', path: '/workers/scripts/api-staging/versions', outcome: 'previous' },
    { step: 'deployment', method: 'POST', path: '/workers/scripts/api-staging/deployments', outcome: 'previous' },
    { step: 'script settings', method: 'PATCH', path: '/workers/scripts/api-staging/script-settings', outcome: 'deployed' },
    { step: 'subdomain', method: 'POST', path: '/workers/scripts/api-staging/subdomain', outcome: 'new' },
    { step: 'routes', method: 'PUT', path: '/workers/scripts/api-staging/routes', outcome: 'new' },
    { step: 'schedules', method: 'PUT', path: '/workers/scripts/api-staging/schedules', outcome: 'new' },
    { step: 'secrets check', method: 'GET', path: '/workers/scripts/api-staging/secrets', outcome: 'previous' },
  ];

  it('a failure at every API step of a deploy: output and nx-edge history say what the API says is live', async () => {
    // Routes, crons and a required secret, so that every step happens.
    const config = ws.read('apps/api/wrangler.jsonc');
    ws.write(
      'apps/api/wrangler.jsonc',
      config.replace(/"staging": \{/, '"staging": {\n      "routes": [{ "pattern": "api.example.com/*", "zone_name": "example.com" }],\n      "triggers": { "crons": ["*/5 * * * *"] },'),
    );
    ws.write('apps/api/.dev.vars.example', 'API_KEY=\n');
    try {
      await nxOk(['run', 'api:secrets', '--configuration=staging', 'set', 'API_KEY'], { input: 'staging-key' });
      // Nx's default output style folds the deploy output of a multi-task run; the run summary does not.
      const first = await nxOk(['run', 'api:deploy:staging']); // builds, and deploys users first
      expect(first.stdout).toMatch(/nx-edge: \d+ Workers? built\n(\s+\S+.*\n)*\s+api\s+[\d.]+ \S+\s+gzip [\d.]+ \S+/);
      expect(first.stdout).toMatch(/nx-edge: this run's deploys[\s\S]*✔ api \(staging\) deployed: version \w+ api-staging → api\.example\.com/);
      await faultTable();
    } finally {
      ws.write('apps/api/wrangler.jsonc', config);
      ws.write('apps/api/.dev.vars.example', '');
    }
  }, 600_000);

  async function faultTable(): Promise<void> {
    const table: string[] = [];
    for (const { step, method, path, outcome } of STEPS) {
      const before = liveOf('api-staging')!;
      const undo = api.inject({ method, path: new RegExp(`${path.replace(/[/.-]/g, '\\$&')}$`), status: 500 });
      const run = await nx(['run', 'api:deploy:staging', '--exclude-task-dependencies', '--output-style=static']);
      undo();
      const actual = liveOf('api-staging')!;
      const record = await lastRecord();
      const said = (run.stdout + run.stderr).split('\n').find((l) => /^[✔✘↩] api \(staging\)/.test(l.trim()))?.trim() ?? '(no summary line)';
      table.push(`| ${step} | ${method} ${path} | ${record.result}${record.live ? `, live: ${record.live}` : ''} | ${actual === before ? 'previous' : 'new'} |`);
      if (outcome === 'deployed') {
        expect(run.code, said).toBe(0);
        expect([record.result, record.versionId]).toEqual(['deployed', actual]);
        continue;
      }
      expect(run.code, said).not.toBe(0);
      expect([step, record.result, record.live, record.liveVersion]).toEqual([step, 'failed', outcome, actual]);
      if (outcome === 'previous') {
        expect(actual).toBe(before);
        expect(said).toContain(`nothing changed: ${actual.slice(0, 8)} is still live`);
      } else {
        expect(actual).not.toBe(before);
        expect(said).toContain(`live: ${actual.slice(0, 8)} (the new version)`);
        expect(run.stdout + run.stderr).toContain('api-staging is healthy: GET');
      }
    }
    console.log(`[env-safety] fault table (step | request failed | reported | API says live):\n${table.join('\n')}`);
    // A reader that stops early (head) ends the output quietly.
    const head = await ws.run('sh', ['-c', 'npx nx-edge history --json | head -1'], { env });
    expect(head.stderr).not.toMatch(/EPIPE|Error/);
    expect(JSON.parse(head.stdout.trim()).project).toMatch(/^(api|users)$/);
  }

  it('one .dev.vars: the same file gives the same values in dev, in a test, and in what secrets push uploads', async () => {
    ws.write('apps/api/.dev.vars', DEV_VARS);
    ws.write('apps/api/.dev.vars.example', '');
    ws.write(
      'apps/api/src/index.ts',
      `export interface Env { A: string; B: string; C: string; D: string }\nexport default { fetch: (_r: Request, env: Env) => Response.json({ A: env.A, B: env.B, C: env.C, D: env.D }) };\n`,
    );
    ws.write(
      'apps/api/src/index.spec.ts',
      `import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '@aero/nx-edge/testing';
let worker: RunningWorker;
beforeAll(async () => { worker = await startWorker({ projectRoot: fileURLToPath(new URL('..', import.meta.url)) }); }, 30_000);
afterAll(() => worker?.dispose());
it('sees .dev.vars', async () => {
  const seen = await (await worker.fetch('/')).json();
  writeFileSync(fileURLToPath(new URL('../seen-in-test.json', import.meta.url)), JSON.stringify(seen));
  expect(seen).toEqual(${JSON.stringify(EXPECTED_VARS)});
});
`,
    );
    await nxOk(['test', 'api', '--skip-nx-cache']);
    const inTest = JSON.parse(ws.read('apps/api/seen-in-test.json'));

    const proxyPort = await freePort();
    const dev = ws.spawn('nx', ['run', 'api:dev', '--output-style=stream'], { env: { ...ws.env, ...env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    let inDev: unknown;
    try {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const answer = await get(proxyPort, `api.localhost:${proxyPort}`).catch(() => undefined);
        if (answer?.status === 200) {
          inDev = JSON.parse(answer.body);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      process.kill(-dev.pid!, 'SIGINT');
      await new Promise((r) => dev.once('exit', r));
    }

    await nxOk(['run', 'api:secrets', '--configuration=staging', 'push', '--file=.dev.vars']);
    const digest = (v: string) => createHash('sha256').update(v).digest('hex');
    const pushed = Object.fromEntries(Object.keys(EXPECTED_VARS).map((k) => [k, api.script('api-staging')!.secrets.get(k)]));

    expect(inTest).toEqual(EXPECTED_VARS);
    expect(inDev).toEqual(EXPECTED_VARS);
    expect(pushed).toEqual(Object.fromEntries(Object.entries(EXPECTED_VARS).map(([k, v]) => [k, digest(v)])));
  }, 300_000);

  it('validate exits 1 naming each broken case (one line each, --json for CI); build fails the broken Worker with file:line and builds the rest', async () => {
    const good = ws.read('apps/users/wrangler.jsonc');
    const restore = async () => {
      await ws.run('rm', ['-f', 'apps/users/wrangler.toml']);
      ws.write('apps/users/wrangler.jsonc', good);
    };
    const cases: [string, () => Promise<void> | void, RegExp][] = [
      ['a missing comma', () => ws.write('apps/users/wrangler.jsonc', good.replace('"main": "src/index.ts",', '"main": "src/index.ts"')), /apps\/users\/wrangler\.jsonc:\d+: invalid JSON: CommaExpected/],
      [
        'a toml with a bad string',
        async () => {
          await ws.run('rm', ['-f', 'apps/users/wrangler.jsonc']);
          ws.write('apps/users/wrangler.toml', 'name = "users\nmain = "src/index.ts"\n');
        },
        /apps\/users\/wrangler\.toml:1: invalid TOML/,
      ],
      ['a main that does not exist', () => ws.write('apps/users/wrangler.jsonc', good.replace('"main": "src/index.ts"', '"main": "src/nope.ts"')), /"main" is "src\/nope\.ts", which does not exist/],
      ['two Workers with one name', () => ws.write('apps/users/wrangler.jsonc', good.replace('"name": "users"', '"name": "api"')), /Worker name "api" is used by/],
      ['an env without a top-level binding', () => ws.write('apps/users/wrangler.jsonc', good.replace('"vars": {},', '"vars": {},\n  "kv_namespaces": [{ "binding": "CACHE", "id": "k1" }],')), /"CACHE" is declared at the top level but not in \[env\.staging\]/],
      ['an isolation violation', () => ws.write('apps/users/wrangler.jsonc', good.replace('"staging": {', '"staging": {\n      "services": [{ "binding": "API", "service": "api" }],')), /\[env\.staging\] services API names "api"/],

    ];
    for (const [what, breakIt, line] of cases) {
      await breakIt();
      const result = await edgeCli(['validate']);
      expect(result.code, `${what}: ${result.stdout}`).toBe(1);
      expect(result.stdout, what).toMatch(line);
      const json = await edgeCli(['validate', '--json']);
      expect(json.code, what).toBe(1);
      expect(JSON.parse(json.stdout).ok).toBe(false);
      await restore();
    }
    const sound = await edgeCli(['validate']);
    expect(sound.code, sound.stdout).toBe(0);
    // A cycle is allowed (Workers may call each other): a note, exit 0.
    ws.write('apps/users/wrangler.jsonc', good.replace('"vars": {},', '"vars": {},\n  "services": [{ "binding": "API", "service": "api" }],').replace('"staging": {', '"staging": {\n      "services": [{ "binding": "API", "service": "api-staging" }],'));
    const cyclic = await edgeCli(['validate']);
    await restore();
    expect(cyclic.code, cyclic.stdout).toBe(0);
    expect(cyclic.stdout).toMatch(/ℹ service graph cycle: (api → users → api|users → api → users) — allowed/);

    ws.write('apps/users/wrangler.jsonc', good.replace('"main": "src/index.ts",', '"main": "src/index.ts"'));
    await ws.run('rm', ['-rf', 'dist']);
    const build = await nx(['run-many', '-t', 'build', '--skip-nx-cache', '--output-style=static']);
    ws.write('apps/users/wrangler.jsonc', good);
    expect(build.code).not.toBe(0);
    expect(build.stdout + build.stderr).toMatch(/apps\/users\/wrangler\.jsonc:\d+: invalid JSON: CommaExpected/);
    // users generates its Env first (types), from the same config: that is the task that fails.
    expect(build.stdout + build.stderr).toMatch(/Failed tasks:\s+- users:types/);
    expect(ws.exists('dist/apps/api/wrangler.json')).toBe(true);
  }, 300_000);

  it('a secret typed on the command line, in any form, is refused and found nowhere: output, .nx, ~/.nx, .nx-edge, wrangler logs', async () => {
    const forms = [
      ['run', 'api:secrets:staging', 'set', 'API_KEY', TYPED_SECRET],
      ['run', 'api:secrets', '--configuration=staging', 'set', `API_KEY=${TYPED_SECRET}`],
      ['secrets', 'api', 'set', 'API_KEY', TYPED_SECRET],
      ['run', 'api:secrets:staging', 'set', 'API_KEY', `--value=${TYPED_SECRET}`],
      ['run-many', '-t', 'secrets', '-c', 'staging', 'set', 'API_KEY', TYPED_SECRET],
      ['run', 'api:secrets', '-c', 'staging', 'set', `API_KEY ${TYPED_SECRET}`],
      ['run', 'api:secrets', '-c', 'staging', 'set', '--key=API_KEY', TYPED_SECRET],
      ['run', 'api:secrets', '-c', 'staging', 'set', `--key=API_KEY=${TYPED_SECRET}`],
      ['run', 'api:secrets', '-c', 'staging', `--args=set API_KEY ${TYPED_SECRET}`],
      ['run', 'api:secrets', '-c', 'staging', '--', 'set', 'API_KEY', TYPED_SECRET],
      ['run', 'api:backup', '-c', 'staging', `--key=${TYPED_SECRET}`],
    ];
    for (const args of forms) {
      const result = await nx(args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stdout + result.stderr).toContain('nx-edge: refused before running anything');
    }
    expect(printed.join('\n')).not.toContain(TYPED_SECRET);
    expect(filesContaining(join(ws.root, '.nx'), TYPED_SECRET)).toEqual([]);
    expect(filesContaining(join(homedir(), '.nx'), TYPED_SECRET)).toEqual([]);
    expect(filesContaining(join(ws.root, '.nx-edge'), TYPED_SECRET)).toEqual([]);
    expect(filesContaining(join(ws.root, '.e2e-home'), TYPED_SECRET)).toEqual([]); // wrangler's logs and config
    expect(api.requests.some((r) => JSON.stringify(r).includes(TYPED_SECRET))).toBe(false);
  }, 240_000);
});
