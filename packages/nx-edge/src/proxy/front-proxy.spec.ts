import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BIG_ANSWER_BYTES, firstChunkThenLeave, readBigSlowly, streamingUpstream } from '../../../../test-support/streaming-upstream';
import { websocketEcho } from '../../../../test-support/websocket-echo';
import { createLogStore } from '../logs/log-store';
import type { Span } from '../traces/trace-store';
import { isUserError } from '../utils/user-error';
import type { ServiceStatus } from '../dev/protocol';
import { startDevProxy, type ProxyTarget } from './dev-proxy';
import { startFrontProxy, type FrontRoute } from './front-proxy';
import { decodeProxySpan, type ProxySpanTuple } from './proxy-span';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Worker stand-in: records what it was sent, echoes bodies, answers repeated and hop-by-hop headers, and websockets. */
async function worker(): Promise<{ url: string; port: number; seen: IncomingHttpHeaders[]; seenRaw: string[][]; close(): Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const seenRaw: string[][] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ ...req.headers });
    seenRaw.push(req.rawHeaders);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Keep-Alive', 'timeout=5', 'Content-Type', 'text/plain']);
      res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  server.on('upgrade', (_req, socket: Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    socket.on('data', (d) => socket.write(d));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}`, port, seen, seenRaw, close };
}

/** The front before the hub's real proxy (on port 0, told the front's port), as the dev hub runs them. */
async function frontBeforeHub(targets: Record<string, ProxyTarget>, routes: Record<string, FrontRoute>, settled = true) {
  const hubSpans: Span[] = [];
  const frontSpans: Span[] = [];
  const hubRequests: IncomingHttpHeaders[] = [];
  const publicPort: { value?: number } = {};
  const status = (): ServiceStatus[] => Object.values(targets).map((t) => ({ service: t.service, kind: 'worker', state: t.state, url: t.url, restarts: 0 }));
  const hub = await startDevProxy({
    port: 0,
    publicPort: () => publicPort.value,
    resolve: (s) => targets[s],
    status,
    logs: createLogStore({}),
    dashboardToken: 'token',
    onSpan: (span) => hubSpans.push(span),
  });
  cleanups.push(() => hub.close());
  // Sees what reaches the hub's proxy (and forwards it there unchanged).
  const spy = createServer((req, res) => {
    hubRequests.push({ ...req.headers });
    const upstream = request({ host: '127.0.0.1', port: hub.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  const upgraded = new Set<Socket>();
  spy.on('upgrade', (req, socket: Socket, head: Buffer) => {
    hubRequests.push({ ...req.headers });
    const onward = connect(hub.port, '127.0.0.1', () => {
      onward.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`);
      onward.write(head);
      socket.pipe(onward).pipe(socket);
    });
    socket.on('error', () => onward.destroy());
    upgraded.add(socket).add(onward);
  });
  await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of upgraded) s.destroy();
        spy.closeAllConnections();
        spy.close(() => r());
      }),
  );
  const front = await startFrontProxy({ port: 0, hubUrl: `http://127.0.0.1:${(spy.address() as AddressInfo).port}`, // As the hub reads them: through the IPC channel's JSON, then decoded.
    onSpans: (spans) => frontSpans.push(...(JSON.parse(JSON.stringify(spans)) as ProxySpanTuple[]).map(decodeProxySpan)),
    spanBatchMs: 5,
  });
  cleanups.push(() => front.close());
  publicPort.value = front.port;
  front.setRoutes({ routes, settled });
  return { front, port: front.port, hubSpans, frontSpans, hubRequests };
}

function send(port: number, host: string, path = '/', opts: { method?: string; headers?: Record<string, string>; body?: string; chunked?: boolean } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; raw: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: res.rawHeaders, body }));
    });
    req.on('error', reject);
    if (opts.chunked) {
      req.write('first ');
      setTimeout(() => req.end('second'), 20);
    } else req.end(opts.body);
  });
}

describe('the dev proxy front', () => {
  it('relays a ready service itself — the Worker sees the hop mark and a traceparent, the answer keeps repeated headers and drops hop-by-hop ones — and sends its span to the hub', async () => {
    const users = await worker();
    const { port, frontSpans, hubRequests, hubSpans } = await frontBeforeHub(
      { users: { service: 'users', state: 'healthy', url: users.url } },
      { users: { service: 'users', ready: true, url: users.url, worker: true } },
    );
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await send(port, `users.localhost:${port}`, '/orders?x=1', { headers: { traceparent, connection: 'keep-alive', te: 'trailers' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('GET /orders?x=1 ');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.headers['keep-alive']).not.toBe('timeout=5');
    expect(users.seen[0]).toMatchObject({ 'x-nx-edge-hop': '1', host: `users.localhost:${port}` });
    expect(users.seen[0].te).toBeUndefined();
    const [, traceId, spanId] = String(users.seen[0].traceparent).split('-');
    expect(traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(hubRequests).toEqual([]);
    await expect.poll(() => frontSpans.length).toBe(1);
    expect(frontSpans[0]).toMatchObject({ traceId, spanId, parentSpanId: '00f067aa0ba902b7', service: 'users', kind: 'proxy', name: 'GET /orders', status: 200, error: false });
    expect(hubSpans).toEqual([]);
  });

  it('streams a chunked request body and a POST to the Worker', async () => {
    const users = await worker();
    const { port } = await frontBeforeHub({ users: { service: 'users', state: 'healthy', url: users.url } }, { users: { service: 'users', ready: true, url: users.url, worker: false } });
    expect((await send(port, 'users.localhost', '/in', { method: 'POST', chunked: true })).body).toBe('POST /in first second');
    expect((await send(port, 'users.localhost', '/in', { method: 'POST', body: 'whole' })).body).toBe('POST /in whole');
    expect(users.seen[0]['transfer-encoding']).toBe('chunked');
  });

  it('streams a large answer to a slow client whole, lets the Worker\'s request go when the client leaves (its span an error), and follows a Worker to its new port', async () => {
    const upstream = await streamingUpstream();
    cleanups.push(() => upstream.close());
    const url = upstream.url;
    const { port, front, frontSpans, hubRequests } = await frontBeforeHub({ users: { service: 'users', state: 'healthy', url } }, { users: { service: 'users', ready: true, url, worker: true } });

    // 8 MiB read slowly at first: backpressure, not buffering, and every byte arrives.
    expect(await readBigSlowly(port, 'users.localhost')).toBe(BIG_ANSWER_BYTES);
    expect(await firstChunkThenLeave(port, 'users.localhost')).toBe('data: one\n\n');
    await upstream.streamClosed();
    await expect.poll(() => frontSpans.length).toBe(2);
    expect(frontSpans.map((s) => [s.name, s.error])).toEqual([['GET /big', false], ['GET /stream', true]]);

    // Restarted on a new port: the front relays to it (and never again to the old one).
    const moved = await worker();
    front.setRoutes({ routes: { users: { service: 'users', ready: true, url: moved.url, worker: true } }, settled: true });
    expect((await send(port, 'users.localhost', '/after')).body).toBe('GET /after ');
    expect(moved.seen).toHaveLength(1);
    expect(upstream.requests()).toBe(2);
    expect(hubRequests).toEqual([]);
  });

  it('answers 502 naming the service when a Worker\'s answer is not HTTP it can pass on (a control character in a header, a status below 100), and goes on relaying', async () => {
    const answers = ['HTTP/1.1 200 OK\r\nX-Bad: a\x7fb\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'];
    const raw = createNetServer((socket) => socket.once('data', () => socket.end(answers.shift() ?? '')));
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => raw.close(() => r())));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const { port } = await frontBeforeHub({ users: { service: 'users', state: 'healthy', url } }, { users: { service: 'users', ready: true, url, worker: true } });
    for (const bad of ['Invalid header value char', 'ERR_HTTP_INVALID_STATUS_CODE']) {
      const res = await send(port, 'users.localhost');
      expect(res.status).toBe(502);
      expect(res.body).toContain('users');
      expect(res.body).toContain(bad);
    }
    expect(await send(port, 'users.localhost')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('passes everything else to the hub unchanged, which answers as on the public port: the dashboard, an unknown or not-ready service, a Worker while workerd is reconfigured, a loop', async () => {
    const users = await worker();
    const { front, port, hubRequests, frontSpans, hubSpans } = await frontBeforeHub(
      { users: { service: 'users', state: 'healthy', url: users.url }, mailer: { service: 'mailer', state: 'starting' } },
      { users: { service: 'users', ready: true, url: users.url, worker: true }, mailer: { service: 'mailer', ready: false, worker: true } },
      false,
    );
    // Held across a reload: the hub relays it (its own span), the front does not.
    const held = await send(port, 'users.localhost', '/during-reload', { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    expect(held.body).toBe('GET /during-reload ');
    expect(hubRequests[0]['x-nx-edge-hop']).toBeUndefined();
    expect(hubRequests[0].traceparent).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    await expect.poll(() => hubSpans.length).toBe(1);
    expect(frontSpans).toEqual([]);

    front.setRoutes({ routes: { users: { service: 'users', ready: true, url: users.url, worker: true } }, settled: true });
    const starting = await send(port, 'mailer.localhost', '/', { headers: { accept: 'application/json' } });
    expect(starting.status).toBe(502);
    expect(JSON.parse(starting.body)).toMatchObject({ service: 'mailer', state: 'starting' });
    const unknown = await send(port, 'nobody.localhost', '/', { headers: { accept: 'application/json' } });
    expect(JSON.parse(unknown.body)).toMatchObject({ error: 'no service "nobody"', known: ['users', 'mailer'] });
    // The 502 page links the dashboard on the port the user reached (the front's), not the hub's internal one.
    expect((await send(port, 'nobody.localhost', '/')).body).toContain(`href="http://localhost:${port}/"`);
    const loop = await send(port, 'users.localhost', '/', { headers: { 'x-nx-edge-hop': '1' } });
    expect(loop.status).toBe(508);

    // The dashboard: its own origin is the front's port; another origin is refused there too.
    expect((await send(port, `localhost:${port}`, '/__nx-edge/status', { headers: { origin: `http://localhost:${port}` } })).status).toBe(200);
    expect((await send(port, `localhost:${port}`, '/__nx-edge/status', { headers: { origin: 'http://localhost:1' } })).status).toBe(403);
    expect((await send(port, 'evil.example', '/')).status).toBe(403);
  });

  it('hands a request the Worker refused (workerd restarting) to the hub, as it came, when it had no body; one with a body gets a 502 naming the service', async () => {
    const users = await worker();
    await users.close();
    const again = await worker();
    const { port, hubRequests, frontSpans } = await frontBeforeHub(
      { users: { service: 'users', state: 'healthy', url: again.url } },
      // The front's table is a moment old: the Worker moved.
      { users: { service: 'users', ready: true, url: users.url, worker: true } },
    );
    const res = await send(port, 'users.localhost', '/after-move');
    expect(res.body).toBe('GET /after-move ');
    expect(hubRequests).toHaveLength(1);
    expect(hubRequests[0]['x-nx-edge-hop']).toBeUndefined();
    expect(hubRequests[0].traceparent).toBeUndefined();
    const withBody = await send(port, 'users.localhost', '/post', { method: 'POST', body: 'x', headers: { accept: 'application/json' } });
    expect(withBody.status).toBe(502);
    expect(JSON.parse(withBody.body)).toMatchObject({ service: 'users', state: 'unreachable' });
    expect(withBody.body).toContain('ECONNREFUSED');
    // Only the failed POST is the front's span; the handed-over GET is the hub's.
    await expect.poll(() => frontSpans.length).toBe(1);
    expect(frontSpans[0]).toMatchObject({ name: 'POST /post', status: 502, error: true });
  });

  it('passes websocket upgrades through the hub to the Worker', async () => {
    const users = await worker();
    const { port, hubRequests } = await frontBeforeHub({ users: { service: 'users', state: 'healthy', url: users.url } }, { users: { service: 'users', ready: true, url: users.url, worker: true } });
    const reply = await websocketEcho(port, 'users.localhost');
    expect(reply).toMatch(/^HTTP\/1.1 101/);
    expect(hubRequests[0].upgrade).toBe('websocket');
  });

  it('says so when the hub is not answering, and that a port is taken as the hub did', async () => {
    const front = await startFrontProxy({ port: 0, hubUrl: 'http://127.0.0.1:1', onSpans: () => undefined });
    cleanups.push(() => front.close());
    const res = await send(front.port, 'localhost', '/', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'the nx-edge dev hub is not answering' });
    const taken = await startFrontProxy({ port: front.port, hubUrl: 'http://127.0.0.1:1', onSpans: () => undefined }).catch((e: unknown) => e);
    expect(isUserError(taken)).toBe(true);
    expect((taken as Error).message).toMatch(new RegExp(`^port ${front.port} on 127.0.0.1 is in use .* pass --proxyPort <free port>`));
  });

  it('reads a hostile head as Node would: the first Host routes and is the only one sent on, repeated traceparents start a new trace, other repeats reach the Worker, a hop mark goes to the hub', async () => {
    const users = await worker();
    const { port, frontSpans, hubRequests } = await frontBeforeHub(
      { users: { service: 'users', state: 'healthy', url: users.url }, admin: { service: 'admin', state: 'healthy', url: users.url } },
      { users: { service: 'users', ready: true, url: users.url, worker: true }, admin: { service: 'admin', ready: true, url: users.url, worker: true } },
    );
    const a = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const b = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01';
    const raw = (lines: string[]) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(`GET /x HTTP/1.1\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    expect(await raw(['Host: users.localhost', 'Host: admin.localhost', `TraceParent: ${a}`, `traceparent: ${b}`, 'X-Tag: a', 'X-Tag: b', 'Content-Length: 0'])).toMatch(/^HTTP\/1.1 200/);
    expect(users.seenRaw[0].filter((name, i) => i % 2 === 0 && /^(host|traceparent)$/i.test(name)).map((name) => name.toLowerCase())).toEqual(['host', 'traceparent']);
    expect(users.seen[0].host).toBe('users.localhost');
    expect(users.seen[0]['x-tag']).toBe('a, b');
    const [, traceId] = String(users.seen[0].traceparent).split('-');
    expect([a.split('-')[1], b.split('-')[1]]).not.toContain(traceId);
    await expect.poll(() => frontSpans.length).toBe(1);
    expect(frontSpans[0]).toMatchObject({ traceId, parentSpanId: undefined, service: 'users', attributes: { host: 'users.localhost' } });
    expect(hubRequests).toEqual([]);
    // A request already marked by the proxy (a service calling the proxy back): the hub answers the loop.
    expect(await raw(['Host: users.localhost', 'X-NX-Edge-Hop: 1'])).toMatch(/^HTTP\/1.1 508/);
    expect(hubRequests).toHaveLength(1);
    expect(users.seen).toHaveLength(1);
  });
});
