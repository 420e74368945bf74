// Integration: the runtime in real workerd (Miniflare), three Workers chained by service bindings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { join } from 'node:path';
import { Writable } from 'node:stream';

const SECRET = 'shh-this-is-the-api-secret';

async function bundle(exportName: string, extra = '', define: Record<string, string> = {}): Promise<string> {
  const result = await build({
    stdin: { contents: `export { ${exportName} as default${extra} } from './chain';`, resolveDir: join(__dirname, 'fixtures'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['node:*', 'cloudflare:*'],
    write: false,
    define,
  });
  return result.outputFiles[0].text;
}

const COMMON = { modules: true, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] };

/** Workers in one Miniflare, with everything they print collected (stdout is piped asynchronously). */
function startWorkers(workers: Record<string, unknown>[]): { mf: Miniflare; output: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const mf = new Miniflare({
    cf: false,
    handleRuntimeStdio(stdout, stderr) {
      stdout.pipe(sink);
      stderr.pipe(sink);
    },
    workers: workers.map((w) => ({ ...COMMON, ...w })) as never,
  });
  return { mf, output: () => text };
}

describe('withEdge in workerd: gateway → auth → db', () => {
  let mf: Miniflare;
  let output = () => '';
  const records = () =>
    output()
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    ({ mf, output } = startWorkers([
      { name: 'gateway', script: await bundle('gateway'), serviceBindings: { AUTH: 'auth' } },
      { name: 'auth', script: await bundle('auth'), serviceBindings: { DB: 'db' }, bindings: { API_SECRET: SECRET } },
      { name: 'db', script: await bundle('db') },
      { name: 'flaky', script: await bundle('flaky'), bindings: { ENVIRONMENT: 'staging', CHAOS_ERROR_RATE: '1' } },
      { name: 'flaky-prod', script: await bundle('flaky'), bindings: { ENVIRONMENT: 'production', CHAOS_ERROR_RATE: '1' } },
      { name: 'cron', script: await bundle('cron') },
      { name: 'lobby', script: await bundle('lobby', ', Room'), durableObjects: { ROOM: 'Room' } },
      { name: 'users', script: await bundle('Users') },
      { name: 'rpc-caller', script: await bundle('rpcCaller'), serviceBindings: { USERS: 'users' } },
    ]));
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
  });

  it('one trace id across all three services, with the span parent chain right', async () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await mf.dispatchFetch('http://gateway/', { headers: { traceparent: incoming } });
    expect(await response.json()).toEqual({ gateway: true, auth: { auth: true, db: { user: 'ada' } } });
    expect(response.headers.get('x-trace-id')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    await new Promise((r) => setTimeout(r, 200)); // stdout is piped asynchronously
    const mine = records().filter((r) => r.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736');
    const byService = Object.fromEntries(mine.map((r) => [r.service, r]));
    expect(Object.keys(byService).sort()).toEqual(['auth', 'db', 'gateway']);
    expect(byService.gateway.parent_span_id).toBe('00f067aa0ba902b7');
    expect(byService.auth.parent_span_id).toBe(byService.gateway.span_id);
    expect(byService.db.parent_span_id).toBe(byService.auth.span_id);
    expect(byService.db).toMatchObject({ level: 'info', message: 'db query', table: 'users' });
  });

  it('starts a trace when none comes in and returns it', async () => {
    const response = await mf.dispatchFetch('http://gateway/');
    expect(response.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(response.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it("never prints a Worker's secret value (console.log inside a request is scrubbed)", async () => {
    await mf.dispatchFetch('http://gateway/');
    await new Promise((r) => setTimeout(r, 200));
    expect(output()).toContain('auth checking with [redacted]');
    expect(output()).not.toContain(SECRET);
  });

  it('answers /health, /ready (naming the failing check) and /metrics', async () => {
    const db = await mf.getWorker('db');
    expect((await db.fetch('http://db/health')).status).toBe(200);
    const ready = await db.fetch('http://db/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', checks: { always: { ok: true }, broken: { ok: false, error: 'no connection' } } });
    const metrics = await (await db.fetch('http://db/metrics')).text();
    expect(metrics).toMatch(/http_requests_total\{service="db",method="GET",route="\/user",status="200"\} \d+/);
  });

  it('chaos: injected errors in staging, refused in production', async () => {
    const staging = await (await mf.getWorker('flaky')).fetch('http://flaky/');
    expect(staging.status).toBe(503);
    expect(await staging.json()).toMatchObject({ error: 'chaos: injected failure' });
    const production = await (await mf.getWorker('flaky-prod')).fetch('http://flaky/');
    expect(production.status).toBe(200);
  });

  it('scheduled handlers run with their own trace', async () => {
    const cron = await mf.getWorker('cron');
    await cron.scheduled({ cron: '* * * * *' });
    await new Promise((r) => setTimeout(r, 200));
    const record = records().find((r) => r.message === 'cron ran');
    expect(record).toMatchObject({ service: 'cron', level: 'info', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });

  it('Durable Object stubs carry the trace: the room logs under the lobby request', async () => {
    const lobby = await mf.getWorker('lobby');
    const response = await lobby.fetch('http://lobby/', { headers: { traceparent: `00-${'12'.repeat(16)}-${'34'.repeat(8)}-01` } });
    expect(await response.json()).toEqual({ room: true });
    await new Promise((r) => setTimeout(r, 200));
    const mine = records().filter((r) => r.trace_id === '12'.repeat(16));
    const lobbyLine = mine.find((r) => r.service === 'lobby');
    const roomLine = mine.find((r) => r.service === 'room');
    expect(roomLine).toMatchObject({ message: 'room joined', parent_span_id: lobbyLine.span_id });
  });

  it('RPC methods of a service binding work through the traced env', async () => {
    const response = await (await mf.getWorker('rpc-caller')).fetch('http://rpc-caller/');
    expect(await response.json()).toEqual({ id: '7', name: 'ada' });
  });

  it('queue handlers run with their own trace', async () => {
    const lobby = await mf.getWorker('lobby');
    await lobby.queue('jobs', [{ id: 'm1', timestamp: new Date(), body: { a: 1 }, attempts: 1 }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(records().find((r) => r.message === 'queue batch')).toMatchObject({ service: 'lobby', size: 1, trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});

// nx-edge's dev bundles define __NX_EDGE_DEV_SPANS__: every request, call, queue send and batch is a span.
describe('withEdge spans in workerd (dev bundles): gateway → auth → db, producer → queue, RPC, DB', () => {
  let mf: Miniflare;
  let output = () => '';
  const spans = () =>
    output()
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{"nx_edge_span"'))
      .map((l) => JSON.parse(l).nx_edge_span);
  const spansOf = async (traceId: string, count: number) => {
    await expect.poll(() => spans().filter((s) => s.trace_id === traceId).length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
    return spans().filter((s) => s.trace_id === traceId);
  };

  beforeAll(async () => {
    const dev = { __NX_EDGE_DEV_SPANS__: 'true' };
    ({ mf, output } = startWorkers([
      { name: 'gateway', script: await bundle('gateway', '', dev), serviceBindings: { AUTH: 'auth' } },
      { name: 'auth', script: await bundle('auth', '', dev), serviceBindings: { DB: 'db' }, bindings: { API_SECRET: SECRET } },
      { name: 'db', script: await bundle('db', '', dev) },
      { name: 'users', script: await bundle('Users', '', dev) },
      { name: 'lobby', script: await bundle('lobby', ', Room', dev), durableObjects: { ROOM: 'Room' } },
      { name: 'producer', script: await bundle('producer', '', dev), serviceBindings: { USERS: 'users', DB: 'db' }, queueProducers: { JOBS: 'jobs' } },
    ]));
    await mf.ready;
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
  });

  it('a server span per request and a client span per call, parented so the tree reads gateway → auth → db', async () => {
    const traceId = 'ab'.repeat(16);
    const before = Date.now();
    await mf.dispatchFetch('http://gateway/start', { headers: { traceparent: `00-${traceId}-${'cd'.repeat(8)}-01` } });
    const mine = await spansOf(traceId, 5);
    const find = (service: string, kind: string) => mine.find((s) => s.service === service && s.kind === kind)!;
    const gateway = find('gateway', 'server');
    expect(gateway).toMatchObject({ name: 'GET /start', parent_span_id: 'cd'.repeat(8), status_code: 200, attributes: { method: 'GET', path: '/start' } });
    const callAuth = find('gateway', 'client');
    expect(callAuth).toMatchObject({ name: 'GET AUTH /check', parent_span_id: gateway.span_id, status_code: 200, attributes: { binding: 'AUTH', kind: 'service' } });
    expect(find('auth', 'server').parent_span_id).toBe(callAuth.span_id);
    const callDb = find('auth', 'client');
    expect(callDb.parent_span_id).toBe(find('auth', 'server').span_id);
    expect(find('db', 'server').parent_span_id).toBe(callDb.span_id);
    // Children inside their parents, all within the request.
    for (const span of mine) {
      expect(span.start).toBeGreaterThanOrEqual(before - 5);
      const parent = mine.find((p) => p.span_id === span.parent_span_id);
      if (parent) expect(span.start + span.duration_ms).toBeLessThanOrEqual(parent.start + parent.duration_ms + 1);
    }
    // /health answers without a span (the dev hub probes it every few seconds).
    const count = spans().length;
    await (await mf.getWorker('db')).fetch('http://db/health');
    await new Promise((r) => setTimeout(r, 200));
    expect(spans().length).toBe(count);
  });

  it('queue sends, RPC calls and Durable Object stubs are client spans too', async () => {
    const traceId = 'ef'.repeat(16);
    const response = await (await mf.getWorker('producer')).fetch('http://producer/', { headers: { traceparent: `00-${traceId}-${'12'.repeat(8)}-01` } });
    expect(await response.json()).toEqual({ queued: true, user: { id: '9', name: 'ada' }, db: { user: 'ada' } });
    const mine = await spansOf(traceId, 5);
    const server = mine.find((s) => s.service === 'producer' && s.kind === 'server')!;
    const clients = mine.filter((s) => s.kind === 'client').map((s) => [s.name, s.parent_span_id]);
    expect(clients).toEqual(
      expect.arrayContaining([
        ['queue send JOBS', server.span_id],
        ['USERS.getUser()', server.span_id],
        ['GET DB /user', server.span_id],
      ]),
    );
    const lobbyTrace = '56'.repeat(16);
    await (await mf.getWorker('lobby')).fetch('http://lobby/', { headers: { traceparent: `00-${lobbyTrace}-${'78'.repeat(8)}-01` } });
    const lobby = await spansOf(lobbyTrace, 2);
    expect(lobby.find((s) => s.kind === 'client')).toMatchObject({ name: 'GET ROOM /join', attributes: { binding: 'ROOM', kind: 'durable_object' } });
  });

  it('a queue batch is a consumer span of its own trace', async () => {
    const count = spans().length;
    await (await mf.getWorker('lobby')).queue('jobs', [{ id: 'm1', timestamp: new Date(), body: {}, attempts: 1 }]);
    await expect.poll(() => spans().slice(count).find((s) => s.kind === 'consumer'), { timeout: 5000 }).toMatchObject({ service: 'lobby', name: 'queue jobs', attributes: { queue: 'jobs', messages: 1 } });
  });
});
