// Environments, secrets, provisioning and deploy in a fresh workspace, with the real wrangler CLI
// talking to the fake Cloudflare API (test-support/fake-cloudflare) on 127.0.0.1.
// Three Workers a → b → c (service bindings), each with [env.staging] and [env.production].
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApiEnv, startFakeCloudflareApi, type FakeCloudflareApi, type TailEvent } from '../test-support/fake-cloudflare/fake-cloudflare-api';
import { createE2eWorkspace, type E2eWorkspace, type RunResult } from './support/workspace';

const API_KEY_VALUE = 'sk_live_E2E-NEVER-PRINTED-77';
const PUSHED_VALUE = 'pushed-E2E-NEVER-PRINTED-88';

function worker(name: string, binds: string | undefined, extra: { top?: object; staging?: object; production?: object } = {}): string {
  const services = (suffix: string) => (binds ? { services: [{ binding: binds.toUpperCase(), service: `${binds}${suffix}` }] } : {});
  return `{
  // ${name}: part of the a → b → c chain
  "name": "${name}",
  "main": "src/index.ts",
  "compatibility_date": "2026-04-20",
  ${JSON.stringify({ ...services(''), ...extra.top }).slice(1, -1) || '"workers_dev": true'},
  "env": {
    "staging": ${JSON.stringify({ ...services('-staging'), ...extra.staging })},
    "production": ${JSON.stringify({ ...services('-production'), ...extra.production })}
  }
}
`;
}

describe('deploy: environments, secrets, provisioning, rollback', () => {
  let ws: E2eWorkspace;
  let api: FakeCloudflareApi;
  let health: Server;
  const unhealthy = new Set<string>();
  const healthRequests: string[] = [];
  const printed: string[] = [];
  let env: Record<string, string>;

  const nx = async (args: string[], input?: string): Promise<RunResult> => {
    const result = await ws.nx(args, { env, input });
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const nxOk = async (args: string[], input?: string): Promise<RunResult> => {
    const result = await nx(args, input);
    if (result.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
    return result;
  };
  // Script uploads only (a new Worker, a new version, a dispatch namespace script; failed ones too), from request `from` on.
  const UPLOAD = /^(PUT \/accounts\/[^/]+\/workers\/(?:dispatch\/namespaces\/[^/]+\/)?scripts\/([^/]+)|POST \/accounts\/[^/]+\/workers\/scripts\/([^/]+)\/versions)$/;
  const uploadedScripts = (from = 0) =>
    api.requests
      .slice(from)
      .map((r) => UPLOAD.exec(`${r.method} ${r.path}`))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => m[2] ?? m[3]);
  const lastRun = async () => {
    const result = await ws.run('npx', ['nx-edge', 'history', '--last-run'], { env });
    printed.push(result.stdout, result.stderr);
    return result.stdout;
  };

  beforeAll(async () => {
    ws = await createE2eWorkspace('deploy');
    api = await startFakeCloudflareApi({ subdomain: 'acme' });
    health = createServer((req, res) => {
      // /<worker>/health, or /<worker>/<version>/health when a test asks for {version}
      const [, name, version] = (req.url ?? '').split('/');
      healthRequests.push(req.url ?? '');
      const down = unhealthy.has(name) || unhealthy.has(version);
      res.writeHead(down ? 503 : 200).end(down ? 'down' : 'ok');
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    env = {
      ...fakeApiEnv(api),
      NX_EDGE_HEALTH_BASE_URL: `http://127.0.0.1:${(health.address() as AddressInfo).port}/{worker}`,
    };
    await ws.run('git', ['init', '-q', '-b', 'main']);
    await ws.run('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'add', '-A']);
    await ws.run('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-q', '-m', 'workspace']);

    ws.write('apps/c/wrangler.jsonc', worker('c', undefined, {
      top: { kv_namespaces: [{ binding: 'CACHE', id: 'kv-local' }] },
      staging: { kv_namespaces: [{ binding: 'CACHE', id: 'kv-staging' }] },
      production: { kv_namespaces: [{ binding: 'CACHE', id: 'kv-production' }] },
    }));
    ws.write('apps/c/.dev.vars.example', '# c needs this in every env\nAPI_KEY=\n');
    ws.write('apps/b/wrangler.jsonc', worker('b', 'c', {
      top: { d1_databases: [{ binding: 'DB', database_name: 'b-db', database_id: 'local-b-db' }] },
      staging: { d1_databases: [{ binding: 'DB', database_name: 'b-staging-db' }], queues: { producers: [{ binding: 'JOBS', queue: 'b-jobs-staging' }] } },
      production: { d1_databases: [{ binding: 'DB', database_name: 'b-production-db', database_id: 'prod-db' }] },
    }));
    ws.write('apps/b/migrations/0001_init.sql', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n');
    ws.write('apps/a/wrangler.jsonc', worker('a', 'b'));
    // d has no [env.staging]: a staging run must not deploy its top level in its place.
    ws.write('apps/d/wrangler.jsonc', `{\n  "name": "d",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-04-20",\n  "env": { "production": {} }\n}\n`);
    for (const name of ['a', 'b', 'c', 'd']) {
      ws.write(`apps/${name}/src/index.ts`, `export default { fetch: () => new Response('${name}') };\n`);
    }
    await ws.run('git', ['add', '-A']);
    await ws.run('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-q', '-m', 'three workers']);
  });

  afterAll(async () => {
    await ws?.dispose();
    await api?.close();
    await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  });

  it('nx-edge setup creates .dev.vars from the example and applies local D1 migrations', async () => {
    const result = await ws.run('npx', ['nx-edge', 'setup'], { env });
    printed.push(result.stdout, result.stderr);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('+ created apps/c/.dev.vars from .dev.vars.example — fill in API_KEY');
    expect(result.stdout).toContain('+ applied local D1 migrations of apps/b (b-db)');
    expect(ws.exists('apps/c/.dev.vars')).toBe(true);
    expect(ws.exists('apps/b/.wrangler/state')).toBe(true);
  });

  it('provision: the plan changes nothing, apply creates and writes ids back, a re-run is a no-op', async () => {
    const before = ws.read('apps/b/wrangler.jsonc');
    const plan = await nxOk(['run', 'b:provision', '--configuration=staging', '--dry-run']);
    expect(plan.stdout).toMatch(/create\s+D1 database b-staging-db \(binding DB\); writes env\.staging\.d1_databases\[0\]\.database_id/);
    expect(plan.stdout).toMatch(/create\s+queue b-jobs-staging/);
    expect(plan.stdout).toContain('dry run: 2 changes planned; nothing created, nothing written.');
    expect(ws.read('apps/b/wrangler.jsonc')).toBe(before);
    expect(api.account().d1Databases).toEqual([]);

    await nxOk(['run', 'b:provision', '--configuration=staging']);
    const after = ws.read('apps/b/wrangler.jsonc');
    const db = api.account().d1Databases.find((d) => d.name === 'b-staging-db')!;
    expect(after).toContain(`"database_id": "${db.uuid}"`);
    expect(after).toContain('// b: part of the a → b → c chain');
    expect(api.account().queues.map((q) => q.queue_name)).toEqual(['b-jobs-staging']);

    const again = await nxOk(['run', 'b:provision', '--configuration=staging']);
    expect(again.stdout).toContain('nothing to do');
    expect(ws.read('apps/b/wrangler.jsonc')).toBe(after);
  });

  it('secrets: set from stdin, list names only, push .dev.vars.staging in one bulk call; values never printed', async () => {
    await nxOk(['run', 'c:secrets', '--configuration=staging', 'set', 'API_KEY'], API_KEY_VALUE);
    expect(api.script('c-staging')!.secrets.get('API_KEY')).toBe(api.digest(API_KEY_VALUE));
    // A value typed on the command line is refused before Nx runs anything, so not even Nx's task header echoes it.
    const typed = await nx(['run', 'c:secrets', '--configuration=staging', 'set', 'API_KEY', 'typed-on-argv-QX81']);
    expect(typed.code).not.toBe(0);
    expect(typed.stdout + typed.stderr).toContain('nx-edge: refused before running anything');
    expect(typed.stdout + typed.stderr).not.toContain('typed-on-argv-QX81');
    ws.write('apps/c/.dev.vars.staging', `PUSHED_TOKEN=${PUSHED_VALUE}\n`);
    await nxOk(['run', 'c:secrets', '--configuration=staging', 'push']);
    // One bulk call: a settings patch (wrangler 4.86) or a secrets-bulk merge patch (wrangler 4.117+).
    expect([...api.calls('/workers/scripts/c-staging/settings', 'PATCH'), ...api.calls('/workers/scripts/c-staging/secrets-bulk', 'PATCH')]).toHaveLength(1);
    const list = await nxOk(['run', 'c:secrets', '--configuration=staging', 'list']);
    expect(list.stdout).toContain('2 secrets on c-staging (env staging) (names only):');
    expect(list.stdout).toMatch(/ {2}API_KEY\n {2}PUSHED_TOKEN/);
    expect(api.script('c-staging')!.secrets.get('PUSHED_TOKEN')).toBe(api.digest(PUSHED_VALUE));
  });

  it('nx affected -t deploy --configuration=staging deploys c, then b, then a, under their staging names', async () => {
    const before = api.requests.length;
    // --output-style=static: Nx otherwise hides the output of successful tasks (URLs, summaries).
    const result = await nxOk(['affected', '-t', 'deploy', '--configuration=staging', '--base=HEAD~1', '--exclude=d', '--output-style=static']);
    expect(uploadedScripts(before)).toEqual(['c-staging', 'b-staging', 'a-staging']);
    for (const name of ['a', 'b', 'c']) {
      expect(result.stdout).toContain(`${name}-staging [staging]: https://${name}-staging.acme.workers.dev`);
      expect(result.stdout).toMatch(new RegExp(`✔ ${name} \\(staging\\) deployed: version [0-9a-f]{8} ${name}-staging → https://${name}-staging\\.acme\\.workers\\.dev`));
    }
    const history = await ws.run('npx', ['nx-edge', 'history', '--env', 'staging'], { env });
    expect(history.stdout.split('\n').filter((l) => / deployed /.test(l)).map((l) => l.split(/\s+/)[2])).toEqual(['c', 'b', 'a']);
    const sha = (await ws.run('git', ['rev-parse', 'HEAD'])).stdout.trim();
    const records = (await ws.run('npx', ['nx-edge', 'history', '--json', '--env', 'staging'], { env })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.project, r.env, r.result, r.gitSha, r.worker])).toEqual([
      ['c', 'staging', 'deployed', sha, 'c-staging'],
      ['b', 'staging', 'deployed', sha, 'b-staging'],
      ['a', 'staging', 'deployed', sha, 'a-staging'],
    ]);
    expect(records.map((r) => r.versionId)).toEqual(['c-staging', 'b-staging', 'a-staging'].map((n) => api.script(n)!.versions.at(-1)!.id));
  });

  it('nx-edge monitor: every staging Worker healthy → exit 0; one failing → exit 1 naming it; --watch prints transitions and posts them to a webhook', async () => {
    const monitor = (...args: string[]) => ws.run('npx', ['nx-edge', 'monitor', '-c', 'staging', ...args], { env });
    const ok = await monitor();
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    for (const name of ['a', 'b', 'c']) expect(ok.stdout).toMatch(new RegExp(`^${name} +\\| ${name}-staging +\\| HTTP 200 +\\| HTTP 200 +\\| \\d+ ms +\\| [0-9a-f]{8} +\\| same$`, 'm'));
    expect(ok.stdout).toContain('3 of 3 healthy in staging');
    unhealthy.add('b-staging');
    try {
      const failing = await monitor();
      expect(failing.code).toBe(1);
      expect(failing.stdout).toContain('1 of 3 unhealthy in staging: b (GET /health → HTTP 503)');
      const json = (await monitor('--json', '--projects=b,c')).stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(json.map((o) => [o.project, o.healthy])).toEqual([['b', false], ['c', true]]);

      const posted: unknown[] = [];
      const hook = createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d)).on('end', () => (posted.push(JSON.parse(body)), res.end()));
      });
      await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
      let out = '';
      // The CLI itself (not npx, which dies of the SIGINT instead of passing it on).
      const watch = ws.spawn(join(ws.root, 'node_modules', '.bin', 'nx-edge'), ['monitor', '-c', 'staging', '--watch', '--interval', '1', '--webhook', `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`], { env: { ...ws.env, ...env } });
      watch.stdout!.on('data', (d) => (out += d));
      await expect.poll(() => out, { timeout: 30_000 }).toContain('watching every 1 s');
      unhealthy.delete('b-staging');
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/\d\d:\d\d:\d\d b \(b-staging\) unhealthy → healthy\n/);
      unhealthy.add('a-staging');
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/\d\d:\d\d:\d\d a \(a-staging\) healthy → unhealthy: GET \/health → HTTP 503\n/);
      await expect.poll(() => posted.length, { timeout: 10_000 }).toBe(2);
      expect(posted).toEqual([
        expect.objectContaining({ project: 'b', worker: 'b-staging', env: 'staging', from: 'unhealthy', to: 'healthy' }),
        expect.objectContaining({ project: 'a', worker: 'a-staging', env: 'staging', from: 'healthy', to: 'unhealthy', detail: 'GET /health → HTTP 503' }),
      ]);
      const exited = new Promise<number | null>((resolve) => watch.once('exit', (code) => resolve(code)));
      process.kill(-watch.pid!, 'SIGINT');
      expect(await exited).toBe(1); // a is still unhealthy when it stops
      hook.close();
    } finally {
      unhealthy.delete('a-staging');
      unhealthy.delete('b-staging');
    }
    // Nothing deployed to that env yet: said plainly.
    const none = await ws.run('npx', ['nx-edge', 'monitor', '-c', 'qa'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no deployments of qa recorded in .nx-edge/deployments.jsonl: monitor checks what nx-edge deployed (nx run-many -t deploy -c qa).');
  });

  it('nx-edge tail -c staging --trace: one merged stream of that request in a, b and c only; Ctrl-C leaves no tail session open', async () => {
    const traces = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];
    // One request through a → b → c as each Worker's tail sees it: b and c get the traceparent a sent.
    const hop = (name: string, trace: string): TailEvent => ({
      scriptName: `${name}-staging`,
      outcome: 'ok' as const,
      eventTimestamp: Date.now(),
      event: {
        request: { url: `https://${name}-staging.acme.workers.dev/orders`, method: 'GET', headers: name === 'a' ? {} : { traceparent: `00-${trace}-00f067aa0ba902b7-01` } },
        response: { status: 200 },
      },
      logs: [{ message: [JSON.stringify({ time: new Date().toISOString(), level: 'info', service: name, trace_id: trace, message: `${name} handled the order` })], level: 'log', timestamp: Date.now() }],
      exceptions: [],
      diagnosticsChannelEvents: [],
    });
    let out = '';
    let err = '';
    const tail = ws.spawn(join(ws.root, 'node_modules', '.bin', 'nx-edge'), ['tail', '-c', 'staging', '--trace', traces[0], '--json'], { env: { ...ws.env, ...env } });
    tail.stdout!.on('data', (d) => (out += d));
    tail.stderr!.on('data', (d) => (err += d));
    await expect.poll(() => err, { timeout: 30_000 }).toContain('tailing a (a-staging), b (b-staging), c (c-staging) in staging; only trace 4bf92f3577b34da6a3ce929d0e0e4736 (Ctrl-C stops)');
    await expect.poll(() => api.openTails().filter((t) => t.connected).map((t) => t.script).sort(), { timeout: 30_000 }).toEqual(['a-staging', 'b-staging', 'c-staging']);
    for (const trace of [traces[1], traces[0], traces[1]]) for (const name of ['a', 'b', 'c']) api.emitTail(hop(name, trace));
    await expect.poll(() => out.trim().split('\n').filter(Boolean).length, { timeout: 10_000 }).toBe(6);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.service} ${l.worker} ${l.message}`).sort()).toEqual([
      'a a-staging GET /orders → 200', 'a a-staging a handled the order',
      'b b-staging GET /orders → 200', 'b b-staging b handled the order',
      'c c-staging GET /orders → 200', 'c c-staging c handled the order',
    ]);
    expect(new Set(lines.map((l) => l.trace_id))).toEqual(new Set([traces[0]]));
    const exited = new Promise<number | null>((resolve) => tail.once('exit', (code) => resolve(code)));
    process.kill(-tail.pid!, 'SIGINT'); // as a terminal's Ctrl-C: the whole process group
    expect(await exited, err).toBe(0);
    expect(err).toContain('closed 3 tail sessions');
    expect(api.openTails()).toEqual([]);
    expect(api.allTails().length).toBe(3);

    // --affected asks Nx: between a commit and itself nothing is affected, so there is nothing to tail.
    const none = await ws.run('npx', ['nx-edge', 'tail', '-c', 'staging', '--affected', '--base=HEAD', '--head=HEAD'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no project is affected (nx show projects --affected): nothing to tail.');
    expect(api.allTails().length).toBe(3);
  });

  it('tail sessions are closed whatever wrangler does: a killed wrangler\'s session is deleted through the API; 10 Ctrl-Cs with both cores busy leave none open', async () => {
    const startTail = async () => {
      let err = '';
      const tail = ws.spawn(join(ws.root, 'node_modules', '.bin', 'nx-edge'), ['tail', '-c', 'staging'], { env: { ...ws.env, ...env } });
      tail.stderr!.on('data', (d) => (err += d));
      tail.stdout!.resume();
      const exited = new Promise<number | null>((resolve) => tail.once('exit', (code) => resolve(code)));
      await expect.poll(() => api.openTails().filter((t) => t.connected).length, { timeout: 60_000, interval: 100 }).toBe(3);
      return { tail, exited, err: () => err };
    };
    // A wrangler killed outright (SIGKILL: it cannot delete its session) while the others keep tailing.
    const first = await startTail();
    const wranglerOfC = execFileSync('pgrep', ['-f', 'wrangler-dist/cli.js tail c-staging'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    for (const pid of wranglerOfC) process.kill(pid, 'SIGKILL');
    await expect.poll(() => first.err(), { timeout: 15_000 }).toContain('c (c-staging): its tail ended');
    process.kill(-first.tail.pid!, 'SIGINT');
    expect(await first.exited, first.err()).toBe(0);
    expect(first.err()).toContain('✔ c (c-staging): wrangler ended without closing its tail session (exit');
    expect(first.err()).toContain('nx-edge closed it through the API');
    expect(first.err()).toContain('closed 3 tail sessions');
    expect(api.openTails()).toEqual([]);

    // Ctrl-C ten times in a row with both cores busy (where the late-signal race showed).
    const hogs = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      for (let run = 1; run <= 10; run++) {
        const { tail, exited, err } = await startTail();
        process.kill(-tail.pid!, 'SIGINT');
        expect(await exited, `run ${run}: ${err()}`).toBe(0);
        expect(err(), `run ${run}`).toContain('closed 3 tail sessions');
        expect(api.openTails(), `run ${run}: ${err()}`).toEqual([]);
      }
    } finally {
      for (const hog of hogs) hog.kill('SIGKILL');
    }
  }, 600_000);

  it('gradual rollout: --percentage=10 checks the new version on its preview URL, then splits; promote moves it to 100 %, rollback returns another to its stable version; history has every step', async () => {
    const byVersion = { ...env, NX_EDGE_HEALTH_BASE_URL: env.NX_EDGE_HEALTH_BASE_URL + '/{version}' };
    const rollout = async (name: string) => {
      // --exclude-task-dependencies: this Worker alone (with them, its upstream Workers would roll out at 10 % too).
      const result = await ws.nx(['run', `${name}:deploy`, '--configuration=staging', '--percentage=10', '--exclude-task-dependencies', '--output-style=static'], { env: byVersion });
      printed.push(result.stdout, result.stderr);
      return result;
    };
    const split = (worker: string) => api.script(worker)!.deployments.at(-1)!.versions;
    const cliOk = async (...args: string[]) => {
      const result = await ws.run('npx', ['nx-edge', ...args], { env });
      printed.push(result.stdout, result.stderr);
      if (result.code !== 0) throw new Error(`nx-edge ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
      return result.stdout;
    };

    // c: 10 %, then promoted.
    const stableC = split('c-staging')[0].version_id;
    const c = await rollout('c');
    expect(c.code, c.stdout + c.stderr).toBe(0);
    const newC = api.script('c-staging')!.versions.at(-1)!.id;
    expect(healthRequests).toContain(`/c-staging/${newC}/health`); // checked on its own URL before any traffic moved
    expect(split('c-staging')).toEqual([{ version_id: newC, percentage: 10 }, { version_id: stableC, percentage: 90 }]);
    expect(c.stdout).toContain(`◐ c (staging) rolling out: version ${newC.slice(0, 8)} serves 10 % of c-staging, ${stableC.slice(0, 8)} the other 90 %`);
    expect(c.stdout).toContain('when it looks good: npx nx-edge promote c -c staging    to undo: npx nx-edge rollback c -c staging');
    expect(await cliOk('promote', 'c', '-c', 'staging')).toContain(`✔ c (staging) promoted: version ${newC.slice(0, 8)} serves 100 % of c-staging`);
    expect(split('c-staging')).toEqual([{ version_id: newC, percentage: 100 }]);

    // b: 10 %, then rolled back.
    const stableB = split('b-staging')[0].version_id;
    expect((await rollout('b')).code).toBe(0);
    const newB = api.script('b-staging')!.versions.at(-1)!.id;
    expect(split('b-staging')).toEqual([{ version_id: newB, percentage: 10 }, { version_id: stableB, percentage: 90 }]);
    // A deploy in the middle of it is refused before anything is uploaded.
    const uploadsB = api.script('b-staging')!.versions.length;
    const midway = await nx(['run', 'b:deploy', '--configuration=staging', '--exclude-task-dependencies']);
    expect(midway.code).not.toBe(0);
    expect(midway.stdout + midway.stderr).toContain(`b-staging is in the middle of a gradual rollout (${newB.slice(0, 8)} at 10 %, ${stableB.slice(0, 8)} at 90 %): finish it first with npx nx-edge promote b -c staging or npx nx-edge rollback b -c staging. Nothing was uploaded.`);
    expect(api.script('b-staging')!.versions.length).toBe(uploadsB);
    expect(await cliOk('rollback', 'b', '-c', 'staging')).toContain(`↩ b (staging) rolled back: version ${newB.slice(0, 8)} taken out of service by nx-edge rollback; traffic back on ${stableB.slice(0, 8)}`);
    expect(split('b-staging')).toEqual([{ version_id: stableB, percentage: 100 }]);

    // a: its new version fails on its preview URL → no traffic moves.
    const deploymentsA = api.script('a-staging')!.deployments.length;
    const stableA = split('a-staging')[0].version_id;
    unhealthy.add('a-staging');
    const a = await ws.nx(['run', 'a:deploy', '--configuration=staging', '--percentage=10', '--healthCheckAttempts=2', '--healthCheckIntervalMs=100', '--exclude-task-dependencies'], { env: byVersion }).finally(() => unhealthy.delete('a-staging'));
    printed.push(a.stdout, a.stderr);
    const newA = api.script('a-staging')!.versions.at(-1)!.id;
    expect(healthRequests, a.stdout + a.stderr).toContain(`/a-staging/${newA}/health`);
    expect(a.code).not.toBe(0);
    expect(a.stdout + a.stderr).toContain(`version ${newA} of a-staging failed its health check on its preview URL`);
    expect(a.stdout + a.stderr).toContain(`No traffic moved: ${stableA} still serves 100 %.`);
    expect(api.script('a-staging')!.deployments.length).toBe(deploymentsA);

    // Nothing in progress: promote says so and changes nothing.
    const none = await ws.run('npx', ['nx-edge', 'promote', 'b', '-c', 'staging'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('b has no rollout in progress in staging');
    expect(split('b-staging')).toEqual([{ version_id: stableB, percentage: 100 }]);

    const history = (await cliOk('history', '--json', '--env', 'staging')).trim().split('\n').map((l) => JSON.parse(l)).slice(-5);
    expect(history.map((r) => [r.project, r.result, r.versionId, r.percentage ?? r.rolledBackTo ?? null])).toEqual([
      ['c', 'promoted', newC, null],
      ['b', 'rolling-out', newB, 10],
      ['b', 'failed', undefined, null],
      ['b', 'rolled-back', newB, stableB],
      ['a', 'failed', newA, null],
    ]);
  });

  it('a project without the requested env, or a --percentage that is no whole number, is refused before anything runs, with no history record', async () => {
    const before = api.requests.length;
    const historyBefore = ws.read('.nx-edge/deployments.jsonl');
    const result = await nx(['run-many', '-t', 'deploy', '--configuration=staging', '--projects=d']);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain(
      'd has no "staging" configuration for deploy: apps/d/wrangler.jsonc has no [env.staging], so Nx started it without a configuration and wrangler would deploy its top level in place of staging. Nothing was uploaded.',
    );
    const half = await nx(['run', 'c:deploy', '--configuration=staging', '--percentage=50.5', '--exclude-task-dependencies']);
    expect(half.code).not.toBe(0);
    expect(half.stdout + half.stderr).toContain('--percentage must be a whole number from 1 to 99 (got 50.5)');
    expect(api.requests.length).toBe(before);
    expect(ws.read('.nx-edge/deployments.jsonl')).toBe(historyBefore);
  });

  it('Ctrl-C in the middle of a deploy: it says and records what is live, as after any failure', async () => {
    const historyLines = () => ws.read('.nx-edge/deployments.jsonl').trim().split('\n');
    const before = historyLines().length;
    let uploading = false;
    const uploadsBefore = api.calls('/workers/scripts/c-staging/versions', 'POST').length;
    const undo = api.inject({ method: 'POST', path: '/workers/scripts/c-staging/versions', delayMs: 15_000, times: 1, onMatch: () => (uploading = true) });
    let output = '';
    const deploy = ws.spawn('nx', ['run', 'c:deploy', '--configuration=staging', '--exclude-task-dependencies', '--output-style=stream', '--skip-nx-cache'], { env: { ...ws.env, ...env } });
    deploy.stdout!.on('data', (d) => (output += d));
    deploy.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => deploy.once('exit', (code) => resolve(code)));
    try {
      // This run's upload has reached the API (and hangs there): Ctrl-C now.
      await expect.poll(() => uploading, { timeout: 120_000, interval: 100 }).toBe(true);
      process.kill(-deploy.pid!, 'SIGINT'); // a terminal's Ctrl-C: the whole group
      await exited;
    } finally {
      undo();
    }
    await expect.poll(() => historyLines().length, { timeout: 30_000 }).toBe(before + 1).catch((error) => {
      throw new Error(`${(error as Error).message}\n${output}\n.nx-edge/tmp: ${ws.exists('.nx-edge/tmp') ? readdirSync(join(ws.root, '.nx-edge/tmp')).join(', ') : '(none)'}`);
    });
    const record = JSON.parse(historyLines().at(-1)!);
    expect(record).toMatchObject({ project: 'c', env: 'staging', result: 'failed', live: 'previous', liveVersion: api.script('c-staging')!.deployments.at(-1)!.versions[0].version_id });
    expect(record.reason).toMatch(/^interrupted by SIG(INT|TERM) during the deploy$/);
    // Nx silences its tasks' output after a Ctrl-C: the line goes to the terminal itself (none here), and to the history.
    const history = await ws.run('npx', ['nx-edge', 'history', '--last-run'], { env });
    expect(history.stdout).toMatch(/✘ c \(staging\) failed: interrupted by SIG(INT|TERM) during the deploy — nothing changed: [0-9a-f]{8} is still live/);
    // The hand-over file is gone (the finisher's log, empty when all went well, stays).
    expect(readdirSync(join(ws.root, '.nx-edge/tmp')).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(ws.read('.nx-edge/tmp/interrupted-deploy.log')).toBe('');
    // The upload the Ctrl-C cut off still ends at the API (as on Cloudflare): let it land here, so the tests
    // after this one count only their own requests.
    await expect.poll(() => api.calls('/workers/scripts/c-staging/versions', 'POST').length, { timeout: 30_000 }).toBeGreaterThan(uploadsBefore);
  }, 300_000);

  it('nx affected after a change to b alone: b and its dependent a, in that order (c only with task dependencies)', async () => {
    ws.write('apps/b/src/index.ts', `export default { fetch: () => new Response('b, changed') };\n`);
    await ws.run('git', ['-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-q', '-am', 'change b']);
    const affected = await ws.run('npx', ['nx', 'show', 'projects', '--affected', '--base=HEAD~1'], { env });
    expect(affected.stdout.split('\n').filter(Boolean).sort()).toEqual(['a', 'b']);
    await nxOk(['affected', '-t', 'build', '--base=HEAD~1']);
    const before = api.requests.length;
    await nxOk(['affected', '-t', 'deploy', '--configuration=staging', '--base=HEAD~1', '--exclude-task-dependencies']);
    expect(uploadedScripts(before)).toEqual(['b-staging', 'a-staging']);
  });

  it('an API failure in the middle of a run stops the services that depend on it; the summary says what was and was not deployed', async () => {
    const removeFailure = api.inject({ method: 'POST', path: '/workers/scripts/b-staging/versions', status: 500 });
    const before = api.requests.length;
    let result: RunResult;
    try {
      result = await nx(['run', 'a:deploy', '--configuration=staging']);
    } finally {
      removeFailure();
    }
    expect(result.code).not.toBe(0);
    // (wrangler may retry the failing upload: count Workers, not requests)
    expect([...new Set(uploadedScripts(before))]).toEqual(['c-staging', 'b-staging']);
    expect(api.calls('/workers/scripts/b-staging/versions', 'POST').at(-1)!.status).toBe(500);
    const output = result.stdout + result.stderr;
    expect(output).toContain('wrangler deploy failed for b-staging');
    expect(output).toContain('– a (staging) not deployed: depends on b, which failed');
    expect(await lastRun()).toMatch(/✔ c \(staging\) deployed: version [0-9a-f]{8} c-staging[^\n]*\n\s+✘ b \(staging\) failed: wrangler deploy failed for b-staging[^\n]*\n\s+– a \(staging\) not deployed: depends on b, which failed/);
  });

  it('--dry-run shows the order and sizes and uploads nothing, upstream included', async () => {
    const before = api.requests.length;
    const result = await nxOk(['run', 'a:deploy', '--configuration=staging', '--dry-run']);
    expect(result.stdout).toMatch(/\[3\/3\] would deploy a as a-staging \(env staging\), from dist\/apps\/a:\n\s+index\.js\s+[\d.]+ (B|KiB)\s+gzip/);
    expect(result.stdout).toContain('deploy order of this run: c → b → a');
    expect(result.stdout).toContain('nothing uploaded (dry run)');
    // params: "forward" makes the upstream deploys dry runs too.
    expect(result.stdout).toMatch(/nx run c:deploy:staging --dry-run/);
    expect(result.stdout).toMatch(/nx run b:deploy:staging --dry-run/);
    expect(api.requests.length).toBe(before);
  });

  it('a missing staging KV id fails before any upload, and the services that depend on it are reported not deployed', async () => {
    const good = ws.read('apps/c/wrangler.jsonc');
    ws.write('apps/c/wrangler.jsonc', good.replace('"id":"kv-staging"', '"id":""'));
    const before = api.requests.length;
    let result: RunResult;
    try {
      result = await nx(['run', 'a:deploy', '--configuration=staging']);
    } finally {
      ws.write('apps/c/wrangler.jsonc', good);
    }
    expect(result.code).not.toBe(0);
    const output = result.stdout + result.stderr;
    expect(output).toContain('apps/c/wrangler.jsonc: cannot deploy env "staging"');
    expect(output).toContain('kv_namespaces binding "CACHE" in [env.staging] has no KV namespace id');
    expect(output).toContain('– b (staging) not deployed: depends on c, which failed');
    expect(output).toContain('– a (staging) not deployed: depends on c, which failed');
    expect(api.requests.length).toBe(before);
    expect(await lastRun()).toMatch(/✘ c \(staging\) failed: apps\/c\/wrangler\.jsonc: cannot deploy env "staging"[^\n]*"CACHE"[^\n]*\n\s+– b \(staging\) not deployed[^\n]*\n\s+– a \(staging\) not deployed/);
  });

  it('a failing health check rolls back to the previous version and fails saying so', async () => {
    const live = api.script('c-staging')!.deployments.at(-1)!.versions[0].version_id;
    unhealthy.add('c-staging');
    const result = await nx(['run', 'c:deploy', '--configuration=staging', '--healthCheckAttempts=1']);
    unhealthy.delete('c-staging');
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(new RegExp(`c-staging failed its health check: GET http://127\\.0\\.0\\.1:\\d+/c-staging/health → HTTP 503 \\(1 attempt\\)\\. Rolled back: version ${live} serves c-staging again`));
    expect(api.script('c-staging')!.deployments.at(-1)!.versions).toEqual([{ version_id: live, percentage: 100 }]);
    expect(api.calls('/workers/scripts/c-staging/deployments', 'POST').at(-1)!.status).toBe(200);
  });

  it('deploys into a dispatch namespace set on the production configuration', async () => {
    ws.write('apps/c/project.json', JSON.stringify({ name: 'c', targets: { deploy: { configurations: { production: { dispatchNamespace: 'customers-prod' } } } } }, null, 2));
    const result = await nxOk(['run', 'c:deploy', '--configuration=production']);
    expect(api.calls('/workers/dispatch/namespaces/customers-prod/scripts/c-production', 'PUT')).toHaveLength(1);
    expect(result.stdout).toContain('✔ c (production) deployed');
    expect(result.stdout).toContain('in dispatch namespace customers-prod');
    expect(result.stdout).toContain('required secrets (API_KEY) not checked: wrangler cannot list secrets of dispatch namespace scripts.');
  });

  it('provision --destroy refuses what a deployed Worker still binds and needs --yes; it deletes the rest and their ids; --import adopts an existing namespace', async () => {
    // e reports on b's staging data: it binds the database b-staging (deployed above) uses, and has its own KV.
    const eConfig = (db: boolean) =>
      `{\n  // e: reports on b's data\n  "name": "e",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-04-20",\n  "env": {\n    "staging": {\n      ${db ? '"d1_databases": [{ "binding": "DB", "database_name": "b-staging-db" }],\n      ' : ''}// e's own cache\n      "kv_namespaces": [{ "binding": "CACHE" }]\n    }\n  }\n}\n`;
    ws.write('apps/e/wrangler.jsonc', eConfig(true));
    ws.write('apps/e/src/index.ts', `export default { fetch: () => new Response('e') };\n`);
    await nxOk(['run', 'e:provision', '--configuration=staging']);
    const kv = () => api.account().kvNamespaces.find((n) => n.title === 'e-staging-CACHE');
    expect(kv()).toBeDefined();

    const refused = await nx(['run', 'e:provision', '--configuration=staging', '--destroy', '--yes']);
    const said = refused.stdout + refused.stderr;
    expect(refused.code, said).toBe(1);
    expect(said).toContain('refusing to destroy what a deployed Worker still uses; nothing was deleted:');
    expect(said).toMatch(/- b-staging-db is bound by b-staging \(env staging, project b, deployed \d{4}-/);
    expect(said).not.toMatch(/at .*\.js:\d+/);
    expect(api.account().d1Databases.map((d) => d.name)).toContain('b-staging-db');
    expect(kv()).toBeDefined();

    // e stops sharing b's database: its own KV is what destroy deletes, and only once confirmed.
    ws.write('apps/e/wrangler.jsonc', eConfig(false).replace('"kv_namespaces": [{ "binding": "CACHE" }]', `"kv_namespaces": [{ "binding": "CACHE", "id": "${kv()!.id}" }]`));
    const unconfirmed = await nx(['run', 'e:provision', '--configuration=staging', '--destroy']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stdout + unconfirmed.stderr).toContain('nothing was deleted: destroying deletes their data for good. Confirm with --yes: nx run e:provision -c staging --destroy --yes');
    expect(kv()).toBeDefined();
    const destroyed = await nxOk(['run', 'e:provision', '--configuration=staging', '--destroy', '--yes']);
    expect(destroyed.stdout).toMatch(/destroy\s+KV namespace e-staging-CACHE \(binding CACHE\)/);
    expect(destroyed.stdout).toContain('destroyed: 1 deleted, 1 id removed from apps/e/wrangler.jsonc; provision creates them again.');
    expect(kv()).toBeUndefined();
    expect(ws.read('apps/e/wrangler.jsonc')).toBe(eConfig(false));

    // A namespace made outside nx-edge becomes e's cache: its id written in, comments kept, nothing created.
    api.account().kvNamespaces.push({ id: 'kv-legacy-e', title: 'legacy-e-cache' });
    const imported = await nxOk(['run', 'e:provision', '--configuration=staging', '--import=CACHE=legacy-e-cache']);
    expect(imported.stdout).toContain('imported KV namespace legacy-e-cache (kv-legacy-e) as CACHE');
    expect(ws.read('apps/e/wrangler.jsonc')).toContain('"id": "kv-legacy-e"');
    expect(ws.read('apps/e/wrangler.jsonc')).toContain("// e's own cache");
    expect(api.account().kvNamespaces.map((n) => n.title)).not.toContain('e-staging-CACHE');
  });

  it('no secret value appears in anything printed, any file written (history, Nx cache, wrangler logs) or the recorded API traffic', () => {
    const everything = [printed.join('\n'), ws.read('.nx-edge/deployments.jsonl'), JSON.stringify(api.requests)].join('\n');
    expect(everything).not.toContain('NEVER-PRINTED');
    // Every file of the workspace and of wrangler's hermetic home, except the file the user wrote the value into.
    const leaks: string[] = [];
    const scanned: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const full = join(dir, entry);
        const rel = relative(ws.root, full);
        if (rel === 'node_modules' || rel === 'apps/c/.dev.vars.staging') continue;
        const stat = statSync(full);
        if (stat.isDirectory()) walk(full);
        else if (stat.size < 20_000_000) {
          scanned.push(rel);
          const text = readFileSync(full, 'latin1');
          if (text.includes(API_KEY_VALUE) || text.includes(PUSHED_VALUE)) leaks.push(rel);
        }
      }
    };
    walk(ws.root);
    expect(scanned).toContain('.nx-edge/deployments.jsonl');
    expect(scanned.some((f) => f.startsWith('.e2e-home/config/.wrangler/logs/'))).toBe(true);
    expect(leaks).toEqual([]);
  });

  it('nx-edge reset --yes wipes local state', async () => {
    const result = await ws.run('npx', ['nx-edge', 'reset', '--yes'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(ws.exists('.nx-edge')).toBe(false);
    expect(ws.exists('apps/b/.wrangler/state')).toBe(false);
  });
});
