import { statSync } from 'node:fs';
import { relative } from 'node:path';
import type { ServiceState } from '../protocol';
import { oneLine, sameWorker, type Entry } from './entry';
import { watchForChanges } from './debounced-watcher';
import { NotSwappable, type HostedWorker } from './worker-host';
import type { HubParts } from './hub-parts';

const SWAPPED = 'swapped in place';

/**
 * Workers' watchers are set up once a burst of starts is over (WATCH_SETTLE_MS without another), at most
 * WATCH_AT_MOST_MS after its first: a 100-Worker start opens a gate every few ms, and a chokidar scan per gate
 * slowed every gate after it (0.35–0.45 s of the start at 100 Workers, measured). A save made before a watcher
 * is ready is caught when it is: a file read for the running version and changed since reloads it.
 */
const WATCH_SETTLE_MS = 100;
const WATCH_AT_MOST_MS = 2000;
/** File times come from a coarser clock than Date.now() (a few ms behind): a change this close counts. */
const FILE_CLOCK_SLACK_MS = 20;

/** When a reload's steps happened (clock time): the watcher saw the save, the reload started, the bundle was built. */
interface ReloadParts {
  seenAt: number;
  startedAt: number;
  builtAt?: number;
}

/** Reloads on change: a save rebuilds the Worker and swaps it in; a failure keeps the last good version serving. */
export class WorkerReloads {
  constructor(private readonly hub: Pick<HubParts, 'clock' | 'entries' | 'events' | 'host' | 'lastLoadError' | 'opts' | 'shuttingDown' | 'starter'>) {}

  ensureWatcher(entry: Entry): void {
    if (entry.watcher || entry.spec.watch.length === 0) return;
    entry.watcher = watchForChanges({
      paths: entry.spec.watch,
      onChange: (changed, firstAt) => void this.reload(entry, changed, undefined, false, firstAt),
    });
  }

  private burst: { entries: Set<Entry>; firstAt: number; timer: unknown; watching: Promise<void>; settle(): void } | undefined;

  /** A started Worker's watcher, with its burst's (see WATCH_SETTLE_MS); anything else's at once. */
  watchSoon(entry: Entry): void {
    if (entry.watcher || entry.spec.watch.length === 0) return;
    if (!entry.worker?.read) return this.ensureWatcher(entry);
    const now = this.hub.clock.now();
    if (!this.burst) {
      let settle!: () => void;
      const watching = new Promise<void>((resolve) => (settle = resolve));
      this.burst = { entries: new Set(), firstAt: now, timer: undefined, watching, settle };
    }
    const burst = this.burst;
    burst.entries.add(entry);
    if (burst.timer) this.hub.clock.clearTimeout(burst.timer);
    burst.timer = this.hub.clock.setTimeout(() => this.watchBurst(burst), Math.max(0, Math.min(WATCH_SETTLE_MS, burst.firstAt + WATCH_AT_MOST_MS - now)));
  }

  /** Resolves once the service's watcher sees changes (one still waiting for its burst included). */
  async watching(entry: Entry): Promise<void> {
    if (this.burst?.entries.has(entry)) await this.burst.watching;
    await entry.watcher?.ready;
  }

  private watchBurst(burst: NonNullable<WorkerReloads['burst']>): void {
    if (this.burst === burst) this.burst = undefined;
    const ready: Promise<void>[] = [];
    for (const entry of burst.entries) {
      const state = entry.status.state;
      if (this.hub.entries.get(entry.spec.service) !== entry || this.hub.shuttingDown || entry.watcher || state === 'stopping' || state === 'stopped') continue;
      this.ensureWatcher(entry);
      const version = entry.worker;
      const watcher = entry.watcher as Entry['watcher']; // set by ensureWatcher just now
      if (watcher) ready.push(watcher.ready.then(() => this.catchUp(entry, version)));
    }
    void Promise.all(ready).finally(() => burst.settle());
  }

  /** Reloads a Worker whose files changed after its running version read them and before its watcher was ready. */
  private catchUp(entry: Entry, version: HostedWorker | undefined): void {
    if (!version?.read || entry.worker !== version || this.hub.entries.get(entry.spec.service) !== entry) return;
    const since = version.read.at - FILE_CLOCK_SLACK_MS;
    const changed = [...version.inputs, ...version.read.configFiles].filter((file) => (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity) >= since);
    if (changed.length) void this.reload(entry, changed, undefined, false, this.hub.clock.now());
  }

  /**
   * `why` names a reload nobody saved for (the dashboard's); `restart` restarts workerd instead of swapping;
   * `seenAt` is when the watcher saw the save (the reload's parts are timed from it).
   */
  async reload(entry: Entry, changed: string[], why?: string, restart = false, seenAt?: number): Promise<void> {
    if (this.hub.entries.get(entry.spec.service) !== entry || this.hub.shuttingDown) return;
    const state = entry.status.state;
    if (state === 'pending' || state === 'blocked' || state === 'stopping' || state === 'stopped') return;
    const started = this.hub.clock.now();
    const parts: ReloadParts = { seenAt: seenAt ?? started, startedAt: started };
    const what = why ?? `a change in ${changed.length === 1 ? relative(this.hub.opts.workspaceRoot, changed[0]) : `${changed.length} files`}`;
    if (entry.spec.kind !== 'worker') {
      this.hub.events.log(entry.spec.service, 'system', `${what}: restarting`);
      const run = ++entry.run;
      await entry.child?.stop();
      entry.child = undefined;
      if (run !== entry.run) return;
      void this.hub.starter.startService(entry);
      return;
    }
    if (restart) entry.restartAsked = true;
    const run = ++entry.run;
    let prepared: HostedWorker;
    try {
      prepared = await this.hub.host.prepare(entry.spec);
    } catch (error) {
      // A bundle or config error never reaches workerd: whatever ran before still runs.
      this.reloadFailed(entry, state, (error as Error).message, this.hub.host.has(entry.spec.service));
      return;
    }
    if (run !== entry.run) return;
    parts.builtAt = this.hub.clock.now();
    // A restart asked for and taken over by this (newer) reload is done by this one.
    const restarting = restart || !!entry.restartAsked;
    // A save that changed nothing workerd would run (a touched file, a file esbuild does not bundle):
    // no restart, no log line.
    const previousVersion = this.hub.host.get(entry.spec.service);
    if (!why && !restarting && state === 'healthy' && previousVersion && sameWorker(previousVersion, prepared)) return;
    this.hub.lastLoadError.delete(entry.spec.service);
    // A save (or "reload now") swaps the new code into the running Worker; a restart asked for, or a
    // Worker that cannot be swapped, restarts workerd.
    let restartReason: string | undefined;
    if (!restarting) {
      restartReason = await this.hub.starter.exclusive(async () => {
        if (run !== entry.run) return undefined; // a newer save (or a stop) took over
        try {
          await this.hub.host.swapIn(prepared);
        } catch (error) {
          if (error instanceof NotSwappable) return error.message;
          this.reloadFailed(entry, state, (error as Error).message, true);
          return undefined;
        }
        entry.worker = prepared;
        this.reloaded(entry, run, what, parts, SWAPPED);
        return undefined;
      });
      if (restartReason === undefined) return;
    }
    // The proxy holds requests to every Worker until the restart (and any restore) is over.
    await this.hub.starter.exclusive(() => {
      if (run !== entry.run) return Promise.resolve();
      entry.restartAsked = false;
      const previous = this.hub.host.get(entry.spec.service);
      return this.hub.host.during(() => this.restartWith(entry, prepared, previous, state, run, what, parts, restartReason));
    });
  }

  /**
   * Logs the reload with its parts — watcher's settle (seen → started), build, swap or restart — in the line
   * and as fields (`nx-edge logs --json`, bench/dev.mjs), so any machine shows where its time goes.
   */
  private reloaded(entry: Entry, run: number, what: string, parts: ReloadParts, how: string): void {
    const doneAt = this.hub.clock.now();
    const builtAt = parts.builtAt ?? parts.startedAt;
    const took = doneAt - parts.startedAt;
    const swapped = how === SWAPPED;
    const fields = { event: 'reload', seenAt: parts.seenAt, settleMs: parts.startedAt - parts.seenAt, buildMs: builtAt - parts.startedAt, [swapped ? 'swapMs' : 'restartMs']: doneAt - builtAt, doneAt };
    this.hub.events.log(entry.spec.service, 'system', `reloaded after ${what} (${took} ms, ${how}; build ${builtAt - parts.startedAt} ms, ${swapped ? 'swap' : 'restart'} ${doneAt - builtAt} ms)`, 'info', fields);
    if (entry.status.state === 'failed') this.hub.events.setState(entry, 'starting');
    this.hub.events.setState(entry, entry.status.state, { lastReloadMs: took });
    if (entry.status.state !== 'healthy') void this.hub.starter.waitHealthy(entry, run);
  }

  /** Restarts workerd with the new version (every Worker keeps its port; the proxy holds requests meanwhile). */
  async restartWith(entry: Entry, prepared: HostedWorker, previous: HostedWorker | undefined, state: ServiceState, run: number, what: string, parts: ReloadParts, restartReason?: string): Promise<void> {
    this.hub.host.set(prepared);
    if (state === 'failed') this.hub.events.setState(entry, 'starting');
    try {
      const urls = await this.hub.host.apply();
      entry.worker = prepared;
      this.hub.starter.noteRemoteOnly(entry);
      this.hub.starter.refreshWorkerAddresses(urls);
      this.reloaded(entry, run, what, parts, restartReason ? `workerd restarted: ${restartReason}` : 'workerd restarted');
    } catch (error) {
      // workerd refused the new set (e.g. the Worker throws at load): put the last good version back
      // (or leave this Worker out) so every other Worker keeps serving; the next save tries again.
      const reason = this.hub.lastLoadError.get(entry.spec.service) ?? (error as Error).message;
      if (previous) this.hub.host.set(previous);
      else this.hub.host.remove(entry.spec.service);
      let restored = true;
      try {
        this.hub.starter.refreshWorkerAddresses(await this.hub.host.apply());
      } catch (restoreError) {
        restored = false;
        this.hub.events.log(entry.spec.service, 'system', `ERROR workerd did not come back after the failed reload: ${(restoreError as Error).message}`, 'error');
        this.hub.starter.onWorkerdExit(this.hub.host.pid ?? 0);
      }
      this.reloadFailed(entry, state, reason, restored && previous !== undefined);
    }
  }

  /** Says what is true after a reload that did not take: the previous version serves, or nothing does. */
  reloadFailed(entry: Entry, stateBefore: ServiceState, reason: string, previousServes: boolean): void {
    const firstLine = oneLine(reason);
    if (previousServes && stateBefore !== 'failed') {
      this.hub.events.log(entry.spec.service, 'system', `ERROR reload failed, still serving the previous version (fix and save to retry): ${reason}`, 'error');
      if (entry.status.state === 'starting') this.hub.events.setState(entry, 'healthy');
      return;
    }
    this.hub.events.log(entry.spec.service, 'system', `ERROR reload failed (fix and save to retry): ${reason}`, 'error');
    this.hub.events.setState(entry, 'failed', { health: firstLine, pid: undefined });
  }
}
