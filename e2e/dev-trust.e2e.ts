import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, freePort, get, procStat, type DevLogRecord as JsonlRecord, type DevStatus as Status } from './support/http';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';

// Dev as people leave it running all day, next to a browser, tried as an attacker and a clumsy user:
// who can make the hub run something, what one broken Worker does to the others, what is left when
// a process dies, what slow followers cost, and what a stop reports.



function send(port: number, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

const pgidOf = (pid: number) => Number(procStat(pid)?.[2] ?? -1);
/** Live processes whose working directory is the workspace (Nx, its tasks, the hub). */
const processesIn = (root: string) =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === root && alive(pid);
      } catch {
        return false;
      }
    });

const SERVICES = ['users', 'other', 'mailer', 'chatter', 'gateway'];

describe('dev you can leave running', () => {
  let ws: E2eWorkspace;
  let proxyPort: number;
  let nx: ChildProcess;
  let output = '';
  const marker = () => join(ws.root, 'pwned.txt');

  const status = async (): Promise<Status[]> => JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body);
  const row = async (service: string) => (await status()).find((s) => s.service === service);
  const records = (): JsonlRecord[] =>
    ws
      .read('.nx-edge/logs/dev.jsonl')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const hubInfo = () => ws.readJson<{ pid: number; controlPort: number; token: string }>('.nx-edge/dev/hub.json');

  async function startSession(expectHealthy: string[]): Promise<void> {
    output = '';
    nx = ws.spawn('nx', ['run-many', '-t', 'dev', '--output-style=stream'], { env: { ...ws.env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    nx.stdout!.on('data', (d) => (output += d));
    nx.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 150_000;
    for (;;) {
      const healthy = (await status().catch(() => [] as Status[])).filter((s) => s.state === 'healthy').map((s) => s.service);
      if (expectHealthy.every((s) => healthy.includes(s))) return;
      if (Date.now() > deadline || nx.exitCode !== null) throw new Error(`dev did not bring up ${expectHealthy.join(', ')}:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    ws = await createE2eWorkspace('dev-trust');
    proxyPort = await freePort();
    const mailerPort = await freePort();
    const chatterPort = await freePort();
    for (const name of ['users', 'other', 'gateway']) await ws.nxOk(['g', '@aero/nx-edge:function', name, '--no-interactive']);
    await ws.nxOk(['g', '@aero/nx-edge:binding', '--project=gateway', '--type=service', '--binding=USERS', '--service=users', '--no-interactive']);
    ws.write('apps/users/src/index.ts', `export default { fetch() { return Response.json({ service: 'users', v: 1 }); } };\n`);
    ws.write('apps/other/src/index.ts', `export default { fetch() { return Response.json({ service: 'other' }); } };\n`);
    ws.write(
      'apps/gateway/src/index.ts',
      `export interface Env { USERS: Fetcher }\nexport default { async fetch(request: Request, env: Env) { return Response.json({ gateway: true, users: await (await env.USERS.fetch('https://users/')).json() }); } };\n`,
    );
    const service = (name: string, port: number, command: string) =>
      ws.write(
        `apps/${name}/project.json`,
        JSON.stringify({
          name,
          targets: { dev: { executor: '@aero/nx-edge:service', continuous: true, readyWhen: { signal: true }, options: { command, port, health: { type: 'http', path: '/health', status: 200 } } } },
        }),
      );
    ws.write('apps/mailer/server.mjs', `import { createServer } from 'node:http';\ncreateServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');\n`);
    service('mailer', mailerPort, 'node server.mjs');
    // chatter prints n log lines on GET /burst?n=…
    ws.write(
      'apps/chatter/server.mjs',
      `import { createServer } from 'node:http';
createServer((req, res) => {
  const n = Number(new URL(req.url, 'http://x').searchParams.get('n') ?? 0);
  for (let i = 0; i < n; i += 1000) {
    let chunk = '';
    for (let j = i; j < Math.min(n, i + 1000); j++) chunk += 'chatter line ' + j + ' ' + 'x'.repeat(60) + '\\n';
    process.stdout.write(chunk);
  }
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1');
`,
    );
    service('chatter', chatterPort, 'node server.mjs');
    const gatewayProject = ws.readJson('apps/gateway/project.json');
    ws.write('apps/gateway/project.json', JSON.stringify({ ...gatewayProject, implicitDependencies: ['mailer'] }));
    await startSession(SERVICES);
  }, 240_000);

  afterAll(async () => {
    await ws?.dispose();
  });

  it('the control channel is private: hub.json is 0600 in a 0700 directory, and the measured attack gets 403 and runs nothing', async () => {
    expect(statSync(join(ws.root, '.nx-edge/dev')).mode & 0o777).toBe(0o700);
    expect(statSync(join(ws.root, '.nx-edge/dev/hub.json')).mode & 0o777).toBe(0o600);
    const { controlPort, token } = hubInfo();
    const spec = {
      spec: { service: 'evil', kind: 'service', root: ws.root, upstream: [], watch: [], command: { command: `id > ${marker()}`, cwd: ws.root, env: {} } },
      plan: [],
    };
    const body = JSON.stringify(spec);
    // The exact request of the report: text/plain, from a web page's origin, no token.
    const attack = await send(controlPort, { method: 'POST', path: '/attach', headers: { 'content-type': 'text/plain', origin: 'https://evil.example' }, body });
    expect(attack.status).toBe(403);
    // Each rule on its own: no token; the token but text/plain; the token but an Origin.
    expect((await send(controlPort, { method: 'POST', path: '/attach', headers: { 'content-type': 'application/json' }, body })).status).toBe(403);
    expect((await send(controlPort, { method: 'POST', path: '/attach', headers: { 'content-type': 'text/plain', 'x-nx-edge-token': token }, body })).status).toBe(403);
    expect((await send(controlPort, { method: 'POST', path: '/attach', headers: { 'content-type': 'application/json', 'x-nx-edge-token': token, origin: 'https://evil.example' }, body })).status).toBe(403);
    expect((await send(controlPort, { path: '/status' })).status).toBe(403);
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(marker())).toBe(false);
    expect((await status()).map((s) => s.service)).not.toContain('evil');
    const refused = records().filter((r) => r.level === 'warn' && r.message.includes('refused POST /attach on the control port'));
    expect(refused.length).toBe(4);
    expect(refused[0].message).toContain('a request from a web page (Origin: https://evil.example)');
  });

  it('a page of another origin (headless Chromium) can neither spawn through the hub nor press the dashboard\'s buttons; the dashboard itself can', async () => {
    const { controlPort } = hubInfo();
    const body = JSON.stringify({
      spec: { service: 'evil', kind: 'service', root: ws.root, upstream: [], watch: [], command: { command: `id > ${marker()}`, cwd: ws.root, env: {} } },
      plan: [],
    });
    const evilPage = `<!doctype html><html><body>
<form id="f" method="POST" action="http://localhost:${proxyPort}/__nx-edge/services/users/restart" target="sink"><input name="x" value="1"></form>
<iframe name="sink"></iframe>
<script>
(async () => {
  const tries = [
    fetch('http://127.0.0.1:${controlPort}/attach', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} }),
    fetch('http://localhost:${proxyPort}/__nx-edge/services/users/restart', { method: 'POST', mode: 'no-cors' }),
    fetch('http://localhost:${proxyPort}/__nx-edge/services/users/restart', { method: 'POST', headers: { 'x-nx-edge-token': 'guess' } }),
    fetch('http://localhost:${proxyPort}/__nx-edge/logs?limit=5').then((r) => r.text()),
  ];
  const results = await Promise.allSettled(tries);
  document.getElementById('f').submit();
  setTimeout(() => { document.title = 'done ' + results.map((r) => r.status).join(','); }, 1500);
})();
</script></body></html>`;
    const evil: Server = createHttpServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(evilPage));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    const evilPort = (evil.address() as { port: number }).port;
    const usersRestarts = (await row('users'))!.restarts;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      await expect.poll(() => page.title(), { timeout: 20_000 }).toMatch(/^done /);
      // The reads a cross-site page tried (logs) were refused, the custom-header POST never left the preflight.
      expect(await page.title()).toBe('done fulfilled,fulfilled,rejected,rejected');
      await new Promise((r) => setTimeout(r, 1000));
      expect(existsSync(marker())).toBe(false);
      expect(records().some((r) => r.service === 'users' && r.message === 'restart requested from the dashboard')).toBe(false);
      expect((await row('users'))!.restarts).toBe(usersRestarts);
      expect(records().some((r) => r.message.includes(`refused POST /__nx-edge/services/users/restart from a page of another origin (http://127.0.0.1:${evilPort})`))).toBe(true);

      // The real dashboard, same origin: its restart button works.
      const dashboard = await browser.newPage();
      // With the link the terminal printed (its token), as a developer opens it.
      const link = /nx-edge dev: dashboard (http:\/\/localhost:\d+\/\?token=[0-9a-f]+)/.exec(output)?.[1];
      expect(link, output).toBeDefined();
      // Any local process may GET the page: it holds no token.
      const dashboardToken = ws.readJson<{ dashboardToken: string }>('.nx-edge/dev/hub.json').dashboardToken;
      expect(link).toContain(dashboardToken);
      expect((await get(proxyPort, `localhost:${proxyPort}`, '/', { accept: 'text/html' })).body).not.toContain(dashboardToken);
      await dashboard.goto(`${link}#services`);
      expect(dashboard.url()).not.toContain('token='); // taken out of the address bar, kept in sessionStorage
      await dashboard.locator('#services tbody tr[data-service="other"] button.restart').click();
      await expect.poll(() => records().some((r) => r.service === 'other' && r.message === 'restart requested from the dashboard'), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => records().some((r) => r.service === 'other' && r.message.startsWith('reloaded after the dashboard asked')), { timeout: 15_000 }).toBe(true);
    } finally {
      await browser.close();
      evil.close();
    }
  }, 120_000);

  it('saving a Worker that throws at load: every other Worker answers 200 throughout, the claim in the log is true, and the fix recovers it with no other save', async () => {
    const codes: Record<string, number[]> = { other: [], gateway: [] };
    const usersBodies: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const s of ['other', 'gateway']) codes[s].push((await get(proxyPort, `${s}.localhost:${proxyPort}`)).status);
        usersBodies.push((await get(proxyPort, `users.localhost:${proxyPort}`)).body);
      }
    })();
    ws.write('apps/users/src/index.ts', `throw new Error("x");\nexport default { fetch() { return Response.json({ service: 'users', v: 'never' }); } };\n`);
    await expect.poll(() => records().find((r) => r.service === 'users' && r.message.includes('reload failed'))?.message, { timeout: 30_000 }).toBe(
      'ERROR reload failed, still serving the previous version (fix and save to retry): Uncaught Error: x',
    );
    // workerd's own report, as printed by workerd, is an error too.
    expect(records().find((r) => r.service === 'users' && r.stream !== 'system' && r.message.includes('Uncaught Error: x'))!.level).toBe('error');
    expect(JSON.parse((await get(proxyPort, `users.localhost:${proxyPort}`)).body)).toEqual({ service: 'users', v: 1 });
    const fixedAt = Date.now();
    ws.write('apps/users/src/index.ts', `export default { fetch() { return Response.json({ service: 'users', v: 2 }); } };\n`);
    await expect.poll(() => usersBodies.at(-1), { timeout: 30_000, interval: 50 }).toBe(JSON.stringify({ service: 'users', v: 2 }));
    const recoveredMs = Date.now() - fixedAt;
    polling = false;
    await poller;
    console.log(`[dev-trust] recovered ${recoveredMs} ms after the fix was saved; ${codes.other.length} requests to other and to gateway meanwhile`);
    expect(codes.other.length).toBeGreaterThan(10);
    expect(codes.other.filter((c) => c !== 200)).toEqual([]);
    expect(codes.gateway.filter((c) => c !== 200)).toEqual([]);
    expect((await status()).filter((s) => s.state !== 'healthy')).toEqual([]);
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.v).toBe(2);
  }, 120_000);

  it('five log followers that never read cannot grow the hub: 100,000 lines later its RSS is within 60 MB of idle and they were dropped', async () => {
    const hubPid = hubInfo().pid;
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssMb(hubPid);
    const followers: Socket[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = connect(proxyPort, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET /__nx-edge/logs?follow=1 HTTP/1.1\r\nHost: localhost:${proxyPort}\r\n\r\n`);
      socket.pause(); // never reads
      followers.push(socket);
    }
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(hubPid))), 100);
    try {
      const chatter = (await row('chatter'))!;
      expect((await send(chatter.port!, { path: '/burst?n=100000' })).status).toBe(200);
      await expect.poll(() => records().some((r) => r.service === 'chatter' && r.message.startsWith('chatter line 99999 ')), { timeout: 120_000, interval: 500 }).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      clearInterval(sampler);
      for (const s of followers) s.destroy();
    }
    console.log(`[dev-trust] hub RSS idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (+${(peak - idle).toFixed(0)} MB) over 100,000 lines with 5 stalled followers`);
    expect(peak - idle).toBeLessThan(60);
    expect(records().filter((r) => r.message.includes('dropped a log follower that stopped reading')).length).toBe(5);
    expect(alive(hubPid)).toBe(true);
    expect((await row('gateway'))!.state).toBe('healthy');
  }, 240_000);

  it('SIGTERM to Nx: each service stopping → stopped (info), dependents first, never failed; the terminal says what stopped', async () => {
    const pids = [...new Set((await status()).map((s) => s.pid).filter((p): p is number => !!p)), hubInfo().pid];
    const before = records().length;
    process.kill(nx.pid!, 'SIGTERM');
    await new Promise((resolve) => nx.once('exit', resolve));
    await expect.poll(() => pids.filter(alive), { timeout: 20_000 }).toEqual([]);
    const stop = records().slice(before);
    expect(stop.filter((r) => r.fields?.to === 'failed' || r.level === 'error')).toEqual([]);
    const stopped = stop.filter((r) => r.fields?.to === 'stopped');
    expect(stopped.map((r) => r.service).sort()).toEqual([...SERVICES].sort());
    expect(stop.filter((r) => r.fields?.to === 'stopping').length).toBe(SERVICES.length);
    expect(stopped.every((r) => r.level === 'info')).toBe(true);
    const order = stopped.map((r) => r.service);
    expect(order.indexOf('gateway')).toBeLessThan(order.indexOf('users'));
    expect(order.indexOf('gateway')).toBeLessThan(order.indexOf('mailer'));
    expect(output).toMatch(/nx-edge dev: stopped 5 services in \d+\.\d s/);
    for (const s of SERVICES) expect(output).toMatch(new RegExp(`\\[${s}\\] info state stopping -> stopped`));
    expect(ws.exists('.nx-edge/dev/hub.json')).toBe(false);
  }, 60_000);

  it('kill -9 of the hub: within 5 s no workerd or service of the session remains, the proxy port is free, hub.json is gone, and Nx says why', async () => {
    await startSession(SERVICES);
    const hubPid = hubInfo().pid;
    const pids = [...new Set((await status()).map((s) => s.pid).filter((p): p is number => !!p))];
    expect(pids.length).toBeGreaterThanOrEqual(3); // workerd, mailer, chatter
    process.kill(hubPid, 'SIGKILL');
    const killedAt = Date.now();
    await expect.poll(() => pids.filter(alive), { timeout: 5_000, interval: 100 }).toEqual([]);
    const goneMs = Date.now() - killedAt;
    console.log(`[dev-trust] every process of the session gone ${goneMs} ms after kill -9 of the hub`);
    expect(await portIsFree(proxyPort)).toBe(true);
    await expect.poll(() => ws.exists('.nx-edge/dev/hub.json'), { timeout: 5_000 }).toBe(false);
    const code = await new Promise((resolve) => (nx.exitCode !== null ? resolve(nx.exitCode) : nx.once('exit', (c) => resolve(c))));
    expect(code).not.toBe(0);
    expect(output).toContain(`the dev hub (pid ${hubPid}) exited while`);
  }, 240_000);

  it('a stale hub.json (hub and every client killed at once) is cleaned by the next run, its leftovers stopped', async () => {
    await startSession(SERVICES);
    const hubPid = hubInfo().pid;
    const pids = [...new Set((await status()).map((s) => s.pid).filter((p): p is number => !!p))];
    // Nx, its task processes and the hub die together: nobody is left to clean up.
    const session = new Set(pids.flatMap((p) => [p, pgidOf(p)]));
    for (const pid of processesIn(ws.root)) if (!session.has(pid) && !session.has(pgidOf(pid))) process.kill(pid, 'SIGKILL');
    process.kill(hubPid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    expect(ws.exists('.nx-edge/dev/hub.json')).toBe(true);
    expect(pids.filter(alive).length).toBeGreaterThan(0); // workerd and the services outlived them
    await startSession(SERVICES);
    expect(pids.filter(alive)).toEqual([]);
    expect(output).toContain(`the previous dev hub (pid ${hubPid}) had exited without cleaning up; stopped the`);
  }, 300_000);

  it('a broken upstream at start blocks its dependent (named in status and the 502 page) while the rest runs; fixing it starts the dependent', async () => {
    // The session of the previous test is still running: stop it with Ctrl-C first.
    process.kill(-nx.pid!, 'SIGINT');
    await new Promise((resolve) => (nx.exitCode !== null ? resolve(undefined) : nx.once('exit', resolve)));
    await expect.poll(() => ws.exists('.nx-edge/dev/hub.json'), { timeout: 20_000 }).toBe(false);
    ws.write('apps/users/src/index.ts', `import { nope } from './missing';\nexport default { fetch() { return new Response(nope); } };\n`);
    await startSession(['other', 'mailer', 'chatter']);
    await expect.poll(async () => (await row('gateway'))?.state, { timeout: 60_000 }).toBe('blocked');
    expect((await row('users'))!.state).toBe('failed');
    expect((await row('gateway'))!.health).toMatch(/^waiting for users \(failed: .*missing/);
    const page = await get(proxyPort, `gateway.localhost:${proxyPort}`);
    expect(page.status).toBe(502);
    expect(JSON.parse(page.body)).toMatchObject({ error: 'gateway is blocked', state: 'blocked' });
    expect(JSON.parse(page.body).reason).toContain('waiting for users');
    expect(nx.exitCode).toBe(null); // nothing ended the run
    ws.write('apps/users/src/index.ts', `export default { fetch() { return Response.json({ service: 'users', v: 3 }); } };\n`);
    await expect.poll(async () => (await row('gateway'))?.state, { timeout: 60_000 }).toBe('healthy');
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.v).toBe(3);
    expect((await status()).filter((s) => s.state !== 'healthy')).toEqual([]);
  }, 300_000);

  it('kill -9 of one dev task: its service stops within 5 s, the others keep running, and the next run re-joins the same hub', async () => {
    if (nx.exitCode !== null) await startSession(SERVICES);
    const hubPid = hubInfo().pid;
    const task = processesIn(ws.root).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('NX_TASK_TARGET_PROJECT=mailer');
      } catch {
        return false;
      }
    });
    expect(task, 'the mailer:dev task process').toBeDefined();
    const mailerPid = (await row('mailer'))!.pid!;
    process.kill(task!, 'SIGKILL');
    await expect.poll(() => alive(mailerPid), { timeout: 5_000, interval: 100 }).toBe(false);
    await expect.poll(async () => (await row('mailer'))?.state, { timeout: 5_000 }).toBe(undefined);
    expect(records().filter((r) => r.service === 'mailer' && r.fields?.event === 'state').slice(-2).map((r) => r.fields!.to)).toEqual(['stopping', 'stopped']);
    expect((await status()).map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy', 'healthy']);
    // The hub lives on: the next run of mailer joins it.
    const again = ws.spawn('nx', ['run', 'mailer:dev', '--output-style=stream'], { env: { ...ws.env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    let againOutput = '';
    again.stdout!.on('data', (d) => (againOutput += d));
    again.stderr!.on('data', (d) => (againOutput += d));
    await expect.poll(async () => (await row('mailer'))?.state, { timeout: 60_000, interval: 250 }).toBe('healthy');
    expect(hubInfo().pid).toBe(hubPid);
    // The task prints its ready line once the hub's event reaches it, a moment after the status says so.
    await expect.poll(() => againOutput, { timeout: 10_000 }).toContain('mailer is ready');
  }, 300_000);
});
