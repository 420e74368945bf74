import { join } from 'node:path';
import type { LogRecord, LogStore } from '../../logs/log-store';
import { parseLogLine } from '../../logs/log-line';
import { startDevProxy } from '../../proxy/dev-proxy';
import { UserError } from '../../utils/user-error';
import { orderServices, stopOrder, formatCycle } from '../graph-order';
import { probeOnce, waitUntilHealthy, resolveProbe } from '../health-probe';
import { createRestartPolicy } from '../restart-policy';
import { watchForChanges } from '../debounced-watcher';
import { startChild } from '../process-supervisor';
import { systemClock, type Clock, type HealthProbe, type ServiceSpec, type ServiceState, type ServiceStatus } from '../types';
import { WorkerHost, type HostedWorker } from './worker-host';

/** What the hub streams to an attached client (one JSON object per line). */
export type HubEvent =
  | { type: 'status'; status: ServiceStatus }
  | { type: 'log'; record: LogRecord }
  | { type: 'ready'; url: string; proxyUrl: string }
  | { type: 'fatal'; message: string };

export interface HubClient {
  send(event: HubEvent): void;
}

export interface DevHubOptions {
  workspaceRoot: string;
  proxyPort: number;
  logs: LogStore;
  clock?: Clock;
  /** How long a service waits for its upstream services before failing. */
  gateTimeoutMs?: number;
  /** How often healthy services are probed again. */
  monitorIntervalMs?: number;
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
  child?: ReturnType<typeof startChild>;
  watcher?: { close(): Promise<void> };
  gateTimer?: unknown;
  restartTimer?: unknown;
  abort?: AbortController;
  ready: boolean;
  /** Bumped when the service is (re)started or stopped, so late callbacks of an old run are ignored. */
  run: number;
  worker?: HostedWorker;
}

const TRANSITIONS_TO_LOG: ServiceState[] = ['pending', 'starting', 'healthy', 'unhealthy', 'stopped', 'failed'];

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
  /** The last "Uncaught …" workerd printed for a service, to say why it could not start. */
  private readonly lastLoadError = new Map<string, string>();

  constructor(private readonly opts: DevHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.workerPolicy = createRestartPolicy({ clock: this.clock });
    this.host = new WorkerHost({
      workspaceRoot: opts.workspaceRoot,
      persistRoot: join(opts.workspaceRoot, '.wrangler', 'state', 'v3'),
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
      resolve: (service) => {
        const entry = this.entries.get(service);
        return entry ? { service, state: entry.status.state, url: entry.status.url } : undefined;
      },
      status: () => this.statuses(),
      logs: this.opts.logs,
    });
    this.monitor = setInterval(() => void this.monitorHealth(), this.opts.monitorIntervalMs ?? 2000);
    this.monitor.unref();
  }

  statuses(): ServiceStatus[] {
    const { levels } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    return levels.flat().map((s) => ({ ...this.entries.get(s)!.status }));
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
    await this.stopServices(orphans);
    for (const service of orphans) this.entries.delete(service);
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

  private proxyUrl(service: string): string {
    return `http://${service}.localhost:${this.proxy?.port ?? this.opts.proxyPort}`;
  }

  // ---- states and logs -----------------------------------------------------------------------

  private send(entry: Entry, event: HubEvent): void {
    for (const client of entry.clients) client.send(event);
  }

  private recordState(entry: Entry, from: ServiceState | undefined, to: ServiceState): void {
    const s = entry.status;
    if (!TRANSITIONS_TO_LOG.includes(to)) return;
    const detail = to === 'failed' && s.health ? ` (${s.health})` : to === 'healthy' && s.url ? ` at ${s.url}` : '';
    const record: LogRecord = {
      time: this.clock.now(),
      service: s.service,
      stream: 'system',
      level: to === 'failed' ? 'error' : to === 'unhealthy' ? 'warn' : 'info',
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
    if (to === 'healthy' || to === 'failed' || to === 'stopped') this.evaluateGates();
  }

  log(service: string, stream: 'stdout' | 'stderr' | 'system', line: string, level?: LogRecord['level']): void {
    const record = stream === 'system' ? ({ time: this.clock.now(), service, stream, level: level ?? 'info', message: line } as LogRecord) : parseLogLine(service, stream, line, this.clock.now());
    // The runtime logger names its service by Worker name; show the project's name.
    if (!this.entries.has(record.service)) {
      for (const e of this.entries.values()) if (e.worker?.workerName === record.service) record.service = e.spec.service;
    }
    this.opts.logs.append(record);
    const uncaught = stream !== 'system' ? /\bUncaught (.*)$/.exec(record.message) : null;
    if (uncaught) this.lastLoadError.set(record.service, `Uncaught ${uncaught[1]}`);
    const entry = this.entries.get(record.service);
    if (entry) this.send(entry, { type: 'log', record });
  }

  // ---- gating --------------------------------------------------------------------------------

  private evaluateGates(): void {
    const { cycles } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    const cycleMates = (service: string) => new Set(cycles.filter((c) => c.includes(service)).flat());
    for (const entry of this.entries.values()) {
      if (entry.status.state !== 'pending') continue;
      const mates = cycleMates(entry.spec.service);
      const upstream = entry.spec.upstream.filter((u) => u !== entry.spec.service && !mates.has(u));
      const failed = upstream.map((u) => this.entries.get(u)).find((u) => u?.status.state === 'failed');
      if (failed) {
        this.failGate(entry, `upstream ${failed.spec.service} failed${failed.status.health ? `: ${failed.status.health}` : ''}`);
        continue;
      }
      if (upstream.every((u) => this.entries.get(u)?.status.state === 'healthy')) {
        if (entry.gateTimer) this.clock.clearTimeout(entry.gateTimer);
        entry.gateTimer = undefined;
        void this.startService(entry);
      }
    }
  }

  private gateTimedOut(entry: Entry): void {
    entry.gateTimer = undefined;
    if (entry.status.state !== 'pending') return;
    const waiting = entry.spec.upstream
      .filter((u) => this.entries.get(u)?.status.state !== 'healthy')
      .map((u) => {
        const up = this.entries.get(u);
        if (!up) return `${u} is not running in this dev session (start it: nx run ${u}:dev)`;
        return `${u} is ${up.status.state}${up.status.health ? ` (last probe: ${up.status.health})` : ''}`;
      });
    this.failGate(entry, `upstream not healthy after ${Math.round((this.opts.gateTimeoutMs ?? 60_000) / 1000)} s: ${waiting.join('; ')}`);
  }

  private failGate(entry: Entry, message: string): void {
    if (entry.gateTimer) this.clock.clearTimeout(entry.gateTimer);
    entry.gateTimer = undefined;
    this.setState(entry, 'failed', { health: message });
    this.send(entry, { type: 'fatal', message: `${entry.spec.service} did not start: ${message}` });
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
      this.setState(entry, 'failed', { health: message.split('\n')[0] });
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
      this.refreshWorkerAddresses(this.host.currentUrls());
      return;
    }
    this.warmSpecs.delete(service);
    this.lastLoadError.delete(service);
    this.host.rememberRoot(entry.spec.service, entry.spec.root);
    entry.worker = await this.host.prepare(entry.spec);
    this.host.set(entry.worker);
    let urls: Map<string, string>;
    try {
      urls = await this.host.apply();
    } catch (error) {
      // One broken Worker must not take the others down: run the rest without it.
      this.host.remove(entry.spec.service);
      await this.host.apply().catch(() => undefined);
      // workerd's own reason (e.g. "Uncaught Error: …" at load) beats Miniflare's generic one.
      const reason = this.lastLoadError.get(entry.spec.service) ?? (error as Error).message;
      throw new UserError(`workerd could not start ${entry.spec.service}: ${reason}`);
    }
    this.refreshWorkerAddresses(urls);
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
    const command = entry.spec.command!;
    const run = entry.run;
    const child = startChild({
      command: command.command,
      cwd: command.cwd,
      env: { ...command.env, ...(entry.spec.port !== undefined ? { PORT: String(entry.spec.port) } : {}) },
      onLine: (stream, line) => this.log(entry.spec.service, stream, line),
      onExit: (code, signal) => {
        if (run !== entry.run) return;
        entry.child = undefined;
        this.crashed(entry, code ?? undefined, `exited with ${code !== null ? `code ${code}` : `signal ${signal}`}`);
      },
    });
    entry.child = child;
    entry.status.pid = child.pid;
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
          for (const entry of affected) this.setState(entry, 'failed', { health: `workerd did not restart: ${(error as Error).message}` });
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

  private async reload(entry: Entry, changed: string[]): Promise<void> {
    if (this.entries.get(entry.spec.service) !== entry || this.shuttingDown) return;
    const state = entry.status.state;
    if (state === 'pending' || state === 'stopped') return;
    const started = this.clock.now();
    const what = changed.length === 1 ? changed[0] : `${changed.length} files`;
    if (entry.spec.kind !== 'worker') {
      this.log(entry.spec.service, 'system', `change in ${what}: restarting`);
      const run = ++entry.run;
      await entry.child?.stop();
      entry.child = undefined;
      if (run !== entry.run) return;
      void this.startService(entry);
      return;
    }
    const run = ++entry.run;
    try {
      const prepared = await this.host.prepare(entry.spec);
      if (run !== entry.run) return;
      entry.worker = prepared;
      this.host.set(prepared);
      if (state === 'failed') this.setState(entry, 'starting');
      const urls = await this.host.apply();
      this.refreshWorkerAddresses(urls);
      this.log(entry.spec.service, 'system', `reloaded after a change in ${what} (${this.clock.now() - started} ms)`);
      if (entry.status.state !== 'healthy') await this.waitHealthy(entry, run);
    } catch (error) {
      const message = (error as Error).message;
      this.log(entry.spec.service, 'system', `ERROR reload failed, still serving the previous version: ${message}`, 'error');
      if (state === 'failed' || entry.status.state === 'starting') this.setState(entry, 'failed', { health: message.split('\n')[0] });
    }
  }

  // ---- stopping ------------------------------------------------------------------------------

  private async stopServices(services: string[]): Promise<void> {
    const { levels } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
    const wanted = new Set(services);
    let workersChanged = false;
    for (const service of stopOrder(levels)) {
      if (!wanted.has(service)) continue;
      const entry = this.entries.get(service)!;
      entry.run++;
      entry.abort?.abort();
      if (entry.gateTimer) this.clock.clearTimeout(entry.gateTimer);
      if (entry.restartTimer) this.clock.clearTimeout(entry.restartTimer);
      await entry.watcher?.close();
      entry.watcher = undefined;
      if (entry.child) {
        await entry.child.stop(5000);
        entry.child = undefined;
      }
      if (this.host.remove(service)) workersChanged = true;
      this.setState(entry, 'stopped', { pid: undefined });
    }
    if (workersChanged) await this.host.apply().catch(() => undefined);
  }

  /** Stops every service in reverse graph order, then the proxy. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.cancelIdle();
      if (this.monitor) clearInterval(this.monitor);
      if (this.workerRestartTimer) this.clock.clearTimeout(this.workerRestartTimer);
      const { levels } = orderServices([...this.entries.keys()], (s) => this.entries.get(s)?.spec.upstream ?? []);
      let workerdStopped = false;
      for (const service of stopOrder(levels)) {
        const entry = this.entries.get(service)!;
        entry.run++;
        entry.abort?.abort();
        if (entry.gateTimer) this.clock.clearTimeout(entry.gateTimer);
        if (entry.restartTimer) this.clock.clearTimeout(entry.restartTimer);
        await entry.watcher?.close();
        if (entry.child) await entry.child.stop(5000);
        else if (entry.spec.kind === 'worker' && !workerdStopped) {
          // Workers share one workerd: they stop together, at the place of the first of them in stop order.
          workerdStopped = true;
          await this.host.dispose();
        }
        this.setState(entry, 'stopped', { pid: undefined });
      }
      await this.host.dispose();
      await this.proxy?.close();
      this.opts.logs.flush();
    })();
    return this.shuttingDown;
  }
}
