import type { LogRecord } from '../../logs/log-store';
import { localStateRoot } from '../../local/persistence';
import { startDevProxy, type DevProxyOptions } from '../../proxy/dev-proxy';
import { startProxyFront, type ProxyFront } from '../../proxy/front-process';
import type { FrontRoute } from '../../proxy/front-proxy';
import { dnsLabel, hostLabels } from '../../proxy/host-names';
import { proxySpanIds } from '../../proxy/trace-context';
import { scrubSecrets } from '../../local/dev-vars';
import { systemClock, type Clock } from '../../utils/clock';
import { createTraceStore, type TraceStore } from '../../traces/trace-store';
import type { HubClient, ServiceSpec, ServiceStatus } from '../protocol';
import { HUB_LOG_NAME, workerNameOf, type Entry } from './entry';
import { formatCycle, orderServices } from './graph-order';
import { resolveProbe } from './health-probe';
import { createRestartPolicy } from './restart-policy';
import { ServiceEvents } from './service-events';
import { ServiceStarter } from './service-starter';
import { ServiceStopper } from './service-stopper';
import { StartGate } from './start-gate';
import { WorkerHost } from './worker-host';
import { WorkerReloads } from './worker-reloads';
import type { DevHubOptions, HubParts } from './hub-parts';
import { serviceDetails, sessionGraph, type ServiceDetails, type ServiceGraph } from './session-view';
import type { DashboardAction } from '../../dashboard/dashboard-api';

export { HUB_LOG_NAME } from './entry';

export type { DevHubOptions } from './hub-parts';

/**
 * The per-workspace dev hub: hosts every Worker of the session in one workerd, supervises non-Worker
 * services, gates starts on upstream health, restarts with backoff, reloads on change, serves the
 * proxy + dashboard, and merges logs. Clients (Nx dev/service tasks) attach; when the last leaves,
 * everything stops in reverse graph order.
 */
export class DevHub implements HubParts {
  // Collaborators, each one section of the hub's work; they share the state below through `this`.
  readonly events: ServiceEvents = new ServiceEvents(this);
  readonly gate: StartGate = new StartGate(this);
  readonly starter: ServiceStarter = new ServiceStarter(this);
  readonly reloads: WorkerReloads = new WorkerReloads(this);
  readonly stopper = new ServiceStopper(this);

  readonly entries = new Map<string, Entry>();
  readonly traces: TraceStore;
  readonly clock: Clock;
  readonly host: WorkerHost;
  readonly workerPolicy: ReturnType<typeof createRestartPolicy>;
  shuttingDown: Promise<void> | undefined;
  private proxy: { port: number; close(): Promise<void> } | undefined;
  private idleTimer: unknown;
  private detachTimer: unknown;
  /** Clients that asked to leave (their process is stopping): told what was stopped, then let go. */
  readonly leaving = new Map<HubClient, { services: Set<string>; since: number }>();
  /** The last "Uncaught …" workerd printed for a service, to say why it could not start. */
  readonly lastLoadError = new Map<string, string>();

  constructor(readonly opts: DevHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.traces = opts.traces ?? createTraceStore();
    this.workerPolicy = createRestartPolicy({ clock: this.clock });
    this.host = new WorkerHost({
      workspaceRoot: opts.workspaceRoot,
      persistRoot: localStateRoot(opts.workspaceRoot),
      onLine: (service, stream, line) => this.events.log(service, stream, line),
      onRuntimeExit: (pid) => this.starter.onWorkerdExit(pid),
      onSettledChange: () => this.routesChanged(),
    });
  }

  get proxyPort(): number | undefined {
    return this.proxy?.port;
  }

  async start(): Promise<void> {
    const proxyOptions = this.proxyOptions();
    if (!this.opts.proxyFront) this.proxy = await startDevProxy({ ...proxyOptions, port: this.opts.proxyPort });
    else {
      // Behind the front: the hub's proxy answers what the front passes on, as if on the public port.
      const inner = await startDevProxy({ ...proxyOptions, port: 0, publicPort: () => this.front?.port });
      try {
        const startFront = typeof this.opts.proxyFront === 'function' ? this.opts.proxyFront : startProxyFront;
        this.front = await startFront({
          port: this.opts.proxyPort,
          hubUrl: `http://127.0.0.1:${inner.port}`,
          onSpans: (spans) => {
            for (const span of spans) this.traces.add(span);
          },
          archive: this.opts.frontArchive && { file: this.opts.frontArchive.file, maxBytes: this.opts.frontArchive.maxBytes },
          onArchiveCut: () => this.opts.frontArchive?.cut(),
          onExit: (message) => this.events.log(HUB_LOG_NAME, 'system', `WARN ${message}`, 'warn'),
        });
      } catch (error) {
        await inner.close();
        throw error;
      }
      const front = this.front;
      this.proxy = {
        port: front.port,
        close: async () => {
          await front.close();
          await inner.close();
        },
      };
      this.routesChanged();
    }
    this.starter.startMonitor(this.opts.monitorIntervalMs ?? 2000);
  }

  private front: ProxyFront | undefined;
  /** Live pages following the traces: while any does, the front hands over its spans as they come. */
  private traceFollowers = 0;
  private routesPending = false;

  /**
   * Tells the front where services are: at once when workerd starts being reconfigured (the front then passes
   * Workers' requests to the hub, which holds them), else once the current turn's changes are all made.
   */
  routesChanged(): void {
    if (!this.front) return;
    if (!this.host.isSettled()) return this.front.update(this.frontRoutes(false));
    if (this.routesPending) return;
    this.routesPending = true;
    setImmediate(() => {
      this.routesPending = false;
      this.front?.update(this.frontRoutes(this.host.isSettled()));
    });
  }

  private frontRoutes(settled: boolean): { routes: Record<string, FrontRoute>; settled: boolean } {
    // No prototype: a project may be named like one of Object's own keys.
    const routes = Object.create(null) as Record<string, FrontRoute>;
    const routeOf = (entry: Entry): FrontRoute => {
      const { state, url } = entry.status;
      return { service: entry.spec.service, ready: state === 'healthy' && !!url, url, worker: entry.spec.kind === 'worker' };
    };
    // As entryForHost: a project's own name wins over another's alias.
    for (const [service, labels] of this.labels()) for (const label of labels) routes[label] = routeOf(this.entries.get(service)!);
    for (const entry of this.entries.values()) routes[entry.spec.service] = routeOf(entry);
    return { routes, settled };
  }

  private proxyOptions(): Omit<DevProxyOptions, 'port'> {
    return {
      resolve: (label) => {
        const entry = this.entryForHost(label);
        if (!entry) return undefined;
        const service = entry.spec.service;
        const { state, url, health } = entry.status;
        return {
          service,
          state,
          url,
          detail: state === 'blocked' || state === 'failed' ? health : undefined,
          settled: entry.spec.kind === 'worker' ? () => this.host.settled() : undefined,
          isSettled: entry.spec.kind === 'worker' ? () => this.host.isSettled() : undefined,
        };
      },
      status: () => this.statuses(),
      logs: this.opts.logs,
      dashboardToken: this.opts.dashboardToken,
      dashboard: {
        traces: this.traces,
        graph: () => this.graph(),
        details: (service) => this.details(service),
        action: (service, action) => this.action(service, action),
        sessions: this.opts.sessions,
        freshTraces: () => this.front?.drain() ?? Promise.resolve(),
        followTraces: () => {
          this.traceFollowers++;
          this.front?.follow(true);
          let ended = false;
          return () => {
            if (ended) return;
            ended = true;
            if (--this.traceFollowers === 0) this.front?.follow(false);
          };
        },
        rpc: {
          describe: async (service) => {
            const answer = await this.host.shellRpc(service);
            return answer && answer.status === 200 ? (JSON.parse(answer.text) as { entrypoint: string; methods: string[] }[]) : undefined;
          },
          call: (service, entrypoint, method, args) => this.rpcCall(service, entrypoint, method, args),
        },
        requestTarget: (service) => {
          const entry = this.entries.get(service);
          return entry ? { hostLabel: this.labels().get(service)?.[0] ?? dnsLabel(service), secrets: entry.worker?.secretValues ?? [] } : undefined;
        },
      },
      onSpan: (span) => this.traces.add(span),
      note: (level, message) => this.events.log(HUB_LOG_NAME, 'system', level === 'warn' ? `WARN ${message}` : message, level),
    };
  }

  /**
   * The explorer's RPC call of a Worker's method: run in the Worker (its real env) by its dev shell, recorded
   * as a span of a new trace (the proxy sees no RPC) so the page shows it like a request; secrets redacted.
   */
  private async rpcCall(service: string, entrypoint: string, method: string, args: unknown[]): Promise<{ status: number; body: Record<string, unknown> }> {
    const start = Date.now();
    const ids = proxySpanIds(undefined);
    const answer = await this.host.shellRpc(service, JSON.stringify({ entrypoint, method, args }));
    if (!answer) return { status: 404, body: { error: `${service} is not a running Worker whose methods can be called here (a Worker hosting a Durable Object or Workflow restarts rather than swaps, and is not offered)` } };
    const text = scrubSecrets(answer.text, this.entries.get(service)?.worker?.secretValues);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { error: 'the Worker answered something that is not JSON' };
    }
    const failed = answer.status !== 200 || 'thrown' in body || 'error' in body;
    this.traces.add({
      traceId: ids.traceId,
      spanId: ids.spanId,
      service,
      kind: 'server',
      name: `RPC ${entrypoint}.${method}()`,
      start,
      durationMs: Date.now() - start,
      status: failed ? 500 : 200,
      error: failed,
      attributes: { rpc: method, entrypoint, via: 'dashboard explorer' },
    });
    return { status: answer.status === 200 ? 200 : answer.status, body: { ...body, traceId: ids.traceId, durationMs: Date.now() - start } };
  }

  statuses(): ServiceStatus[] {
    const { levels } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    const labels = this.labels();
    return levels.flat().map((s) => ({ ...this.entries.get(s)!.status, hosts: labels.get(s) }));
  }


  /**
   * A client attaches its own service and, in closure mode, the upstream Workers it brings up with it:
   * each becomes (or joins) an entry the client holds; only its own is the client's to print and report ready.
   */
  attach(spec: ServiceSpec, client: HubClient, closure: ServiceSpec[] = []): void {
    if (this.shuttingDown) {
      client.send({ type: 'fatal', message: 'the nx-edge dev hub is shutting down; run the command again in a moment.' });
      return;
    }
    this.cancelIdle();
    for (const held of closure) if (held.service !== spec.service) this.hold(held, client, false);
    this.hold(spec, client, true);
    this.gate.evaluateGates();
  }

  private hold(spec: ServiceSpec, client: HubClient, own: boolean): void {
    const existing = this.entries.get(spec.service);
    if (existing) {
      existing.clients.add(client);
      if (!own) return;
      existing.owners.add(client);
      client.send({ type: 'status', status: { ...existing.status } });
      if (existing.ready) client.send({ type: 'ready', url: existing.status.url ?? '', proxyUrl: this.proxyUrl(spec.service) });
      return;
    }
    const entry: Entry = {
      spec,
      status: { service: spec.service, kind: spec.kind, state: 'pending', restarts: 0, port: spec.port },
      clients: new Set([client]),
      owners: new Set(own ? [client] : []),
      policy: createRestartPolicy({ clock: this.clock }),
      probe: resolveProbe(spec.health, spec.kind, spec.kind === 'worker' || spec.port !== undefined),
      ready: false,
      run: 0,
      workerName: workerNameOf(spec),
    };
    this.entries.set(spec.service, entry);
    this.events.recordState(entry, undefined, 'pending');
    const upstreamOf = (s: string) => this.entries.get(s)?.spec.upstream ?? [];
    const { cycles } = orderServices([...this.entries.keys()], upstreamOf);
    for (const cycle of cycles) {
      if (cycle.includes(spec.service)) this.events.log(spec.service, 'system', `WARN service graph cycle: ${formatCycle(cycle, upstreamOf)} — its members start together without waiting for each other`, 'warn');
    }
    const timeout = this.opts.gateTimeoutMs ?? 60_000;
    entry.gateTimer = this.clock.setTimeout(() => this.gate.gateTimedOut(entry), timeout);
  }

  /**
   * A client whose process is being stopped (Ctrl-C, SIGTERM, SIGHUP): its services stop as on a detach,
   * and it is sent their `stopping`/`stopped` lines and a final `stopped` event before its stream ends.
   */
  leave(client: HubClient): void {
    const services = new Set([...this.entries.values()].filter((e) => e.clients.has(client)).map((e) => e.spec.service));
    this.leaving.set(client, { services, since: this.clock.now() });
    this.detach(client);
  }

  private reportStopped(count: number): void {
    if (this.leaving.size === 0) return;
    const since = Math.min(...[...this.leaving.values()].map((l) => l.since));
    [...this.leaving.keys()].forEach((client, i) => {
      client.send({ type: 'stopped', services: count, ms: this.clock.now() - since, report: i === 0 });
      client.end?.();
    });
    this.leaving.clear();
  }

  detach(client: HubClient): void {
    let orphaned = false;
    for (const entry of this.entries.values()) {
      entry.owners.delete(client);
      if (entry.clients.delete(client) && entry.clients.size === 0) orphaned = true;
    }
    if (!orphaned) return;
    // Clients of one Ctrl-C leave within a few ms of each other: stop them together, in reverse order.
    if (this.detachTimer) this.clock.clearTimeout(this.detachTimer);
    this.detachTimer = this.clock.setTimeout(() => {
      this.detachTimer = undefined;
      void this.stopOrphans();
    }, 150);
  }

  private async stopOrphans(): Promise<void> {
    const orphans = [...this.entries.values()].filter((e) => e.clients.size === 0).map((e) => e.spec.service);
    const remaining = [...this.entries.values()].filter((e) => e.clients.size > 0);
    if (remaining.length === 0) {
      this.scheduleIdle();
      return;
    }
    const count = await this.stopper.stopServices(orphans);
    for (const service of orphans) this.entries.delete(service);
    this.routesChanged();
    this.reportStopped(count);
    await this.starter.dropUnclaimed();
  }

  private scheduleIdle(): void {
    this.cancelIdle();
    this.idleTimer = this.clock.setTimeout(() => {
      if ([...this.entries.values()].every((e) => e.clients.size === 0)) this.opts.onIdle();
    }, this.opts.idleExitMs ?? 500);
  }

  private cancelIdle(): void {
    if (this.idleTimer) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Host labels of every service: the project name made DNS-safe first (the printed one), then aliases. */
  private labels(): Map<string, string[]> {
    return hostLabels([...this.entries.values()].map((e) => ({ service: e.spec.service, workerName: e.worker?.workerName ?? e.workerName })));
  }

  /** The service a `<label>.localhost` Host means: its project name, or any of its unique aliases. */
  private entryForHost(label: string): Entry | undefined {
    const exact = this.entries.get(label);
    if (exact) return exact;
    for (const [service, labels] of this.labels()) if (labels.includes(label)) return this.entries.get(service);
    return undefined;
  }

  proxyUrl(service: string): string {
    return `http://${this.labels().get(service)?.[0] ?? dnsLabel(service)}.localhost:${this.proxy?.port ?? this.opts.proxyPort}`;
  }

  /** Resolves once the service's file watcher sees changes (a save before that is not noticed). */
  async watching(service: string): Promise<void> {
    const entry = this.entries.get(service);
    if (entry) await this.reloads.watching(entry);
  }

  /** The session's service graph, for the dashboard. */
  graph(): ServiceGraph {
    return sessionGraph([...this.entries.values()]);
  }

  /** One service's details, for the dashboard (secret values masked here, never sent). */
  details(service: string): ServiceDetails | undefined {
    const entry = this.entries.get(service);
    if (!entry) return undefined;
    const running = (workerName: string) => [...this.entries.values()].find((e) => e.worker?.workerName === workerName && e.status.state !== 'stopped')?.status.state;
    return serviceDetails(entry, entry.status, { workspaceRoot: this.opts.workspaceRoot, proxyUrl: this.proxyUrl(service), running });
  }

  /**
   * The dashboard's actions, each logged under the service: restart (a Worker rebuilt and reloaded, a
   * command restarted; counted in restarts), reload (rebuild and swap now, as a save does), stop, start.
   */
  action(service: string, action: DashboardAction): { ok: boolean; message: string } {
    const entry = this.entries.get(service);
    if (!entry || this.shuttingDown) return { ok: false, message: `no service "${service}" in this session` };
    const state = entry.status.state;
    const idle = state === 'pending' || state === 'blocked' || state === 'stopping' || state === 'stopped';
    if (action === 'start') {
      if (state !== 'stopped' && state !== 'failed') return { ok: false, message: `${service} is ${state}; only a stopped or failed service can be started` };
      this.events.log(service, 'system', 'start requested from the dashboard');
      entry.policy.healthy();
      void this.starter.startService(entry);
      return { ok: true, message: `starting ${service}` };
    }
    if (idle) return { ok: false, message: `${service} is ${state}; nothing to ${action}` };
    if (action === 'stop') {
      this.events.log(service, 'system', 'stop requested from the dashboard');
      void this.stopper.stopServices([service]);
      return { ok: true, message: `stopping ${service}` };
    }
    if (action === 'restart') {
      this.events.log(service, 'system', 'restart requested from the dashboard');
      this.events.setState(entry, entry.status.state, { restarts: entry.status.restarts + 1 });
      void this.reloads.reload(entry, [], 'the dashboard asked for a restart', true);
      return { ok: true, message: `restarting ${service}` };
    }
    this.events.log(service, 'system', 'reload requested from the dashboard');
    void this.reloads.reload(entry, [], 'the dashboard asked for a reload');
    return { ok: true, message: `reloading ${service}` };
  }

  /** Stops every service in reverse graph order, then the proxy. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.cancelIdle();
      this.starter.stopTimers();
      const count = await this.stopper.stopServices([...this.entries.keys()]);
      await this.host.dispose();
      this.reportStopped(count);
      await this.proxy?.close();
      this.opts.logs.flush();
    })();
    return this.shuttingDown;
  }

  /** Loads Miniflare ahead of the first Worker (see WorkerHost.preload). */
  preload(): void {
    this.host.preload();
  }

  /** See ServiceStarter.prewarm. */
  prewarm(plan: ServiceSpec[]): void {
    this.starter.prewarm(plan);
  }

  /** A line in the merged log under a service's name. */
  log(service: string, stream: 'stdout' | 'stderr' | 'system', line: string, level?: LogRecord['level']): void {
    this.events.log(service, stream, line, level);
  }
}
