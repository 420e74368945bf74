import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogStore, type LogRecord, type LogStore } from '../../logs/log-store';
import type { CommandServiceSpec, HubEvent, ServiceSpec, ServiceStatus } from '../protocol';
import { DevHub } from './dev-hub';
import { startProxyFront } from '../../proxy/front-process';
import type { FrontRoutes } from '../../proxy/front-proxy';

// The hub in-process with real parts: workerd (Miniflare), a real child process, real sockets.

function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves once `count()` grew by `more`: progress counted in requests, not time (a loaded machine polls less often). */
function grown(what: string, count: () => number, more: number): Promise<boolean> {
  const from = count();
  return until(`${more} more ${what}`, () => count() >= from + more);
}

async function untilAsync(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function writeWorker(ws: string, name: string, source: string, extra: Record<string, unknown> = {}): ServiceSpec {
  const root = join(ws, 'apps', name);
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(join(root, 'src', 'index.js'), source);
  writeFileSync(join(root, 'wrangler.jsonc'), `// ${name}\n${JSON.stringify({ name, main: 'src/index.js', compatibility_date: '2025-06-01', ...extra })}`);
  // Written before the session, as a user's files are: else the watcher's catch-up (a file changed within the
  // file clock's slack of the bundle) may rebuild it once more, which tests counting builds would see.
  const before = new Date(Date.now() - 5_000);
  for (const file of [join(root, 'src', 'index.js'), join(root, 'wrangler.jsonc')]) utimesSync(file, before, before);
  return { service: name, kind: 'worker', root, upstream: [], watch: [root], worker: { configPath: join(root, 'wrangler.jsonc') } };
}

/** A non-Worker service running a command in the workspace. */
function commandService(ws: string, name: string, command: string, extra: Partial<CommandServiceSpec> = {}): ServiceSpec {
  return { service: name, kind: 'service', root: ws, upstream: [], watch: [], command: { command, cwd: ws, env: {} }, ...extra };
}

interface Client {
  events: HubEvent[];
  send(event: HubEvent): void;
}
const client = (): Client => {
  const c: Client = { events: [], send: (e) => c.events.push(e) };
  return c;
};

const states = (logs: LogStore, service: string) =>
  logs
    .query({ service })
    .filter((r: LogRecord) => r.fields?.event === 'state')
    .map((r) => r.fields!.to);

/** A hub with in-memory logs, as each planned-session spec needs. */
async function startHub(workspaceRoot: string): Promise<{ hub: DevHub; logs: LogStore }> {
  const logs = createLogStore({});
  const hub = new DevHub({ workspaceRoot, proxyPort: 0, proxyFront: true, logs, onIdle: () => undefined });
  await hub.start();
  return { hub, logs };
}

/** What Nx starting every dev task at once does: each task hands the hub the whole plan, then attaches. */
function attachPlanned(hub: DevHub, plan: ServiceSpec[]): Record<string, Client> {
  const clients: Record<string, Client> = {};
  for (const spec of plan) {
    clients[spec.service] = client();
    hub.prewarm(plan);
    hub.attach(spec, clients[spec.service]);
  }
  return clients;
}

describe('dev hub', () => {
  let ws: string;
  let hub: DevHub | undefined;
  afterEach(async () => {
    await hub?.shutdown();
    hub = undefined;
    rmSync(ws, { recursive: true, force: true });
  });

  /** A temporary workspace and a started hub with in-memory logs, cleaned up after the test (tests keep their own typed handle). */
  const freshHub = async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-hub-'));
    const started = await startHub(ws);
    hub = started.hub;
    return started;
  };

  it('gates, proxies, merges logs, restarts a crashed workerd, reloads on change and stops everything', async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-hub-'));
    const logs = createLogStore({ jsonlPath: join(ws, '.nx-edge/logs/dev.jsonl') });
    let idle = false;
    hub = new DevHub({ workspaceRoot: ws, proxyPort: 0, proxyFront: true, logs, onIdle: () => (idle = true), idleExitMs: 50 });
    await hub.start();
    const proxyPort = hub.proxyPort!;

    const users = writeWorker(ws, 'users', `export default { fetch() { console.log('users answered'); return Response.json({ from: 'users', v: 1 }); } };`);
    const gateway = writeWorker(
      ws,
      'gateway',
      `export default { async fetch(req, env) { console.log('gateway called'); const r = await env.USERS.fetch('https://users/'); return Response.json({ gateway: true, users: await r.json() }); } };`,
      { services: [{ binding: 'USERS', service: 'users' }] },
    );
    gateway.upstream = ['users', 'mailer'];
    const mailer = commandService(ws, 'mailer', `node -e "require('http').createServer((q,s)=>s.end('mail')).listen(0,'127.0.0.1',function(){console.log('listening '+this.address().port)})"`);

    // Dependents attach first: they must wait for their upstream services.
    const gatewayClient = client();
    hub.attach(gateway, gatewayClient);
    const mailerClient = client();
    hub.attach(mailer, mailerClient);
    const usersClient = client();
    hub.attach(users, usersClient);

    await until('gateway ready', () => gatewayClient.events.some((e) => e.type === 'ready'));
    const time = (service: string, to: string) => logs.query({ service }).find((r) => r.fields?.event === 'state' && r.fields.to === to)!.time;
    expect(time('gateway', 'starting')).toBeGreaterThanOrEqual(time('users', 'healthy'));
    expect(time('gateway', 'starting')).toBeGreaterThanOrEqual(time('mailer', 'healthy'));
    expect(states(logs, 'gateway')).toEqual(['pending', 'starting', 'healthy']);

    // One proxy, Host-routed, and the service binding reaches users in the same workerd.
    const through = await get(proxyPort, `gateway.localhost:${proxyPort}`);
    expect(JSON.parse(through.body)).toEqual({ gateway: true, users: { from: 'users', v: 1 } });
    await until('both services logged', () => logs.query({ service: 'users' }).some((r) => r.message === 'users answered') && logs.query({ service: 'gateway' }).some((r) => r.message === 'gateway called'));
    expect(usersClient.events.some((e) => e.type === 'log' && e.record.message === 'users answered')).toBe(true);
    expect(gatewayClient.events.some((e) => e.type === 'log' && e.record.message === 'users answered')).toBe(false);

    const status = JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body) as ServiceStatus[];
    expect(status.map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy']);
    expect(status.map((s) => s.service).sort()).toEqual(['gateway', 'mailer', 'users']);
    expect(status.at(-1)!.service).toBe('gateway'); // start order: upstream first
    const workerd = status.find((s) => s.service === 'users')!.pid!;
    expect(workerd).toBeGreaterThan(0);

    // A crash of workerd: both Workers fail, come back after the backoff, counted as restarts.
    process.kill(workerd, 'SIGKILL');
    await until('users restarted', () => states(logs, 'users').slice(-3).join() === 'failed,starting,healthy');
    await until('gateway restarted', () => states(logs, 'gateway').slice(-3).join() === 'failed,starting,healthy');
    const after = JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body) as ServiceStatus[];
    expect(after.find((s) => s.service === 'users')!.restarts).toBe(1);
    expect(after.find((s) => s.service === 'users')!.pid).not.toBe(workerd);
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.v).toBe(1);

    // Editing users' source reloads it: the new code answers through gateway.
    writeFileSync(join(users.root, 'src', 'index.js'), `export default { fetch() { return Response.json({ from: 'users', v: 2 }); } };`);
    await until('new code served', () => logs.query({ service: 'users' }).some((r) => r.message.startsWith('reloaded after a change')));
    expect(JSON.parse((await get(proxyPort, `gateway.localhost:${proxyPort}`)).body).users.v).toBe(2);
    const reloads = () => logs.query({ service: 'users' }).filter((r) => r.message.startsWith('reloaded after'));
    // Named from the workspace root, once per save.
    expect(reloads().map((r) => r.message)).toEqual([expect.stringMatching(/^reloaded after a change in apps\/users\/src\/index\.js \(\d+ ms, swapped in place; build \d+ ms, swap \d+ ms\)$/)]);
    // Its parts, as fields: when the watcher saw the save, then settle + build + swap add up to the whole.
    const parts = reloads()[0].fields as { event: string; seenAt: number; settleMs: number; buildMs: number; swapMs: number; doneAt: number };
    expect(parts.event).toBe('reload');
    expect(parts.seenAt + parts.settleMs + parts.buildMs + parts.swapMs).toBe(parts.doneAt);
    expect(reloads()[0].message).toContain(`build ${parts.buildMs} ms, swap ${parts.swapMs} ms`);
    // An editor's temp file, and a save that changes nothing workerd runs: no reload.
    writeFileSync(join(users.root, 'src', 'sedm98Bnu'), 'partial');
    rmSync(join(users.root, 'src', 'sedm98Bnu'));
    writeFileSync(join(users.root, 'src', 'index.js'), `export default { fetch() { return Response.json({ from: 'users', v: 2 }); } };`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(reloads()).toHaveLength(1);

    // Everyone leaves: services stop (dependents first) and the hub reports idle.
    const mailerPid = (JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body) as ServiceStatus[]).find((s) => s.service === 'mailer')!.pid!;
    hub.detach(gatewayClient);
    hub.detach(usersClient);
    hub.detach(mailerClient);
    await until('idle', () => idle);
    await hub.shutdown();
    const stopped = logs.query({}).filter((r) => r.fields?.event === 'state' && r.fields.to === 'stopped').map((r) => r.service);
    expect(stopped.indexOf('gateway')).toBeLessThan(stopped.indexOf('mailer'));
    expect(() => process.kill(mailerPid, 0)).toThrow();
    expect(() => process.kill(after.find((s) => s.service === 'users')!.pid!, 0)).toThrow();
  }, 120_000);

  it("tells the proxy's front where each Worker is and holds its requests while workerd is reconfigured: none refused across reloads and a workerd restart", async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-hub-'));
    const logs = createLogStore({});
    const told: FrontRoutes[] = [];
    hub = new DevHub({
      workspaceRoot: ws,
      proxyPort: 0,
      logs,
      onIdle: () => undefined,
      proxyFront: async (opts) => {
        const front = await startProxyFront(opts);
        return {
          get port() {
            return front.port;
          },
          get pid() {
            return front.pid;
          },
          update: (routes) => (told.push(routes), front.update(routes)),
          drain: () => front.drain(),
          follow: (on) => front.follow(on),
          close: () => front.close(),
        };
      },
    });
    await hub.start();
    const users = writeWorker(ws, 'users', `export default { fetch() { return new Response('users v1'); } };`);
    const clients = attachPlanned(hub, [users]);
    await until('ready', () => clients.users.events.some((e) => e.type === 'ready'));
    await hub.watching('users');
    const port = hub.proxyPort!;
    const url = hub.statuses()[0].url!;
    await until('told users is ready', () => told.at(-1)?.settled && told.at(-1)?.routes.users?.ready);
    expect(told.at(-1)!.routes.users).toEqual({ service: 'users', ready: true, url, worker: true });

    const answers: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) answers.push((await get(port, 'users.localhost').catch(() => ({ status: 0 }))).status);
    })();
    const polled = (more: number) => grown('answers to the poller', () => answers.length, more);
    await polled(3);
    // A save is swapped into the running workerd (nothing to hold), …
    writeFileSync(join(users.root, 'src', 'index.js'), `export default { fetch() { return new Response('users v2'); } };`);
    await untilAsync('v2 served', async () => (await get(port, 'users.localhost')).body === 'users v2');
    // … a restart reconfigures workerd: announced to the front (which hands Workers' requests to the hub, which
    // holds them) and its end too. A reload asked for while the restart is being built takes over its run (as a
    // save would) and must do the restart, not drop it.
    const before = told.length;
    const restartLines = () => logs.query({}).filter((r) => r.fields?.event === 'reload' && r.message.includes('workerd restarted'));
    hub.action('users', 'restart');
    hub.action('users', 'reload');
    await until('restart announced and over', () => told.slice(before).some((r) => !r.settled) && told.at(-1)?.settled);
    expect(restartLines()).toHaveLength(1);
    await untilAsync('served after restart', async () => (await get(port, 'users.localhost')).body === 'users v2');
    await polled(3);
    polling = false;
    await poller;
    expect(answers.filter((s) => s !== 200)).toEqual([]);
    expect(told.at(-1)!.routes.users).toMatchObject({ ready: true, url: hub.statuses()[0].url });
  }, 60_000);

  it('a timed-out upstream blocks its dependent with the last observation (no fatal: the task keeps waiting)', async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-hub-'));
    const logs = createLogStore({});
    hub = new DevHub({ workspaceRoot: ws, proxyPort: 0, proxyFront: true, logs, onIdle: () => undefined, gateTimeoutMs: 1500 });
    await hub.start();
    const api = writeWorker(ws, 'api', `export default { fetch() { return new Response('api'); } };`);
    api.upstream = ['db'];
    // port 1: nothing listens there, never healthy
    const db = commandService(ws, 'db', `node -e "setInterval(()=>{},1000)"`, { port: 1, health: { type: 'tcp', intervalMs: 100, timeoutMs: 200 } });
    const apiClient = client();
    hub.attach(db, client());
    hub.attach(api, apiClient);
    const blocked = await until('api blocked', () => apiClient.events.find((e) => e.type === 'status' && e.status.state === 'blocked'));
    expect((blocked as { status: ServiceStatus }).status.health).toMatch(/^waiting for db \((starting|unhealthy): tcp 127\.0\.0\.1:1 .*\) — not healthy after 2 s$/);
    expect(apiClient.events.some((e) => e.type === 'fatal')).toBe(false);
    const page = await get(hub.proxyPort!, 'api.localhost');
    expect(page.status).toBe(502);
    expect(page.body).toContain('api is blocked');
    expect(page.body).toContain('waiting for db');
  }, 60_000);

  it('starts every Worker of a planned session with one workerd start, still gated in graph order', async () => {
    const { logs, hub } = await freshHub();
    const c = writeWorker(ws, 'c', `export default { fetch() { return new Response('c'); } };`);
    const b = writeWorker(ws, 'b', `export default { async fetch(r, env) { return new Response('b>' + await (await env.C.fetch('https://c/')).text()); } };`, { services: [{ binding: 'C', service: 'c' }] });
    const a = writeWorker(ws, 'a', `export default { async fetch(r, env) { return new Response('a>' + await (await env.B.fetch('https://b/')).text()); } };`, { services: [{ binding: 'B', service: 'b' }] });
    b.upstream = ['c'];
    a.upstream = ['b'];
    const clients = attachPlanned(hub, [a, b, c]); // dependents first
    await until('a ready', () => clients.a.events.some((e) => e.type === 'ready'));
    const time = (service: string, to: string) => logs.query({ service }).find((r) => r.fields?.event === 'state' && r.fields.to === to)!.time;
    expect(time('b', 'starting')).toBeGreaterThanOrEqual(time('c', 'healthy'));
    expect(time('a', 'starting')).toBeGreaterThanOrEqual(time('b', 'healthy'));
    expect(await get(hub.proxyPort!, 'a.localhost')).toEqual({ status: 200, body: 'a>b>c' });
    // One workerd served the whole start: the one c was healthy in still runs after b and a joined.
    const healthyIn = (clients.c.events.find((e) => e.type === 'status' && e.status.state === 'healthy') as { status: ServiceStatus }).status.pid;
    const pids = (JSON.parse((await get(hub.proxyPort!, 'localhost', '/__nx-edge/status')).body) as ServiceStatus[]).map((s) => s.pid);
    expect(healthyIn).toBeGreaterThan(0);
    expect(pids).toEqual([healthyIn, healthyIn, healthyIn]);
    expect(states(logs, 'c')).toEqual(['pending', 'starting', 'healthy']);
    expect(logs.query({ service: 'c' }).filter((r) => r.fields?.event === 'state' && r.fields.to === 'failed')).toEqual([]);
  }, 60_000);

  it('a save made after a Worker was bundled and before its watcher is up (set up once the burst of starts is over) is still served; an untouched one is not reloaded', async () => {
    const { logs, hub } = await freshHub();
    const users = writeWorker(ws, 'users', `export default { fetch() { return new Response('users v1'); } };`);
    const orders = writeWorker(ws, 'orders', `export default { fetch() { return new Response('orders v1'); } };`);
    const clients = attachPlanned(hub, [users, orders]);
    await until('both ready', () => ['users', 'orders'].every((s) => clients[s].events.some((e) => e.type === 'ready')));
    let watching = false;
    const watched = Promise.all([hub.watching('users'), hub.watching('orders')]).then(() => (watching = true));
    writeFileSync(join(users.root, 'src', 'index.js'), `export default { fetch() { return new Response('users v2'); } };`);
    expect(watching).toBe(false); // the save came before the watchers
    await watched;
    await untilAsync('v2 served', async () => (await get(hub.proxyPort!, 'users.localhost')).body === 'users v2');
    const reloads = (service: string) => logs.query({ service }).filter((r) => r.fields?.event === 'reload').map((r) => r.message.replace(/ \(.*$/, ''));
    expect(reloads('users')).toEqual(['reloaded after a change in apps/users/src/index.js']);
    expect(reloads('orders')).toEqual([]);
    expect(await get(hub.proxyPort!, 'orders.localhost')).toEqual({ status: 200, body: 'orders v1' });
  }, 60_000);

  it('closure mode: one client brings up its upstream Workers (a cycle too); their lines reach it until their own task attaches; they stop with it', async () => {
    const { hub, logs } = await freshHub();
    const ok = (name: string) => `export default { fetch() { console.log('${name} served'); return new Response('${name}'); } };`;
    const users = writeWorker(ws, 'users', ok('users'));
    const audit = writeWorker(ws, 'audit', ok('audit'));
    const gateway = writeWorker(ws, 'gateway', ok('gateway'));
    const site = writeWorker(ws, 'site', ok('site'));
    // users ↔ audit call each other; gateway calls users; site is another task's, unrelated.
    users.upstream = ['audit'];
    audit.upstream = ['users'];
    gateway.upstream = ['users'];
    const task = client();
    const siteTask = client();
    const bundled: string[] = [];
    const prepare = hub.host.prepare.bind(hub.host);
    hub.host.prepare = (spec) => (bundled.push(spec.service), prepare(spec));
    // As the control channel hands them over: the task's plan, then its closure (overlapping).
    hub.prewarm([gateway, users, audit, site, users, audit]);
    hub.attach(gateway, task, [users, audit]);
    hub.attach(site, siteTask);
    await until('gateway ready', () => task.events.some((e) => e.type === 'ready'));
    expect(hub.statuses().map((s) => [s.service, s.state]).sort()).toEqual([['audit', 'healthy'], ['gateway', 'healthy'], ['site', 'healthy'], ['users', 'healthy']]);
    // Each Worker bundled once, whatever overlaps in what was handed over.
    expect(bundled.sort()).toEqual(['audit', 'gateway', 'site', 'users']);
    // One ready, its own: the task reports ready for gateway, never for a Worker it holds.
    expect(task.events.filter((e) => e.type === 'ready').map((e) => (e as { proxyUrl: string }).proxyUrl)).toEqual([hub.proxyUrl('gateway')]);
    // Each answers at its own name; the held Workers' lines (states, console) are the task's merged log.
    expect(await get(hub.proxyPort!, 'audit.localhost')).toEqual({ status: 200, body: 'audit' });
    const linesOf = (c: Client, service: string) => c.events.filter((e) => e.type === 'log' && e.record.service === service).map((e) => (e as { record: LogRecord }).record.message);
    await until('audit line in the task', () => linesOf(task, 'audit').some((m) => m.includes('audit served')));
    expect(linesOf(task, 'users')).toEqual(expect.arrayContaining([expect.stringMatching(/-> healthy/)]));

    // users' own task arrives (run-many): users' lines go to it alone from then on; the first task holds it still.
    const usersTask = client();
    hub.attach(users, usersTask, [audit]);
    expect(usersTask.events.some((e) => e.type === 'ready')).toBe(true);
    const before = linesOf(task, 'users').length;
    await get(hub.proxyPort!, 'users.localhost');
    await until('users line in its own task', () => linesOf(usersTask, 'users').some((m) => m.includes('users served')));
    expect(linesOf(task, 'users').length).toBe(before);

    // users' task leaves: users stays (gateway's task holds it) and its lines come back to gateway's task.
    hub.leave(usersTask);
    await new Promise((r) => setTimeout(r, 400));
    expect(hub.statuses().map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy', 'healthy']);
    await get(hub.proxyPort!, 'users.localhost');
    await until('users line back in the closure task', () => linesOf(task, 'users').length > before);

    // The closure's task leaves: everything it held stops, the held Workers included; site's task is untouched.
    hub.leave(task);
    await until('the closure stopped', () => hub.statuses().length === 1);
    expect(hub.statuses().map((s) => [s.service, s.state])).toEqual([['site', 'healthy']]);
    // Its Worker moved up in workerd's list (a new direct port): the proxy follows at once.
    expect(await get(hub.proxyPort!, 'site.localhost')).toEqual({ status: 200, body: 'site' });
    for (const service of ['gateway', 'users', 'audit']) expect(states(logs, service).slice(-2)).toEqual(['stopping', 'stopped']);
    expect(task.events.at(-1)).toMatchObject({ type: 'stopped', services: 3 });
  }, 60_000);

  it('a planned Worker that fails to load fails alone, naming why; the rest of the plan runs', async () => {
    const { hub } = await freshHub();
    const good = writeWorker(ws, 'good', `export default { fetch() { return new Response('good'); } };`);
    const broken = writeWorker(ws, 'broken', `throw new Error('broken at load'); export default { fetch() { return new Response('never'); } };`);
    const clients = attachPlanned(hub, [good, broken]);
    await until('good ready', () => clients.good.events.some((e) => e.type === 'ready'));
    const fatal = await until('broken failed', () => clients.broken.events.find((e) => e.type === 'status' && e.status.state === 'failed'));
    expect((fatal as { status: ServiceStatus }).status.health).toBe('workerd could not start broken: Uncaught Error: broken at load');
    expect(await get(hub.proxyPort!, 'good.localhost')).toEqual({ status: 200, body: 'good' });
  }, 60_000);

  it('a save that throws at load leaves every other Worker serving throughout, keeps the previous version, and the fix recovers it', async () => {
    const { logs, hub } = await freshHub();
    const users = writeWorker(ws, 'users', `export default { fetch() { return new Response('users v1'); } };`);
    const other = writeWorker(ws, 'other', `export default { fetch() { return new Response('other'); } };`);
    const clients = attachPlanned(hub, [users, other]);
    await until('both ready', () => clients.users.events.some((e) => e.type === 'ready') && clients.other.events.some((e) => e.type === 'ready'));
    const port = hub.proxyPort!;
    await hub.watching('users');

    // Keep asking other (and users) while users is saved broken, then fixed.
    const answers: { other: number[]; users: string[] } = { other: [], users: [] };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        answers.other.push((await get(port, 'other.localhost')).status);
        answers.users.push((await get(port, 'users.localhost')).body);
      }
    })();
    const polled = (more: number) => grown('answers to the poller', () => answers.other.length, more);
    await polled(3);
    writeFileSync(join(users.root, 'src', 'index.js'), `throw new Error('x'); export default { fetch() { return new Response('never'); } };`);
    const failedLine = await until('reload failure said', () => logs.query({ service: 'users' }).find((r) => r.message.includes('reload failed')));
    expect(failedLine.message).toBe('ERROR reload failed, still serving the previous version (fix and save to retry): Uncaught Error: x');
    expect(failedLine.level).toBe('error');
    expect(logs.query({ service: 'users' }).find((r) => r.message.includes('Uncaught Error: x') && r.stream !== 'system')?.level).toBe('error');
    expect(await get(port, 'users.localhost')).toEqual({ status: 200, body: 'users v1' }); // the claim is true
    expect(hub.statuses().map((s) => s.state)).toEqual(['healthy', 'healthy']);

    const fixedAt = Date.now();
    writeFileSync(join(users.root, 'src', 'index.js'), `export default { fetch() { return new Response('users v2'); } };`);
    await until('fix served', () => answers.users.at(-1) === 'users v2');
    const recoverMs = Date.now() - fixedAt;
    await polled(3);
    polling = false;
    await poller;
    expect(answers.other.filter((s) => s !== 200)).toEqual([]); // not one 502 for other
    expect(new Set(answers.users)).toEqual(new Set(['users v1', 'users v2']));
    console.log(`[dev-hub] the fixed Worker answered ${recoverMs} ms after the save`);
    expect(states(logs, 'other')).toEqual(['pending', 'starting', 'healthy']);
  }, 60_000);

  it('a failing upstream blocks its dependents (named in status and the 502 page); nothing healthy stops; the fix starts them', async () => {
    const { logs, hub } = await freshHub();
    const users = writeWorker(ws, 'users', `import { nope } from './missing.js'; export default { fetch() { return new Response(nope); } };`);
    const gateway = writeWorker(ws, 'gateway', `export default { async fetch(r, env) { return new Response('gateway>' + await (await env.USERS.fetch('https://users/')).text()); } };`, {
      services: [{ binding: 'USERS', service: 'users' }],
    });
    gateway.upstream = ['users'];
    const other = writeWorker(ws, 'other', `export default { fetch() { return new Response('other'); } };`);
    const clients = attachPlanned(hub, [gateway, users, other]);
    await until('other ready', () => clients.other.events.some((e) => e.type === 'ready'));
    await until('gateway blocked', () => hub.statuses().find((s) => s.service === 'gateway')?.state === 'blocked');
    const row = (service: string) => hub.statuses().find((s) => s.service === service)!;
    expect(row('users').state).toBe('failed');
    expect(row('gateway').health).toMatch(/^waiting for users \(failed: .*missing\.js/);
    expect(Object.values(clients).flatMap((c) => c.events).some((e) => e.type === 'fatal')).toBe(false);
    const page = await get(hub.proxyPort!, 'gateway.localhost');
    expect(page.status).toBe(502);
    expect(page.body).toContain('gateway is blocked');
    expect(page.body).toContain('waiting for users');
    expect(await get(hub.proxyPort!, 'other.localhost')).toEqual({ status: 200, body: 'other' });

    await hub.watching('users');
    writeFileSync(join(users.root, 'src', 'index.js'), `export default { fetch() { return new Response('users'); } };`);
    await until('gateway started by itself', () => clients.gateway.events.some((e) => e.type === 'ready'), 30_000);
    expect(await get(hub.proxyPort!, 'gateway.localhost')).toEqual({ status: 200, body: 'gateway>users' });
    expect(states(logs, 'gateway')).toEqual(['pending', 'blocked', 'starting', 'healthy']);
    expect(states(logs, 'other')).toEqual(['pending', 'starting', 'healthy']);
  }, 60_000);

  it('clients that leave get their services stopped dependents first (stopping → stopped, never failed) and one summary', async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-hub-'));
    const logs = createLogStore({});
    hub = new DevHub({ workspaceRoot: ws, proxyPort: 0, proxyFront: true, logs, onIdle: () => void hub!.shutdown(), idleExitMs: 50 });
    await hub.start();
    const mailer = commandService(ws, 'mailer', `node -e "setInterval(() => {}, 1000)"`);
    const users = writeWorker(ws, 'users', `export default { fetch() { return new Response('users'); } };`);
    const gateway = writeWorker(ws, 'gateway', `export default { fetch() { return new Response('gateway'); } };`);
    gateway.upstream = ['users', 'mailer'];
    const clients = { mailer: client(), users: client(), gateway: client() };
    hub.attach(mailer, clients.mailer);
    hub.prewarm([users, gateway]);
    hub.attach(users, clients.users);
    hub.attach(gateway, clients.gateway);
    await until('gateway ready', () => clients.gateway.events.some((e) => e.type === 'ready'));

    const inOrder: LogRecord[] = [];
    logs.subscribe({}, (r) => inOrder.push(r));
    for (const c of Object.values(clients)) hub.leave(c);
    const summaries = await until('every client told', () => {
      const all = Object.values(clients).map((c) => c.events.find((e) => e.type === 'stopped'));
      return all.every(Boolean) ? (all as { services: number; report: boolean }[]) : undefined;
    });
    expect(summaries.map((s) => s.services)).toEqual([3, 3, 3]);
    expect(summaries.filter((s) => s.report)).toHaveLength(1);
    const transitions = logs.query({}).filter((r) => r.fields?.event === 'state' && (r.fields.to === 'stopping' || r.fields.to === 'stopped' || r.fields.to === 'failed'));
    expect(transitions.filter((r) => r.fields!.to === 'failed')).toEqual([]);
    expect(transitions.every((r) => r.level === 'info')).toBe(true);
    // In the order they happened (a query sorts by millisecond, which ties).
    const stopped = inOrder.filter((r) => r.fields?.event === 'state' && r.fields.to === 'stopped').map((r) => r.service);
    expect(stopped[0]).toBe('gateway'); // the dependent first
    expect(stopped.sort()).toEqual(['gateway', 'mailer', 'users']);
    // Each client saw its own service's stop.
    expect(clients.mailer.events.some((e) => e.type === 'log' && e.record.fields?.to === 'stopped' && e.record.service === 'mailer')).toBe(true);
  }, 60_000);

  it('a scoped project answers at its DNS-safe name, its short name and its wrangler name; the printed URL is one that answers', async () => {
    const { hub } = await freshHub();
    const auth = { ...writeWorker(ws, 'auth', `export default { fetch() { return new Response('auth'); } };`), service: '@scope/auth' };
    writeFileSync(join(auth.root, 'wrangler.jsonc'), JSON.stringify({ name: 'auth-worker', main: 'src/index.js', compatibility_date: '2025-06-01' }));
    const c = client();
    hub.attach(auth, c);
    const ready = (await until('auth ready', () => c.events.find((e) => e.type === 'ready'))) as { proxyUrl: string };
    expect(ready.proxyUrl).toBe(`http://scope-auth.localhost:${hub.proxyPort}`);
    for (const host of ['scope-auth', 'auth', 'auth-worker']) expect(await get(hub.proxyPort!, `${host}.localhost`)).toEqual({ status: 200, body: 'auth' });
    expect(hub.statuses()[0].hosts).toEqual(['scope-auth', 'auth', 'auth-worker']);
  }, 60_000);

  it('remote-only bindings are listed (status, one log line) and a call to one fails naming it', async () => {
    const started = await freshHub();
    const { hub } = started;
    const api = writeWorker(
      ws,
      'api',
      `export default { async fetch(req, env) {
        const which = new URL(req.url).pathname;
        try {
          if (which === '/ai') await env.AI.run('@cf/meta/llama', { prompt: 'hi' });
          else await (await env.DISPATCHER.get('tenant')).fetch('https://tenant/');
          return new Response('no error');
        } catch (e) { return new Response(String(e.message), { status: 500 }); }
      } };`,
      { compatibility_date: '2025-06-01', ai: { binding: 'AI' }, dispatch_namespaces: [{ binding: 'DISPATCHER', namespace: 'customers' }] },
    );
    const c = client();
    hub.attach(api, c);
    await until('api ready', () => c.events.some((e) => e.type === 'ready'));
    expect(hub.statuses()[0].remoteOnly).toEqual(['AI (Workers AI)', 'DISPATCHER (dispatch namespace)']);
    expect(started.logs.query({ service: 'api' }).some((r) => r.message === 'WARN remote-only, not bound locally: AI (Workers AI), DISPATCHER (dispatch namespace) — a call to one fails with a message naming it')).toBe(true);
    const ai = await get(hub.proxyPort!, 'api.localhost', '/ai');
    expect(ai.status).toBe(500);
    expect(ai.body).toContain("nx-edge dev: api's binding AI (Workers AI) is remote-only");
    const dispatch = await get(hub.proxyPort!, 'api.localhost', '/dispatch');
    expect(dispatch.body).toContain("nx-edge dev: api's binding DISPATCHER (dispatch namespace) is remote-only");
  }, 60_000);

  it('serves a Worker\'s static assets (assets.directory) through the proxy, the Worker answering the rest', async () => {
    const { hub } = await freshHub();
    const site = writeWorker(ws, 'site', `export default { fetch(req) { return new Response('worker ' + new URL(req.url).pathname); } };`, { assets: { directory: './public' } });
    mkdirSync(join(site.root, 'public'), { recursive: true });
    writeFileSync(join(site.root, 'public', 'hello.txt'), 'static hello');
    const c = client();
    hub.attach(site, c);
    await until('site ready', () => c.events.some((e) => e.type === 'ready'));
    expect(await get(hub.proxyPort!, 'site.localhost', '/hello.txt')).toEqual({ status: 200, body: 'static hello' });
    expect(await get(hub.proxyPort!, 'site.localhost', '/api/x')).toEqual({ status: 200, body: 'worker /api/x' });
  }, 60_000);

  // A save swaps the new code into the running Worker.
  const usersSource = (v: number) => `import { WorkerEntrypoint } from 'cloudflare:workers';
let handled = 0; // module state: a new version starts from zero, as after a restart
export class UsersRpc extends WorkerEntrypoint { async version() { return ${v}; } }
export default {
  async fetch(req, env, ctx) {
    handled++;
    const url = new URL(req.url);
    if (url.pathname === '/later') return new Response(await env.KV.get('later') ?? 'none');
    if (url.pathname === '/consumed') return new Response(await env.KV.get('consumed-${v}') ?? 'none');
    const count = Number(await env.KV.get('count') ?? 0) + 1;
    await env.KV.put('count', String(count));
    await env.DB.exec('CREATE TABLE IF NOT EXISTS saves (v INTEGER)');
    await env.DB.prepare('INSERT INTO saves (v) VALUES (?)').bind(${v}).run();
    const rows = (await env.DB.prepare('SELECT count(*) AS n FROM saves').first()).n;
    await env.BUCKET.put('v${v}', 'object of v${v}');
    const objects = (await env.BUCKET.list()).objects.length;
    await env.JOBS.send({ v: ${v} });
    ctx.waitUntil(env.KV.put('later', 'written after v${v} answered'));
    return Response.json({ v: ${v}, count, rows, objects, handled, sawEval: Object.keys(env).filter((k) => k.startsWith('__')) });
  },
  async queue(batch, env) {
    for (const m of batch.messages) await env.KV.put('consumed-' + m.body.v, 'by v${v}');
  },
};`;

  it('KV, D1, R2, queues, waitUntil and service bindings (fetch and RPC) keep working; workerd and the other Workers are not restarted', async () => {
    const { logs, hub } = await freshHub();
    const users = writeWorker(ws, 'users', usersSource(1), {
      kv_namespaces: [{ binding: 'KV', id: 'users-kv' }],
      d1_databases: [{ binding: 'DB', database_name: 'users-db', database_id: 'users-db' }],
      r2_buckets: [{ binding: 'BUCKET', bucket_name: 'users-bucket' }],
      queues: { producers: [{ binding: 'JOBS', queue: 'jobs' }], consumers: [{ queue: 'jobs', max_batch_timeout: 0.05 }] },
    });
    const gateway = writeWorker(
      ws,
      'gateway',
      `let calls = 0;
      export default { async fetch(req, env) {
        calls++;
        const users = await (await env.USERS.fetch('https://users' + new URL(req.url).pathname)).text();
        return new Response(JSON.stringify({ gatewayCalls: calls, rpc: await env.RPC.version(), users }));
      } };`,
      { services: [{ binding: 'USERS', service: 'users' }, { binding: 'RPC', service: 'users', entrypoint: 'UsersRpc' }] },
    );
    gateway.upstream = ['users'];
    const clients = attachPlanned(hub, [users, gateway]);
    await until('both ready', () => clients.gateway.events.some((e) => e.type === 'ready') && clients.users.events.some((e) => e.type === 'ready'));
    await hub.watching('users');
    const port = hub.proxyPort!;
    const pid = hub.statuses()[0].pid;
    const through = async () => JSON.parse((await get(port, 'gateway.localhost')).body) as { gatewayCalls: number; rpc: number; users: string };

    const first = await through();
    expect(JSON.parse(first.users)).toMatchObject({ v: 1, count: 1, rows: 1, objects: 1, handled: 1, sawEval: [] });
    for (let v = 2; v <= 4; v++) {
      writeFileSync(join(users.root, 'src', 'index.js'), usersSource(v));
      await until(`v${v} reloaded`, () => logs.query({ service: 'users' }).filter((r) => r.message.startsWith('reloaded after')).length === v - 1);
      const answer = await through();
      // The new code answers (fetch and RPC); the data of every earlier version is still there.
      expect(answer.rpc).toBe(v);
      expect(JSON.parse(answer.users)).toMatchObject({ v, rows: v, objects: v, handled: 1, sawEval: [] });
      expect(JSON.parse(answer.users).count).toBeGreaterThanOrEqual(v);
    }
    // gateway's module state counted every call: it was never restarted; neither was workerd.
    const last = await through();
    expect(last.gatewayCalls).toBeGreaterThanOrEqual(5);
    expect(hub.statuses().map((s) => s.pid)).toEqual([pid, pid]);
    expect(hub.statuses().map((s) => s.restarts)).toEqual([0, 0]);
    const reloads = logs.query({ service: 'users' }).filter((r) => r.message.startsWith('reloaded after')).map((r) => r.message);
    expect(reloads).toHaveLength(3);
    for (const line of reloads) expect(line).toMatch(/^reloaded after a change in apps\/users\/src\/index\.js \(\d+ ms, swapped in place; build \d+ ms, swap \d+ ms\)$/);
    expect(logs.query({ service: 'gateway' }).some((r) => r.message.startsWith('reloaded'))).toBe(false);
    // The swapped version's waitUntil work ran, and its queue consumer took the message it sent.
    const usersSays = async (path: string) => JSON.parse((await get(port, 'gateway.localhost', path)).body).users as string;
    expect(await usersSays('/later')).toBe('written after v4 answered');
    await untilAsync('queue consumed by v4', async () => (await usersSays('/consumed')) === 'by v4');
  }, 60_000);

  it('a Worker hosting a Durable Object restarts workerd instead, and the reload line says why', async () => {
    const started = await freshHub();
    const hub = started.hub;
    const source = (v: number) => `import { DurableObject } from 'cloudflare:workers';
export class Counter extends DurableObject { async fetch() { const n = ((await this.ctx.storage.get('n')) ?? 0) + 1; await this.ctx.storage.put('n', n); return new Response('v${v} n=' + n); } }
export default { fetch(req, env) { return env.COUNTER.get(env.COUNTER.idFromName('one')).fetch(req); } };`;
    const counter = writeWorker(ws, 'counter', source(1), {
      durable_objects: { bindings: [{ name: 'COUNTER', class_name: 'Counter' }] },
      migrations: [{ tag: 'v1', new_sqlite_classes: ['Counter'] }],
    });
    const c = client();
    hub.attach(counter, c);
    await until('counter ready', () => c.events.some((e) => e.type === 'ready'));
    await hub.watching('counter');
    expect(await hub.host.swapUrl('counter')).toBeUndefined();
    expect((await get(hub.proxyPort!, 'counter.localhost')).body).toBe('v1 n=1');
    writeFileSync(join(counter.root, 'src', 'index.js'), source(2));
    const line = await until('reloaded', () => started.logs.query({ service: 'counter' }).find((r) => r.message.startsWith('reloaded after')));
    expect(line.message).toMatch(/^reloaded after a change in apps\/counter\/src\/index\.js \(\d+ ms, workerd restarted: it hosts Durable Object Counter; build \d+ ms, restart \d+ ms\)$/);
    // The object's storage survives the restart.
    expect((await get(hub.proxyPort!, 'counter.localhost')).body).toBe('v2 n=2');
  }, 60_000);

  it("the swap socket takes code only with the session's token: another local user or a web page cannot replace a Worker", async () => {
    const { hub } = await freshHub();
    const api = writeWorker(ws, 'api', `export default { fetch() { return new Response('genuine'); } };`);
    const c = client();
    hub.attach(api, c);
    await until('api ready', () => c.events.some((e) => e.type === 'ready'));
    const swapUrl = (await hub.host.swapUrl('api'))!;
    expect(swapUrl.hostname).toBe('127.0.0.1');
    const evil = 'module.exports = { default: { fetch() { return new Response("owned"); } } };';
    const attempts = [
      await fetch(swapUrl, { method: 'POST', body: evil }), // what a page's simple cross-origin POST can send
      await fetch(swapUrl, { method: 'POST', headers: { 'x-nx-edge-swap-token': 'guess' }, body: evil }),
      await fetch(swapUrl, { method: 'GET' }),
    ];
    expect(attempts.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await get(hub.proxyPort!, 'api.localhost')).toEqual({ status: 200, body: 'genuine' });
  }, 60_000);
  it("the explorer calls a Worker's WorkerEntrypoint methods with JSON arguments and its real env, as a traced span; a save brings new methods; secrets come back redacted", async () => {
    ws = mkdtempSync(join(tmpdir(), 'nx-edge-hub-'));
    const logs = createLogStore({});
    const token = 'dash-token-123';
    hub = new DevHub({ workspaceRoot: ws, proxyPort: 0, proxyFront: true, logs, dashboardToken: token, onIdle: () => undefined });
    await hub.start();
    const source = (version: string) => `import { WorkerEntrypoint } from 'cloudflare:workers';
export class UsersApi extends WorkerEntrypoint {
  async getUser(id) { await this.env.CACHE.put('last', String(id)); return { id, name: 'ada', last: await this.env.CACHE.get('last') }; }
  async secret() { return 'key is ' + this.env.API_KEY; }
  async boom() { throw new Error('no such user'); }
  ${version === 'v2' ? "async count() { return 2; }" : ''}
  _private() { return 1; }
}
export default { fetch() { return new Response('users ${version}'); } };`;
    const api = writeWorker(ws, 'users', source('v1'), { kv_namespaces: [{ binding: 'CACHE', id: 'users-cache' }] });
    writeFileSync(join(ws, 'apps/users/.dev.vars'), 'API_KEY=sk_test_rpc_secret_1\n');
    const c = client();
    hub.attach(api, c);
    await until('users ready', () => c.events.some((e) => e.type === 'ready'));
    const port = hub.proxyPort!;
    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = { 'x-nx-edge-token': token }) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, headers: { host: 'localhost', 'content-type': 'application/json', ...headers } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text.startsWith('{') ? JSON.parse(text) : { html: text.slice(0, 300) }) as Record<string, unknown> }));
        });
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    expect((await call('GET', '/__nx-edge/services/users/rpc')).body).toEqual({ service: 'users', entrypoints: [{ entrypoint: 'UsersApi', methods: ['boom', 'getUser', 'secret'] }] });
    const got = await call('POST', '/__nx-edge/services/users/rpc', { entrypoint: 'UsersApi', method: 'getUser', args: ['7'] });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ result: { id: '7', name: 'ada', last: '7' } });
    const traced = hub.traces.get(String(got.body.traceId))!;
    expect(traced).toEqual([expect.objectContaining({ service: 'users', name: 'RPC UsersApi.getUser()', status: 200, error: false })]);
    expect((await call('POST', '/__nx-edge/services/users/rpc', { entrypoint: 'UsersApi', method: 'secret' })).body).toMatchObject({ result: 'key is [redacted]' });
    expect((await call('POST', '/__nx-edge/services/users/rpc', { entrypoint: 'UsersApi', method: 'boom' })).body).toMatchObject({ thrown: 'no such user' });
    expect((await call('POST', '/__nx-edge/services/users/rpc', { entrypoint: 'UsersApi', method: '_private' })).status).toBe(404);
    expect((await call('POST', '/__nx-edge/services/users/rpc', { entrypoint: 'UsersApi', method: 'getUser' }, {})).status).toBe(403);
    expect((await call('POST', '/__nx-edge/services/nope/rpc', { entrypoint: 'UsersApi', method: 'getUser' })).status).toBe(404);
    // A save swaps the new version in: its new method is listed and answers.
    writeFileSync(join(ws, 'apps/users/src/index.js'), source('v2'));
    await untilAsync('the new version', async () => (await get(port, 'users.localhost')).body === 'users v2');
    expect((await call('GET', '/__nx-edge/services/users/rpc')).body).toMatchObject({ entrypoints: [{ entrypoint: 'UsersApi', methods: ['boom', 'count', 'getUser', 'secret'] }] });
    expect((await call('POST', '/__nx-edge/services/users/rpc', { entrypoint: 'UsersApi', method: 'count' })).body).toMatchObject({ result: 2 });
  }, 60_000);
});
