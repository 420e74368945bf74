import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, freePort, get, procStat, type DevLogRecord as JsonlRecord, type DevStatus as Status } from './support/http';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

// `nx run-many -t dev` in a fresh workspace: two Workers (gateway → users by a service binding,
// gateway importing a lib) and one non-Worker service, run by Nx in the background as a user would.





/** Nx's isolated plugin workers among a process's children (cmdline: node …/plugin-worker.js <socket> <plugin>). */
function pluginWorkersOf(parent: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    if (Number(procStat(Number(entry))?.[1]) !== parent) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.some((word) => word.endsWith('plugin-worker.js'))) found.push(cmd[cmd.length - 3] || cmd.join(' '));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('nx run-many -t dev', () => {
  let ws: E2eWorkspace;
  let proxyPort: number;
  let mailerPort: number;
  let nx: ChildProcess;
  let output = '';

  const status = async (): Promise<Status[]> => JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body);
  const records = (): JsonlRecord[] =>
    ws
      .read('.nx-edge/logs/dev.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const stateEvents = (service: string) => records().filter((r) => r.service === service && r.fields?.event === 'state');

  beforeAll(async () => {
    ws = await createE2eWorkspace('dev');
    proxyPort = await freePort();
    mailerPort = await freePort();
    await ws.nxOk(['g', '@aero/nx-edge:function', 'users', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:function', 'gateway', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:lib', 'text', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=gateway', '--type=service', '--binding=USERS', '--service=users', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=users', '--type=kv', '--binding=CACHE', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=users', '--type=d1', '--binding=DB', '--no-interactive']);
    ws.write('libs/text/src/index.ts', `export const banner = (who: string) => \`hello \${who} v1\`;\n`);
    ws.write(
      'apps/gateway/src/index.ts',
      `import { log, withEdge } from '@aero/edge-runtime';
import { banner } from '@shared/text';

export interface Env { USERS: Fetcher }

export default withEdge<Env>(
  {
    async fetch(request, env) {
      if (new URL(request.url).pathname === '/ping') return new Response('pong');
      log.info('gateway asks users');
      const users = await (await env.USERS.fetch('https://users/')).json();
      return Response.json({ banner: banner('gateway'), users });
    },
  },
  { service: 'gateway' },
);
`,
    );
    ws.write(
      'apps/mailer/server.mjs',
      `import { createServer } from 'node:http';\ncreateServer((req, res) => res.end(req.url === '/health' ? 'ok' : 'mailer')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('mailer up on ' + process.env.PORT));\n`,
    );
    ws.write(
      'apps/mailer/project.json',
      JSON.stringify({
        name: 'mailer',
        targets: {
          dev: {
            executor: '@aero/nx-edge:service',
            continuous: true,
            readyWhen: { signal: true },
            options: { command: 'node server.mjs', port: mailerPort, health: { type: 'http', path: '/health', status: 200 } },
          },
        },
      }),
    );
    // gateway needs mailer too (an implicit edge: it is not a Worker binding).
    const gatewayProject = ws.exists('apps/gateway/project.json') ? ws.readJson('apps/gateway/project.json') : { name: 'gateway' };
    ws.write('apps/gateway/project.json', JSON.stringify({ ...gatewayProject, implicitDependencies: ['mailer'] }));

    nx = ws.spawn('nx', ['run-many', '-t', 'dev', '--output-style=stream'], { env: { ...ws.env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    nx.stdout!.on('data', (d) => (output += d));
    nx.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 150_000;
    while ((await status().catch(() => [])).filter((s) => s.state === 'healthy').length < 3) {
      if (Date.now() > deadline || nx.exitCode !== null) throw new Error(`dev did not bring up 3 healthy services:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 240_000);

  afterAll(async () => {
    await ws?.dispose();
  });

  it('starts upstream services before their dependents, each once the others are healthy', async () => {
    const healthy = (s: string) => stateEvents(s).find((r) => r.fields!.to === 'healthy')!.time;
    const starting = (s: string) => stateEvents(s).find((r) => r.fields!.to === 'starting')!.time;
    expect(starting('gateway')).toBeGreaterThanOrEqual(healthy('users'));
    expect(starting('gateway')).toBeGreaterThanOrEqual(healthy('mailer'));
    expect((await status()).map((s) => s.service)).toEqual(expect.arrayContaining(['users', 'mailer', 'gateway']));
    // The merged stream: each line `HH:MM:SS.mmm [service] …`.
    expect(output).toMatch(/\d\d:\d\d:\d\d\.\d{3} \[mailer\] info mailer up on/);
  });

  it('routes gateway.localhost through the proxy; the call to users shares one trace id in both logs', async () => {
    const answer = await get(proxyPort, `gateway.localhost:${proxyPort}`);
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body);
    expect(body.banner).toBe('hello gateway v1');
    expect(body.users.service).toBe('users');
    await expect.poll(() => records().filter((r) => r.service === 'users' && r.message === 'request').length, { timeout: 10_000 }).toBeGreaterThan(0);
    const gatewayLine = records().find((r) => r.service === 'gateway' && r.message === 'gateway asks users')!;
    const usersLine = records().find((r) => r.service === 'users' && r.message === 'request')!;
    expect(gatewayLine.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(usersLine.trace_id).toBe(gatewayLine.trace_id);
    // The Host guard: a foreign Host is refused.
    expect((await get(proxyPort, 'evil.example.com')).status).toBe(403);
  });

  it('a killed users process is restarted with backoff', async () => {
    const before = (await status()).find((s) => s.service === 'users')!;
    process.kill(before.pid!, 'SIGKILL');
    await expect.poll(async () => (await status()).find((s) => s.service === 'users')?.restarts, { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await status()).find((s) => s.service === 'users')?.state, { timeout: 30_000 }).toBe('healthy');
    const failed = stateEvents('users').find((r) => r.fields!.to === 'failed')!;
    expect(failed.message).toMatch(/restarting in 1 s/);
    const restarted = stateEvents('users').filter((r) => r.time > failed.time && r.fields!.to === 'starting')[0];
    expect(restarted.time - failed.time).toBeGreaterThanOrEqual(900);
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.service).toBe('users');
  });

  it('20 consecutive saves of users swap its code in place: KV and D1 data accumulate, the service binding keeps answering, workerd is never restarted', async () => {
    const usersSource = (version: number) => `import { log, withEdge } from '@aero/edge-runtime';

export interface Env { CACHE: KVNamespace; DB: D1Database }

export default withEdge<Env>(
  {
    async fetch(request, env) {
      log.info('users save ${version}');
      const calls = Number((await env.CACHE.get('calls')) ?? 0) + 1;
      await env.CACHE.put('calls', String(calls));
      await env.DB.exec('CREATE TABLE IF NOT EXISTS calls (version INTEGER)');
      await env.DB.prepare('INSERT INTO calls (version) VALUES (?)').bind(${version}).run();
      const rows = await env.DB.prepare('SELECT count(*) AS n, count(DISTINCT version) AS versions FROM calls').first<{ n: number; versions: number }>();
      return Response.json({ service: 'users', version: ${version}, calls, rows: rows?.n, versions: rows?.versions });
    },
  },
  { service: 'users' },
);
`;
    const workerdPid = (await status()).find((s) => s.service === 'users')!.pid;
    const reloadsBefore = records().filter((r) => r.service === 'users' && r.message.startsWith('reloaded after')).length;
    const seen: { version: number; calls: number; rows: number; versions: number }[] = [];
    for (let version = 1; version <= 20; version++) {
      ws.write('apps/users/src/index.ts', usersSource(version));
      let users: { version: number; calls: number; rows: number; versions: number } | undefined;
      await expect
        .poll(
          async () => {
            users = JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users;
            return users?.version;
          },
          { timeout: 15_000, interval: 50 },
        )
        .toBe(version);
      seen.push(users!);
    }
    // Every save's data is still there: the KV counter and the D1 rows only grow, one version per save.
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].calls).toBeGreaterThan(seen[i - 1].calls);
      expect(seen[i].rows).toBeGreaterThan(seen[i - 1].rows);
    }
    expect(seen.at(-1)!.versions).toBe(20);
    expect(seen.at(-1)!.rows).toBe(seen.at(-1)!.calls);
    const reloads = records().filter((r) => r.service === 'users' && r.message.startsWith('reloaded after')).slice(reloadsBefore);
    expect(reloads).toHaveLength(20);
    for (const r of reloads) expect(r.message).toMatch(/^reloaded after a change in apps\/users\/src\/index\.ts \(\d+ ms, swapped in place; build \d+ ms, swap \d+ ms\)$/);
    const times = reloads.map((r) => Number(/\((\d+) ms/.exec(r.message)![1])).sort((a, b) => a - b);
    console.log(`[dev e2e] 20 swapped reloads of users: median ${times[10]} ms, max ${times[19]} ms`);
    // One workerd throughout; gateway never reloaded; traces still cross both Workers.
    const workers = (await status()).filter((s) => s.service !== 'mailer');
    expect(workers.map((s) => [s.service, s.pid, s.state])).toEqual(workers.map((s) => [s.service, workerdPid, 'healthy']));
    expect(records().some((r) => r.service === 'gateway' && r.message.startsWith('reloaded after'))).toBe(false);
    const traceOf = (service: string, message: string) => records().filter((r) => r.service === service && r.message === message).at(-1)?.trace_id;
    await expect.poll(() => traceOf('users', 'users save 20'), { timeout: 10_000 }).toMatch(/^[0-9a-f]{32}$/);
    expect(traceOf('users', 'users save 20')).toBe(traceOf('gateway', 'gateway asks users'));
  }, 240_000);

  it('editing a lib reloads the Worker that imports it', async () => {
    ws.write('libs/text/src/index.ts', `export const banner = (who: string) => \`hello \${who} v2\`;\n`);
    await expect.poll(async () => JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).banner, { timeout: 30_000, interval: 200 }).toBe('hello gateway v2');
  });

  it('a Worker logging 2 MB and terminal escapes: the other Worker keeps answering, the log is cut with a note, the terminal gets the escapes inert', async () => {
    const pingTimes = async (n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        expect((await get(proxyPort, `gateway.localhost:${proxyPort}`, '/ping')).body).toBe('pong');
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b);
    };
    const usual = await pingTimes(20);
    ws.write(
      'apps/users/src/index.ts',
      `import { log, withEdge } from '@aero/edge-runtime';

export default withEdge(
  {
    async fetch(request) {
      if (new URL(request.url).pathname === '/flood') {
        // What an attacker's input looks like once a Worker logs it: 2 MB without an '@' (the old scrubber's worst case).
        console.log('flood ' + 'a.'.repeat(1_000_000));
        console.log('hostile \u001b]0;pwned\u0007 \u001b[2J\u001b[1A\u001b[2K end');
        return new Response('flooded');
      }
      log.info('users answers');
      return Response.json({ service: 'users', version: 21 });
    },
  },
  { service: 'users' },
);
`,
    );
    await expect.poll(async () => JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users?.version, { timeout: 15_000, interval: 100 }).toBe(21);
    const flood = get(proxyPort, `users.localhost:${proxyPort}`, '/flood');
    const during = await pingTimes(20);
    expect((await flood).body).toBe('flooded');
    console.log(`[dev e2e] gateway /ping while users logs 2 MB: median ${during[10].toFixed(1)} ms, max ${during[19].toFixed(1)} ms (usual: median ${usual[10].toFixed(1)} ms, max ${usual[19].toFixed(1)} ms)`);
    // Usual latency: what one slow request of a busy 2-core machine also costs, never the seconds a stalled workerd took.
    expect(during[19]).toBeLessThan(Math.max(10 * usual[19], 1000));
    await expect.poll(() => records().find((r) => r.service === 'users' && r.message.startsWith('flood '))?.message.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const logged = records().find((r) => r.service === 'users' && r.message.startsWith('flood '))!;
    expect(logged.message).toMatch(/… \[truncated: \d+ more characters\]$/);
    expect(logged.message.length).toBeLessThan(17_000);
    // The JSONL keeps the exact text; the terminal shows it inert.
    await expect.poll(() => records().some((r) => r.message.startsWith('hostile \u001b]0;pwned')), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => output.includes('hostile \\x1b]0;pwned\\x07 \\x1b[2J\\x1b[1A\\x1b[2K end'), { timeout: 10_000 }).toBe(true);
    expect(output).not.toContain('\u001b]0;pwned');
  }, 120_000);

  it('the dashboard (headless Chromium) shows this session live and filters its log to a clicked trace id', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.goto(`http://localhost:${proxyPort}/#services`);
      const state = (service: string) => page.locator(`#services tbody tr[data-service="${service}"] td.state`).textContent();
      await expect.poll(() => page.locator('#services tbody tr').count(), { timeout: 15_000 }).toBe(3);
      for (const service of ['users', 'mailer', 'gateway']) await expect.poll(() => state(service), { timeout: 15_000 }).toBe('healthy');
      // users was killed and restarted once in an earlier test: the table says so.
      expect(await page.locator('#services tbody tr[data-service="users"] td').nth(6).textContent()).toBe('1');

      // A fresh request while the page is open: its lines arrive live, and its trace id filters to
      // the lines of both services that handled it.
      await page.click('#tab-logs');
      await get(proxyPort, `gateway.localhost:${proxyPort}`);
      const asks = page.locator('#log .line[data-service="gateway"]', { hasText: 'gateway asks users' });
      await expect.poll(() => asks.count(), { timeout: 15_000 }).toBeGreaterThan(0);
      const trace = await asks.last().locator('.trace').getAttribute('data-trace');
      expect(trace).toMatch(/^[0-9a-f]{32}$/);
      // Health probes keep adding lines: click the trace id read above, wherever it is now.
      await page.locator(`#log .trace[data-trace="${trace}"]`).first().click();
      expect(await page.inputValue('#f-trace')).toBe(trace);
      const filtered = page.locator('#log .line');
      await expect
        .poll(() => filtered.evaluateAll((els) => [...new Set(els.map((e) => (e as HTMLElement).dataset.service))].sort()), { timeout: 15_000 })
        .toEqual(['gateway', 'users']);
      expect(await filtered.evaluateAll((els) => els.every((e) => (e as HTMLElement).dataset.trace === (document.getElementById('f-trace') as HTMLInputElement).value))).toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('`nx-edge status` prints the table (even after .nx-edge/ was deleted: the hub recreates it, private, and says so); `nx-edge validate` finds no problem', async () => {
    rmSync(join(ws.root, '.nx-edge'), { recursive: true, force: true });
    await expect.poll(() => ws.exists('.nx-edge/dev/hub.json') && records().some((r) => r.message.startsWith('recreated .nx-edge/dev/hub.json')), { timeout: 10_000 }).toBe(true);
    expect(statSync(join(ws.root, '.nx-edge')).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws.root, '.nx-edge', 'logs', 'dev.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(ws.root, '.nx-edge', 'dev', 'hub.json')).mode & 0o777).toBe(0o600);
    const table = await ws.run('npx', ['nx-edge', 'status']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/service\s+\|?\s*state/);
    expect(table.stdout).toMatch(/gateway.*healthy/);
    const validate = await ws.run('npx', ['nx-edge', 'validate'], { env: { NX_EDGE_PROXY_PORT: String(await freePort()) } });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  });

  it('Ctrl-C stops every process it started', async () => {
    const pids = [...new Set((await status()).map((s) => s.pid).filter((p): p is number => !!p))];
    const hubPid = ws.readJson('.nx-edge/dev/hub.json').pid as number;
    pids.push(hubPid);
    expect(pids.every(alive)).toBe(true);
    const before = records().length;
    // Our plugin's worker left once the run had started (Nx starts it again for the end-of-run hook).
    expect(pluginWorkersOf(nx.pid!)).toEqual([]);
    process.kill(-nx.pid!, 'SIGINT');
    await new Promise((resolve) => nx.once('exit', resolve));
    await expect.poll(() => pids.filter(alive), { timeout: 20_000 }).toEqual([]);
    expect(output).not.toMatch(/exited unexpectedly|plugin worker/i);
    const leftover = () => (ws.exists('.nx-edge/dev/hub.json') ? `hub.json: ${ws.read('.nx-edge/dev/hub.json')} (hub was ${hubPid})\n${ws.read('.nx-edge/dev/hub.log')}` : '');
    expect(ws.exists('.nx-edge/dev/hub.json'), leftover()).toBe(false);
    // A stop is not a failure: stopping → stopped for each, dependents first, nothing failed.
    const stop = records().slice(before);
    expect(stop.filter((r) => r.fields?.to === 'failed')).toEqual([]);
    const stopped = stop.filter((r) => r.fields?.to === 'stopped').map((r) => r.service);
    expect(stopped.sort()).toEqual(['gateway', 'mailer', 'users']);
    expect(stop.filter((r) => r.fields?.to === 'stopping').map((r) => r.service).sort()).toEqual(['gateway', 'mailer', 'users']);
    const order = stop.filter((r) => r.fields?.to === 'stopped').map((r) => r.service);
    expect(order[0]).toBe('gateway');
  });

  it("runs under Nx's terminal UI too (a pseudo-terminal, as in a developer's shell), and Ctrl-C there stops everything", async () => {
    // util-linux `script` gives Nx a real terminal; Nx only shows its TUI on one with a size.
    const tui = ws.spawn('script', ['-qfec', 'stty cols 120 rows 40; exec nx run-many -t dev --tui', '/dev/null'], { env: { ...ws.env, NX_TUI: 'true', NX_EDGE_PROXY_PORT: String(proxyPort) } });
    let screen = '';
    tui.stdout!.on('data', (d) => (screen += d));
    await expect
      .poll(async () => (await status().catch(() => [])).filter((s) => s.state === 'healthy').length, { timeout: 150_000, interval: 500 })
      .toBe(3);
    expect(screen).toContain('Continuous'); // Nx's TUI task list, not the plain stream
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.service).toBe('users');
    const pids = [...new Set((await status()).map((s) => s.pid).filter((p): p is number => !!p)), ws.readJson('.nx-edge/dev/hub.json').pid as number];
    process.kill(-tui.pid!, 'SIGINT');
    await expect.poll(() => pids.filter(alive), { timeout: 30_000, interval: 250 }).toEqual([]);
    expect(ws.exists('.nx-edge/dev/hub.json')).toBe(false);
  }, 240_000);
  it('closure mode: `nx run gateway:dev` is one Worker task — the hub brings up users and audit (a cycle) itself, mailer keeps its Nx task; one merged log; killing Nx leaves nothing behind', async () => {
    // audit ↔ users call each other (a cycle); gateway → users; gateway needs mailer (not a Worker).
    await ws.nxOk(['g', '@aero/nx-edge:function', 'audit', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=audit', '--type=service', '--binding=USERS', '--service=users', '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=users', '--type=service', '--binding=AUDIT', '--service=audit', '--no-interactive']);
    const graph = JSON.parse((await ws.nxOk(['show', 'project', 'gateway', '--json'])).stdout) as { targets: { dev: { dependsOn: unknown } } };
    expect(graph.targets.dev.dependsOn).toEqual([{ projects: ['mailer'], target: 'dev' }]);

    const single = ws.spawn('nx', ['run', 'gateway:dev', '--output-style=stream'], { env: { ...ws.env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    let singleOutput = '';
    single.stdout!.on('data', (d) => (singleOutput += d));
    single.stderr!.on('data', (d) => (singleOutput += d));
    await expect
      .poll(async () => (await status().catch(() => [])).filter((s) => s.state === 'healthy').map((s) => s.service).sort(), { timeout: 150_000, interval: 500 })
      .toEqual(['audit', 'gateway', 'mailer', 'users']);
    // Each answers at its own name through the proxy; the chain works.
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.service).toBe('users');
    expect((await get(proxyPort, `audit.localhost:${proxyPort}`)).status).toBe(200);
    expect((await status()).find((s) => s.service === 'audit')!.hosts).toEqual(['audit']);
    await expect.poll(() => singleOutput, { timeout: 10_000 }).toContain('gateway is ready');
    // Nx keeps no plugin worker of ours for the session's length (without the daemon, ~70 MB): ours left after
    // the pre-task hook; Nx's own after the graph.
    await expect.poll(() => pluginWorkersOf(single.pid!), { timeout: 10_000 }).toEqual([]);
    // Nx ran two tasks: gateway's (a Worker) and mailer's (a non-Worker service). users and audit have none:
    // their lines are in gateway's task, one merged log, the cycle named.
    const plain = singleOutput.replace(/\x1b\[[0-9;]*m/g, '');
    const taskOf = (line: string) => /^(\S+):/.exec(line)?.[1];
    const prefixes = new Set(plain.split('\n').map(taskOf).filter(Boolean));
    expect(prefixes.has('users') || prefixes.has('audit')).toBe(false);
    expect(plain).toMatch(/^gateway: .*\[users\] info state starting -> healthy/m);
    expect(plain).toMatch(/^gateway: .*\[audit\] info state starting -> healthy/m);
    expect(plain).toMatch(/^mailer: .*\[mailer\] .*mailer up on/m);
    expect(records().some((r) => r.level === 'warn' && /service graph cycle: (audit → users → audit|users → audit → users)/.test(r.message))).toBe(true);

    const pids = [...new Set((await status()).map((s) => s.pid).filter((p): p is number => !!p)), ws.readJson('.nx-edge/dev/hub.json').pid as number];
    // Nx killed outright (no signal handling at all): its task processes notice and the hub stops everything.
    process.kill(single.pid!, 'SIGKILL');
    await expect.poll(() => pids.filter(alive), { timeout: 30_000, interval: 250 }).toEqual([]);
    expect(ws.exists('.nx-edge/dev/hub.json'), singleOutput).toBe(false);
  }, 300_000);
});
