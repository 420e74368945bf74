import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { routeHost } from './host-routing';
import { listenError } from './listen-error';
import { describeDown, sendProblem } from './problem-page';
import { HOP_HEADER, endProxySpan, startProxySpan, type ProxySpanTuple } from './proxy-span';
import { createRelay } from './relay';
import { readRequestHead, type RequestHead } from './request-head';

/** A `<label>.localhost` name of the session, as the hub last told the front. */
export interface FrontRoute {
  service: string;
  /** Healthy with an address: the front may relay to it itself. */
  ready: boolean;
  url?: string;
  /** Hosted in the session's workerd: held (so passed to the hub) while workerd is reconfigured. */
  worker: boolean;
}

/** Everything the front needs to route: every host label of the session, and whether workerd is settled. */
export interface FrontRoutes {
  routes: Record<string, FrontRoute>;
  settled: boolean;
}

export interface FrontProxyOptions {
  port: number;
  host?: string;
  /** The hub's own proxy (dashboard, API, services not ready, requests held across a reload). */
  hubUrl: string;
  /** The spans of requests the front relayed itself, a batch at a time (as sent to the hub). */
  onSpans(spans: ProxySpanTuple[]): void;
  /** How long spans wait to be sent together (default 50 ms). */
  spanBatchMs?: number;
}

export interface FrontProxy {
  port: number;
  setRoutes(routes: FrontRoutes): void;
  close(): Promise<void>;
}

/**
 * The public side of the dev proxy, in a process of its own: a request for a service that is ready (and, for a
 * Worker, while workerd is settled) goes straight to it (relay.ts); everything else
 * goes to the hub's proxy unchanged — it answers exactly as it would have on this port. Measured (bench/dev.mjs):
 * the hub's process pays 30–50 % more CPU per relayed request than a process of its own, and the gap grows
 * with the session (its heap's young-generation collections), so the hot path lives here.
 */
export function startFrontProxy(opts: FrontProxyOptions): Promise<FrontProxy> {
  const host = opts.host ?? '127.0.0.1';
  const relay = createRelay();
  const openSockets = new Set<Socket>();
  // Websockets are few and long-lived: all of them go to the hub, which routes them as before (http-proxy is
  // loaded on the first one: a front that never sees one does not carry it).
  let wsProxy: { ws(req: IncomingMessage, socket: Socket, head: Buffer): void; close(): void } | undefined;
  const websocketProxy = () => {
    if (!wsProxy) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, see above
      const httpProxy = require('http-proxy') as typeof import('http-proxy');
      const proxy = httpProxy.createProxyServer({ ws: true, target: opts.hubUrl });
      proxy.on('error', (_err, _req, socket) => (socket as Socket | undefined)?.destroy?.());
      wsProxy = proxy;
    }
    return wsProxy;
  };
  let table: FrontRoutes = { routes: {}, settled: false };
  let spans: ProxySpanTuple[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let port = opts.port;

  const flush = () => {
    flushTimer = undefined;
    if (!spans.length) return;
    const batch = spans;
    spans = [];
    opts.onSpans(batch);
  };
  const record = (span: ProxySpanTuple) => {
    spans.push(span);
    flushTimer ??= setTimeout(flush, opts.spanBatchMs ?? 50);
  };

  /** The route to relay to directly, or undefined to let the hub answer. */
  function directRoute(head: RequestHead): FrontRoute | undefined {
    // A loop (the hub says so), the dashboard, unknown or refused hosts: the hub's.
    if (head.marked) return undefined;
    const host = routeHost(head.host);
    if (host.kind !== 'service') return undefined;
    const route = Object.hasOwn(table.routes, host.service) ? table.routes[host.service] : undefined;
    return route?.ready && route.url && (table.settled || !route.worker) ? route : undefined;
  }

  function toHub(req: IncomingMessage, res: ServerResponse, head: RequestHead): void {
    // Its pool's key is no service's name (a project's name is never empty).
    relay.send(req, res, '', opts.hubUrl, head, (err) =>
      sendProblem(req, res, port, 502, 'the nx-edge dev hub is not answering', `The dev session's hub did not take the request (${(err as NodeJS.ErrnoException).code ?? err.message}); it may be stopping.`),
    );
  }

  const server = createServer((req, res) => {
    // Node's `req.headers` is never built here: the head is read once from the raw list (see readRequestHead).
    const head = readRequestHead(req);
    const route = directRoute(head);
    if (!route) return toHub(req, res, head);
    const received = head.headers.length;
    const span = startProxySpan(head.traceparent);
    if (head.traceparentAt === -1) head.headers.push('traceparent', span.traceparent);
    else head.headers[head.traceparentAt] = span.traceparent;
    head.headers.push(HOP_HEADER, '1');
    let passed = false;
    const closed = () => passed || record(endProxySpan(span, route.service, req, res, head.host ?? ''));
    relay.send(req, res, route.service, route.url!, head, (err) => {
      // Refused before anything was sent (workerd restarting, the table a moment old): the hub holds and retries
      // the request as it came (without the hop mark, with the caller's traceparent).
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED' && !head.hasBody) {
        passed = true;
        head.headers.length = received;
        if (head.traceparentAt !== -1) head.headers[head.traceparentAt] = head.traceparent!;
        return toHub(req, res, head);
      }
      const down = describeDown({ state: 'unreachable', url: route.url }, route.service, []);
      sendProblem(req, res, port, 502, down.title, `${down.detail} (${(err as NodeJS.ErrnoException).code ?? err.message})`, down.extra);
    }, closed);
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => websocketProxy().ws(req, socket, head));
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, opts.port, host)));
    server.listen(opts.port, host, () => {
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : opts.port;
      resolve({
        port,
        setRoutes: (routes) => {
          table = routes;
        },
        close: () =>
          new Promise<void>((done) => {
            clearTimeout(flushTimer);
            flush();
            server.close(() => done());
            for (const socket of openSockets) socket.destroy();
            wsProxy?.close();
            relay.close();
          }),
      });
    });
  });
}
