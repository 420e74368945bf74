import { createServer, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import httpProxy from 'http-proxy';
import type { LogFilter, LogStore } from '../logs/log-store';
import { isLogLevel } from '../logs/log-line';
import { dashboardPage } from '../dashboard/dashboard-page';
import { createDashboardApi, type DashboardSource } from '../dashboard/dashboard-api';
import { routeHost } from './host-routing';
import { HOP_HEADER, openProxySpan, closeProxySpanWith, type OpenSpan } from './proxy-span';
import { listenError } from './listen-error';
import { createTraceStore, type Span } from '../traces/trace-store';
import type { ServiceState, ServiceStatus } from '../dev/protocol';
import { createRelay, requestHadBody, takeBodyAndTrim } from './relay';
import { describeDown, sendProblem as sendProblemAt } from './problem-page';


export interface ProxyTarget {
  service: string;
  state: ServiceState;
  url?: string /* http://127.0.0.1:PORT */;
  /** Why it is not serving (a blocked service's upstream, a failed one's error), for the 502 page. */
  detail?: string;
  /** Resolves once the runtime hosting it is not being reconfigured: requests wait rather than fail. */
  settled?(): Promise<void>;
  /** Whether it is settled now (then `settled` is not awaited: no promise or timer per request). */
  isSettled?(): boolean;
}

export interface DevProxyOptions {
  port: number;
  host?: string;
  resolve(service: string): ProxyTarget | undefined;
  status(): ServiceStatus[];
  logs: LogStore;
  /**
   * The dashboard's token, required (header `x-nx-edge-token`) on every request that changes something.
   * Never served: only the dev terminal and `nx-edge status` show it (from the owner-only hub.json).
   */
  dashboardToken?: string;
  /** The dashboard's restart action (when no `dashboard` source is given). */
  restart?(service: string): boolean;
  /** Traces, graph, details and actions for the dashboard. */
  dashboard?: DashboardSource;
  /** Bytes a log follower may leave unread before it is dropped. */
  maxFollowerBuffer?: number;
  /** Says what the proxy refused or dropped (the hub's own log). */
  note?(level: 'warn' | 'info', message: string): void;
  /** The proxy's span for each request it routes to a service (a Worker without withEdge still gets a trace). */
  onSpan?(span: Span): void;
  /**
   * The port users reach when another process (the proxy front) owns it and passes requests here: the
   * dashboard's same-origin check, its links and the explorer use it. Default: the port the request came in on.
   */
  publicPort?(): number | undefined;
}

export const DEFAULT_PROXY_PORT = 7080;
export { HOP_HEADER };
export const TOKEN_HEADER = 'x-nx-edge-token';
/** A follower that leaves more than this unread is dropped (its memory would grow with every line). */
export const DEFAULT_MAX_FOLLOWER_BUFFER = 256 * 1024;
/** How long a request waits for workerd to finish a reload before it is answered 502. */
const SETTLE_TIMEOUT_MS = 10_000;

function parseDuration(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (m) return now - Number(m[1]) * { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as 'ms'];
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

export function logFilterFromQuery(params: URLSearchParams, now = Date.now()): LogFilter {
  const filter: LogFilter = {};
  const services = params.getAll('service').flatMap((s) => s.split(',')).filter(Boolean);
  if (services.length) filter.service = services;
  const level = params.get('level');
  if (level && isLogLevel(level)) filter.level = level;
  const trace = params.get('trace');
  if (trace) filter.trace = trace;
  filter.since = parseDuration(params.get('since'), now);
  filter.until = parseDuration(params.get('until'), now);
  const limit = Number(params.get('limit'));
  filter.limit = Number.isFinite(limit) && limit > 0 ? limit : 1000;
  return filter;
}

/** Without a hub (tests, tools): no traces, the status list as the graph, restart as the only action. */
function standaloneSource(opts: DevProxyOptions): DashboardSource {
  const traces = createTraceStore();
  return {
    traces,
    graph: () => ({ nodes: opts.status().map((s) => ({ id: s.service, kind: s.kind })), edges: [] }),
    details: () => undefined,
    action: (service, action) =>
      action === 'restart' && opts.restart?.(service) ? { ok: true, message: `restarting ${service}` } : { ok: false, message: `no service "${service}" to ${action}` },
  };
}

/** True when the request comes from a page of another origin (browsers send `Origin` cross-site). */
export function isForeignOrigin(req: IncomingMessage, port = req.socket.localPort): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false; // not a browser, or a same-origin GET
  return ![`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://[::1]:${port}`].includes(origin.toLowerCase());
}

function sameToken(given: string | string[] | undefined, expected: string | undefined): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The most an explorer request (method, path, headers, body as JSON) may be. */
const MAX_EXPLORER_BODY = 1024 * 1024;

/** A request's body as text, refused past `max` bytes. */
function readBounded(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function startDevProxy(opts: DevProxyOptions): Promise<{ port: number; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  const maxFollowerBuffer = opts.maxFollowerBuffer ?? DEFAULT_MAX_FOLLOWER_BUFFER;
  const note = (level: 'warn' | 'info', message: string) => opts.note?.(level, message);
  // websockets only (HTTP goes through `relay`); keep-alive, or each opens a new socket (node-http-proxy#1293)
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ agent, xfwd: true, ws: true });
  const openSockets = new Set<Socket>();
  const sseResponses = new Set<ServerResponse>();

  const knownServices = () => opts.status().map((s) => s.service);
  const publicPort = (req: IncomingMessage) => opts.publicPort?.() ?? req.socket.localPort;
  const sendProblem = (req: IncomingMessage, res: ServerResponse, status: number, title: string, detail: string, extra?: Record<string, unknown>) =>
    sendProblemAt(req, res, publicPort(req), status, title, detail, extra);
  const api = createDashboardApi({
    source: opts.dashboard ?? standaloneSource(opts),
    status: () => opts.status(),
    logs: opts.logs,
    maxFollowerBuffer,
    note,
    track: (res) => {
      sseResponses.add(res);
      res.on('close', () => sseResponses.delete(res));
    },
  });
  type Tagged = IncomingMessage & { nxEdgeService?: string; nxEdgeRetried?: boolean; nxEdgeSpan?: OpenSpan };

  // Mandatory: http-proxy emits 'error' on a refused/reset upstream and would crash the process (#1468).
  proxy.on('error', (err, req, resOrSocket) => upstreamFailed(err, req, resOrSocket));

  /** The Worker refused or dropped the request: retried once across a reload, else a 502 page naming why. */
  function upstreamFailed(err: Error, req: IncomingMessage, resOrSocket: ServerResponse | Socket | undefined): void {
    const tagged = req as Tagged;
    const service = tagged.nxEdgeService ?? '?';
    const target = opts.resolve(service);
    const res = resOrSocket && 'writeHead' in resOrSocket ? (resOrSocket) : undefined;
    // workerd restarting under a reload refuses connections for a moment: wait for it and try once more.
    if (res && !res.headersSent && !tagged.nxEdgeRetried && !requestHadBody(req) && (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' && target?.settled) {
      tagged.nxEdgeRetried = true;
      forward(req, res, service);
      return;
    }
    if (res) {
      const down = describeDown(target && target.state === 'healthy' ? { ...target, state: 'unreachable' as const } : target, service, knownServices());
      sendProblem(req, res, 502, down.title, `${down.detail} (${(err as NodeJS.ErrnoException).code ?? err.message})`, down.extra);
    } else (resOrSocket as Socket | undefined)?.destroy();
  }

  const relay = createRelay();

  /** Relays at once when the runtime is settled (no promise on the hot path), else after it settled. */
  function forward(req: IncomingMessage, res: ServerResponse, service: string, resolved?: ProxyTarget, waited = false): void {
    const target = resolved ?? opts.resolve(service);
    if (!waited && target?.settled && !target.isSettled?.()) return void forwardWhenSettled(req, res, service, () => target.settled!());
    if (!target || !target.url || target.state !== 'healthy' && target.state !== 'unhealthy' && target.state !== 'starting') {
      const down = describeDown(target, service, knownServices());
      return sendProblem(req, res, 502, down.title, down.detail, down.extra);
    }
    (req as Tagged).nxEdgeService = service;
    relay.send(req, res, service, target.url, { hasBody: takeBodyAndTrim(req), headers: req.headers }, (err) => upstreamFailed(err, req, res));
  }

  async function forwardWhenSettled(req: IncomingMessage, res: ServerResponse, service: string, settled: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([settled(), new Promise((r) => (timer = setTimeout(r, SETTLE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    forward(req, res, service, undefined, true);
  }

  function prepare(req: IncomingMessage): string | undefined {
    const span = openProxySpan(req);
    if (!span) return 'loop';
    (req as Tagged).nxEdgeSpan = span;
    return undefined;
  }

  /** Records the proxy's span once the response is over (or the client went away). */
  function recordSpan(req: IncomingMessage, res: ServerResponse, service: string): void {
    const span = (req as Tagged).nxEdgeSpan;
    if (span && opts.onSpan) closeProxySpanWith(req, res, service, span, (s) => opts.onSpan?.(s));
  }

  function follow(res: ServerResponse, filter: LogFilter): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    sseResponses.add(res);
    let dropped = false;
    const unsubscribe = { fn: () => undefined as unknown };
    const send = (r: unknown) => {
      if (dropped || res.destroyed) return;
      // A follower that stopped reading would make this buffer grow with every line: drop it instead.
      if (res.writableLength > maxFollowerBuffer) {
        dropped = true;
        unsubscribe.fn();
        note('warn', `dropped a log follower that stopped reading (over ${Math.round(maxFollowerBuffer / 1024)} KiB unread); it can reconnect`);
        res.destroy();
        return;
      }
      res.write(`data: ${JSON.stringify(r)}\n\n`);
    };
    for (const r of opts.logs.query(filter)) send(r);
    const { limit: _limit, since: _since, ...live } = filter;
    unsubscribe.fn = opts.logs.subscribe(live, send);
    res.on('close', () => {
      unsubscribe.fn();
      sseResponses.delete(res);
    });
  }

  function serveRoot(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The dashboard and its API answer pages of their own origin only (and tools, which send no Origin).
    if (isForeignOrigin(req, publicPort(req))) {
      note('warn', `refused ${req.method} ${url.pathname} from a page of another origin (${req.headers.origin})`);
      return sendProblem(req, res, 403, 'cross-origin request refused', `The nx-edge dashboard answers only its own pages; a page of ${req.headers.origin} may not use it.`);
    }
    if (req.method === 'POST') {
      const action = api.actionOf(url.pathname);
      const explorerService = action ? undefined : api.explorerRequestOf(url.pathname);
      if (!action && !explorerService) return sendProblem(req, res, 404, 'not found', `Nothing to ${req.method} at ${url.pathname}.`);
      if (!sameToken(req.headers[TOKEN_HEADER], opts.dashboardToken)) {
        note('warn', `refused POST ${url.pathname}: no valid ${TOKEN_HEADER} header`);
        return sendProblem(req, res, 403, 'token required', `Actions need the dashboard's token in the ${TOKEN_HEADER} header.`);
      }
      if (action) return api.act(res, action.service, action.action);
      const explorer = explorerService!;
      return void readBounded(req, MAX_EXPLORER_BODY).then(
        (body) => (explorer.kind === 'rpc' ? api.explorerRpc(res, explorer.service, body) : api.explorerRequest(res, explorer.service, body, publicPort(req) ?? opts.port)),
        () => sendProblem(req, res, 413, 'request too large', `The explorer sends at most ${MAX_EXPLORER_BODY / 1024} KiB.`),
      );
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendProblem(req, res, 405, 'method not allowed', `${req.method} is not served here.`);
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // Never framed by another site; the ?token= in the address never sent anywhere as a Referer.
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      });
      return void res.end(dashboardPage());
    }
    if (url.pathname === '/__nx-edge/status') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify(opts.status()));
    }
    if (api.get(req, res, url)) return;
    if (url.pathname === '/__nx-edge/logs') {
      const filter = logFilterFromQuery(url.searchParams);
      if (url.searchParams.get('follow') === '1') return follow(res, filter);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(JSON.stringify(opts.logs.query(filter)));
    }
    sendProblem(req, res, 404, 'not found', `Nothing at ${url.pathname}. Services are reached as http://<service>.localhost:${publicPort(req)}/.`);
  }

  const server = createServer((req, res) => {
    const route = routeHost(req.headers.host);
    if (route.kind === 'refused') {
      return sendProblem(req, res, 403, 'host not allowed', `The nx-edge dev proxy only answers Host "localhost" or "<service>.localhost" (DNS-rebinding guard); got "${route.host}".`);
    }
    if (route.kind === 'root') return serveRoot(req, res);
    if (prepare(req) === 'loop') {
      return sendProblem(req, res, 508, 'loop detected', `The request to "${route.service}" came back through the nx-edge proxy (${HOP_HEADER} header present); a service points at its own proxy address.`);
    }
    const target = opts.resolve(route.service);
    recordSpan(req, res, target?.service ?? route.service);
    if (!target || (!target.url && !target.settled) || target.state === 'stopped' || target.state === 'stopping' || target.state === 'failed' || target.state === 'pending' || target.state === 'blocked') {
      const down = describeDown(target, route.service, knownServices());
      return sendProblem(req, res, 502, down.title, down.detail, down.extra);
    }
    forward(req, res, route.service, target);
  });
  server.keepAliveTimeout = 65_000;

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const route = routeHost(req.headers.host);
    const target = route.kind === 'service' ? opts.resolve(route.service) : undefined;
    if (route.kind !== 'service' || !target?.url || prepare(req) === 'loop') {
      socket.end(`HTTP/1.1 ${route.kind === 'refused' ? '403 Forbidden' : '502 Bad Gateway'}\r\nconnection: close\r\n\r\n`);
      return;
    }
    (req as Tagged).nxEdgeService = route.service;
    proxy.ws(req, socket, head, { target: target.url });
  });
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      agent.destroy();
      reject(listenError(err, opts.port, host));
    });
    server.listen(opts.port, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const res of sseResponses) res.end();
            server.close(() => done());
            for (const socket of openSockets) socket.destroy();
            proxy.close();
            agent.destroy();
            relay.close();
          }),
      });
    });
  });
}
