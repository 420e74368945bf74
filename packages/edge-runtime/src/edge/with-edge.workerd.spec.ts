// Integration: the runtime in real workerd (Miniflare), three Workers chained by service bindings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { join } from 'node:path';
import { Writable } from 'node:stream';

const SECRET = 'shh-this-is-the-api-secret';

async function bundle(exportName: string, extra = ''): Promise<string> {
  const result = await build({
    stdin: { contents: `export { ${exportName} as default${extra} } from './chain';`, resolveDir: join(__dirname, 'fixtures'), loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    external: ['node:*', 'cloudflare:*'],
    write: false,
  });
  return result.outputFiles[0].text;
}

describe('withEdge in workerd: gateway → auth → db', () => {
  let mf: Miniflare;
  let output = '';
  const records = () =>
    output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    const common = { modules: true, compatibilityDate: '2026-04-20', compatibilityFlags: ['nodejs_compat'] };
    const sink = new Writable({
      write(chunk, _enc, done) {
        output += chunk.toString();
        done();
      },
    });
    mf = new Miniflare({
      cf: false,
      handleRuntimeStdio(stdout, stderr) {
        stdout.pipe(sink);
        stderr.pipe(sink);
      },
      workers: [
        { ...common, name: 'gateway', script: await bundle('gateway'), serviceBindings: { AUTH: 'auth' } },
        { ...common, name: 'auth', script: await bundle('auth'), serviceBindings: { DB: 'db' }, bindings: { API_SECRET: SECRET } },
        { ...common, name: 'db', script: await bundle('db') },
        { ...common, name: 'flaky', script: await bundle('flaky'), bindings: { ENVIRONMENT: 'staging', CHAOS_ERROR_RATE: '1' } },
        { ...common, name: 'flaky-prod', script: await bundle('flaky'), bindings: { ENVIRONMENT: 'production', CHAOS_ERROR_RATE: '1' } },
        { ...common, name: 'cron', script: await bundle('cron') },
        { ...common, name: 'lobby', script: await bundle('lobby', ', Room'), durableObjects: { ROOM: 'Room' } },
        { ...common, name: 'users', script: await bundle('Users') },
        { ...common, name: 'rpc-caller', script: await bundle('rpcCaller'), serviceBindings: { USERS: 'users' } },
      ],
    });
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
    expect(output).toContain('auth checking with [redacted]');
    expect(output).not.toContain(SECRET);
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
