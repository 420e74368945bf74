import type { Entry } from './entry';
import { orderServices } from './graph-order';
import type { HubParts } from './hub-parts';

/** Gating: a service starts once its upstream services are healthy; a failed upstream blocks it (never stops it). */
export class StartGate {
  constructor(private readonly hub: Pick<HubParts, 'clock' | 'entries' | 'events' | 'opts' | 'starter'>) {}

  evaluateGates(): void {
    const { cycles } = orderServices([...this.hub.entries.keys()], (s) => this.hub.entries.get(s)?.spec.upstream ?? []);
    const cycleMates = (service: string) => new Set(cycles.filter((c) => c.includes(service)).flat());
    for (const entry of this.hub.entries.values()) {
      if (entry.status.state !== 'pending' && entry.status.state !== 'blocked') continue;
      const mates = cycleMates(entry.spec.service);
      const upstream = entry.spec.upstream.filter((u) => u !== entry.spec.service && !mates.has(u));
      if (upstream.every((u) => this.hub.entries.get(u)?.status.state === 'healthy')) {
        if (entry.gateTimer) this.hub.clock.clearTimeout(entry.gateTimer);
        entry.gateTimer = undefined;
        void this.hub.starter.startService(entry);
        continue;
      }
      // An upstream that failed (or is itself blocked) blocks this one until it is healthy again;
      // nothing else is stopped, and this one starts by itself once the upstream recovers.
      const broken = upstream.map((u) => this.hub.entries.get(u)).find((u) => u?.status.state === 'failed' || u?.status.state === 'blocked');
      if (broken) this.block(entry, this.describeUpstream(broken.spec.service));
    }
  }

  describeUpstream(service: string): string {
    const up = this.hub.entries.get(service);
    if (!up) return `waiting for ${service}, which is not running in this dev session (start it: nx run ${service}:dev)`;
    return `waiting for ${service} (${up.status.state}${up.status.health ? `: ${up.status.health}` : ''})`;
  }

  block(entry: Entry, reason: string): void {
    if (entry.status.state === 'blocked' && entry.status.health === reason) return;
    if (entry.status.state === 'blocked') {
      entry.status.health = reason;
      this.hub.events.send(entry, { type: 'status', status: { ...entry.status } });
      return;
    }
    this.hub.events.setState(entry, 'blocked', { health: reason });
  }

  gateTimedOut(entry: Entry): void {
    entry.gateTimer = undefined;
    if (entry.status.state !== 'pending' && entry.status.state !== 'blocked') return;
    const waiting = entry.spec.upstream.filter((u) => this.hub.entries.get(u)?.status.state !== 'healthy').map((u) => this.describeUpstream(u));
    // Still waiting, not failed: an upstream that comes later (or recovers) starts this one.
    this.block(entry, `${waiting.join('; ')} — not healthy after ${Math.round((this.hub.opts.gateTimeoutMs ?? 60_000) / 1000)} s`);
    this.hub.events.log(entry.spec.service, 'system', `WARN ${entry.spec.service} is blocked: ${entry.status.health}`, 'warn');
  }
}
