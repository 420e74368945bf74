import type { HubParts } from './hub-parts';
import type { Entry } from './entry';
import { orderServices, stopOrder } from './graph-order';

/** Stopping: dependents first, each `stopping` → `stopped`; workerd goes once nothing still needs it. */
export class ServiceStopper {
  constructor(private readonly hub: Pick<HubParts, 'clock' | 'entries' | 'events' | 'host' | 'starter'>) {}

  /** Stops services dependents first (see stopEntry). Resolves with how many were running. */
  async stopServices(services: string[]): Promise<number> {
    const { levels } = orderServices([...this.hub.entries.keys()], (s) => this.hub.entries.get(s)?.spec.upstream ?? []);
    const wanted = new Set(services);
    const order = stopOrder(levels).filter((s) => wanted.has(s));
    const later = new Set(order);
    let stopped = 0;
    for (const service of order) {
      later.delete(service);
      if (await this.stopEntry(this.hub.entries.get(service)!, later)) stopped++;
    }
    return stopped;
  }

  /**
   * One service, `stopping` → `stopped`: its timers, probe, watcher and process end. Workers share one
   * workerd: a Worker is taken out of it on its turn, and workerd is stopped outright once no service
   * still running needs any of the Workers left (all of them stop `later` in this round). Resolves
   * with whether it was running.
   */
  private async stopEntry(entry: Entry, later: Set<string>): Promise<boolean> {
    const { clock, host } = this.hub;
    const service = entry.spec.service;
    entry.run++;
    entry.restartAsked = false;
    entry.abort?.abort();
    if (entry.gateTimer) clock.clearTimeout(entry.gateTimer);
    if (entry.restartTimer) clock.clearTimeout(entry.restartTimer);
    entry.gateTimer = entry.restartTimer = undefined;
    const wasRunning = entry.status.state !== 'stopped';
    if (wasRunning) this.hub.events.setState(entry, 'stopping');
    await entry.watcher?.close();
    entry.watcher = undefined;
    if (entry.child) {
      await entry.child.stop(5000);
      entry.child = undefined;
      this.hub.starter.reportProcesses();
    }
    if (host.remove(service)) {
      const stillNeeded = host
        .hosted()
        .some((w) => [...this.hub.entries.values()].some((e) => e.spec.kind !== 'worker' && e.status.state !== 'stopped' && e.spec.service !== service && e.spec.upstream.includes(w.service)));
      if (!stillNeeded && host.hosted().every((w) => later.has(w.service))) await host.stopRuntime();
      // The Workers left may answer on new ports (Miniflare numbers its sockets by position).
      else this.hub.starter.refreshWorkerAddresses(await host.apply().catch(() => new Map<string, string>()));
    }
    if (wasRunning) this.hub.events.setState(entry, 'stopped', { pid: undefined });
    return wasRunning;
  }
}
