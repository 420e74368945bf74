import { relative } from 'node:path';
import type { ServiceState } from '../protocol';
import { oneLine, sameWorker, type Entry } from './entry';
import { watchForChanges } from './debounced-watcher';
import { NotSwappable, type HostedWorker } from './worker-host';
import type { HubParts } from './hub-parts';

const SWAPPED = 'swapped in place';

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
    // A save that changed nothing workerd would run (a touched file, a file esbuild does not bundle):
    // no restart, no log line.
    const previousVersion = this.hub.host.get(entry.spec.service);
    if (!why && state === 'healthy' && previousVersion && sameWorker(previousVersion, prepared)) return;
    this.hub.lastLoadError.delete(entry.spec.service);
    // A save (or "reload now") swaps the new code into the running Worker; a restart asked for, or a
    // Worker that cannot be swapped, restarts workerd.
    let restartReason: string | undefined;
    if (!restart) {
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
