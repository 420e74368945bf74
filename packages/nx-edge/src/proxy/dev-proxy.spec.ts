import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BIG_ANSWER_BYTES, firstChunkThenLeave, readBigSlowly, streamingUpstream } from '../../../../test-support/streaming-upstream';
import { websocketEcho } from '../../../../test-support/websocket-echo';
import type { Span } from '../traces/trace-store';
import { createLogStore } from '../logs/log-store';
import { isUserError } from '../utils/user-error';
import type { ServiceStatus } from '../dev/protocol';
import { startDevProxy, type ProxyTarget } from './dev-proxy';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function upstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; server: Server }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ path: req.url }));
  });
  // echo websocket-ish upgrade: answers 101 then echoes bytes
  server.on('upgrade', (_req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(d));
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // upgraded sockets are no longer the server's connections: destroy them ourselves
  cleanups.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

async function proxyWith(targets: Record<string, ProxyTarget>, port = 0, extra: Partial<Parameters<typeof startDevProxy>[0]> = {}) {
  const logs = createLogStore({});
  const status = (): ServiceStatus[] => Object.values(targets).map((t) => ({ service: t.service, kind: 'worker', state: t.state, url: t.url, restarts: 0 }));
  const proxy = await startDevProxy({ port, resolve: (s) => targets[s], status, logs, ...extra });
  cleanups.push(() => proxy.close());
  return { ...proxy, logs };
}

function post(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function get(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dev proxy', () => {
  it('routes <service>.localhost to the service and injects a traceparent and a hop header', async () => {
    const users = await upstream();
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: users.url } });
    const res = await get(port, `users.localhost:${port}`, '/hello?x=1');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/hello?x=1' });
    expect(users.seen[0].traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(users.seen[0]['x-nx-edge-hop']).toBe('1');
  });

  it("continues a traceparent the request already has as the proxy's own span, and records that span", async () => {
    const users = await upstream();
    const spans: Span[] = [];
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: users.url } }, 0, { onSpan: (span) => spans.push(span) });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await get(port, 'users.localhost', '/orders?x=1', { traceparent });
    const [, traceId, spanId] = String(users.seen[0].traceparent).split('-');
    expect(traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    await expect.poll(() => spans.length).toBe(1);
    expect(spans[0]).toMatchObject({ traceId, spanId, parentSpanId: '00f067aa0ba902b7', service: 'users', kind: 'proxy', name: 'GET /orders', status: 200, error: false });
    // A request to a service that is down is a failed span too.
    await get(port, 'gone.localhost', '/');
    await expect.poll(() => spans.length).toBe(2);
    expect(spans[1]).toMatchObject({ service: 'gone', status: 502, error: true });
  });

  it('relays what the Worker sends and answers, byte for byte: a chunked body, repeated headers, a large streamed answer; a client that leaves ends the Worker\'s request', async () => {
    const upstream = await streamingUpstream((req, res) => {
      if (req.url !== '/echo') return false;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(201, 'Made It', [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-te', String(req.headers['transfer-encoding'])]].flat());
        res.end(Buffer.concat(chunks));
      });
      return true;
    });
    cleanups.push(() => upstream.close());
    const url = upstream.url;
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url } });

    const echoed = await new Promise<{ status: number; message?: string; cookies?: string[]; te?: string; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', headers: { host: 'users.localhost' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, message: res.statusMessage, cookies: res.headers['set-cookie'], te: String(res.headers['x-te']), body }));
      });
      req.on('error', reject);
      req.write('part one, ');
      setTimeout(() => req.end('part two'), 20);
    });
    expect(echoed).toEqual({ status: 201, message: 'Made It', cookies: ['a=1', 'b=2'], te: 'chunked', body: 'part one, part two' });

    // 8 MiB read slowly at first: backpressure, not buffering, and every byte arrives.
    expect(await readBigSlowly(port, 'users.localhost')).toBe(BIG_ANSWER_BYTES);
    expect(await firstChunkThenLeave(port, 'users.localhost')).toBe('data: one\n\n');
    await upstream.streamClosed();
  });

  it('serves past sessions read-only: the list, one session, its traces and one trace; a bad or unknown id is a 404, never a crash', async () => {
    const { createTraceStore } = await import('../traces/trace-store');
    const traces = createTraceStore();
    const traceId = 'd'.repeat(32);
    traces.add({ traceId, spanId: '1'.repeat(16), service: 'api', kind: 'proxy', name: 'GET /old', start: 1, durationMs: 2, status: 200 });
    const logs = createLogStore({});
    logs.append({ time: 1, service: 'api', stream: 'stdout', level: 'info', message: 'old line', trace_id: traceId });
    const meta = { id: '20261201T090000Z-77', startedAt: 1, endedAt: 3, services: ['api'] };
    const { port } = await proxyWith({}, 0, {
      dashboard: {
        traces: createTraceStore(),
        graph: () => ({ nodes: [], edges: [] }),
        details: () => undefined,
        action: () => ({ ok: false, message: 'no' }),
        sessions: { current: '20261202T090000Z-88', list: () => [meta], open: (id) => (id === meta.id ? { meta, traces, logs } : undefined) },
      },
    });
    const read = async (path: string) => {
      const res = await get(port, 'localhost', path);
      return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
    };
    expect(await read('/__nx-edge/sessions')).toEqual({ status: 200, body: { current: '20261202T090000Z-88', sessions: [meta] } });
    const one = await read(`/__nx-edge/sessions/${meta.id}`);
    expect(one.body).toMatchObject({ meta, traceCount: 1, traces: [{ traceId, route: 'GET /old' }], logs: [{ message: 'old line' }] });
    expect((await read(`/__nx-edge/sessions/${meta.id}/traces?q=old`)).body).toEqual([expect.objectContaining({ traceId })]);
    expect((await read(`/__nx-edge/sessions/${meta.id}/traces/${traceId}`)).body).toMatchObject({ traceId, spans: [{ name: 'GET /old' }], logs: [{ message: 'old line' }] });
    expect((await read('/__nx-edge/sessions/20200101T000000Z-1')).status).toBe(404);
    expect((await read('/__nx-edge/sessions/%E0%A4%A')).status).toBe(404);
    // A POST there is no action: refused like any unknown path.
    expect((await post(port, 'localhost', `/__nx-edge/sessions/${meta.id}`)).status).toBe(404);
  });

  it('refuses a request that already went through the proxy (loop)', async () => {
    const users = await upstream();
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: users.url } });
    const res = await get(port, 'users.localhost', '/', { 'x-nx-edge-hop': '1' });
    expect(res.status).toBe(508);
    expect(users.seen).toHaveLength(0);
  });

  it('answers a 502 page naming the service and its state when it is down', async () => {
    const { port } = await proxyWith({ users: { service: 'users', state: 'starting' } });
    const html = await get(port, 'users.localhost');
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('users is starting');
    const json = await get(port, 'users.localhost', '/', { accept: 'application/json' });
    expect(JSON.parse(json.body)).toMatchObject({ service: 'users', state: 'starting' });
  });

  it('answers 502 (not a crash) when a healthy service refuses the connection', async () => {
    const users = await upstream();
    const url = users.url;
    await new Promise<void>((r) => users.server.close(() => r()));
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url } });
    const res = await get(port, 'users.localhost', '/', { accept: 'application/json' });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).detail).toContain('ECONNREFUSED');
  });

  it('lists the known services for an unknown one', async () => {
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: 'http://127.0.0.1:1' }, orders: { service: 'orders', state: 'pending' } });
    const res = await get(port, 'nope.localhost');
    expect(res.status).toBe(502);
    expect(res.body).toContain('No service named &#34;nope&#34;');
    expect(res.body).toContain('users, orders');
  });

  it('refuses a Host that is not localhost (DNS rebinding) with 403', async () => {
    const { port } = await proxyWith({});
    const res = await get(port, 'evil.example');
    expect(res.status).toBe(403);
    expect(res.body).toContain('DNS-rebinding');
  });

  it('serves the dashboard, the status JSON and the logs JSON at localhost', async () => {
    const { port, logs } = await proxyWith({ users: { service: 'users', state: 'healthy', url: 'http://127.0.0.1:1' } });
    logs.append({ time: 1, service: 'users', stream: 'stdout', level: 'info', message: 'hi', trace_id: 'a'.repeat(32) });
    logs.append({ time: 2, service: 'users', stream: 'stdout', level: 'error', message: 'bad' });
    expect((await get(port, `localhost:${port}`)).body).toContain('<title>nx-edge dev</title>');
    expect(JSON.parse((await get(port, 'localhost', '/__nx-edge/status')).body)).toEqual([{ service: 'users', kind: 'worker', state: 'healthy', url: 'http://127.0.0.1:1', restarts: 0 }]);
    const errors = JSON.parse((await get(port, 'localhost', '/__nx-edge/logs?level=warn')).body);
    expect(errors.map((r: { message: string }) => r.message)).toEqual(['bad']);
    const traced = JSON.parse((await get(port, 'localhost', `/__nx-edge/logs?trace=${'a'.repeat(32)}`)).body);
    expect(traced.map((r: { message: string }) => r.message)).toEqual(['hi']);
  });

  it('streams new log records over SSE when follow=1', async () => {
    const { port, logs } = await proxyWith({});
    logs.append({ time: 1, service: 'users', stream: 'stdout', level: 'info', message: 'before' });
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/__nx-edge/logs?follow=1&service=users', headers: { host: 'localhost' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
          if (text.includes('before') && !text.includes('after')) logs.append({ time: 2, service: 'users', stream: 'stdout', level: 'info', message: 'after' });
          if (text.includes('after')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toMatch(/data: .*"before"[\s\S]*data: .*"after"/);
  });

  it('proxies websocket upgrades', async () => {
    const users = await upstream();
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: users.url } });
    const reply = await websocketEcho(port, 'users.localhost');
    expect(reply).toMatch(/^HTTP\/1.1 101/);
    expect(reply.endsWith('ping')).toBe(true);
  });

  it('answers pages of its own origin only: another origin gets 403 on the dashboard, its API and its log stream, and is logged', async () => {
    const notes: string[] = [];
    const { port } = await proxyWith({}, 0, { note: (_level, message) => notes.push(message) });
    for (const path of ['/', '/__nx-edge/status', '/__nx-edge/logs', '/__nx-edge/logs?follow=1']) {
      expect((await get(port, `localhost:${port}`, path, { origin: 'https://evil.example' })).status).toBe(403);
    }
    expect(notes[0]).toBe('refused GET / from a page of another origin (https://evil.example)');
    expect((await get(port, `localhost:${port}`, '/__nx-edge/status', { origin: `http://localhost:${port}` })).status).toBe(200);
    expect((await get(port, `localhost:${port}`, '/__nx-edge/status')).status).toBe(200); // tools send no Origin
  });

  it('hands the dashboard token to no one (GET / holds none); restart needs it in a header, from the page\'s own origin', async () => {
    const restarted: string[] = [];
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: 'http://127.0.0.1:1' } }, 0, {
      dashboardToken: 'tok123',
      restart: (service) => (restarted.push(service), service === 'users'),
    });
    const page = await get(port, `localhost:${port}`);
    expect(page.body).not.toContain('tok123');
    expect((await get(port, `localhost:${port}`, '/?token=guess')).body).not.toContain('tok123');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await post(port, 'localhost', '/__nx-edge/services/users/restart')).status).toBe(403);
    expect((await post(port, 'localhost', '/__nx-edge/services/users/restart', { 'x-nx-edge-token': 'wrong!' })).status).toBe(403);
    expect((await post(port, 'localhost', '/__nx-edge/services/users/restart', { 'x-nx-edge-token': 'tok123', origin: 'https://evil.example' })).status).toBe(403);
    expect(restarted).toEqual([]);
    expect((await post(port, 'localhost', '/__nx-edge/services/users/restart', { 'x-nx-edge-token': 'tok123', origin: `http://localhost:${port}` })).status).toBe(202);
    expect((await post(port, 'localhost', '/__nx-edge/services/nope/restart', { 'x-nx-edge-token': 'tok123' })).status).toBe(404);
    expect(restarted).toEqual(['users', 'nope']);
  });

  it('the API explorer sends a request through the proxy under a trace it returns; token and origin rules as the actions; secrets redacted', async () => {
    const users = await upstream();
    const spans: Span[] = [];
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: users.url } }, 0, {
      dashboardToken: 'tok123',
      onSpan: (span) => spans.push(span),
      dashboard: {
        traces: (await import('../traces/trace-store')).createTraceStore(),
        graph: () => ({ nodes: [], edges: [] }),
        details: () => undefined,
        action: () => ({ ok: false, message: 'no' }),
        requestTarget: (service) => (service === 'users' ? { hostLabel: 'users', secrets: ['/orders/secret-path-value'] } : undefined),
      },
    });
    const explore = (service: string, body: string, headers: Record<string, string> = { 'x-nx-edge-token': 'tok123' }) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: `/__nx-edge/services/${service}/request`, method: 'POST', headers: { host: 'localhost', 'content-type': 'application/json', ...headers } }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const sent = await explore('users', JSON.stringify({ method: 'POST', path: '/orders/secret-path-value?x=1', headers: { 'x-demo': 'yes', host: 'evil.example' }, body: '{"n":1}' }));
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 200, body: '{"path":"[redacted]?x=1"}', truncatedBytes: 0 });
    expect(sent.body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(users.seen[0]).toMatchObject({ 'x-demo': 'yes', host: `users.localhost:${port}` });
    expect(String(users.seen[0].traceparent).split('-')[1]).toBe(sent.body.traceId);
    await expect.poll(() => spans.map((s) => s.traceId)).toContain(sent.body.traceId);
    expect((await explore('users', '{}', {})).status).toBe(403);
    expect((await explore('users', '{}', { 'x-nx-edge-token': 'tok123', origin: 'https://evil.example' })).status).toBe(403);
    expect((await explore('nope', JSON.stringify({ method: 'GET', path: '/' }))).status).toBe(404);
    expect((await explore('users', 'not json')).status).toBe(400);
    expect((await explore('users', JSON.stringify({ method: 'GET', path: 'no-slash' }))).status).toBe(400);
    expect(users.seen).toHaveLength(1);
  });

  it('holds a request while the runtime is reconfigured, and retries a refused connection once it settled', async () => {
    const users = await upstream();
    let settle!: () => void;
    let settled = new Promise<void>((r) => (settle = r));
    const target: ProxyTarget = { service: 'users', state: 'healthy', url: users.url, settled: () => settled };
    const { port } = await proxyWith({ users: target });
    let answered = false;
    const held = get(port, 'users.localhost', '/held').then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBe(false);
    settle();
    expect((await held).status).toBe(200);
    // A refused connection (workerd between two configurations) is tried again after settling.
    target.url = 'http://127.0.0.1:1';
    settled = new Promise<void>((r) => (settle = r));
    const retried = get(port, 'users.localhost', '/retried');
    await new Promise((r) => setTimeout(r, 50));
    target.url = users.url;
    settle();
    expect((await retried).status).toBe(200);
    expect(users.seen.length).toBe(2);
  });

  it('drops a log follower that stops reading, and says so', async () => {
    const notes: string[] = [];
    const { port, logs } = await proxyWith({}, 0, { maxFollowerBuffer: 64 * 1024, note: (_l, m) => notes.push(m) });
    const socket = connect(port, '127.0.0.1');
    socket.write(`GET /__nx-edge/logs?follow=1 HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    socket.pause();
    const closed = new Promise((r) => socket.on('close', r));
    socket.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 20_000 && notes.length === 0; i++) logs.append({ time: i, service: 'users', stream: 'stdout', level: 'info', message: `line ${i} ${'x'.repeat(200)}` });
    expect(notes).toEqual(['dropped a log follower that stopped reading (over 64 KiB unread); it can reconnect']);
    socket.resume();
    await closed;
  });

  it('passes websocket upgrades with a foreign Origin to the Worker (the Worker decides)', async () => {
    const users = await upstream();
    const { port } = await proxyWith({ users: { service: 'users', state: 'healthy', url: users.url } });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('GET /ws HTTP/1.1\r\nhost: users.localhost\r\norigin: https://elsewhere.example\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      });
      socket.on('data', (d) => {
        socket.destroy();
        resolve(d.toString());
      });
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1.1 101/);
  });

  it('rejects with a UserError naming the port when it is taken', async () => {
    const first = await proxyWith({});
    const error = await startDevProxy({ port: first.port, resolve: () => undefined, status: () => [], logs: createLogStore({}) }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toContain(`port ${first.port}`);
    expect((error as Error).message).toContain('--proxyPort');
  });
});
