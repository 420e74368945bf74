import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogRecord, LogStore } from '../logs/log-store';
import type { ServiceStatus } from '../dev/protocol';
import type { ServiceDetails, ServiceGraph } from '../dev/hub/session-view';
import type { TraceStore, TraceSummary } from '../traces/trace-store';
import type { OpenedSession, SessionMeta } from '../dev/archive/session-archive';
import { scrubSecrets } from '../local/dev-vars';
import { sendThroughProxy } from '../proxy/proxy-request';

export type DashboardAction = 'restart' | 'stop' | 'start' | 'reload';
export const DASHBOARD_ACTIONS: DashboardAction[] = ['restart', 'stop', 'start', 'reload'];

/** What the dashboard reads from the hub beyond status and logs. */
export interface DashboardSource {
  traces: TraceStore;
  graph(): ServiceGraph;
  details(service: string): ServiceDetails | undefined;
  action(service: string, action: DashboardAction): { ok: boolean; message: string };
  /** Where the explorer's requests to a service go (its proxy host label) and what to redact from answers. */
  requestTarget?(service: string): { hostLabel: string; secrets: string[] } | undefined;
  /** A Worker's WorkerEntrypoint methods (undefined: none can be called here) and a call of one, with JSON arguments. */
  rpc?: {
    describe(service: string): Promise<{ entrypoint: string; methods: string[] }[] | undefined>;
    call(service: string, entrypoint: string, method: string, args: unknown[]): Promise<{ status: number; body: Record<string, unknown> }>;
  };
  /**
   * Brings `traces` up to date before it is read (the proxy's front hands the hub its spans only when asked; see
   * proxy/front-spans.ts). Absent: `traces` is always up to date.
   */
  freshTraces?(): Promise<void>;
  /** While a live page follows the session, its spans reach `traces` as they come; the function returned ends that. */
  followTraces?(): () => void;
  /** Past sessions of this workspace, read-only (absent: none are kept). */
  sessions?: {
    current: string;
    list(): SessionMeta[];
    open(id: string): OpenedSession | undefined;
  };
}

/** How often the event stream checks for a changed status table or graph, and sends metrics. */
const STATUS_EVERY_MS = 500;
const METRICS_EVERY_MS = 2000;
/** Trace summaries are sent in batches: a request through five Workers is one update, not ten. */
const TRACE_BATCH_MS = 250;

/** A path segment decoded, or '' when it is not valid percent-encoding (never a throw in the hub). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * The dashboard's read API (GET /__nx-edge/graph, /traces, /traces/<id>, /services/<name>, /events)
 * and its actions (POST /__nx-edge/services/<name>/<action>). The proxy checks Origin and token
 * before anything here runs. Answers false when the path is not one of these.
 */
export function createDashboardApi(opts: {
  source: DashboardSource;
  status(): ServiceStatus[];
  logs: LogStore;
  maxFollowerBuffer: number;
  note(level: 'warn' | 'info', message: string): void;
  track(res: ServerResponse): void;
}) {
  const { source } = opts;

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    opts.track(res);
    let closed = false;
    const timers: NodeJS.Timeout[] = [];
    const unsubscribers: (() => void)[] = [];
    const close = () => {
      if (closed) return;
      closed = true;
      timers.forEach(clearInterval);
      unsubscribers.forEach((u) => u());
    };
    const send = (event: string, data: unknown) => {
      if (closed || res.destroyed) return;
      // A page that stopped reading (a background tab) would make this buffer grow: drop it instead.
      if (res.writableLength > opts.maxFollowerBuffer) {
        opts.note('warn', `dropped a dashboard stream that stopped reading (over ${Math.round(opts.maxFollowerBuffer / 1024)} KiB unread); it reconnects`);
        close();
        res.destroy();
        return;
      }
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    unsubscribers.push(source.followTraces?.() ?? (() => undefined));
    void (source.freshTraces?.() ?? Promise.resolve()).then(() => {
      if (!closed) streamSession(send, timers, unsubscribers);
    });
    req.on('close', close);
    res.on('close', close);
  }

  /** The event stream's snapshot of the session, then its changes. */
  function streamSession(send: (event: string, data: unknown) => void, timers: NodeJS.Timeout[], unsubscribers: (() => void)[]): void {
    let lastStatus = JSON.stringify(opts.status());
    let lastGraph = JSON.stringify(source.graph());
    send('snapshot', {
      status: JSON.parse(lastStatus) as unknown,
      graph: JSON.parse(lastGraph) as unknown,
      metrics: source.traces.metrics(),
      traces: source.traces.list({ limit: 200 }),
      traceCount: source.traces.size(),
      logs: opts.logs.query({ limit: 500 }),
    });
    unsubscribers.push(opts.logs.subscribe({}, (record: LogRecord) => send('log', record)));
    const dirty = new Map<string, TraceSummary>();
    unsubscribers.push(source.traces.subscribe((summary) => dirty.set(summary.traceId, summary)));
    timers.push(
      setInterval(() => {
        if (dirty.size === 0) return;
        send('traces', [...dirty.values()]);
        dirty.clear();
      }, TRACE_BATCH_MS),
      setInterval(() => {
        const status = JSON.stringify(opts.status());
        if (status !== lastStatus) send('status', JSON.parse((lastStatus = status)));
        const graph = JSON.stringify(source.graph());
        if (graph !== lastGraph) send('graph', JSON.parse((lastGraph = graph)));
      }, STATUS_EVERY_MS),
      setInterval(() => send('metrics', source.traces.metrics()), METRICS_EVERY_MS),
    );
    timers.forEach((t) => t.unref());
  }

  function traceList(res: ServerResponse, url: URL, traces: TraceStore): void {
    const limit = Number(url.searchParams.get('limit'));
    json(
      res,
      200,
      traces.list({
        service: url.searchParams.get('service') || undefined,
        errorsOnly: url.searchParams.get('errors') === '1',
        search: url.searchParams.get('q') || undefined,
        limit: Number.isFinite(limit) && limit > 0 ? limit : undefined,
      }),
    );
  }

  function oneTrace(res: ServerResponse, id: string, traces: TraceStore, logs: LogStore): void {
    const spans = traces.get(id);
    if (!spans) json(res, 404, { error: `no trace ${id} in this session (the newest ${traces.size()} are kept)` });
    else json(res, 200, { traceId: id.toLowerCase(), spans, logs: logs.query({ trace: id, limit: 2000 }) });
  }

  /**
   * GET /__nx-edge/sessions (the list), /sessions/<id> (its traces and lines, as the event stream's
   * snapshot holds them), /sessions/<id>/traces and /sessions/<id>/traces/<trace id>: a past session,
   * read-only (nothing here writes).
   */
  function pastSession(res: ServerResponse, url: URL): void {
    const sessions = source.sessions;
    if (!sessions) return json(res, 404, { error: 'this dev hub keeps no past sessions' });
    if (url.pathname === '/__nx-edge/sessions') return json(res, 200, { current: sessions.current, sessions: sessions.list() });
    const m = /^\/__nx-edge\/sessions\/([^/]+)(\/traces(?:\/([0-9a-fA-F]{32}))?)?$/.exec(url.pathname);
    const id = m ? safeDecode(m[1]) : '';
    const opened = id ? sessions.open(id) : undefined;
    if (!m || !opened) return json(res, 404, { error: `no past session "${id}" (see /__nx-edge/sessions)` });
    if (m[3]) return oneTrace(res, m[3], opened.traces, opened.logs);
    if (m[2]) return traceList(res, url, opened.traces);
    json(res, 200, { meta: opened.meta, traceCount: opened.traces.size(), traces: opened.traces.list({ limit: 2000 }), logs: opened.logs.query({ limit: 5000 }) });
  }

  /** Answers once the trace store has every span (true: the route is this API's). */
  function afterFreshTraces(answer: () => void): true {
    void (source.freshTraces?.() ?? Promise.resolve()).then(answer);
    return true;
  }

  return {
    /** GET routes; true when answered. */
    get(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
      const path = url.pathname;
      if (path === '/__nx-edge/events') return (events(req, res), true);
      if (path === '/__nx-edge/graph') return (json(res, 200, source.graph()), true);
      if (path === '/__nx-edge/metrics') return afterFreshTraces(() => json(res, 200, source.traces.metrics()));
      if (path === '/__nx-edge/traces') return afterFreshTraces(() => traceList(res, url, source.traces));
      const trace = /^\/__nx-edge\/traces\/([0-9a-fA-F]{32})$/.exec(path);
      if (trace) return afterFreshTraces(() => oneTrace(res, trace[1], source.traces, opts.logs));
      if (path.startsWith('/__nx-edge/sessions')) return (pastSession(res, url), true);
      const rpcOf = /^\/__nx-edge\/services\/([^/]+)\/rpc$/.exec(path);
      if (rpcOf) {
        const name = safeDecode(rpcOf[1]);
        void (source.rpc?.describe(name) ?? Promise.resolve(undefined)).then(
          (entrypoints) => json(res, 200, { service: name, entrypoints: entrypoints ?? [] }),
          (error: Error) => json(res, 502, { error: `could not ask ${name} for its methods: ${error.message}` }),
        );
        return true;
      }
      const service = /^\/__nx-edge\/services\/([^/]+)$/.exec(path);
      if (service) {
        const name = decodeURIComponent(service[1]);
        const details = source.details(name);
        if (!details) json(res, 404, { error: `no service "${name}" in this session` });
        else json(res, 200, details);
        return true;
      }
      return false;
    },
    /** The action a POST path asks for, if it is one. */
    actionOf(path: string): { service: string; action: DashboardAction } | undefined {
      const m = /^\/__nx-edge\/services\/([^/]+)\/([a-z]+)$/.exec(path);
      if (!m || !(DASHBOARD_ACTIONS as string[]).includes(m[2])) return undefined;
      return { service: decodeURIComponent(m[1]), action: m[2] as DashboardAction };
    },
    /** What an explorer POST path asks for (a request to send, or an RPC call), and of which service. */
    explorerRequestOf(path: string): { service: string; kind: 'request' | 'rpc' } | undefined {
      const m = /^\/__nx-edge\/services\/([^/]+)\/(request|rpc)$/.exec(path);
      const service = m ? safeDecode(m[1]) : '';
      return m && service ? { service, kind: m[2] as 'request' | 'rpc' } : undefined;
    },
    /** The explorer's RPC call: `{ entrypoint, method, args }` (args a JSON array). */
    async explorerRpc(res: ServerResponse, service: string, rawBody: string): Promise<void> {
      if (!source.rpc) return json(res, 404, { error: 'this dev hub calls no RPC methods' });
      let ask: { entrypoint?: unknown; method?: unknown; args?: unknown };
      try {
        ask = JSON.parse(rawBody) as typeof ask;
      } catch {
        return json(res, 400, { error: 'the call is not JSON' });
      }
      if (typeof ask.entrypoint !== 'string' || typeof ask.method !== 'string' || (ask.args !== undefined && !Array.isArray(ask.args))) {
        return json(res, 400, { error: 'entrypoint and method (strings) are required; args, when given, is a JSON array' });
      }
      try {
        const answer = await source.rpc.call(service, ask.entrypoint, ask.method, (ask.args as unknown[] | undefined) ?? []);
        json(res, answer.status, answer.body);
      } catch (error) {
        json(res, 502, { error: `the call did not complete: ${(error as Error).message}` });
      }
    },
    /**
     * The API explorer's request: sent through the proxy as a browser would (so it is traced like any), the
     * answer returned to the page — the page cannot read a `<service>.localhost` answer itself (another origin).
     */
    async explorerRequest(res: ServerResponse, service: string, rawBody: string, proxyPort: number): Promise<void> {
      const target = source.requestTarget?.(service);
      if (!target) return json(res, 404, { error: `no service "${service}" in this session` });
      let ask: { method?: unknown; path?: unknown; headers?: unknown; body?: unknown };
      try {
        ask = JSON.parse(rawBody) as typeof ask;
      } catch {
        return json(res, 400, { error: 'the request description is not JSON' });
      }
      const method = typeof ask.method === 'string' && /^[A-Z]{3,7}$/.test(ask.method) ? ask.method : undefined;
      const path = typeof ask.path === 'string' && ask.path.startsWith('/') ? ask.path : undefined;
      if (!method || !path) return json(res, 400, { error: 'method (GET, POST, …) and a path starting with / are required' });
      const headers: Record<string, string> = {};
      if (ask.headers && typeof ask.headers === 'object') for (const [k, v] of Object.entries(ask.headers)) if (typeof v === 'string' && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) headers[k] = v;
      try {
        const answer = await sendThroughProxy(proxyPort, target.hostLabel, { method, path, headers, body: typeof ask.body === 'string' && method !== 'GET' && method !== 'HEAD' ? ask.body : undefined });
        const scrub = (text: string) => scrubSecrets(text, target.secrets);
        json(res, 200, {
          status: answer.status,
          traceId: answer.traceId,
          durationMs: answer.durationMs,
          headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, scrub(Array.isArray(v) ? v.join(', ') : String(v ?? ''))])),
          body: scrub(answer.body),
          truncatedBytes: answer.truncatedBytes,
        });
      } catch (error) {
        json(res, 502, { error: `the request did not complete: ${(error as Error).message}` });
      }
    },
    act(res: ServerResponse, service: string, action: DashboardAction): void {
      const result = source.action(service, action);
      json(res, result.ok ? 202 : source.details(service) ? 409 : 404, result.ok ? { [action]: service, message: result.message } : { error: result.message });
    },
  };
}
