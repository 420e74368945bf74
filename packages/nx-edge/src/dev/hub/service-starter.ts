import { UserError } from '../../utils/user-error';
import { inertText } from '../../logs/inert-text';
import type { ServiceSpec } from '../protocol';
import { oneLine, type Entry } from './entry';
import { probeOnce, waitUntilHealthy } from './health-probe';
import { startChild } from './process-supervisor';
import type { HostedWorker } from './worker-host';
import type { HubParts } from './hub-parts';

/** How long the hub waits after a task's hand-over for its run's other tasks, to start them all at once. */
export const WARM_SETTLE_MS = 40;

/** Starting, probing and restarting: Workers in the one workerd (prewarmed per Nx run), commands as child processes. */
export class ServiceStarter {
  constructor(private readonly hub: Pick<HubParts, 'clock' | 'entries' | 'events' | 'host' | 'lastLoadError' | 'opts' | 'reloads' | 'routesChanged' | 'shuttingDown' | 'workerPolicy'>) {}

  private monitorTimer: unknown;
  private monitoring = false;

  /** Probes healthy services again every `intervalMs`, on the hub's clock (one round at a time). */
  startMonitor(intervalMs: number): void {
    this.monitoring = true;
    const next = () => {
      if (!this.monitoring) return;
      this.monitorTimer = this.hub.clock.setTimeout(() => {
        void this.monitorHealth().finally(next);
      }, intervalMs);
      // A real timer must not keep the hub process alive on its own.
      (this.monitorTimer as { unref?: () => void } | undefined)?.unref?.();
    };
    next();
  }

  stopTimers(): void {
    this.monitoring = false;
    if (this.monitorTimer) this.hub.clock.clearTimeout(this.monitorTimer);
    if (this.workerRestartTimer) this.hub.clock.clearTimeout(this.workerRestartTimer);
  }

  /** Prewarmed Workers whose tasks never attached (their Nx run ended) leave workerd. */
  async dropUnclaimed(): Promise<void> {
    const unclaimed = this.hub.host.hosted().filter((w) => !this.hub.entries.has(w.service) && !this.warming.has(w.service));
    if (unclaimed.length === 0) return;
    for (const w of unclaimed) {
      this.hub.host.remove(w.service);
      this.warmSpecs.delete(w.service);
    }
    this.refreshWorkerAddresses(await this.hub.host.apply().catch(() => new Map<string, string>()));
  }

  /**
   * Bundles every Worker of an Nx run in parallel and starts them in workerd with ONE (re)start,
   * instead of one restart per arriving task. Each task hands over the Workers it knows of (its
   * run's, or its upstream closure); what arrives within WARM_SETTLE_MS of the last hand-over is
   * started together. Gating still decides when each Worker is `starting`, probed and routed by the
   * proxy; only loading its code into workerd happens ahead of that.
   */
  prewarm(plan: ServiceSpec[]): void {
    if (this.hub.shuttingDown) return;
    const handed = [...new Map(plan.map((s) => [s.service, s])).values()]; // a task's plan and closure overlap
    const fresh = handed.filter((s) => s.kind === 'worker' && !this.hub.entries.has(s.service) && !this.hub.host.has(s.service) && !this.warming.has(s.service));
    if (fresh.length === 0) return;
    if (!this.round) {
      let settle!: () => void;
      const done = new Promise<void>((resolve) => (settle = resolve));
      this.round = { specs: [], bundles: [], done, settle, timer: undefined };
      this.bundlingRounds++;
    }
    const round = this.round;
    for (const spec of fresh) {
      this.hub.host.rememberRoot(spec.service, spec.root);
      round.specs.push(spec);
      // Bundling starts at once (esbuild works in its own process); only the workerd start waits.
      const bundle = this.hub.host.prepare(spec);
      // A bundle that fails before the round starts is its own start's to report, not an unhandled rejection.
      bundle.catch(() => undefined);
      round.bundles.push(bundle);
      this.warming.set(spec.service, round.done);
    }
    this.hub.host.preload(); // while esbuild works
    if (round.timer) this.hub.clock.clearTimeout(round.timer);
    round.timer = this.hub.clock.setTimeout(() => void this.startRound(round), WARM_SETTLE_MS);
  }

  private round: { specs: ServiceSpec[]; bundles: Promise<HostedWorker>[]; done: Promise<void>; settle(): void; timer: unknown } | undefined;

  /** Rounds handed over but not bundled yet; Workers bundled and set but not yet in workerd, and who waits for them. */
  private bundlingRounds = 0;
  private warmAdded: string[] = [];
  private warmWaiters: (() => void)[] = [];

  private async startRound(round: NonNullable<ServiceStarter['round']>): Promise<void> {
    if (this.round === round) this.round = undefined;
    const { specs } = round;
    try {
      const prepared = await Promise.allSettled(round.bundles).finally(() => this.bundlingRounds--);
      prepared.forEach((result, i) => {
        if (result.status !== 'fulfilled' || this.hub.entries.get(specs[i].service)?.worker || this.hub.shuttingDown) return; // its own start reports the error
        try {
          this.hub.host.set(result.value);
          this.warmSpecs.set(specs[i].service, JSON.stringify(specs[i]));
          this.warmAdded.push(specs[i].service);
        } catch {
          // duplicate Worker name: its own start reports it
        }
      });
      // Tasks of a big run keep arriving while the first round bundles (a hub busy loading Miniflare
      // reads them late): the last round still bundling starts them all, in one workerd start.
      if (this.bundlingRounds > 0 || this.round) await new Promise<void>((resolve) => this.warmWaiters.push(resolve));
      else await this.applyWarm();
    } catch {
      // each Worker's own start reports what went wrong
    } finally {
      for (const spec of specs) if (this.warming.get(spec.service) === round.done) this.warming.delete(spec.service);
      round.settle();
    }
  }

  private async applyWarm(): Promise<void> {
    const added = this.warmAdded.splice(0);
    const waiters = this.warmWaiters.splice(0);
    try {
      if (added.length === 0) return;
      await this.exclusive(async () => {
        try {
          this.refreshWorkerAddresses(await this.hub.host.apply());
        } catch {
          // One of them does not start: each starts on its own when it attaches, and names its error.
          for (const service of added) {
            this.hub.host.remove(service);
            this.warmSpecs.delete(service);
          }
          this.refreshWorkerAddresses(await this.hub.host.apply().catch(() => new Map<string, string>()));
        }
      });
    } finally {
      for (const waiter of waiters) waiter();
    }
  }

  async startService(entry: Entry): Promise<void> {
    const run = ++entry.run;
    entry.restartAsked = false; // a start is a fresh workerd set
    this.hub.events.setState(entry, 'starting');
    try {
      if (entry.spec.kind === 'worker') await this.startWorker(entry);
      else this.startCommand(entry);
    } catch (error) {
      if (run !== entry.run) return;
      const message = error instanceof UserError ? error.message : String((error as Error)?.message ?? error);
      this.hub.events.log(entry.spec.service, 'system', `ERROR ${message}`, 'error');
      this.hub.events.setState(entry, 'failed', { health: oneLine(message) });
      this.hub.reloads.ensureWatcher(entry);
      return;
    }
    if (run !== entry.run) return;
    this.hub.reloads.watchSoon(entry);
    await this.waitHealthy(entry, run);
  }

  async startWorker(entry: Entry): Promise<void> {
    const service = entry.spec.service;
    await this.warming.get(service);
    const warm = this.hub.host.get(service);
    if (warm && this.warmSpecs.get(service) === JSON.stringify(entry.spec)) {
      this.warmSpecs.delete(service);
      entry.worker = warm;
      this.noteRemoteOnly(entry);
      this.refreshWorkerAddresses(this.hub.host.currentUrls());
      return;
    }
    this.warmSpecs.delete(service);
    this.hub.lastLoadError.delete(service);
    this.hub.host.rememberRoot(entry.spec.service, entry.spec.root);
    const worker = await this.hub.host.prepare(entry.spec);
    entry.worker = worker;
    this.noteRemoteOnly(entry);
    // One at a time, so that a set workerd refuses is this Worker's fault, not a sibling's added meanwhile.
    const urls = await this.exclusive(async () => {
      this.hub.host.set(worker);
      try {
        return await this.hub.host.apply();
      } catch (error) {
        // One broken Worker must not take the others down: run the rest without it.
        this.hub.host.remove(entry.spec.service);
        this.refreshWorkerAddresses(await this.hub.host.apply().catch(() => new Map<string, string>()));
        // workerd's own reason (e.g. "Uncaught Error: …" at load) beats Miniflare's generic one.
        const reason = this.hub.lastLoadError.get(entry.spec.service) ?? (error as Error).message;
        throw new UserError(`workerd could not start ${entry.spec.service}: ${inertText(reason)}`);
      }
    });
    this.refreshWorkerAddresses(urls);
  }

  /** Changes to workerd's set of Workers (set, apply, undo) happen one after another. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.workerdTurn.then(work);
    this.workerdTurn = run.catch(() => undefined);
    return run;
  }

  private workerdTurn: Promise<unknown> = Promise.resolve();

  /** Says once which bindings are remote-only (status, dashboard, one log line). */
  noteRemoteOnly(entry: Entry): void {
    const remote = entry.worker?.remoteOnly ?? [];
    const listed = remote.map((b) => `${b.binding} (${b.kind})`);
    if (JSON.stringify(entry.status.remoteOnly ?? []) === JSON.stringify(listed)) return;
    entry.status.remoteOnly = listed.length ? listed : undefined;
    if (listed.length) this.hub.events.log(entry.spec.service, 'system', `WARN remote-only, not bound locally: ${listed.join(', ')} — a call to one fails with a message naming it`, 'warn');
  }

  refreshWorkerAddresses(urls: Map<string, string>): void {
    for (const [service, url] of urls) {
      const e = this.hub.entries.get(service);
      if (!e) continue;
      e.status.url = url;
      e.status.port = Number(new URL(url).port);
      e.status.pid = this.hub.host.pid;
    }
    this.hub.routesChanged();
  }

  startCommand(entry: Entry): void {
    if (entry.spec.kind !== 'service') return;
    const command = entry.spec.command;
    const run = entry.run;
    const child = startChild({
      command: command.command,
      cwd: command.cwd,
      env: { ...command.env, ...(entry.spec.port !== undefined ? { PORT: String(entry.spec.port) } : {}) },
      onLine: (stream, line) => this.hub.events.log(entry.spec.service, stream, line),
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

  async waitHealthy(entry: Entry, run: number): Promise<void> {
    entry.abort?.abort();
    const abort = new AbortController();
    entry.abort = abort;
    const target = { host: '127.0.0.1', port: entry.status.port ?? 0 };
    if (!entry.probe || entry.status.port === undefined) {
      // Nothing to probe: healthy once it has stayed up briefly.
      await new Promise((r) => this.hub.clock.setTimeout(() => r(undefined), 500));
      if (run === entry.run && entry.status.state === 'starting') this.hub.events.setState(entry, 'healthy', { health: 'running (no probe configured)' });
      return;
    }
    try {
      const result = await waitUntilHealthy(target, entry.probe, {
        clock: this.hub.clock,
        signal: abort.signal,
        onAttempt: (r) => {
          if (run === entry.run) entry.status.health = r.observation;
        },
      });
      if (run === entry.run && entry.status.state === 'starting') this.hub.events.setState(entry, 'healthy', { health: result.observation });
    } catch (error) {
      if (run !== entry.run || abort.signal.aborted) return;
      this.hub.events.setState(entry, 'unhealthy', { health: (error as Error).message });
    }
  }

  async monitorHealth(): Promise<void> {
    for (const entry of this.hub.entries.values()) {
      const { state, port } = entry.status;
      if ((state !== 'healthy' && state !== 'unhealthy') || !entry.probe || port === undefined) continue;
      // workerd restarting to add or reload a Worker is not a health problem.
      if (entry.spec.kind === 'worker' && this.hub.host.busy) continue;
      const run = entry.run;
      const result = await probeOnce({ host: '127.0.0.1', port }, entry.probe);
      if (run !== entry.run || (entry.spec.kind === 'worker' && this.hub.host.busy)) continue;
      entry.status.health = result.observation;
      if (result.ok && entry.status.state === 'unhealthy') this.hub.events.setState(entry, 'healthy');
      else if (!result.ok && entry.status.state === 'healthy') this.hub.events.setState(entry, 'unhealthy');
    }
  }

  crashed(entry: Entry, exitCode: number | undefined, why: string): void {
    entry.run++;
    entry.abort?.abort();
    const delay = entry.policy.exited();
    entry.status.restarts = entry.policy.restarts;
    this.hub.events.setState(entry, 'failed', { exitCode, health: `${why}; restarting in ${Math.round(delay / 100) / 10} s`, pid: undefined });
    entry.restartTimer = this.hub.clock.setTimeout(() => {
      entry.restartTimer = undefined;
      if (this.hub.entries.get(entry.spec.service) === entry && !this.hub.shuttingDown) void this.startService(entry);
    }, delay);
  }

  onWorkerdExit(pid: number): void {
    if (this.hub.shuttingDown) return;
    const delay = this.hub.workerPolicy.exited();
    const affected = [...this.hub.entries.values()].filter((e) => e.spec.kind === 'worker' && this.hub.host.has(e.spec.service));
    for (const entry of affected) {
      entry.run++;
      entry.abort?.abort();
      entry.status.restarts++;
      this.hub.events.setState(entry, 'failed', { health: `workerd (pid ${pid}) exited; restarting in ${Math.round(delay / 100) / 10} s`, pid: undefined });
    }
    if (this.workerRestartTimer) this.hub.clock.clearTimeout(this.workerRestartTimer);
    this.workerRestartTimer = this.hub.clock.setTimeout(() => {
      this.workerRestartTimer = undefined;
      if (this.hub.shuttingDown) return;
      const runs = affected.map((entry) => {
        entry.run++;
        this.hub.events.setState(entry, 'starting');
        return entry.run;
      });
      this.hub.host
        .apply()
        .then((urls) => {
          this.refreshWorkerAddresses(urls);
          affected.forEach((entry, i) => void this.waitHealthy(entry, runs[i]));
        })
        .catch((error) => {
          for (const entry of affected) this.hub.events.log(entry.spec.service, 'system', `ERROR workerd did not restart: ${(error as Error).message}`, 'error');
          // Try again on the backoff schedule rather than leaving every Worker down for good.
          this.onWorkerdExit(pid);
        });
    }, delay);
  }


  reportProcesses(): void {
    const groups = [...this.hub.entries.values()].flatMap((e) => (e.child?.pid ? [{ pgid: e.child.pid, startedAt: e.child.startedAt }] : []));
    this.hub.opts.onProcessesChanged?.(groups);
  }


  /** Workers being bundled and started ahead of their tasks' attach (see prewarm), by service. */
  private readonly warming = new Map<string, Promise<void>>();

  /** The spec each prewarmed Worker was started from: an attach with a different one starts afresh. */
  private readonly warmSpecs = new Map<string, string>();

  private workerRestartTimer: unknown;
}
