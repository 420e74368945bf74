// bench/dev: nx-edge dev vs wrangler dev, side by side, for N Workers chained w0 → w1 → … (and wi → wi+7) by
// service bindings (the anchor setup in shared/NOTES.md), each importing a shared lib.
//   * nx-edge in closure mode (`nx run w0:dev`: one Nx task, the hub runs the chain) and, up to 50 Workers,
//     one Nx task per Worker (`nx run-many -t dev`)
//   * start → every Worker reachable (nx-edge: all healthy in the proxy's status; wrangler: the
//     full-chain answer through the one port multi-config gets, or every separate port answering)
//   * RSS of everything it started (process trees, /proc)
//   * save → new code served (median of 5 edits of the last Worker of the chain), with its parts
//   * req/s and p99 through the nx-edge proxy vs straight to the Worker's port and a bare relay (autocannon)
// Run: npm run build:packages && node bench/dev.mjs [10,50,100]
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync, openSync, statSync, readSync, closeSync, watch } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { generateWorkspace, median, NX_ENV, REPO_ROOT } from './lib/workspace.mjs';
import { procStat } from './lib/proc.mjs';

const sizes = (process.argv[2] ?? '10,50').split(',').map(Number);
const bin = (name) => join(REPO_ROOT, 'node_modules', '.bin', name);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!existsSync(join(REPO_ROOT, 'packages/nx-edge/dist/src/dev/hub/hub-main.js'))) {
  console.error('bench/dev: build the packages first (npm run build:packages)');
  process.exit(1);
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

function get(port, path = '/', host = 'localhost') {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function until(check, timeoutMs = 120_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`bench/dev: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** RSS (MB) of a process and all its descendants, from /proc. */
function treeRss(rootPids) {
  const children = new Map();
  const rss = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(entry);
    if (!fields) continue; // gone
    const ppid = Number(fields[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    rss.set(Number(entry), Number(fields[21]) * 4096);
  }
  const seen = new Set();
  const walk = (pid) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  rootPids.forEach(walk);
  return [...seen].reduce((sum, pid) => sum + (rss.get(pid) ?? 0), 0) / 1024 / 1024;
}

function killTree(child) {
  try {
    process.kill(-child.pid, 'SIGINT');
  } catch {}
  return new Promise((/** @type {(v?: unknown) => void} */ resolve) => {
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
      resolve();
    }, 8000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function cannon(url, host, connections = 20) {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections, duration: Number(process.env.BENCH_DURATION ?? 2), headers: host ? { host } : {} }, (err, r) =>
      err ? reject(err) : resolve({ rps: Math.round(r.requests.average), p99: r.latency.p99, errors: r.errors + r.non2xx, requests: r.requests.total }),
    ),
  );
}

/** CPU time (ms, all threads) processes have used so far: what one request costs a hop, apart from the machine's drift. */
function cpuMs(pids) {
  return pids.reduce((sum, pid) => {
    const fields = procStat(pid) ?? [];
    return sum + (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
  }, 0);
}

/** The dev proxy's processes: the hub and its front (the hub's Node child; workerd is the Worker's cost). */
function proxyPids(hubPid) {
  const front = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && procStat(entry)?.[1] === String(hubPid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node';
      } catch {
        return false;
      }
    })
    .map(Number);
  return [hubPid, ...front];
}

/**
 * The floor of any Node hop: a bare relay of the same requests to the same port (keep-alive agent,
 * no routing, no tracing, no state) — what the proxy's own work is measured against. It runs in a
 * Node process of its own, as the proxy does in the hub (in autocannon's process the two would share
 * one event loop and one core).
 */
function bareRelay(targetPort) {
  const code = `
    const { Agent, createServer, request } = require('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const server = createServer((req, res) => {
      const upstream = request({ host: '127.0.0.1', port: ${targetPort}, path: req.url, method: req.method, headers: req.headers, agent }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.keepAliveTimeout = 65000;
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve({ port: Number(String(d).trim()), pid: child.pid, close: () => child.kill() }));
    child.once('exit', (code) => reject(new Error(`bench/dev: the bare relay exited (${code})`)));
  });
}

/**
 * Direct, through a bare relay, through a second identical relay and through the proxy, at 1, 10 and 20
 * connections: 10 rounds of 2 s each. This 2-core VM's speed moves by a third from one second to the next (the
 * hypervisor's steal time reaches 40 %), so each round's proxy is compared with the same round's relay (the
 * median of those ratios). The relay runs between the twin and the proxy, the order reversed every other round
 * (twin, relay, proxy, then proxy, relay, twin): the proxy and the twin are each next to the relay in time and
 * each goes first as often as second, so the twin's ratio shows how far the proxy's can move with nothing
 * different at all. CPU per request (of the proxy's processes, of the relay) is the cost apart from that drift.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

async function proxyFigures(directPort, proxyPort, host, hubPid) {
  const relay = await bareRelay(directPort);
  const twin = await bareRelay(directPort);
  const out = {};
  try {
    for (const c of [1, 10, 20]) {
      const variants = {
        direct: { run: () => cannon(`http://127.0.0.1:${directPort}/`, undefined, c) },
        relay: { run: () => cannon(`http://127.0.0.1:${relay.port}/`, undefined, c), pids: [relay.pid] },
        twin: { run: () => cannon(`http://127.0.0.1:${twin.port}/`, undefined, c), pids: [twin.pid] },
        proxied: { run: () => cannon(`http://127.0.0.1:${proxyPort}/`, host, c), pids: proxyPids(hubPid) },
      };
      const names = ['direct', 'twin', 'relay', 'proxied'];
      /** @type {Record<string, { rps: number, p99: number, errors: number, cpuPerRequest?: number, cpuParts: number[] }[]>} */
      const rounds = Object.fromEntries(names.map((n) => [n, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of round % 2 ? [...names].reverse() : names) {
          const { run, pids } = variants[name];
          const before = (pids ?? []).map((pid) => cpuMs([pid]));
          const r = await run();
          const perRequest = (pids ?? []).map((pid, k) => ((cpuMs([pid]) - before[k]) * 1000) / Math.max(1, r.requests));
          rounds[name].push({ ...r, cpuPerRequest: pids ? perRequest.reduce((a, b) => a + b, 0) : undefined, cpuParts: perRequest });
        }
      }
      out[c] = Object.fromEntries(names.map((n) => [n, { rps: Math.round(median(rounds[n].map((r) => r.rps))), p99: median(rounds[n].map((r) => r.p99)), errors: rounds[n].reduce((sum, r) => sum + r.errors, 0) }]));
      const ratios = (a, b) => rounds[a].map((r, i) => r.rps / rounds[b][i].rps);
      const spread = (values) => [Math.min(...values), Math.max(...values)];
      // Each round's proxy against the same round's relay (run next to each other), then the median: the
      // machine's drift between rounds cancels out of the ratio.
      out[c].paired = {
        vsRelay: median(ratios('proxied', 'relay')),
        vsRelaySpread: spread(ratios('proxied', 'relay')),
        twinVsRelay: median(ratios('twin', 'relay')),
        twinSpread: spread(ratios('twin', 'relay')),
        vsDirect: median(ratios('proxied', 'direct')),
        p99OverRelay: median(rounds.proxied.map((r, i) => r.p99 - rounds.relay[i].p99)),
      };
      out[c].cpuPerRequest = { proxy: median(rounds.proxied.map((r) => r.cpuPerRequest)), hub: median(rounds.proxied.map((r) => r.cpuParts[0])), relay: median([...rounds.relay, ...rounds.twin].map((r) => r.cpuPerRequest)) };
    }
  } finally {
    relay.close();
    twin.close();
  }
  return out;
}

/** Median answer time (ms, 20 GETs each) of the status and the dashboard's reads, as the page polls them. */
async function readLatencies(proxyPort) {
  const out = {};
  for (const path of ['/__nx-edge/status', '/__nx-edge/graph', '/__nx-edge/metrics', '/__nx-edge/traces?limit=200', '/']) {
    const samples = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await get(proxyPort, path);
      samples.push(performance.now() - t);
    }
    out[path] = median(samples);
  }
  return out;
}

/**
 * What any dev hub that runs N Workers in one workerd must pay before the first answers, measured
 * apart: a Node process start, loading Miniflare, and workerd starting the N Workers (trivial ones, without the helper
 * Workers Miniflare would give each: as the hub starts them, see packages/nx-edge/src/dev/hub/helper-isolates.ts).
 */
async function hubFloor(n) {
  const node = (code) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`bench/dev: floor probe exited ${code}`))));
    });
  const t = performance.now();
  await node('0');
  const boot = performance.now() - t;
  const timings = JSON.parse(
    await node(`(async () => {
      const t0 = performance.now();
      const { Miniflare } = require('./packages/nx-edge/dist/src/wrangler/noop-cache.js').shareNoopCache(require('miniflare'));
      const loaded = performance.now();
      // No helper isolate per Worker, as the hub starts them: one shared outbound Worker, the no-op cache from one server.
      const outbound = { name: 'outbound', modules: true, compatibilityDate: '2025-06-01', script: 'export default { fetch(r) { return fetch(r) } }', stripCfConnectingIp: false, cache: false };
      const mf = new Miniflare({ cf: false, workers: [...Array.from({ length: ${n} }, (_, i) => ({ name: 'w' + i, modules: true, compatibilityDate: '2025-06-01', script: 'export default { fetch() { return new Response("ok") } }', unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }], cache: false, stripCfConnectingIp: false, outboundService: 'outbound' })), outbound] });
      await mf.ready;
      const ready = performance.now();
      await mf.dispose();
      console.log(JSON.stringify({ load: loaded - t0, workerd: ready - loaded }));
    })()`),
  );
  return { boot, ...timings };
}

function setVersion(dir, name, version) {
  const file = join(dir, 'apps', name, 'src/index.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/greet\('[^']*'\)/, `greet('${name} ${version}')`));
}

function chainWorkspace(n) {
  const dir = join(REPO_ROOT, 'tmp', 'bench', `dev-${n}`);
  const names = generateWorkspace(dir, { workers: n, withPlugin: true });
  return { dir, names };
}

async function reloadLatency(dir, name, port, host) {
  const samples = [];
  for (let i = 1; i <= 5; i++) {
    const version = `v${Date.now()}-${i}`;
    const start = performance.now();
    setVersion(dir, name, version);
    await until(async () => (await get(port, '/', host)).body.includes(version), 30_000, 'new code');
    samples.push(performance.now() - start);
    await sleep(700); // let watchers settle between edits
  }
  return median(samples);
}

/** Records appended to the session's JSONL log from now on, as they are written (fs.watch, no polling). */
function followDevLog(dir) {
  const file = join(dir, '.nx-edge/logs/dev.jsonl');
  let offset = statSync(file).size;
  let rest = '';
  const waiting = [];
  const read = () => {
    const size = statSync(file).size;
    if (size <= offset) return;
    const fd = openSync(file, 'r');
    const chunk = Buffer.alloc(size - offset);
    readSync(fd, chunk, 0, chunk.length, offset);
    closeSync(fd);
    offset = size;
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const record = JSON.parse(line);
        for (const w of [...waiting]) if (w.match(record)) (waiting.splice(waiting.indexOf(w), 1), w.resolve(record));
      } catch {}
    }
  };
  const watcher = watch(file, read);
  return {
    next: (match) => new Promise((resolve) => (waiting.push({ match, resolve }), read())),
    close: () => watcher.close(),
  };
}

/**
 * save → new code served, median of 5 edits, and its parts (medians): the watcher seeing the save (file
 * written → the hub's watcher event), its settle, the bundle, the swap, and the first new answer through
 * the proxy once the hub logged the reload (one GET, then again at once until the new code answers).
 */
async function reloadWithParts(dir, name, port, host) {
  const log = followDevLog(dir);
  const rows = [];
  try {
    for (let i = 1; i <= 5; i++) {
      const version = `v${Date.now()}-${i}`;
      const reloaded = log.next((r) => r.service === name && r.fields?.event === 'reload');
      const wroteAt = Date.now();
      const start = performance.now();
      setVersion(dir, name, version);
      const record = await Promise.race([reloaded, sleep(30_000).then(() => undefined)]);
      if (!record) throw new Error(`bench/dev: no reload of ${name} logged within 30 s`);
      await until(async () => (await get(port, '/', host)).body.includes(version), 30_000, 'new code');
      const total = performance.now() - start;
      const f = record.fields;
      rows.push({ total, watch: f.seenAt - wroteAt, settle: f.settleMs, build: f.buildMs, swap: f.swapMs ?? f.restartMs, answer: Date.now() - f.doneAt });
      await sleep(700); // let watchers settle between edits
    }
  } finally {
    log.close();
  }
  const part = (key) => median(rows.map((r) => r[key]));
  return { total: part('total'), watch: part('watch'), settle: part('settle'), build: part('build'), swap: part('swap'), answer: part('answer') };
}

/**
 * The floor Nx itself sets: the same projects and graph, each with a continuous no-op task
 * (`nx:run-commands`) that writes a marker; time until all are up. `tasks`: one per project, as
 * `nx run-many` starts them; `single`: only w0's (what closure mode asks of Nx).
 */
async function plainNx(n, mode) {
  const { dir, names } = chainWorkspace(n);
  for (const name of names) {
    const file = join(dir, 'apps', name, 'project.json');
    const project = JSON.parse(readFileSync(file, 'utf8'));
    // Named `dev`, as the run it is the floor of: Nx then treats our plugin's worker as it does for `nx run w0:dev`
    // (it leaves once the run has started); the project.json target replaces the inferred one (another command).
    project.targets = {
      dev: {
        executor: 'nx:run-commands',
        continuous: true,
        dependsOn: mode === 'tasks' ? ['^dev'] : [],
        options: { command: `node -e "require('fs').writeFileSync('up', ''); setInterval(() => {}, 1e9)"`, cwd: `apps/${name}` },
      },
    };
    writeFileSync(file, JSON.stringify(project));
  }
  const expected = mode === 'tasks' ? names : [names[0]];
  const start = performance.now();
  const args = mode === 'tasks' ? ['run-many', '-t', 'dev', '--output-style=stream'] : ['run', `${names[0]}:dev`, '--output-style=stream'];
  const child = spawn(bin('nx'), args, { cwd: dir, env: NX_ENV, detached: true, stdio: 'ignore' });
  try {
    await until(() => expected.every((name) => existsSync(join(dir, 'apps', name, 'up'))), 120_000, 'plain Nx tasks');
    const ms = performance.now() - start;
    await sleep(1500);
    return { ms, rss: treeRss([child.pid]) };
  } finally {
    await killTree(child);
  }
}

/** nx-edge dev: `closure` — `nx run w0:dev` (one Nx task; the hub runs the chain); `tasks` — `nx run-many -t dev`. */
async function nxEdge(n, mode) {
  const { dir, names } = chainWorkspace(n);
  const proxyPort = await freePort();
  const env = { ...NX_ENV, NX_EDGE_PROXY_PORT: String(proxyPort) };
  const start = performance.now();
  const args = mode === 'tasks' ? ['run-many', '-t', 'dev', '--output-style=stream'] : ['run', `${names[0]}:dev`, '--output-style=stream'];
  const child = spawn(bin('nx'), args, { cwd: dir, env, detached: true, stdio: 'ignore' });
  await until(async () => {
    const r = await get(proxyPort, '/__nx-edge/status');
    try {
      return JSON.parse(r.body).filter((s) => s.state === 'healthy').length === n;
    } catch {
      return false;
    }
  }, 180_000, `${n} healthy services`);
  const allHealthy = performance.now() - start;
  await until(async () => (await get(proxyPort, '/', 'w0.localhost')).body.includes(`hello w0`), 10_000, 'w0 through the proxy');
  const status = JSON.parse((await get(proxyPort, '/__nx-edge/status')).body);
  const hubPid = JSON.parse(readFileSync(join(dir, '.nx-edge/dev/hub.json'), 'utf8')).pid;
  await sleep(1500);
  const hubRss = treeRss([hubPid]);
  const totalRss = hubRss + treeRss([child.pid]);
  const last = names[names.length - 1];
  const lastPort = status.find((s) => s.service === last).port;
  // Through the proxy, as a user sees it, with the hub's own account of each reload.
  const reload = await reloadWithParts(dir, last, proxyPort, `${last}.localhost`);
  // The proxy's cost on its own: the last Worker of the chain answers without calling another.
  const proxy = await proxyFigures(lastPort, proxyPort, `${last}.localhost`, hubPid);
  // After the proxy runs (the trace store full of the proxy's spans): the dashboard's reads.
  const responsiveness = await readLatencies(proxyPort);
  await killTree(child);
  await until(() => !existsSync(join(dir, '.nx-edge/dev/hub.json')), 20_000, 'hub exit');
  return { allHealthy, hubRss, totalRss, reload, proxy, responsiveness };
}

async function wranglerMulti(n) {
  const { dir, names } = chainWorkspace(n);
  const port = await freePort();
  const args = ['dev', ...names.flatMap((name) => ['-c', join('apps', name, 'wrangler.jsonc')]), '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(await freePort()), '--show-interactive-dev-session=false'];
  const start = performance.now();
  const child = spawn(bin('wrangler'), args, { cwd: dir, env: { ...NX_ENV, XDG_CONFIG_HOME: join(dir, '.xdg'), CI: '1' }, detached: true, stdio: 'ignore' });
  await until(async () => (await get(port)).body.includes('hello w0'), 120_000, 'wrangler multi-config');
  const ready = performance.now() - start;
  await sleep(1500);
  const rss = treeRss([child.pid]);
  // Only the first config gets a port: reload is measured on w0.
  const reload = await reloadLatency(dir, names[0], port);
  await killTree(child);
  return { ready, rss, reload };
}

async function wranglerSeparate(n) {
  const { dir, names } = chainWorkspace(n);
  const ports = [];
  const children = [];
  const failures = [];
  let restarts = 0;
  const start = performance.now();
  // wrangler's bundled esbuild sometimes deadlocks when ten start at once ("all goroutines are
  // asleep"), and a port found free can be taken by another one's workerd before this one binds it: a
  // user would start that one again (on other ports), so the bench does too (up to twice) and says so.
  const launch = (i) => {
    const name = names[i];
    const args = ['dev', '-c', join('apps', name, 'wrangler.jsonc'), '--ip', '127.0.0.1', '--port', String(ports[i].port), '--inspector-port', String(ports[i].inspector), '--show-interactive-dev-session=false'];
    const log = openSync(join(dir, `wrangler-${name}.log`), 'a');
    /** @type {import('node:child_process').ChildProcess & { attempt?: number }} */
    const child = spawn(bin('wrangler'), args, { cwd: dir, env: { ...NX_ENV, XDG_CONFIG_HOME: join(dir, '.xdg'), CI: '1' }, detached: true, stdio: ['ignore', log, log] });
    child.once('exit', (code) => {
      if (children[i] !== child || stopped) return;
      if (restarts < 2 * n && (child.attempt ?? 0) < 2) {
        restarts++;
        void (async () => {
          ports[i] = { port: await freePort(), inspector: await freePort() };
          if (stopped) return;
          const again = launch(i);
          again.attempt = (child.attempt ?? 0) + 1;
        })();
      } else failures.push(`${name} (code ${code}; see ${join(dir, `wrangler-${name}.log`)})`);
    });
    children[i] = child;
    return child;
  };
  let stopped = false;
  for (let i = 0; i < names.length; i++) {
    ports.push({ port: await freePort(), inspector: await freePort() });
    launch(i);
  }
  try {
    await until(async () => {
      if (failures.length) throw new Error(`bench/dev: wrangler dev exited early: ${failures.join(', ')}`);
      return (await Promise.all(ports.map((p) => get(p.port)))).every((r, i) => r.body.includes(`hello ${names[i]}`));
    }, 180_000, 'separate wrangler devs');
    const ready = performance.now() - start;
    await sleep(1500);
    const rss = treeRss(children.map((c) => c.pid));
    return { ready, rss, restarts };
  } finally {
    stopped = true;
    await Promise.all(children.map(killTree));
  }
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (v) => `${Math.round(v)} MB`;
const ms = (v) => `${Math.round(v)} ms`;
const rows = [];
// N separate wrangler devs cost ~380 MB each: measured up to 10 only. One Nx task per Worker costs
// ~45 MB of Nx each: measured up to 50 (closure mode is the way past it).
const SEPARATE_MAX = 10;
const TASKS_MAX = 50;

function printSession(label, ours, nxFloor, hub, n) {
  console.log(`  ${label}`);
  console.log(`    start → all reachable   ${s(ours.allHealthy)} (every Worker healthy, own port + proxy); floors: Nx ${s(nxFloor.ms)}, a shared-workerd hub ${s(hub.boot + hub.load + hub.workerd)} (Node ${ms(hub.boot)} + Miniflare load ${ms(hub.load)} + workerd starting ${n} Workers ${ms(hub.workerd)})`);
  console.log(`    memory                  whole session ${mb(ours.totalRss)} (Nx floor ${mb(nxFloor.rss)}), hub+workerd ${mb(ours.hubRss)}`);
  const r = ours.reload;
  console.log(`    save → new code served  ${ms(r.total)} (median of 5) = watcher sees the save ${ms(r.watch)} + settle ${ms(r.settle)} + build ${ms(r.build)} + swap ${ms(r.swap)} + first new answer ${ms(r.answer)} (medians of each part)`);
  const d = ours.responsiveness;
  console.log(`    dashboard reads         status ${d['/__nx-edge/status'].toFixed(1)} ms, graph ${d['/__nx-edge/graph'].toFixed(1)} ms, metrics ${d['/__nx-edge/metrics'].toFixed(1)} ms, 200 traces ${d['/__nx-edge/traces?limit=200'].toFixed(1)} ms, page ${d['/'].toFixed(1)} ms (median of 20)`);
  for (const [c, f] of Object.entries(ours.proxy)) {
    const p = f.paired;
    const added = p.p99OverRelay;
    const range = ([a, b]) => `${a.toFixed(2)}–${b.toFixed(2)}`;
    console.log(
      `    proxy, ${String(c).padStart(2)} connection${c === '1' ? ' ' : 's'}  ${p.vsRelay.toFixed(2)}× a bare relay (rounds ${range(p.vsRelaySpread)}; an identical second relay: ${p.twinVsRelay.toFixed(2)}×, rounds ${range(p.twinSpread)}), ${p.vsDirect.toFixed(2)}× direct (medians of ${ROUNDS} rounds' own ratios); p99 ${added >= 0 ? '+' : ''}${added} ms over the relay; CPU per request ${Math.round(f.cpuPerRequest.proxy)} µs (proxy: front + hub, the hub's part ${Math.round(f.cpuPerRequest.hub)}) / ${Math.round(f.cpuPerRequest.relay)} µs (relay); medians ${f.proxied.rps} / ${f.relay.rps} / ${f.direct.rps} req/s (proxy / relay / direct), p99 ${f.proxied.p99} / ${f.relay.p99} ms; errors ${f.proxied.errors + f.direct.errors + f.relay.errors + f.twin.errors}`,
    );
  }
}

// BENCH_ONLY=closure: closure mode and its floors only (a quick look while working on the hub).
const only = process.env.BENCH_ONLY;
for (const n of sizes) {
  const multi = only ? undefined : await wranglerMulti(n);
  const separate = !only && n <= SEPARATE_MAX ? await wranglerSeparate(n) : undefined;
  const hub = await hubFloor(n);
  const singleFloor = await plainNx(n, 'single');
  const closure = await nxEdge(n, 'closure');
  const tasksFloor = !only && n <= TASKS_MAX ? await plainNx(n, 'tasks') : undefined;
  const tasks = tasksFloor ? await nxEdge(n, 'tasks') : undefined;
  rows.push({ n, multi, separate, closure, tasks });
  console.log(`\n${n} Workers (chain w0 → … → w${n - 1})`);
  if (multi) console.log(`  wrangler dev -c ×${n}: ${s(multi.ready)} to the chain's answer (only w0 reachable), ${mb(multi.rss)}, save → new code ${ms(multi.reload)}${separate ? `; ${n} × wrangler dev: ${s(separate.ready)}${separate.restarts ? ` (${separate.restarts} crashed at start and were started again)` : ''}, ${mb(separate.rss)}` : ''}`);
  printSession(`closure mode — nx run w0:dev (one Nx task)`, closure, singleFloor, hub, n);
  if (tasks && tasksFloor) printSession(`one Nx task per Worker — nx run-many -t dev`, tasks, tasksFloor, hub, n);
}
if (rows.length > 1) {
  const [a, b] = [rows[0], rows[rows.length - 1]];
  console.log(`\nmemory per extra Worker (closure mode): hub+workerd ${mb((b.closure.hubRss - a.closure.hubRss) / (b.n - a.n))}, whole session ${mb((b.closure.totalRss - a.closure.totalRss) / (b.n - a.n))}`);
}
