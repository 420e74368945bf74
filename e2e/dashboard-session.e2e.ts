import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, get, type DevStatus as Status } from './support/http';
import { REPO_ROOT } from './support/template';
import { createE2eWorkspace, type E2eWorkspace } from './support/workspace';
import { inspectorCli } from './support/mcp-inspector';

// The dashboard in headless Chromium against a real `nx run-many -t dev` session of four Workers:
// gateway calls users and orders over service bindings; orders sends to a queue mailer consumes.
// Screenshots land in tmp/e2e/artifacts (docs/dev.md shows them).
const SECRET = 'sk-live-7f3c9a1e5b2d4f60';
const ARTIFACTS = join(REPO_ROOT, 'tmp', 'e2e', 'artifacts');

describe('dev dashboard on a real session: graph, traces, details, actions', () => {
  let ws: E2eWorkspace;
  let proxyPort: number;
  let nx: ChildProcess;
  let browser: Browser;
  let page: Page;
  let output = '';
  let foreign: Server;
  const bodies: string[] = [];

  const status = async (): Promise<Status[]> => JSON.parse((await get(proxyPort, 'localhost', '/__nx-edge/status')).body);
  const api = async (path: string) => JSON.parse((await get(proxyPort, 'localhost', path)).body);
  const worker = (name: string, body: string) =>
    ws.write(
      `apps/${name}/src/index.ts`,
      `import { log, withEdge } from '@aero/edge-runtime';\n\n${body}\n`,
    );
  const config = (name: string, extra: Record<string, unknown>) => {
    const date = /"compatibility_date": "([^"]+)"/.exec(ws.read(`apps/${name}/wrangler.jsonc`))![1];
    ws.write(`apps/${name}/wrangler.jsonc`, `// ${name}\n${JSON.stringify({ $schema: '../../node_modules/wrangler/config-schema.json', name, main: 'src/index.ts', compatibility_date: date, compatibility_flags: ['nodejs_compat'], ...extra }, null, 2)}\n`);
  };

  beforeAll(async () => {
    ws = await createE2eWorkspace('dashboard');
    proxyPort = await freePort();
    for (const name of ['users', 'orders', 'mailer', 'gateway']) await ws.nxOk(['g', '@aero/nx-edge:function', name, '--no-interactive']);
    config('users', { kv_namespaces: [{ binding: 'CACHE', id: 'users-cache' }], vars: { GREETING: 'hello' } });
    config('orders', { queues: { producers: [{ binding: 'EMAILS', queue: 'emails' }] } });
    config('mailer', { queues: { consumers: [{ queue: 'emails', max_batch_timeout: 1 }] } });
    config('gateway', { services: [{ binding: 'USERS', service: 'users' }, { binding: 'ORDERS', service: 'orders' }] });
    ws.write('apps/users/.dev.vars', `API_TOKEN=${SECRET}\n`);
    worker(
      'users',
      `import { WorkerEntrypoint } from 'cloudflare:workers';

/** Methods other Workers call over RPC; the dashboard's explorer calls them too. */
export class UsersApi extends WorkerEntrypoint<{ CACHE: KVNamespace }> {
  async profile(id: string) {
    await this.env.CACHE.put('profile', id);
    return { id, name: 'ada', cached: await this.env.CACHE.get('profile') };
  }
}

export default withEdge<{ CACHE: KVNamespace; API_TOKEN: string; GREETING: string }>({
  async fetch(_request, env) {
    // A clumsy log line: the hub must keep this value out of everything the dashboard shows.
    console.log('calling the billing API with', env.API_TOKEN);
    await env.CACHE.put('last', String(Date.now()));
    return Response.json({ service: 'users', greeting: env.GREETING });
  },
});`,
    );
    worker(
      'orders',
      `export default withEdge<{ EMAILS: Queue }>({
  async fetch(_request, env) {
    await env.EMAILS.send({ to: 'ada@example.com' });
    log.info('order placed');
    return Response.json({ service: 'orders', queued: true });
  },
});`,
    );
    worker(
      'mailer',
      `export default withEdge({
  fetch: () => new Response('mailer'),
  async queue(batch) {
    log.info('sending emails', { count: batch.messages.length });
  },
});`,
    );
    worker(
      'gateway',
      `export default withEdge<{ USERS: Fetcher; ORDERS: Fetcher }>({
  async fetch(_request, env) {
    const users = await (await env.USERS.fetch('https://users/me')).json();
    const orders = await (await env.ORDERS.fetch('https://orders/new', { method: 'POST' })).json();
    log.info('gateway answered');
    // Hostile text in a log line: nothing we hand on (the page, an agent) may carry the raw ESC.
    console.log('\\x1b[2J\\x1b[31mgateway cleared your screen');
    return Response.json({ users, orders });
  },
});`,
    );
    nx = ws.spawn('nx', ['run-many', '-t', 'dev', '--output-style=stream'], { env: { ...ws.env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    nx.stdout!.on('data', (d) => (output += d));
    nx.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 180_000;
    while ((await status().catch(() => [])).filter((s) => s.state === 'healthy').length < 4) {
      if (Date.now() > deadline || nx.exitCode !== null) throw new Error(`dev did not bring up 4 healthy Workers:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Everything the page receives (the event stream is read separately: it never ends).
    page.on('response', (response) => {
      if (!response.url().includes('/__nx-edge/events')) void response.text().then((t) => bodies.push(t), () => undefined);
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    foreign?.close();
    await ws?.dispose();
  });

  it('draws the service graph: four Workers, edges labelled by binding, the queue edge to its consumer', async () => {
    for (let i = 0; i < 5; i++) expect((await get(proxyPort, `gateway.localhost:${proxyPort}`)).status).toBe(200);
    // Opened as a developer does: the link with the token, from the terminal (here: hub.json, where it comes from).
    const { dashboardToken } = ws.readJson<{ dashboardToken: string }>('.nx-edge/dev/hub.json');
    await page.goto(`http://localhost:${proxyPort}/?token=${dashboardToken}#graph`);
    const nodes = page.locator('svg#graph g.node');
    await expect.poll(() => nodes.evaluateAll((els) => els.map((e) => `${(e as SVGElement).dataset.service}:${(e as SVGElement).dataset.state}`).sort()), { timeout: 15_000 }).toEqual([
      'gateway:healthy',
      'mailer:healthy',
      'orders:healthy',
      'users:healthy',
    ]);
    const edges = await page.locator('svg#graph g.edge').evaluateAll((els) => els.map((e) => `${(e as SVGElement).dataset.from}>${(e as SVGElement).dataset.to}:${(e as SVGElement).dataset.kind}:${e.textContent}`).sort());
    expect(edges).toEqual(['gateway>orders:service:ORDERS', 'gateway>users:service:USERS', 'orders>mailer:queue:queue emails']);
    // Callers left of what they call.
    const x = async (service: string) => (await page.locator(`svg#graph g.node[data-service="${service}"]`).boundingBox())!.x;
    expect(await x('gateway')).toBeLessThan(await x('users'));
    expect(await x('orders')).toBeLessThan(await x('mailer'));
    await expect.poll(() => page.locator('svg#graph g.node[data-service="gateway"] .sub').textContent(), { timeout: 10_000 }).toMatch(/req\/s/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-graph.png') });
  });

  it('a request through gateway is one trace with spans in gateway, users and orders, in parent-child order, durations nested', async () => {
    const answer = await get(proxyPort, `gateway.localhost:${proxyPort}`, '/checkout');
    expect(answer.status).toBe(200);
    await page.click('#tab-traces');
    const row = page.locator('#traces tbody tr[data-trace]', { hasText: 'GET /checkout' }).first();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => row.locator('td').nth(5).textContent(), { timeout: 10_000 }).toBe('7'); // proxy, gateway, 2 calls, users, orders, queue send
    // Filters ask the hub: mailer's traces are its queue batches, each a trace of its own.
    await page.selectOption('#t-service', 'mailer');
    const routes = () => page.locator('#traces tbody tr[data-trace] td:nth-child(3)').allTextContents();
    // The filtered answer replaces the live list when it arrives: wait for exactly mailer's routes.
    await expect.poll(async () => [...new Set(await routes())], { timeout: 10_000 }).toEqual(['queue emails']);
    await page.check('#t-errors');
    await expect.poll(() => page.locator('#traces tbody tr[data-trace]').count(), { timeout: 10_000 }).toBe(0);
    await page.uncheck('#t-errors');
    await page.selectOption('#t-service', '');
    await row.click();
    const spans = page.locator('#waterfall .span-row');
    await expect.poll(() => spans.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(7);
    const rows = await spans.evaluateAll((els) =>
      els.map((e) => {
        const d = (e as HTMLElement).dataset;
        return { span: d.span!, parent: d.parent!, service: d.service!, start: Number(d.start), duration: Number(d.duration), depth: Number(d.depth) };
      }),
    );
    expect(new Set(rows.map((r) => r.service))).toEqual(new Set(['gateway', 'users', 'orders']));
    const at = new Map(rows.map((r, i) => [r.span, i]));
    for (const [i, r] of rows.entries()) {
      if (!r.parent || !at.has(r.parent)) {
        expect(r.depth).toBe(0);
        continue;
      }
      const parent = rows[at.get(r.parent)!];
      expect(at.get(r.parent)!).toBeLessThan(i); // a parent is drawn above its children
      expect(r.depth).toBe(parent.depth + 1);
      expect(r.start).toBeGreaterThanOrEqual(parent.start - 1);
      expect(r.start + r.duration).toBeLessThanOrEqual(parent.start + parent.duration + 2);
    }
    // The root is the proxy's span; the users call's span is the parent of users' own span.
    expect(rows[0]).toMatchObject({ service: 'gateway', depth: 0 });
    const usersServer = rows.find((r) => r.service === 'users')!;
    expect(rows[at.get(usersServer.parent)!].service).toBe('gateway');
    // Each span's log lines inline: gateway's line under gateway's server span.
    expect(await page.locator('#waterfall').textContent()).toContain('gateway answered');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-trace.png'), fullPage: true });
  });

  it("a service's details: config, bindings with their local backing, vars with the secret masked; no Local Explorer anywhere", async () => {
    await page.click('#tab-graph');
    await page.click('svg#graph g.node[data-service="users"]');
    await expect.poll(() => page.locator('#d-bindings tr[data-binding="CACHE"]').textContent(), { timeout: 10_000 }).toMatch(/KV namespace.*local KV users-cache in \.wrangler\/state\/v3\/kv/);
    expect(await page.locator('#d-vars tr[data-name="API_TOKEN"]').textContent()).toBe('API_TOKEN•••••• (secret, .dev.vars)');
    expect(await page.locator('#d-vars tr[data-name="GREETING"]').textContent()).toBe('GREETINGhello');
    expect(await page.locator('#d-details').textContent()).toContain('apps/users/wrangler.jsonc');
    // No link to a Local Explorer, and none served on workerd's own port: there it answered any local origin
    // with reflected CORS and let a page of another origin write KV and D1.
    expect(await page.locator('#d-details a', { hasText: 'Local Explorer' }).count()).toBe(0);
    const direct = (await status()).find((s) => s.service === 'users')!.url!;
    const probe = await fetch(`${direct}/cdn-cgi/explorer/api/storage/kv/namespaces`, { headers: { origin: 'http://localhost:1' } });
    expect(probe.headers.get('access-control-allow-origin')).toBeNull();
    const put = await fetch(`${direct}/cdn-cgi/explorer/api/storage/kv/namespaces`, { method: 'OPTIONS', headers: { origin: 'http://localhost:1', 'access-control-request-method': 'PUT' } });
    expect(put.headers.get('access-control-allow-origin')).toBeNull();
    await expect.poll(() => page.locator('#d-metrics').textContent(), { timeout: 10_000 }).toMatch(/\d+ msp50/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-details.png') });
  });

  it('restart restarts that service only, and says so in the log', async () => {
    const before = await status();
    await page.click('#drawer button[data-action="restart"]');
    await expect.poll(async () => (await status()).find((s) => s.service === 'users')!.restarts, { timeout: 20_000 }).toBe(before.find((s) => s.service === 'users')!.restarts + 1);
    await expect.poll(async () => (await status()).find((s) => s.service === 'users')!.state, { timeout: 20_000 }).toBe('healthy');
    const after = await status();
    for (const name of ['gateway', 'orders', 'mailer']) {
      expect(after.find((s) => s.service === name)!.restarts).toBe(before.find((s) => s.service === name)!.restarts);
      expect(after.find((s) => s.service === name)!.state).toBe('healthy');
    }
    const logs = async () => (await api('/__nx-edge/logs?limit=5000')) as { service: string; message: string }[];
    await expect
      .poll(async () => (await logs()).filter((l) => /^reloaded after the dashboard asked for a restart \(\d+ ms, workerd restarted; build \d+ ms, restart \d+ ms\)$/.test(l.message)).map((l) => l.service), { timeout: 20_000 })
      .toEqual(['users']);
    expect((await logs()).filter((l) => l.message === 'restart requested from the dashboard').map((l) => l.service)).toEqual(['users']);
    // The reload's time is on the status row (and the page's services table).
    expect((await status()).find((s) => s.service === 'users')!.lastReloadMs).toBeGreaterThan(0);
  });

  it('stop and start from the page; a page of another origin can trigger none of them', async () => {
    await page.click('#drawer button[data-action="stop"]');
    await expect.poll(async () => (await status()).find((s) => s.service === 'users')!.state, { timeout: 20_000 }).toBe('stopped');
    await page.click('#drawer button[data-action="start"]');
    await expect.poll(async () => (await status()).find((s) => s.service === 'users')!.state, { timeout: 30_000 }).toBe('healthy');
    // Another origin (a page on another port) tries every action, with and without a guessed token.
    const foreignPort = await freePort();
    foreign = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<script>
for (const action of ['stop', 'restart', 'reload']) {
  fetch('http://localhost:${proxyPort}/__nx-edge/services/users/' + action, { method: 'POST', mode: 'no-cors' }).catch(() => {});
  fetch('http://localhost:${proxyPort}/__nx-edge/services/users/' + action, { method: 'POST', headers: { 'x-nx-edge-token': 'guess' } }).catch(() => {});
}
</script>`);
    }).listen(foreignPort, '127.0.0.1');
    const before = (await status()).find((s) => s.service === 'users')!;
    const attacker = await browser.newPage();
    await attacker.goto(`http://127.0.0.1:${foreignPort}/`);
    await new Promise((r) => setTimeout(r, 1500));
    await attacker.close();
    const after = (await status()).find((s) => s.service === 'users')!;
    expect(after).toMatchObject({ state: 'healthy', restarts: before.restarts, pid: before.pid });
    const logs = (await api('/__nx-edge/logs?limit=5000')) as { message: string }[];
    expect(logs.filter((l) => /refused POST \/__nx-edge\/services\/users\/(stop|restart|reload) from a page of another origin/.test(l.message)).length).toBeGreaterThanOrEqual(3);
  });

  it("the secret from .dev.vars appears nowhere the page can reach: its responses, its DOM, the event stream, the API", async () => {
    await get(proxyPort, `gateway.localhost:${proxyPort}`);
    await page.click('#tab-logs');
    await expect.poll(() => page.locator('#log').textContent(), { timeout: 10_000 }).toContain('calling the billing API with [redacted]');
    // The event stream, read for two seconds as the page reads it.
    const stream = await new Promise<string>((resolve, reject) => {
      let text = '';
      const req = request({ host: '127.0.0.1', port: proxyPort, path: '/__nx-edge/events', headers: { host: 'localhost' } }, (res) => {
        res.on('data', (d) => (text += d));
        setTimeout(() => (req.destroy(), resolve(text)), 2000);
      });
      req.on('error', reject);
      req.end();
    });
    expect(stream).toContain('event: snapshot');
    const everything = [
      ...bodies,
      await page.content(),
      stream,
      ...(await Promise.all(['/__nx-edge/status', '/__nx-edge/logs?limit=5000', '/__nx-edge/graph', '/__nx-edge/traces', '/__nx-edge/services/users'].map(async (p) => (await get(proxyPort, 'localhost', p)).body))),
    ];
    const traces = (await api('/__nx-edge/traces')) as { traceId: string }[];
    for (const t of traces.slice(0, 20)) everything.push((await get(proxyPort, 'localhost', `/__nx-edge/traces/${t.traceId}`)).body);
    expect(bodies.length).toBeGreaterThan(3);
    for (const body of everything) expect(body).not.toContain(SECRET);
  });
  it('the API explorer sends a request to gateway through the proxy and shows the answer beside the trace it produced (three Workers); recent requests are kept', async () => {
    await page.click('#tab-explorer');
    await expect.poll(() => page.locator('#x-service option').count(), { timeout: 10_000 }).toBe(4);
    await page.selectOption('#x-service', 'gateway');
    await page.selectOption('#x-method', 'POST');
    await page.fill('#x-path', '/from-explorer?n=1');
    await page.fill('#x-headers', 'x-demo: explorer');
    await page.fill('#x-body', '{"item": 42}');
    await page.click('#x-send');
    await expect.poll(() => page.locator('#x-status').textContent(), { timeout: 15_000 }).toMatch(/^POST \/from-explorer\?n=1 → 200 · \d+ ms · trace [0-9a-f]{32}$/);
    expect(JSON.parse((await page.locator('#x-resp-body').textContent())!)).toMatchObject({ users: { service: 'users' }, orders: { service: 'orders', queued: true } });
    expect(await page.locator('#x-resp-headers').textContent()).toContain('application/json');
    await expect.poll(() => page.locator('#x-waterfall .span-row').evaluateAll((rows) => [...new Set(rows.map((r) => (r as HTMLElement).dataset.service))].sort()), { timeout: 15_000 }).toEqual(['gateway', 'orders', 'users']);
    expect(await page.locator('#x-waterfall .span-row').first().textContent()).toContain('POST /from-explorer');
    expect(await page.locator('#x-recent .recent').first().textContent()).toBe('POST gateway /from-explorer?n=1 → 200');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-explorer.png') });

    // An RPC call: users' WorkerEntrypoint methods, listed from its running code, called with JSON arguments.
    await page.selectOption('#x-service', 'users');
    await expect.poll(() => page.locator('#r-method option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)), { timeout: 10_000 }).toEqual(['UsersApi.profile']);
    await page.fill('#r-args', '["42"]');
    await page.click('#r-call');
    await expect.poll(() => page.locator('#x-status').textContent(), { timeout: 15_000 }).toMatch(/^RPC UsersApi\.profile\(\) → ok · \d+ ms · trace [0-9a-f]{32}$/);
    expect(JSON.parse((await page.locator('#x-resp-body').textContent())!)).toEqual({ id: '42', name: 'ada', cached: '42' });
    await expect.poll(() => page.locator('#x-waterfall .span-row').allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('RPC UsersApi.profile()')]);
    expect(await page.locator('#x-recent .recent').first().textContent()).toBe('RPC users UsersApi.profile() → ok');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-explorer-rpc.png') });
  });

  it('a coding agent over `nx-edge mcp` (the SDK\'s stdio client, then the published MCP Inspector CLI): tools listed, a request traced through three Workers, its logs, a restart counted; no answer holds the secret or a raw ESC', async () => {
    const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
    // As an agent's MCP config starts it: the workspace's nx-edge bin, in the workspace.
    const transport = new StdioClientTransport({ command: join(ws.root, 'node_modules', '.bin', 'nx-edge'), args: ['mcp'], cwd: ws.root, env: ws.env as Record<string, string>, stderr: 'pipe' });
    await client.connect(transport);
    const answers: string[] = [];
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as { content: { text: string }[]; isError?: boolean };
      answers.push(result.content[0].text);
      expect(result.isError, `${name}: ${result.content[0].text}`).toBeFalsy();
      return JSON.parse(result.content[0].text);
    };
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['services', 'graph', 'logs', 'traces', 'trace', 'metrics', 'service_details', 'request', 'restart', 'reload', 'stop', 'start', 'workers', 'validate', 'history', 'monitor', 'tail']));

      const sent = await call('request', { service: 'gateway', path: '/from-agent' });
      expect(sent.status).toBe(200);
      expect(JSON.parse(sent.body)).toMatchObject({ users: { service: 'users' }, orders: { service: 'orders', queued: true } });
      expect(sent.traceId).toMatch(/^[0-9a-f]{32}$/);
      // The Workers' spans reach the hub as their lines do: asked again until all three are in.
      await expect
        .poll(async () => [...new Set(((await call('trace', { traceId: sent.traceId })).spans as { service: string }[]).map((span) => span.service))].sort(), { timeout: 15_000 })
        .toEqual(['gateway', 'orders', 'users']);
      const traced = await call('trace', { traceId: sent.traceId });
      expect((traced.spans as { name: string }[]).some((span) => span.name === 'GET /from-agent')).toBe(true);

      const lines = (await call('logs', { trace: sent.traceId })) as { service: string; message: string }[];
      expect(lines.map((l) => l.message)).toEqual(expect.arrayContaining(['gateway answered', 'order placed']));
      const hostile = (await call('logs', { service: ['gateway'], search: 'cleared your screen', limit: 1 })) as { message: string }[];
      expect(hostile[0].message).toContain('\\x1b[2J\\x1b[31mgateway cleared your screen');
      const clumsy = (await call('logs', { service: ['users'], search: 'billing API', limit: 1 })) as { message: string }[];
      expect(clumsy[0].message).toContain('calling the billing API with [redacted]');

      const restartsOf = async () => ((await call('services')) as { service: string; restarts: number }[]).find((row) => row.service === 'orders')!.restarts;
      const before = await restartsOf();
      expect(await call('restart', { service: 'orders' })).toMatchObject({ ok: true, restart: 'orders' });
      await expect.poll(restartsOf, { timeout: 30_000 }).toBe(before + 1);

      const details = await call('service_details', { service: 'users' });
      expect(details.vars).toEqual(expect.arrayContaining([{ name: 'API_TOKEN', value: '••••••', secret: true }]));
      const workers = await call('workers');
      expect((workers.workers as { project: string }[]).map((w) => w.project).sort()).toEqual(['gateway', 'mailer', 'orders', 'users']);
    } finally {
      await client.close();
    }

    // Once more through a client none of us wrote: the published MCP Inspector's CLI.
    const server = { command: join(ws.root, 'node_modules', '.bin', 'nx-edge'), args: ['mcp'], cwd: ws.root };
    const listed = (await inspectorCli(['--method', 'tools/list'], server)) as { tools: { name: string; annotations?: { readOnlyHint?: boolean } }[] };
    expect(listed.tools.find((t) => t.name === 'restart')?.annotations?.readOnlyHint).toBe(false);
    const viaInspector = (await inspectorCli(['--method', 'tools/call', '--tool-name', 'request', '--tool-arg', 'service=gateway', 'path=/from-inspector'], server)) as { content: { text: string }[] };
    answers.push(viaInspector.content[0].text);
    const inspected = JSON.parse(viaInspector.content[0].text) as { status: number; traceId: string };
    expect(inspected.status).toBe(200);
    // docs/dev.md's picture of what an agent sees: the outside client's command and the tool's answer.
    const transcript = `$ npx @modelcontextprotocol/inspector --cli npx nx-edge mcp --method tools/call \\\n    --tool-name request --tool-arg service=gateway path=/from-inspector\n\n${JSON.stringify(inspected, null, 2)}`;
    const shot = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    await shot.setContent(`<pre style="margin:0;padding:18px;background:#0f1115;color:#d8dee9;font:13px/1.45 ui-monospace,monospace;min-height:100vh;white-space:pre-wrap">${transcript.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`);
    await shot.screenshot({ path: join(ARTIFACTS, 'mcp-inspector.png') });
    await shot.close();
    await expect
      .poll(async () => {
        const traced = (await inspectorCli(['--method', 'tools/call', '--tool-name', 'trace', '--tool-arg', `traceId=${inspected.traceId}`], server)) as { content: { text: string }[] };
        answers.push(traced.content[0].text);
        return [...new Set((JSON.parse(traced.content[0].text) as { spans: { service: string }[] }).spans.map((s) => s.service))].sort();
      }, { timeout: 20_000 })
      .toEqual(['gateway', 'orders', 'users']);
    expect(answers.length).toBeGreaterThan(6);
    for (const text of answers) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('\x1b');
    }
  });
  it('after dev is restarted, the last session opens read-only — in the page (its /checkout trace with every span, no actions) and over MCP', async () => {
    const [checkout] = (await api('/__nx-edge/traces?q=/checkout')) as { traceId: string; spanCount: number }[];
    expect(checkout.spanCount).toBe(7);
    // Ctrl-C, as a developer stops dev; the hub stops once its last task is gone.
    process.kill(-nx.pid!, 'SIGINT');
    await expect.poll(() => ws.exists('.nx-edge/dev/hub.json'), { timeout: 30_000, interval: 250 }).toBe(false);
    nx = ws.spawn('nx', ['run-many', '-t', 'dev', '--output-style=stream'], { env: { ...ws.env, NX_EDGE_PROXY_PORT: String(proxyPort) } });
    nx.stdout!.on('data', (d) => (output += d));
    nx.stderr!.on('data', (d) => (output += d));
    await expect.poll(async () => (await status().catch(() => [])).filter((s) => s.state === 'healthy').length, { timeout: 180_000, interval: 250 }).toBe(4);

    // The page stayed open across the restart: its stream reconnects to the new hub and offers the old session.
    await page.click('#tab-traces');
    await expect.poll(() => page.locator('#session option').count(), { timeout: 20_000 }).toBeGreaterThan(1);
    await page.selectOption('#session', { index: 1 });
    await expect.poll(() => page.locator('#past-note').textContent(), { timeout: 10_000 }).toMatch(/^read-only: the session of /);
    const row = page.locator('#traces tbody tr[data-trace="' + checkout.traceId + '"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.click();
    await expect.poll(() => page.locator('#waterfall .span-row').count(), { timeout: 10_000 }).toBe(7);
    expect(await page.locator('#waterfall .span-row').evaluateAll((rows) => [...new Set(rows.map((r) => (r as HTMLElement).dataset.service))].sort())).toEqual(['gateway', 'orders', 'users']);
    expect(await page.locator('button[data-action]').evaluateAll((buttons) => buttons.filter((b) => (b as HTMLElement).offsetParent !== null).length)).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-past-session.png') });

    const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: join(ws.root, 'node_modules', '.bin', 'nx-edge'), args: ['mcp'], cwd: ws.root, env: ws.env as Record<string, string>, stderr: 'pipe' }));
    try {
      const listed = (await client.callTool({ name: 'sessions', arguments: {} })) as { content: { text: string }[] };
      const sessions = JSON.parse(listed.content[0].text) as { id: string }[];
      expect(sessions.length).toBeGreaterThanOrEqual(2); // the running one first, then the one before it
      const past = (await client.callTool({ name: 'trace', arguments: { traceId: checkout.traceId, session: sessions[1].id } })) as { content: { text: string }[] };
      expect((JSON.parse(past.content[0].text) as { spans: unknown[] }).spans).toHaveLength(7);
      expect(past.content[0].text).not.toContain(SECRET);
    } finally {
      await client.close();
    }
  });
});
