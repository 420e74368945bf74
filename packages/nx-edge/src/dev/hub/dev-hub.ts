import { join, relative } from 'node:path';
import { localStateRoot } from '../../local/persistence';
import type { LogRecord, LogStore } from '../../logs/log-store';
import { parseLogLine } from '../../logs/log-line';
import { readWranglerConfig, resolveEnvironment } from '../../config/wrangler-config';
import { startDevProxy } from '../../proxy/dev-proxy';
import { dnsLabel, hostLabels } from '../../proxy/host-names';
import { UserError } from '../../utils/user-error';
import { orderServices, stopOrder, formatCycle } from './graph-order';
import { probeOnce, waitUntilHealthy, resolveProbe } from './health-probe';
import { createRestartPolicy } from './restart-policy';
import { watchForChanges } from './debounced-watcher';
import { startChild } from './process-supervisor';
import { systemClock, type Clock } from '../../utils/clock';
import type { HealthProbe, HubClient, HubEvent, ServiceSpec, ServiceState, ServiceStatus } from '../protocol';
import { WorkerHost, type HostedWorker } from './worker-host';

/** What the hub streams to an attached client (one JSON object per line). */

export interface DevHubOptions {
  workspaceRoot: string;
  proxyPort: number;
  logs: LogStore;
  clock?: Clock;
  /** How long a service waits for its upstream services before failing. */
  gateTimeoutMs?: number;
  /** How often healthy services are probed again. */
  monitorIntervalMs?: number;
  /** The process groups of the services' commands changed (recorded so a crashed hub's leftovers can be stopped). */
  onProcessesChanged?(groups: { pgid: number; startedAt: number }[]): void;
  /** Embedded in the dashboard page; required on its actions. */
  dashboardToken?: string;
  /** How long the hub lingers after its last client leaves (a quick re-attach keeps it). */
  idleExitMs?: number;
  onIdle(): void;
}

interface Entry {
  spec: ServiceSpec;
  status: ServiceStatus;
  clients: Set<HubClient>;
  policy: ReturnType<typeof createRestartPolicy>;
  probe?: HealthProbe;
  child?: ReturnType<typeof startChild> & { startedAt: number };
  watcher?: { close(): Promise<void>; ready: Promise<void> };
  gateTimer?: unknown;
  restartTimer?: unknown;
  abort?: AbortController;
  ready: boolean;
  /** Bumped when the service is (re)started or stopped, so late callbacks of an old run are ignored. */
  run: number;
  worker?: HostedWorker;
  /** The wrangler name, read at attach (before the Worker is built), for the proxy's host aliases. */
  workerName?: string;
}

/** An error for a status cell: its first lines joined (esbuild puts the cause on the second), capped. */
const oneLine = (message: string) => {
  const text = message.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ');
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
};

function workerNameOf(spec: ServiceSpec): string | undefined {
  if (spec.kind !== 'worker') return undefined;
  try {
    return resolveEnvironment(readWranglerConfig(spec.worker.configPath).config, spec.worker.environment).name;
  } catch {
    return undefined; // its start reports the config error
  }
}

/** The name the hub's own log lines carry (refused requests, dropped followers). */
export const HUB_LOG_NAME = 'nx-edge';

const TRANSITIONS_TO_LOG: ServiceState[] = ['pending', 'blocked', 'starting', 'healthy', 'unhealthy', 'stopping', 'stopped', 'failed'];

/**
 * The per-workspace dev hub: hosts every Worker of the session in one workerd, supervises non-Worker
 * services, gates starts on upstream health, restarts with backoff, reloads on change, serves the
 * proxy + dashboard, and merges logs. Clients (Nx dev/service tasks) attach; when the last leaves,
 * everything stops in reverse graph order.
 */
export class DevHub {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly host: WorkerHost;
  private readonly workerPolicy: ReturnType<typeof createRestartPolicy>;
  private proxy: { port: number; close(): Promise<void> } | undefined;
  private monitor: NodeJS.Timeout | undefined;
  private idleTimer: unknown;
  private detachTimer: unknown;
  private shuttingDown: Promise<void> | undefined;
  private workerRestartTimer: unknown;
  /** Workers being bundled and started ahead of their tasks' attach (see prewarm), by service. */
  private readonly warming = new Map<string, Promise<void>>();
  /** The spec each prewarmed Worker was started from: an attach with a different one starts afresh. */
  private readonly warmSpecs = new Map<string, string>();
  /** Clients that asked to leave (their process is stopping): told what was stopped, then let go. */
  private readonly leaving = new Map<HubClient, { services: Set<string>; since: number }>();
  /** The last "Uncaught …" workerd printed for a service, to say why it could not start. */
  private readonly lastLoadError = new Map<string, string>();

  constructor(private readonly opts: DevHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.workerPolicy = createRestartPolicy({ clock: this.clock });
    this.host = new WorkerHost({
      workspaceRoot: opts.workspaceRoot,
      persistRoot: localStateRoot(opts.workspaceRoot),
      onLine: (service, stream, line) => this.log(service, stream, line),
      onRuntimeExit: (pid) => this.onWorkerdExit(pid),
    });
  }

  get proxyPort(): number | undefined {
    return this.proxy?.port;
  }

  async start(): Promise<void> {
    this.proxy = await startDevProxy({
      port: this.opts.proxyPort,
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
        };
      },
      status: () => this.statuses(),
      logs: this.opts.logs,
      dashboardToken: this.opts.dashboardToken,
      restart: (service) => this.restart(service),
      note: (level, message) => this.log(HUB_LOG_NAME, 'system', level === 'warn' ? `WARN ${message}` : message, level),
    });
    this.monitor = setInterval(() => void this.monitorHealth(), this.opts.monitorIntervalMs ?? 2000);
    this.monitor.unref();
  }

  statuses(): ServiceStatus[] {
    const { levels } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    const labels = this.labels();
    return levels.flat().map((s) => ({ ...this.entries.get(s)!.status, hosts: labels.get(s) }));
  }

  // ---- clients -------------------------------------------------------------------------------

  /**
   * Bundles every Worker of an Nx run in parallel and starts them in workerd with ONE (re)start,
   * instead of one restart per arriving task. Gating still decides when each Worker is `starting`,
   * probed and routed by the proxy; only loading its code into workerd happens ahead of that.
   */
  prewarm(plan: ServiceSpec[]): void {
    if (this.shuttingDown) return;
    const fresh = plan.filter((s) => s.kind === 'worker' && !this.entries.has(s.service) && !this.host.has(s.service) && !this.warming.has(s.service));
    if (fresh.length === 0) return;
    const batch = (async () => {
      const bundles = fresh.map((spec) => {
        this.host.rememberRoot(spec.service, spec.root);
        return this.host.prepare(spec);
      });
      this.host.preload(); // while esbuild works
      const prepared = await Promise.allSettled(bundles);
      const added: string[] = [];
      prepared.forEach((result, i) => {
        if (result.status !== 'fulfilled' || this.entries.get(fresh[i].service)?.worker) return; // its own start reports the error
        try {
          this.host.set(result.value);
          this.warmSpecs.set(fresh[i].service, JSON.stringify(fresh[i]));
          added.push(fresh[i].service);
        } catch {
          // duplicate Worker name: its own start reports it
        }
      });
      if (added.length === 0) return;
      await this.exclusive(async () => {
        try {
          this.refreshWorkerAddresses(await this.host.apply());
        } catch {
          // One of them does not start: each starts on its own when it attaches, and names its error.
          for (const service of added) {
            this.host.remove(service);
            this.warmSpecs.delete(service);
          }
          await this.host.apply().catch(() => undefined);
        }
      });
    })().catch(() => undefined);
    for (const spec of fresh) this.warming.set(spec.service, batch);
    void batch.then(() => {
      for (const spec of fresh) if (this.warming.get(spec.service) === batch) this.warming.delete(spec.service);
    });
  }

  attach(spec: ServiceSpec, client: HubClient): void {
    if (this.shuttingDown) {
      client.send({ type: 'fatal', message: 'the nx-edge dev hub is shutting down; run the command again in a moment.' });
      return;
    }
    this.cancelIdle();
    const existing = this.entries.get(spec.service);
    if (existing) {
      existing.clients.add(client);
      client.send({ type: 'status', status: { ...existing.status } });
      if (existing.ready) client.send({ type: 'ready', url: existing.status.url ?? '', proxyUrl: this.proxyUrl(spec.service) });
      return;
    }
    const entry: Entry = {
      spec,
      status: { service: spec.service, kind: spec.kind, state: 'pending', restarts: 0, port: spec.port },
      clients: new Set([client]),
      policy: createRestartPolicy({ clock: this.clock }),
      probe: resolveProbe(spec.health, spec.kind, spec.kind === 'worker' || spec.port !== undefined),
      ready: false,
      run: 0,
      workerName: workerNameOf(spec),
    };
    this.entries.set(spec.service, entry);
    this.recordState(entry, undefined, 'pending');
    const { cycles } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    for (const cycle of cycles) {
      if (cycle.includes(spec.service)) this.log(spec.service, 'system', `WARN service graph cycle: ${formatCycle(cycle)} — its members start together without waiting for each other`, 'warn');
    }
    const timeout = this.opts.gateTimeoutMs ?? 60_000;
    entry.gateTimer = this.clock.setTimeout(() => this.gateTimedOut(entry), timeout);
    this.evaluateGates();
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
    const count = await this.stopServices(orphans);
    for (const service of orphans) this.entries.delete(service);
    this.reportStopped(count);
    // Prewarmed Workers whose tasks never attached (their Nx run ended) go too.
    const unclaimed = this.host.hosted().filter((w) => !this.entries.has(w.service) && !this.warming.has(w.service));
    if (unclaimed.length) {
      for (const w of unclaimed) {
        this.host.remove(w.service);
        this.warmSpecs.delete(w.service);
      }
      await this.host.apply().catch(() => undefined);
    }
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

  private proxyUrl(service: string): string {
    return `http://${this.labels().get(service)?.[0] ?? dnsLabel(service)}.localhost:${this.proxy?.port ?? this.opts.proxyPort}`;
  }

  /** Resolves once the service's file watcher sees changes (a save before that is not noticed). */
  async watching(service: string): Promise<void> {
    await this.entries.get(service)?.watcher?.ready;
  }

  /** The dashboard's restart action: a Worker is rebuilt and reloaded, a command restarted. */
  restart(service: string): boolean {
    const entry = this.entries.get(service);
    if (!entry || this.shuttingDown) return false;
    const state = entry.status.state;
    if (state === 'pending' || state === 'blocked' || state === 'stopping' || state === 'stopped') return false;
    this.log(service, 'system', 'restart requested from the dashboard');
    void this.reload(entry, [], 'the dashboard asked');
    return true;
  }

  private reportProcesses(): void {
    const groups = [...this.entries.values()].flatMap((e) => (e.child?.pid ? [{ pgid: e.child.pid, startedAt: e.child.startedAt }] : []));
    this.opts.onProcessesChanged?.(groups);
  }

  // ---- states and logs -----------------------------------------------------------------------

  private send(entry: Entry, event: HubEvent): void {
    for (const client of entry.clients) client.send(event);
    for (const [client, { services }] of this.leaving) if (services.has(entry.spec.service)) client.send(event);
  }

  private recordState(entry: Entry, from: ServiceState | undefined, to: ServiceState): void {
    const s = entry.status;
    if (!TRANSITIONS_TO_LOG.includes(to)) return;
    const detail = (to === 'failed' || to === 'blocked') && s.health ? ` (${s.health})` : to === 'healthy' && s.url ? ` at ${s.url}` : '';
    const record: LogRecord = {
      time: this.clock.now(),
      service: s.service,
      stream: 'system',
      level: to === 'failed' ? 'error' : to === 'unhealthy' || to === 'blocked' ? 'warn' : 'info',
      message: `state ${from ?? 'new'} -> ${to}${detail}`,
      fields: { event: 'state', from: from ?? null, to, pid: s.pid ?? null, port: s.port ?? null, restarts: s.restarts },
    };
    this.opts.logs.append(record);
    this.send(entry, { type: 'log', record });
    this.send(entry, { type: 'status', status: { ...s } });
  }

  private setState(entry: Entry, to: ServiceState, patch: Partial<ServiceStatus> = {}): void {
    const from = entry.status.state;
    Object.assign(entry.status, patch);
    if (from === to) {
      this.send(entry, { type: 'status', status: { ...entry.status } });
      return;
    }
    entry.status.state = to;
    if (to === 'starting') entry.status.startedAt = undefined;
    if (to === 'healthy' && from !== 'unhealthy') entry.status.startedAt = this.clock.now();
    this.recordState(entry, from, to);
    if (to === 'healthy') {
      entry.policy.healthy();
      if (entry.spec.kind === 'worker') this.workerPolicy.healthy();
      if (!entry.ready) {
        entry.ready = true;
        this.send(entry, { type: 'ready', url: entry.status.url ?? '', proxyUrl: this.proxyUrl(entry.spec.service) });
      }
    }
    if (to === 'healthy' || to === 'failed' || to === 'blocked' || to === 'stopped') this.evaluateGates();
  }

  log(service: string, stream: 'stdout' | 'stderr' | 'system', line: string, level?: LogRecord['level']): void {
    const record = stream === 'system' ? ({ time: this.clock.now(), service, stream, level: level ?? 'info', message: line } as LogRecord) : parseLogLine(service, stream, line, this.clock.now());
    // The runtime logger names its service by Worker name; show the project's name.
    if (!this.entries.has(record.service)) {
      for (const e of this.entries.values()) if (e.worker?.workerName === record.service) record.service = e.spec.service;
    }
    const uncaught = stream !== 'system' ? /\bUncaught (.*)$/.exec(record.message) : null;
    if (uncaught) {
      // workerd's own report of a Worker that throws (at load or in a handler): an error, whatever stream.
      record.level = 'error';
      this.lastLoadError.set(record.service, `Uncaught ${uncaught[1]}`);
    }
    this.opts.logs.append(record);
    const entry = this.entries.get(record.service);
    if (entry) this.send(entry, { type: 'log', record });
  }

  // ---- gating --------------------------------------------------------------------------------

  private evaluateGates(): void {
    const { cycles } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    const cycleMates = (service: string) => new Set(cycles.filter((c) => c.includes(service)).flat());
    for (const entry of this.entries.values()) {
      if (entry.status.state !== 'pending' && entry.status.state !== 'blocked') continue;
      const mates = cycleMates(entry.spec.service);
      const upstream = entry.spec.upstream.filter((u) => u !== entry.spec.service && !mates.has(u));
      if (upstream.every((u) => this.entries.get(u)?.status.state === 'healthy')) {
        if (entry.gateTimer) this.clock.clearTimeout(entry.gateTimer);
        entry.gateTimer = undefined;
        void this.startService(entry);
        continue;
      }
      // An upstream that failed (or is itself blocked) blocks this one until it is healthy again;
      // nothing else is stopped, and this one starts by itself once the upstream recovers.
      const broken = upstream.map((u) => this.entries.get(u)).find((u) => u?.status.state === 'failed' || u?.status.state === 'blocked');
      if (broken) this.block(entry, this.describeUpstream(broken.spec.service));
    }
  }

  private describeUpstream(service: string): string {
    const up = this.entries.get(service);
    if (!up) return `waiting for ${service}, which is not running in this dev session (start it: nx run ${service}:dev)`;
    return `waiting for ${service} (${up.status.state}${up.status.health ? `: ${up.status.health}` : ''})`;
  }

  private block(entry: Entry, reason: string): void {
    if (entry.status.state === 'blocked' && entry.status.health === reason) return;
    if (entry.status.state === 'blocked') {
      entry.status.health = reason;
      this.send(entry, { type: 'status', status: { ...entry.status } });
      return;
    }
    this.setState(entry, 'blocked', { health: reason });
  }

  private gateTimedOut(entry: Entry): void {
    entry.gateTimer = undefined;
    if (entry.status.state !== 'pending' && entry.status.state !== 'blocked') return;
    const waiting = entry.spec.upstream.filter((u) => this.entries.get(u)?.status.state !== 'healthy').map((u) => this.describeUpstream(u));
    // Still waiting, not failed: an upstream that comes later (or recovers) starts this one.
    this.block(entry, `${waiting.join('; ')} — not healthy after ${Math.round((this.opts.gateTimeoutMs ?? 60_000) / 1000)} s`);
    this.log(entry.spec.service, 'system', `WARN ${entry.spec.service} is blocked: ${entry.status.health}`, 'warn');
  }

  // ---- starting, probing, restarting ----------------------------------------------------------

  private async startService(entry: Entry): Promise<void> {
    const run = ++entry.run;
    this.setState(entry, 'starting');
    try {
      if (entry.spec.kind === 'worker') await this.startWorker(entry);
      else this.startCommand(entry);
    } catch (error) {
      if (run !== entry.run) return;
      const message = error instanceof UserError ? error.message : String((error as Error)?.message ?? error);
      this.log(entry.spec.service, 'system', `ERROR ${message}`, 'error');
      this.setState(entry, 'failed', { health: oneLine(message) });
      this.ensureWatcher(entry);
      return;
    }
    if (run !== entry.run) return;
    this.ensureWatcher(entry);
    await this.waitHealthy(entry, run);
  }

  private async startWorker(entry: Entry): Promise<void> {
    const service = entry.spec.service;
    await this.warming.get(service);
    const warm = this.host.get(service);
    if (warm && this.warmSpecs.get(service) === JSON.stringify(entry.spec)) {
      this.warmSpecs.delete(service);
      entry.worker = warm;
      this.noteRemoteOnly(entry);
      this.refreshWorkerAddresses(this.host.currentUrls());
      return;
    }
    this.warmSpecs.delete(service);
    this.lastLoadError.delete(service);
    this.host.rememberRoot(entry.spec.service, entry.spec.root);
    const worker = await this.host.prepare(entry.spec);
    entry.worker = worker;
    this.noteRemoteOnly(entry);
    // One at a time, so that a set workerd refuses is this Worker's fault, not a sibling's added meanwhile.
    const urls = await this.exclusive(async () => {
      this.host.set(worker);
      try {
        return await this.host.apply();
      } catch (error) {
        // One broken Worker must not take the others down: run the rest without it.
        this.host.remove(entry.spec.service);
        await this.host.apply().catch(() => undefined);
        // workerd's own reason (e.g. "Uncaught Error: …" at load) beats Miniflare's generic one.
        const reason = this.lastLoadError.get(entry.spec.service) ?? (error as Error).message;
        throw new UserError(`workerd could not start ${entry.spec.service}: ${reason}`);
      }
    });
    this.refreshWorkerAddresses(urls);
  }

  /** Changes to workerd's set of Workers (set, apply, undo) happen one after another. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.workerdTurn.then(work);
    this.workerdTurn = run.catch(() => undefined);
    return run;
  }
  private workerdTurn: Promise<unknown> = Promise.resolve();

  /** Says once which bindings are remote-only (status, dashboard, one log line). */
  private noteRemoteOnly(entry: Entry): void {
    const remote = entry.worker?.remoteOnly ?? [];
    const listed = remote.map((b) => `${b.binding} (${b.kind})`);
    if (JSON.stringify(entry.status.remoteOnly ?? []) === JSON.stringify(listed)) return;
    entry.status.remoteOnly = listed.length ? listed : undefined;
    if (listed.length) this.log(entry.spec.service, 'system', `WARN remote-only, not bound locally: ${listed.join(', ')} — a call to one fails with a message naming it`, 'warn');
  }

  private refreshWorkerAddresses(urls: Map<string, string>): void {
    for (const [service, url] of urls) {
      const e = this.entries.get(service);
      if (!e) continue;
      e.status.url = url;
      e.status.port = Number(new URL(url).port);
      e.status.pid = this.host.pid;
    }
  }

  private startCommand(entry: Entry): void {
    if (entry.spec.kind !== 'service') return;
    const command = entry.spec.command;
    const run = entry.run;
    const child = startChild({
      command: command.command,
      cwd: command.cwd,
      env: { ...command.env, ...(entry.spec.port !== undefined ? { PORT: String(entry.spec.port) } : {}) },
      onLine: (stream, line) => this.log(entry.spec.service, stream, line),
      onExit: (code, signal) => {
        if (run !== entry.run) return;
        entry.child = undefined;
        this.reportProcesses();
        this.crashed(entry, code ?? undefined, `exited with ${code !== null ? `code ${code}` : `signal ${signal}`}`);
      },
    });
    // Wall-clock, not the injected clock: compared with /proc start times by stopLeftovers().
    entry.child = { ...child, startedAt: Date.now() - 1000 };
    entry.status.pid = child.pid;
    this.reportProcesses();
    if (entry.spec.port !== undefined) entry.status.url = `http://127.0.0.1:${entry.spec.port}`;
  }

  private async waitHealthy(entry: Entry, run: number): Promise<void> {
    entry.abort?.abort();
    const abort = new AbortController();
    entry.abort = abort;
    const target = { host: '127.0.0.1', port: entry.status.port ?? 0 };
    if (!entry.probe || entry.status.port === undefined) {
      // Nothing to probe: healthy once it has stayed up briefly.
      await new Promise((r) => this.clock.setTimeout(() => r(undefined), 500));
      if (run === entry.run && entry.status.state === 'starting') this.setState(entry, 'healthy', { health: 'running (no probe configured)' });
      return;
    }
    try {
      const result = await waitUntilHealthy(target, entry.probe, {
        clock: this.clock,
        signal: abort.signal,
        onAttempt: (r) => {
          if (run === entry.run) entry.status.health = r.observation;
        },
      });
      if (run === entry.run && entry.status.state === 'starting') this.setState(entry, 'healthy', { health: result.observation });
    } catch (error) {
      if (run !== entry.run || abort.signal.aborted) return;
      this.setState(entry, 'unhealthy', { health: (error as Error).message });
    }
  }

  private async monitorHealth(): Promise<void> {
    for (const entry of this.entries.values()) {
      const { state, port } = entry.status;
      if ((state !== 'healthy' && state !== 'unhealthy') || !entry.probe || port === undefined) continue;
      // workerd restarting to add or reload a Worker is not a health problem.
      if (entry.spec.kind === 'worker' && this.host.busy) continue;
      const run = entry.run;
      const result = await probeOnce({ host: '127.0.0.1', port }, entry.probe);
      if (run !== entry.run || (entry.spec.kind === 'worker' && this.host.busy)) continue;
      entry.status.health = result.observation;
      if (result.ok && entry.status.state === 'unhealthy') this.setState(entry, 'healthy');
      else if (!result.ok && entry.status.state === 'healthy') this.setState(entry, 'unhealthy');
    }
  }

  private crashed(entry: Entry, exitCode: number | undefined, why: string): void {
    entry.run++;
    entry.abort?.abort();
    const delay = entry.policy.exited();
    entry.status.restarts = entry.policy.restarts;
    this.setState(entry, 'failed', { exitCode, health: `${why}; restarting in ${Math.round(delay / 100) / 10} s`, pid: undefined });
    entry.restartTimer = this.clock.setTimeout(() => {
      entry.restartTimer = undefined;
      if (this.entries.get(entry.spec.service) === entry && !this.shuttingDown) void this.startService(entry);
    }, delay);
  }

  private onWorkerdExit(pid: number): void {
    if (this.shuttingDown) return;
    const delay = this.workerPolicy.exited();
    const affected = [...this.entries.values()].filter((e) => e.spec.kind === 'worker' && this.host.has(e.spec.service));
    for (const entry of affected) {
      entry.run++;
      entry.abort?.abort();
      entry.status.restarts++;
      this.setState(entry, 'failed', { health: `workerd (pid ${pid}) exited; restarting in ${Math.round(delay / 100) / 10} s`, pid: undefined });
    }
    if (this.workerRestartTimer) this.clock.clearTimeout(this.workerRestartTimer);
    this.workerRestartTimer = this.clock.setTimeout(() => {
      this.workerRestartTimer = undefined;
      if (this.shuttingDown) return;
      const runs = affected.map((entry) => {
        entry.run++;
        this.setState(entry, 'starting');
        return entry.run;
      });
      this.host
        .apply()
        .then((urls) => {
          this.refreshWorkerAddresses(urls);
          affected.forEach((entry, i) => void this.waitHealthy(entry, runs[i]));
        })
        .catch((error) => {
          for (const entry of affected) this.log(entry.spec.service, 'system', `ERROR workerd did not restart: ${(error as Error).message}`, 'error');
          // Try again on the backoff schedule rather than leaving every Worker down for good.
          this.onWorkerdExit(pid);
        });
    }, delay);
  }

  // ---- reloads -------------------------------------------------------------------------------

  private ensureWatcher(entry: Entry): void {
    if (entry.watcher || entry.spec.watch.length === 0) return;
    entry.watcher = watchForChanges({
      paths: entry.spec.watch,
      onChange: (changed) => void this.reload(entry, changed),
    });
  }

  private async reload(entry: Entry, changed: string[], why?: string): Promise<void> {
    if (this.entries.get(entry.spec.service) !== entry || this.shuttingDown) return;
    const state = entry.status.state;
    if (state === 'pending' || state === 'blocked' || state === 'stopping' || state === 'stopped') return;
    const started = this.clock.now();
    const what = why ?? `a change in ${changed.length === 1 ? relative(this.opts.workspaceRoot, changed[0]) : `${changed.length} files`}`;
    if (entry.spec.kind !== 'worker') {
      this.log(entry.spec.service, 'system', `${what}: restarting`);
      const run = ++entry.run;
      await entry.child?.stop();
      entry.child = undefined;
      if (run !== entry.run) return;
      void this.startService(entry);
      return;
    }
    const run = ++entry.run;
    let prepared: HostedWorker;
    try {
      prepared = await this.host.prepare(entry.spec);
    } catch (error) {
      // A bundle or config error never reaches workerd: whatever ran before still runs.
      this.reloadFailed(entry, state, (error as Error).message, this.host.has(entry.spec.service));
      return;
    }
    if (run !== entry.run) return;
    // A save that changed nothing workerd would run (a touched file, a file esbuild does not bundle):
    // no restart, no log line.
    const previousVersion = this.host.get(entry.spec.service);
    if (!why && state === 'healthy' && previousVersion && sameWorker(previousVersion, prepared)) return;
    this.lastLoadError.delete(entry.spec.service);
    // The proxy holds requests to every Worker until the swap (and any restore) is over.
    await this.exclusive(() => {
      if (run !== entry.run) return Promise.resolve(); // a newer save (or a stop) took over
      const previous = this.host.get(entry.spec.service);
      return this.host.during(() => this.swap(entry, prepared, previous, state, run, what, started));
    });
  }

  private async swap(entry: Entry, prepared: HostedWorker, previous: HostedWorker | undefined, state: ServiceState, run: number, what: string, started: number): Promise<void> {
    this.host.set(prepared);
    if (state === 'failed') this.setState(entry, 'starting');
    try {
      const urls = await this.host.apply();
      entry.worker = prepared;
      this.noteRemoteOnly(entry);
      this.refreshWorkerAddresses(urls);
      this.log(entry.spec.service, 'system', `reloaded after ${what} (${this.clock.now() - started} ms)`);
      if (entry.status.state !== 'healthy') void this.waitHealthy(entry, run);
    } catch (error) {
      // workerd refused the new set (e.g. the Worker throws at load): put the last good version back
      // (or leave this Worker out) so every other Worker keeps serving; the next save tries again.
      const reason = this.lastLoadError.get(entry.spec.service) ?? (error as Error).message;
      if (previous) this.host.set(previous);
      else this.host.remove(entry.spec.service);
      let restored = true;
      try {
        this.refreshWorkerAddresses(await this.host.apply());
      } catch (restoreError) {
        restored = false;
        this.log(entry.spec.service, 'system', `ERROR workerd did not come back after the failed reload: ${(restoreError as Error).message}`, 'error');
        this.onWorkerdExit(this.host.pid ?? 0);
      }
      this.reloadFailed(entry, state, reason, restored && previous !== undefined);
    }
  }

  /** Says what is true after a reload that did not take: the previous version serves, or nothing does. */
  private reloadFailed(entry: Entry, stateBefore: ServiceState, reason: string, previousServes: boolean): void {
    const firstLine = oneLine(reason);
    if (previousServes && stateBefore !== 'failed') {
      this.log(entry.spec.service, 'system', `ERROR reload failed, still serving the previous version (fix and save to retry): ${reason}`, 'error');
      if (entry.status.state === 'starting') this.setState(entry, 'healthy');
      return;
    }
    this.log(entry.spec.service, 'system', `ERROR reload failed (fix and save to retry): ${reason}`, 'error');
    this.setState(entry, 'failed', { health: firstLine, pid: undefined });
  }

  // ---- stopping ------------------------------------------------------------------------------

  /**
   * Stops services dependents first, each `stopping` → `stopped`. Workers share one workerd: a Worker is
   * taken out of it on its turn, and workerd is stopped outright once no service still running needs
   * any of the remaining Workers. Resolves with how many were stopped.
   */
  private async stopServices(services: string[]): Promise<number> {
    const { levels } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    const wanted = new Set(services);
    const order = stopOrder(levels).filter((s) => wanted.has(s));
    const remaining = new Set(order);
    let stopped = 0;
    let workersChanged = false;
    for (const service of order) {
      const entry = this.entries.get(service)!;
      remaining.delete(service);
      entry.run++;
      entry.abort?.abort();
      if (entry.gateTimer) this.clock.clearTimeout(entry.gateTimer);
      if (entry.restartTimer) this.clock.clearTimeout(entry.restartTimer);
      entry.gateTimer = entry.restartTimer = undefined;
      const wasRunning = entry.status.state !== 'stopped';
      if (wasRunning) this.setState(entry, 'stopping');
      await entry.watcher?.close();
      entry.watcher = undefined;
      if (entry.child) {
        await entry.child.stop(5000);
        entry.child = undefined;
        this.reportProcesses();
      }
      if (this.host.remove(service)) {
        workersChanged = true;
        // Still-running services (not being stopped now) or later ones in this stop may call the
        // Workers left in workerd; only when none does can workerd go at once.
        const stillNeeded = this.host.hosted().some((w) => [...this.entries.values()].some((e) => e.spec.kind !== 'worker' && e.status.state !== 'stopped' && e.spec.service !== service && e.spec.upstream.includes(w.service)));
        if (!stillNeeded && this.host.hosted().every((w) => remaining.has(w.service))) {
          await this.host.stopRuntime();
          workersChanged = false;
        } else {
          await this.host.apply().catch(() => undefined);
          workersChanged = false;
        }
      }
      if (wasRunning) {
        this.setState(entry, 'stopped', { pid: undefined });
        stopped++;
      }
    }
    if (workersChanged) await this.host.apply().catch(() => undefined);
    return stopped;
  }

  /** Stops every service in reverse graph order, then the proxy. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.cancelIdle();
      if (this.monitor) clearInterval(this.monitor);
      if (this.workerRestartTimer) this.clock.clearTimeout(this.workerRestartTimer);
      const count = await this.stopServices([...this.entries.keys()]);
      await this.host.dispose();
      this.reportStopped(count);
      await this.proxy?.close();
      this.opts.logs.flush();
    })();
    return this.shuttingDown;
  }
}

/** Whether workerd would run exactly the same Worker (code, bindings, vars, port). */
function sameWorker(a: HostedWorker, b: HostedWorker): boolean {
  return a.workerName === b.workerName && JSON.stringify(a.options) === JSON.stringify(b.options);
}
